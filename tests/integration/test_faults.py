"""Faults: a server killed mid-swarm, the database stopped, a client that stops reading."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal

import aiohttp
import pytest
from aiohttp import web

from advocacy.bootstrap import build
from advocacy.clock import ShiftedClock
from advocacy.crypto import new_master_key
from advocacy.edge.app import init_app
from advocacy.edge.keys import sio_key
from advocacy.embedded_db import EmbeddedDatabase, free_port, running_uri
from advocacy.settings import load
from advocacy.store import Store
from bots.lite import RawSocket
from bots.swarm import Swarm
from tests.integration.processes import ADVOCACY, stop_process, wait_until_serving
from tests.support import Server, child_sign_in, connect, seed_world, sign_in

NODE_CLIENT = os.path.join(os.path.dirname(__file__), "node", "resilient_client.js")
# The server and the commands share the development key made beside the data folder on first use.
DEVELOPMENT = {"ADVOCACY_DEVELOPMENT_MASTER_KEY": "true"}


async def serve(data_dir, port):
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--port", str(port), "--data-dir", str(data_dir),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, **DEVELOPMENT, "ADVOCACY_BOTS_ENABLED": "false"},
    )
    await wait_until_serving(f"http://127.0.0.1:{port}")
    return process


async def test_a_server_killed_mid_swarm_loses_no_acknowledged_message_and_shows_none_twice(tmp_path, screens):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await serve(tmp_path, port)
    try:
        seeded = await asyncio.create_subprocess_exec(
            ADVOCACY, "demo", "swarm-seed", "6", "--data-dir", str(tmp_path), "--out", str(tmp_path / "acc.json"),
            stdout=asyncio.subprocess.DEVNULL, env={**os.environ, **DEVELOPMENT})
        assert await seeded.wait() == 0
        pairs = json.loads((tmp_path / "acc.json").read_text())["pairs"]
        swarm = Swarm([url], pairs[:4], give_up_after=90)
        await swarm.connect()
        for person, _, _ in swarm.people:
            screens.track(person.client)

        # An independent JavaScript client chats through the kill too, with the fifth pair's advocate.
        js_pair = pairs[4]
        advocate = screens.open([url], js_pair["advocate"]["token"])
        await advocate.start()
        js = await asyncio.create_subprocess_exec(
            shutil.which("node") or "node", NODE_CLIENT, url, js_pair["child"]["token"], js_pair["conversation"],
            "30", "100", stdout=asyncio.subprocess.PIPE)

        running = asyncio.create_task(swarm.run(rate=20, duration=6, drain=20))
        await asyncio.sleep(2)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await asyncio.sleep(1)
        process = await serve(tmp_path, port)  # the embedded database starts again on the same files
        report = await running
        out, _ = await asyncio.wait_for(js.communicate(), 120)
        await swarm.close()

        assert report.sent == 120 and report.acknowledged == 120, report.summary()
        assert report.lost == 0 and report.shown_twice == 0, report.summary()
        assert report.reconnections >= len(swarm.people)  # everyone was moved by the kill

        js_result = json.loads(out)
        assert len(js_result["acked"]) == 30, js_result["errors"]
        await asyncio.sleep(1)
        await advocate.resync()
        from_js = [m["client_id"] for m in advocate.messages(js_pair["conversation"])]
        assert sorted(from_js) == sorted(js_result["acked"]), "the advocate misses or repeats a JS message"

        store = await Store.connect(running_uri(tmp_path), "advocacy")
        try:
            stored = await store.messages.distinct("client_id",
                                                   {"client_id": {"$in": report.acked_ids + js_result["acked"]}})
            assert len(stored) == 150
            assert await store.messages.count_documents({"client_id": {"$in": report.acked_ids}}) == 120
        finally:
            await store.close()
    finally:
        await stop_process(process)


@pytest.fixture
async def own_database(tmp_path):
    """A database daemon of the test's own, which the test stops and starts again."""
    db = await EmbeddedDatabase.start(tmp_path / "db")
    yield db
    await db.stop()


async def test_while_the_database_is_down_sends_fail_fast_and_clearly_and_all_recovers_by_itself(
        own_database, tmp_path):
    db = own_database
    settings = load(environ={}).replace(mongodb_uri=db.uri, database_name="faults", master_key=new_master_key(),
                                        database_operation_timeout_seconds=2,
                                        audit_anchor_file=str(tmp_path / "anchors"))
    store = await Store.connect(db.uri, "faults", 10, settings.database_operation_timeout_seconds)
    services = build(settings, store, ShiftedClock())
    app = init_app(services)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]

    running = Server(f"http://127.0.0.1:{port}", store, services.clock, app, settings, services)
    try:
        world = await seed_world(running)
        child = world.children[0]
        conv = world.conversation_of(child)
        kid, adult = await connect(running, child), await connect(running, world.advocates[0])
        # An independent JavaScript client (the child's other phone) keeps sending through the outage.
        js = await asyncio.create_subprocess_exec(
            shutil.which("node") or "node", NODE_CLIENT, running.url, await sign_in(running, child), conv, "10", "400",
            stdout=asyncio.subprocess.PIPE)
        async with running.http() as browser:
            await browser.post("/api/session/child", json=child_sign_in(child))

            await asyncio.sleep(1)
            await db.stop()
            ack = await kid.send(conv, "are you there?", client_id="during-outage")
            assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
            assert ack["error"]["message"].startswith("Not sent.") and "try again" in ack["error"]["message"]
            async with browser.get("/child") as page:
                assert page.status == 503 and "having trouble" in await page.text()
            async with browser.get("/api/health") as health:
                assert health.status == 503 and (await health.json())["error"]["code"] == "unavailable"
            assert kid.sio.connected  # a refused send keeps the socket

            restarted = await EmbeddedDatabase.start(tmp_path / "db", port=db.port)
            db.process = restarted.process  # so the fixture stops it
            again = await kid.send(conv, "are you there?", client_id="during-outage")
            assert again["ok"] is True
            assert await store.messages.count_documents({"client_id": "during-outage"}) == 1
            async with browser.get("/child") as page:
                assert page.status == 200

        js_result = json.loads((await asyncio.wait_for(js.communicate(), 150))[0])
        assert len(js_result["acked"]) == 10 and js_result["errors"], js_result  # it met the outage, then got through
        arrived = [(await adult.next("message", timeout=20))["client_id"] for _ in range(11)]
        assert sorted(arrived) == sorted(js_result["acked"] + ["during-outage"]) and await adult.nothing("message")
        assert await store.messages.count_documents({"client_id": {"$in": js_result["acked"]}}) == 10
    finally:
        await runner.cleanup()
        await store.close()


async def test_a_client_that_stops_reading_does_not_slow_anyone_else(database_uri, database_name):
    from tests.support import start_server

    async with start_server(database_uri, database_name, rate_limit_messages=100_000) as server:
        world = await seed_world(server)
        child, advocate = world.children[0], world.advocates[0]
        conv = world.conversation_of(child)
        advocate_token = await sign_in(server, advocate)
        async with aiohttp.ClientSession() as http:
            stalled = RawSocket(http, server.url, advocate_token, receive_buffer=4096)
            await stalled.connect()
            stalled.paused.set()  # a tab on a phone that has gone to sleep: reads nothing more
            healthy = await connect(server, advocate)
            kid = await connect(server, child)
            text = "x" * 4000
            count = 1300  # 5.2 MB for the stalled socket: more than the kernel buffers on its way hold (4 MB)
            for i in range(count):
                ack = await kid.send(conv, text, client_id=f"flood-{i}")
                assert ack["ok"], ack
            got = [await healthy.next("message", timeout=10) for _ in range(count)]
            assert [m["client_id"] for m in got] == [f"flood-{i}" for i in range(count)]
            backlog = [s.queue.qsize() for s in server.app[sio_key].eio.sockets.values()]
            assert max(backlog) > 0, "the stalled socket kept up after all: the test proves nothing"

            other_child, other_advocate = world.children[2], world.advocates[1]  # a pair elsewhere
            them = await connect(server, other_advocate)
            other = await connect(server, other_child)
            ack = await other.send(world.conversation_of(other_child), "still quick for us?")
            assert ack["ok"] and (await them.next("message"))["text"] == "still quick for us?"
            await stalled.close()
