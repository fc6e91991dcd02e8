"""The child's feedback, over real HTTP: asked once when a worry is resolved and once, ever, when advocacy ends;
optional; sealed; no member of staff reads or changes one child's answers; counted in the figures per area,
with small numbers suppressed."""

from __future__ import annotations

from tests.integration.concerns_support import apis  # noqa: F401  (a fixture)
from tests.integration.test_privacy import run_cli

WORRY = {"category": "contact", "child_words": "I want to see my brother.", "child_wants": "Every week."}


async def _resolved_worry(child, advocate) -> str:
    status, body = await child.post("/api/concerns", {"child": child.person.id, **WORRY})
    assert status == 201, body
    concern = body["concern"]["id"]
    status, body = await advocate.post(f"/api/concerns/{concern}/resolve", {"outcome": "Visits every Saturday."})
    assert status == 200, body
    return concern


async def test_a_resolved_worry_asks_once_and_the_answers_are_sealed_and_never_shown_to_staff(world, apis):  # noqa: F811
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    child, advocate, manager = await apis(server, amira), await apis(server, ada), await apis(server, mo)
    assert (await child.get("/api/feedback"))[1]["feedback"] == []
    concern = await _resolved_worry(child, advocate)
    assert (await advocate.post(f"/api/concerns/{concern}/close", {}))[0] == 200  # closing it asks nothing more
    [ask] = (await child.get("/api/feedback"))[1]["feedback"]
    assert (ask["occasion"], ask["concern"], ask["status"]) == ("worry_resolved", concern, "asked")
    async with child.http.get("/child/worries") as resp:
        assert 'id="feedback-link"' in await resp.text()

    for who in (advocate, manager):  # no staff route reads or writes an ask
        assert (await who.get("/api/feedback"))[0] == 403
        assert (await who.post(f"/api/feedback/{ask['id']}/answer", {"listened": "no"}))[0] in {403, 404}
    before = await server.store.feedback.find_one({"_id": ask["id"]})
    for bad in ({}, {"listened": "maybe"}, {"listened": "yes", "secret": 1}, {"listened": 1}, []):
        status, body = await child.post(f"/api/feedback/{ask['id']}/answer", bad)
        assert status == 400 and body["error"]["message"], (bad, body)
    assert (await child.post("/api/feedback/fb_nobody/answer", {"listened": "yes"}))[0] == 404
    assert await server.store.feedback.find_one({"_id": ask["id"]}) == before

    status, body = await child.post(f"/api/feedback/{ask['id']}/answer", {"listened": "yes", "changed": "a_bit"})
    assert status == 200 and body["feedback"]["answers"] == {"listened": "yes", "changed": "a_bit"}, body
    stored = await server.store.feedback.find_one({"_id": ask["id"]})
    assert isinstance(stored["answers"], bytes) and b"a_bit" not in stored["answers"]
    # Once: no second answer, no "no thanks" after, no new ask for the same worry.
    assert (await child.post(f"/api/feedback/{ask['id']}/answer", {"listened": "no"}))[0] == 409
    assert (await child.post(f"/api/feedback/{ask['id']}/decline"))[0] == 409
    assert await server.services.feedback.ask(amira.id, "worry_resolved", concern=concern) is False
    async with child.http.get("/child/worries") as resp:
        assert 'id="feedback-link"' not in await resp.text()
    async with child.http.get("/child/feedback") as resp:
        page = await resp.text()
    assert "What you told us before" in page and "A bit" in page and "no-feedback" in page
    audited = await server.store.audit.find_one({"action": "feedback.answered"})
    assert audited["ids"] == {"feedback": ask["id"]}  # never the answers

    # A copy made by staff says she answered, not what; the operator's copy holds the answers.
    [staff_copy] = (await manager.get(f"/api/children/{amira.id}/export"))[1]["export"]["more"][
        "What you told us about how things went"]
    assert staff_copy["did_you_feel_listened_to"] == "only you can see your answers, on your How did it go? page"
    full = await server.services.export.export(amira.id, by=None, form="json")
    [held] = full["more"]["What you told us about how things went"]
    assert (held["did_you_feel_listened_to"], held["did_things_change"]) == ("Yes", "A bit")


async def test_advocacy_ending_asks_once_ever_and_no_thanks_ends_it(world, apis):  # noqa: F811
    server, amira, cara = world.server, world.children[0], world.children[2]
    child = await apis(server, amira)
    for _ in range(2):  # opting out twice (in again between) is still one ask
        status, body = await child.post(f"/api/children/{amira.id}/opt-out", {})
        assert status == 200 and body["changed"], body
        assert (await child.post(f"/api/children/{amira.id}/opt-in"))[0] == 200
    [ask] = (await child.get("/api/feedback"))[1]["feedback"]
    assert (ask["occasion"], ask["status"]) == ("advocacy_ended", "asked")
    async with child.http.get("/child/advocate") as resp:
        assert 'id="feedback-link"' in await resp.text()
    status, body = await child.post(f"/api/feedback/{ask['id']}/decline")
    assert status == 200 and body["feedback"]["status"] == "declined", body
    assert await server.services.feedback.left_care(amira.id) is False
    assert await server.store.feedback_counted.count_documents({}) == 0  # no thanks counts nothing

    # Leaving care (the operator's command) asks too.
    code, out = await run_cli(server, "left-care", cara.id)
    assert code == 0, out
    stored = await server.store.feedback.find_one({"child": cara.id})
    assert (stored["occasion"], stored["ended_by"], stored["status"]) == ("advocacy_ended", "left_care", "asked")


async def test_the_figures_count_feedback_per_area_with_small_numbers_suppressed(world, apis):  # noqa: F811
    from advocacy.figures import rules as figure_rules
    from advocacy.figures import tally

    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    child, advocate, manager = await apis(server, amira), await apis(server, ada), await apis(server, mo)
    for changed in ["yes"] * 6 + ["no"]:
        await _resolved_worry(child, advocate)
        ask = next(a for a in (await child.get("/api/feedback"))[1]["feedback"] if a["status"] == "asked")
        assert (await child.post(f"/api/feedback/{ask['id']}/answer", {"listened": "yes", "changed": changed}))[0] \
            == 200
    figures = server.services.figures
    await figures.job.run_once()
    period = figure_rules.default_period(figures.this_month())
    data = await figures.read(period, ["la:E08000035", "england"])
    leeds, england = ({c["key"]: c["count"] for c in data["areas"][area]["feedback"]}
                      for area in ("la:E08000035", "england"))
    assert leeds["listened_yes"] == {"text": "7", "value": 7, "state": "shown", "note": ""}
    assert leeds["changed_yes"]["value"] == 6 and leeds["changed_no"]["state"] == "fewer"
    assert leeds["listened_no"]["state"] == "fewer" and england["changed_no"]["state"] == "fewer"
    assert amira.id not in str(data)
    # The running totals are what a recount gives, from counts that hold no child.
    assert "child" not in await server.store.feedback_counted.find_one({})
    kept = {d["_id"]: d.get("feedback") async for d in server.store.figures_months.find({})}
    await tally.rebuild(server.store)
    assert {d["_id"]: d.get("feedback") async for d in server.store.figures_months.find({})} == kept
    async with manager.http.get("/figures/las/E08000035?download=feedback") as resp:
        assert resp.status == 200 and "Felt listened to: yes,7" in (await resp.text())
