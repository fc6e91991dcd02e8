"""Wiring concerns, the escalation ladder and sweeper, safeguarding and the oversight queue into the app."""

from __future__ import annotations

from typing import AsyncIterator

import socketio
from aiohttp import web

from advocacy.auth.service import AuthService
from advocacy.chat.events import ChatNamespace
from advocacy.clock import Clock
from advocacy.concerns import export as concern_export
from advocacy.concerns import views as concern_views
from advocacy.concerns.keys import concerns_key, ladder_key, oversight_key, safeguarding_key, sweeper_key
from advocacy.concerns.service import ConcernService
from advocacy.crypto import Keyring
from advocacy.escalation.service import Ladder
from advocacy.escalation.sweeper import Sweeper, sweeper_job
from advocacy.notifications import Notifier
from advocacy.oversight import views as oversight_views
from advocacy.oversight.service import OversightNamespace, OversightQueue
from advocacy.pairing.service import Pairings
from advocacy.safeguarding import views as safeguarding_views
from advocacy.safeguarding.service import Safeguarding
from advocacy.settings import Settings
from advocacy.store import Store


def install(
    app: web.Application, *, settings: Settings, store: Store, clock: Clock, keyring: Keyring, auth: AuthService,
    sio: socketio.AsyncServer, chat: ChatNamespace, notifier: Notifier, pairings: Pairings,
) -> None:
    concerns = ConcernService(store, clock, keyring, auth, settings, notifier)
    oversight = OversightQueue(store, clock, keyring, concerns, notifier)
    ladder = Ladder(store, concerns, notifier, oversight, settings)
    safeguarding = Safeguarding(store, concerns, ladder, notifier)

    concerns.after_change.append(ladder.after_change)
    concerns.after_child_raised.append(safeguarding.worry_raised)
    ladder.tell_child = oversight.tell_child = safeguarding.tell_child = chat.tell_child
    safeguarding.online = chat.presence.online
    chat.after_child_message.append(safeguarding.message_sent)
    pairings.listeners.append(concerns.advocate_changed)
    sio.register_namespace(OversightNamespace(auth, oversight, clock))

    app[concerns_key] = concerns
    app[ladder_key] = ladder
    app[safeguarding_key] = safeguarding
    app[oversight_key] = oversight
    app[sweeper_key] = sweeper_job(store, clock, Sweeper(store, clock, ladder), settings.sweep_interval_seconds)
    concern_export.register()
    for module in (concern_views, safeguarding_views, oversight_views):
        app.router.add_routes(module.routes)
    app.cleanup_ctx.append(_background)


async def _background(app: web.Application) -> AsyncIterator[None]:
    app[sweeper_key].start()
    yield
    await app[sweeper_key].stop()
    await app[safeguarding_key].drain()
