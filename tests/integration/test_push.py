"""Web Push to a child's phone, against a push service the test runs on loopback: the request is what a real
push service gets (VAPID-signed, encrypted for the browser's keys), and it opens, with the browser's own keys,
to exactly "You have a new message" in the child's language, never a word of the message or a name."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import http_ece
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from advocacy.push.service import ChildPush
from tests.support import ChatClient, Person, World, api, connect, sign_in


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Phone:
    """A browser's side of a push subscription: its keys, and what its push service received."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    received: asyncio.Queue[tuple[dict[str, str], bytes]] = field(default_factory=asyncio.Queue)
    answer: int = 201

    def subscription(self) -> dict[str, object]:
        public = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                     serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None,
                "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def open(self, body: bytes) -> str:
        return http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm").decode()

    async def next(self, timeout: float = 5) -> tuple[dict[str, str], bytes]:
        return await asyncio.wait_for(self.received.get(), timeout)

    async def nothing(self, wait: float = 0.5) -> bool:
        try:
            await asyncio.wait_for(self.received.get(), wait)
        except TimeoutError:
            return True
        return False


class PushServiceDouble:
    """A push service on loopback: it takes what the server sends and answers as the phone's ``answer`` says."""

    def __init__(self) -> None:
        self.phones: dict[str, Phone] = {}
        self.url = ""

    def phone(self) -> Phone:
        name = f"p{len(self.phones)}"
        self.phones[name] = Phone(f"{self.url}/push/{name}")
        return self.phones[name]

    async def receive(self, request: web.Request) -> web.Response:
        phone = self.phones[request.match_info["name"]]
        phone.received.put_nowait(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        return web.Response(status=phone.answer)


@pytest.fixture
async def push_service() -> AsyncIterator[PushServiceDouble]:
    double = PushServiceDouble()
    app = web.Application()
    app.router.add_post("/push/{name}", double.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    double.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield double
    await runner.cleanup()


async def switch_on(world: World, child: Person, phone: Phone) -> dict:
    status, body = await api(world.server, child, "PUT", "/api/push/subscription", json=phone.subscription())
    assert status == 200, body
    return body


async def advocate_writes(world: World, child: Person, *texts: str) -> ChatClient:
    advocate = await connect(world.server, world.advocates[0])
    for text in texts:
        ack = await advocate.send(world.conversation_of(child), text)
        assert ack["ok"], ack
    return advocate


async def test_a_reply_reaches_a_child_with_no_chat_open_as_the_generic_words_alone(world, push_service):
    child = world.children[0]
    phone = push_service.phone()
    assert (await switch_on(world, child, phone))["devices"] == 1
    await advocate_writes(world, child, "Amira, Sam from school says the meeting is on Tuesday")

    headers, body = await phone.next()
    assert phone.open(body) == "You have a new message"
    assert b"Tuesday" not in body and b"Amira" not in body
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == str(world.server.settings.push_ttl_seconds)
    assert headers["topic"] == "new-message"
    # Signed with the service's VAPID key: the one browsers subscribe with.
    assert Vapid02.verify(headers["authorization"])
    _, key = await api(world.server, child, "GET", "/api/push")
    assert f"k={key['public_key']}" in headers["authorization"]
    assert key["devices"] == 1

    # What is stored names no device: the address is sealed under the child's key.
    [stored] = await world.server.store.push_subscriptions.find({}).to_list(None)
    assert stored["child"] == child.id
    assert phone.endpoint.encode() not in repr(stored).encode()


async def test_a_burst_is_one_notification_and_the_next_comes_after_the_quiet_time(world, push_service):
    child = world.children[0]
    phone = push_service.phone()
    await switch_on(world, child, phone)
    advocate = await advocate_writes(world, child, "one", "two", "three")
    await phone.next()
    assert await phone.nothing(), "a burst of messages sent more than one notification"

    world.server.clock.advance(world.server.settings.push_quiet_seconds + 1)
    await advocate.send(world.conversation_of(child), "four")
    _, body = await phone.next()
    assert phone.open(body) == "You have a new message"


async def test_nothing_is_sent_while_a_chat_page_is_open_or_for_the_childs_own_message(world, push_service):
    child = world.children[0]
    phone = push_service.phone()
    await switch_on(world, child, phone)
    chat = await connect(world.server, child)
    await chat.send(world.conversation_of(child), "hello")
    await advocate_writes(world, child, "hi Amira")
    assert await chat.next("message")
    assert await phone.nothing(), "a notification was sent while the child's chat was open"

    await chat.close()
    await asyncio.sleep(0.1)
    await advocate_writes(world, child, "are you there?")
    await phone.next()


async def test_the_words_are_in_the_childs_language(world, push_service):
    child = world.children[0]
    await world.server.store.children.update_one({"_id": child.id}, {"$set": {"language": "ar"}})
    phone = push_service.phone()
    await switch_on(world, child, phone)
    await advocate_writes(world, child, "hello")
    _, body = await phone.next()
    arabic = world.server.services.languages.gettext("ar")("You have a new message")
    assert arabic != "You have a new message"
    assert phone.open(body) == arabic


async def test_an_expired_subscription_is_removed_when_the_push_service_says_gone(world, push_service):
    child = world.children[0]
    phone = push_service.phone()
    phone.answer = 410
    await switch_on(world, child, phone)
    await advocate_writes(world, child, "hello")
    await phone.next()
    for _ in range(50):
        if await world.server.store.push_subscriptions.count_documents({}) == 0:
            break
        await asyncio.sleep(0.05)
    assert await world.server.store.push_subscriptions.count_documents({}) == 0


async def test_switching_off_signing_out_and_quick_exit_each_stop_the_notifications(world, push_service):
    server, child = world.server, world.children[0]
    phone = push_service.phone()
    await switch_on(world, child, phone)
    status, body = await api(server, child, "DELETE", "/api/push/subscription", json={"endpoint": phone.endpoint})
    assert status == 200 and body["devices"] == 0

    # Quick exit ends the sign-in that switched them on: the phone is told nothing more.
    token = await sign_in(server, child)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        resp = await http.put("/api/push/subscription", json=phone.subscription())
        assert resp.status == 200
        assert await server.store.push_subscriptions.count_documents({"child": child.id}) == 1
        resp = await http.post("/api/session/end")
        assert resp.status == 200
    assert await server.store.push_subscriptions.count_documents({}) == 0
    await advocate_writes(world, child, "hello")
    assert await phone.nothing()


async def test_a_sign_in_that_expired_takes_its_notifications_with_it(world, push_service):
    server, child = world.server, world.children[0]
    phone = push_service.phone()
    await switch_on(world, child, phone)
    server.clock.advance(server.settings.child_session_days * 24 * 3600 + 60)
    await advocate_writes(world, child, "hello")
    assert await phone.nothing()
    assert await server.store.push_subscriptions.count_documents({}) == 0


async def test_a_shared_phone_switched_on_by_another_child_is_theirs_no_more(world, push_service):
    amira, billy = world.children[0], world.children[1]
    phone = push_service.phone()
    await switch_on(world, amira, phone)
    await switch_on(world, billy, phone)
    assert await world.server.store.push_subscriptions.count_documents({"child": amira.id}) == 0
    await advocate_writes(world, amira, "for Amira")
    assert await phone.nothing()


@pytest.mark.parametrize("bad", [
    {"endpoint": "https://push.example.net/x", "keys": "valid"},  # not a push service the settings name
    {"endpoint": "http://127.0.0.1:1@evil.example/x", "keys": "valid"},
    {"endpoint": "LOCAL", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    {"endpoint": "LOCAL", "keys": {"p256dh": "valid", "auth": b64(b"short")}},
    {"endpoint": "LOCAL"},
    {"endpoint": 7, "keys": "valid"},
    ["not", "an", "object"],
])
async def test_a_bad_subscription_is_refused_and_nothing_is_stored(world, push_service, bad):
    phone = push_service.phone()
    good = phone.subscription()
    if isinstance(bad, dict):
        bad = dict(bad)
        if bad.get("endpoint") == "LOCAL":
            bad["endpoint"] = phone.endpoint
        if bad.get("keys") == "valid":
            bad["keys"] = good["keys"]
        elif isinstance(bad.get("keys"), dict) and bad["keys"].get("p256dh") == "valid":
            bad["keys"] = {**bad["keys"], "p256dh": good["keys"]["p256dh"]}
    status, body = await api(world.server, world.children[0], "PUT", "/api/push/subscription", json=bad)
    assert status == 400 and body["error"]["code"] in {"push_subscription_invalid", "bad_request"}, body
    assert await world.server.store.push_subscriptions.count_documents({}) == 0


async def test_the_export_says_a_device_is_switched_on_and_erasure_removes_it(world, push_service):
    from advocacy.privacy.erasure import erase_child

    server, child = world.server, world.children[0]
    phone = push_service.phone()
    await switch_on(world, child, phone)
    data = await server.services.export.export(child.id, by=None, form="command")
    [device] = data["more"]["Notifications on your phones"]
    assert device["what"] == "Notifications switched on for one device"
    assert phone.endpoint not in repr(data)
    await erase_child(server.store, server.clock, child.id)
    assert await server.store.push_subscriptions.count_documents({}) == 0


async def test_the_unread_count_is_what_the_child_has_not_read(world):
    child = world.children[0]
    await advocate_writes(world, child, "one", "two")
    status, body = await api(world.server, child, "GET", "/api/chat/unread")
    assert status == 200 and body["unread"] == 2
    chat = await connect(world.server, child)
    history = await chat.call("history", {"conversation": world.conversation_of(child)})
    newest = history["messages"][-1]["id"]
    ack = await chat.call("read", {"conversation": world.conversation_of(child), "up_to": newest})
    assert ack["ok"]
    assert (await api(world.server, child, "GET", "/api/chat/unread"))[1]["unread"] == 0


async def test_the_vapid_key_is_made_once_and_kept_wrapped_like_the_other_service_keys(world):
    server = world.server
    first = await server.services.push.public_key()
    again = ChildPush(server.store, server.clock, server.settings, server.services.keyring, server.services.presence,
                      server.services.chat)
    assert await again.public_key() == first
    stored = await server.store.keys.find_one({"_id": "service:vapid"})
    assert stored is not None and set(stored) == {"_id", "wrapped"}


async def test_the_manifest_and_the_service_worker_are_served_for_the_child_pages(server):
    async with server.http() as http:
        async with http.get("/child/manifest.webmanifest?lang=ar") as resp:
            assert resp.status == 200 and resp.content_type == "application/manifest+json"
            manifest = await resp.json(content_type=None)
        async with http.get("/child/sw.js") as resp:
            assert resp.status == 200 and resp.headers["Service-Worker-Allowed"] == "/child"
            worker = await resp.text()
    assert manifest["start_url"] == "/child" and manifest["display"] == "standalone" and manifest["dir"] == "rtl"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert "/api/" not in worker.split("const SHELL", 1)[1].split(";", 1)[0]
