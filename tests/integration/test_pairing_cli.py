"""`advocacy pairing solve|plan|apply` and `advocacy import` run as people run them: real processes,
the real database the test server uses."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from pathlib import Path

from advocacy.people import child_details, open_needs
from tests.support import LEEDS, LONDON, Person, add_advocate, api, make_pairable, service_notices

ADVOCACY = str(Path(sys.executable).with_name("advocacy"))


async def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    out, err = await asyncio.wait_for(process.communicate(stdin), 120)
    return process.returncode, out.decode(), err.decode()


def database_env(server, data_dir: Path) -> dict[str, str]:
    settings = server.settings
    return {"ADVOCACY_MONGODB_URI": settings.mongodb_uri, "ADVOCACY_DATABASE_NAME": settings.database_name,
            "ADVOCACY_MASTER_KEY": settings.master_key, "ADVOCACY_DATA_DIR": str(data_dir)}


def instance(**changes):
    child = {"id": "c1", "la": "L1", "region": "R1", "languages": ["en"], "opted_out": False, "current": None,
             "previous": [], "prefers": {"advocate": None, "gender": None}}
    advocates = [
        {"id": "a1", "capacity": 1, "regions": ["R1"], "languages": ["en"], "gender": "f", "conflicts": ["L1"],
         "available": True},
        {"id": "a2", "capacity": 1, "regions": ["R2"], "languages": ["en"], "gender": "m", "conflicts": [],
         "available": True},
    ]
    return {"children": [{**child, **changes}], "advocates": advocates}


async def test_solve_prints_the_optimum_as_json(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance()))
    code, out, err = await run("pairing", "solve", str(path))
    assert code == 0, err
    result = json.loads(out)
    assert result["assignments"] == {"c1": "a2"}  # a1 works for the child's authority
    assert result["cost"] == 25 + 40 and result["breakdown"]["out_of_region"] == 1
    code, out, _ = await run("pairing", "solve", "-", stdin=json.dumps(instance()).encode())
    assert code == 0 and json.loads(out) == result


async def test_solve_rejects_a_malformed_instance_naming_the_record_and_field(tmp_path):
    path = tmp_path / "instance.json"
    bad = instance(current="a9")
    bad["advocates"][1]["capacity"] = -1
    path.write_text(json.dumps(bad))
    code, out, err = await run("pairing", "solve", str(path))
    assert code == 2 and out == ""
    assert 'children[0] (id "c1"): "current" names unknown advocate "a9"' in err
    assert 'advocates[1] (id "a2"): "capacity" must be a whole number >= 0' in err
    path.write_text("{not json")
    code, _, err = await run("pairing", "solve", str(path))
    assert code == 2 and "not valid JSON (line 1" in err


async def test_import_reports_bad_rows_by_line_and_imports_and_pairs_the_rest(world, tmp_path):
    await make_pairable(world)
    server = world.server
    csv_file = tmp_path / "leeds.csv"
    csv_file.write_text(
        "name,la,birth_date,languages,ref\n"
        "Gabi,E08000035,2012-04-01,en;pl,L-1\n"
        "Hal,E99999999,2011-01-01,en,L-2\n"
        '"Ivy\nMay",E08000035,,en,L-3\n'
        "Jo,E08000035,2012-02-30,en,L-4\n"
        "Kim,E08000035,2010-06-06,,L-1\n"
    )
    codes = tmp_path / "codes.csv"
    code, out, err = await run("import", str(csv_file), "--codes-out", str(codes), env=database_env(server, tmp_path))
    assert code == 1, err
    assert "2 of 5 row(s) imported; 2 paired with an advocate" in out
    problems = [line for line in out.splitlines() if "not imported" in line]
    assert [p.split(":")[1].strip() for p in problems] == ["line 3", "line 6", "line 7"]
    assert '"la"' in problems[0] and '"birth_date"' in problems[1] and "already imported" in problems[2]
    assert "importing" in err  # progress as it goes
    assert stat.S_IMODE(codes.stat().st_mode) == 0o600
    rows = [line.split(",") for line in codes.read_text().splitlines()[1:]]
    assert [r[0] for r in rows] == ["2", "4"] and all(r[3] == "ada.advocate" for r in rows)
    gabi = Person(rows[0][2], "Gabi", "child", access_code=rows[0][4], pin="2580", setup_word=rows[0][5])
    status, body = await api(server, gabi, "GET", f"/api/children/{gabi.id}/advocate")
    assert status == 200 and body["advocate"]["id"] == world.advocates[0].id
    record = await server.store.children.find_one({"_id": gabi.id})
    assert record["birth_year"] == 2012 and not {"birth_date", "languages"} & set(record)  # sealed
    assert (await child_details(server.store, [record]))[gabi.id]["birth_date"] == "2012-04-01"
    assert (await open_needs(server.store, [record]))[0]["languages"] == ["en", "pl"]

    code, out, _ = await run("import", str(csv_file), "--codes-out", str(codes), env=database_env(server, tmp_path))
    assert "0 of 5 row(s) imported" in out and out.count("already imported") == 3


async def test_import_again_never_moves_a_child_already_known(world, tmp_path):
    """A known child (by the authority's ref) keeps their advocate when a file is imported again, even
    when another advocate would now suit them better: only the new children are paired."""
    await make_pairable(world)
    server, ada = world.server, world.advocates[0]
    env = database_env(server, tmp_path)
    first = tmp_path / "first.csv"
    first.write_text("name,la,birth_date,languages,ref\nGabi,E08000035,2012-04-01,en;pl,L-1\n")
    code, out, err = await run("import", str(first), "--codes-out", str(tmp_path / "c1.csv"), env=env)
    assert code == 0, err
    [gabi] = [line.split(",")[2] for line in (tmp_path / "c1.csv").read_text().splitlines()[1:]]
    assert (await server.store.children.find_one({"_id": gabi}))["advocate"] == ada.id
    # Eve speaks Gabi's second language too: a pairing of everyone from scratch would move Gabi to her.
    await add_advocate(server, "eve.advocate", "Eve Advocate", world.other_manager, languages=["en", "pl"])

    again = tmp_path / "again.csv"
    again.write_text("name,la,birth_date,languages,ref\n"
                     "Gabi,E08000035,2012-04-01,en;pl,L-1\n"
                     "Lena,E08000035,2013-05-05,en;pl,L-2\n")
    code, out, err = await run("import", str(again), "--codes-out", str(tmp_path / "c2.csv"), env=env)
    assert code == 1, err  # Gabi's row is reported, not imported
    assert "1 of 2 row(s) imported; 1 paired with an advocate" in out and "already imported" in out
    assert (await server.store.children.find_one({"_id": gabi}))["advocate"] == ada.id
    assert await server.store.pairings.count_documents({"child": gabi}) == 1
    lena = [line.split(",") for line in (tmp_path / "c2.csv").read_text().splitlines()[1:]]
    # Lena is paired through the pairing service (Ada or Eve: both speak her languages), and told so.
    [[*_, lena_id, username]] = [r[:4] for r in lena]
    advocate = await server.store.staff.find_one({"username": username})
    assert username in ("ada.advocate", "eve.advocate")
    assert (await server.store.children.find_one({"_id": lena_id}))["advocate"] == advocate["_id"]
    first_name = advocate["name"].split()[0]
    assert f"{first_name} is your advocate" in (await service_notices(server, lena_id))[-1]

    left = tmp_path / "left.csv"
    left.write_text("name,la,ref,left_care\nGabi,E08000035,L-1,2026-01-05\n")
    code, out, err = await run("import", str(left), "--codes-out", str(tmp_path / "c3.csv"), env=env)
    assert code == 0, err
    assert "1 child(ren) imported before recorded as having left care" in out
    record = await server.store.children.find_one({"_id": gabi})
    assert record["advocate"] == ada.id and record["left_care_at"].date().isoformat() == "2026-01-05"
    assert await server.store.pairings.count_documents({"child": gabi}) == 1


async def test_plan_changes_nothing_and_apply_makes_the_reviewed_changes(world, tmp_path):
    await make_pairable(world)
    server, cara, ben = world.server, world.children[2], world.advocates[1]
    eve = await add_advocate(server, "eve.advocate", "Eve Advocate", world.other_manager, regions=[LONDON],
                             conflicts=[LEEDS])
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})
    plan_file = tmp_path / "plan.json"
    code, out, err = await run("pairing", "plan", "--max-moves", "3", "--out", str(plan_file),
                               env=database_env(server, tmp_path))
    assert code == 0, err
    assert f"{cara.id}: ben.advocate -> eve.advocate" in out and "nothing has changed" in out
    assert "children: 3/3" in err
    plan = json.loads(plan_file.read_text())
    assert [(c["child"], c["to"]) for c in plan["changes"]] == [(cara.id, eve.id)]
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == ben.id
    _, listed = await api(server, world.other_manager, "GET", "/api/pairing/plans")
    assert [p["id"] for p in listed["plans"]] == [plan["id"]]  # managers see it on the console

    code, out, err = await run("pairing", "apply", str(plan_file), env=database_env(server, tmp_path))
    assert code == 0, err
    assert "applied 1 change(s); skipped 0" in out
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == eve.id
    assert "Eve is your advocate now" in (await service_notices(server, cara.id))[-1]

    code, out, _ = await run("pairing", "apply", str(plan_file), env=database_env(server, tmp_path))
    assert "applied 1 change(s)" in out  # already in place: nothing moves twice
    assert await server.store.pairings.count_documents({"child": cara.id, "advocate": eve.id}) == 1
