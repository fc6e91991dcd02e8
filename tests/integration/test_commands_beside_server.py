"""Every `advocacy` command, run beside a running server on the embedded database, leaves it serving.

The server is a real `advocacy serve --demo` process on its own data folder, with no MongoDB URI:
it starts the embedded database. Each command is a real process given the same data folder, as an
operator would type it. A command must use the server's database (found through the folder) and
never stop it; afterwards the server must still answer and a child's message must still be stored.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import pyotp
import pytest
import socketio

from advocacy.cli import _parser
from advocacy.demo.people import credentials_path
from advocacy.embedded_db import free_port
from advocacy.pairing.authorities import SHIPPED
from tests.integration.processes import ADVOCACY, stop_process

STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_server_left_behind():
    yield
    while STARTED:
        await stop_process(STARTED.pop())


def environment() -> dict[str, str]:
    """This machine's environment without a database or key setting: the folder says everything."""
    return {k: v for k, v in os.environ.items()
            if k not in ("ADVOCACY_MONGODB_URI", "ADVOCACY_MASTER_KEY", "ADVOCACY_DATA_DIR")}


async def start_server(data_dir: Path, port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=environment())
    STARTED.append(process)
    printed = []
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), 90)
        if not line:
            await process.wait()
            pytest.fail("advocacy serve stopped at start:\n" + b"".join(printed).decode())
        printed.append(line)
        if b"demo-credentials.json" in line:
            # Keep reading what it prints, so a full pipe never stalls it.
            asyncio.get_running_loop().create_task(process.stdout.read())
            return process


async def advocacy(data_dir: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        # Beside a demo server an operator gives the demo's key as docs/operations.md says.
        env={**environment(), "ADVOCACY_DATA_DIR": str(data_dir), "ADVOCACY_DEVELOPMENT_MASTER_KEY": "true"})
    try:
        out, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    except TimeoutError:
        process.kill()
        out, _ = await process.communicate()
        pytest.fail(f"`advocacy {' '.join(args)}` did not finish in 2 minutes; it printed:\n{out.decode()}")
    return process.returncode, out.decode()


def daemon_pid(data_dir: Path) -> int | None:
    try:
        pid = int((data_dir / "db.pid").read_text())
    except (OSError, ValueError):
        return None
    try:
        return pid if b"secantusd" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
    except OSError:
        return None


async def health(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url + "/api/health") as resp:
        return resp.status


def every_command() -> set[str]:
    """Every leaf command of `advocacy`, as words: {"serve", "keys status", ...}."""
    found: set[str] = set()

    def walk(parser, words: tuple[str, ...]) -> None:
        subparsers = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
        if not subparsers:
            found.add(" ".join(words))
        for action in subparsers:
            for name, sub in action.choices.items():
                walk(sub, (*words, name))

    walk(_parser(), ())
    return found


def solve_instance() -> dict:
    return {
        "children": [{"id": "c1", "la": "L1", "region": "R1", "languages": ["en"], "opted_out": False,
                      "current": None, "previous": [], "prefers": {"advocate": None, "gender": None}}],
        "advocates": [{"id": "a1", "capacity": 1, "regions": ["R1"], "languages": ["en"], "gender": "f",
                       "conflicts": [], "available": True}],
    }


async def test_every_command_beside_a_running_server_leaves_it_serving_a_chat(tmp_path):
    data_dir = tmp_path / "var"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    await start_server(data_dir, port)
    database = daemon_pid(data_dir)
    assert database is not None
    creds = json.loads(credentials_path(data_dir).read_text())
    child = creds["children"][0]
    leaver = creds["children"][-1]
    advocate = next(a for a in creds["advocates"] if a["username"] == child["advocate"])
    files = tmp_path / "files"
    files.mkdir()
    (files / "instance.json").write_text(json.dumps(solve_instance()))
    (files / "children.csv").write_text("name,la,ref\nNew Child,E08000035,LA-REF-1\n")
    (files / "moments.csv").write_text(f"la,ref,kind,on\nE08000035,LA-REF-1,looked_after_review,"
                                      f"{date.today() + timedelta(days=30)}\n")
    plan = files / "plan.json"

    # (words, arguments, standard input, the exit codes that are a right answer)
    commands = [
        ("keys new", ["keys", "new"], "", {0}),
        ("keys status", ["keys", "status"], "", {0}),
        ("keys rotate", ["keys", "rotate"], "", {0}),
        ("audit verify", ["audit", "verify"], "", {0}),
        ("create-staff", ["create-staff", "--username", "new.admin", "--name", "New Admin", "--role", "admin",
                          "--password-stdin"], "a long enough password\n", {0}),
        ("hours", ["hours", advocate["username"], "08:30", "16:30"], "", {0}),
        ("staff languages", ["staff", "languages"], "", {0}),
        ("staff add", ["staff", "add", "new.advocate", "--name", "New Advocate", "--capacity", "3", "--languages",
                       "en,pl", "--ties", "E08000035", "--password-stdin"], "a long enough password\n", {0}),
        ("staff edit", ["staff", "edit", "new.advocate", "--regions", "London"], "", {0}),
        ("staff list", ["staff", "list"], "", {0}),
        ("bots create", ["bots", "create", "Homework helper"], "", {0}),
        ("bots revoke", ["bots", "revoke", "Homework helper"], "", {0}),
        ("demo swarm-seed", ["demo", "swarm-seed", "2", "--out", str(files / "swarm.json")], "", {0}),
        ("pairing solve", ["pairing", "solve", str(files / "instance.json")], "", {0}),
        ("pairing plan", ["pairing", "plan", "--max-moves", "0", "--out", str(plan)], "", {0}),
        ("pairing apply", ["pairing", "apply", str(plan)], "", {0}),
        ("import", ["import", str(files / "children.csv"), "--codes-out", str(files / "codes.csv")], "", {0}),
        ("import-moments", ["import-moments", str(files / "moments.csv")], "", {0}),
        ("las list", ["las", "list"], "", {0}),
        ("las import", ["las", "import", str(SHIPPED)], "", {0}),
        ("las add", ["las", "add", "E06000099", "--name", "New Unitary", "--region", "South West"], "", {0}),
        ("las retire", ["las", "retire", "E06000099"], "", {0}),
        ("backup", ["backup", "--out", str(files / "backup")], "", {0}),
        # Into the server's own database, which is not empty: refused, and the server goes on.
        ("restore", ["restore", str(files / "backup")], "", {2}),
        ("export-child", ["export-child", child["id"], "--out", str(files / "export")], "", {0}),
        ("left-care", ["left-care", leaver["id"]], "", {0}),
        ("retention run", ["retention", "run"], "", {0}),
        ("figures rebuild", ["figures", "rebuild"], "", {0}),
        # A second server on the same folder must refuse, not take the database from the first.
        ("serve", ["serve", "--port", str(free_port()), "--data-dir", str(data_dir)], "", {1}),
    ]
    assert {words for words, *_ in commands} == every_command(), \
        "a command of `advocacy` is missing from this test (or this test names one that is gone)"

    for words, args, stdin, right in commands:
        code, printed = await advocacy(data_dir, *args, stdin=stdin)
        assert code in right, f"`advocacy {words}` exited {code}:\n{printed}"
        assert daemon_pid(data_dir) == database, f"`advocacy {words}` stopped the server's database:\n{printed}"
        assert await health(url) == 200, f"after `advocacy {words}` the server no longer answers:\n{printed}"

    # And a chat still works: the child's message is stored and her advocate reads it.
    async with aiohttp.ClientSession(base_url=url) as http:
        async with http.post("/api/session/child",
                             json={"access_code": child["access_code"], "pin": child["pin"]}) as resp:
            assert resp.status == 200, await resp.text()
            child_token = (await resp.json())["token"]
        async with http.post("/api/session/staff", json={
                "username": advocate["username"], "password": advocate["password"],
                "otp": pyotp.TOTP(advocate["totp_secret"]).now()}) as resp:
            assert resp.status == 200, await resp.text()
            advocate_token = (await resp.json())["token"]
    text = "Still here after every command"
    for token, role in ((child_token, "child"), (advocate_token, "advocate")):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, namespaces=["/chat"], auth={"token": token}, transports=["websocket"],
                             wait_timeout=10)
        try:
            listing = (await client.call("conversations", {}, namespace="/chat"))["conversations"]
            if role == "child":
                conversation = listing[0]["id"]
                ack = await client.call("send", {"conversation": conversation, "client_id": uuid.uuid4().hex,
                                                 "text": text}, namespace="/chat")
                assert ack["ok"], ack
            else:
                seen = [m.get("text") for c in listing for m in (await client.call(
                    "history", {"conversation": c["id"]}, namespace="/chat"))["messages"]]
                assert text in seen
        finally:
            await client.disconnect()
