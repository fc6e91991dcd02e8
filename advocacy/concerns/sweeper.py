"""The escalation sweeper: every minute, take the ladder steps that have fallen due.

It reads only the concerns whose ``next_due`` (indexed) is now or earlier, so
its cost follows the concerns that are due, not all concerns; and those with a
step claimed but not carried out (``pending``, indexed, rare). Each concern
then climbs through ``Ladder.climb``, which takes every step due, one at a
time and in order: after a downtime, the steps missed come back in the order
they fell due, each once.

One process runs it at a time (``LeasedJob``, a lease in MongoDB), but that is
for economy, not correctness: two sweepers at once still take each step once,
because each step is claimed by one conditional write.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from advocacy.clock import Clock
from advocacy.concerns.ladder import PENDING_GRACE, Ladder
from advocacy.concerns.ladder_rules import Step
from advocacy.leases import LeasedJob
from advocacy.store import ASCENDING, PyMongoError, Store

log = logging.getLogger(__name__)

JOB_NAME = "escalation-sweeper"
BATCH = 500
CONCURRENCY = 8


@dataclass
class SweepReport:
    """What one sweep did: concerns read because they were due, steps taken, interrupted steps finished."""

    examined: int = 0
    steps: int = 0
    finished: int = 0


class Sweeper:
    def __init__(self, store: Store, clock: Clock, ladder: Ladder, batch: int = BATCH) -> None:
        self.store = store
        self.clock = clock
        self.ladder = ladder
        self.batch = batch

    async def sweep(self) -> SweepReport:
        report = SweepReport()
        now = self.clock.now()
        seen: set[str] = set()
        while True:
            cursor = self.store.concerns.find({"next_due": {"$lte": now}}, {"_id": 1}).sort("next_due", ASCENDING)
            ids = [d["_id"] async for d in cursor.limit(self.batch)]
            fresh = [i for i in ids if i not in seen]
            report.examined += len(fresh)
            seen.update(fresh)
            await self._each(fresh, report)
            # A full batch may mean more are waiting; a batch of ones already tried means they keep failing.
            if len(ids) < self.batch or not fresh:
                break
        stalled = self.store.concerns.find(
            {"pending": {"$in": [s.value for s in Step if s is not Step.NONE]},
             "pending_at": {"$lte": now - PENDING_GRACE}}
        )
        async for doc in stalled:
            try:
                finished = await self.ladder.finish_pending(doc)
                report.finished += finished
            except PyMongoError:
                raise
            except Exception:
                log.exception("could not finish an escalation step")
        return report

    async def _each(self, ids: list[str], report: SweepReport) -> None:
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def climb(concern_id: str) -> None:
            async with semaphore:
                try:
                    taken = await self.ladder.climb(concern_id)
                    report.steps += len(taken)  # after the await: += would read the count before it
                except PyMongoError:
                    raise
                except Exception:
                    log.exception("could not escalate a concern")

        await asyncio.gather(*(climb(i) for i in ids))


def sweeper_job(store: Store, clock: Clock, sweeper: Sweeper, interval_seconds: float,
                holder: str | None = None) -> LeasedJob:
    return LeasedJob(store, clock, JOB_NAME, interval_seconds, sweeper.sweep, holder=holder)
