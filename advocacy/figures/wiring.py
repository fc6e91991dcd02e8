"""Wiring the figures into the app: the running totals' hooks, the figures job, the pages."""

from __future__ import annotations

from typing import AsyncIterator

from aiohttp import web

from advocacy.chat.service import ChatService
from advocacy.concerns.service import ConcernService
from advocacy.figures import views
from advocacy.figures.service import Figures
from advocacy.figures.tally import Tally
from advocacy.pairing.flows import PairingService
from advocacy.settings import Settings
from advocacy.store import Store
from advocacy.clock import Clock


def install(app: web.Application, *, settings: Settings, store: Store, clock: Clock, concerns: ConcernService,
            pairing: PairingService, chat: ChatService) -> Figures:
    tally = Tally(store, clock)
    concerns.event_listeners.append(tally.concern_event)
    pairing.event_listeners.append(tally.opt_event)
    chat.reply_listeners.append(tally.replied)
    categories = [(c.key, c.staff_label) for c in concerns.categories.values()]
    figures = Figures(store, clock, categories, settings.figures_interval_seconds)
    app[views.figures_key] = figures
    app.router.add_routes(views.routes)
    app.cleanup_ctx.append(_job)
    return figures


async def _job(app: web.Application) -> AsyncIterator[None]:
    job = app[views.figures_key].job
    job.start()
    yield
    await job.stop()
