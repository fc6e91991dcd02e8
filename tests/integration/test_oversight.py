"""The oversight queue's back end: what reviewers see, the moves they make, who else is kept out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import socketio

from tests.integration.concerns_support import add_reviewer
from tests.support import ChatClient, connect, sign_in


async def escalate(api, concern_id: str, **extra) -> None:
    status, body = await api.post(f"/api/concerns/{concern_id}/escalate",
                                  {"level": "oversight", "reason": "No answer in three weeks.", **extra})
    assert status == 200, body


async def test_reviewers_see_the_queue_most_urgent_then_most_overdue_without_names(world, apis):
    server, (amira, billy, cara) = world.server, world.children
    await server.services.sweeper_job.stop()
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"birth_date": "2012-05-01"}})
    ada, ben = await apis(server, world.advocates[0]), await apis(server, world.advocates[1])
    old_standard = (await ada.raise_concern(amira))["id"]
    server.clock.advance(timedelta(hours=1))
    ada, ben = await apis(server, world.advocates[0]), await apis(server, world.advocates[1])
    new_standard = (await ada.raise_concern(billy))["id"]
    high = (await ben.raise_concern(cara, severity="high", category="health"))["id"]
    for cid, api in ((new_standard, ada), (old_standard, ada), (high, ben)):
        await escalate(api, cid)

    reviewer = await apis(server, await add_reviewer(world))
    status, body = await reviewer.get("/api/oversight/items")
    assert status == 200 and body["total"] == 3
    assert [i["concern"] for i in body["items"]] == [high, old_standard, new_standard]
    first = next(i for i in body["items"] if i["concern"] == old_standard)
    assert first["ref"].startswith("R-") and first["la"] == "E08000035" and first["la_name"] == "Leeds"
    assert first["age_band"] in {"13 to 15", "10 to 12"} and body["items"][0]["age_band"] == "not known"
    assert (first["status"], first["level"], first["source"], first["reason"]) == ("new", "standard", "hand", "by_hand")
    everything = json.dumps(body) + json.dumps((await reviewer.get(f"/api/oversight/items/{first['id']}"))[1])
    for child in world.children:
        assert child.name not in everything and child.id not in everything
    for advocate in world.advocates:  # advocates are letters, in the API as on the page
        assert advocate.id not in everything and advocate.name not in everything

    detail = (await reviewer.get(f"/api/oversight/items/{first['id']}"))[1]["item"]
    assert detail["reason_text"] == "No answer in three weeks."
    assert (detail["concern_detail"]["child_words"]
            == "I haven't seen my brother for two months and nobody tells me why.")
    assert [e["kind"] for e in detail["concern_detail"]["timeline"]] == ["escalated", "escalated"]
    # The same child keeps the same reference.
    again = (await ada.raise_concern(amira, category="money"))["id"]
    await escalate(ada, again)
    refs = {i["concern"]: i["ref"] for i in (await reviewer.get("/api/oversight/items"))[1]["items"]}
    assert refs[again] == refs[old_standard] != refs[new_standard]

    filtered = (await reviewer.get("/api/oversight/items", la="E09000007"))[1]["items"]
    assert [i["concern"] for i in filtered] == [high]
    assert [i["concern"] for i in (await reviewer.get("/api/oversight/items", level="high"))[1]["items"]] == [high]
    assert (await reviewer.get("/api/oversight/items", level="extreme"))[0] == 400
    assert (await reviewer.get("/api/oversight/items", colour="red"))[0] == 400


async def test_a_reviewer_works_an_item_through_to_a_decision(world, apis):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    advocate = await apis(server, ada)
    cid = (await advocate.raise_concern(amira))["id"]
    await escalate(advocate, cid)
    child_chat, advocate_console = await connect(server, amira), await connect(server, ada, "/console")
    rae, sol = await add_reviewer(world), await add_reviewer(world, "sol.reviewer")
    mine, theirs = await apis(server, rae), await apis(server, sol)
    item = (await mine.get("/api/oversight/items"))[1]["items"][0]["id"]
    path = f"/api/oversight/items/{item}"

    assert (await mine.post(f"{path}/notes", {"text": "Looks stuck."}))[1]["error"]["code"] == "claim_first"
    assert (await mine.post(f"{path}/close", {"decision": "upheld"}))[1]["error"]["code"] == "claim_first"
    status, body = await mine.post(f"{path}/claim")
    assert status == 200 and (body["item"]["status"], body["item"]["claimed_by_me"]) == ("claimed", True)
    assert (await mine.post(f"{path}/claim"))[1]["error"]["code"] == "already_in_status"
    assert (await theirs.post(f"{path}/claim"))[1]["error"]["code"] == "item_claimed"
    assert (await theirs.post(f"{path}/notes", {"text": "mine now"}))[1]["error"]["code"] == "item_claimed"
    assert (await mine.post(f"{path}/updates",
                            {"text": "an answer to nothing"}))[1]["error"]["code"] == "no_update_requested"
    assert (await mine.post(f"{path}/notes", {"text": ""}))[1]["error"]["code"] == "words_empty"
    assert (await mine.post(f"{path}/notes", {"text": "Looks stuck."}))[0] == 200

    status, body = await mine.post(f"{path}/update-requests",
                                   {"from": "advocate", "text": "What has the council said?"})
    assert status == 200 and body["item"]["status"] == "awaiting_update"
    told = await advocate_console.next("notification")
    assert (told["kind"], told["ids"]) == ("oversight.update_requested", {"item": item, "concern": cid})
    assert (await mine.post(f"{path}/update-requests",
                            {"from": "la", "text": "again"}))[1]["error"]["code"] == "already_in_status"
    assert (await mine.post(f"{path}/updates",
                            {"text": "The council has not replied since March."}))[1]["item"]["status"] == "claimed"
    assert (await mine.post(f"{path}/update-requests", {"from": "the king", "text": "x"}))[0] == 400
    assert (await mine.post(f"{path}/update-requests", {"from": "la", "text": "Please explain the delay."}))[0] == 200
    assert (await mine.post(f"{path}/updates", {"text": "Contact to restart next week."}))[0] == 200
    assert (await mine.post(f"{path}/representations",
                            {"to": "la", "text": "Asked the Director to act this week."}))[0] == 200
    assert (await mine.post(f"{path}/close", {}))[1]["error"]["code"] == "decision_required"
    assert (await mine.post(f"{path}/close", {"decision": "dismissed"}))[1]["error"]["code"] == "decision_unknown"
    status, body = await mine.post(f"{path}/close", {"decision": "upheld", "text": "The council was too slow."})
    assert status == 200 and (body["item"]["status"], body["item"]["decision"]) == ("closed", "upheld")
    for action, payload in (("claim", None), ("notes", {"text": "more"}), ("close", {"decision": "upheld"})):
        assert (await mine.post(f"{path}/{action}", payload))[1]["error"]["code"] == "move_not_allowed", action

    detail = (await mine.get(path))[1]["item"]
    assert [e["kind"] for e in detail["log"]] == [
        "claimed", "note", "update_requested", "update_received", "update_requested", "update_received",
        "representation", "closed"]
    assert detail["log"][2]["text"] == "What has the council said?" and detail["log"][2]["from"] == "advocate"
    assert (await mine.get("/api/oversight/items"))[1]["total"] == 0
    assert [i["id"] for i in (await mine.get("/api/oversight/items", status="closed"))[1]["items"]] == [item]

    concern = await server.store.concerns.find_one({"_id": cid})
    assert concern["timeline"][-1]["kind"] == "oversight_closed" and concern["oversight"]["open"] is False
    assert (await advocate_console.next("notification"))["kind"] == "oversight.closed"
    notice = await child_chat.next("message")
    assert "has finished checking on it" in notice["text"]
    assert [e["action"] async for e in server.store.audit.find({"action": "oversight.closed"})] == ["oversight.closed"]
    # Sent by hand once more, it is a new item.
    await escalate(advocate, cid)
    assert await server.store.oversight.count_documents({"concern": cid}) == 2


async def test_releasing_puts_an_item_back_for_anyone(world, apis):
    server = world.server
    advocate = await apis(server, world.advocates[0])
    await escalate(advocate, (await advocate.raise_concern(world.children[0]))["id"])
    mine, theirs = (await apis(server, await add_reviewer(world)),
                    await apis(server, await add_reviewer(world, "sol.reviewer")))
    item = (await mine.get("/api/oversight/items"))[1]["items"][0]["id"]
    await mine.post(f"/api/oversight/items/{item}/claim")
    assert (await theirs.post(f"/api/oversight/items/{item}/release"))[1]["error"]["code"] == "item_claimed"
    assert (await mine.post(f"/api/oversight/items/{item}/release"))[1]["item"]["status"] == "new"
    assert (await theirs.post(f"/api/oversight/items/{item}/claim"))[0] == 200
    assert [i["id"] for i in (await theirs.get("/api/oversight/items", claimed="me"))[1]["items"]] == [item]
    assert (await mine.get("/api/oversight/items", claimed="me"))[1]["items"] == []


async def test_a_reviewer_cannot_see_a_concern_that_was_never_escalated(world, apis):
    server = world.server
    cid = (await (await apis(server, world.advocates[0])).raise_concern(world.children[0]))["id"]
    reviewer = await apis(server, await add_reviewer(world))
    assert (await reviewer.get(f"/api/concerns/{cid}"))[0] == 403
    assert (await reviewer.get("/api/concerns", child=world.children[0].id))[0] == 403
    assert (await reviewer.get("/api/oversight/items"))[1]["items"] == []
    for guess in (cid, f"ov_{cid}", "ov_0000000000000000"):
        status, body = await reviewer.get(f"/api/oversight/items/{guess}")
        assert (status, body["error"]["code"]) == (404, "item_not_found")
    assert (await reviewer.post(f"/api/concerns/{cid}/escalate", {"level": "oversight", "reason": "x"}))[0] == 403


@pytest.mark.parametrize("who", ["advocate", "manager", "child"])
async def test_others_cannot_use_reviewer_actions(world, apis, who):
    server = world.server
    person = {"advocate": world.advocates[0], "manager": world.manager, "child": world.children[0]}[who]
    advocate = await apis(server, world.advocates[0])
    await escalate(advocate, (await advocate.raise_concern(world.children[0]))["id"])
    item = (await server.store.oversight.find_one({}))["_id"]
    api = await apis(server, person)
    assert (await api.get("/api/oversight/items"))[0] == 403
    assert (await api.get(f"/api/oversight/items/{item}"))[0] == 403
    for action in ("claim", "release", "notes", "update-requests", "updates", "representations", "close"):
        status, body = await api.post(f"/api/oversight/items/{item}/{action}", {"text": "x", "decision": "upheld"})
        assert (status, body["error"]["code"]) == (403, "forbidden"), action
    assert (await server.store.oversight.find_one({"_id": item}))["status"] == "new"
    token = await sign_in(server, person)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ChatClient(server, "/oversight").connect(token)


async def test_reviewers_see_new_items_and_changes_live(world, apis):
    server = world.server
    rae = await add_reviewer(world)
    live = await connect(server, rae, "/oversight")
    advocate = await apis(server, world.advocates[0])
    await escalate(advocate, (await advocate.raise_concern(world.children[0], severity="high"))["id"])
    added = await live.next("item")
    assert added["change"] == "added" and added["item"]["level"] == "high" and "Amira" not in json.dumps(added)
    listing = await live.call("queue", {"level": "high"})
    assert listing["ok"] is True and [i["id"] for i in listing["items"]] == [added["item"]["id"]]
    assert (await live.call("queue", {"level": 3}))["error"]["code"] == "bad_request"
    await (await apis(server, rae)).post(f"/api/oversight/items/{added['item']['id']}/claim")
    changed = await live.next("item")
    assert (changed["change"], changed["item"]["status"]) == ("claimed", "claimed")
