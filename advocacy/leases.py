"""Leases in MongoDB, so that exactly one server process runs each background job.

A lease is a document ``{_id: job name, holder, expires_at}``. A process takes
it if it is free or expired, and renews it each time it runs the job; if the
holder dies, another process takes over once the lease expires.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta

from advocacy.background import cancelled
from advocacy.clock import Clock
from advocacy.store import DuplicateKeyError, PyMongoError, Store

log = logging.getLogger(__name__)

# How long ``LeasedJob.stop`` lets a run in progress finish before cancelling it.
STOP_GRACE_SECONDS = 5.0

__all__ = ["LeasedJob", "acquire", "holder_name", "release"]


def holder_name() -> str:
    """Who this process is, in lease documents (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def acquire(store: Store, clock: Clock, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``ttl``; False if another live holder has it."""
    now = clock.now()
    try:
        await store.leases.update_one(
            {"_id": name, "$or": [{"holder": holder}, {"expires_at": {"$lte": now}}]},
            {"$set": {"holder": holder, "expires_at": now + ttl, "renewed_at": now}},
            upsert=True,
        )
    except DuplicateKeyError:  # the document exists and someone else holds it
        return False
    return True


async def release(store: Store, name: str, holder: str) -> None:
    await store.leases.delete_one({"_id": name, "holder": holder})


class LeasedJob:
    """Run ``job`` every ``interval`` seconds in whichever process holds the lease ``name``.

    The lease lasts three intervals, so a holder that stalls or dies is replaced
    within that time. A failing run is logged (without personal data) and the
    next run tries again. ``stop`` lets a run in progress finish for up to
    ``STOP_GRACE_SECONDS`` before cancelling it: a database read cut off half-way
    leaves the driver's connection to be closed by the garbage collector.
    """

    def __init__(
        self, store: Store, clock: Clock, name: str, interval: float, job: Callable[[], Awaitable[object]],
        holder: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.name = name
        self.interval = interval
        self.job = job
        self.holder = holder or holder_name()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self.stop_grace_seconds = STOP_GRACE_SECONDS

    async def run_once(self) -> bool:
        """Run the job now if this process holds (or can take) the lease; True if it ran."""
        if not await acquire(self.store, self.clock, self.name, self.holder, timedelta(seconds=self.interval * 3)):
            return False
        await self.job()
        return True

    def start(self) -> None:
        self._stopping = False
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"leased job {self.name}")

    def poke(self) -> None:
        """Run soon rather than at the next interval (a test moved the clock, an urgent event)."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            await asyncio.wait({self._task}, timeout=self.stop_grace_seconds)
        await cancelled(self._task)
        self._task = None
        try:
            await release(self.store, self.name, self.holder)
        except PyMongoError:
            pass

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                await self.run_once()
            except PyMongoError as exc:
                log.warning("background job %s: database error %s", self.name, exc.__class__.__name__)
            except Exception:
                log.exception("background job %s failed", self.name)
            try:
                await asyncio.wait_for(self._wake.wait(), self.interval)
            except TimeoutError:
                pass
            self._wake.clear()
