"""Schemathesis against /api/openapi.json on the real server: no server error, no answer outside the schema."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from advocacy.auth.accounts import create_staff
from tests.support import PASSWORD, Person, sign_in

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Bounded: a few minutes at most on a loaded machine.
EXAMPLES_PER_OPERATION = 12


async def run_schemathesis(url: str, token: str | None, tmp_path: Path, *extra: str) -> tuple[int, str]:
    args = [SCHEMATHESIS, "run", f"{url}/api/openapi.json", "--checks", CHECKS, "--max-examples",
            str(EXAMPLES_PER_OPERATION), "--workers", "1", "--seed", "20261129", "--generation-database", "none",
            "--phases", "examples,coverage,fuzzing", "--request-timeout", "30", "--no-color",
            "--report-dir", str(tmp_path), *extra]
    if token:
        args += ["--header", f"Authorization: Bearer {token}"]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""}, cwd=tmp_path,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 280)
    return process.returncode, out.decode(errors="replace")


async def test_no_server_error_and_no_answer_outside_the_documented_schema(world, tmp_path):
    server = world.server
    doc = await create_staff(server.store, server.clock, username="ann.admin", password=PASSWORD, name="Ann Admin",
                             role="admin")
    admin = Person(doc["_id"], "Ann Admin", "admin", username="ann.admin", password=PASSWORD)
    token = await sign_in(server, admin)
    # Real ids for the path parameters, so requests reach the code behind them, not only "not found".
    (tmp_path / "schemathesis.toml").write_text(
        f'[parameters]\n"path.child" = "{world.children[0].id}"\n"path.staff" = "{world.advocates[1].id}"\n')
    # Signing out would end the session the rest of the run uses: those two are tried signed out below.
    code, out = await run_schemathesis(server.url, token, tmp_path, "--exclude-method", "DELETE",
                                       "--exclude-path", "/api/session/end")
    assert code == 0, out
    code, out = await run_schemathesis(server.url, None, tmp_path)
    assert code == 0, out
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        assert (await http.get("/api/health")).status == 200  # still serving
