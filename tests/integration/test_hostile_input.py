"""Property tests with hostile input against the real server: any Unicode, huge strings, deep or wrong JSON.

Whatever is sent, the answer is a documented one (never a server error), a refusal
stores nothing and keeps the socket open, and what is stored reads back as sent.
"""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
from hypothesis import strategies as st

from advocacy.auth.accounts import create_staff
from advocacy.chat.text import tidy_text
from advocacy.errors import CATALOGUE
from tests.hostile import any_json, any_text, check_property, field_values, huge_text
from tests.integration.test_permissions import PLACEHOLDERS, Scene
from tests.support import PASSWORD, Person, connect, sign_in

CONV = "<the child's conversation>"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
EXAMPLES = 50


def well_formed(ack) -> None:
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
    if not ack["ok"]:
        assert (ack["error"]["code"] in CATALOGUE and isinstance(ack["error"]["message"], str)
                and ack["error"]["message"])


def aimed(payload, conv: str):
    if isinstance(payload, dict):
        return {k: (conv if v == CONV else v) for k, v in payload.items()}
    return payload


sends = st.one_of(
    field_values(),
    st.fixed_dictionaries(
        {"conversation": st.just(CONV) | field_values(),
         "client_id": st.uuids().map(str) | field_values(),
         "text": any_text(400) | huge_text() | field_values()},
        optional={"limit": any_json, "$where": any_json},
    ),
    st.fixed_dictionaries({"conversation": st.just(CONV), "client_id": st.uuids().map(str), "text": any_text(400)}),
)


async def test_any_message_is_stored_as_tidied_text_or_refused_clearly_and_the_socket_stays(world):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    child, advocate = await connect(server, amira), await connect(server, world.advocates[0])
    stored = []

    async def check(payload) -> None:
        server.clock.advance(11)  # past the rate limit window: every example is judged on its content
        before = await server.store.messages.count_documents({})
        payload = aimed(payload, conv)
        ack = await child.sio.call("send", payload, namespace="/chat", timeout=60)
        well_formed(ack)
        assert child.sio.connected
        if ack["ok"]:
            text = ack["message"]["text"]
            assert text == tidy_text(payload["text"]) and not UNSAFE.search(text)
            assert await server.store.messages.count_documents({}) == before + 1
            stored.append(text)
        else:
            assert await server.store.messages.count_documents({}) == before

    await check_property(sends, check, EXAMPLES)
    assert stored, "no example was a valid message: the property tested refusals only"
    history = await advocate.call("history", {"conversation": conv, "limit": 200})
    assert [m["text"] for m in history["messages"]][-len(stored):] == stored[-200:]


events = st.tuples(st.sampled_from(["history", "read", "typing", "conversations"]),
                   st.one_of(field_values(),
                             st.fixed_dictionaries({"conversation": st.just(CONV) | field_values()},
                                                   optional={"limit": any_json, "before": any_json,
                                                             "after": any_json, "up_to": any_json})))


async def test_any_other_chat_event_gets_a_documented_answer_changes_nothing_and_keeps_the_socket(world):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    child = await connect(server, amira)
    await child.send(conv, "one message to page around")
    before = await server.store.messages.find({}).to_list(None)

    async def check(event_and_payload) -> None:
        event, payload = event_and_payload
        ack = await child.sio.call(event, aimed(payload, conv), namespace="/chat", timeout=60)
        well_formed(ack)
        assert child.sio.connected

    await check_property(events, check, EXAMPLES)
    assert await server.store.messages.find({}).to_list(None) == before


async def test_any_json_body_to_any_api_route_gets_a_documented_answer_never_a_server_error(world):
    """Every route taking a body, found from the router, so routes added later are covered too."""
    server = world.server
    doc = await create_staff(server.store, server.clock, username="ann.admin", password=PASSWORD, name="Ann Admin",
                             role="admin")
    token = await sign_in(server, Person(doc["_id"], "Ann Admin", "admin", username="ann.admin", password=PASSWORD))
    scene = Scene(world)
    routes = sorted({(r.method, r.resource.canonical) for r in server.app.router.routes()
                     if r.method in {"POST", "PUT", "PATCH", "DELETE"} and r.resource.canonical.startswith("/api/")
                     and r.resource.canonical not in {"/api/session", "/api/session/end"}})
    assert routes
    bodies = st.one_of(any_json.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300),
                       huge_text().map(lambda t: json.dumps({"text": t, "username": t, "otp": t}).encode()))
    async with server.http(headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as http:

        async def check(route_and_body) -> None:
            (method, path), body = route_and_body
            for name, value in PLACEHOLDERS.items():
                path = path.replace(f"{{{name}}}", value(scene))
            async with http.request(method, path, data=body) as resp:
                assert resp.status < 500, (method, path, resp.status)
                answer = await resp.json()
                well_formed(answer)

        await check_property(st.tuples(st.sampled_from(routes), bodies), check, EXAMPLES * 2)


async def raw_chat_socket(server, token: str) -> aiohttp.ClientWebSocketResponse:
    """An Engine.IO/Socket.IO connection spoken by hand, to send packets no client library would build."""
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(f"{server.url}/socket.io/?EIO=4&transport=websocket")
    ws.owner = http  # type: ignore[attr-defined]
    assert (await ws.receive_str()).startswith("0")  # open
    await ws.send_str("40/chat," + json.dumps({"token": token}))
    while not (await ws.receive_str()).startswith("40/chat"):
        pass
    return ws


async def test_an_oversized_or_absurdly_deep_packet_ends_at_most_that_connection(world):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    bystander = await connect(server, world.children[2])
    token = await sign_in(server, amira)
    packets = [
        "42/chat,1" + json.dumps(["send", {"conversation": conv, "client_id": "big", "text": "x" * (2 * 1024 * 1024)}]),
        '42/chat,2["send",' + "[" * 200_000 + "]" * 200_000 + "]",
        '42/chat,3["send",{"conversation":' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}]",
        "42/chat,4" + "{" * 10,
    ]
    for packet in packets:
        ws = await raw_chat_socket(server, token)
        await ws.send_str(packet)
        try:
            await asyncio.wait_for(ws.receive(), 3)  # an error ack, or the connection closing
        except TimeoutError:
            pass  # or nothing at all: the packet was dropped
        await ws.close()
        await ws.owner.close()
    assert await server.store.messages.count_documents({}) == 0
    ack = await bystander.send(world.conversation_of(world.children[2]), "still working for everyone else")
    assert ack["ok"] is True
    async with aiohttp.ClientSession() as http:
        assert (await http.get(f"{server.url}/api/health")).status == 200


async def ack_of(ws, number: int) -> str:
    """The next ack for packet ``number`` (other packets, such as presence news, are skipped)."""
    while True:
        data = (await asyncio.wait_for(ws.receive(), 10)).data
        if isinstance(data, str) and data.startswith(f"43/chat,{number}"):
            return data


async def test_deep_nesting_and_huge_numbers_get_a_documented_bad_request_with_no_traceback(world, caplog):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    token = await sign_in(server, amira)
    deep = "[" * 50_000 + "]" * 50_000
    async with server.http() as http:
        for body in ('{"access_code": ' + deep + ', "pin": "1234"}', '{"access_code": "A", "pin": 1' + "0" * 30 + "}",
                     '{"access_code": ' + '{"a":' * 40 + "1" + "}" * 40 + "}"):
            resp = await http.post("/api/session/child", data=body, headers={"Content-Type": "application/json"})
            answer = await resp.json()
            assert resp.status == 400 and answer["error"]["code"] == "bad_request", answer
    headers = {"Authorization": f"Bearer {token}"}
    async with server.http(headers=headers) as http:
        resp = await http.post("/api/concerns", data='{"child": "x", "severity": 1' + "0" * 25 + "}",
                               headers={"Content-Type": "application/json"})
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_request"

    for i, payload in enumerate(['["send",' + deep + "]",
                                 '["send",{"conversation":"' + conv + '","client_id":"n","text":"x","n":1' + "0" * 30
                                 + "}]"]):
        ws = await raw_chat_socket(server, token)
        await ws.send_str(f"42/chat,{i + 7}" + payload)
        reply = await ack_of(ws, i + 7)
        assert '"bad_request"' in reply, reply
        await ws.send_str("42/chat,99" + json.dumps(["conversations", {}]))  # the same socket still works
        assert '"ok":true' in await ack_of(ws, 99)
        await ws.close()
        await ws.owner.close()
    assert await server.store.messages.count_documents({}) == 0
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "Traceback" not in logged and "RecursionError" not in logged and "handler error" not in logged
