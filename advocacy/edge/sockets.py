"""What every Socket.IO namespace shares: who is connected, and one way to answer events.

A namespace subclasses ``SignedInNamespace`` and decorates each handler with
``@event("permission.action")``. The decorator checks the session and the
permission table and turns every refusal into an ack
``{"ok": false, "error": {...}}``, so a bad event never closes the socket.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

import socketio

from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.clock import Clock
from advocacy.edge.handlers import SESSION_COOKIE
from advocacy.edge.metrics import Metrics
from advocacy.errors import ServiceError
from advocacy.logs import new_request_id, request_id
from advocacy.store import PyMongoError

log = logging.getLogger(__name__)

Handler = Callable[[Any, str, Principal, Any], Awaitable[dict[str, Any]]]


def token_from(environ: dict[str, Any], auth: Any) -> str | None:
    """The session token from the connection's auth data, or else its cookie."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return auth["token"]
    raw = environ.get("HTTP_COOKIE")
    if raw:
        try:
            morsel = SimpleCookie(raw).get(SESSION_COOKIE)
        except CookieError:
            return None
        return morsel.value if morsel else None
    return None


def refusal(error: ServiceError) -> socketio.exceptions.ConnectionRefusedError:
    """A refused connection: the client's connect_error has the message and ``data`` {code, message}."""
    return socketio.exceptions.ConnectionRefusedError(error.message, {"code": error.code, "message": error.message})


def event(action: str) -> Callable[[Handler], Callable[..., Awaitable[dict[str, Any]]]]:
    """Wrap a handler: check the session and the permission table, turn errors into acks."""

    def wrap(handler: Handler) -> Callable[..., Awaitable[dict[str, Any]]]:
        @functools.wraps(handler)
        async def run(self: SignedInNamespace, sid: str, data: Any = None) -> dict[str, Any]:
            request_id.set(new_request_id())  # each socket event is a request of its own in the logs
            started = time.monotonic()
            try:
                return await checked(self, sid, data)
            finally:
                if self.metrics is not None:
                    self.metrics.event_seconds.labels(action).observe(time.monotonic() - started)

        async def checked(self: SignedInNamespace, sid: str, data: Any) -> dict[str, Any]:
            principal = self.principals.get(sid)
            try:
                if principal is None:
                    raise ServiceError("unauthorised")
                if principal.expires_at <= self.clock.now():
                    asyncio.get_running_loop().call_soon(self._disconnect_later, sid)
                    raise ServiceError("session_expired")
                if not may(principal.role, action):
                    raise ServiceError("forbidden")
                return {"ok": True, **await handler(self, sid, principal, data)}
            except ServiceError as exc:
                return exc.as_dict()
            except PyMongoError as exc:
                log.warning("database error in %s: %s", action, exc.__class__.__name__)
                if self.metrics is not None:
                    self.metrics.database_errors.inc()
                return ServiceError("unavailable").as_dict()
            except Exception:
                log.exception("unexpected error in %s", action)
                return ServiceError("internal_error").as_dict()

        run.action = action  # type: ignore[attr-defined]  # read by the permission tests
        return run

    return wrap


class SignedInNamespace(socketio.AsyncNamespace):
    """A namespace only signed-in users reach; ``connect_action`` says which roles may connect.

    Each socket joins the room ``user:ID``. Sockets of a session that ends
    (signed out, revoked) are told ``signed_out`` and disconnected.
    """

    connect_action: str = ""
    refused_message: str = "You can't use this."

    def __init__(self, namespace: str, sessions: Sessions, clock: Clock, metrics: Metrics | None = None) -> None:
        super().__init__(namespace)
        self.metrics = metrics  # the event timings and database errors; None where nothing scrapes them
        self.sessions = sessions
        self.clock = clock
        self.principals: dict[str, Principal] = {}
        self.sids_by_session: dict[str, set[str]] = {}
        self.sids_by_user: dict[str, set[str]] = {}
        self._disconnecting: set[asyncio.Task[None]] = set()  # held until done, so none is garbage-collected
        sessions.ended.subscribe(self.close_session)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            principal = await self.sessions.principal_for(token_from(environ, auth))
        except ServiceError as exc:
            raise refusal(exc) from None
        except PyMongoError:
            raise refusal(ServiceError("unavailable")) from None
        if not may(principal.role, self.connect_action):
            raise refusal(ServiceError("forbidden", self.refused_message))
        self.principals[sid] = principal
        self.sids_by_session.setdefault(principal.session_id, set()).add(sid)
        self.sids_by_user.setdefault(principal.user_id, set()).add(sid)
        await self.enter_room(sid, user_room(principal.user_id))
        await self.connected(sid, principal)

    async def connected(self, sid: str, principal: Principal) -> None:
        """Called once a signed-in user's socket is accepted; joins further rooms."""

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        principal = self.principals.pop(sid, None)
        if principal is None:
            return
        for index, key in ((self.sids_by_session, principal.session_id), (self.sids_by_user, principal.user_id)):
            sids = index.get(key)
            if sids is not None:
                sids.discard(sid)
                if not sids:
                    del index[key]
        await self.disconnected(sid, principal)

    async def disconnected(self, sid: str, principal: Principal) -> None:
        """Called after a signed-in user's socket has gone."""

    def _disconnect_later(self, sid: str) -> None:
        task = asyncio.ensure_future(self.disconnect(sid))
        self._disconnecting.add(task)
        task.add_done_callback(self._disconnecting.discard)

    async def close_session(self, session_id: str) -> None:
        """Disconnect every socket of a session that has ended (signed out, revoked)."""
        for sid in list(self.sids_by_session.get(session_id, ())):
            await self.emit("signed_out", ServiceError("session_expired").as_dict()["error"], to=sid)
            await self.disconnect(sid)


def user_room(user_id: str) -> str:
    return f"user:{user_id}"
