"""The service's own bots (welcome, away, nudge), started by `advocacy serve`.

They run in whichever server process holds the lease ``bots`` (so in exactly
one, however many there are) and talk to that process over loopback through
the public protocol, like any other bot. If the process stops or stalls,
another takes the lease and starts them within a few intervals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from advocacy.auth.service import AuthService
from advocacy.background import cancelled
from advocacy.botapi.accounts import ensure_bot
from advocacy.clock import Clock
from advocacy.leases import acquire, holder_name, release
from advocacy.settings import Settings
from advocacy.store import PyMongoError, Store
from bots.away import AwayBot
from bots.nudge import NudgeBot
from bots.sdk import BotClient
from bots.welcome import WelcomeBot

log = logging.getLogger(__name__)

LEASE = "bots"
ACCOUNT = "Advocacy helper"


def loopback_url(settings: Settings, port: int) -> str:
    host = settings.host if settings.host not in {"0.0.0.0", "::", ""} else "127.0.0.1"  # noqa: S104  (compares, binds nothing)
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class ServiceBots:
    def __init__(self, store: Store, auth: AuthService, clock: Clock, url: str, interval: float = 5.0) -> None:
        self.store = store
        self.auth = auth
        self.clock = clock
        self.url = url
        self.interval = interval
        self.holder = holder_name()
        self.running: list[tuple[BotClient, asyncio.Task[None]]] = []
        self._session: str | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.running)

    def start(self) -> None:
        self._task = asyncio.create_task(self._hold(), name="service bots")

    async def stop(self) -> None:
        await cancelled(self._task)
        await self._stop_bots()
        with contextlib.suppress(PyMongoError):
            await release(self.store, LEASE, self.holder)

    async def _hold(self) -> None:
        ttl = timedelta(seconds=self.interval * 3)
        while True:
            try:
                held = await acquire(self.store, self.clock, LEASE, self.holder, ttl)
            except PyMongoError as exc:
                log.warning("bots lease: database error %s", exc.__class__.__name__)
                held = False
            if held and not self.running:
                await self._start_bots()
            elif not held and self.running:
                await self._stop_bots()
            await asyncio.sleep(self.interval)

    async def _start_bots(self) -> None:
        try:
            bot = await ensure_bot(self.store, self.clock, ACCOUNT)
            token, principal = await self.auth.sign_in_bot(bot["_id"], timedelta(days=1))
        except PyMongoError as exc:
            log.warning("could not start the bots: database error %s", exc.__class__.__name__)
            return
        self._session = principal.session_id
        for make in (WelcomeBot, AwayBot, NudgeBot):
            client = BotClient(self.url, token)
            self.running.append((client, asyncio.create_task(make(client).run(), name=f"bot {make.__name__}")))
        log.info("the service's bots are running in this process")

    async def _stop_bots(self) -> None:
        running, self.running = self.running, []
        for client, task in running:
            await client.stop()
            with contextlib.suppress(Exception):  # a bot that failed has been logged already
                await cancelled(task)
        if self._session is not None:
            with contextlib.suppress(PyMongoError):
                await self.auth.end_session(self._session)
            self._session = None
