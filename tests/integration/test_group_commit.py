"""Group commit against the real database: many writers, few writes, every one accounted for."""

from __future__ import annotations

import asyncio

from advocacy import audit
from advocacy.crypto import Keyring, decode_master_key
from advocacy.store import IN_PART, Store, find_in
from tests.support import sign_in


async def test_concurrent_sends_are_stored_in_batches_each_acknowledged_once_and_resends_stay_single(world, screens):
    server = world.server
    chat = server.services.chat
    people = []
    for child in world.children:
        people.append((screens.open([server.url], await sign_in(server, child)), world.conversation_of(child)))
    for participant, _ in people:
        await participant.start()
    calls_before = chat.writes.calls
    sends = [participant.send(conv, f"at once {i}", client_id=f"burst-{i}")
             for i in range(15) for participant, conv in people]
    acks = await asyncio.gather(*sends)
    resends = await asyncio.gather(*(participant.send(conv, "at once 0", client_id="burst-0")
                                     for participant, conv in people))
    assert all(a["ok"] for a in acks + resends)
    assert len({a["message"]["id"] for a in acks}) == 45
    assert {a["message"]["id"] for a in resends} <= {a["message"]["id"] for a in acks}
    assert await server.store.messages.count_documents({"client_id": {"$regex": "^burst-"}}) == 45
    assert chat.writes.calls - calls_before < 45  # grouped: fewer database writes than messages


async def test_audit_entries_from_two_processes_at_once_form_one_unbroken_chain(server, database_uri, database_name):
    other = await Store.connect(database_uri, database_name)  # a second process's connection
    Keyring(other, decode_master_key(server.settings.master_key, "test")).attach()  # with the same master key
    try:
        writers = [audit.record(store, server.clock, actor=f"st_{i}", role="advocate", action="chat.history",
                                subject="ch_a") for i in range(30) for store in (server.store, other)]
        numbers = await asyncio.gather(*writers)
    finally:
        await other.close()
    assert sorted(numbers) == list(range(1, 61))
    assert await audit.verify(server.store) == (60, None)


async def test_a_long_in_list_is_read_in_parts_and_finds_each_document_once(server):
    """``find_in`` asks for at most ``IN_PART`` values a command (SecantusDB's cost of ``$in`` grows with
    the square of the list), and finds every document the one read would have, each once."""
    collection = server.store.db["in_parts"]
    await collection.insert_many([{"_id": f"d_{n:04d}", "kind": n % 2} for n in range(IN_PART * 3)])
    wanted = [f"d_{n:04d}" for n in range(IN_PART * 3 - 5)] + ["d_0000", "nobody"]  # a repeat, a missing one
    before = server.store.commands.counts.copy()
    found = [d["_id"] async for d in find_in(collection, "_id", wanted, {"_id": 1})]
    assert sorted(found) == sorted(set(wanted) - {"nobody"})
    assert (server.store.commands.counts - before)[("find", "in_parts")] == 3  # 146 values: parts of 50
    odd = [d["_id"] async for d in find_in(collection, "_id", wanted, {"_id": 1}, kind=1)]
    assert sorted(odd) == sorted(i for i in set(wanted) - {"nobody"} if int(i[2:]) % 2 == 1)
