"""The concerns API over real HTTP against a real database: raising, following through, refusals."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

import pytest

from advocacy import workdays
from tests.integration.concerns_support import STANDARD_WORRY, add_reviewer
from tests.support import api, connect, sign_in


async def counts(server) -> tuple[int, int]:
    return await server.store.concerns.count_documents({}), await server.store.concern_events.count_documents({})


async def test_an_advocate_raises_a_concern_and_gets_its_deadlines_with_offsets(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    api = await apis(server, ada)
    status, body = await api.post("/api/concerns", {"child": amira.id, **STANDARD_WORRY, "severity": "high"})
    assert status == 201 and body["ok"] is True
    concern = body["concern"]
    assert concern["child"] == amira.id and concern["status"] == "open" and concern["severity"] == "high"
    assert concern["child_words"] == STANDARD_WORRY["child_words"]
    assert concern["child_wants"] == STANDARD_WORRY["child_wants"]
    raised = datetime.fromisoformat(concern["raised_at"])
    assert raised.utcoffset() is not None
    deadlines = {k: datetime.fromisoformat(v) for k, v in concern["deadlines"].items()}
    assert {"respond_by", "manager_by", "oversight_by"} <= set(deadlines)
    assert all(concern["deadlines"][k][-6:] == "+00:00" for k in ("respond_by", "manager_by", "oversight_by"))
    # Checked against the calendar directly: 17:00 London on the 1st, 5th and 10th working day after.
    for key, n in (("respond_by", 1), ("manager_by", 5), ("oversight_by", 10)):
        day = workdays.local_date(raised)
        while n:
            day = day.fromordinal(day.toordinal() + 1)
            n -= workdays.is_working_day(day)
        assert deadlines[key].astimezone(workdays.LONDON).replace(tzinfo=None) == datetime.combine(day, time(17, 0))
    # An advocate who writes it down has heard the child: no reminder to respond.
    assert concern["responded_at"] == concern["raised_at"]

    stored = await server.store.concerns.find_one({"_id": concern["id"]})
    assert isinstance(stored["child_words"], bytes) and b"brother" not in stored["child_words"]
    assert stored["la"] == "E08000035" and stored["region"] == "Yorkshire and The Humber"
    events = await server.store.concern_events.find({"concern": concern["id"]}).to_list(None)
    assert sorted(e["kind"] for e in events) == ["raised", "responded"]
    assert all(e["la"] == "E08000035" and len(e["month"]) == 7 for e in events)


async def test_a_child_raises_a_worry_in_their_own_words_and_their_advocate_is_told(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    console = await connect(server, ada, "/console")
    api = await apis(server, amira)
    status, body = await api.post("/api/concerns", {"child": amira.id, "category": "education",
                                                    "child_words": "My school keeps leaving me out of trips.",
                                                    "child_wants": "To go on the trip to York."})
    assert status == 201, body
    worry = body["concern"]
    assert worry["topic"] == "School, college or learning"
    assert worry["your_words"] == "My school keeps leaving me out of trips."
    assert worry["next"].startswith("Your advocate has your worry. They will get back to you by ")
    assert "deadlines" in worry and "raised_at" in worry
    assert "timeline" not in worry and "child_name" not in worry
    told = await console.next("notification")
    assert told["kind"] == "concern.raised" and told["ids"] == {"concern": worry["id"]}

    stored = await server.store.concerns.find_one({"_id": worry["id"]})
    assert stored["severity"] == "standard" and stored["source"] == "child" and stored["responded_at"] is None


BAD_CREATES = [
    ({"child": "ch_nobody"}, "child_not_found"),
    ({"child": "CARA"}, "child_not_found"),  # a child who is not the advocate's
    ({"child": {"$ne": None}}, "child_not_found"),
    ({"category": "aliens"}, "category_unknown"),
    ({"category": None}, "category_unknown"),
    ({"severity": "critical"}, "severity_unknown"),
    ({"severity": None}, "severity_unknown"),
    ({"severity": ["urgent"]}, "severity_unknown"),
    ({"child_words": ""}, "words_empty"),
    ({"child_words": "  \n\u200b "}, "words_empty"),
    ({"child_words": None}, "words_empty"),
    ({"child_words": 42}, "bad_request"),
    ({"child_words": "x" * 4001}, "words_too_long"),
    ({"child_words": "x" * 100_000}, "words_too_long"),
    ({"child_wants": "y" * 4001}, "words_too_long"),
    ({"status": "closed"}, "bad_request"),  # no such field to set
    ({"messages": "not-a-list"}, "bad_request"),
    ({"messages": ["0123456789abcdef01234567"]}, "message_not_found"),
]


async def test_bad_input_is_refused_clearly_and_nothing_is_stored(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    api = await apis(server, ada)
    for change, code in BAD_CREATES:
        change = {k: (world.children[2].id if v == "CARA" else v) for k, v in change.items()}
        status, body = await api.post("/api/concerns", {"child": amira.id, **STANDARD_WORRY, **change})
        assert body["ok"] is False and body["error"]["code"] == code, (change, body)
        assert status == {"child_not_found": 404, "message_not_found": 404}.get(code, 400), change
        assert body["error"]["message"].endswith(("Nothing was saved.", "Nothing was changed.")), body
        assert await counts(server) == (0, 0), change


async def test_the_limit_is_said_and_exactly_the_limit_is_fine(world, apis):
    api = await apis(world.server, world.advocates[0])
    _status, body = await api.post("/api/concerns",
                                   {"child": world.children[0].id, **STANDARD_WORRY, "child_words": "z" * 4001})
    assert body["error"]["message"] == ("The child's own words is too long (4,000 characters at most). "
                                        "Nothing was saved.")
    assert (await api.post("/api/concerns",
                           {"child": world.children[0].id, **STANDARD_WORRY, "child_words": "z" * 4000}))[0] == 201


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', "{"])
async def test_a_body_that_is_not_a_json_object_is_refused(world, apis, raw):
    api = await apis(world.server, world.advocates[0])
    status, body = await api.post("/api/concerns", raw=raw)
    assert (status, body["error"]["code"]) == (400, "bad_request")
    assert await counts(world.server) == (0, 0)


async def test_a_child_cannot_raise_a_worry_for_someone_else_or_choose_hidden_fields(world, apis):
    server, amira, billy = world.server, world.children[0], world.children[1]
    api = await apis(server, amira)
    status, body = await api.post("/api/concerns", {"child": billy.id, **STANDARD_WORRY})
    assert (status, body["error"]["code"]) == (404, "child_not_found")
    message = (await (await connect(server, amira)).send(world.conversation_of(amira), "hello"))["message"]
    status, body = await api.post("/api/concerns", {"child": amira.id, **STANDARD_WORRY, "messages": [message["id"]]})
    assert (status, body["error"]["code"]) == (400, "bad_request")
    assert await counts(server) == (0, 0)


async def test_an_advocate_can_link_the_childs_chat_messages_but_no_one_elses(world, apis):
    server, amira, cara, ada = world.server, world.children[0], world.children[2], world.advocates[0]
    mine = (await (await connect(server, amira)).send(world.conversation_of(amira), "they shouted at me"))["message"]
    theirs = (await (await connect(server, cara)).send(world.conversation_of(cara), "hi"))["message"]
    api = await apis(server, ada)
    status, body = await api.post("/api/concerns", {"child": amira.id, **STANDARD_WORRY, "messages": [theirs["id"]]})
    assert (status, body["error"]["code"]) == (404, "message_not_found")
    concern = await api.raise_concern(amira, messages=[mine["id"]])
    assert concern["messages"] == [mine["id"]]


async def test_a_concern_followed_through_from_raising_to_closing(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    advocate, child = await apis(server, ada), await apis(server, amira)
    worry = (await child.post("/api/concerns", {"child": amira.id, **STANDARD_WORRY}))[1]["concern"]
    cid = worry["id"]

    status, body = await advocate.post(f"/api/concerns/{cid}/actions",
                                       {"kind": "raised_with", "with": "social_worker", "note": "Emailed Ms Patel.",
                                        "answer_by": "2099-01-01"})
    assert (status, body["ok"]) == (400, False)  # too far ahead
    status, body = await advocate.post(f"/api/concerns/{cid}/actions",
                                       {"kind": "raised_with", "with": "social_worker", "note": "Emailed Ms Patel."})
    assert status == 201, body
    staff_view = body["concern"]
    assert staff_view["status"] == "raised" and staff_view["responded_at"] is not None
    assert (staff_view["timeline"][-1]["note"] == "Emailed Ms Patel."
            and staff_view["timeline"][-1]["with"] == "social_worker")

    seen = (await child.get(f"/api/concerns/{cid}"))[1]["concern"]
    assert seen["next"].startswith("Your advocate asked your social worker about this. They should answer by ")
    assert "Emailed" not in str(seen)  # advocates' notes stay with staff

    assert (await advocate.post(f"/api/concerns/{cid}/status", {"status": "awaiting_response"}))[0] == 200
    await advocate.post(f"/api/concerns/{cid}/actions", {"kind": "response", "with": "social_worker",
                                                         "note": "Contact is being arranged."})
    seen = (await child.get(f"/api/concerns/{cid}"))[1]["concern"]
    assert seen["next"].startswith("Your social worker has answered.")

    status, body = await advocate.post(f"/api/concerns/{cid}/resolve",
                                       {"outcome": "Weekly contact agreed.", "child_happy": False})
    assert status == 200 and body["concern"]["status"] == "resolved"
    assert body["concern"]["outcome"] == {"summary": "Weekly contact agreed.", "child_happy": False,
                                          "at": body["concern"]["outcome"]["at"]}
    status, body = await advocate.post(f"/api/concerns/{cid}/status",
                                       {"status": "open", "note": "Amira says it's not weekly."})
    assert (status == 200 and body["concern"]["status"] == "open"
            and body["concern"]["timeline"][-1]["kind"] == "reopened")
    status, body = await advocate.post(f"/api/concerns/{cid}/actions",
                                       {"kind": "raised_with", "with": "complaint", "stage": 1})
    assert status == 201 and body["concern"]["timeline"][-1]["stage"] == 1
    assert (await advocate.post(f"/api/concerns/{cid}/resolve",
                                {"outcome": "Weekly, in writing.", "child_happy": True}))[0] == 200
    status, body = await advocate.post(f"/api/concerns/{cid}/close")
    assert status == 200 and body["concern"]["status"] == "closed" and body["concern"]["allowed_moves"] == []
    assert (await child.get(f"/api/concerns/{cid}"))[1]["concern"]["next"].startswith("This worry is finished.")

    kinds = [e["kind"] async for e in server.store.concern_events.find({"concern": cid}).sort("at", 1)]
    assert kinds.count("resolved") == 2 and kinds[0] == "raised" and kinds[-1] == "closed"
    assert {"responded", "raised_with", "response", "reopened"} <= set(kinds)
    happy = [e.get("child_happy")
             async for e in server.store.concern_events.find({"concern": cid, "kind": "resolved"}).sort("at", 1)]
    assert happy == [False, True]


REFUSED = [
    # (set-up moves, request path suffix, body, code)
    ([], "status", {"status": "awaiting_response"}, "move_not_allowed"),
    ([], "status", {"status": "open"}, "already_in_status"),
    ([], "status", {"status": "pending"}, "status_unknown"),
    ([], "status", {"status": 3}, "status_unknown"),
    ([], "status", {"status": "escalated"}, "bad_request"),
    ([], "status", {"status": "resolved"}, "bad_request"),
    ([], "close", {}, "move_not_allowed"),
    ([], "resolve", {"outcome": ""}, "words_empty"),
    ([], "resolve", {"outcome": "ok", "child_happy": "yes"}, "bad_request"),
    ([], "actions", {"kind": "telegram"}, "bad_request"),
    ([], "actions", {"kind": "raised_with", "with": "the pope"}, "bad_request"),
    ([], "actions", {"kind": "raised_with", "with": "complaint"}, "bad_request"),
    ([], "actions", {"kind": "raised_with", "with": "complaint", "stage": 4}, "bad_request"),
    ([], "actions", {"kind": "note"}, "words_empty"),
    ([], "actions", {"kind": "note", "note": "n" * 4001}, "words_too_long"),
    ([], "escalate", {"level": "manager"}, "reason_required"),
    ([], "escalate", {"level": "manager", "reason": "   "}, "reason_required"),
    ([], "escalate", {"level": "the queen", "reason": "x"}, "bad_request"),
    ([], "dismiss", {"reason": "not a draft"}, "move_not_allowed"),
    ([], "confirm", {}, "move_not_allowed"),
    (["resolve"], "resolve", {"outcome": "again"}, "already_in_status"),
    (["resolve"], "escalate", {"level": "manager", "reason": "late"}, "move_not_allowed"),
    (["resolve", "close"], "status", {"status": "open"}, "move_not_allowed"),
    (["resolve", "close"], "actions", {"kind": "note", "note": "more"}, "move_not_allowed"),
    (["resolve", "close"], "close", {}, "already_in_status"),
    (["escalate"], "escalate", {"level": "manager", "reason": "again"}, "already_escalated"),
]


async def test_every_refused_move_says_why_and_changes_nothing(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    api = await apis(server, ada)
    prepared: dict[tuple[str, ...], str] = {}
    for setup, path, body, code in REFUSED:
        if tuple(setup) not in prepared:
            cid = (await api.raise_concern(amira))["id"]
            for move in setup:
                payload = {"resolve": {"outcome": "Sorted.", "child_happy": True}, "close": {},
                           "escalate": {"level": "manager", "reason": "No answer from the social worker."}}[move]
                assert (await api.post(f"/api/concerns/{cid}/{move}", payload))[0] == 200
            prepared[tuple(setup)] = cid
        cid = prepared[tuple(setup)]
        before = await server.store.concerns.find_one({"_id": cid})
        events_before = await server.store.concern_events.count_documents({})
        status, answer = await api.post(f"/api/concerns/{cid}/{path}", body)
        assert answer["ok"] is False and answer["error"]["code"] == code, (setup, path, body, answer)
        assert status in (400, 409), answer
        assert answer["error"]["message"].endswith(("Nothing was changed.", "Nothing was saved.")), answer
        assert await server.store.concerns.find_one({"_id": cid}) == before, (setup, path, body)
        assert await server.store.concern_events.count_documents({}) == events_before


async def test_who_may_read_and_act(world, apis):
    server, (amira, billy, _cara) = world.server, world.children
    ada, ben = world.advocates
    cid = (await (await apis(server, ada)).raise_concern(amira))["id"]
    reviewer = await add_reviewer(world)

    for person, expected in [(amira, 200), (billy, 404), (ada, 200), (ben, 404), (world.manager, 200),
                             (world.other_manager, 404), (reviewer, 403)]:
        api = await apis(server, person)
        status, body = await api.get(f"/api/concerns/{cid}")
        assert status == expected, (person.name, body)
    for person, expected in [(amira, 403), (ben, 404), (world.other_manager, 404), (reviewer, 403)]:
        api = await apis(server, person)
        status, body = await api.post(f"/api/concerns/{cid}/actions", {"kind": "note", "note": "hello"})
        assert status == expected, (person.name, body)
        status, body = await api.post(f"/api/concerns/{cid}/escalate", {"level": "manager", "reason": "x"})
        assert status == expected, (person.name, body)
    manager = await apis(server, world.manager)
    assert (await manager.post(f"/api/concerns/{cid}/actions", {"kind": "note", "note": "Checked in."}))[0] == 201
    status, body = await (await apis(server, reviewer)).get("/api/concerns")
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_listing_for_a_child_and_for_an_advocates_children(world, apis):
    server, (amira, billy, cara) = world.server, world.children
    ada = await apis(server, world.advocates[0])
    await ada.raise_concern(amira)
    await ada.raise_concern(billy, category="placement")
    await (await apis(server, world.advocates[1])).raise_concern(cara)

    mine = (await ada.get("/api/concerns"))[1]["concerns"]
    assert sorted(c["child"] for c in mine) == sorted([amira.id, billy.id])
    assert {c["child_name"] for c in mine} == {"Amira", "Billy"} and "child_words" not in mine[0]
    only_billy = (await ada.get("/api/concerns", child=billy.id))[1]["concerns"]
    assert [c["category"] for c in only_billy] == ["placement"]
    status, body = await ada.get("/api/concerns", child=cara.id)
    assert (status, body["error"]["code"]) == (404, "child_not_found")
    assert len((await (await apis(server, world.manager)).get("/api/concerns"))[1]["concerns"]) == 2

    child_list = (await (await apis(server, amira)).get("/api/concerns"))[1]["concerns"]
    assert [c["topic"] for c in child_list] == ["Seeing or talking to my family and friends"]
    assert (await (await apis(server, amira)).get("/api/concerns", child=billy.id))[0] == 404


async def test_categories_are_listed_with_child_friendly_labels(world, apis):
    status, body = await (await apis(world.server, world.children[0])).get("/api/concerns/categories")
    assert status == 200
    assert body["categories"][0] == {"key": "placement", "child_label": "Where I live", "staff_label": "Placement"}
    assert body["categories"][-1]["key"] == "something_else"


async def test_an_unknown_concern_is_not_found(world, apis):
    api = await apis(world.server, world.advocates[0])
    for cid in ("co_nothing", "x" * 200):
        status, body = await api.get(f"/api/concerns/{cid}")
        assert (status, body["error"]["code"]) == (404, "concern_not_found")
        status, body = await api.post(f"/api/concerns/{cid}/resolve", {"outcome": "x"})
        assert (status, body["error"]["code"]) == (404, "concern_not_found")


async def test_a_childs_export_holds_their_worries_and_the_disclosures_about_them(world, apis):
    server, amira = world.server, world.children[0]
    advocate = await apis(server, world.advocates[0])
    cid = (await advocate.raise_concern(amira))["id"]
    await advocate.post(f"/api/concerns/{cid}/actions", {"kind": "note", "note": "Rang the school."})
    await advocate.post(f"/api/children/{amira.id}/disclosures", {"with": "police", "what": "What she said.",
                                                                  "why": "Risk tonight.", "child_told": True})
    await advocate.get(f"/api/concerns/{cid}")
    status, body = await advocate.get(f"/api/children/{amira.id}/export")
    assert status == 200
    more = body["export"]["more"]
    [worry] = more["Your worries"]
    assert (worry["your_words"] == STANDARD_WORRY["child_words"]
            and worry["about"] == "Seeing or talking to my family and friends")
    assert [e["note"] for e in worry["what_happened"]] == ["Rang the school."]
    [told] = more["Times we told someone outside the service about you"]
    assert (told["told"], told["why"], told["you_were_told_first"]) == ("the police", "Risk tonight.", True)
    looked = [e["what"] for e in body["export"]["who_looked_or_changed_things"]]
    assert ("read your worry" in looked
            and "told someone outside the advocacy service about you, to keep you safe" in looked)


async def test_the_advocate_and_the_manager_see_the_same_words_for_a_concerns_next_deadline(world):
    """Past the reminder, before the deadline: both see the deadline (to respond to the child), in the same
    words, on the API and on the manager's team page; never the reminder as if it were a deadline."""
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    status, body = await api(server, amira, "POST", "/api/concerns", json={
        "child": amira.id, "category": "money", "child_words": "My savings account has not been opened yet.",
        "child_wants": "To have my own savings account."})
    assert status == 201, body
    concern = body["concern"]["id"]
    deadlines = (await server.store.concerns.find_one({"_id": concern}))["deadlines"]
    assert deadlines["reminder_at"] < deadlines["respond_by"]
    server.clock.advance(deadlines["reminder_at"] - server.clock.now() + timedelta(minutes=5))

    async def words_of(person):
        status, body = await api(server, person, "GET", "/api/concerns")
        assert status == 200, body
        [shown] = [c for c in body["concerns"] if c["id"] == concern]
        return shown["due_words"], shown["due_late"]

    advocate_words, late = await words_of(ada)
    assert advocate_words.startswith("Respond to the child: due in ") and not late, advocate_words
    assert await words_of(mo) == (advocate_words, False)
    token = await sign_in(server, mo)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get("/console/team") as resp:
            page = html.unescape(await resp.text())
    assert advocate_words in page and "overdue" not in page.lower()
