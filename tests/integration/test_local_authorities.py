"""Local authorities on a fresh deployment: the shipped list at start-up, `advocacy las`, retiring one."""

from __future__ import annotations

import asyncio
import os

from advocacy.pairing.authorities import SHIPPED, install_shipped
from tests.integration.processes import ADVOCACY
from tests.support import LEEDS, api, make_pairable


async def las(server, *args: str) -> tuple[int, str]:
    settings = server.settings
    env = {**os.environ, "ADVOCACY_MONGODB_URI": settings.mongodb_uri,
           "ADVOCACY_DATABASE_NAME": settings.database_name, "ADVOCACY_MASTER_KEY": settings.master_key}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "las", *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode()


async def test_start_up_adds_the_shipped_authorities_and_never_undoes_an_operators_change(server):
    store = server.store
    await store.local_authorities.insert_one({"_id": "E08000035", "name": "Leeds (renamed here)",
                                              "region": "Yorkshire and The Humber"})
    assert await install_shipped(store) == 152
    assert await store.local_authorities.count_documents({}) == 153
    code, printed = await las(server, "retire", "E10000016")
    assert code == 0, printed
    assert await install_shipped(store) == 0
    assert (await store.local_authorities.find_one({"_id": "E08000035"}))["name"] == "Leeds (renamed here)"
    assert (await store.local_authorities.find_one({"_id": "E10000016"}))["retired_at"] is not None


async def test_las_add_import_and_retire_are_audited_and_a_bad_file_changes_nothing(server, tmp_path):
    store = server.store
    code, printed = await las(server, "import", str(SHIPPED))
    assert code == 0, printed
    assert "153 added, 0 changed, 0 already as" in printed
    assert await store.audit.count_documents({"action": "la.added"}) == 153

    bad = tmp_path / "bad.toml"
    bad.write_text('[authorities]\nE06000001 = { name = "Hartlepool, renamed", region = "North East" }\n'
                   'E06000002 = { name = "Middlesbrough", region = "Teesside" }\n')
    code, printed = await las(server, "import", str(bad))
    assert code == 2 and "E06000002" in printed and "Nothing was changed" in printed
    assert (await store.local_authorities.find_one({"_id": "E06000001"}))["name"] == "Hartlepool"

    renamed = tmp_path / "renamed.toml"
    renamed.write_text('[authorities]\nE06000001 = { name = "Hartlepool, renamed", region = "North East" }\n')
    code, printed = await las(server, "import", str(renamed))
    assert code == 0 and printed.startswith("0 added, 1 changed"), printed
    assert await store.audit.count_documents({"action": "la.changed", "subject": "E06000001"}) == 1

    code, printed = await las(server, "add", "E06000099", "--name", "New Unitary", "--region", "South West")
    assert code == 0, printed
    code, printed = await las(server, "add", "E06000099", "--name", "Again", "--region", "South West")
    assert code == 2 and "already held" in printed
    code, printed = await las(server, "add", "W06000001", "--name", "Anglesey", "--region", "Wales")
    assert code == 2 and "not a GSS code" in printed
    code, printed = await las(server, "retire", "E06000099")
    assert code == 0, printed
    code, printed = await las(server, "retire", "E06000099")
    assert code == 2 and "already retired" in printed
    assert [e["action"] async for e in store.audit.find({"subject": "E06000099"}).sort("_id", 1)] == [
        "la.added", "la.retired"]
    code, printed = await las(server, "list")
    assert code == 0 and "E06000099" in printed and "New Unitary, South West  (retired" in printed
    assert len(printed.strip().splitlines()) == 154


async def test_no_new_child_is_placed_in_a_retired_authority_and_its_children_stay(world, tmp_path):
    await make_pairable(world)
    server = world.server
    before = await server.store.children.count_documents({"la": LEEDS})
    code, printed = await las(server, "retire", LEEDS)
    assert code == 0, printed
    status, body = await api(server, world.manager, "POST", "/api/children", json={"name": "Gus", "la": LEEDS})
    assert status == 400 and body["error"]["code"] == "child_invalid" and '"la"' in body["error"]["message"]
    assert await server.store.children.count_documents({"la": LEEDS}) == before > 0
