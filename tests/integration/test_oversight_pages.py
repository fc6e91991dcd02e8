"""The reviewers' case page (a child's name only for a reason, audited, shown on the case) and the
managers' team page (their own team only)."""

from __future__ import annotations

import html

from advocacy.people import sealed_details
from tests.integration.concerns_support import add_reviewer
from tests.integration.figures_support import read_csv
from tests.support import connect


async def page(api, path: str, **params: str) -> tuple[int, str]:
    async with api.http.get(path, params=params) as resp:
        return resp.status, html.unescape(await resp.text())


async def item_of(world, apis) -> tuple[object, object, str]:
    server = world.server
    ada = await apis(server, world.advocates[0])
    concern = (await ada.raise_concern(world.children[0]))["id"]
    status, body = await ada.post(f"/api/concerns/{concern}/escalate", {"level": "oversight", "reason": "No answer."})
    assert status == 200, body
    reviewer = await apis(server, await add_reviewer(world))
    items = (await reviewer.get("/api/oversight/items"))[1]["items"]
    return ada, reviewer, items[0]["id"]


async def test_a_reviewer_sees_who_the_child_is_only_for_a_reason_that_is_audited_and_shown(world, apis):
    server, amira = world.server, world.children[0]
    _, reviewer, item = await item_of(world, apis)
    status, case = await page(reviewer, f"/oversight/items/{item}")
    assert status == 200 and amira.name not in case and amira.id not in case
    assert "Nobody has asked to see who the child is." in case
    reveals = {"action": "oversight.reveal"}
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "curious"}, {"reason": 42}, {"why": "To check."}):
        status, answer = await reviewer.post(f"/api/oversight/items/{item}/reveal", body)
        assert status == 400 and answer["ok"] is False, (body, answer)
        assert amira.name not in str(answer)
    assert await server.store.audit.count_documents(reveals) == 0

    await server.store.children.update_one({"_id": amira.id}, {"$set": await sealed_details(
        server.store, amira.id, "E08000035", birth_date="2012-05-01", ref="LDS-4471")})
    reason = "To check the placement with the local authority."
    status, answer = await reviewer.post(f"/api/oversight/items/{item}/reveal", {"reason": reason})
    assert status == 200 and answer["identity"]["name"] == amira.name
    assert answer["identity"]["local_authority"] == "Leeds"
    assert answer["identity"]["birth_date"] == "2012-05-01" and answer["identity"]["la_reference"] == "LDS-4471"
    [record] = await server.store.audit.find(reveals).to_list(None)
    assert record["subject"] == amira.id and record["actor"] == reviewer.person.id
    assert reason not in str(record)  # identifiers only in the audit trail; the reason is sealed on the item
    status, case = await page(reviewer, f"/oversight/items/{item}")
    assert reason in case and "Rae Reviewer" in case and amira.name not in case
    async with reviewer.http.get(f"/oversight/items/{item}", params={"download": "timeline"}) as resp:
        rows = read_csv(await resp.read())
    assert any("who the child is" in " ".join(row).lower() or reason in row for row in rows[1:])


async def test_a_manager_sees_only_their_own_team(world, apis):
    server = world.server
    amira, billy, cara = world.children
    for child in (amira, cara):  # both wait for a reply: Amira (Ada's, Mo's team), Cara (Ben's, Ola's team)
        client = await connect(server, child)
        ack = await client.send(world.conversation_of(child), "Hello?")
        assert ack["ok"], ack
    mo = await apis(server, world.manager)
    status, team = await page(mo, "/console/team")
    assert status == 200
    assert "Ada Advocate" in team and amira.name in team
    assert "No proposed plan would move a child in your team." in team
    plan = {"_id": "pp_test", "created_at": server.clock.now(), "status": "proposed", "changes": [
        {"child": cara.id, "from": world.advocates[1].id, "to": world.advocates[0].id},
        {"child": billy.id, "from": world.advocates[0].id, "to": None}]}
    await server.store.pairing_plans.insert_one(plan)
    assert "2 children in your team would change advocate" in (await page(mo, "/console/team"))[1]
    await server.store.pairing_plans.update_one({"_id": "pp_test"}, {"$set": {"changes": plan["changes"][:1]}})
    assert "1 child in your team would change advocate" in (await page(mo, "/console/team"))[1]
    assert "Ben Advocate" not in team and cara.name not in team
    async with mo.http.get("/console/team", params={"download": "waiting"}) as resp:
        waiting = read_csv(await resp.read())
    assert [row[:2] for row in waiting[1:]] == [[amira.name, "Ada Advocate"]]
    async with mo.http.get("/console/team", params={"download": "caseloads"}) as resp:
        caseloads = read_csv(await resp.read())
    assert [row[:2] for row in caseloads[1:]] == [["Ada Advocate", "2"]]
    ola = await apis(server, world.other_manager)
    status, team = await page(ola, "/console/team")
    assert "Ben Advocate" in team and cara.name in team and "Ada Advocate" not in team and amira.name not in team
    for person in (world.advocates[0], world.children[0]):  # refused in words, or a child sent to sign in
        async with (await apis(server, person)).http.get("/console/team", allow_redirects=False) as resp:
            text = await resp.text()
            refused = resp.status == 403 or (resp.status == 303 and resp.headers["Location"] == "/child/sign-in")
            assert refused and amira.name not in text, (person.name, resp.status)
