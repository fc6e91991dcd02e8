"""Socket.IO handlers for the /chat namespace: parse, authorise, call the service, shape the ack.

Every handler answers through the same wrapper, so every refusal is an ack of
the form ``{"ok": false, "error": {...}}`` and never closes the socket.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any, Awaitable, Callable

import socketio

from advocacy.auth.permissions import may
from advocacy.auth.service import AuthService, Principal
from advocacy.chat.presence import Presence, reply_expected
from advocacy.chat.ratelimit import RateLimiter
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.settings import Settings
from advocacy.store import PyMongoError

log = logging.getLogger(__name__)

SESSION_COOKIE = "advocacy_session"
NAMESPACE = "/chat"

Handler = Callable[["ChatNamespace", str, Principal, Any], Awaitable[dict[str, Any]]]


def conv_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def token_from(environ: dict[str, Any], auth: Any) -> str | None:
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


def _refusal(error: ServiceError) -> socketio.exceptions.ConnectionRefusedError:
    """A refused connection: the client's connect_error has the message and ``data`` {code, message}."""
    return socketio.exceptions.ConnectionRefusedError(error.message, {"code": error.code, "message": error.message})


def event(action: str) -> Callable[[Handler], Callable[..., Awaitable[dict[str, Any]]]]:
    """Wrap a handler: check the session and the permission table, turn errors into acks."""

    def wrap(handler: Handler) -> Callable[..., Awaitable[dict[str, Any]]]:
        @functools.wraps(handler)
        async def run(self: "ChatNamespace", sid: str, data: Any = None) -> dict[str, Any]:
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
                return ServiceError("unavailable").as_dict()
            except Exception:
                log.exception("unexpected error in %s", action)
                return ServiceError("internal_error").as_dict()

        return run

    return wrap


class ChatNamespace(socketio.AsyncNamespace):
    def __init__(self, auth: AuthService, chat: ChatService, settings: Settings, clock: Clock) -> None:
        super().__init__(NAMESPACE)
        self.auth = auth
        self.chat = chat
        self.settings = settings
        self.clock = clock
        self.presence = Presence()
        self.principals: dict[str, Principal] = {}
        self.sids_by_session: dict[str, set[str]] = {}
        self.limiter = RateLimiter(settings.rate_limit_messages, settings.rate_window_seconds, clock.monotonic)
        auth.on_session_ended.append(self.close_session)

    # connection --------------------------------------------------------------

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            principal = await self.auth.principal_for(token_from(environ, auth))
        except ServiceError as exc:
            raise _refusal(exc) from None
        except PyMongoError:
            raise _refusal(ServiceError("unavailable")) from None
        if not may(principal.role, "chat.conversations"):
            raise _refusal(ServiceError("forbidden", "Chat is for young people and their advocates."))
        self.principals[sid] = principal
        self.sids_by_session.setdefault(principal.session_id, set()).add(sid)
        await self.enter_room(sid, f"user:{principal.user_id}")
        conversation_ids = await self._join_conversations(sid, principal)
        if self.presence.connected(principal.user_id):
            await self._announce_presence(principal, conversation_ids, online=True, skip_sid=sid)

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        principal = self.principals.pop(sid, None)
        if principal is None:
            return
        sids = self.sids_by_session.get(principal.session_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self.sids_by_session[principal.session_id]
        if self.presence.disconnected(principal.user_id):
            try:
                conversation_ids = await self.chat.conversation_ids(principal)
            except PyMongoError:
                return
            await self._announce_presence(principal, conversation_ids, online=False)

    def _disconnect_later(self, sid: str) -> None:
        asyncio.ensure_future(self.disconnect(sid))

    async def close_session(self, session_id: str) -> None:
        """Disconnect every socket of a session that has ended (signed out, revoked)."""
        for sid in list(self.sids_by_session.get(session_id, ())):
            await self.emit("signed_out", ServiceError("session_expired").as_dict()["error"], to=sid)
            await self.disconnect(sid)

    async def _join_conversations(self, sid: str, principal: Principal) -> list[str]:
        ids = await self.chat.conversation_ids(principal)
        for conversation_id in ids:
            await self.enter_room(sid, conv_room(conversation_id))
        return ids

    async def _announce_presence(
        self, principal: Principal, conversation_ids: list[str], online: bool, skip_sid: str | None = None
    ) -> None:
        expected = reply_expected(online, self.clock.now(), self.settings)
        for conversation_id in conversation_ids:
            await self.emit(
                "presence",
                {"conversation": conversation_id, "user": principal.user_id, "role": principal.role,
                 "online": online, "reply_expected": expected if principal.role != "child" else None},
                room=conv_room(conversation_id),
                skip_sid=skip_sid,
            )

    # events ------------------------------------------------------------------

    @event("chat.conversations")
    async def on_conversations(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        conversations = await self.chat.conversations(principal)
        now = self.clock.now()
        for conv in conversations:
            await self.enter_room(sid, conv_room(conv["id"]))
            online = self.presence.is_online(conv["advocate"])
            conv["advocate_online"] = online
            conv["child_online"] = self.presence.is_online(conv["child"])
            conv["reply_expected"] = reply_expected(online, now, self.settings)
        return {"conversations": conversations}

    @event("chat.send")
    async def on_send(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        if not self.limiter.allow(principal.user_id):
            raise ServiceError("rate_limited")
        message, is_new = await self.chat.send(principal, data)
        if is_new:
            await self.emit("message", message, room=conv_room(message["conversation"]), skip_sid=sid)
        return {"message": message}

    @event("chat.history")
    async def on_history(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.chat.history(principal, data)

    @event("chat.read")
    async def on_read(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        receipt = await self.chat.mark_read(principal, data)
        await self.emit("read", receipt, room=conv_room(receipt["conversation"]), skip_sid=sid)
        return {}

    @event("chat.typing")
    async def on_typing(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        conv = await self.chat.check_typing(principal, data)
        await self.emit(
            "typing", {"conversation": conv["_id"], "user": principal.public()}, room=conv_room(conv["_id"]),
            skip_sid=sid,
        )
        return {}
