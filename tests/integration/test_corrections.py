"""Putting records right, over real HTTP: a child asks, the advocate's manager (or an admin) decides; an
accepted correction is a new version that keeps the old one sealed and shown to the child, never a silent edit."""

from __future__ import annotations

from tests.integration.concerns_support import apis  # noqa: F401  (a fixture)
from tests.support import PASSWORD, Person

WORRY = {"category": "contact", "child_words": "I want to see my brother Sam.", "child_wants": "Every week."}


async def _admin(world) -> Person:
    from advocacy.auth.accounts import create_staff

    doc = await create_staff(world.server.store, world.server.clock, username="ann.admin", password=PASSWORD,
                             name="Ann Admin", role="admin")
    return Person(doc["_id"], "Ann Admin", "admin", username="ann.admin", password=PASSWORD)


async def _worry(child) -> str:
    status, body = await child.post("/api/concerns", {"child": child.person.id, **WORRY})
    assert status == 201, body
    return body["concern"]["id"]


async def test_an_accepted_correction_is_a_new_version_keeping_the_old_one_sealed_and_audited(world, apis):  # noqa: F811
    server, amira, ada, mo, ola = (world.server, world.children[0], world.advocates[0], world.manager,
                                   world.other_manager)
    child = await apis(server, amira)
    concern = await _worry(child)
    status, body = await child.post("/api/corrections", {
        "kind": "worry_words", "concern": concern, "should_say": "I want to see my brother Sami.",
        "why": "His name is Sami, not Sam."})
    assert status == 201, body
    asked = body["correction"]
    assert (asked["status"], asked["should_say"], asked["said_before"]) == ("asked", "I want to see my brother Sami.",
                                                                            None)
    stored = await server.store.corrections.find_one({"_id": asked["id"]})
    assert isinstance(stored["should_say"], bytes) and b"Sami" not in stored["should_say"]
    assert stored["decider"] == {"role": "manager", "id": mo.id}
    assert "correction.asked" in [n["kind"] async for n in server.store.notifications.find({"to": mo.id})]

    advocate, other_manager, manager = await apis(server, ada), await apis(server, ola), await apis(server, mo)
    for who in (advocate, other_manager):
        assert (await who.post(f"/api/corrections/{asked['id']}/decide", {"decision": "accept"}))[0] in {403, 404}
    assert (await advocate.get(f"/api/corrections/{asked['id']}"))[0] == 404
    status, body = await manager.get(f"/api/corrections/{asked['id']}")
    assert status == 200 and body["correction"]["says_now"] == WORRY["child_words"], body
    sealed_before = (await server.store.concerns.find_one({"_id": concern}))["child_words"]

    status, body = await manager.post(f"/api/corrections/{asked['id']}/decide", {"decision": "accept"})
    assert status == 200 and body["correction"]["status"] == "accepted", body
    assert body["correction"]["said_before"] == WORRY["child_words"]
    after = await server.store.concerns.find_one({"_id": concern})
    assert after["corrections"][0]["correction"] == asked["id"] and after["child_words"] != sealed_before
    kept = await server.store.corrections.find_one({"_id": asked["id"]})
    assert kept["old"]["value"] == sealed_before and b"Sam" not in kept["old"]["value"]  # kept as it was: sealed
    [shown] = (await child.get("/api/concerns"))[1]["concerns"]
    assert shown["your_words"] == "I want to see my brother Sami."
    [mine] = (await child.get("/api/corrections"))[1]["corrections"]
    assert (mine["status"], mine["said_before"]) == ("accepted", WORRY["child_words"])
    # Decided once: never again, and never silently.
    assert (await manager.post(f"/api/corrections/{asked['id']}/decide", {"decision": "refuse", "reason": "No."}))[0] \
        == 409
    accepted = await server.store.audit.find_one({"action": "correction.accepted"})
    assert (accepted["actor"], accepted["subject"]) == (mo.id, amira.id)
    assert accepted["ids"] == {"correction": asked["id"], "kind": "worry_words", "concern": concern}
    assert "Sami" not in str(await server.store.audit.find({}).to_list(None))

    status, body = await manager.get(f"/api/children/{amira.id}/export")
    assert status == 200, body
    [held] = body["export"]["more"]["Things you asked us to put right"]
    assert (held["what_it_said_before"], held["what_it_should_say"], held["where_it_is"]) == (
        WORRY["child_words"], "I want to see my brother Sami.", "we put it right")
    assert "put right what you asked, and kept what it said before" in {
        e["what"] for e in body["export"]["who_looked_or_changed_things"]}


async def test_a_refusal_needs_a_reason_the_child_reads_and_changes_nothing_held(world, apis):  # noqa: F811
    server, amira, mo = world.server, world.children[0], world.manager
    child, manager = await apis(server, amira), await apis(server, mo)
    status, body = await child.post("/api/corrections", {"kind": "name", "should_say": "Amira Q."})
    assert status == 201, body
    correction = body["correction"]["id"]
    name_before = (await server.store.children.find_one({"_id": amira.id}))["name_sealed"]
    status, body = await manager.post(f"/api/corrections/{correction}/decide", {"decision": "refuse"})
    assert status == 400 and body["error"]["code"] == "words_empty", body
    status, body = await manager.post(f"/api/corrections/{correction}/decide", {
        "decision": "refuse", "reason": "Your council has Amira on your papers; ask your social worker first."})
    assert status == 200 and body["correction"]["status"] == "refused", body
    assert (await server.store.children.find_one({"_id": amira.id}))["name_sealed"] == name_before
    async with child.http.get("/child/put-right") as resp:
        page = await resp.text()
    assert resp.status == 200 and "ask your social worker first" in page and "change it. This is why:" in page
    refused = await server.store.audit.find_one({"action": "correction.refused"})
    assert refused["actor"] == mo.id and refused["ids"]["correction"] == correction


async def test_a_date_of_birth_goes_to_an_admin_when_there_is_no_manager_and_bad_input_changes_nothing(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.store.staff.update_one({"_id": ada.id}, {"$unset": {"manager": ""}})
    ann = await _admin(world)
    child, other = await apis(server, amira), await apis(server, world.children[2])
    concern = await _worry(child)
    before = await server.store.corrections.count_documents({})
    for who, bad in ((child, {"kind": "everything", "should_say": "x"}),
                     (child, {"kind": "name", "should_say": ""}),
                     (child, {"kind": "name", "should_say": "x" * 5000}),
                     (child, {"kind": "birth_date", "should_say": "31/02/2010"}),
                     (child, {"kind": "worry_words", "should_say": "x"}),
                     (child, {"kind": "name", "should_say": "x", "concern": concern}),
                     (other, {"kind": "worry_words", "concern": concern, "should_say": "x"}),
                     (child, {"kind": "name", "should_say": "x", "secret": 1})):
        status, body = await who.post("/api/corrections", bad)
        assert status == 400 and body["ok"] is False and body["error"]["message"], (bad, body)
    assert await server.store.corrections.count_documents({}) == before

    status, body = await child.post("/api/corrections", {"kind": "birth_date", "should_say": "21/03/2010"})
    assert status == 201, body
    stored = await server.store.corrections.find_one({"_id": body["correction"]["id"]})
    assert stored["decider"] == {"role": "admin", "id": None}
    # decided at the end of the 20th working day (config/default.toml [corrections])
    assert server.settings.correction_decide_working_days == 20
    admin = await apis(server, ann)
    status, body = await admin.post(f"/api/corrections/{stored['_id']}/decide", {"decision": "accept"})
    assert status == 200, body
    record = await server.store.children.find_one({"_id": amira.id})
    assert record["birth_year"] == 2010
    details = await server.services.export.export(amira.id, by=None, form="json")
    assert details["about_you"]["born"] == "2010-03-21"


async def test_the_managers_corrections_page_shows_only_what_comes_to_them(world, apis):  # noqa: F811
    server, amira, ada, mo, ola = (world.server, world.children[0], world.advocates[0], world.manager,
                                   world.other_manager)
    child = await apis(server, amira)
    assert (await child.post("/api/corrections", {"kind": "name", "should_say": "Marker name"}))[0] == 201
    async with (await apis(server, mo)).http.get("/console/corrections") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Marker name" in page and "The record says now" in page
    async with (await apis(server, ola)).http.get("/console/corrections") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Marker name" not in page and "No requests have come to you." in page
    async with (await apis(server, ada)).http.get("/console/corrections", allow_redirects=False) as resp:
        assert resp.status == 403 and "Marker name" not in await resp.text()


async def test_erasing_a_child_removes_their_corrections_and_feedback(world, apis):  # noqa: F811
    from advocacy.privacy.erasure import erase_child

    server, amira, ada = world.server, world.children[0], world.advocates[0]
    child = await apis(server, amira)
    assert (await child.post("/api/corrections", {"kind": "name", "should_say": "Amy"}))[0] == 201
    concern = await _worry(child)
    advocate = await apis(server, ada)
    assert (await advocate.post(f"/api/concerns/{concern}/resolve", {"outcome": "Sorted."}))[0] == 200
    assert await server.store.feedback.count_documents({"child": amira.id}) == 1
    counts = await erase_child(server.store, server.clock, amira.id)
    assert counts["corrections"] == 1 and counts["feedback"] == 1
    assert await server.store.corrections.count_documents({"child": amira.id}) == 0
    assert await server.store.feedback.count_documents({"child": amira.id}) == 0


async def test_hostile_and_malformed_requests_to_corrections_and_feedback(world, apis, tmp_path):  # noqa: F811
    """Schemathesis as the child and as the manager who decides, on real records: never a server error, never an
    answer outside the documented schemas."""
    from tests.integration.test_schemathesis import run_schemathesis
    from tests.support import sign_in

    server, amira, mo = world.server, world.children[0], world.manager
    child = await apis(server, amira)
    concern = await _worry(child)
    status, body = await child.post("/api/corrections", {"kind": "worry_words", "concern": concern,
                                                         "should_say": "New words."})
    assert status == 201, body
    await server.services.feedback.ask(amira.id, "advocacy_ended", ended_by="opted_out")
    ask = (await server.store.feedback.find_one({"child": amira.id}))["_id"]
    (tmp_path / "schemathesis.toml").write_text(
        f'[parameters]\n"path.correction" = "{body["correction"]["id"]}"\n"path.feedback" = "{ask}"\n')
    for person in (amira, mo):
        code, out = await run_schemathesis(server.url, await sign_in(server, person), tmp_path,
                                           "--include-path-regex", "^/api/(corrections|feedback)")
        assert code == 0 and "/api/feedback/{feedback}/answer" in out, out
