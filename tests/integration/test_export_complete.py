"""The data export holds everything held about a child, by anyone: one record of every kind is written
through the service's own doors, then found in the API's export, its readable page and the command's."""

from __future__ import annotations

import json
from datetime import timedelta

from advocacy.privacy.erasure import CHILD_RECORDS, KEPT, PLAN_CHANGES, UNLINKED, erase_child
from advocacy.privacy.export import HELD, LABELS
from advocacy.store import INDEXES
from tests.integration.concerns_support import add_reviewer, apis  # noqa: F401  (apis is a fixture)
from tests.integration.test_interpreting import add_interpreter
from tests.integration.test_permissions import PHONE
from tests.integration.test_privacy import run_cli
from tests.support import add_advocate, api, connect, leave_tomorrow, make_pairable

# Where each collection keeps a child's records, to check the test wrote one of every kind.
WHOSE = {
    "children": "_id", "keys": "_id", "pseudonyms": "_id", "equality": "_id", "sessions": "user", "audit": "subject",
    "pairing_plans": "changes.child",
}


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


async def test_one_record_of_every_kind_is_in_the_export_in_plain_words(world, apis, tmp_path):  # noqa: F811
    await make_pairable(world)
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", mo)
    reviewer = await add_reviewer(world)
    conv = world.conversation_of(amira)

    # Chat, and a message safeguarding triage flags.
    child_chat = await connect(server, amira)
    await child_chat.send(conv, "Marker message to my advocate")
    await child_chat.send(conv, "i want to kill myself")
    await server.services.safeguarding.drain()
    # Notifications switched on for her phone (its push service on loopback; nothing listens there).
    status, body = await api(server, amira, "PUT", "/api/push/subscription", json=PHONE)
    assert status == 200, body
    # An interpreter, let in by the child, interprets her message, then she ends it.
    ina = await add_interpreter(server)
    status, body = await api(server, ada, "POST", f"/api/conversations/{conv}/interpreter",
                             json={"interpreter": ina.username, "minutes": 30})
    assert status == 201, body
    invitation = body["interpreting"]["id"]
    assert (await api(server, amira, "POST", f"/api/interpreting/{invitation}/answer", json={"agree": True}))[0] == 200
    ina_chat = await connect(server, ina)
    assert (await ina_chat.send(conv, "Marker interpretation"))["ok"]
    assert (await api(server, amira, "POST", f"/api/interpreting/{invitation}/end"))[0] == 200
    # A worry, taken to the Commissioner's team, who write a note.
    child_api, advocate_api = await apis(server, amira), await apis(server, ada)
    status, body = await child_api.post("/api/concerns", {
        "child": amira.id, "category": "contact", "severity": "standard",
        "child_words": "Marker worry words", "child_wants": "Marker wish"})
    assert status == 201, body
    worry = body["concern"]["id"]
    status, body = await advocate_api.post(f"/api/concerns/{worry}/escalate",
                                           {"level": "oversight", "reason": "Marker escalation reason"})
    assert status == 200, body
    item = body["concern"]["oversight"]["item"]
    reviewer_api = await apis(server, reviewer)
    assert (await reviewer_api.post(f"/api/oversight/items/{item}/claim"))[0] == 200
    assert (await reviewer_api.post(f"/api/oversight/items/{item}/notes", {"text": "Marker reviewer note"}))[0] == 200
    # A complaint about the service, answered by Ada's manager.
    status, body = await child_api.post("/api/complaints", {
        "about": "advocate", "words": "Marker complaint words", "wants": "Marker complaint wish"})
    assert status == 201, body
    manager_api = await apis(server, mo)
    status, body = await manager_api.post(f"/api/complaints/{body['complaint']['id']}/answer",
                                          {"outcome": "partly_upheld", "answer": "Marker complaint answer"})
    assert status == 200, body
    # Something told outside the service.
    status, body = await advocate_api.post(f"/api/children/{amira.id}/disclosures", {
        "concern": worry, "with": "la_front_door", "what": "Marker disclosure what", "why": "Marker disclosure why",
        "child_told": True})
    assert status == 201, body
    # Her answers to the equality monitoring questions.
    status, body = await api(server, amira, "PUT", f"/api/children/{amira.id}/equality",
                             json={"answers": {"ethnicity": "white"}})
    assert status == 200, body
    # Non-instructed advocacy with a visit, and a review with her views and what was decided.
    today = server.services.moments.today()
    status, body = await advocate_api.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "Marker non-instructed reason", "review_by": (today + timedelta(days=30)).isoformat()})
    assert status == 201, body
    status, body = await advocate_api.post(f"/api/children/{amira.id}/visits", {
        "at": server.clock.now().isoformat(), "where": "school", "present": ["Marker teaching assistant"],
        "seemed": "Marker seemed", "observed": "Marker observed", "rights": ["play_rest"]})
    assert status == 201, body
    status, body = await advocate_api.post(f"/api/children/{amira.id}/moments", {
        "kind": "looked_after_review", "on": (today - timedelta(days=1)).isoformat()})
    assert status == 201, body
    moment = body["moment"]["id"]
    assert (await advocate_api.post(f"/api/moments/{moment}/views", {"views": "Marker moment views"}))[0] == 200
    assert (await advocate_api.post(f"/api/moments/{moment}/outcome", {
        "decided": "Marker moment decided", "views_put": True, "matched": "partly"}))[0] == 200
    # Leave with cover, then a different advocate, with the question about earlier chat answered.
    await leave_tomorrow(server, mo, ada, {cat.id})
    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/someone-else",
                             json={"reason": "Marker someone else reason"})
    assert status == 200 and body["advocate"]["id"] == cat.id, body
    assert (await api(server, amira, "PUT", f"/api/children/{amira.id}/earlier-chat", json={"share": True}))[0] == 200
    server.clock.advance(timedelta(minutes=5))
    # Opting out with a reason, a placement move (an offer follows), opting in again.
    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out",
                             json={"reason": "Marker opt out reason"})
    assert status == 200 and body["changed"], body
    status, body = await api(server, mo, "POST", f"/api/children/{amira.id}/placement-moves",
                             json={"moved_on": (server.services.pairing.today() - timedelta(days=3)).isoformat()})
    assert status == 201 and body["offered"], body
    assert (await api(server, amira, "POST", f"/api/children/{amira.id}/opt-in"))[0] == 200
    # A suggested re-pairing that would move her (Cat stops taking children; Ada is never chosen again).
    await server.store.staff.update_one({"_id": cat.id}, {"$set": {"available": False}})
    status, body = await api(server, mo, "POST", "/api/pairing/plans", json={})
    assert status == 201 and amira.id in {c["child"] for c in body["plan"]["changes"]}, body
    # A request to put the worry's words right, accepted by Ada's manager (the old words are kept), and the
    # question asked when she opted out, answered.
    status, body = await child_api.post("/api/corrections", {
        "kind": "worry_words", "concern": worry, "should_say": "Marker corrected words", "why": "Marker why wrong"})
    assert status == 201, body
    assert (await manager_api.post(f"/api/corrections/{body['correction']['id']}/decide",
                                   {"decision": "accept"}))[0] == 200
    [ask] = (await child_api.get("/api/feedback"))[1]["feedback"]
    assert (await child_api.post(f"/api/feedback/{ask['id']}/answer", {"listened": "no", "changed": "a_bit"}))[0] \
        == 200

    for collection in HELD:
        key = WHOSE.get(collection, "child")
        query = ({"conversation": conv} if collection == "messages"
                 else {"advocate": ada.id} if collection == "leaves" else {key: amira.id})
        assert await getattr(server.store, collection).count_documents(query), f"the test wrote no {collection} record"

    status, body = await api(server, mo, "GET", f"/api/children/{amira.id}/export")
    assert status == 200, body
    data = body["export"]
    async with server.http(headers={"Authorization": f"Bearer {await _token(server, mo)}"}) as http:
        html = await (await http.get(f"/api/children/{amira.id}/export.html")).text()
    text = json.dumps(data)
    for marker in ["Marker message to my advocate", "i want to kill myself", "Marker worry words", "Marker wish",
                   "Marker escalation reason", "Marker reviewer note", "Marker disclosure what",
                   "Marker disclosure why", "Marker someone else reason", "Marker opt out reason",
                   "Marker complaint words", "Marker complaint wish", "Marker complaint answer",
                   "Marker corrected words", "Marker why wrong",
                   "Marker non-instructed reason", "Marker teaching assistant", "Marker seemed", "Marker observed",
                   "Marker moment views", "Marker moment decided", "Marker interpretation"]:
        assert marker in text, marker
        assert marker in html, marker
    more = data["more"]
    flags = more["When something you wrote made us check you were safe"]
    assert flags and flags[0]["it_looked_like"] == ["Self-harm and suicide"]
    [checked] = more["When the Children's Commissioner's team checked on your worries"]
    ref = data["about_you"]["the_code_the_childrens_commissioners_team_know_you_by"]
    assert ref and checked["the_code_they_know_you_by"] == ref
    assert [e["what"] for e in checked["what_they_did"]] == ["picked it up", "wrote a note"]
    choices = [c["what"] for c in more["When you said yes or no to having an advocate"]]
    assert choices == ["You asked for a different advocate instead of Ada Advocate",
                       "You said you didn't want an advocate", "We offered you an advocate again",
                       "You said you wanted an advocate again"]
    [moved] = more["When you moved to a new home"]
    assert moved["moved_on"] == (server.services.pairing.today() - timedelta(days=3)).isoformat()
    [cover] = more["When your advocate was away and someone else helped"]
    assert (cover["advocate_away"], cover["helped_you_meanwhile"]) == ("Ada Advocate", "Cat Advocate")
    [earlier] = more["Whether a new advocate may read your messages with earlier advocates"]
    assert (earlier["advocate"], earlier["your_answer"]) == ("Cat Advocate", "yes")
    [plan] = more["Plans to change who your advocate is"]
    assert (plan["from_advocate"], plan["what_happened"]) == ("Cat Advocate", "suggested, not done yet")
    [equality] = more["What you told us about yourself for our equality checks"]
    assert (equality["question"], equality["your_answer"], equality["who"]) == ("What is your ethnic group?", "White",
                                                                              "you")
    [interpreter] = more["Interpreters in your chat"]
    assert (interpreter["interpreter"], interpreter["your_answer"]) == ("Ina Interpreter", "yes")
    assert interpreter["finished"] and interpreter["could_read_earlier"] == "no"
    [complaint] = more["Your complaints about the advocacy service"]
    assert (complaint["about"], complaint["where_it_is"]) == ("my advocate", "you have an answer")
    [corrected] = more["Things you asked us to put right"]
    assert (corrected["what_it_said_before"], corrected["where_it_is"]) == ("Marker worry words", "we put it right")
    [given] = more["What you told us about how things went"]
    assert (given["about"], given["where_it_is"]) == ("You stopped having an advocate.", "you answered")
    assert given["did_you_feel_listened_to"] == "only you can see your answers, on your How did it go? page"
    assert more["What we counted for the figures we publish (they never show your name)"]
    [decided] = more["How your advocate speaks up for you"]
    assert decided["why"] == "Marker non-instructed reason"
    [visit] = more["Visits from your advocate"]
    assert (visit["where"], visit["your_rights"]) == ("At school or nursery", ["Playing and resting"])
    [review] = more["Meetings and changes about your care"]
    assert (review["what"], review["your_views_were_put"]) == ("A meeting about your care (a review)", True)
    assert data["about_you"]["locked_with_your_own_key"] and data["about_you"]["advocates_we_wont_pair_you_with"] == [
        "Ada Advocate"]
    assert "you told us about a worry" in {n["about"] for n in data["staff_told"]}
    [phone] = more["Notifications on your phones"]
    assert phone["what"] == "Notifications switched on for one device" and PHONE["endpoint"] not in text
    # Every field is named in plain words on the page, and no stored code leaks through.
    unlabelled = _keys(list(more.values()), set()) - set(LABELS)
    assert not unlabelled, unlabelled
    for code in ("opted_out", "offer_declined", "placement_move", "awaiting_response", "update_requested",
                 "la_front_door"):
        assert code not in html, code

    code, out = await run_cli(server, "export-child", amira.id, "--out", str(tmp_path),
                              ADVOCACY_MASTER_KEY=server.settings.master_key)
    assert code == 0, out
    command = json.loads((tmp_path / f"{amira.id}.json").read_text())
    # The operator's copy holds the feedback answers too; a copy made by staff says only that she answered.
    [answered] = command["more"].pop("What you told us about how things went")
    assert (answered["did_you_feel_listened_to"], answered["did_things_change"]) == ("No", "A bit")
    data["more"].pop("What you told us about how things went")
    assert command["more"] == data["more"] and command["about_you"] == data["about_you"]

    # Erasing her leaves nothing with her id in any collection but those kept by design (erasure.KEPT).
    erased_by = {*CHILD_RECORDS, *UNLINKED, PLAN_CHANGES, *KEPT, "keys", "conversations", "messages"}
    assert set(HELD) <= erased_by, f"erasure does not say what happens to {set(HELD) - erased_by}"
    counted = {name: await getattr(server.store, name).count_documents({}) for name in UNLINKED}
    await erase_child(server.store, server.clock, amira.id)
    for collection in INDEXES:
        if collection in KEPT:
            continue
        left = [doc async for doc in getattr(server.store, collection).find({}) if amira.id in repr(doc)]
        assert not left, f"erasure left her records in {collection}: {left}"
    assert await server.store.children.find_one({"_id": amira.id}, {"_id": 0, "erased_at": 0}) == {}
    # The rows the figures are counted from stay, with nothing that leads back to her.
    assert {name: await getattr(server.store, name).count_documents({}) for name in UNLINKED} == counted


async def _token(server, person) -> str:
    from tests.support import API_TOKENS

    return API_TOKENS[(server.url, person.id)]
