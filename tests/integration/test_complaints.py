"""Complaints about the advocacy service itself, over real HTTP: who it goes to, who may see it, its working-day
deadlines, the manager's answer, and the child taking it to the Children's Commissioner's office."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.integration.concerns_support import add_reviewer, apis  # noqa: F401  (apis is a fixture)
from tests.support import PASSWORD, Person

COMPLAINT = {"about": "advocate", "words": "My advocate never calls me back.", "wants": "Someone who listens."}


async def _admin(world) -> Person:
    from advocacy.auth.accounts import create_staff

    doc = await create_staff(world.server.store, world.server.clock, username="ann.admin", password=PASSWORD,
                             name="Ann Admin", role="admin")
    return Person(doc["_id"], "Ann Admin", "admin", username="ann.admin", password=PASSWORD)


async def _told(server, person: Person) -> list[str]:
    return [n["kind"] async for n in server.store.notifications.find({"to": person.id})]


async def test_a_complaint_about_the_advocate_goes_to_their_manager_and_the_advocate_never_sees_it(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    mo, ola = world.manager, world.other_manager
    child = await apis(server, amira)
    status, body = await child.post("/api/complaints", COMPLAINT)
    assert status == 201, body
    complaint = body["complaint"]
    assert (complaint["goes_to"], complaint["status"], complaint["words"]) == ("manager", "made", COMPLAINT["words"])
    assert "complaint.made" in await _told(server, mo)
    assert "complaint.made" not in await _told(server, ada)

    stored = await server.store.complaints.find_one({"_id": complaint["id"]})
    assert isinstance(stored["words"], bytes) and COMPLAINT["words"].encode() not in stored["words"]

    advocate, other_manager, manager = await apis(server, ada), await apis(server, ola), await apis(server, mo)
    assert (await advocate.get(f"/api/complaints/{complaint['id']}"))[0] == 404
    assert (await advocate.get("/api/complaints"))[0] == 403
    assert (await advocate.post(f"/api/complaints/{complaint['id']}/acknowledge"))[0] == 404
    assert (await other_manager.get(f"/api/complaints/{complaint['id']}"))[0] == 404
    assert (await other_manager.get("/api/complaints"))[1]["complaints"] == []
    assert (await other_manager.post(f"/api/complaints/{complaint['id']}/acknowledge"))[0] == 404
    status, body = await manager.get(f"/api/complaints/{complaint['id']}")
    assert status == 200 and body["complaint"]["words"] == COMPLAINT["words"], body
    assert [c["id"] for c in (await manager.get("/api/complaints"))[1]["complaints"]] == [complaint["id"]]
    read = await server.store.audit.find_one({"action": "complaint.read", "actor": mo.id})
    assert read["subject"] == amira.id and read["ids"] == {"complaint": complaint["id"]}


async def test_a_complaint_about_the_manager_goes_to_an_admin_and_the_manager_cannot_read_it(world, apis):  # noqa: F811
    server, amira, mo = world.server, world.children[0], world.manager
    ann = await _admin(world)
    child = await apis(server, amira)
    status, body = await child.post("/api/complaints", {**COMPLAINT, "about": "manager"})
    assert status == 201 and body["complaint"]["goes_to"] == "admin", body
    complaint = body["complaint"]["id"]
    assert "complaint.made" in await _told(server, ann)
    assert "complaint.made" not in await _told(server, mo)
    manager = await apis(server, mo)
    assert (await manager.get(f"/api/complaints/{complaint}"))[0] == 404
    assert (await manager.get("/api/complaints"))[1]["complaints"] == []
    assert (await manager.post(f"/api/complaints/{complaint}/answer",
                               {"outcome": "not_upheld", "answer": "No."}))[0] == 404
    admin = await apis(server, ann)
    status, body = await admin.get(f"/api/complaints/{complaint}")
    assert status == 200 and body["complaint"]["about"] == "manager", body


async def test_deadlines_are_working_days_from_config_and_the_child_follows_the_answer(world, apis):  # noqa: F811
    server, amira, mo = world.server, world.children[0], world.manager
    settings = server.settings
    assert (settings.complaint_acknowledge_working_days, settings.complaint_answer_working_days) == (1, 10)
    # Thursday 24 December 2026, 16:00 in London: Christmas Day and Boxing Day (observed on Monday 28) are
    # bank holidays, and so is New Year's Day.
    server.clock.advance(datetime(2026, 12, 24, 16, tzinfo=timezone.utc) - server.clock.now())
    child = await apis(server, amira)
    status, body = await child.post("/api/complaints", COMPLAINT)
    assert status == 201, body
    complaint = body["complaint"]
    assert complaint["acknowledge_by"] == "2026-12-29T17:00:00+00:00"
    assert complaint["answer_by"] == "2027-01-12T17:00:00+00:00"
    assert "Tuesday 29 December" in complaint["where"] or "29 Dec" in complaint["where"], complaint["where"]

    # Nobody acknowledged it in time: the manager sees it is late.
    server.clock.advance(datetime(2026, 12, 30, 9, tzinfo=timezone.utc) - server.clock.now())
    manager = await apis(server, mo)  # signed in now: a staff sign-in lasts hours, not days
    [seen] = (await manager.get("/api/complaints"))[1]["complaints"]
    assert seen["acknowledge_late"] and not seen["answer_late"]
    status, body = await manager.post(f"/api/complaints/{complaint['id']}/acknowledge")
    assert status == 200 and body["complaint"]["status"] == "acknowledged", body
    assert (await manager.post(f"/api/complaints/{complaint['id']}/acknowledge"))[1]["error"]["code"] \
        == "already_in_status"
    [mine] = (await child.get("/api/complaints"))[1]["complaints"]
    assert mine["where"].startswith("Someone is looking into it")

    before = await server.store.complaints.find_one({"_id": complaint["id"]})
    for bad in ({"outcome": "maybe", "answer": "Hm."}, {"outcome": "upheld", "answer": "  "},
                {"outcome": "upheld", "answer": "Yes.", "extra": 1}):
        status, body = await manager.post(f"/api/complaints/{complaint['id']}/answer", bad)
        assert status == 400 and body["error"]["message"].endswith(("Nothing was saved.", "Nothing was changed.")), body
    assert await server.store.complaints.find_one({"_id": complaint["id"]}) == before

    status, body = await manager.post(f"/api/complaints/{complaint['id']}/answer",
                                      {"outcome": "upheld", "answer": "You were right. Ada will call on Mondays."})
    assert status == 200, body
    [mine] = (await child.get("/api/complaints"))[1]["complaints"]
    assert (mine["status"], mine["answer"], mine["outcome"]) == (
        "answered", "You were right. Ada will call on Mondays.", "upheld")
    assert not mine["answer_late"]
    actions = [e["action"] async for e in server.store.audit.find({"ids.complaint": complaint["id"]})]
    assert {"complaint.made", "complaint.acknowledged", "complaint.answered"} <= set(actions)
    async with child.http.get("/child/complaints") as resp:
        page = await resp.text()
    assert "You were right. Ada will call on Mondays." in page and "We agree. We got it wrong" in page


async def test_the_child_takes_a_complaint_to_the_commissioners_queue_marked_as_about_the_service(world, apis):  # noqa: F811
    server, amira = world.server, world.children[0]
    reviewer_person = await add_reviewer(world)
    child, other = await apis(server, amira), await apis(server, world.children[2])
    status, body = await child.post("/api/complaints", {**COMPLAINT, "about": "service"})
    complaint = body["complaint"]["id"]
    assert (await other.post(f"/api/complaints/{complaint}/escalate"))[0] == 404
    assert await server.store.oversight.count_documents({}) == 0

    status, body = await child.post(f"/api/complaints/{complaint}/escalate")
    assert status == 200, body
    item = body["complaint"]["escalated"]["item"]
    assert body["complaint"]["where"].startswith("You asked the Children's Commissioner's office")
    assert (await child.post(f"/api/complaints/{complaint}/escalate"))[1]["error"]["code"] == "already_in_status"
    assert await server.store.oversight.count_documents({}) == 1

    reviewer = await apis(server, reviewer_person)
    [listed] = (await reviewer.get("/api/oversight/items"))[1]["items"]
    assert (listed["id"], listed["kind"], listed["category_label"]) == (
        item, "service_complaint", "Complaint about the advocacy service")
    status, body = await reviewer.get(f"/api/oversight/items/{item}")
    assert status == 200 and body["item"]["concern_detail"]["child_words"] == COMPLAINT["words"], body
    assert amira.name not in str(body)
    assert amira.id not in str(body) and world.advocates[0].id not in str(body), "reviewers read a case by pseudonym"
    async with reviewer.http.get(f"/oversight/items/{item}") as resp:
        page = await resp.text()
    assert resp.status == 200 and "complaint about the advocacy service itself" in page
    assert (await reviewer.post(f"/api/oversight/items/{item}/claim"))[0] == 200
    status, body = await reviewer.post(f"/api/oversight/items/{item}/close", {"decision": "upheld"})
    assert status == 200, body
    [mine] = (await child.get("/api/complaints"))[1]["complaints"]
    assert mine["escalated"]["decision"] == "upheld"
    assert mine["where"] == "The Children's Commissioner's office has finished looking at it."
    assert [e["kind"] for e in mine["timeline"]] == ["made", "escalated", "commissioner_decided"]


async def test_staff_record_a_complaint_for_a_child_and_bad_input_changes_nothing(world, apis):  # noqa: F811
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    advocate, child, other = await apis(server, ada), await apis(server, amira), await apis(server, world.children[2])
    status, body = await advocate.post("/api/complaints", {**COMPLAINT, "about": "service", "child": amira.id})
    assert status == 201 and set(body["complaint"]) == {"id", "status", "goes_to"}, body
    assert (await advocate.get(f"/api/complaints/{body['complaint']['id']}"))[0] == 404
    [mine] = (await child.get("/api/complaints"))[1]["complaints"]
    assert mine["made_by_role"] == "advocate"
    manager = await apis(server, mo)
    assert [c["id"] for c in (await manager.get("/api/complaints"))[1]["complaints"]] == [mine["id"]]

    before = await server.store.complaints.count_documents({})
    for who, bad in ((child, {**COMPLAINT, "about": "everyone"}), (child, {**COMPLAINT, "words": ""}),
                     (child, {**COMPLAINT, "words": "x" * 5000}), (child, {**COMPLAINT, "secret": 1}),
                     (other, {**COMPLAINT, "child": amira.id}), (advocate, {**COMPLAINT, "child": "ch_nobody"})):
        status, body = await who.post("/api/complaints", bad)
        assert status in {400, 404} and body["ok"] is False and body["error"]["message"], (bad, body)
    assert await server.store.complaints.count_documents({}) == before



async def test_a_copy_of_the_childs_records_made_by_their_advocate_holds_no_trace_of_the_complaint(world, apis):  # noqa: F811
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    child = await apis(server, amira)
    status, body = await child.post("/api/complaints", {**COMPLAINT, "words": "Marker complaint about Ada"})
    assert status == 201, body
    assert (await child.post(f"/api/complaints/{body['complaint']['id']}/escalate"))[0] == 200
    advocate, manager = await apis(server, ada), await apis(server, mo)
    assert (await manager.get(f"/api/complaints/{body['complaint']['id']}"))[0] == 200

    status, body = await advocate.get(f"/api/children/{amira.id}/export")
    assert status == 200, body
    title = "Your complaints about the advocacy service"
    assert body["export"]["more"].pop(title) == []
    copy = str(body["export"])
    assert "Marker complaint about Ada" not in copy and "complaint" not in copy.lower(), copy
    async with advocate.http.get(f"/api/children/{amira.id}/export.html") as resp:
        assert "complaint" not in (await resp.text()).lower().replace(title.lower(), "")

    status, body = await manager.get(f"/api/children/{amira.id}/export")
    assert status == 200, body
    more = body["export"]["more"]
    [held] = more["Your complaints about the advocacy service"]
    assert held["your_words"] == "Marker complaint about Ada"
    [item] = more["When the Children's Commissioner's team checked on your worries"]
    assert item["why_it_went_to_them"] == "you asked them to look at your complaint about the advocacy service"
    assert "read your complaint about the advocacy service" in {
        e["what"] for e in body["export"]["who_looked_or_changed_things"]}


async def test_the_managers_complaints_page_shows_only_what_comes_to_them(world, apis):  # noqa: F811
    server, amira, ada, mo, ola = (world.server, world.children[0], world.advocates[0], world.manager,
                                   world.other_manager)
    child = await apis(server, amira)
    assert (await child.post("/api/complaints", {**COMPLAINT, "words": "Marker for Mo"}))[0] == 201
    assert (await child.post("/api/complaints", {**COMPLAINT, "about": "manager", "words": "Marker for admins"}))[0] \
        == 201
    async with (await apis(server, mo)).http.get("/console/complaints") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Marker for Mo" in page and "Marker for admins" not in page
    assert "Amira: about their advocate" in page
    async with (await apis(server, ola)).http.get("/console/complaints") as resp:
        page = await resp.text()
    assert resp.status == 200 and "Marker for" not in page and "No complaints have come to you." in page
    async with (await apis(server, ada)).http.get("/console/complaints", allow_redirects=False) as resp:
        assert resp.status == 403 and "Marker for" not in await resp.text()


async def test_the_figures_count_complaints_by_outcome_with_small_numbers_suppressed(world, apis):  # noqa: F811
    from advocacy.figures import rules as figure_rules
    from advocacy.figures import tally

    server, amira, mo = world.server, world.children[0], world.manager
    child, manager = await apis(server, amira), await apis(server, mo)
    for outcome in ["upheld"] * 6 + ["not_upheld"]:
        status, body = await child.post("/api/complaints", COMPLAINT)
        assert status == 201, body
        status, body = await manager.post(f"/api/complaints/{body['complaint']['id']}/answer",
                                          {"outcome": outcome, "answer": "We looked into it."})
        assert status == 200, body
    # One made but not answered yet is not counted.
    assert (await child.post("/api/complaints", COMPLAINT))[0] == 201

    figures = server.services.figures
    await figures.job.run_once()
    period = figure_rules.default_period(figures.this_month())
    data = await figures.read(period, ["la:E08000035", "england"])
    leeds, england = ({c["key"]: c["count"] for c in data["areas"][area]["complaints"]}
                      for area in ("la:E08000035", "england"))
    assert leeds["upheld"] == {"text": "6", "value": 6, "state": "shown", "note": ""}
    assert leeds["not_upheld"] == {"text": "fewer than 5", "value": None, "state": "fewer", "note": ""}
    assert leeds["partly_upheld"]["state"] == "fewer"
    # England's 6 less Yorkshire's 6 would show London's count (none, fewer than 5): so it is hidden.
    assert england["upheld"]["state"] == "hidden" and england["not_upheld"]["state"] == "fewer"
    assert "Marker" not in str(data) and COMPLAINT["words"] not in str(data)
    # The running totals are what a recount from the complaints themselves gives.
    kept = {d["_id"]: d.get("complaint") async for d in server.store.figures_months.find({})}
    await tally.rebuild(server.store)
    assert {d["_id"]: d.get("complaint") async for d in server.store.figures_months.find({})} == kept
    assert kept[f"la:E08000035|{figures.this_month()}"] == {"upheld": 6, "not_upheld": 1}
    async with manager.http.get("/figures/las/E08000035?download=complaints") as resp:
        assert resp.status == 200 and "Upheld,6" in (await resp.text())
