"""How fast the figures pages and the oversight queue render as the service grows.

    .venv/bin/python bench/oversight.py            # 82,000 children; 5,000 then 50,000 concerns (~3 min)
    .venv/bin/python bench/oversight.py --quick    # 8,200 children; 5,000 then 50,000 concerns (~1.5 min)
    .venv/bin/python bench/oversight.py --full     # the issue's sizes: 82,000 children; 50,000 then 500,000
    .venv/bin/python bench/oversight.py --sizes 50000 200000 --children 82000 --requests 40

The default is smaller than the issue's sizes only to keep `make bench` short:
seeding 500,000 concerns takes about 4 minutes. The pages are timed once the
figures job's first run (small-number suppression over every area, month and
column) has published.

Seeds a national-scale database on the embedded database (bulk inserts, seeded
random numbers, so every run seeds the same history): 153 local authorities in
9 regions, the children spread unevenly between them and paired with 1,600
advocates, and concerns raised over 3 years (about 1 in 6 escalated to a
manager, 1 in 25 to oversight, most resolved, the rest open; those open in
oversight are the queue). The running totals are built from the same event
rows the live hooks count, with the same code (advocacy.figures.tally), and
the figures job counts what stands and publishes, as in service. Then, with the
server running in this process, it times many requests (median and 95th
percentile) of the national figures page, one local authority's page and the
queue, first at the smaller size, then after adding concerns up to the larger
one, and prints the ratio larger/smaller.

Targets (issue 5): national page median under 300 ms; ratio at most 1.5.
Concerns are stored with the fields the figures and the queue read (no words:
sealing 500,000 children's words would only time the encryption).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
from aiohttp import web

from advocacy import workdays
from advocacy.auth.accounts import create_staff
from advocacy.bootstrap import build
from advocacy.clock import ManualClock
from advocacy.concerns.categories import load_categories
from advocacy.concerns.sla import RANK
from advocacy.crypto import new_master_key
from advocacy.edge.app import init_app
from advocacy.embedded_db import EmbeddedDatabase
from advocacy.figures import rules, tally
from advocacy.oversight.queue import new_ref
from advocacy.settings import load
from advocacy.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import bench_dir, machine_load

REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")
LAS = 153
ADVOCATES = 1600
CATEGORIES = tuple(load_categories())
BATCH = 2000
YEARS = 3


class Seeder:
    """The seeded history, added to in steps (so the smaller size is a prefix of the larger)."""

    def __init__(self, store: Store, now: datetime, children: int) -> None:
        self.store = store
        self.now = now
        self.random = random.Random(5)
        self.children_total = children
        self.las: list[tuple[str, str]] = []  # (code, region)
        self.children: list[tuple[str, str]] = []  # (id, la code)
        self.concerns = 0
        self.totals: dict[str, dict[str, int]] = {}

    def region_of(self, la: str) -> str:
        return self.la_region[la]

    async def people(self) -> None:
        r = self.random
        self.las = [(f"E{10000000 + i:08d}", REGIONS[i % len(REGIONS)]) for i in range(LAS)]
        self.la_region = dict(self.las)
        await self.store.local_authorities.insert_many(
            [{"_id": code, "name": f"Authority {i + 1:03d}", "region": region}
             for i, (code, region) in enumerate(self.las)])
        await self.store.staff.insert_many([
            {"_id": f"st_adv{i:05d}", "username": f"adv{i:05d}", "name": f"Advocate {i}", "role": "advocate",
             "capacity": 80, "active": True, "left_at": None, "created_at": self.now} for i in range(ADVOCATES)])
        weights = [r.uniform(0.2, 3.0) for _ in self.las]
        docs = []
        for i in range(self.children_total):
            la = r.choices(self.las, weights)[0][0]
            opted_out = r.random() < 0.04
            child_id = f"ch_{i:06d}"
            self.children.append((child_id, la))
            docs.append({"_id": child_id, "la": la,
                         "advocate": None if opted_out else f"st_adv{r.randrange(ADVOCATES):05d}",
                         "opted_out": opted_out, "birth_date": f"{2026 - r.randint(8, 18)}-0{r.randint(1, 9)}-15",
                         "created_at": self.now - timedelta(days=r.randint(0, 365 * YEARS))})
            if len(docs) == BATCH:
                await self.store.children.insert_many(docs)
                docs = []
        if docs:
            await self.store.children.insert_many(docs)
        # opt-outs and opt-ins over the years: the same rows the pairing service writes, counted the same way
        for _ in range(self.children_total // 8):
            _, la = r.choice(self.children)
            at = self.now - timedelta(seconds=r.uniform(0, YEARS * 365 * 86400))
            kind = "opted_out" if r.random() < 0.7 else "opted_in"
            tally.accumulate(self.totals, la, self.region_of(la), workdays.london_month(at),
                             tally.opt_increments({"kind": kind}))
        # advocates' replies: what the chat counts when an advocate answers a waiting child
        for _ in range(self.children_total * 3):
            _, la = r.choice(self.children)
            at = self.now - timedelta(seconds=r.uniform(0, YEARS * 365 * 86400))
            tally.accumulate(self.totals, la, self.region_of(la), workdays.london_month(at),
                             tally.reply_increments(r.lognormvariate(8.5, 1.4)))

    async def concerns_up_to(self, total: int) -> None:
        """Raise concerns until there are ``total``; count their events into the running totals."""
        r = self.random
        docs, items, pseudonyms = [], [], []
        for n in range(self.concerns, total):
            child, la = r.choice(self.children)
            region = self.region_of(la)
            raised = self.now - timedelta(seconds=r.uniform(0, YEARS * 365 * 86400))
            severity = r.choices(("standard", "high", "urgent"), (80, 17, 3))[0]
            category = r.choice(CATEGORIES)
            oversight_by = workdays.working_day_deadline(raised, 20)
            age = (self.now - raised).days
            resolved_at = None
            if r.random() < (0.97 if age > 60 else 0.5):
                resolved_at = min(raised + timedelta(days=r.expovariate(1 / 18)), self.now)
            to_manager = r.random() < 0.16
            to_oversight = to_manager and r.random() < 0.25
            rows = [{"kind": "raised", "source": "staff", "category": category, "at": raised}]
            if to_manager:
                rows.append({"kind": "escalated_manager", "at": raised + timedelta(days=10)})
            if to_oversight:
                rows.append({"kind": "escalated_oversight", "at": raised + timedelta(days=20)})
            if resolved_at is not None:
                happy = r.choice((True, True, True, False, None))
                rows.append({"kind": "resolved", "at": resolved_at,
                             "by_oversight_deadline": resolved_at <= oversight_by,
                             "child_happy": happy,
                             "working_days": workdays.working_days_between(workdays.local_date(raised),
                                                                           workdays.local_date(resolved_at))})
            for row in rows:
                if row["at"] <= self.now:
                    tally.accumulate(self.totals, la, region, workdays.london_month(row["at"]),
                                     tally.concern_increments(row))
            status = "resolved" if resolved_at else ("escalated" if to_manager else "raised")
            concern_id = f"co_{n:07d}"
            docs.append({
                "_id": concern_id, "child": child, "advocate": None, "la": la, "region": region, "category": category,
                "severity": severity, "status": status, "source": "staff",
                "raised_at": raised, "resolved_at": resolved_at,
                "deadlines": {"respond_by": raised + timedelta(days=2), "manager_by": raised + timedelta(days=14),
                              "oversight_by": oversight_by},
                "ladder": {**({"manager": raised} if to_manager else {}),
                           **({"oversight": raised} if to_oversight else {})},
                "timeline": [],
            })
            if to_oversight and resolved_at is None:
                item_id = f"ov_{n:07d}"
                pseudonyms.append({"_id": child, "ref": new_ref()})
                items.append({
                    "_id": item_id, "concern": concern_id, "child": child, "ref": None, "la": la, "region": region,
                    "category": category, "severity": severity, "level": severity, "rank": RANK[severity],
                    "source": "sweeper", "reason": {"code": "deadline", "by": None, "text": None}, "status": "new",
                    "open": True, "claimed_by": None, "due_at": oversight_by, "raised_at": raised,
                    "created_at": raised + timedelta(days=20), "log": [], "request": None, "decision": None,
                    "closed_at": None, "version": 0,
                })
            if len(docs) == BATCH:
                await self.store.concerns.insert_many(docs)
                docs = []
        if docs:
            await self.store.concerns.insert_many(docs)
        refs = {}
        for p in pseudonyms:
            refs.setdefault(p["_id"], p["ref"])
        known = {d["_id"]: d["ref"] async for d in self.store.pseudonyms.find({"_id": {"$in": list(refs)}})}
        fresh = [{"_id": c, "ref": ref} for c, ref in refs.items() if c not in known]
        for start in range(0, len(fresh), BATCH):
            await self.store.pseudonyms.insert_many(fresh[start:start + BATCH])
        for item in items:
            item["ref"] = known.get(item["child"]) or refs[item["child"]]
        for start in range(0, len(items), BATCH):
            await self.store.oversight.insert_many(items[start:start + BATCH])
        self.concerns = total
        # the running totals, as `advocacy figures rebuild` writes them
        await self.store.figures_months.delete_many({})
        docs = tally.documents(self.totals)
        for start in range(0, len(docs), BATCH):
            await self.store.figures_months.insert_many(docs[start:start + BATCH])


async def timed(http: aiohttp.ClientSession, path: str, requests: int) -> tuple[float, float]:
    for _ in range(3):  # warm up
        async with http.get(path) as resp:
            assert resp.status == 200, (path, resp.status)
            await resp.read()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        async with http.get(path) as resp:
            await resp.read()
            assert resp.status == 200, (path, resp.status)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


async def measure(uri: str, clock: ManualClock, requests: int, la: str, master_key: str
                  ) -> dict[str, tuple[float, float]]:
    settings = load(environ={}).replace(mongodb_uri=uri, database_name="bench", master_key=master_key,
                                        bots_enabled=False, figures_interval_seconds=24 * 3600)
    store = await Store.connect(uri, "bench", 30)
    await store.figures_current.delete_many({})  # so the job publishes afresh for this size
    await store.figures_published.delete_many({})
    await store.leases.delete_many({})  # the last server's leases (its clock stands still, so they would not expire)
    services = build(settings, store, clock)
    app = init_app(services)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        started = time.perf_counter()
        figures = services.figures
        period = rules.default_period(figures.this_month())
        while await store.figures_current.find_one({"_id": period.key}) is None:  # noqa: ASYNC110  (the job's first run: only the database says when it is done)
            await asyncio.sleep(0.2)
        print(f"    figures job, first run (count what stands; suppress and publish 12 months of 163 areas): "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        reviewer = await store.staff.find_one({"username": "bench.reviewer"})
        if reviewer is None:
            reviewer = await create_staff(store, clock, username="bench.reviewer", password="bench-password-1",
                                          name="Bench Reviewer", role="reviewer")
        token, _ = await services.auth.open_session(reviewer["_id"], "reviewer", timedelta(hours=2))
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}",
                                         headers={"Authorization": f"Bearer {token}"}) as http:
            return {
                "national figures": await timed(http, "/figures", requests),
                "one local authority": await timed(http, f"/figures/las/{la}", requests),
                "the queue": await timed(http, "/oversight", requests),
            }
    finally:
        await runner.cleanup()
        await store.close()


async def main(sizes: list[int], children: int, requests: int, fresh: bool) -> None:
    folder = bench_dir("oversight", fresh=True)
    print(f"oversight bench: {children:,} children, concerns {' then '.join(f'{s:,}' for s in sizes)}; "
          f"{requests} timed requests per page; {machine_load()}", flush=True)
    db = await EmbeddedDatabase.start(folder / "db")
    store = await Store.connect(db.uri, "bench", 30)
    results = {}
    try:
        await store.create_indexes()
        now = datetime.now(timezone.utc).replace(microsecond=0)
        clock = ManualClock(now)
        seeder = Seeder(store, now, children)
        started = time.perf_counter()
        await seeder.people()
        print(f"  seeded {children:,} children, {LAS} local authorities, {ADVOCATES:,} advocates in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        la = seeder.las[0][0]
        master_key = new_master_key()  # one for the run: each size's server opens the keys the first one wrapped
        for size in sizes:
            started = time.perf_counter()
            await seeder.concerns_up_to(size)
            items = await store.oversight.count_documents({"open": True})
            print(f"  {size:,} concerns seeded in {time.perf_counter() - started:.0f} s "
                  f"({items:,} open in the queue)", flush=True)
            results[size] = await measure(db.uri, clock, requests, la, master_key)
            for page, (median, p95) in results[size].items():
                print(f"    {page:<22} median {median:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    finally:
        await store.close()
        await db.stop()
    small, large = sizes[0], sizes[-1]
    print(f"  ratio of medians, {large:,} / {small:,} concerns:")
    for page in results[small]:
        print(f"    {page:<22} {results[large][page][0] / results[small][page][0]:.2f}")
    national = results[large]["national figures"][0]
    print(f"  targets: national median under 300 ms ({national:.0f} ms: {'met' if national < 300 else 'NOT met'}); "
          f"ratio at most 1.5 ({results[large]['national figures'][0] / results[small]['national figures'][0]:.2f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8,200 children; 5,000 then 50,000 concerns")
    parser.add_argument("--full", action="store_true", help="82,000 children; 50,000 then 500,000 concerns")
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of concerns, smallest first")
    parser.add_argument("--children", type=int)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page and size")
    args = parser.parse_args()
    sizes = args.sizes or ([50_000, 500_000] if args.full else [5_000, 50_000])
    children = args.children or (8_200 if args.quick else 82_000)
    asyncio.run(main(sorted(sizes), children, args.requests, True))
