"""Non-instructed advocacy over real HTTP and Socket.IO: the decision and its review, sealed visits, a concern
raised from observation that climbs the ladder to the oversight case, the console's list, the overdue reminder."""

from __future__ import annotations

import html
from datetime import timedelta

from advocacy.concerns.sweeper import Sweeper
from tests.integration.concerns_support import add_reviewer, apis  # noqa: F401  (apis is a fixture)
from tests.support import connect

VISIT = {"where": "home", "present": ["foster carer", "Marker sister"], "seemed": "Marker seemed calm and smiling",
         "observed": "Marker no communication aid had been set up since the move", "rights": ["views_heard", "health"]}


def _review_by(server, days: int = 90) -> str:
    return (server.services.non_instructed.today() + timedelta(days=days)).isoformat()


async def _everything(server) -> dict[str, list]:
    db = server.store.db
    return {name: await db[name].find({}).sort("_id", 1).to_list(None)
            for name in ("children", "advocacy_decisions", "visits", "concerns", "audit")}


async def test_the_decision_is_recorded_reviewed_and_ended_and_the_child_stays_paired(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    advocate = await apis(server, ada)
    status, body = await advocate.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "Marker three years old, no words yet", "review_by": _review_by(server)})
    assert status == 201, body
    assert body["non_instructed"] and body["review_by"] == _review_by(server) and body["last_visit_at"] is None
    child = await server.store.children.find_one({"_id": amira.id})
    assert child["advocate"] == ada.id and child["non_instructed"]["review_by"] == _review_by(server)
    [decision] = await server.store.advocacy_decisions.find({"child": amira.id}).to_list(None)
    assert isinstance(decision["reason"], bytes) and b"Marker" not in decision["reason"]

    status, body = await advocate.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "Marker still cannot instruct", "review_by": _review_by(server, 120)})
    assert status == 201 and body["review_by"] == _review_by(server, 120), body
    status, body = await advocate.post(f"/api/children/{amira.id}/instructed", {"reason": "Marker now uses signs"})
    assert status == 200 and body == {"ok": True, "non_instructed": False}, body
    assert (await server.store.children.find_one({"_id": amira.id}))["advocate"] == ada.id
    status, body = await advocate.post(f"/api/children/{amira.id}/instructed", {"reason": "Again"})
    assert (status, body["error"]["code"]) == (409, "already_instructed")

    status, body = await advocate.get(f"/api/children/{amira.id}/non-instructed")
    assert status == 200, body
    assert [(d["kind"], d["reason"]) for d in body["decisions"]] == [
        ("non_instructed", "Marker three years old, no words yet"), ("reviewed", "Marker still cannot instruct"),
        ("instructed", "Marker now uses signs")]
    actions = [e["action"] async for e in server.store.audit.find({"subject": amira.id}).sort("_id", 1)]
    assert [a for a in actions if a.startswith("advocacy.")] == [
        "advocacy.non_instructed", "advocacy.reviewed", "advocacy.instructed", "advocacy.read"]


async def test_bad_input_and_other_advocates_are_refused_with_nothing_changed(world, apis):  # noqa: F811
    server, amira, billy = world.server, world.children[0], world.children[1]
    advocate, other = await apis(server, world.advocates[0]), await apis(server, world.advocates[1])
    child = await apis(server, amira)
    before = await _everything(server)
    tries = [
        (advocate, f"/api/children/{amira.id}/non-instructed", {"reason": "x", "review_by": _review_by(server, 400)},
         400, "dates_invalid"),
        (advocate, f"/api/children/{amira.id}/non-instructed", {"reason": "x", "review_by": "tomorrow"},
         400, "dates_invalid"),
        (advocate, f"/api/children/{amira.id}/non-instructed", {"review_by": _review_by(server)}, 400, "words_empty"),
        (advocate, f"/api/children/{amira.id}/non-instructed", {"reason": "x", "review_by": _review_by(server),
                                                                 "extra": 1}, 400, "bad_request"),
        (other, f"/api/children/{amira.id}/non-instructed", {"reason": "x", "review_by": _review_by(server)},
         404, "child_not_found"),
        (child, f"/api/children/{amira.id}/non-instructed", {"reason": "x", "review_by": _review_by(server)},
         403, "forbidden"),
        (advocate, f"/api/children/{amira.id}/visits", {**VISIT, "at": server.clock.now().isoformat()},
         409, "child_instructed"),
        (advocate, "/api/concerns", {"child": billy.id, "category": "health", "severity": "standard",
                                     "from_observation": True, "observed": "Marker", "rights": ["health"]},
         409, "child_instructed"),
    ]
    for client, path, body, status, code in tries:
        got, answer = await client.post(path, body)
        assert (got, answer["error"]["code"]) == (status, code), (path, answer)
    assert await _everything(server) == before


async def test_a_visit_is_sealed_and_an_observation_concern_climbs_to_the_oversight_case(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.services.sweeper_job.stop()
    sweeper = Sweeper(server.store, server.clock, server.services.ladder)
    advocate = await apis(server, ada)
    assert (await advocate.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "Marker profound learning disability", "review_by": _review_by(server)}))[0] == 201
    visit_at = server.clock.now() - timedelta(hours=2)
    before = await _everything(server)
    for wrong in ({**VISIT, "at": visit_at.isoformat(), "rights": ["flying"]},
                  {**VISIT, "at": (server.clock.now() + timedelta(days=2)).isoformat()},
                  {**VISIT, "at": visit_at.isoformat(), "where": "moon"}):
        status, body = await advocate.post(f"/api/children/{amira.id}/visits", wrong)
        assert status == 400, body
    assert await _everything(server) == before
    status, body = await advocate.post(f"/api/children/{amira.id}/visits", {**VISIT, "at": visit_at.isoformat()})
    assert status == 201, body
    assert body["visit"]["present"] == VISIT["present"] and body["visit"]["observed"] == VISIT["observed"]
    stored = await server.store.visits.find_one({"child": amira.id})
    for field in ("present", "seemed", "observed"):
        assert isinstance(stored[field], bytes) and b"Marker" not in stored[field]
    state = (await server.store.children.find_one({"_id": amira.id}))["non_instructed"]
    assert abs(state["last_visit_at"] - visit_at) < timedelta(seconds=1)

    status, body = await advocate.post("/api/concerns", {
        "child": amira.id, "category": "health", "severity": "standard", "from_observation": True,
        "observed": "Marker no communication aid at the new home", "rights": ["health", "views_heard"]})
    assert status == 201, body
    concern = body["concern"]
    assert concern["source"] == "observation" and concern["from_observation"]
    assert [r["key"] for r in concern["rights"]] == ["views_heard", "health"]
    stored = await server.store.concerns.find_one({"_id": concern["id"]})
    assert b"Marker" not in stored["observed"]

    # The same clocks and ladder as any concern: past its oversight deadline it reaches the queue.
    for _ in range(4):
        server.clock.advance(stored["deadlines"]["oversight_by"] - server.clock.now() + timedelta(seconds=1))
        await sweeper.sweep()
    stored = await server.store.concerns.find_one({"_id": concern["id"]})
    assert "oversight" in stored["ladder"], stored["ladder"]
    item = stored["oversight"]["item"]
    reviewer = await apis(server, await add_reviewer(world))
    status, body = await reviewer.get(f"/api/oversight/items/{item}")
    assert status == 200, body
    detail = body["item"]["concern_detail"]
    assert detail["from_observation"] and detail["observed"] == "Marker no communication aid at the new home"
    assert [r["key"] for r in detail["rights"]] == ["views_heard", "health"]
    async with reviewer.http.get(f"/oversight/items/{item}") as resp:
        page = html.unescape(await resp.text())
    assert resp.status == 200 and "Raised without the child's instruction" in page
    assert "Concern raised from observation, without the child's instruction" in page
    assert "Marker no communication aid at the new home" in page


async def test_the_console_shows_who_is_non_instructed_and_an_overdue_visit_is_reminded_once(world, apis):  # noqa: F811
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    await server.services.visits_job.stop()
    advocate = await apis(server, ada)
    assert (await advocate.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "Marker", "review_by": _review_by(server)}))[0] == 201
    console = await connect(server, ada)
    ack = await console.call("conversations")
    by_child = {c["child"]: c for c in ack["conversations"]}
    assert by_child[amira.id]["non_instructed"]["last_visit_at"] is None
    assert by_child[billy.id]["non_instructed"] is None
    status, body = await advocate.get("/api/non-instructed")
    assert status == 200 and [c["child"] for c in body["children"]] == [amira.id], body
    assert not body["children"][0]["visit_overdue"]

    service = server.services.non_instructed
    assert await service.remind_overdue() == 0
    server.clock.advance(timedelta(days=service.policy.visit_every_days, minutes=1))
    assert await service.remind_overdue() == 1
    assert await service.remind_overdue() == 0
    [told] = await server.store.notifications.find({"kind": "child.visit_overdue"}).to_list(None)
    assert (told["to"], told["child"]) == (ada.id, amira.id)
    advocate = await apis(server, ada)  # six weeks on: signed in again
    assert (await advocate.get("/api/non-instructed"))[1]["children"][0]["visit_overdue"]

    status, body = await advocate.post(f"/api/children/{amira.id}/visits", {
        **VISIT, "at": server.clock.now().isoformat()})
    assert status == 201, body
    listed = (await advocate.get("/api/non-instructed"))[1]["children"][0]
    assert not listed["visit_overdue"] and listed["last_visit_at"]
    await console.close()
    console = await connect(server, ada)
    ack = await console.call("conversations")
    summary = {c["child"]: c for c in ack["conversations"]}[amira.id]
    assert summary["non_instructed"]["last_visit_at"] and not summary["non_instructed"]["visit_overdue"]
    # The next overdue visit is reminded again, once.
    server.clock.advance(timedelta(days=service.policy.visit_every_days, minutes=1))
    assert await service.remind_overdue() == 1
    await console.close()


async def test_real_answers_match_the_documented_schemas(world, apis):  # noqa: F811
    from tests.integration.test_concerns_contract import check

    server, amira, ada = world.server, world.children[0], world.advocates[0]
    advocate = await apis(server, ada)
    path = "/api/children/{child}/non-instructed"
    check("post", path, *(await advocate.post(f"/api/children/{amira.id}/non-instructed", {
        "reason": "r", "review_by": _review_by(server)})))
    check("post", "/api/children/{child}/visits", *(await advocate.post(f"/api/children/{amira.id}/visits", {
        **VISIT, "at": server.clock.now().isoformat()})))
    check("get", path, *(await advocate.get(f"/api/children/{amira.id}/non-instructed")))
    check("get", "/api/non-instructed", *(await advocate.get("/api/non-instructed")))
    check("post", "/api/concerns", *(await advocate.post("/api/concerns", {
        "child": amira.id, "category": "health", "severity": "high", "from_observation": True,
        "observed": "o", "rights": ["health"]})))
    check("post", "/api/children/{child}/visits", *(await advocate.post(f"/api/children/{amira.id}/visits", {
        **VISIT, "at": "yesterday"})))
    status, body = await advocate.post(f"/api/children/{amira.id}/moments",
                                       {"kind": "complaint", "on": _review_by(server, -1)})
    check("post", "/api/children/{child}/moments", status, body)
    moment = body["moment"]["id"]
    check("post", "/api/moments/{moment}/views", *(await advocate.post(f"/api/moments/{moment}/views",
                                                                      {"views": "v"})))
    check("post", "/api/moments/{moment}/outcome", *(await advocate.post(f"/api/moments/{moment}/outcome", {
        "decided": "d", "views_put": True, "matched": "no"})))
    check("get", "/api/children/{child}/moments", *(await advocate.get(f"/api/children/{amira.id}/moments")))
    check("post", "/api/children/{child}/instructed", *(await advocate.post(f"/api/children/{amira.id}/instructed",
                                                                           {"reason": "r"})))
    manager = await apis(server, world.manager)
    check("get", "/api/figures/moments", *(await manager.get("/api/figures/moments")))
