"""The server's logs as an operator collects them: JSON lines with request ids, the access log, no chat text."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import aiohttp
import pytest
import socketio

from advocacy.demo.people import credentials_path
from advocacy.embedded_db import free_port
from tests.integration.processes import ADVOCACY, stop_process

TEXT = "my foster carer shouted at me about the phone"


async def test_json_logs_carry_request_ids_and_the_access_log_and_never_what_a_child_wrote(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("ADVOCACY_MONGODB_URI", "ADVOCACY_MASTER_KEY")}
    env |= {"ADVOCACY_LOG_FORMAT": "json", "ADVOCACY_ACCESS_LOG": "true", "ADVOCACY_LOG_LEVEL": "DEBUG"}
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            ADVOCACY, "serve", "--demo", "--port", str(port), "--data-dir", str(tmp_path / "var"),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=log_file, env=env)
    try:
        while b"demo-credentials.json" not in (line := await asyncio.wait_for(process.stdout.readline(), 90)):
            if not line:
                pytest.fail("advocacy serve stopped at start:\n" + log_path.read_text())
        drain = asyncio.get_running_loop().create_task(process.stdout.read())
        child = json.loads(credentials_path(tmp_path / "var").read_text())["children"][0]
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.get("/api/health", headers={"X-Request-ID": "probe-0001-from-nginx"}) as resp:
                assert resp.status == 200 and resp.headers["X-Request-ID"] == "probe-0001-from-nginx"
            async with http.get("/api/health", headers={"X-Request-ID": "bad id with spaces"}) as resp:
                own_id = resp.headers["X-Request-ID"]
                assert own_id != "bad id with spaces" and len(own_id) == 16
            async with http.post("/api/session/child",
                                 json={"access_code": child["access_code"], "pin": child["pin"]}) as resp:
                token = (await resp.json())["token"]
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, namespaces=["/chat"], auth={"token": token}, transports=["websocket"],
                             wait_timeout=10)
        conversation = (await client.call("conversations", {}, namespace="/chat"))["conversations"][0]["id"]
        ack = await client.call("send", {"conversation": conversation, "client_id": uuid.uuid4().hex, "text": TEXT},
                                namespace="/chat")
        assert ack["ok"], ack
        await client.disconnect()
    finally:
        await stop_process(process)
    await drain

    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    access = [e for e in entries if e["logger"] == "advocacy.access"]
    probe = [e for e in access if e.get("request_id") == "probe-0001-from-nginx"]
    assert len(probe) == 1 and probe[0]["path"] == "/api/health" and probe[0]["status"] == 200
    assert any(e.get("request_id") == own_id for e in access)
    assert any(e["path"] == "/api/session/child" for e in access)
    everything = log_path.read_text()
    assert not [e for e in entries if e["logger"].startswith("pymongo") and e["level"] == "DEBUG"]
    for secret in (TEXT, child["access_code"], child["name"], token):
        assert secret not in everything, "the log holds what a child wrote or who they are"
