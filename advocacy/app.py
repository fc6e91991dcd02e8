"""The application factory: the aiohttp app with the Socket.IO server attached."""

from __future__ import annotations

import functools
from typing import Any, AsyncIterator

import aiohttp_jinja2
import jinja2
import socketio
from aiohttp import web

from advocacy.assets import Assets, assets_key
from advocacy.auth.service import AuthService
from advocacy.botapi.events import BotsNamespace
from advocacy.botapi.service import BotService
from advocacy.auth.views import routes as auth_routes
from advocacy.workdays import moment_words
from advocacy.chat.events import ChatNamespace
from advocacy.chat.presence import Presence
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.concerns import wiring as concerns_wiring
from advocacy.concerns.keys import concerns_key
from advocacy.crypto import Keyring, load_accepted_master_keys, load_master_key
from advocacy.figures import wiring as figures_wiring
from advocacy.notifications import ConsoleNamespace, Notifier
from advocacy.oversight.pages import setup_reviewer_pages
from advocacy.pairing.service import Pairings
from advocacy.pairing.views import pairing_key, setup_pairing
from advocacy.scale_out import RedisPresence, access_changed, client_manager, redis_client, sessions_ended
from advocacy.privacy.erasure import RetentionJob
from advocacy.privacy.retention import load_retention
from advocacy.privacy.sealing import seal_legacy_records_once
from advocacy.privacy.views import routes as privacy_routes
from advocacy.privacy.trail import pairing_recorder
from advocacy.settings import Settings
from advocacy.store import Store
from advocacy.team.views import setup_team
from advocacy.views import VENDOR_FILES, WEB_DIR, routes
from advocacy.web import auth_key, errors, same_origin_changes, security_headers, settings_key

store_key = web.AppKey("store", Store)
clock_key = web.AppKey("clock", Clock)
chat_key = web.AppKey("chat", ChatService)
sio_key = web.AppKey("sio", socketio.AsyncServer)
chat_ns_key = web.AppKey("chat_ns", ChatNamespace)
keyring_key = web.AppKey("keyring", Keyring)
notifier_key = web.AppKey("notifier", Notifier)
pairings_key = web.AppKey("pairings", Pairings)
retention_key = web.AppKey("retention", RetentionJob)

# Socket.IO packets larger than this are dropped by the transport, which closes the
# connection: far above any real message (4,000 characters), so only abuse meets it.
MAX_PACKET_BYTES = 1024 * 1024


def _origin_checker(settings: Settings):
    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True  # not a browser: nothing to forge
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin in {own, settings.public_url.rstrip("/")} - {""}

    return allowed


def init_app(
    settings: Settings, store: Store, clock: Clock | None = None, keyring: Keyring | None = None
) -> web.Application:
    """Build the app around a connected store. The caller owns the store's lifetime."""
    clock = clock or Clock()
    keyring = (keyring or Keyring(store, load_master_key(settings), load_accepted_master_keys(settings), clock=clock)).attach()
    app = web.Application(middlewares=[errors, same_origin_changes], client_max_size=256 * 1024)
    app.on_response_prepare.append(security_headers)
    app[settings_key] = settings
    app[store_key] = store
    app[clock_key] = clock
    app[keyring_key] = keyring
    auth = AuthService(store, settings, clock)
    chat = ChatService(store, settings, clock, auth.access)
    app[auth_key] = auth
    app[chat_key] = chat

    assets = Assets(WEB_DIR / "static", VENDOR_FILES)
    app[assets_key] = assets
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(WEB_DIR / "templates")),
        autoescape=jinja2.select_autoescape(default=True),
    )
    env.globals["asset"] = assets.url
    env.filters["when"] = functools.partial(moment_words, zone=settings.timezone)
    app.router.add_routes(routes)
    app.router.add_routes(auth_routes)
    app.router.add_routes(privacy_routes)
    app.router.add_get("/static/{path:.+}", assets.static_file)

    # Several processes share rooms through Redis and take WebSocket only, so a
    # client needs no sticky session: any process can serve its next connection.
    scaled = bool(settings.redis_url)
    redis = redis_client(settings) if scaled else None
    presence = RedisPresence(redis, settings) if redis is not None else Presence()
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=_origin_checker(settings),
        cookie=None,
        max_http_buffer_size=MAX_PACKET_BYTES,
        ping_interval=20,
        ping_timeout=20,
        client_manager=client_manager(settings) if scaled else None,
        transports=["websocket"] if scaled else None,
    )
    namespace = ChatNamespace(auth, chat, settings, clock, presence)
    sio.register_namespace(namespace)
    notifier = Notifier(store, clock)
    sio.register_namespace(ConsoleNamespace(auth, notifier, clock))
    app[notifier_key] = notifier
    app[pairings_key] = Pairings(store, clock)
    # First, so the sockets are in their new rooms before anyone is told of the change.
    app[pairings_key].listeners.append(
        lambda change: namespace.access_changed([change.child, change.advocate, change.previous]))
    bots = BotsNamespace(auth, BotService(store, settings, clock, namespace, notifier), clock)
    sio.register_namespace(bots)
    namespace.watchers.append(bots.chat_happened)
    app[pairings_key].listeners.append(bots.paired)
    app[pairings_key].listeners.append(pairing_recorder(store, clock))
    concerns_wiring.install(app, settings=settings, store=store, clock=clock, keyring=keyring, auth=auth, sio=sio,
                            chat=namespace, notifier=notifier, pairings=app[pairings_key])
    sio.attach(app)
    app[sio_key] = sio
    app[chat_ns_key] = namespace
    app[retention_key] = RetentionJob(store, clock, load_retention())
    app.cleanup_ctx.append(_indexes)
    if redis is not None:
        app.cleanup_ctx.append(_scaled_out(redis, presence, auth, namespace, settings))
    app.cleanup_ctx.append(_retention)
    app.on_shutdown.append(_close_sockets)
    setup_pairing(app)
    figures = figures_wiring.install(app, settings=settings, store=store, clock=clock, concerns=app[concerns_key],
                                     pairing=app[pairing_key], chat=chat)
    figures.also.append(setup_reviewer_pages(app).queue.counts.recount)
    setup_team(app)
    return app


async def _close_sockets(app: web.Application) -> None:
    """Tell every Socket.IO client to go, so they reconnect (elsewhere) at once.

    The close packets are queued, not awaited: a client that is leaving at the same
    moment has no writer left to drain its queue, and waiting on it would stall the
    shutdown for ever. aiohttp then closes what is still open within its shutdown timeout.
    """
    sio = app[sio_key]
    for socket in list(sio.eio.sockets.values()):
        await socket.close(wait=False, reason=sio.eio.reason.SERVER_DISCONNECT)
    await sio.shutdown()


def _scaled_out(redis, presence: RedisPresence, auth: AuthService, chat: ChatNamespace, settings: Settings):
    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        news = [sessions_ended(settings, auth.on_session_ended), access_changed(settings, chat.access_listeners)]
        auth.on_session_ended[:] = [news[0].publish]
        chat.access_listeners[:] = [news[1].publish]
        await presence.start()
        for channel in news:
            await channel.start()
        yield
        for channel in news:
            await channel.stop()
        await presence.stop()
        await redis.aclose()

    return lifetime


async def _retention(app: web.Application) -> AsyncIterator[None]:
    """The daily retention job runs in whichever server process holds its lease."""
    job = app[retention_key].leased
    job.start()
    yield
    await job.stop()


async def _indexes(app: web.Application) -> AsyncIterator[None]:
    await app[store_key].create_indexes()
    await seal_legacy_records_once(app[store_key], app[keyring_key])
    yield
