"""Safeguarding in the running service: a flagged message still arrives at once, opens a draft,
alerts people, and answers the child with help only when their advocate is offline."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from advocacy.auth.accounts import create_staff
from advocacy.concerns.words import SAFEGUARDING_HELP
from tests.support import PASSWORD, Person, connect

RISKY = "he hit me again last night and i am scared to go home"


async def settled(server) -> None:
    """Wait for the safeguarding checks running in the background."""
    await server.services.safeguarding.drain()


async def test_a_flagged_message_arrives_at_once_opens_a_draft_and_alerts_the_advocate_and_duty_manager(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    child_chat, advocate_chat = await connect(server, amira), await connect(server, ada)
    advocate_console, manager_console = (await connect(server, ada, "/console"),
                                         await connect(server, world.manager, "/console"))
    other_console = await connect(server, world.other_manager, "/console")

    ack = await child_chat.send(world.conversation_of(amira), RISKY)
    assert ack["ok"] is True
    delivered = await advocate_chat.next("message")
    assert delivered["text"] == RISKY and delivered["id"] == ack["message"]["id"]

    for console in (advocate_console, manager_console):
        alert = await console.next("notification")
        assert (alert["kind"], alert["urgent"], alert["child"]) == ("safeguarding.flagged", True, amira.id)
        assert alert["ids"]["message"] == delivered["id"]
    assert await other_console.nothing("notification")
    # The advocate is online: no automatic reply to the child.
    await settled(server)
    assert await child_chat.nothing("message")

    draft = await server.store.concerns.find_one({"child": amira.id})
    assert (draft["status"], draft["severity"], draft["source"]) == ("draft", "urgent", "safeguarding")
    assert draft["messages"] == [delivered["id"]] and alert["ids"]["concern"] == draft["_id"]
    assert {m["category"] for m in draft["safeguarding"]["matches"]} >= {"abuse_physical"}
    flag = await server.store.flags.find_one({"_id": delivered["id"]})
    assert flag["concern"] == draft["_id"] and "text" not in flag

    staff = (await (await apis(server, ada)).get(f"/api/concerns/{draft['_id']}"))[1]["concern"]
    assert staff["child_words"] == RISKY and staff["status"] == "draft"
    assert [f["message"]
            for f in (await (await apis(server, ada)).get(f"/api/children/{amira.id}/flags"))[1]["flags"]] == [
        delivered["id"]]
    # The child does not see a draft among their worries.
    child_api = await apis(server, amira)
    assert (await child_api.get("/api/concerns"))[1]["concerns"] == []
    assert (await child_api.get(f"/api/concerns/{draft['_id']}"))[0] == 404


async def test_when_the_advocate_is_offline_the_child_gets_help_at_once_once(world):
    server, billy = world.server, world.children[1]
    child_chat = await connect(server, billy)
    conv = world.conversation_of(billy)
    await child_chat.send(conv, "i want to kill myself")
    help_message = await child_chat.next("message")
    assert help_message["text"] == str(SAFEGUARDING_HELP) and help_message["sender"]["role"] == "service"
    assert "999" in help_message["text"] and "0800 1111" in help_message["text"]
    await child_chat.send(conv, "im going to take all my pills tonight")
    await settled(server)
    assert await child_chat.nothing("message")  # one undecided draft, one automatic reply
    drafts = await server.store.concerns.find({"child": billy.id}).to_list(None)
    assert len(drafts) == 1 and len(drafts[0]["messages"]) == 2


async def test_safe_messages_and_look_alikes_raise_nothing(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    child_chat, console = await connect(server, amira), await connect(server, ada, "/console")
    for text in ["this homework is killing me", "I could kill for a pizza", "my phone died",
                 "can we talk about contact?"]:
        assert (await child_chat.send(world.conversation_of(amira), text))["ok"]
    await settled(server)
    assert await console.nothing("notification")
    assert await server.store.concerns.count_documents({}) == 0 and await server.store.flags.count_documents({}) == 0


async def test_an_advocates_message_is_never_triaged(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await (await connect(server, ada)).send(world.conversation_of(amira), "Did he hit you? Are you scared to go home?")
    await settled(server)
    assert await server.store.flags.count_documents({}) == 0


async def test_a_person_confirms_or_dismisses_a_draft(world, apis):
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    await (await connect(server, amira)).send(world.conversation_of(amira), RISKY)
    await (await connect(server, billy)).send(world.conversation_of(billy), "i want to die")
    await settled(server)
    amira_draft = (await server.store.concerns.find_one({"child": amira.id}))["_id"]
    billy_draft = (await server.store.concerns.find_one({"child": billy.id}))["_id"]
    advocate = await apis(server, ada)

    for body, code in [({}, "reason_required"), ({"reason": " "}, "reason_required"), ({"reason": 5}, "bad_request")]:
        status, answer = await advocate.post(f"/api/concerns/{billy_draft}/dismiss", body)
        assert answer["error"]["code"] == code
    status, answer = await advocate.post(f"/api/concerns/{billy_draft}/confirm", {"category": "nonsense"})
    assert answer["error"]["code"] == "category_unknown"
    assert (await advocate.post(f"/api/concerns/{amira_draft}/status",
                                {"status": "raised"}))[1]["error"]["code"] == "move_not_allowed"
    assert (await advocate.post(f"/api/concerns/{amira_draft}/escalate",
                                {"level": "oversight", "reason": "x"}))[1]["error"]["code"] == "move_not_allowed"

    status, answer = await advocate.post(f"/api/concerns/{billy_draft}/dismiss",
                                         {"reason": "Billy was quoting a song lyric; we talked."})
    assert status == 200 and answer["concern"]["status"] == "dismissed"
    assert answer["concern"]["timeline"][-1]["reason"] == "Billy was quoting a song lyric; we talked."
    assert (await advocate.post(f"/api/concerns/{billy_draft}/confirm", {}))[1]["error"]["code"] == "move_not_allowed"

    status, answer = await advocate.post(f"/api/concerns/{amira_draft}/confirm",
                                         {"category": "feeling_safe", "child_wants": "To stay at Nan's tonight."})
    assert status == 200, answer
    confirmed = answer["concern"]
    assert (confirmed["status"], confirmed["safeguarding"]["decision"]) == ("open", "confirmed")
    assert confirmed["child_wants"] == "To stay at Nan's tonight."
    assert [c["topic"]
            for c in (await (await apis(server, amira)).get("/api/concerns"))[1]["concerns"]] == ["Feeling safe"]
    trail = [e["action"] async for e in server.store.audit.find({"subject": {"$in": [amira.id, billy.id]},
                                                                  "action": {"$regex": "^safeguarding"}})]
    assert sorted(trail) == ["safeguarding.confirmed", "safeguarding.dismissed"]
    # The oversight clock ran from when Amira wrote, not from when someone confirmed it.
    await server.services.sweeper_job.stop()
    server.clock.advance(timedelta(hours=25))
    await server.services.sweeper_job.run_once()
    assert await server.store.oversight.count_documents({"concern": amira_draft}) == 1
    assert await server.store.oversight.count_documents({"concern": billy_draft}) == 0


async def test_an_undecided_draft_never_goes_to_the_oversight_queue_by_itself(world):
    server, amira = world.server, world.children[0]
    await (await connect(server, amira)).send(world.conversation_of(amira), RISKY)
    await settled(server)
    server.clock.advance(timedelta(days=40))
    await server.services.sweeper_job.run_once()
    draft = await server.store.concerns.find_one({"child": amira.id})
    assert draft["status"] == "draft" and "oversight" not in draft["ladder"] and "reminder" in draft["ladder"]
    assert await server.store.oversight.count_documents({}) == 0


async def test_a_child_raising_a_risky_worry_makes_it_urgent_and_gets_help_if_no_one_is_online(world, apis):
    server, cara, ben = world.server, world.children[2], world.advocates[1]
    manager_console = await connect(server, world.other_manager, "/console")
    status, body = await (await apis(server, cara)).post("/api/concerns", {
        "child": cara.id, "category": "feeling_safe", "severity": "standard",
        "child_words": "My carer's boyfriend hits me when she's out", "child_wants": "To be safe"})
    assert status == 201 and body["help"] == str(SAFEGUARDING_HELP)
    stored = await server.store.concerns.find_one({"_id": body["concern"]["id"]})
    assert stored["severity"] == "urgent" and stored["status"] != "draft"
    assert stored["deadlines"]["respond_by"] - stored["raised_at"] == timedelta(hours=1)
    kinds = set()
    for _ in range(2):
        kinds.add((await manager_console.next("notification"))["kind"])
    assert kinds == {"safeguarding.flagged", "concern.escalated"}

    await connect(server, ben)  # now the advocate is online
    status, body = await (await apis(server, cara)).post("/api/concerns", {
        "child": cara.id, "category": "feeling_safe", "child_words": "He said he'll hurt me if I tell",
        "child_wants": ""})
    assert status == 201 and "help" not in body


async def test_the_duty_manager_can_be_one_named_manager(world):
    server, amira = world.server, world.children[0]
    ladder = server.services.ladder
    ladder.settings = ladder.settings.replace(duty_manager="ola.manager")
    ola, mo = await connect(server, world.other_manager, "/console"), await connect(server, world.manager, "/console")
    await (await connect(server, amira)).send(world.conversation_of(amira), RISKY)
    assert (await ola.next("notification"))["kind"] == "safeguarding.flagged"
    assert await mo.nothing("notification")


async def test_checking_never_holds_up_delivery(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    safeguarding = server.services.safeguarding
    gate = asyncio.Event()
    original = safeguarding.check_message

    async def slow(message):
        await gate.wait()
        return await original(message)

    safeguarding.check_message = slow
    advocate_chat, child_chat = await connect(server, ada), await connect(server, amira)
    ack = await child_chat.send(world.conversation_of(amira), RISKY)
    assert ack["ok"] is True and (await advocate_chat.next("message"))["id"] == ack["message"]["id"]
    assert await server.store.flags.count_documents({}) == 0  # still checking
    gate.set()
    await settled(server)
    assert await server.store.flags.count_documents({}) == 1


async def test_disclosures_are_recorded_checked_audited_and_never_changed(world, apis):
    server, amira, cara, ada = world.server, world.children[0], world.children[2], world.advocates[0]
    advocate = await apis(server, ada)
    cid = (await advocate.raise_concern(amira, category="feeling_safe"))["id"]
    good = {"concern": cid, "with": "la_front_door", "what": "What Amira said about her carer's partner.",
            "why": "Risk of significant harm tonight.", "child_told": False,
            "why_not_told": "Telling her first could have put her at more risk."}
    bad = [
        ({"concern": "co_nothing"}, "concern_not_found"),
        ({"with": "the newspaper"}, "bad_request"),
        ({"with": "other"}, "words_empty"),  # other: say who
        ({"what": ""}, "words_empty"),
        ({"why": "w" * 4001}, "words_too_long"),
        ({"child_told": "no"}, "bad_request"),
        ({"why_not_told": None}, "words_empty"),
        ({"child_told": True}, "bad_request"),  # told, yet a reason for not telling
        ({"extra": 1}, "bad_request"),
    ]
    for change, code in bad:
        status, body = await advocate.post(f"/api/children/{amira.id}/disclosures", {**good, **change})
        assert body["error"]["code"] == code, (change, body)
    for someone in (cara.id, "ch_nobody"):  # not the advocate's child; no such child
        status, body = await advocate.post(f"/api/children/{someone}/disclosures", good)
        assert (status, body["error"]["code"]) == (404, "child_not_found")
    other = (await (await apis(server, world.advocates[1])).raise_concern(cara))["id"]
    status, body = await advocate.post(f"/api/children/{amira.id}/disclosures", {**good, "concern": other})
    assert body["error"]["code"] == "concern_not_found"  # a concern of another child
    assert await server.store.disclosures.count_documents({}) == 0

    status, body = await advocate.post(f"/api/children/{amira.id}/disclosures", good)
    assert status == 201
    disclosure = body["disclosure"]
    assert (disclosure["with"], disclosure["child_told"], disclosure["why_not_told"]) == (
        "la_front_door", False, "Telling her first could have put her at more risk.")
    raw = await server.store.disclosures.find_one({"_id": disclosure["id"]})
    assert isinstance(raw["what"], bytes) and b"carer" not in raw["what"]
    await advocate.post(f"/api/children/{amira.id}/disclosures",
                        {**good, "with": "police", "child_told": True, "why_not_told": None})
    listed = (await advocate.get(f"/api/children/{amira.id}/disclosures"))[1]["disclosures"]
    assert [d["with"] for d in listed] == ["police", "la_front_door"]
    audit = [e async for e in server.store.audit.find({"action": "safeguarding.disclosed"})]
    assert [(e["subject"], e["ids"]["shared_with"]) for e in audit] == [(amira.id, "la_front_door"),
                                                                        (amira.id, "police")]
    assert "what" not in audit[0]["ids"]
    # Staff read every sealed field as it was written (none reads "(deleted)").
    status, body = await advocate.post(f"/api/children/{amira.id}/disclosures",
                                       {**good, "with": "other", "with_detail": "The school's designated lead"})
    assert status == 201
    listed = (await advocate.get(f"/api/children/{amira.id}/disclosures"))[1]["disclosures"]
    assert {k: listed[0][k] for k in ("with_detail", "what", "why", "why_not_told")} == {
        "with_detail": "The school's designated lead", "what": good["what"], "why": good["why"],
        "why_not_told": good["why_not_told"]}
    # Append-only: there is no way to change or remove one.
    for method in ("PUT", "PATCH", "DELETE"):
        async with advocate.http.request(method, f"/api/children/{amira.id}/disclosures/{disclosure['id']}") as resp:
            assert resp.status in (404, 405)
    assert (await (await apis(server, world.advocates[1])).get(f"/api/children/{amira.id}/disclosures"))[0] == 404
    assert (await (await apis(server, amira)).get(f"/api/children/{amira.id}/disclosures"))[0] == 403


async def test_the_advocate_covering_a_leave_is_alerted_and_decides(world, apis):
    """An advocate on leave is not online: whoever covers them is told and can act; the child still gets help
    at once unless one of them is online."""
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    doc = await create_staff(server.store, server.clock, username="cal.cover", password=PASSWORD, name="Cal Cover",
                             role="advocate", manager=world.manager.id)
    cal = Person(doc["_id"], "Cal Cover", "advocate", username="cal.cover", password=PASSWORD)
    now = server.clock.now()
    await server.store.covers.insert_one({
        "_id": "cover-cal", "leave": "leave-ada", "child": amira.id, "advocate": ada.id, "cover": cal.id,
        "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=3),
        "last_day": (now + timedelta(days=2)).date().isoformat(), "told_start": True, "told_end": False})
    cal_console = await connect(server, cal, "/console")
    child_chat = await connect(server, amira)
    await child_chat.send(world.conversation_of(amira), RISKY)
    alert = await cal_console.next("notification")
    assert (alert["kind"], alert["child"]) == ("safeguarding.flagged", amira.id)
    assert (await child_chat.next("message"))["text"] == str(SAFEGUARDING_HELP)  # nobody who answers for her is online

    cover = await apis(server, cal)
    [listed] = (await cover.get("/api/concerns"))[1]["concerns"]
    assert listed["status"] == "draft" and listed["child"] == amira.id
    status, body = await cover.post(f"/api/concerns/{listed['id']}/confirm", {})
    assert (status, body["concern"]["status"]) == (200, "open")
    # Another advocate, covering no one, cannot.
    other = await apis(server, world.advocates[1])
    assert (await other.get(f"/api/concerns/{listed['id']}"))[0] == 404


async def test_an_alert_is_as_loud_as_its_rule_and_clears_once_the_draft_is_decided(world, apis):
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    console = await connect(server, ada, "/console")
    await (await connect(server, billy)).send(world.conversation_of(billy), "they wont let me see my brother")
    high = await console.next("notification")
    assert (high["kind"], high["urgent"], high["ids"]["severity"]) == ("safeguarding.flagged", False, "high")
    await (await connect(server, amira)).send(world.conversation_of(amira), RISKY)
    urgent = await console.next("notification")
    assert (urgent["urgent"], urgent["ids"]["severity"]) == (True, "urgent")
    await settled(server)

    status, _ = await (await apis(server, ada)).post(f"/api/concerns/{high['ids']['concern']}/dismiss",
                                                     {"reason": "Billy meant his brother is on holiday."})
    assert status == 200
    # Decided: the alert about it is seen for everyone it went to; the other draft's alert stays.
    assert await server.store.notifications.count_documents(
        {"ids.concern": high["ids"]["concern"], "seen_at": None}) == 0
    assert [g["child"] for g in (await console.call("alerts"))["groups"]] == [amira.id]

    # Staff see the flagged message marked in the conversation's history; the child never does.
    ask = {"conversation": world.conversation_of(billy)}
    staff_history = (await (await connect(server, ada)).call("history", ask))["messages"]
    assert [m["id"] for m in staff_history if m.get("flagged")] == [high["ids"]["message"]]
    child_history = (await (await connect(server, billy)).call("history", ask))["messages"]
    assert high["ids"]["message"] in [m["id"] for m in child_history]
    assert not any("flagged" in m for m in child_history)
