"""The figures job and reading what it published.

Every ``figures_interval_seconds`` one server process (a ``LeasedJob``):

1. counts what stands now (stocks) and writes it as this month's counts for
   every area: children known and paired (one aggregation over children),
   advocates' caseloads, cover for advocates away today, and unresolved
   concerns past their deadline (an index read of the unresolved ones only);
   the last count in a month is that month's end;
2. publishes the default period (the twelve months to this one): reads the
   running totals (``figures_months``) and month-end counts of the period and
   its chart months for every area, suppresses small numbers across the whole
   set (advocacy.figures.table), and writes one document per area under a new
   generation number, then points ``figures_current`` at it.

Pages read the published documents, so a page view costs a few small reads
however many concerns there are. Another period is published the first time
someone asks for it, and again when it is older than the last count.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from advocacy import workdays
from advocacy.clock import Clock
from advocacy.concerns.states import UNRESOLVED
from advocacy.events import Topic
from advocacy.figures import rules, table
from advocacy.figures.rules import Period
from advocacy.figures.table import Area, Flow
from advocacy.figures.tally import ENGLAND, Tally, region_slug
from advocacy.leases import LeasedJob
from advocacy.store import ReplaceOne, Store

log = logging.getLogger(__name__)

KEEP_OTHER_PERIODS_SECONDS = 24 * 3600


class Figures:
    def __init__(self, store: Store, clock: Clock, categories: list[tuple[str, str]], interval_seconds: int,
                 small: int, outcomes: list[tuple[str, str]] | None = None,
                 feedback: list[tuple[str, str]] | None = None, tally: Tally | None = None) -> None:
        self.store = store
        self.tally = tally  # its replies still waiting to be counted are counted before each run
        self.clock = clock
        self.categories = categories
        self.outcomes = outcomes or []  # complaints about the service, by outcome: (key, label)
        self.feedback = feedback or []  # children's feedback answers: (key, label)
        self.interval_seconds = interval_seconds
        self.small = small
        self.job = LeasedJob(store, clock, "figures", interval_seconds, self.run)
        self._lock = asyncio.Lock()
        # Each time the job has counted and published (other counts are brought up to date with it).
        self.published: Topic[None] = Topic("figures.published")

    def this_month(self) -> str:
        return workdays.london_month(self.clock.now())

    # areas -------------------------------------------------------------------

    async def areas(self) -> list[Area]:
        """England, its regions and local authorities (from ``local_authorities``)."""
        las = await self.store.local_authorities.find({}, {"name": 1, "region": 1}).to_list(None)
        regions = sorted({la.get("region") for la in las if la.get("region")})
        areas = [Area(ENGLAND, "england", "England")]
        areas += [Area(f"region:{region_slug(r)}", "region", r, ENGLAND, region_slug(r)) for r in regions]
        areas += [Area(f"la:{la['_id']}", "la", la.get("name", la["_id"]),
                       f"region:{region_slug(la['region'])}" if la.get("region") else ENGLAND, la["_id"])
                  for la in sorted(las, key=lambda d: d.get("name", d["_id"]))]
        return areas

    # stocks ------------------------------------------------------------------

    async def count_stocks(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        """What stands now, per area: known, paired, overdue, away, uncovered, caseloads."""
        now = now or self.clock.now()
        areas = await self.areas()
        parent = {a.id: a.parent for a in areas}
        counts: dict[str, dict[str, Any]] = {a.id: {"known": 0, "paired": 0, "overdue": 0, "away": 0, "uncovered": 0}
                                            for a in areas}

        def lineage(la: str | None) -> list[str]:
            area = f"la:{la}" if la else None
            chain = []
            while area is not None and area in parent:
                chain.append(area)
                area = parent[area]
            return chain

        # children known and paired, and which advocates work where
        loads: dict[str, int] = {}
        working: dict[str, set[str]] = {a.id: set() for a in areas}
        grouped = await self.store.children.aggregate([
            {"$match": {"la": {"$ne": None}}},
            {"$group": {"_id": {"la": "$la", "advocate": "$advocate"}, "n": {"$sum": 1}}},
        ])
        async for group in grouped:
            la, advocate, n = group["_id"].get("la"), group["_id"].get("advocate"), group["n"]
            for area in lineage(la):
                counts[area]["known"] += n
                if advocate:
                    counts[area]["paired"] += n
                    working[area].add(advocate)
            if advocate:
                loads[advocate] = loads.get(advocate, 0) + n
        async for advocate in self.store.staff.find({"role": "advocate", "active": {"$ne": False}, "left_at": None},
                                                    {"_id": 1}):
            loads.setdefault(advocate["_id"], 0)
            working[ENGLAND].add(advocate["_id"])
        for area, advocates in working.items():
            caseloads = [loads.get(a, 0) for a in advocates]
            counts[area]["advocates"] = len(caseloads)
            counts[area]["caseload_median"] = rules.median(caseloads)
            counts[area]["caseload_max"] = max(caseloads) if caseloads else None
        # cover for advocates away now
        covers = await self.store.covers.find({"starts_at": {"$lte": now}, "ends_at": {"$gt": now}},
                                              {"child": 1, "cover": 1}).to_list(None)
        if covers:
            las = {d["_id"]: d.get("la") async for d in
                   self.store.children.find({"_id": {"$in": list({c["child"] for c in covers})}}, {"la": 1})}
            for cover in covers:
                for area in lineage(las.get(cover["child"])):
                    counts[area]["away"] += 1
                    counts[area]["uncovered"] += cover.get("cover") is None
        # unresolved concerns past their deadline: one status at a time, so each read is an equality and
        # a range on the (status, deadlines.oversight_by) index rather than a scan
        for status in sorted(s.value for s in UNRESOLVED):
            overdue = self.store.concerns.find({"status": status, "deadlines.oversight_by": {"$lt": now}}, {"la": 1})
            async for concern in overdue:
                for area in lineage(concern.get("la")):
                    counts[area]["overdue"] += 1
        return counts

    async def snapshot(self) -> None:
        """Write what stands now as this month's end-of-month counts (until a later count replaces it)."""
        now = self.clock.now()
        month = self.this_month()
        counts = await self.count_stocks(now)
        before = {d["area"]: d async for d in self.store.figures_stock.find({"month": month})}
        changed = [ReplaceOne({"_id": f"{area}|{month}"}, {"area": area, "month": month, "at": now, **values},
                              upsert=True)
                   for area, values in counts.items()
                   if {k: v for k, v in before.get(area, {}).items()
                       if k not in ("_id", "area", "month", "at")} != values]
        if changed:  # nothing is written when nothing changed
            await self.store.figures_stock.bulk_write(changed, ordered=False)

    # publishing --------------------------------------------------------------

    async def inputs(self, period: Period) -> table.Inputs:
        months = sorted(set(period.months) | set(period.window))
        flows: dict[tuple[str, str], Flow] = {}
        async for doc in self.store.figures_months.find({"month": {"$in": months}}):
            flows[doc["area"], doc["month"]] = Flow().add(doc)
        stocks = {(d["area"], d["month"]): d async for d in
                  self.store.figures_stock.find({"month": {"$in": sorted(set(period.window) | {period.last})}})}
        return table.Inputs(period, await self.areas(), flows, stocks, self.categories, self.small, self.outcomes,
                            self.feedback)

    async def publish(self, period: Period) -> int:
        """Work out and store the period's figures for every area; returns the new generation."""
        inputs = await self.inputs(period)
        # Seconds of pure Python for a national table: in a thread, so pages are served meanwhile.
        published = await asyncio.to_thread(table.publish, inputs)
        now = self.clock.now()
        stock_at = max((s.get("at") for s in inputs.stocks.values() if s.get("at")), default=None)
        digest = hashlib.sha256(json.dumps(published, sort_keys=True, default=str).encode()).hexdigest()
        current = await self.store.figures_current.find_one({"_id": period.key}, {"gen": 1, "digest": 1, "stock_at": 1})
        if current is not None and current.get("digest") == digest:  # the same figures as already published
            if current.get("stock_at") != stock_at:
                await self.store.figures_current.update_one({"_id": period.key}, {"$set": {"stock_at": stock_at}})
            return current["gen"]
        gen = (current or {}).get("gen", 0) + 1
        docs = [{"_id": f"{period.key}|{gen}|{area}", "period": period.key, "gen": gen, **figures}
                for area, figures in published.items()]
        for start in range(0, len(docs), 200):
            await self.store.figures_published.insert_many(docs[start:start + 200])
        await self.store.figures_current.replace_one(
            {"_id": period.key},
            {"gen": gen, "first": period.first, "last": period.last, "computed_at": now, "stock_at": stock_at,
             "digest": digest},
            upsert=True)
        await self.store.figures_published.delete_many({"period": period.key, "gen": {"$lt": gen}})
        return gen

    async def run(self) -> None:
        """The job: count what stands, publish the default period, forget other periods nobody looked at lately."""
        async with self._lock:  # one computation at a time in this process
            if self.tally is not None:
                await self.tally.drain()
            await self.snapshot()
            await self.publish(rules.default_period(self.this_month()))
        await self.published.publish(None)
        stale = self.clock.now().timestamp() - KEEP_OTHER_PERIODS_SECONDS
        default = rules.default_period(self.this_month()).key
        async for current in self.store.figures_current.find({"_id": {"$ne": default}}):
            if current["computed_at"].timestamp() < stale:
                await self.store.figures_published.delete_many({"period": current["_id"]})
                await self.store.figures_current.delete_one({"_id": current["_id"]})

    # reading -----------------------------------------------------------------

    async def current(self, period: Period) -> dict[str, Any]:
        """The pointer to the period's latest figures, publishing them first if needed."""
        current = await self.store.figures_current.find_one({"_id": period.key})
        if current is None or await self._older_than_last_count(current, period):
            async with self._lock:  # one computation at a time in this process
                current = await self.store.figures_current.find_one({"_id": period.key})
                if current is None or await self._older_than_last_count(current, period):
                    await self.publish(period)
                    current = await self.store.figures_current.find_one({"_id": period.key})
        return current

    async def _older_than_last_count(self, current: Mapping[str, Any], period: Period) -> bool:
        if period.key == rules.default_period(self.this_month()).key:
            return False  # the job keeps it fresh
        latest = await self.store.figures_stock.find_one({"_id": f"{ENGLAND}|{self.this_month()}"}, {"at": 1})
        return latest is not None and current.get("stock_at") is not None and latest["at"] > current["stock_at"]

    async def read(self, period: Period, full: list[str], rows_of: list[str] = ()) -> dict[str, Any]:
        """The published figures: every part of the areas in ``full``, and the period's row of
        each area of a kind in ``rows_of`` ("region", "la")."""
        current = await self.current(period)
        lease = await self.store.leases.find_one({"_id": self.job.name}, {"renewed_at": 1})
        current["checked_at"] = max(current["computed_at"], (lease or {}).get("renewed_at") or current["computed_at"])
        where = {"period": period.key, "gen": current["gen"]}
        ids = [f"{period.key}|{current['gen']}|{area}" for area in full]
        areas = {d["area"]: d async for d in self.store.figures_published.find({"_id": {"$in": ids}})}
        rows = []
        if rows_of:
            rows = await self.store.figures_published.find(
                {**where, "kind": {"$in": list(rows_of)}},
                {"area": 1, "kind": 1, "name": 1, "parent": 1, "code": 1, "row": 1}).to_list(None)
        return {"current": current, "areas": areas, "rows": rows}
