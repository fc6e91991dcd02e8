"""Helpers for integration tests: start the real server, seed people, act as real clients."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import socketio
from aiohttp import web

from advocacy.auth import totp
from advocacy.auth.accounts import create_child, create_staff
from advocacy.auth.staff_sign_in import set_second_factor
from advocacy.bootstrap import Services, build
from advocacy.clock import ShiftedClock
from advocacy.crypto import new_master_key
from advocacy.edge.app import init_app
from advocacy.edge.keys import sio_key
from advocacy.pairing.changes import pair_child
from advocacy.settings import Settings, load
from advocacy.store import Store

PASSWORD = "correct horse battery staple"
OPEN_CLIENTS: list[ChatClient] = []
# The audit anchors of each test database, outside the repository (never in var/ or var-audit/).
ANCHORS = Path(tempfile.gettempdir()) / f"advocacy-test-anchors-{os.getuid()}"
# One master key per test database, so a server restarted on it opens what the first one sealed.
MASTER_KEYS: dict[str, str] = {}


@dataclass
class Server:
    url: str
    store: Store
    clock: ShiftedClock
    app: web.Application
    settings: Settings
    services: Services

    def http(self, **kwargs: Any) -> aiohttp.ClientSession:
        """An HTTP client with its own cookie jar (one per person)."""
        return aiohttp.ClientSession(
            base_url=self.url, cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs
        )


@contextlib.asynccontextmanager
async def start_server(uri: str, database_name: str, **overrides: Any) -> AsyncIterator[Server]:
    overrides.setdefault("master_key", MASTER_KEYS.setdefault(database_name, new_master_key()))
    overrides.setdefault("audit_anchor_file", str(ANCHORS / f"{database_name}.anchors"))
    # Push notifications go only to receivers on this machine in tests (tests/integration/test_push.py).
    overrides.setdefault("push_services", "http://127.0.0.1:*")
    settings = load(environ={}).replace(mongodb_uri=uri, database_name=database_name, **overrides)
    store = await Store.connect(uri, database_name, 10)
    clock = ShiftedClock()
    services = build(settings, store, clock)
    app = init_app(services)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Server(f"http://127.0.0.1:{port}", store, clock, app, settings, services)
    finally:
        while OPEN_CLIENTS:
            await OPEN_CLIENTS.pop().close()
        await runner.cleanup()
        await store.drop_database()
        await store.close()


@dataclass
class Person:
    id: str
    name: str
    role: str
    username: str | None = None
    password: str | None = None
    access_code: str | None = None
    pin: str | None = None
    setup_word: str | None = None  # a child: given with the code, needed to choose the first PIN
    totp_secret: str | None = None  # staff: their authenticator app's secret (sign_in enrols one if None)


@dataclass
class World:
    server: Server
    manager: Person
    advocates: list[Person]
    children: list[Person]
    other_manager: Person

    def conversation_of(self, child: Person) -> str:
        return self._conversations[child.id]

    _conversations: dict[str, str] = field(default_factory=dict)


async def seed_world(server: Server) -> World:
    store, clock = server.store, server.clock
    for code, name, region in [("E08000035", "Leeds", "Yorkshire and The Humber"), ("E09000007", "Camden", "London")]:
        await store.local_authorities.insert_one({"_id": code, "name": name, "region": region})

    async def staff(username: str, name: str, role: str, manager: str | None = None) -> Person:
        doc = await create_staff(store, clock, username=username, password=PASSWORD, name=name, role=role,
                                 manager=manager)
        secret = totp.new_secret()
        await set_second_factor(store, doc["_id"], secret)
        return Person(doc["_id"], name, role, username=username, password=PASSWORD, totp_secret=secret)

    manager = await staff("mo.manager", "Mo Manager", "manager")
    other_manager = await staff("ola.manager", "Ola Manager", "manager")
    advocates = [
        await staff("ada.advocate", "Ada Advocate", "advocate", manager.id),
        await staff("ben.advocate", "Ben Advocate", "advocate", other_manager.id),
    ]
    children = []
    world = World(server, manager, advocates, children, other_manager)
    for i, (name, la, advocate) in enumerate(
        [("Amira", "E08000035", advocates[0]), ("Billy", "E08000035", advocates[0]),
         ("Cara", "E09000007", advocates[1])]
    ):
        doc, code = await create_child(store, clock, name=name, la=la)
        await pair_child(store, clock, doc["_id"], advocate.id, "test")
        children.append(Person(doc["_id"], name, "child", access_code=code.code, pin=f"{2468 + i:04d}",
                               setup_word=code.setup_word))
        conv = await store.conversations.find_one({"child": doc["_id"], "advocate": advocate.id})
        world._conversations[doc["_id"]] = conv["_id"]
    return world


# clients ----------------------------------------------------------------------


async def otp_for(server: Server, person: Person) -> str:
    """A code from the person's authenticator app that the server will take now.

    Each code works once, so a test signing the same person in again soon uses
    the next code (the server allows one step of clock drift) and, when that is
    used too, moves the server's clock on to the next 30 seconds. The code is
    never the previous step's, so it still works if a step ends on the way.
    """
    staff = await server.store.staff.find_one({"_id": person.id}, {"totp_last_step": 1})
    last = staff.get("totp_last_step") if staff else None
    now = totp.step_at(server.clock.now())
    step = now if last is None else max(now, last + 1)
    if step > now + totp.DRIFT_STEPS:
        moved = (step - totp.DRIFT_STEPS) * totp.PERIOD - server.clock.now().timestamp()
        server.clock.advance(moved + 0.001)
    return totp.code_at_step(person.totp_secret, step)


def child_sign_in(person: Person, **changes: Any) -> dict[str, Any]:
    """The body a child signs in with: their code, PIN and (needed only for the first PIN) setup word."""
    return {"access_code": person.access_code, "pin": person.pin, "setup_word": person.setup_word, **changes}


async def sign_in(server: Server, person: Person, http: aiohttp.ClientSession | None = None) -> str:
    """Sign in through the public API; returns the session token.

    Staff sign in with their password and a code from their authenticator app;
    a staff member with none yet sets one up through the API on the way.
    """
    own = http is None
    http = http or server.http()
    try:
        if person.role == "child":
            resp = await http.post("/api/session/child", json=child_sign_in(person))
        else:
            otp = await otp_for(server, person) if person.totp_secret else None
            resp = await http.post("/api/session/staff", json={"username": person.username,
                                                               "password": person.password, "otp": otp})
            if resp.status == 202:
                enrolment = (await resp.json())["enrolment"]
                person.totp_secret = enrolment["secret"]
                code = totp.code_at_step(person.totp_secret, totp.step_at(server.clock.now()))
                resp = await http.post("/api/session/staff/enrol", json={"enrolment_token": enrolment["token"],
                                                                         "otp": code})
        body = await resp.json()
        assert resp.status == 200, body
        return body["token"]
    finally:
        if own:
            await http.close()


RECORDED_EVENTS = ("message", "read", "typing", "presence", "signed_out", "notification", "item",
                   "conversations.changed")


class ChatClient:
    """A real python-socketio client on one namespace (/chat unless told) that records what it receives."""

    def __init__(self, server: Server, namespace: str = "/chat") -> None:
        self.server = server
        self.namespace = namespace
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[str, asyncio.Queue[Any]] = {}
        OPEN_CLIENTS.append(self)
        for name in RECORDED_EVENTS:
            self._record(name)

    def _record(self, name: str) -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.received[name] = queue

        async def handler(data: Any) -> None:
            queue.put_nowait(data)

        self.sio.on(name, handler, namespace=self.namespace)

    async def connect(self, token: str | None, **kwargs: Any) -> ChatClient:
        await self.sio.connect(
            self.server.url, namespaces=[self.namespace], auth={"token": token} if token else None,
            transports=["websocket"], wait_timeout=5, **kwargs,
        )
        return self

    async def call(self, event: str, data: Any = None) -> dict[str, Any]:
        return await self.sio.call(event, data if data is not None else {}, namespace=self.namespace, timeout=10)

    async def send(self, conversation: str, text: Any, client_id: str | None = None) -> dict[str, Any]:
        return await self.call("send", {"conversation": conversation, "client_id": client_id or uuid.uuid4().hex,
                                        "text": text})

    async def next(self, event: str, timeout: float = 5) -> Any:
        return await asyncio.wait_for(self.received[event].get(), timeout)

    async def nothing(self, event: str, wait: float = 0.3) -> bool:
        """True if no ``event`` arrives within ``wait`` seconds."""
        try:
            await asyncio.wait_for(self.received[event].get(), wait)
        except TimeoutError:
            return True
        return False

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        elif self.sio.eio.state == "connected":  # the server closed the namespace: the transport is still open
            await self.sio.eio.disconnect()
        http = getattr(self.sio.eio, "http", None)  # left open by a refused connection
        if http is not None and not http.closed:
            await http.close()


async def connect(server: Server, person: Person, namespace: str = "/chat") -> ChatClient:
    token = await sign_in(server, person)
    return await ChatClient(server, namespace).connect(token)


async def message_count(server: Server, **query: Any) -> int:
    return await server.store.messages.count_documents(query)


# pairing ----------------------------------------------------------------------

YORKSHIRE, LONDON = "Yorkshire and The Humber", "London"
LEEDS, CAMDEN = "E08000035", "E09000007"


async def add_advocate(server: Server, username: str, name: str, manager: Person | None = None,
                       **profile: Any) -> Person:
    """An advocate with what pairing needs (capacity, regions, languages, gender, conflicts, available)."""
    fields = {"capacity": 5, "regions": [YORKSHIRE], "languages": ["en"], "gender": "female", "conflicts": [],
              "available": True, "load": 0, **profile}
    doc = await create_staff(server.store, server.clock, username=username, password=PASSWORD, name=name,
                             role="advocate", manager=manager.id if manager else None, **fields)
    return Person(doc["_id"], name, "advocate", username=username, password=PASSWORD)


async def make_pairable(world: World) -> None:
    """Give the small world's advocates and children pairing profiles: Ada works in Yorkshire and is
    independent of Camden; Ben works in London and has worked for Leeds."""
    store = world.server.store
    ada, ben = world.advocates
    await store.staff.update_one({"_id": ada.id}, {"$set": {
        "capacity": 5, "regions": [YORKSHIRE], "languages": ["en"], "gender": "female", "conflicts": [CAMDEN],
        "available": True}})
    await store.staff.update_one({"_id": ben.id}, {"$set": {
        "capacity": 5, "regions": [LONDON], "languages": ["en", "pl"], "gender": "male", "conflicts": [LEEDS],
        "available": True}})
    await store.children.update_many({}, {"$set": {"languages": ["en"], "prefers": {"advocate": None, "gender": None},
                                                   "avoid": []}})



async def leave_tomorrow(server: Server, manager: Person, advocate: Person, covers: set[str]) -> dict[str, Any]:
    """The manager records a day's leave for ``advocate`` tomorrow; checks who was chosen to cover
    and returns the stored leave (with ``starts_at`` and ``ends_at``)."""
    day = server.services.pairing.today() + timedelta(days=1)
    status, body = await api(server, manager, "POST", f"/api/advocates/{advocate.id}/leave",
                             json={"starts": day.isoformat(), "ends": day.isoformat()})
    assert status == 201 and {c["cover"]["id"] for c in body["leave"]["covers"]} == covers, body
    return await server.store.leaves.find_one({"_id": body["leave"]["id"]})

API_TOKENS: dict[tuple[str, str], str] = {}


async def api(server: Server, person: Person, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """One API call as ``person`` with a bearer token (kept for their next call; signed in again once it
    expires); returns (status, body)."""
    key = (server.url, person.id)
    for attempt in range(2):
        if key not in API_TOKENS or attempt:
            API_TOKENS[key] = await sign_in(server, person)
        async with server.http(headers={"Authorization": f"Bearer {API_TOKENS[key]}"}) as http:
            async with http.request(method, path, **kwargs) as resp:
                body = await resp.json()
        if resp.status != 401:
            break
    return resp.status, body


async def service_notices(server: Server, child_id: str) -> list[str]:
    """The service's notices in the child's chats, oldest first (opened with the child's key)."""
    from advocacy.chat.service import message_purpose

    keyring = server.services.keyring
    conversations = [c["_id"] async for c in server.store.conversations.find({"child": child_id}, {"_id": 1})]
    cursor = server.store.messages.find({"conversation": {"$in": conversations}, "sender.role": "service"})
    return [await keyring.unseal(child_id, m["text"], message_purpose(m["_id"])) async for m in cursor.sort("_id", 1)]


def chat_namespace(app: web.Application):
    """The server's /chat namespace (advocacy.edge.chat_events.ChatNamespace)."""
    return app[sio_key].namespace_handlers["/chat"]
