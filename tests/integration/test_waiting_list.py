"""The waiting list moves: a child nobody had room for is paired as soon as a place frees, and the
team page shows how long each has waited (where, never who)."""

from __future__ import annotations

from datetime import timedelta

from tests.support import api, make_pairable, service_notices, sign_in

LEEDS = "E08000035"


async def _team_csv(server, manager) -> str:
    token = await sign_in(server, manager)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        resp = await http.get("/console/team", params={"download": "unpaired"})
        assert resp.status == 200
        return await resp.text()


async def _new_leeds_child(server, manager, name: str) -> str:
    status, body = await api(server, manager, "POST", "/api/children",
                             json={"name": name, "la": LEEDS, "languages": ["en"]})
    assert status == 201 and body["advocate"] is None, body  # Ada is full; Ben has worked for Leeds
    return body["child"]


async def test_a_waiting_child_is_paired_when_a_place_frees_and_the_team_page_shows_the_wait(world):
    await make_pairable(world)
    server, amira, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})  # Amira and Billy
    dana = await _new_leeds_child(server, mo, "Dana")
    server.clock.advance(timedelta(days=2, hours=3))
    table = await _team_csv(server, mo)
    assert "Leeds" in table and "2 days 3 h" in table and "Dana" not in table, table
    assert "Leeds" not in await _team_csv(server, world.other_manager)  # not their regions

    # Amira chooses to have no advocate: her place with Ada goes to Dana at once.
    assert (await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out"))[1]["changed"]
    record = await server.store.children.find_one({"_id": dana})
    assert record["advocate"] == ada.id
    pairing = await server.store.pairings.find_one({"child": dana})
    assert pairing["why"] == "waited"
    assert "Hi! Ada is your advocate." in (await service_notices(server, dana))[-1]
    assert "Leeds" not in await _team_csv(server, mo)


async def test_the_pairing_job_tries_every_waiting_child_again_when_room_appears_without_a_pairing_change(world):
    await make_pairable(world)
    server, ada, mo = world.server, world.advocates[0], world.manager
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})
    eve = await _new_leeds_child(server, mo, "Eve")
    server.clock.advance(timedelta(minutes=5))
    finn = await _new_leeds_child(server, mo, "Finn")
    await server.services.pairing_job.run_once()
    assert await server.store.children.count_documents({"_id": {"$in": [eve, finn]}, "advocate": None}) == 2
    # A manager makes room (no child moved, so nothing is announced): the next run pairs the one who waited longest.
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 3}})
    await server.services.pairing_job.run_once()
    assert (await server.store.children.find_one({"_id": eve}))["advocate"] == ada.id
    assert (await server.store.children.find_one({"_id": finn}))["advocate"] is None
