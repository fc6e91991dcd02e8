"""Staff records over real HTTP (/api/staff, /console/staff) and through the real `advocacy staff` command:
who may add and change whom, checks that change nothing, the audit trail, and the independence rule
re-checked when an advocate's ties change (a plan to move the children, nobody moved silently)."""

from __future__ import annotations

import asyncio
import os

import pytest

from advocacy.auth import totp
from advocacy.auth.accounts import create_staff
from advocacy.auth.staff_sign_in import set_second_factor
from advocacy.pairing.changes import PairingRefused, pair_child
from tests.integration.processes import ADVOCACY
from tests.support import CAMDEN, LEEDS, LONDON, PASSWORD, YORKSHIRE, Person, api, sign_in

NEW = {"username": "nia.advocate", "name": "Nia New", "capacity": 6, "comfortable": 4,
       "working_hours": {"start": "08:30", "end": "16:30"}, "languages": ["en", "pl"],
       "regions": [YORKSHIRE], "ties": [CAMDEN]}


async def _admin(server) -> Person:
    doc = await create_staff(server.store, server.clock, username="ann.admin", password=PASSWORD, name="Ann Admin",
                             role="admin")
    secret = totp.new_secret()
    await set_second_factor(server.store, doc["_id"], secret)
    return Person(doc["_id"], "Ann Admin", "admin", username="ann.admin", password=PASSWORD, totp_secret=secret)


async def test_a_manager_adds_an_advocate_to_their_team_who_sets_up_a_second_factor_at_first_sign_in(world):
    server, mo = world.server, world.manager
    status, body = await api(server, mo, "POST", "/api/staff", json=NEW)
    assert status == 201, body
    nia = body["staff"]
    assert nia["role"] == "advocate" and nia["manager"] == mo.id
    assert nia["languages"] == [{"code": "en", "name": "English"}, {"code": "pl", "name": "Polish"}]
    assert nia["ties"] == [{"code": CAMDEN, "name": "Camden"}] and nia["regions"] == [YORKSHIRE]
    assert nia["capacity"] == 6 and nia["comfortable"] == 4 and nia["working_hours"] == NEW["working_hours"]
    stored = await server.store.staff.find_one({"_id": nia["id"]})
    assert stored["conflicts"] == [CAMDEN] and stored["languages"] == ["en", "pl"] and stored["available"] is True
    entry = await server.store.audit.find_one({"action": "staff.created"})
    assert entry["subject"] == nia["id"] and entry["actor"] == mo.id
    assert "Nia" not in str(entry) and "Polish" not in str(entry)  # field names only, never values

    # The first password works once the second factor is set up, as for `advocacy create-staff`.
    async with server.http() as http:
        resp = await http.post("/api/session/staff", json={"username": "nia.advocate", "password": body["password"]})
        assert resp.status == 202 and "enrolment" in await resp.json()
    await sign_in(server, Person(nia["id"], "Nia New", "advocate", username="nia.advocate", password=body["password"]))

    # The page shows languages by name, and Mo's team only (not Ola's Ben).
    token = await sign_in(server, mo)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        page = await (await http.get("/console/staff")).text()
    assert "Polish" in page and "Nia New" in page and "Ben Advocate" not in page


@pytest.mark.parametrize(("change", "words"), [
    ({"languages": ["en", "Polish"]}, "Unknown language code(s): Polish"),
    ({"ties": ["E99999999"]}, "Unknown local authority code(s): E99999999"),
    ({"capacity": -1}, '"capacity" must be a whole number from 0 to 500'),
    ({"comfortable": 9, "capacity": 3}, '"comfortable" cannot be more than "capacity"'),
    ({"regions": ["Wessex"]}, "Unknown region(s): Wessex"),
    ({"working_hours": {"start": "17:00", "end": "09:00"}}, "must start before it ends"),
])
async def test_bad_input_is_refused_clearly_and_changes_nothing(world, change, words):
    server, mo, ada = world.server, world.manager, world.advocates[0]
    before_staff = await server.store.staff.count_documents({})
    before_audit = await server.store.audit.count_documents({"action": {"$in": ["staff.created", "staff.changed"]}})
    ada_before = await server.store.staff.find_one({"_id": ada.id})
    status, body = await api(server, mo, "POST", "/api/staff", json={**NEW, **change})
    assert status == 400 and words in body["error"]["message"] and "Nothing was changed" in body["error"]["message"]
    status, body = await api(server, mo, "PATCH", f"/api/staff/{ada.id}", json=change)
    assert status == 400 and words in body["error"]["message"], body
    assert await server.store.staff.count_documents({}) == before_staff
    assert await server.store.staff.find_one({"_id": ada.id}) == ada_before
    assert await server.store.audit.count_documents(
        {"action": {"$in": ["staff.created", "staff.changed"]}}) == before_audit


async def test_managers_only_within_their_team_admins_anywhere_advocates_not_at_all(world):
    server, mo, ada, ben = world.server, world.manager, *world.advocates
    ann = await _admin(server)
    assert (await api(server, ada, "POST", "/api/staff", json=NEW))[0] == 403
    assert (await api(server, ada, "PATCH", f"/api/staff/{ada.id}", json={"capacity": 50}))[0] == 403
    assert (await api(server, ada, "GET", "/api/staff"))[0] == 403
    assert (await api(server, mo, "PATCH", f"/api/staff/{ben.id}", json={"capacity": 1}))[0] == 404  # Ola's
    assert (await api(server, mo, "PATCH", f"/api/staff/{world.other_manager.id}", json={"name": "X"}))[0] == 404
    assert (await api(server, mo, "POST", "/api/staff", json={**NEW, "role": "admin"}))[0] == 403
    assert (await api(server, mo, "POST", "/api/staff",
                      json={**NEW, "manager": world.other_manager.id}))[0] == 403
    assert await server.store.staff.count_documents({"username": "nia.advocate"}) == 0
    status, body = await api(server, mo, "GET", "/api/staff")
    assert status == 200 and {p["id"] for p in body["staff"]} == {ada.id}

    status, body = await api(server, ann, "POST", "/api/staff",
                             json={"username": "rae.reviewer", "name": "Rae Reviewer", "role": "reviewer"})
    assert status == 201 and body["staff"]["role"] == "reviewer", body
    status, body = await api(server, ann, "PATCH", f"/api/staff/{ben.id}", json={"manager": "mo.manager"})
    assert status == 200 and body["changed"] == ["manager"] and body["staff"]["manager"] == mo.id
    assert await server.store.audit.count_documents({"action": "staff.changed", "subject": ben.id,
                                                     "actor": ann.id}) == 1


async def test_new_ties_refuse_a_pairing_and_existing_pairings_that_break_get_a_plan_not_a_silent_move(world):
    server, mo, ada = world.server, world.manager, world.advocates[0]
    amira, billy, cara = world.children  # Amira and Billy (Leeds) are Ada's; Cara (Camden) is Ben's
    status, body = await api(server, mo, "PATCH", f"/api/staff/{ada.id}",
                             json={"capacity": 5, "available": True, "regions": [YORKSHIRE, LONDON], "ties": [CAMDEN]})
    assert status == 200 and body["plan"] is None, body  # none of Ada's children are in Camden
    with pytest.raises(PairingRefused) as refused:
        await pair_child(server.store, server.clock, cara.id, ada.id, "test")
    assert refused.value.reason == "conflict"

    status, body = await api(server, mo, "PATCH", f"/api/staff/{ada.id}", json={"ties": [CAMDEN, LEEDS]})
    assert status == 200 and body["changed"] == ["conflicts"], body
    assert body["plan"]["children"] == 2 and body["plan"]["moves_them"] == 2, body
    plan = await server.store.pairing_plans.find_one({"_id": body["plan"]["id"]})
    assert plan["status"] == "proposed" and plan["advocate_changed"] == ada.id
    moves = {c["child"]: c for c in plan["changes"]}
    for child in (amira, billy):
        assert moves[child.id]["from"] == ada.id and moves[child.id]["to"] != ada.id
        assert "their advocate now works for the child's local authority" in moves[child.id]["why"]
        # Nobody moved yet: a person reviews and applies the plan.
        assert (await server.store.children.find_one({"_id": child.id}))["advocate"] == ada.id
    assert await server.store.audit.count_documents({"action": "staff.changed", "subject": ada.id,
                                                     "ids.fields": "conflicts"}) == 1


async def staff_command(server, *args: str, stdin: bytes = b"") -> tuple[int, str]:
    settings = server.settings
    env = {**os.environ, "ADVOCACY_MONGODB_URI": settings.mongodb_uri,
           "ADVOCACY_DATABASE_NAME": settings.database_name, "ADVOCACY_MASTER_KEY": settings.master_key}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "staff", *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(process.communicate(stdin), 120)
    return process.returncode, out.decode()


async def test_the_staff_command_lists_adds_and_edits_with_the_same_checks_and_audit(world):
    server, ada = world.server, world.advocates[0]
    code, printed = await staff_command(
        server, "add", "pat.advocate", "--name", "Pat Advocate", "--manager", "mo.manager", "--capacity", "4",
        "--languages", "en,pl", "--regions", "London", "--ties", LEEDS, "--hours", "09:00-15:00",
        "--password-stdin", stdin=b"a long first password\n")
    assert code == 0, printed
    pat = await server.store.staff.find_one({"username": "pat.advocate"})
    assert pat["manager"] == world.manager.id and pat["languages"] == ["en", "pl"] and pat["conflicts"] == [LEEDS]
    assert pat["working_hours"] == {"start": "09:00", "end": "15:00"} and pat["capacity"] == 4
    assert await server.store.audit.count_documents({"action": "staff.created", "subject": pat["_id"]}) == 1

    code, printed = await staff_command(server, "list")
    assert code == 0 and "Polish (pl)" in printed and "Leeds (E08000035)" in printed, printed

    code, printed = await staff_command(server, "edit", "pat.advocate", "--languages", "en,xx")
    assert code == 2 and "Unknown language code(s): xx" in printed and "Nothing was changed" in printed, printed
    code, printed = await staff_command(server, "edit", "pat.advocate", "--capacity", "-3")
    assert code == 2 and "capacity" in printed, printed
    assert (await server.store.staff.find_one({"_id": pat["_id"]}))["languages"] == ["en", "pl"]

    code, printed = await staff_command(server, "edit", "ada.advocate", "--ties", LEEDS)
    assert code == 0 and "2 of their children may not stay with them" in printed, printed
    assert await server.store.pairing_plans.count_documents({"advocate_changed": ada.id}) == 1
