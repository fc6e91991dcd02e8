"""The escalation ladder with the clock moving: each step once, with two sweepers, after a downtime."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from advocacy.chat.service import message_purpose
from advocacy.concerns.ladder_rules import Step
from advocacy.concerns.sweeper import Sweeper, sweeper_job
from tests.support import connect, start_server


async def notices_to(server, child) -> list[str]:
    """The service's notices in the child's chat, oldest first (opened as the chat opens them)."""
    conv = await server.store.conversations.find_one({"child": child.id, "active": True})
    docs = await (server.store.messages.find({"conversation": conv["_id"], "sender.id": "service"})
                  .sort("_id", 1).to_list(None))
    keyring = server.services.keyring
    return [await keyring.unseal(child.id, m["text"], message_purpose(m["_id"])) for m in docs]


async def notifications(server, **query) -> list[dict]:
    return await server.store.notifications.find(query).sort("_id", 1).to_list(None)


def move_to(server, instant: datetime) -> None:
    server.clock.advance(instant - server.clock.now() + timedelta(seconds=1))


async def quiet_sweeper(server) -> Sweeper:
    """Stop the server's own background sweeper, so the test decides when sweeps happen."""
    await server.services.sweeper_job.stop()
    return Sweeper(server.store, server.clock, server.services.ladder)


async def test_a_concern_climbs_the_ladder_exactly_once(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    sweeper = await quiet_sweeper(server)
    child_chat = await connect(server, amira)
    advocate_console, manager_console = (await connect(server, ada, "/console"),
                                         await connect(server, world.manager, "/console"))
    worry = (await (await apis(server, amira)).post("/api/concerns", {
        "child": amira.id, "category": "placement", "severity": "standard",
        "child_words": "My carer says I have to move and nobody asked me.",
        "child_wants": "To stay where I am."}))[1]["concern"]
    cid = worry["id"]
    assert (await advocate_console.next("notification"))["kind"] == "concern.raised"
    stored = await server.store.concerns.find_one({"_id": cid})
    deadlines = stored["deadlines"]

    assert (await sweeper.sweep()).steps == 0

    move_to(server, deadlines["reminder_at"])
    assert (await sweeper.sweep()).steps == 1
    reminder = await advocate_console.next("notification")
    assert (reminder["kind"], reminder["ids"]) == ("concern.due_soon", {"concern": cid})
    assert (await sweeper.sweep()).steps == 0
    assert await advocate_console.nothing("notification")

    move_to(server, deadlines["manager_by"])
    assert (await sweeper.sweep()).steps == 1
    told = await manager_console.next("notification")
    assert (told["kind"], told["ids"]) == ("concern.escalated", {"concern": cid, "level": "manager"})
    assert (await advocate_console.next("notification"))["ids"]["level"] == "manager"
    notice = await child_chat.next("message")
    assert notice["sender"]["role"] == "service"
    assert notice["text"] == ('About your worry "Where I live": It hasn\'t been sorted out yet, '
                              "so your advocate's manager is now helping with it too.")
    assert (await server.store.concerns.find_one({"_id": cid}))["status"] == "escalated"
    assert (await sweeper.sweep()).steps == 0

    move_to(server, deadlines["oversight_by"])
    assert (await sweeper.sweep()).steps == 1
    assert "Children's Commissioner's team" in (await child_chat.next("message"))["text"]
    assert (await sweeper.sweep()).steps == 0

    server.clock.advance(timedelta(days=60))
    assert (await sweeper.sweep()).steps == 0
    concern = await server.store.concerns.find_one({"_id": cid})
    assert set(concern["ladder"]) == {"reminder", "manager", "oversight"} and concern.get("next_due") is None
    assert [e["kind"] for e in concern["timeline"]] == ["reminder", "escalated", "escalated"]
    assert [e["level"] for e in concern["timeline"][1:]] == ["manager", "oversight"]
    assert await server.store.oversight.count_documents({"concern": cid}) == 1
    assert len(await notices_to(server, amira)) == 2
    kinds = [e["kind"] async for e in server.store.concern_events.find({"concern": cid})]
    assert kinds.count("escalated_manager") == 1 and kinds.count("escalated_oversight") == 1
    # The child's page says where it is now.
    seen = (await (await apis(server, amira)).get(f"/api/concerns/{cid}"))[1]["concern"]
    assert "Children's Commissioner's team is checking on it" in seen["next"]


async def test_two_sweepers_at_once_take_each_step_once(world, apis):
    server, ada = world.server, world.advocates[0]
    await server.services.sweeper_job.stop()
    api = await apis(server, ada)
    ids = [(await api.raise_concern(child))["id"] for child in world.children[:2] for _ in range(3)]
    server.clock.advance(timedelta(days=45))  # past every deadline of a standard concern

    ladder = server.services.ladder
    sweepers = [Sweeper(server.store, server.clock, ladder) for _ in range(2)]
    jobs = [sweeper_job(server.store, server.clock, Sweeper(server.store, server.clock, ladder), 60, holder=f"h{i}")
            for i in range(2)]
    reports = await asyncio.gather(*(s.sweep() for s in sweepers), *(j.run_once() for j in jobs))
    assert sorted(reports[2:]) == [False, True]  # one lease, one holder
    # Advocates already responded, so no reminders: manager and oversight for each of the 6, once.
    for cid in ids:
        concern = await server.store.concerns.find_one({"_id": cid})
        assert set(concern["ladder"]) == {"manager", "oversight"}, concern["ladder"]
        assert [e["level"] for e in concern["timeline"]] == ["manager", "oversight"]
        assert await server.store.oversight.count_documents({"concern": cid}) == 1
        assert concern.get("pending") == []
    assert await server.store.oversight.count_documents({}) == 6
    for child in world.children[:2]:
        assert len(await notices_to(server, child)) == 6  # 3 concerns x (manager, oversight)
    assert len(await notifications(server, to=world.manager.id, kind="concern.escalated")) == 12


async def test_two_servers_on_one_database_escalate_once(world, apis, database_uri, database_name):
    server, amira = world.server, world.children[0]
    cid = (await (await apis(server, world.advocates[0])).raise_concern(amira, severity="high"))["id"]
    async with start_server(database_uri, database_name) as other:
        other.clock.offset = server.clock.offset = timedelta(days=30)
        results = await asyncio.gather(
            server.services.sweeper_job.run_once(), other.services.sweeper_job.run_once(),
            Sweeper(server.store, server.clock, server.services.ladder).sweep(),
            Sweeper(other.store, other.clock, other.services.ladder).sweep(),
        )
        assert sorted(results[:2]) == [False, True]
        concern = await server.store.concerns.find_one({"_id": cid})
        assert set(concern["ladder"]) == {"manager", "oversight"}
        assert await server.store.oversight.count_documents({"concern": cid}) == 1
        assert len(await notices_to(server, amira)) == 2


async def test_after_a_downtime_the_missed_steps_are_taken_in_order_once(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.services.sweeper_job.stop()  # the server is "down" for its background work
    child_api = await apis(server, amira)
    cid = (await child_api.post("/api/concerns",
                                {"child": amira.id, "category": "money", "child_words": "My pocket money stopped.",
                                 "child_wants": "To get it back."}))[1]["concern"]["id"]
    child_chat = await connect(server, amira)
    server.clock.advance(timedelta(days=40))

    server.services.sweeper_job.start()  # back up: the first run is straight away
    first = await child_chat.next("message", timeout=20)
    second = await child_chat.next("message", timeout=20)
    assert "manager is now helping" in first["text"] and "Children's Commissioner's team" in second["text"]
    concern = await server.store.concerns.find_one({"_id": cid})
    assert [(e["kind"], e.get("level")) for e in concern["timeline"]] == [
        ("reminder", None), ("escalated", "manager"), ("escalated", "oversight")]
    assert (concern["ladder"]["reminder"]["at"] <= concern["ladder"]["manager"]["at"]
            <= concern["ladder"]["oversight"]["at"])
    await server.services.sweeper_job.run_once()
    assert await child_chat.nothing("message")
    assert len(await notifications(server, to=ada.id, kind="concern.due_soon")) == 1
    assert await server.store.oversight.count_documents({"concern": cid}) == 1


async def test_an_urgent_concern_tells_the_manager_at_once(world, apis):
    server, billy, ada = world.server, world.children[1], world.advocates[0]
    sweeper = await quiet_sweeper(server)
    manager_console, child_chat = await connect(server, world.manager, "/console"), await connect(server, billy)
    cid = (await (await apis(server, ada)).raise_concern(billy, severity="urgent", category="feeling_safe"))["id"]
    told = await manager_console.next("notification")
    assert (told["kind"], told["urgent"], told["ids"]["level"]) == ("concern.escalated", True, "manager")
    assert "Because it's urgent" in (await child_chat.next("message"))["text"]
    concern = await server.store.concerns.find_one({"_id": cid})
    assert concern["deadlines"]["oversight_by"] - concern["raised_at"] == timedelta(hours=24)
    server.clock.advance(timedelta(hours=23, minutes=58))
    assert (await sweeper.sweep()).steps == 0
    server.clock.advance(timedelta(minutes=3))
    assert (await sweeper.sweep()).steps == 1
    assert await server.store.oversight.count_documents({"concern": cid, "level": "urgent"}) == 1


async def test_escalating_by_hand_with_a_reason(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.services.sweeper_job.stop()
    advocate = await apis(server, ada)
    child_chat = await connect(server, amira)
    cid = (await advocate.raise_concern(amira))["id"]

    status, body = await advocate.post(f"/api/concerns/{cid}/escalate",
                                       {"level": "manager",
                                        "reason": "The social worker has not replied to three emails."})
    assert status == 200 and body["concern"]["status"] == "escalated"
    entry = body["concern"]["timeline"][-1]
    assert (entry["kind"], entry["level"], entry["reason"]) == ("escalated", "manager",
                                                                "The social worker has not replied to three emails.")
    assert (await child_chat.next("message"))["text"].endswith(
        "Your advocate has asked their manager to help with it too.")
    assert len(await notifications(server, to=world.manager.id, kind="concern.escalated")) == 1
    assert (await advocate.post(f"/api/concerns/{cid}/escalate",
                                {"level": "manager", "reason": "again"}))[1]["error"]["code"] == "already_escalated"

    manager = await apis(server, world.manager)
    status, body = await manager.post(f"/api/concerns/{cid}/escalate",
                                      {"level": "oversight", "reason": "The council is ignoring us.",
                                       "priority": "high"})
    assert status == 200, body
    item = await server.store.oversight.find_one({"concern": cid})
    assert (item["source"], item["level"], item["reason"]["code"]) == ("hand", "high", "by_hand")
    assert "Children's Commissioner's team" in (await child_chat.next("message"))["text"]
    assert (await manager.post(f"/api/concerns/{cid}/escalate",
                               {"level": "oversight", "reason": "again"}))[1]["error"]["code"] == "already_escalated"
    trail = [e async for e in server.store.audit.find({"action": "concern.escalated"})]
    assert [(e["actor"], e["ids"]["level"]) for e in trail] == [(ada.id, "manager"), (world.manager.id, "oversight")]

    # Later, the deadlines pass: the steps taken by hand are not taken again.
    sweeper = Sweeper(server.store, server.clock, server.services.ladder)
    server.clock.advance(timedelta(days=45))
    assert (await sweeper.sweep()).steps == 0
    assert await server.store.oversight.count_documents({"concern": cid}) == 1
    assert await child_chat.nothing("message")


async def test_a_step_interrupted_half_way_is_finished_by_the_sweeper_once(world, apis):
    server, amira = world.server, world.children[0]
    sweeper = await quiet_sweeper(server)
    ladder = server.services.ladder
    cid = (await (await apis(server, world.advocates[0])).raise_concern(amira))["id"]
    server.clock.advance(timedelta(days=45))
    # A process claims the manager step, then dies before telling anyone.
    claimed = await ladder.records.change(cid,
                                          lambda doc: ladder._claim(doc, [Step.MANAGER], by=None, level="standard"))
    assert claimed["pending"] == ["manager"] and await notices_to(server, amira) == []

    report = await sweeper.sweep()  # within the grace period: only the oversight step, which is due too
    assert report.finished == 0 and report.steps == 1
    server.clock.advance(timedelta(minutes=3))
    assert (await sweeper.sweep()).finished == 1
    assert (await sweeper.sweep()).finished == 0
    texts = await notices_to(server, amira)
    assert len(texts) == 2 and sum("manager" in t for t in texts) == 1
    assert len(await notifications(server, to=world.manager.id, kind="concern.escalated")) == 2  # manager, oversight


async def test_the_sweeper_reads_only_the_concerns_that_are_due(world, apis):
    server = world.server
    sweeper = await quiet_sweeper(server)
    api = await apis(server, world.advocates[0])
    early = [(await api.raise_concern(world.children[0], severity="urgent"))["id"] for _ in range(3)]
    server.clock.advance(timedelta(days=2))
    api = await apis(server, world.advocates[0])  # a fresh sign-in: staff sessions last 12 hours
    for _ in range(12):
        await api.raise_concern(world.children[1])
    report = await sweeper.sweep()
    assert report.examined == 3 and report.steps == 3  # the three urgent ones reach oversight; the rest are not due
    assert {d["concern"] async for d in server.store.oversight.find({})} == set(early)
    assert (await sweeper.sweep()).examined == 0


async def test_a_concern_follows_the_child_to_a_new_advocate(world, apis):

    server, amira, ben = world.server, world.children[0], world.advocates[1]
    cid = (await (await apis(server, world.advocates[0])).raise_concern(amira))["id"]
    await server.services.pairing_changes.pair(amira.id, ben.id, "moved area")
    assert (await server.store.concerns.find_one({"_id": cid}))["advocate"] == ben.id
    assert (await (await apis(server, ben)).get(f"/api/concerns/{cid}"))[0] == 200
    assert (await (await apis(server, world.advocates[0])).get(f"/api/concerns/{cid}"))[0] == 404


async def test_a_database_from_before_the_sparse_index_is_brought_in_line_once(database_uri, database_name):
    """Concerns with nothing due used to keep ``next_due: None`` in a full index, which the embedded
    database walks whole on every sweep; at start-up they lose the field and the old index goes."""
    from pymongo import ASCENDING

    from advocacy.store import Store

    store = await Store.connect(database_uri, database_name)
    try:
        due = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
        await store.concerns.create_index([("next_due", ASCENDING)])  # named next_due_1, as it was
        await store.concerns.insert_many([{"_id": "c_done", "next_due": None}, {"_id": "c_due", "next_due": due}])
        await store.create_indexes()
        await store.create_indexes()  # again, as every later start-up: nothing left to do
        indexes = await store.concerns.index_information()
        assert "next_due_1" not in indexes and indexes["next_due_sparse"]["sparse"] is True
        assert "next_due" not in await store.concerns.find_one({"_id": "c_done"})
        assert (await store.concerns.find_one({"_id": "c_due"}))["next_due"] == due
        found = await store.concerns.find({"next_due": {"$lte": due}}, {"_id": 1}).to_list(None)
        assert [d["_id"] for d in found] == ["c_due"]
    finally:
        await store.drop_database()
        await store.close()
