"""The waiting list moves: a child nobody had room for is paired as soon as a place frees, and the
team page shows how long each has waited (where, never who)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from advocacy.people import record_left_care
from advocacy.workdays import LONDON
from tests.support import YORKSHIRE, Person, api, make_pairable, service_notices, sign_in

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


async def _advocate_of(server, child_id: str) -> str | None:
    return (await server.store.children.find_one({"_id": child_id}, {"advocate": 1}))["advocate"]


async def test_waiting_children_are_paired_in_the_order_they_began_to_wait_as_advocates_are_added_or_take_more(world):
    await make_pairable(world)
    server, ada, mo = world.server, world.advocates[0], world.manager
    amira, billy = world.children[0], world.children[1]
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})  # Amira and Billy
    dana = await _new_leeds_child(server, mo, "Dana")
    dana_since = (await server.store.children.find_one({"_id": dana}))["waiting_since"]
    assert abs((dana_since - server.clock.now()).total_seconds()) < 1

    # A day later Ada can take one child fewer: Amira or Billy (with us long before Dana) waits from now.
    server.clock.advance(timedelta(days=1))
    status, body = await api(server, mo, "PATCH", f"/api/advocates/{ada.id}", json={"capacity": 1})
    assert status == 200 and len(body["moved"]) == 1, body
    [moved] = body["moved"]
    assert moved in (amira.id, billy.id) and await _advocate_of(server, moved) is None
    moved_since = (await server.store.children.find_one({"_id": moved}))["waiting_since"]
    assert moved_since > dana_since

    # A manager adds an advocate with room for one: Dana, who has waited longest, is paired at once.
    server.clock.advance(timedelta(days=1))
    status, body = await api(server, mo, "POST", "/api/staff", json={
        "username": "eli.advocate", "name": "Eli Advocate", "capacity": 1, "regions": [YORKSHIRE],
        "languages": ["en"]})
    assert status == 201, body
    eli = body["staff"]["id"]
    assert await _advocate_of(server, dana) == eli
    assert "waiting_since" not in await server.store.children.find_one({"_id": dana})
    assert await _advocate_of(server, moved) is None
    table = await _team_csv(server, mo)
    assert table.count("Leeds") == 1 and "2 days" not in table and "1 day" in table, table

    # Eli takes one more: the next in line has them.
    status, body = await api(server, mo, "PATCH", f"/api/advocates/{eli}", json={"capacity": 2})
    assert status == 200, body
    assert await _advocate_of(server, moved) == eli
    assert (await server.store.pairings.find_one({"child": moved, "advocate": eli}))["why"] == "waited"
    assert "Leeds" not in await _team_csv(server, mo)


async def test_a_child_erased_by_retention_gives_their_place_to_the_child_waiting_longest(world):
    await make_pairable(world)
    server, ada, mo, amira = world.server, world.advocates[0], world.manager, world.children[0]
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})
    dana = await _new_leeds_child(server, mo, "Dana")
    await record_left_care(server.store, amira.id, server.clock.now() - timedelta(days=365 * 7), "la_import")

    counts = await server.services.retention.run()

    assert counts["children"] == 1
    assert await _advocate_of(server, dana) == ada.id
    assert (await server.store.staff.find_one({"_id": ada.id}))["load"] == 2  # Billy and Dana, never three


async def test_a_child_waiting_while_the_only_advocate_with_room_is_on_leave_is_paired_when_the_leave_ends(world):
    await make_pairable(world)
    server, ada, mo = world.server, world.advocates[0], world.manager
    day = server.services.pairing.today() + timedelta(days=1)
    status, body = await api(server, mo, "POST", f"/api/advocates/{ada.id}/leave",
                             json={"starts": day.isoformat(), "ends": day.isoformat()})
    assert status == 201, body
    # 01:00 in London on the day of the leave, whatever the time of day the test runs at.
    server.clock.advance(datetime.combine(day, time(1), LONDON) - server.clock.now())
    await server.services.pairing_job.run_once()  # the leave starts
    dana = await _new_leeds_child(server, mo, "Dana")  # Ada has room but is away; Ben has worked for Leeds
    await server.services.pairing_job.run_once()
    assert await _advocate_of(server, dana) is None

    server.clock.advance(timedelta(days=1))
    await server.services.pairing_job.run_once()  # the leave ends, then the waiting list is tried
    assert await _advocate_of(server, dana) == ada.id


async def test_a_waiting_child_who_opts_out_leaves_the_list_and_one_who_opts_back_in_joins_its_end(world):
    await make_pairable(world)
    server, ada, mo = world.server, world.advocates[0], world.manager
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})
    dana = await _new_leeds_child(server, mo, "Dana")
    server.clock.advance(timedelta(hours=1))
    eve = await _new_leeds_child(server, mo, "Eve")
    dana_child = Person(dana, "Dana", "child")
    await server.services.pairing.opt_out(dana, None, {"id": dana, "role": "child"})
    assert await server.services.pairing.waiting() == [eve]
    server.clock.advance(timedelta(hours=1))
    await server.services.pairing.opt_in(dana_child.id, {"id": dana, "role": "child"})
    assert await server.services.pairing.waiting() == [eve, dana]


async def test_children_left_waiting_by_an_older_version_join_the_list_from_when_they_began_to_wait(world):
    await make_pairable(world)
    server, ada, mo = world.server, world.advocates[0], world.manager
    await server.store.staff.update_one({"_id": ada.id}, {"$set": {"capacity": 2}})
    dana = await _new_leeds_child(server, mo, "Dana")
    created = (await server.store.children.find_one({"_id": dana}))["created_at"]
    await server.store.children.update_one({"_id": dana}, {"$unset": {"waiting_since": ""}})
    assert await server.services.pairing.waiting() == []
    await server.store.migrations.delete_one({"_id": "waiting_since"})
    server.clock.advance(timedelta(days=3))

    assert await server.services.pairing.mark_waiting_once() == 1
    assert await server.services.pairing.mark_waiting_once() == 0  # once
    assert await server.services.pairing.waiting() == [dana]
    assert abs(((await server.store.children.find_one({"_id": dana}))["waiting_since"] - created)
               .total_seconds()) < 1
