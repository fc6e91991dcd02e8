"""Faults, measured: what people see when things break, and how fast it all comes back.

    .venv/bin/python bench/faults.py            # about two minutes
    .venv/bin/python bench/faults.py --pairs 50 --rate 100

1. kill: the server is SIGKILLed in the middle of a swarm run and started again
   (the embedded database with it): every acknowledged message must be stored
   and reach its recipient, none shown twice; prints how long people were cut off.
2. database: the database is stopped for a while during the swarm: sends must be
   answered "unavailable" quickly (never a success), pages must say the service is
   having trouble, and everything must come back by itself.
3. slow client: a pair's latency with and without a stalled client (a tab that
   stopped reading) in a busy conversation.
Printed, never asserted (the tests in tests/integration/test_faults.py assert).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_dir, machine_load, raise_open_files, service

from advocacy.embedded_db import EmbeddedDatabase
from advocacy.store import Store, find_in
from bots.lite import RawSocket
from bots.sdk import ChatParticipant
from bots.swarm import Swarm, percentile


async def stored(uri: str, database: str, client_ids: list[str]) -> int:
    store = await Store.connect(uri, database)
    try:
        # In parts (store.find_in): one $in of 3,000 ids costs SecantusDB 9 million comparisons.
        return len({d["client_id"] async for d in find_in(store.messages, "client_id", client_ids, {"client_id": 1})})
    finally:
        await store.close()


async def kill(args, folder: Path) -> None:
    async with service(folder, "bench_faults", args.pairs, without_earlier_messages=True) as running:
        swarm = Swarm([running.server.url], running.accounts["pairs"][: args.pairs], give_up_after=120)
        await swarm.connect()
        sending = asyncio.create_task(swarm.run(args.rate, args.duration, drain=30))
        await asyncio.sleep(args.duration / 3)
        back = await running.restart(signal.SIGKILL)
        report = await sending
        await swarm.close()
        in_db = await stored(running.db.uri, "bench_faults", report.acked_ids)
    print(f"1. kill -9 mid-swarm ({args.pairs} pairs, {args.rate:g} msg/s): server serving again after {back:.1f} s")
    print(report.text())
    print(f"  acknowledged and in the database: {in_db} of {report.acknowledged}"
          f"  (lost {report.lost}, shown twice {report.shown_twice})")


async def outage(args, folder: Path) -> None:
    async with service(folder, "bench_faults", 2, "accounts-outage.json",
                       ADVOCACY_DATABASE_OPERATION_TIMEOUT_SECONDS="2") as running:
        pair = running.accounts["pairs"][0]
        kid = ChatParticipant.open([running.server.url], pair["child"]["token"])
        await kid.start()

        async def send(client_id: str, timeout: float | None = None) -> dict:
            return await kid.client.call("send", {"conversation": pair["conversation"], "client_id": client_id,
                                                  "text": "are you there?"}, "/chat", timeout=timeout)

        before = await send("before")
        port = running.db.embedded.port
        await running.db.stop()
        refused, successes, waits = 0, 0, []
        for i in range(5):
            started = time.monotonic()
            ack = await send(f"out-{i}", timeout=30)
            waits.append(time.monotonic() - started)
            refused += ack.get("error", {}).get("code") == "unavailable"
            successes += bool(ack.get("ok"))
        async with aiohttp.ClientSession() as http:
            async with http.get(running.server.url + "/api/health") as resp:
                health = resp.status
        print(f"2. database stopped: {refused} of 5 sends answered 'unavailable' ({successes} successes), "
              f"each within {max(waits):.1f} s (median {sorted(waits)[2]:.1f} s); /api/health {health}")
        restarted_at = time.monotonic()
        running.db.embedded = await EmbeddedDatabase.start(folder / "db", port=port)
        recovered = None
        while recovered is None and time.monotonic() - restarted_at < 60:
            if (await send("out-0")).get("ok"):
                recovered = time.monotonic() - restarted_at
            else:
                await asyncio.sleep(0.2)
        print(f"  database back: the same message (same client_id) accepted {recovered:.1f} s after it started;"
              f" the send before the outage was {'ok' if before.get('ok') else before}")
        await kid.stop()


async def slow_client(args, folder: Path) -> None:
    async with service(folder, "bench_faults", 2, "accounts-slow.json",
                       ADVOCACY_RATE_LIMIT_MESSAGES="10000") as running:
        url = running.server.url
        busy, quiet = running.accounts["pairs"][0], running.accounts["pairs"][1]
        arrivals: dict[str, float] = {}
        watcher = ChatParticipant.open([url], quiet["advocate"]["token"],
                                       on_message=lambda m: arrivals.setdefault(m["client_id"], time.monotonic()))
        talker = ChatParticipant.open([url], quiet["child"]["token"])
        flooder = ChatParticipant.open([url], busy["child"]["token"])
        for p in (watcher, talker, flooder):
            await p.start()

        async def measure(label: str) -> None:
            sent: dict[str, float] = {}

            async def flood() -> None:
                for _ in range(args.flood):
                    await flooder.send(busy["conversation"], "x" * 4000)

            flooding = asyncio.create_task(flood())
            for i in range(40):
                cid = f"{label.replace(' ', '-')}-{i}-{time.time_ns()}"
                sent[cid] = time.monotonic()
                ack = await talker.send(quiet["conversation"], "how are things?", cid)
                if not ack.get("ok"):
                    print(f"  not sent: {ack['error']['code']}")
                await asyncio.sleep(0.05)
            await flooding
            await asyncio.sleep(1)
            lat = sorted((arrivals[c] - t) * 1000 for c, t in sent.items() if c in arrivals)
            print(f"  {label}: another pair's send -> arrival p50 {percentile(lat, 0.5):.1f} ms, "
                  f"p99 {percentile(lat, 0.99):.1f} ms ({len(lat)} of 40 arrived)")

        print(f"3. slow client: another conversation floods {args.flood} messages of 4,000 characters")
        await measure("no stalled client")
        async with aiohttp.ClientSession() as http:
            stalled = RawSocket(http, url, busy["advocate"]["token"], receive_buffer=4096)
            await stalled.connect()
            stalled.paused.set()
            await measure("a stalled client in the flooded conversation")
            await stalled.close()
        for p in (watcher, talker, flooder):
            await p.stop()


async def main(args: argparse.Namespace) -> None:
    raise_open_files(args.pairs * 4 + 1024)
    folder = bench_dir("faults", args.fresh)
    print(f"faults ({machine_load()})")
    await kill(args, folder)
    await outage(args, folder)
    await slow_client(args, folder)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=20)
    p.add_argument("--rate", type=float, default=40.0)
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--flood", type=int, default=600, help="messages the busy conversation floods")
    p.add_argument("--fresh", action="store_true")
    asyncio.run(main(p.parse_args()))
