"""Idle connections on one server process, and the server's memory per connection.

    .venv/bin/python bench/connections.py                 # 10,000 users (seeded once, kept in var/bench/)
    .venv/bin/python bench/connections.py --users 2000    # quicker

The database runs in its own process (the embedded SecantusDB), the server in
another, and the users (children and advocates signed in with their own
tokens, each on a bare WebSocket that answers pings) in this one. Printed, never
asserted: the aim is 40 KB of server memory per connection or less.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bench_dir, machine_load, raise_open_files, rss_kb, service

from bots.lite import RawSocket


async def main(args: argparse.Namespace) -> None:
    raise_open_files(args.users * 2 + 1024)
    folder = bench_dir("connections", args.fresh)
    async with service(folder, "bench_connections", (args.users + 1) // 2) as running:
        server = running.server
        tokens = [pair[side]["token"] for pair in running.accounts["pairs"] for side in ("child", "advocate")]
        tokens = tokens[: args.users]
        sockets: list[RawSocket] = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            warm = [RawSocket(http, server.url, t) for t in tokens[:50]]  # imports and caches settle first
            for s in warm:
                await s.connect()
            for s in warm:
                await s.close()
            await asyncio.sleep(1)
            before = rss_kb(server.process.pid)
            started = time.monotonic()
            gate = asyncio.Semaphore(args.concurrency)

            async def one(token: str) -> None:
                s = RawSocket(http, server.url, token)
                async with gate:
                    await s.connect()
                sockets.append(s)

            results = await asyncio.gather(*(one(t) for t in tokens), return_exceptions=True)
            failed = [r for r in results if isinstance(r, BaseException)]
            took = time.monotonic() - started
            await asyncio.sleep(args.idle)  # let them sit (pings come every 20 s)
            after = rss_kb(server.process.pid)
            connected = len(sockets)
            print(f"connections: {connected} idle users connected to one server process in {took:.1f} s "
                  f"({connected / took:.0f}/s), {len(failed)} failed")
            print(f"  server memory: {before / 1024:.0f} MB before, {after / 1024:.0f} MB with them: "
                  f"{(after - before) / max(1, connected):.1f} KB per connection (aim: 40 KB or less)")
            print(f"  ({machine_load()})")
            await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=200, help="connections being opened at once")
    p.add_argument("--idle", type=float, default=25.0, help="seconds connected before measuring (default 25)")
    p.add_argument("--fresh", action="store_true", help="seed new accounts instead of reusing var/bench/")
    asyncio.run(main(p.parse_args()))
