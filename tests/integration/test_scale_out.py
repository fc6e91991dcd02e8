"""Two server processes behaving as one: a real redis-server and `advocacy serve --workers 2`."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from datetime import timedelta
from pathlib import Path

import aiohttp
import pyotp
import pytest

from advocacy.concerns.sweeper import Sweeper
from advocacy.demo.people import credentials_path
from advocacy.store import Store
from bots.sdk import ChatParticipant
from tests.integration.processes import (
    ADVOCACY,
    sign_in,
    start_redis,
    start_workers,
    stop_process,
    wait_until_serving,
)
from tests.support import connect, seed_world, start_server

NODE_CLIENT = Path(__file__).parent / "node" / "resilient_client.js"


@pytest.fixture
async def redis(tmp_path):
    server = await start_redis(tmp_path)
    yield server
    await stop_process(server.process)


@pytest.fixture
async def two_workers(tmp_path, redis, database_uri, database_name):
    supervisor = await start_workers(tmp_path / "data", 2, {
        "ADVOCACY_REDIS_URL": redis.url, "ADVOCACY_MONGODB_URI": database_uri, "ADVOCACY_DATABASE_NAME": database_name,
    }, "--demo")
    store = await Store.connect(database_uri, database_name)
    yield supervisor, json.loads(credentials_path(tmp_path / "data").read_text()), store
    await supervisor.stop()
    await store.drop_database()
    await store.close()


async def eventually(check, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.05)


async def test_several_workers_need_redis(tmp_path):
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--workers", "2", "--data-dir", str(tmp_path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={"PATH": "/usr/bin:/bin"},
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1 and "ADVOCACY_REDIS_URL" in err.decode()


async def test_a_child_and_their_advocate_on_different_processes_chat_and_survive_one_being_killed(
        two_workers, screens):
    supervisor, creds, store = two_workers
    one, two = supervisor.url(1), supervisor.url(2)
    child = creds["children"][0]
    advocate = next(a for a in creds["advocates"] if a["username"] == child["advocate"])
    child_token = await sign_in(one, "/api/session/child", {"access_code": child["access_code"], "pin": child["pin"]})
    advocate_token = await sign_in(two, "/api/session/staff", {
        "username": advocate["username"], "password": advocate["password"],
        "otp": pyotp.TOTP(advocate["totp_secret"]).now()})

    child_screen, advocate_screen = [], []
    welcomes = []

    def on_child_screen(message: dict) -> None:
        child_screen.append(message)
        if message["sender"]["role"] == "bot" and message["client_id"].startswith("welcome:"):
            welcomes.append(message)

    kid = screens.open([one, two], child_token, on_message=on_child_screen)
    adult = screens.open([two, one], advocate_token, on_message=advocate_screen.append)
    await adult.start()
    await kid.start()
    assert (kid.client.url, adult.client.url) == (one, two)
    async with aiohttp.ClientSession() as http:  # WebSocket only: no sticky sessions needed
        async with http.get(f"{one}/socket.io/?EIO=4&transport=polling") as resp:
            assert resp.status == 400
    [conv] = kid.conversations
    # Online is true across processes: the advocate is connected to the other one.
    assert conv["advocate_online"] is True

    sent_by_child = [await kid.send(conv["id"], f"hello {i}") for i in range(3)]
    sent_by_advocate = [await adult.send(conv["id"], f"hi back {i}") for i in range(3)]
    assert all(a["ok"] for a in sent_by_child + sent_by_advocate)
    await eventually(lambda: len([m for m in advocate_screen if m["sender"]["role"] == "child"]) >= 3)
    await eventually(lambda: len([m for m in child_screen if m["sender"]["role"] == "advocate"]) >= 3)

    # The service's bots run in exactly one process: one bot session, one welcome for the child.
    await eventually(lambda: bool(welcomes))
    assert await store.sessions.count_documents({"role": "bot", "revoked_at": None}) == 1
    assert len(welcomes) == 1 and welcomes[0]["text"].startswith("About ")

    # An independent JavaScript client (another child of the same advocate) chats through what follows.
    js_child = creds["children"][1]
    assert js_child["advocate"] == child["advocate"]
    js_token = await sign_in(one, "/api/session/child",
                             {"access_code": js_child["access_code"], "pin": js_child["pin"]})
    js_conv = next(c["id"] for c in adult.conversations if c["child"] == js_child["id"])
    js = await asyncio.create_subprocess_exec(
        shutil.which("node") or "node", str(NODE_CLIENT), f"{one},{two}", js_token, js_conv, "20", "100",
        stdout=asyncio.subprocess.PIPE)

    # Kill the child's process (SIGKILL): the child moves to the other one while the advocate keeps writing.
    old_pid = supervisor.pid(1)
    writing = asyncio.create_task(_write(adult, conv["id"], 20))
    await asyncio.sleep(0.5)
    os.kill(old_pid, signal.SIGKILL)
    acks = await writing
    assert all(a["ok"] for a in acks), [a for a in acks if not a["ok"]]
    await eventually(lambda: kid.client.connections >= 2 and kid.client.url == two)
    out, _ = await asyncio.wait_for(js.communicate(), 120)
    js_result = json.loads(out)
    assert len(js_result["acked"]) == 20, js_result["errors"]
    await eventually(lambda: set(js_result["acked"]) <= {m["client_id"] for m in advocate_screen})
    from_js = [m["client_id"] for m in advocate_screen
               if m["conversation"] == js_conv and m["sender"]["role"] == "child"]
    assert sorted(from_js) == sorted(js_result["acked"]), "the advocate misses or repeats a JS message"

    expected = [a["message"]["id"] for a in sent_by_advocate + acks]
    await eventually(lambda: set(expected) <= {m["id"] for m in child_screen})
    shown = [m["id"] for m in child_screen if m["sender"]["role"] == "advocate"]
    assert sorted(shown) == sorted(expected) and len(shown) == len(set(shown)), "a gap or a duplicate on screen"
    people = [m["id"] for m in kid.messages(conv["id"]) if m["sender"]["role"] in ("child", "advocate")]
    assert people == sorted([a["message"]["id"] for a in sent_by_child] + expected)

    # The supervisor starts the killed worker again.
    await supervisor.wait_for(lambda: supervisor.pid(1) != old_pid)

    # Signing the child out on one process closes their sockets on every process.
    await wait_until_serving(one)
    phone = screens.open([one], child_token)
    await phone.start()
    told = []
    for participant in (kid, phone):
        participant.client.on("signed_out", told.append, "/chat")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{two}/api/children/{child['id']}/sessions/revoke",
                             headers={"Authorization": f"Bearer {advocate_token}"}) as resp:
            assert resp.status == 200, await resp.text()
    await eventually(lambda: len(told) == 2)
    await eventually(lambda: phone.client.refused is not None and kid.client.refused is not None)
    assert {phone.client.refused.code, kid.client.refused.code} <= {"session_expired", "unauthorised"}


async def _write(participant: ChatParticipant, conversation: str, count: int) -> list[dict]:
    acks = []
    for i in range(count):
        acks.append(await participant.send(conversation, f"while moving {i}"))
        await asyncio.sleep(0.05)
    return acks




async def test_two_processes_sweeping_at_once_take_each_escalation_step_once(redis, database_uri, database_name, apis):
    """Two apps (as two processes: their own database connections, leases and sweepers) share Redis and the database."""
    async with start_server(database_uri, database_name, redis_url=redis.url) as one, \
            start_server(database_uri, database_name, redis_url=redis.url) as two:
        world = await seed_world(one)
        amira = world.children[0]
        for server in (one, two):
            await server.services.sweeper_job.stop()  # the test decides when sweeps happen
        child_chat = await connect(one, amira)
        manager_console = await connect(two, world.manager, "/console")
        worry = (await (await apis(one, amira)).post("/api/concerns", {
            "child": amira.id, "category": "placement", "severity": "standard",
            "child_words": "My carer says I have to move and nobody asked me.",
            "child_wants": "To stay where I am."}))[1]
        deadlines = (await one.store.concerns.find_one({"_id": worry["concern"]["id"]}))["deadlines"]
        for server in (one, two):
            server.clock.advance(deadlines["manager_by"] - server.clock.now() + timedelta(seconds=1))

        leased = await asyncio.gather(*(server.services.sweeper_job.run_once() for server in (one, two)))
        assert sorted(leased) == [False, True]  # the lease: one process sweeps
        sweepers = [Sweeper(server.store, server.clock, server.services.ladder) for server in (one, two)]
        again = await asyncio.gather(*(s.sweep() for s in sweepers))  # and were both to sweep, nothing repeats
        assert sum(r.steps for r in again) == 0

        escalated = await manager_console.next("notification")  # told live on the other process, once
        assert escalated["kind"] == "concern.escalated" and escalated["ids"]["level"] == "manager"
        assert await manager_console.nothing("notification", wait=1)
        await asyncio.sleep(1)
        queue = child_chat.received["message"]
        to_child = [queue.get_nowait() for _ in range(queue.qsize())]
        about_manager = [m for m in to_child if m["sender"]["role"] == "service" and "manager" in m["text"]]
        assert len(about_manager) == 1, to_child  # the child is told once, though two processes swept
        concern = await one.store.concerns.find_one({"_id": worry["concern"]["id"]})
        assert set(concern["ladder"]) == {"reminder", "manager"}


async def test_a_pairing_changed_on_one_process_moves_the_sockets_held_by_the_other(redis, database_uri, database_name):
    """The child and both advocates are connected to process two; the change is made on process one."""
    from tests.support import add_advocate, api, leave_tomorrow, make_pairable

    async with start_server(database_uri, database_name, redis_url=redis.url) as one, \
            start_server(database_uri, database_name, redis_url=redis.url) as two:
        world = await seed_world(one)
        await make_pairable(world)
        amira, ada = world.children[0], world.advocates[0]
        cat = await add_advocate(one, "cat.advocate", "Cat Advocate", world.manager, capacity=1)
        amira_chat, ada_chat, cat_chat = [await connect(two, p) for p in (amira, ada, cat)]

        status, body = await api(one, amira, "POST", f"/api/children/{amira.id}/someone-else")
        assert status == 200 and body["advocate"]["id"] == cat.id
        for chat in (amira_chat, ada_chat, cat_chat):
            await chat.next("conversations.changed")
        new = (await amira_chat.call("conversations"))["conversations"][0]["id"]
        assert new != world.conversation_of(amira)
        assert (await amira_chat.send(new, "hello Cat"))["ok"]
        while (heard := await cat_chat.next("message"))["sender"]["role"] != "child":
            pass
        assert heard["text"] == "hello Cat"
        assert [m for m in _drain(ada_chat, "message") if m["conversation"] == new] == []

        # Cover chosen and ended by the pairing job of process one; Dev is connected to process two.
        dev = await add_advocate(one, "dev.advocate", "Dev Advocate", world.manager)
        leave = await leave_tomorrow(one, world.manager, cat, {dev.id})
        for server in (one, two):
            server.clock.advance(leave["starts_at"] - server.clock.now() + timedelta(minutes=1))
        dev_chat = await connect(two, dev)
        await one.services.pairing_job.run_once()
        await dev_chat.next("conversations.changed")
        amira_chat = await connect(two, amira)
        assert (await amira_chat.send(new, "is anyone there?"))["ok"]
        while (heard := await dev_chat.next("message"))["sender"]["role"] != "child":
            pass
        assert heard["text"] == "is anyone there?"

        for server in (one, two):
            server.clock.advance(leave["ends_at"] - server.clock.now() + timedelta(minutes=1))
        await one.services.pairing_job.run_once()
        await dev_chat.next("conversations.changed")
        amira_chat = await connect(two, amira)
        _drain(dev_chat, "message")
        assert (await amira_chat.send(new, "Cat, are you back?"))["ok"]
        assert await dev_chat.nothing("message", 1)


def _drain(chat, event: str) -> list:
    queue = chat.received[event]
    return [queue.get_nowait() for _ in range(queue.qsize())]


async def test_children_imported_from_the_command_line_reach_an_open_console_through_redis(redis, database_uri,
                                                                                            database_name, tmp_path):
    from tests.integration.test_pairing_cli import database_env, run
    from tests.support import make_pairable

    async with start_server(database_uri, database_name, redis_url=redis.url) as server:
        world = await seed_world(server)
        await make_pairable(world)
        ada_chat = await connect(server, world.advocates[0])
        before = len((await ada_chat.call("conversations"))["conversations"])
        csv_file = tmp_path / "leeds.csv"
        csv_file.write_text("name,la,birth_date,languages,ref\nGabi,E08000035,2012-04-01,en,L-1\n")
        code, out, err = await run("import", str(csv_file), "--codes-out", str(tmp_path / "codes.csv"),
                                   env={**database_env(server, tmp_path), "ADVOCACY_REDIS_URL": redis.url})
        assert code == 0 and "1 paired with an advocate" in out, (out, err)
        await ada_chat.next("conversations.changed")
        listed = (await ada_chat.call("conversations"))["conversations"]
        assert len(listed) == before + 1 and "Gabi" in [c["child_name"] for c in listed]
