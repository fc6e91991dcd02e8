"""The protocol as the JavaScript socket.io-client (from npm) speaks it, not only python-socketio."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from tests.support import connect, sign_in

SCRIPT = Path(__file__).parent / "node" / "chat_client.js"


async def run_js_client(url: str, token: str, commands: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is needed for this test: apt-get install -y nodejs npm, then make setup")
    process = await asyncio.create_subprocess_exec(
        node, str(SCRIPT), url, token, json.dumps(commands),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    return [json.loads(line) for line in out.decode().splitlines()]


async def test_a_javascript_child_and_a_python_advocate_chat_both_ways(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    advocate_chat = await connect(server, advocate)
    token = await sign_in(server, child)

    async def advocate_replies() -> None:
        arrived = await advocate_chat.next("message", timeout=20)
        assert arrived["text"] == "hello from a phone"
        await advocate_chat.send(conv, "hello back")

    replying = asyncio.create_task(advocate_replies())
    results = await run_js_client(server.url, token, [
        {"event": "conversations", "data": {}},
        {"event": "send", "data": {"conversation": conv, "client_id": "js-1", "text": "hello from a phone"}},
        {"event": "send", "data": {"conversation": conv, "client_id": "js-1", "text": "hello from a phone"}},
        {"wait_messages": 1},
        {"event": "send", "data": {"conversation": conv, "client_id": "js-2", "text": "   "}},
        {"event": "send", "data": "not an object"},
        {"event": "history", "data": {"conversation": conv}},
    ])
    await replying
    listing, first, resend, received, blank, garbage, history = results
    assert [c["id"] for c in listing["conversations"]] == [conv]
    assert first["ok"] and resend == first
    assert [m["text"] for m in received["received"]] == ["hello back"]
    assert blank["error"]["code"] == "text_empty" and garbage["error"]["code"] == "bad_request"
    assert [m["text"] for m in history["messages"]] == ["hello from a phone", "hello back"]


async def test_a_javascript_client_without_a_session_is_told_why(world):
    results = await run_js_client(world.server.url, "not-a-token", [{"event": "conversations", "data": {}}])
    assert results == [{"connect_error": "Please sign in.",
                        "data": {"code": "unauthorised", "message": "Please sign in."}}]
