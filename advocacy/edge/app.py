"""The application factory: the aiohttp app with the Socket.IO server attached, around built services.

The services come from ``advocacy.bootstrap``; this module adds what a browser
or a socket reaches: the routes of every capability, the templates, and the
Socket.IO namespaces (each subscribes, as it is made, to the news it delivers).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp_jinja2
import jinja2
import socketio
from aiohttp import web

from advocacy.assets import Assets
from advocacy.bootstrap import Services
from advocacy.date_words import moment_words
from advocacy.edge import (
    advocacy_views,
    auth_views,
    chat_views,
    complaint_views,
    concern_views,
    console_views,
    correction_views,
    equality_views,
    figures_views,
    interpreting_views,
    language_views,
    oversight_pages,
    oversight_views,
    pairing_views,
    privacy_views,
    push_views,
    safe_json,
    safeguarding_views,
    site_views,
    staff_views,
    team_views,
)
from advocacy.edge.bot_events import BotsNamespace
from advocacy.edge.chat_events import ChatNamespace
from advocacy.edge.console_events import ConsoleNamespace
from advocacy.edge.keys import assets_key, services_key, sio_key
from advocacy.edge.language import install as install_language
from advocacy.edge.metrics import Metrics, metrics, metrics_key
from advocacy.edge.middlewares import errors, request_ids, same_origin_changes, security_headers
from advocacy.edge.oversight_events import OversightNamespace
from advocacy.errors import ServiceError
from advocacy.resources import RESOURCES
from advocacy.scale_out import channel_prefix
from advocacy.settings import Settings

# Socket.IO packets larger than this are dropped by the transport, which closes the
# connection: far above any real message (4,000 characters), so only abuse meets it.
MAX_PACKET_BYTES = 1024 * 1024


class _HeaderOnly:
    """Stands in for the JSON module to read a refused packet's header (type, namespace, ack id) alone."""

    dumps = staticmethod(safe_json.dumps)

    @staticmethod
    def loads(_: str) -> None:
        return None


class _PacketHeader(socketio.packet.Packet):
    json = _HeaderOnly


class SocketServer(socketio.AsyncServer):
    """A Socket.IO server that answers a packet it cannot read (nested too deep, a number too big to
    store, not JSON) with a ``bad_request`` ack, if the packet asked for one, instead of a traceback:
    the connection stays open and nothing is stored."""

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, RecursionError):
            if not isinstance(data, str):
                return
            try:
                header = _PacketHeader(encoded_packet=data)
            except (ValueError, RecursionError):
                return
            if header.packet_type == socketio.packet.EVENT and header.id is not None:
                refused = ServiceError("bad_request", "That didn't make sense to us: send JSON nested at most "
                                       f"{safe_json.MAX_DEPTH} levels deep, with no number too big to store. "
                                       "Nothing was changed.")
                # The library's own way to send a packet (an ack), as it does for the events it handles.
                await self._send_packet(eio_sid, self.packet_class(
                    socketio.packet.ACK, namespace=header.namespace, id=header.id, data=[refused.as_dict()]))

ROUTES = (site_views.routes, auth_views.routes, chat_views.routes, console_views.routes, privacy_views.routes,
          concern_views.routes, complaint_views.routes, correction_views.routes,
          safeguarding_views.routes, oversight_views.routes, oversight_pages.routes, pairing_views.routes,
          figures_views.routes, team_views.routes, language_views.routes, staff_views.routes, push_views.routes,
          equality_views.routes, advocacy_views.routes, interpreting_views.routes)


def _origin_checker(settings: Settings):
    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return True  # not a browser: nothing to forge
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin in {own, settings.public_url.rstrip("/")} - {""}

    return allowed


def init_app(services: Services) -> web.Application:
    """Build the app around built services. The caller owns the store's lifetime; the app starts and
    stops the services' background work with itself."""
    settings = services.settings
    app = web.Application(middlewares=[request_ids, errors, same_origin_changes], client_max_size=256 * 1024)
    app.on_response_prepare.append(security_headers)
    app[services_key] = services
    app[metrics_key] = Metrics()
    app[metrics_key].listen(services.chat)
    app[metrics_key].count_commands(services.store.commands)
    app.router.add_get("/metrics", metrics)

    assets = Assets(RESOURCES.static, RESOURCES.vendor_files())
    app[assets_key] = assets
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(RESOURCES.templates)),
        autoescape=jinja2.select_autoescape(default=True),
    )
    install_language(app, env, RESOURCES.static / "js")
    env.globals["asset"] = assets.url
    env.filters["when"] = functools.partial(moment_words, zone=settings.timezone)
    for routes in ROUTES:
        app.router.add_routes(routes)
    app.router.add_get("/static/{path:.+}", assets.static_file)

    # Several processes share rooms through Redis and take WebSocket only, so a
    # client needs no sticky session: any process can serve its next connection.
    scaled = bool(settings.redis_url)
    sio = SocketServer(
        async_mode="aiohttp",
        json=safe_json,
        cors_allowed_origins=_origin_checker(settings),
        cookie=None,
        max_http_buffer_size=MAX_PACKET_BYTES,
        ping_interval=20,
        ping_timeout=20,
        client_manager=socketio.AsyncRedisManager(settings.redis_url, channel=channel_prefix(settings) + "socketio")
        if scaled else None,
        transports=["websocket"] if scaled else None,
    )
    auth, clock, counted = services.auth, services.clock, app[metrics_key]
    chat = ChatNamespace(auth, services.chat, settings, clock, services.presence, services.access_changed, counted)
    for namespace in (
        chat,
        ConsoleNamespace(auth, services.notifier, clock, counted),
        OversightNamespace(auth, services.oversight, clock, counted),
        BotsNamespace(auth, services.bots, clock, services.chat, services.presence, services.pairing_changes,
                      counted),
    ):
        sio.register_namespace(namespace)
    sio.attach(app)
    app[sio_key] = sio
    app.cleanup_ctx.append(_services_running)
    app.on_shutdown.append(_close_sockets)
    return app


async def _services_running(app: web.Application) -> AsyncIterator[None]:
    services = app[services_key]
    await services.start()
    yield
    await services.stop()


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
