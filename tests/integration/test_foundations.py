"""Encryption at rest, the audit chain and leases, against the real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from advocacy import audit
from advocacy.crypto import ERASED_TEXT, DataErased, Keyring, MasterKeyError, decode_master_key, new_master_key
from advocacy.leases import LeasedJob, acquire
from advocacy.store import PyMongoError

# crypto -----------------------------------------------------------------------


def _key() -> bytes:
    return decode_master_key(new_master_key(), "test")


async def test_sealed_text_is_unreadable_in_the_database_and_opens_only_for_its_child_and_purpose(server):
    keyring = Keyring(server.store, _key())
    sealed = await keyring.seal("ch_a", "my foster carer shouts at me", "message")
    await server.store.messages.insert_one({"text": sealed})
    raw = await server.store.messages.find_one({})
    assert b"shouts" not in raw["text"] and isinstance(raw["text"], bytes)
    assert await keyring.unseal("ch_a", raw["text"], "message") == "my foster carer shouts at me"
    await keyring.seal("ch_b", "x", "message")
    with pytest.raises(DataErased):
        await keyring.unseal("ch_b", raw["text"], "message")  # copied to another child
    with pytest.raises(DataErased):
        await keyring.unseal("ch_a", raw["text"], "name")  # copied to another field
    stored_key = await server.store.keys.find_one({"_id": "ch_a"})
    assert len(stored_key["wrapped"]) > 32  # only the wrapped form is stored


async def test_shredding_a_childs_key_erases_their_data_for_every_process(server):
    one, other = Keyring(server.store, master := _key()), Keyring(server.store, master)
    sealed = await one.seal("ch_a", "something private", "message")
    assert await other.unseal("ch_a", sealed, "message") == "something private"
    keep = await one.seal("ch_b", "not erased", "message")
    assert await one.shred("ch_a")
    with pytest.raises(DataErased):
        await one.unseal("ch_a", sealed, "message")
    other.forget("ch_a")
    assert await other.unseal_or_erased("ch_a", sealed, "message") == ERASED_TEXT
    assert await other.unseal("ch_b", keep, "message") == "not erased"


async def test_two_processes_sealing_a_new_childs_first_words_at_once_share_one_data_key(server):
    master = _key()
    processes = [Keyring(server.store, master) for _ in range(4)]
    sealed = await asyncio.gather(*(k.seal("ch_new", f"m{i}", "message") for i, k in enumerate(processes)))
    assert await server.store.keys.count_documents({"_id": "ch_new"}) == 1
    reader = Keyring(server.store, master)
    assert [await reader.unseal("ch_new", s, "message") for s in sealed] == ["m0", "m1", "m2", "m3"]


async def test_rotation_rewraps_every_data_key_while_old_and_new_keys_both_open(server):
    old, new = _key(), _key()
    # The service's own keys, made when the server started (e.g. its push key), under the server's master key.
    made_at_start = await server.store.keys.count_documents({})
    before = Keyring(server.store, old)
    sealed = {child: await before.seal(child, f"words of {child}", "message") for child in ("ch_a", "ch_b", "ch_c")}
    during = Keyring(server.store, new, previous=[old, decode_master_key(server.settings.master_key, "test")])
    assert await during.unseal("ch_a", sealed["ch_a"], "message") == "words of ch_a"
    assert await during.rewrap_all() == 3 + made_at_start
    assert await during.rewrap_all() == 0
    after = Keyring(server.store, new)
    for child, value in sealed.items():
        assert await after.unseal(child, value, "message") == f"words of {child}"
    with pytest.raises(MasterKeyError):
        await Keyring(server.store, old).unseal("ch_a", sealed["ch_a"], "message")


async def test_a_wrong_master_key_is_refused_not_mistaken_for_erasure(server):
    sealed = await Keyring(server.store, _key()).seal("ch_a", "x", "message")
    with pytest.raises(MasterKeyError, match="master key"):
        await Keyring(server.store, _key()).unseal("ch_a", sealed, "message")


# audit ------------------------------------------------------------------------


async def _chain(server, n: int) -> None:
    for i in range(n):
        await audit.record(server.store, server.clock, actor=f"st_{i}", role="advocate", action="child.read",
                           subject="ch_a", concern=f"co_{i}")


async def test_audit_chain_verifies_and_concurrent_writers_take_turns(server):
    await _chain(server, 3)
    await asyncio.gather(*(audit.record(server.store, server.clock, actor="st_x", role="manager", action="x",
                                        n=str(i)) for i in range(15)))
    checked, broken = await audit.verify(server.store)
    assert (checked, broken) == (18, None)
    assert [e["_id"] async for e in server.store.audit.find({}, {"_id": 1}).sort("_id", 1)] == list(range(1, 19))


@pytest.mark.parametrize(
    "tamper, seq, problem",
    [
        (lambda coll: coll.update_one({"_id": 2}, {"$set": {"actor": "st_someone_else"}}), 2, "changed"),
        (lambda coll: coll.update_one({"_id": 3}, {"$set": {"ids.concern": "co_other"}}), 3, "changed"),
        (lambda coll: coll.delete_one({"_id": 2}), 2, "missing"),
        (lambda coll: coll.delete_one({"_id": 1}), 1, "missing"),
    ],
)
async def test_audit_verify_names_the_first_changed_or_removed_entry(server, tamper, seq, problem):
    await _chain(server, 4)
    await tamper(server.store.audit)
    _, broken = await audit.verify(server.store)
    assert broken is not None and broken.seq == seq and problem in broken.problem


async def test_audit_verify_catches_entries_swapped_or_rewritten_with_fresh_hashes(server):
    await _chain(server, 4)
    second = await server.store.audit.find_one({"_id": 2})
    third = await server.store.audit.find_one({"_id": 3})
    # Swap the contents of entries 2 and 3, recomputing each one's own hash: the links still break.
    for seq, source in ((2, third), (3, second)):
        swapped = {**source, "_id": seq}
        swapped["hash"] = audit.entry_hash(swapped)
        await server.store.audit.replace_one({"_id": seq}, swapped)
    _, broken = await audit.verify(server.store)
    assert broken is not None and broken.seq == 2 and "removed or reordered" in broken.problem


async def test_audit_entries_take_identifiers_not_structures(server):
    with pytest.raises(TypeError):
        await audit.record(server.store, server.clock, actor="st", role="advocate", action="x", text={"a": 1})
    assert await server.store.audit.count_documents({}) == 0


# leases -----------------------------------------------------------------------


async def test_a_lease_has_one_holder_until_it_expires(server):
    store, clock, ttl = server.store, server.clock, timedelta(seconds=30)
    assert await acquire(store, clock, "sweeper", "one", ttl)
    assert not await acquire(store, clock, "sweeper", "two", ttl)
    assert await acquire(store, clock, "sweeper", "one", ttl)  # renewal
    clock.advance(timedelta(seconds=31))
    assert await acquire(store, clock, "sweeper", "two", ttl)
    assert not await acquire(store, clock, "sweeper", "one", ttl)


async def test_two_processes_running_a_leased_job_at_once_run_it_once(server):
    runs = []

    async def job() -> None:
        runs.append(1)
        await asyncio.sleep(0.05)

    jobs = [LeasedJob(server.store, server.clock, "retention", 60, job, holder=f"p{i}") for i in range(2)]
    ran = await asyncio.gather(*(j.run_once() for j in jobs))
    assert sorted(ran) == [False, True] and len(runs) == 1
    winner = jobs[ran.index(True)]
    await winner.stop()  # releasing lets the other take over at once
    assert await jobs[ran.index(False)].run_once()


async def test_stopping_a_leased_job_lets_the_run_in_progress_finish(server):
    finished = []
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        await asyncio.sleep(0.3)
        await server.store.leases.find_one({"_id": "a test job"})  # a read that stopping must not cut off
        finished.append(1)

    # A lease of its own: the server's jobs hold theirs.
    leased = LeasedJob(server.store, server.clock, "a test job", 60, job, holder="p1")
    leased.start()
    await started.wait()
    await leased.stop()
    assert finished == [1]
    assert await server.store.leases.find_one({"_id": "a test job"}) is None  # released


async def test_stopping_a_leased_job_ends_even_when_its_run_loses_the_cancellation(server):
    # The driver may turn a cancelled read into an error of its own, which the job's loop logs and
    # carries on from: the stop must end all the same.
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise PyMongoError("the read was cut off") from None

    leased = LeasedJob(server.store, server.clock, "a test job", 3600, job, holder="p1")
    leased.stop_grace_seconds = 0.1
    leased.start()
    await started.wait()
    stopping = asyncio.create_task(leased.stop())
    done, _ = await asyncio.wait({stopping}, timeout=10)  # not wait_for: cancelling the stop would end it
    assert done == {stopping}
