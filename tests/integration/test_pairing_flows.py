"""Pairing flows through the real API, chat and console: entering care, opting out and in, offers,
asking for someone else, cover, an advocate leaving or cutting capacity, history and plans."""

from __future__ import annotations

from datetime import timedelta

from advocacy.pairing import plans
from tests.support import (
    CAMDEN,
    LEEDS,
    LONDON,
    ChatClient,
    Person,
    add_advocate,
    api,
    connect,
    make_pairable,
    service_notices,
    sign_in,
)

notices = service_notices


async def kinds(server, staff_id):
    return [n["kind"] async for n in server.store.notifications.find({"to": staff_id}).sort("created_at", 1)]


async def test_a_manager_records_a_child_who_is_paired_at_once_with_a_code_and_a_chat(world):
    await make_pairable(world)
    server, ada = world.server, world.advocates[0]
    status, body = await api(server, world.manager, "POST", "/api/children",
                             json={"name": "Dana", "la": LEEDS, "birth_date": "2013-05-01", "languages": ["en"]})
    assert status == 201, body
    assert body["advocate"]["id"] == ada.id  # Ben has worked for Leeds: never him
    dana = Person(body["child"], "Dana", "child", access_code=body["access_code"], pin="1357",
                  setup_word=body["setup_word"])
    chat = await connect(server, dana)
    conversations = (await chat.call("conversations"))["conversations"]
    assert [c["advocate"] for c in conversations] == [ada.id] == [body["advocate"]["id"]]
    history = await chat.call("history", {"conversation": conversations[0]["id"]})
    first = history["messages"][0]
    assert first["sender"]["role"] == "service" and "Ada is your advocate" in first["text"]
    record = await server.store.children.find_one({"_id": dana.id})
    assert record["birth_year"] == 2013 and "birth_date" not in record and record["opted_out"] is False
    pairing = await server.store.pairings.find_one({"child": dana.id})
    assert pairing["why"] == "entered_care" and pairing["by"] == {"id": world.manager.id, "role": "manager"}
    assert "child.paired" in await kinds(server, ada.id)
    assert (await server.store.staff.find_one({"_id": ada.id}))["load"] == 3


async def test_entering_care_refuses_bad_details_naming_each_field_and_only_managers_and_admins_may(world):
    await make_pairable(world)
    server = world.server
    before = await server.store.children.count_documents({})
    status, body = await api(server, world.manager, "POST", "/api/children",
                             json={"name": " ", "la": "E99999999", "birth_date": "2013-13-01", "languages": "en"})
    assert status == 400 and body["error"]["code"] == "child_invalid"
    for field in ('"name"', '"la"', '"birth_date"'):
        assert field in body["error"]["message"]
    good = {"name": "Eli", "la": LEEDS}
    assert (await api(server, world.advocates[0], "POST", "/api/children", json=good))[0] == 403
    assert (await api(server, world.children[0], "POST", "/api/children", json=good))[0] == 403
    assert await server.store.children.count_documents({}) == before


async def test_a_child_who_opts_out_stops_being_paired_and_can_opt_back_in(world):
    await make_pairable(world)
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    console = await connect(server, ada, "/console")
    conversation = world.conversation_of(amira)
    assert (await (await connect(server, amira)).send(conversation, "before I stop"))["ok"]

    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out",
                             json={"reason": "I just don't want one"})
    assert status == 200 and body["changed"] is True
    record = await server.store.children.find_one({"_id": amira.id})
    assert record["opted_out"] is True and record["advocate"] is None
    told = await console.next("notification")
    assert (told["kind"], told["child"]) == ("child.opted_out", amira.id)
    assert "child.opted_out" in await kinds(server, world.manager.id)
    event = await server.store.opt_events.find_one({"child": amira.id})
    assert (event["kind"], event["la"]) == ("opted_out", LEEDS) and len(event["month"]) == 7
    assert b"want" not in event["reason"]  # the child's words are sealed
    advocate_chat = await connect(server, ada)
    assert [c["child"] for c in (await advocate_chat.call("conversations"))["conversations"]] == [billy.id]
    assert await server.store.messages.count_documents({"conversation": conversation}) == 1  # nothing was deleted

    # The opted-out child's pages say they can have an advocate any time.
    token = await sign_in(server, amira)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get("/child", allow_redirects=False) as resp:
            assert resp.status == 303 and resp.headers["Location"] == "/child/advocate"
        async with http.get("/child/advocate") as resp:
            page = await resp.text()
    assert "You can have one any time" in page and 'id="opt-in"' in page

    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/opt-in")
    assert status == 200 and body["changed"] is True and body["advocate"]["id"] == ada.id  # someone she knows
    assert "Welcome back! Ada is your advocate now." in (await notices(server, amira.id))[-1]
    assert [e["kind"] async for e in server.store.opt_events.find({"child": amira.id}).sort("at", 1)] == [
        "opted_out", "opted_in"]
    assert {c["child"] for c in (await advocate_chat.call("conversations"))["conversations"]} == {amira.id, billy.id}


async def test_only_the_child_can_opt_out_and_only_for_themself(world):
    await make_pairable(world)
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    status, body = await api(server, amira, "POST", f"/api/children/{billy.id}/opt-out")
    assert status == 404 and body["error"]["code"] == "not_found"
    assert (await api(server, ada, "POST", f"/api/children/{billy.id}/opt-out"))[0] == 403
    assert (await api(server, world.manager, "POST", f"/api/children/{billy.id}/someone-else"))[0] == 403
    assert (await server.store.children.find_one({"_id": billy.id}))["advocate"] == ada.id
    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out", json={"reason": "x" * 1001})
    assert status == 400 and body["error"]["code"] == "reason_too_long"
    assert (await server.store.children.find_one({"_id": amira.id}))["opted_out"] is False


async def test_an_opted_out_child_is_offered_an_advocate_again_after_a_move_and_every_six_months(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out")
    assert (await api(server, ada, "POST", f"/api/children/{amira.id}/placement-moves", json={}))[0] == 404
    status, body = await api(server, world.manager, "POST", f"/api/children/{amira.id}/placement-moves", json={})
    assert status == 201 and body["offered"] is True
    _, state = await api(server, amira, "GET", f"/api/children/{amira.id}/advocate")
    assert state["opted_out"] is True and state["offer"]["why"] == "placement_move"
    assert (await api(server, amira, "POST", f"/api/children/{amira.id}/offer/decline"))[1]["changed"] is True
    assert (await api(server, amira, "GET", f"/api/children/{amira.id}/advocate"))[1]["offer"] is None

    job = server.services.pairing_job
    await job.run_once()
    assert (await api(server, amira, "GET", f"/api/children/{amira.id}/advocate"))[1]["offer"] is None
    server.clock.advance(timedelta(days=186))
    await job.run_once()
    _, state = await api(server, amira, "GET", f"/api/children/{amira.id}/advocate")
    assert state["offer"]["why"] == "every_months"
    events = [(e["kind"], e.get("why")) async for e in server.store.opt_events.find({"child": amira.id}).sort("at", 1)]
    assert events == [("opted_out", None), ("offered", "placement_move"), ("offer_declined", None),
                      ("offered", "every_months")]


async def test_asking_for_someone_else_re_pairs_without_the_current_advocate_for_good(world):
    await make_pairable(world)
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager, capacity=1)
    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/someone-else", json={"reason": "rude"})
    assert status == 200 and body["advocate"]["id"] == cat.id
    record = await server.store.children.find_one({"_id": amira.id})
    assert (record["advocate"] == cat.id and record["avoid"] == [ada.id]
            and b"rude" not in record["someone_else"][0]["reason"])
    change = await server.store.pairings.find_one({"child": amira.id, "advocate": cat.id})
    assert change["why"] == "asked_for_someone_else" and change["by"]["role"] == "child"
    assert "You asked for a different advocate, so Cat is your advocate now." in (await notices(server, amira.id))[-1]

    # Nobody else has room for Billy: nothing changes, and his advocate's manager is told.
    status, body = await api(server, billy, "POST", f"/api/children/{billy.id}/someone-else")
    assert status == 409 and body["error"]["code"] == "no_other_advocate"
    assert (await server.store.children.find_one({"_id": billy.id}))["advocate"] == ada.id
    assert "child.asked_for_someone_else" in await kinds(server, world.manager.id)

    # Even when Cat stops taking children, a plan never sends Amira back to Ada.
    await server.store.staff.update_one({"_id": cat.id}, {"$set": {"available": False}})
    status, body = await api(server, world.manager, "POST", "/api/pairing/plans", json={})
    assert status == 201, body
    moves = {c["child"]: c["to"] for c in body["plan"]["changes"]}
    assert moves[amira.id] is None


async def test_cover_starts_and_ends_on_its_dates(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager)
    service = server.services.pairing
    first_day = service.today() + timedelta(days=2)
    last_day = first_day + timedelta(days=3)
    assert (await api(server, ada, "POST", f"/api/advocates/{ada.id}/leave",
                      json={"starts": first_day.isoformat(), "ends": last_day.isoformat()}))[0] == 403
    status, body = await api(server, world.other_manager, "POST", f"/api/advocates/{ada.id}/leave",
                             json={"starts": first_day.isoformat(), "ends": last_day.isoformat()})
    assert status == 404  # not Ola's advocate
    status, body = await api(server, world.manager, "POST", f"/api/advocates/{ada.id}/leave",
                             json={"starts": last_day.isoformat(), "ends": first_day.isoformat()})
    assert status == 400 and body["error"]["code"] == "dates_invalid"
    status, body = await api(server, world.manager, "POST", f"/api/advocates/{ada.id}/leave",
                             json={"starts": first_day.isoformat(), "ends": last_day.isoformat()})
    assert status == 201, body
    assert {c["cover"]["id"] for c in body["leave"]["covers"]} == {cat.id}  # Ben has worked for Leeds
    conversation = world.conversation_of(amira)
    leave = await server.store.leaves.find_one({"_id": body["leave"]["id"]})

    async def cat_can_use_the_chat_at(moment, seconds) -> bool:
        """Signed in a little before (staff sign-in may move the clock on a few seconds), then tried at
        exactly ``moment`` + ``seconds``."""
        server.clock.advance(moment - service.clock.now() + timedelta(seconds=seconds - 120))
        token = await sign_in(server, cat)
        server.clock.advance(moment - service.clock.now() + timedelta(seconds=seconds))
        chat = await ChatClient(server).connect(token)
        listed = [c["id"] for c in (await chat.call("conversations"))["conversations"]]
        sent = await chat.send(conversation, "Hello Amira, it's Cat.")
        async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
            async with http.get(f"/api/children/{amira.id}/advocate") as resp:
                status = resp.status
        await chat.close()
        assert (conversation in listed) == sent["ok"] == (status == 200)
        return sent["ok"]

    assert not await cat_can_use_the_chat_at(leave["starts_at"], -60)
    assert await cat_can_use_the_chat_at(leave["starts_at"], 60)
    await server.services.pairing_job.run_once()
    told = (await notices(server, amira.id))[-1]
    assert told.startswith("Ada is away until") and "Cat will look after you" in told
    _, state = await api(server, amira, "GET", f"/api/children/{amira.id}/advocate")
    assert state["advocate"]["id"] == ada.id and state["cover"]["advocate"]["id"] == cat.id
    assert state["cover"]["until"] == last_day.isoformat()
    status, body = await api(server, world.manager, "POST", "/api/children", json={"name": "Gus", "la": LEEDS})
    assert status == 201 and body["advocate"]["id"] == cat.id  # no new children for an advocate on leave

    assert await cat_can_use_the_chat_at(leave["ends_at"], -60)
    assert not await cat_can_use_the_chat_at(leave["ends_at"], 60)
    await server.services.pairing_job.run_once()
    assert (await notices(server, amira.id))[-1] == "Ada is back, so Ada is looking after you again."
    _, state = await api(server, amira, "GET", f"/api/children/{amira.id}/advocate")
    assert state["advocate"]["id"] == ada.id and state["cover"] is None
    assert await server.store.conversations.count_documents({"child": amira.id}) == 1  # her advocate never changed


async def test_a_leaving_advocates_children_go_to_someone_they_know_and_choose_what_they_see(world):
    await make_pairable(world)
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    service = server.services.pairing
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager, capacity=5)
    dev = await add_advocate(server, "dev.advocate", "Dev Advocate", world.manager, capacity=5)
    # Amira had Cat once before; Billy has never had anyone but Ada.
    await service.changes.pair(amira.id, cat.id, "test")
    await service.changes.pair(amira.id, ada.id, "test")
    amira_chat = await connect(server, amira)
    await amira_chat.send(world.conversation_of(amira), "something I told Ada")

    status, body = await api(server, world.manager, "POST", f"/api/advocates/{ada.id}/leaving")
    assert status == 200, body
    assert body["children"][amira.id] == cat.id
    assert body["children"][billy.id] in {cat.id, dev.id}
    assert (await server.store.staff.find_one({"_id": ada.id}))["available"] is False
    for child in (amira, billy):
        assert "Ada can't be your advocate any more" in (await notices(server, child.id))[-1]
    assert "can't read your old messages" in (await notices(server, amira.id))[-1]

    old = world.conversation_of(amira)
    cat_chat = await connect(server, cat)
    refused = await cat_chat.call("history", {"conversation": old})
    assert refused["error"]["code"] == "conversation_not_found"
    _, state = await api(server, amira, "GET", f"/api/children/{amira.id}/advocate")
    assert state["earlier_chat"] == {"share": None}

    assert (await api(server, amira, "PUT", f"/api/children/{amira.id}/earlier-chat", json={"share": True}))[0] == 200
    shown = await cat_chat.call("history", {"conversation": old})
    assert "something I told Ada" in [m["text"] for m in shown["messages"]]
    assert (await cat_chat.send(old, "writing into the old chat"))["ok"] is False  # reading only
    assert (await api(server, amira, "PUT", f"/api/children/{amira.id}/earlier-chat", json={"share": False}))[0] == 200
    assert (await cat_chat.call("history", {"conversation": old}))["ok"] is False
    assert (await api(server, billy, "PUT", f"/api/children/{amira.id}/earlier-chat", json={"share": True}))[0] == 404


async def test_a_capacity_cut_re_pairs_only_the_children_over_it(world):
    await make_pairable(world)
    server, ada = world.server, world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager)
    assert (await api(server, world.other_manager, "PATCH", f"/api/advocates/{ada.id}", json={"capacity": 1}))[0] == 404
    assert (await api(server, ada, "PATCH", f"/api/advocates/{ada.id}", json={"capacity": 1}))[0] == 403
    status, body = await api(server, world.manager, "PATCH", f"/api/advocates/{ada.id}", json={"capacity": "one"})
    assert status == 400 and body["error"]["code"] == "bad_request"
    status, body = await api(server, world.manager, "PATCH", f"/api/advocates/{ada.id}", json={"capacity": 1})
    assert status == 200 and list(body["moved"].values()) == [cat.id]
    assert await server.store.children.count_documents({"advocate": ada.id}) == 1
    moved = next(iter(body["moved"]))
    assert "too many young people" in (await notices(server, moved))[-1]
    assert (await server.store.pairings.find_one({"child": moved, "advocate": cat.id}))["why"] == "capacity_change"


async def test_every_change_is_in_the_childs_history_for_those_who_may_see_it(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out")
    await api(server, amira, "POST", f"/api/children/{amira.id}/opt-in")
    status, body = await api(server, world.manager, "GET", f"/api/children/{amira.id}/pairings")
    assert status == 200
    changes = body["changes"]
    assert [(c["advocate"]["id"], c["why"], c["end_why"]) for c in changes] == [
        (ada.id, "test", "opted_out"), (ada.id, "opted_in", None)]
    assert changes[0]["end_by"] == {"id": amira.id, "role": "child"} and changes[0]["ended_at"]
    assert [e["kind"] for e in body["events"]] == ["opted_out", "opted_in"]
    _, own = await api(server, amira, "GET", f"/api/children/{amira.id}/pairings")
    assert own["changes"][0]["end_by"] == {"role": "child"}  # a child is not shown staff ids
    assert (await api(server, world.advocates[1], "GET", f"/api/children/{amira.id}/pairings"))[0] == 404
    assert (await api(server, world.other_manager, "GET", f"/api/children/{amira.id}/pairings"))[0] == 404
    assert (await api(server, world.children[2], "GET", f"/api/children/{amira.id}/pairings"))[0] == 404


async def test_managers_see_a_plan_of_their_team_and_applying_it_makes_the_changes(world):
    await make_pairable(world)
    server, cara, ben = world.server, world.children[2], world.advocates[1]
    eve = await add_advocate(server, "eve.advocate", "Eve Advocate", world.other_manager, regions=[LONDON],
                             conflicts=[LEEDS])
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})
    assert (await api(server, ben, "POST", "/api/pairing/plans", json={}))[0] == 403
    status, body = await api(server, world.other_manager, "POST", "/api/pairing/plans", json={"max_moves": 5})
    assert status == 201, body
    plan = body["plan"]
    assert [(c["child"], c["from"], c["to"]) for c in plan["changes"]] == [(cara.id, ben.id, eve.id)]
    assert (plan["changes"][0]["child_name"] == "Cara"
            and "their advocate is no longer available" in plan["changes"][0]["why"])
    assert (plan["changes"][0]["cost_before"], plan["changes"][0]["cost_after"]) == (0, 200 + 25)  # moved, stranger
    _, theirs = await api(server, world.manager, "GET", f"/api/pairing/plans/{plan['id']}")
    assert theirs["plan"]["changes"] == []  # none of Mo's team is involved
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == ben.id  # a plan changes nothing

    token = await sign_in(server, world.other_manager)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"/console/pairing?plan={plan['id']}") as resp:
            assert resp.status == 200 and "Cara" in await resp.text()

    result = await plans.apply_plan(server.services.pairing, plan, {"id": "test", "role": "admin"})
    assert result == {"applied": 1, "skipped": []}
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == eve.id
    assert (await server.store.pairing_plans.find_one({"_id": plan["id"]}))["status"] == "applied"
    again = await plans.apply_plan(server.services.pairing, {**plan, "id": None,
                                   "changes": [{"child": cara.id, "from": ben.id, "to": ben.id}]}, None)
    assert again["skipped"] == [{"child": cara.id, "why": "their advocate changed since the plan was made"}]


async def test_a_camden_child_is_never_given_an_advocate_who_worked_for_camden(world):
    await make_pairable(world)
    server = world.server
    await server.store.staff.update_one({"_id": world.advocates[0].id}, {"$set": {"conflicts": []}})
    await server.store.staff.update_one({"_id": world.advocates[1].id}, {"$set": {"conflicts": [LEEDS, CAMDEN]}})
    status, body = await api(server, world.manager, "POST", "/api/children", json={"name": "Fin", "la": CAMDEN})
    assert status == 201 and body["advocate"]["id"] == world.advocates[0].id  # out of region, but independent


async def test_a_second_child_with_the_same_case_reference_is_refused_clearly_and_nothing_is_stored(world):
    await make_pairable(world)
    body = {"name": "Dana", "la": LEEDS, "ref": "LEEDS-0042"}
    status, first = await api(world.server, world.manager, "POST", "/api/children", json=body)
    assert status == 201, first
    before = await world.server.store.children.count_documents({})
    status, again = await api(world.server, world.manager, "POST", "/api/children", json={**body, "name": "Eli"})
    assert status == 400 and again["error"]["code"] == "child_invalid" and "LEEDS-0042" in again["error"]["message"]
    assert await world.server.store.children.count_documents({}) == before


async def _plan_audit(server, plan_id):
    return [(e["action"], e["actor"], e["subject"]) async for e in
            server.store.audit.find({"ids.plan": plan_id}).sort("_id", 1)]


async def test_a_plan_above_the_limit_is_approved_by_a_second_manager_then_applied_from_the_console(world):
    await make_pairable(world)
    server, cara, ben, mo, ola = world.server, world.children[2], world.advocates[1], world.manager, world.other_manager
    eve = await add_advocate(server, "eve.advocate", "Eve Advocate", mo, regions=[LONDON], conflicts=[LEEDS])
    server.services.pairing.second_approval_above = 0  # config/pairing.toml [plans]: every plan needs a second person
    status, body = await api(server, cara, "POST", "/api/concerns", json={
        "child": cara.id, "category": "money", "child_words": "My savings account has not been opened yet.",
        "child_wants": "To have my own savings account."})
    assert status == 201, body
    concern = body["concern"]["id"]
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})

    status, body = await api(server, ola, "POST", "/api/pairing/plans", json={"max_moves": 3})
    assert status == 201, body
    plan = body["plan"]
    assert [(c["child"], c["from"], c["to"]) for c in plan["changes"]] == [(cara.id, ben.id, eve.id)]

    # Ola made it: she may not apply it unapproved, nor approve it herself; nothing changes.
    status, body = await api(server, ola, "POST", f"/api/pairing/plans/{plan['id']}/apply", json={})
    assert (status, body["error"]["code"]) == (409, "plan_needs_approval"), body
    assert "another manager must approve" in body["error"]["message"]
    status, body = await api(server, ola, "POST", f"/api/pairing/plans/{plan['id']}/approve", json={})
    assert (status, body["error"]["code"]) == (409, "plan_same_person"), body
    assert (await server.store.pairing_plans.find_one({"_id": plan["id"]}))["status"] == "proposed"
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == ben.id

    # Mo approves; Ola applies: Cara and her open concern go to Eve.
    status, body = await api(server, mo, "POST", f"/api/pairing/plans/{plan['id']}/approve", json={})
    assert status == 200 and body["plan"]["status"] == "approved", body
    status, body = await api(server, ola, "POST", f"/api/pairing/plans/{plan['id']}/apply", json={})
    assert status == 200, body
    assert body["result"] == {"applied": 1, "skipped": []}
    assert body["plan"]["status"] == "applied" and body["plan"]["progress"] == {"done": 1, "total": 1}
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == eve.id
    assert (await server.store.concerns.find_one({"_id": concern}))["advocate"] == eve.id
    assert (await api(server, eve, "GET", f"/api/concerns/{concern}"))[0] == 200

    # Applied once only.
    status, body = await api(server, mo, "POST", f"/api/pairing/plans/{plan['id']}/apply", json={})
    assert (status, body["error"]["code"]) == (409, "plan_not_open"), body
    # Audited by who did what, with no child as the subject.
    assert await _plan_audit(server, plan["id"]) == [
        ("plan.made", ola.id, None), ("plan.approved", mo.id, None), ("plan.applied", ola.id, None)]


async def test_a_stale_plan_is_refused_and_an_empty_plan_says_there_is_nothing_to_change(world):
    await make_pairable(world)
    server, cara, ben, mo, ola = world.server, world.children[2], world.advocates[1], world.manager, world.other_manager
    await add_advocate(server, "eve.advocate", "Eve Advocate", mo, regions=[LONDON], conflicts=[LEEDS])
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})
    _, body = await api(server, ola, "POST", "/api/pairing/plans", json={"max_moves": 3})
    plan = body["plan"]
    assert len(plan["changes"]) == 1

    # Someone else's pairing changes after the plan was made: the plan no longer fits.
    server.clock.advance(timedelta(seconds=2))
    amira = world.children[0]
    await server.services.pairing.changes.pair(amira.id, None, "test", by={"id": mo.id, "role": "manager"})
    status, body = await api(server, mo, "POST", f"/api/pairing/plans/{plan['id']}/apply", json={})
    assert (status, body["error"]["code"]) == (409, "plan_stale"), body
    assert "Make a new plan" in body["error"]["message"]
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == ben.id
    assert (await server.store.pairing_plans.find_one({"_id": plan["id"]}))["status"] == "proposed"

    # The page says so too, in the same words, and changes nothing.
    token = await sign_in(server, mo)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.post(f"/console/pairing/{plan['id']}/apply", data={}) as resp:
            assert resp.status == 200 and "no longer fits" in await resp.text()
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == ben.id

    # With Ben back and nobody needing a move, a plan holding no changes says there is nothing to change.
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": True}})
    await server.services.pairing.changes.pair(amira.id, world.advocates[0].id, "test")
    _, body = await api(server, mo, "POST", "/api/pairing/plans", json={"max_moves": 0})
    empty = body["plan"]
    assert empty["size"] == 0, empty
    status, body = await api(server, mo, "POST", f"/api/pairing/plans/{empty['id']}/apply", json={})
    assert (status, body["error"]["code"]) == (409, "plan_empty"), body
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"/console/pairing?plan={empty['id']}") as resp:
            page = await resp.text()
    assert "There is nothing to change" in page and 'id="apply-plan"' not in page
