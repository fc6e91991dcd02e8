"""`advocacy serve` as people run it: a real process, the embedded database, the demo, restarts."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import stat
import sys
import uuid
from pathlib import Path

import aiohttp
import pyotp
import pytest
import socketio

from advocacy.demo.people import credentials_path
from advocacy.embedded_db import free_port

ADVOCACY = str(Path(sys.executable).with_name("advocacy"))


STARTED: list[asyncio.subprocess.Process] = []


@pytest.fixture(autouse=True)
async def no_server_left_behind():
    """A failing test must not leave a server (and its database) running."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.returncode is None:
            process.kill()
            await process.wait()


async def start_serve(data_dir: Path, port: int, *extra: str, env: dict[str, str] | None = None):
    """Run `advocacy serve --demo`; return the process once it prints that it is running."""
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--demo", "--port", str(port), "--data-dir", str(data_dir), *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    STARTED.append(process)
    printed = []
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), 90)
        if not line:
            await process.wait()
            pytest.fail("advocacy serve stopped at start:\n" + b"".join(printed).decode())
        printed.append(line)
        if b"demo-credentials.json" in line:
            return process, b"".join(printed).decode()


async def stop(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    await asyncio.wait_for(process.communicate(), 60)
    return process.returncode


async def sign_in(http: aiohttp.ClientSession, path: str, body: dict) -> str:
    async with http.post(path, json=body) as resp:
        answer = await resp.json()
        assert resp.status == 200, answer
        return answer["token"]


async def chat(url: str, token: str) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/chat"], auth={"token": token}, transports=["websocket"], wait_timeout=10)
    return client


def daemon_alive(data_dir: Path) -> bool:
    try:
        pid = int((data_dir / "db.pid").read_text())
    except (OSError, ValueError):
        return False
    try:
        return b"secantusd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


async def test_demo_sign_ins_work_and_acknowledged_messages_survive_restarts_and_a_kill(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process, printed = await start_serve(tmp_path, port)
    creds = json.loads(credentials_path(tmp_path).read_text())
    assert creds["url"] == url
    child = creds["children"][0]
    advocate = next(a for a in creds["advocates"] if a["username"] == child["advocate"])
    assert child["id"] in advocate["children"]
    assert child["access_code"] in printed and advocate["password"] in printed and url + "/child/sign-in" in printed

    reviewer = creds["reviewers"][0]
    assert reviewer["password"] in printed
    async with aiohttp.ClientSession(base_url=url) as http:
        token = await sign_in(http, "/api/session/staff",
                              {"username": reviewer["username"], "password": reviewer["password"],
                               "otp": pyotp.TOTP(reviewer["totp_secret"]).now()})
        async with http.get("/api/oversight/items", headers={"Authorization": f"Bearer {token}"}) as resp:
            queue = await resp.json()
        # the demo's escalated concern, and the demo history's concerns left open past their deadlines
        assert queue["total"] > 1 and "Manchester" in {i["la_name"] for i in queue["items"]}
        assert not any(c["name"] in json.dumps(queue) for c in creds["children"])

    sent = []
    async with aiohttp.ClientSession(base_url=url) as http:
        token = await sign_in(http, "/api/session/child", {"access_code": child["access_code"], "pin": child["pin"]})
        client = await chat(url, token)
        listing = await client.call("conversations", {}, namespace="/chat")
        conversation = listing["conversations"][0]["id"]
        for text in ("before a clean restart", "before a kill"):
            ack = await client.call("send", {"conversation": conversation, "client_id": uuid.uuid4().hex,
                                             "text": text}, namespace="/chat")
            assert ack["ok"], ack
            sent.append(ack["message"]["id"])
            if text == "before a clean restart":
                await client.disconnect()
                assert await stop(process) == 0
                assert not daemon_alive(tmp_path), "the embedded database outlived a clean stop"
                process, _ = await start_serve(tmp_path, port)
                client = await chat(url, token)  # the session survived the restart too
        await client.disconnect()

    # SIGKILL: no clean shutdown for the server; the database must not be left holding the folder.
    await stop(process, signal.SIGKILL)
    process, _ = await start_serve(tmp_path, port)
    try:
        assert json.loads(credentials_path(tmp_path).read_text())["children"] == creds["children"], \
            "seeding again must not change the demo sign-ins"
        async with aiohttp.ClientSession(base_url=url) as http:
            token = await sign_in(http, "/api/session/staff",
                                  {"username": advocate["username"], "password": advocate["password"],
                                   "otp": pyotp.TOTP(advocate["totp_secret"]).now()})
            client = await chat(url, token)
            history = await client.call("history", {"conversation": conversation}, namespace="/chat")
            await client.disconnect()
        # (the service's own bots may have written too: a welcome, an away reply)
        assert [m["id"] for m in history["messages"] if m["sender"]["role"] == "child"] == sent
    finally:
        assert await stop(process) == 0


async def test_a_wrong_setting_stops_the_server_naming_the_variable_and_what_is_expected(tmp_path):
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--data-dir", str(tmp_path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "ADVOCACY_RATE_LIMIT_MESSAGES": "lots"},
    )
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "ADVOCACY_RATE_LIMIT_MESSAGES" in err.decode() and "a whole number" in err.decode()


async def test_an_embedded_database_that_cannot_start_says_why(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--demo", "--data-dir", str(not_a_folder), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "the database could not start" in err.decode() and str(not_a_folder) in err.decode()


async def test_without_a_master_key_the_server_refuses_to_start_and_says_how_to_give_one(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVOCACY_")}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--data-dir", str(tmp_path / "var"), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "advocacy keys new --out PATH" in err.decode() and "ADVOCACY_MASTER_KEY_FILE" in err.decode()
    assert list(tmp_path.iterdir()) == [], "nothing is made: no key, no database"

    key_file = tmp_path / "keys" / "master.key"
    process = await asyncio.create_subprocess_exec(ADVOCACY, "keys", "new", "--out", str(key_file),
                                                   stdout=asyncio.subprocess.PIPE, env=env)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0 and f"ADVOCACY_MASTER_KEY_FILE={key_file}" in out.decode()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


async def test_a_copy_of_the_demos_data_folder_holds_no_sign_in_and_no_key(tmp_path):
    """The demo's sign-ins are kept beside the key (var-key/, readable only by this user), never in the data
    folder; sign-ins an older version left in the data folder are moved out at start."""
    data = tmp_path / "var"
    data.mkdir()
    left_by_an_older_version = data / "demo-credentials.json"
    left_by_an_older_version.write_text(json.dumps({"note": "sign-ins an older version wrote here"}))
    port = free_port()
    process, printed = await start_serve(data, port)
    assert await stop(process) == 0
    kept = credentials_path(data)
    assert kept.parent == tmp_path / "var-key" and str(kept) in printed
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert not left_by_an_older_version.exists(), "the older version's sign-ins were left in the data folder"
    creds = json.loads(kept.read_text())
    key_text = (kept.parent / "master.key").read_text().strip()

    copy = tmp_path / "copy-of-var"
    shutil.copytree(data, copy, ignore=shutil.ignore_patterns("*.sock"))
    sign_ins = [key_text.encode(), base64.b64decode(key_text)]
    for person in [*creds["advocates"], *creds["managers"], *creds["admins"], *creds["reviewers"]]:
        sign_ins += [person["password"].encode(), person["totp_secret"].encode()]
    for child in creds["children"]:
        sign_ins += [child["access_code"].encode(), child["access_code"].replace("-", "").encode()]
    files = [f for f in copy.rglob("*") if f.is_file()]
    assert files, "the copy holds the database"
    assert not [f for f in files if f.name in {"demo-credentials.json", "master.key"} or f.suffix == ".key"]
    found = [f"{f.relative_to(copy)}" for f in files if any(secret in f.read_bytes() for secret in sign_ins)]
    assert found == [], f"a copy of the data folder holds a sign-in or the key in {found}"


async def test_at_debug_the_log_holds_no_secret_and_nothing_personal_from_a_whole_journey(tmp_path):
    port, url = free_port(), ""
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "ADVOCACY_LOG_LEVEL": "DEBUG"},
    )
    STARTED.append(process)
    logged = bytearray()

    async def collect():
        while chunk := await process.stderr.read(65536):
            logged.extend(chunk)

    collector = asyncio.create_task(collect())
    while b"demo-credentials.json" not in (line := await asyncio.wait_for(process.stdout.readline(), 90)):
        assert line, "advocacy serve stopped at start:\n" + logged.decode(errors="replace")
    url = f"http://127.0.0.1:{port}"
    creds = json.loads(credentials_path(tmp_path).read_text())
    child = creds["children"][0]
    advocate = next(a for a in creds["advocates"] if a["username"] == child["advocate"])
    words = "my secret worry about the weekend visits"
    async with aiohttp.ClientSession(base_url=url) as http:
        staff_token = await sign_in(http, "/api/session/staff", {
            "username": advocate["username"], "password": advocate["password"],
            "otp": pyotp.TOTP(advocate["totp_secret"]).now()})
        await http.post("/api/session/child", json={"access_code": child["access_code"], "pin": "0000"})
        token = await sign_in(http, "/api/session/child", {"access_code": child["access_code"], "pin": child["pin"]})
        client = await chat(url, token)
        conversation = (await client.call("conversations", {}, namespace="/chat"))["conversations"][0]["id"]
        ack = await client.call("send", {"conversation": conversation, "client_id": uuid.uuid4().hex,
                                         "text": words}, namespace="/chat")
        assert ack["ok"], ack
        await client.disconnect()
        headers = {"Authorization": f"Bearer {staff_token}"}
        async with http.get(f"/api/children/{child['id']}/export", headers=headers) as resp:
            assert resp.status == 200
            export = await resp.json()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(process.stdout.read(), collector), 60)
    assert await process.wait() == 0
    log = logged.decode(errors="replace")
    assert "DEBUG" in log, "the server logged at DEBUG"
    record = json.dumps(export)
    born = [value for value in (export.get("child", {}) or {}).values() if isinstance(value, str)]
    pin = child["pin"]
    secrets = [advocate["password"], advocate["totp_secret"], child["access_code"],
               child["access_code"].replace("-", ""), f'"{pin}"', f"'{pin}'", token, staff_token, words,
               child["name"], "$argon2", "password_hash", "pin_sealed", "access_code_lookup", "name_sealed",
               "totp_sealed", "wrapped", "birth_date"]
    found = [s for s in secrets + [b for b in born if len(b) > 6 and b in record] if s and s in log]
    assert found == [], f"the DEBUG log holds {found}"


async def test_ctrl_c_once_the_service_bots_run_stops_quietly_with_exit_0(tmp_path):
    """Ctrl+C reaches the whole foreground group (the server and its database), as in a terminal."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )
    STARTED.append(process)
    printed = []
    while not (b"bots are running" in b"".join(printed) and b"demo-credentials.json" in b"".join(printed)):
        line = await asyncio.wait_for(process.stdout.readline(), 90)
        if not line:
            pytest.fail("advocacy serve stopped at start:\n" + b"".join(printed).decode())
        printed.append(line)
    await asyncio.sleep(1)  # the bots' clients connect meanwhile: each used to take Ctrl+C for itself
    os.killpg(process.pid, signal.SIGINT)
    rest, _ = await asyncio.wait_for(process.communicate(), 60)
    said = (b"".join(printed) + rest).decode()
    assert process.returncode == 0, said
    assert "Traceback" not in said and "Error" not in said, said
    assert said.rstrip().endswith("Stopping…"), said
