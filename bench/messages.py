"""Messages stored and delivered: the highest rate that keeps p99 under 150 ms, a sustained run,
and the same swarm against a bare python-socketio relay (no sign-in, no storage) for the ratio.

    .venv/bin/python bench/messages.py                           # a few minutes
    .venv/bin/python bench/messages.py --target 1000 --sustain 60   # the full minute at the target
    .venv/bin/python bench/messages.py --workers 2                  # two server processes and Redis

The database (embedded SecantusDB) and the server each run in their own
process; the swarm (python -m bots.swarm's Swarm) runs in this one, sending at
a constant rate (open loop). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    bench_dir,
    commands_per,
    cpu_seconds,
    database_commands,
    machine_load,
    raise_open_files,
    service,
    wait_serving,
)
from harness.relay import pairs as relay_pairs

from advocacy.embedded_db import free_port
from bots.swarm import Swarm

P99_LIMIT_MS = 150.0


def good(summary: dict) -> bool:
    return summary["p99_ms"] < P99_LIMIT_MS and summary["lost"] == 0 and not summary["failed"]


async def ramp(swarm: Swarm, rates: list[float], seconds: float, label: str, pids: list[int],
               metrics_urls: list[str] | None = None) -> float:
    """The highest rate of ``rates`` whose step keeps p99 under the limit; stops after two steps over.

    Per step: latency, losses, CPU per message of each process in ``pids`` (ms), and with
    ``metrics_urls`` the database commands per acknowledged message, from the servers' /metrics.
    """
    await swarm.run(rates[0], 3, drain=3)  # warm-up: first connections, caches, the database's pages
    best, over = 0.0, 0
    for rate in rates:
        cpu_before = [cpu_seconds(p) for p in pids]
        commands_before = await all_commands(metrics_urls) if metrics_urls else None
        summary = (await swarm.run(rate, seconds, drain=5)).summary()
        cpu = [cpu_seconds(p) - b for p, b in zip(pids, cpu_before, strict=True)]
        per_message = " ".join(f"{c / max(1, summary['sent']) * 1000:.2f}" for c in cpu)
        ok = good(summary)
        print(f"  {label} {rate:6.0f} msg/s: p50 {summary['p50_ms']:7.1f}  p99 {summary['p99_ms']:8.1f}  "
              f"max {summary['max_ms']:8.1f} ms  lost {summary['lost']}  not acked {sum(summary['failed'].values())}"
              f"  cpu ms/msg [{per_message}]  {'ok' if ok else 'over'}", flush=True)
        if commands_before is not None and metrics_urls:
            spent = commands_per(commands_before, await all_commands(metrics_urls), summary["acknowledged"])
            print(f"  {'':{len(label)}}        database commands per message: {spent}", flush=True)
        if ok:
            best, over = rate, 0
        else:
            over += 1
            if over == 2:
                break
    return best


async def all_commands(urls: list[str]) -> Counter[str]:
    """The database commands of every server so far, by name."""
    total: Counter[str] = Counter()
    for url in urls:
        total += await database_commands(url)
    return total


async def sustained(swarm: Swarm, rate: float, seconds: float, label: str) -> dict:
    report = await swarm.run(rate, seconds, drain=15)
    print(f"  {label} sustained {rate:.0f} msg/s for {seconds:.0f} s:")
    print(report.text(), flush=True)
    return report.summary()


async def main(args: argparse.Namespace) -> None:
    raise_open_files(args.pairs * 4 + 1024)
    folder = bench_dir("messages", args.fresh)
    rates = [r for r in (50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 3000) if r <= args.max_rate]
    print(f"messages: {args.pairs} pairs; steps of {args.step:g} s; p99 limit {P99_LIMIT_MS:.0f} ms; {machine_load()}")

    async with service(folder, "bench_messages", args.pairs, workers=args.workers,
                       without_earlier_messages=True) as running:
        servers, db = running.servers, running.db
        swarm = Swarm([s.url for s in servers], running.accounts["pairs"][: args.pairs])
        await swarm.connect()
        columns = "server" if len(servers) == 1 else ", ".join(f"server {n + 1}" for n in range(len(servers)))
        print(f"  service (sign-in, checks, storage with group commit, delivery"
              f"{'' if len(servers) == 1 else f'; {len(servers)} workers sharing Redis'}); "
              f"cpu columns: {columns}, database")
        try:
            best = await ramp(swarm, rates, args.step, "service", [*(s.process.pid for s in servers),
                                                                   db.embedded.process.pid],
                              metrics_urls=[s.url for s in servers])
            if best >= args.target:
                result = await sustained(swarm, args.target, args.sustain, "service")
            else:
                print(f"  service: {args.target:.0f} msg/s is above what this machine sustains now "
                      f"(best {best:.0f} msg/s with p99 < {P99_LIMIT_MS:.0f} ms); sustaining {best:.0f} instead")
                result = await sustained(swarm, best or rates[0], args.sustain, "service")
        finally:
            await swarm.close()

    port = free_port()
    relay = subprocess.Popen([sys.executable, str(Path(__file__).parent / "harness" / "relay.py"), str(port)],  # noqa: ASYNC220  (a bench script, not the server: nothing else waits on this loop)
                             start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_serving(url, relay)
        swarm = Swarm([url], relay_pairs(args.pairs))
        await swarm.connect()
        print("  bare relay (python-socketio only); cpu column: relay")
        try:
            bare_best = await ramp(swarm, rates, args.step, "relay  ", [relay.pid])
            bare = await sustained(swarm, result["rate"], args.sustain, "relay  ")
        finally:
            await swarm.close()
    finally:
        relay.terminate()
        relay.wait(10)

    print("summary:")
    print(f"  highest rate with p99 < {P99_LIMIT_MS:.0f} ms: service {best:.0f} msg/s, bare relay "
          f"{bare_best:.0f} msg/s: the service does {best / bare_best if bare_best else 0:.0%} of the relay's rate")
    print(f"  at {result['rate']:.0f} msg/s: p50 {result['p50_ms']:.1f} vs {bare['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} vs {bare['p99_ms']:.1f} ms (service vs relay); "
          f"lost {result['lost']} vs {bare['lost']}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pairs", type=int, default=500, help="child-advocate pairs (default 500)")
    p.add_argument("--step", type=float, default=8.0, help="seconds per step of the ramp (default 8)")
    p.add_argument("--target", type=float, default=1000.0, help="the rate to sustain (default 1000 msg/s)")
    p.add_argument("--sustain", type=float, default=20.0,
                   help="seconds of the sustained run (default 20; 60 for a minute)")
    p.add_argument("--max-rate", type=float, default=3000.0, help="highest step of the ramp")
    p.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the database and a Redis, as `advocacy serve --workers` (default 1)")
    p.add_argument("--fresh", action="store_true", help="seed new accounts instead of reusing var/bench/")
    asyncio.run(main(p.parse_args()))
