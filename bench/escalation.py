"""What the escalation sweeper costs: N concerns due among M in all, on the embedded database.

    .venv/bin/python bench/escalation.py            # M = 2,000 and 20,000; N = 50
    .venv/bin/python bench/escalation.py --quick    # M = 1,000 and 5,000
    .venv/bin/python bench/escalation.py --sizes 2000 100000 --due 100

For each M it seeds M standard concerns (bulk inserts), N of them raised 40
days ago (their manager and oversight steps are due) and the rest raised in
the last day (nothing due), then times:

- one sweep that takes every due step (2 per due concern: the manager is told,
  the child is told, an oversight item is queued; each step claimed by one
  conditional write), reporting how many concerns it read;
- an idle sweep (nothing due), the median of 20: the price of looking.

The sweeper reads concerns through the index on ``next_due``, so both should
stay flat as M grows; only N should move the first.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from advocacy.auth.accounts import create_child, create_staff
from advocacy.auth.principal import Principal
from advocacy.bootstrap import build
from advocacy.clock import ManualClock
from advocacy.concerns.records import ConcernRecords
from advocacy.crypto import Keyring, decode_master_key, new_master_key
from advocacy.embedded_db import EmbeddedDatabase
from advocacy.pairing.changes import pair_child
from advocacy.settings import load
from advocacy.store import Store

CHILDREN = 40
BATCH = 1000


async def seed(store: Store, concerns: ConcernRecords, children: list[dict], advocate: Principal, total: int,
               due: int) -> None:
    now = concerns.clock.now()
    docs = []
    for i in range(total):
        raised = now - timedelta(days=40) if i < due else now - timedelta(hours=(i % 20) + 1)
        docs.append(await concerns.new_doc(
            children[i % len(children)], category="contact", severity="standard", child_words="words",
            child_wants="wants", source="staff", by=advocate, raised_at=raised, region="Yorkshire and The Humber"))
        if len(docs) == BATCH:
            await store.concerns.insert_many(docs)
            docs = []
    if docs:
        await store.concerns.insert_many(docs)


async def run(total: int, due: int, folder: Path) -> tuple[float, float, int, int]:
    db = await EmbeddedDatabase.start(folder / f"db-{total}")
    store = await Store.connect(db.uri, "bench")
    try:
        await store.create_indexes()
        clock = ManualClock()
        settings = load(environ={})
        services = build(settings, store, clock, Keyring(store, decode_master_key(new_master_key(), "bench")))
        concerns = services.concern_records
        await store.local_authorities.insert_one({"_id": "E08000035", "name": "Leeds",
                                                  "region": "Yorkshire and The Humber"})
        manager = await create_staff(store, clock, username="bench.manager", password="x" * 12, name="M",
                                     role="manager")
        staff = await create_staff(store, clock, username="bench.advocate", password="x" * 12, name="A",
                                   role="advocate", manager=manager["_id"])
        children = []
        for i in range(CHILDREN):
            child, _ = await create_child(store, clock, name=f"Child {i}", la="E08000035")
            await pair_child(store, clock, child["_id"], staff["_id"], "bench")
            children.append({**child, "advocate": staff["_id"]})
        advocate = Principal("se_bench", staff["_id"], "advocate", "A", clock.now() + timedelta(hours=1))
        await seed(store, concerns, children, advocate, total, due)

        sweeper = services.sweeper
        started = time.perf_counter()
        report = await sweeper.sweep()
        busy = time.perf_counter() - started
        idle = []
        for _ in range(20):
            started = time.perf_counter()
            await sweeper.sweep()
            idle.append(time.perf_counter() - started)
        return busy, statistics.median(idle), report.examined, report.steps
    finally:
        await store.close()
        await db.stop()


async def main(sizes: list[int], due: int) -> None:
    print(f"escalation sweeper: N = {due} concerns due, M concerns in all (standard; 2 steps each when due)")
    results = []
    with tempfile.TemporaryDirectory(prefix="advocacy-bench-") as folder:
        for total in sizes:
            busy, idle, examined, steps = await run(total, due, Path(folder))
            results.append((total, busy, idle))
            print(f"  M = {total:>7,}: sweep with {due} due took {busy * 1000:8.1f} ms "
                  f"({examined} read, {steps} steps, {busy / max(steps, 1) * 1000:.1f} ms a step); "
                  f"idle sweep median {idle * 1000:.2f} ms")
    if len(results) > 1:
        (m0, b0, i0), (m1, b1, i1) = results[0], results[-1]
        print(f"  M x{m1 / m0:.0f}: busy sweep x{b1 / b0:.2f}, "
              f"idle sweep x{i1 / i0:.2f} (flat means the cost follows N, not M)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--sizes", type=int, nargs="+", help="the totals M to try")
    parser.add_argument("--due", type=int, default=50, help="how many are due (N)")
    args = parser.parse_args()
    chosen = args.sizes or ([1000, 5000] if args.quick else [2000, 20000])
    asyncio.run(main(chosen, args.due))
