"""Socket.IO handlers for the /chat namespace: parse, authorise, call the service, shape the ack.

Every handler answers through the same wrapper, so every refusal is an ack of
the form ``{"ok": false, "error": {...}}`` and never closes the socket. The
namespace delivers what the chat service publishes (``message_added``: to the
conversation's room) and moves sockets when someone's conversations change
(``access_changed``, heard by every process when there are several).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.chat.presence import Presence, PresenceChange, available, reply_expected, reply_expected_words
from advocacy.chat.ratelimit import RateLimiter
from advocacy.chat.service import ChatService, MessageAdded
from advocacy.clock import Clock
from advocacy.edge.metrics import Metrics
from advocacy.edge.sockets import SignedInNamespace, event
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.settings import Settings
from advocacy.store import PyMongoError

NAMESPACE = "/chat"

log = logging.getLogger(__name__)


def conv_room(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


class ChatNamespace(SignedInNamespace):
    connect_action = "chat.conversations"
    refused_message = "Chat is for young people and their advocates."

    def __init__(self, sessions: Sessions, chat: ChatService, settings: Settings, clock: Clock, presence: Presence,
                 access_changed: Topic[list[str]], metrics: Metrics | None = None) -> None:
        super().__init__(NAMESPACE, sessions, clock, metrics)
        self.chat = chat
        self.settings = settings
        self.presence = presence
        self.limiter = RateLimiter(settings.rate_limit_messages, settings.rate_window_seconds, clock.monotonic)
        chat.message_added.subscribe(self.deliver)
        access_changed.subscribe(self.resync)

    # connection --------------------------------------------------------------

    async def connected(self, sid: str, principal: Principal) -> None:
        conversation_ids = await self._join_conversations(sid, principal)
        if principal.role == "interpreter":  # a guest in the chat: never shown as the advocate being around
            return
        if await self.presence.connected(principal.user_id):
            # An advocate who switched to away stays away to their children while connected.
            shown = principal.role == "child" or not await self.chat.is_away(principal.user_id)
            await self._announce_presence(principal, conversation_ids, online=shown, skip_sid=sid)
            await self.presence.changed.publish(PresenceChange(principal.user_id, principal.role, online=True))

    async def disconnected(self, sid: str, principal: Principal) -> None:
        if principal.role == "interpreter":
            return
        if await self.presence.disconnected(principal.user_id):
            try:
                conversation_ids = await self.chat.conversation_ids(principal)
            except PyMongoError:
                return
            await self._announce_presence(principal, conversation_ids, online=False)
            await self.presence.changed.publish(PresenceChange(principal.user_id, principal.role, online=False))

    async def resync(self, user_ids: list[str]) -> None:
        """Put this process's sockets of these users in the rooms of exactly the conversations
        they may see now (out of any they may no longer see), and tell each page to reload its
        list. A socket whose conversations cannot be read now is closed: it reconnects and
        joins afresh, so it never keeps a room it has lost. An interpreter's socket that lost a
        conversation is closed too, so nothing already on its way reaches them."""
        allowed: dict[str, set[str]] = {}
        for sid in [sid for user in set(user_ids) for sid in self.sids_by_user.get(user, ())]:
            principal = self.principals.get(sid)
            if principal is None:  # gone while we worked
                continue
            if principal.user_id not in allowed:
                try:
                    ids = await self.chat.conversation_ids(principal)
                except PyMongoError:
                    log.warning("could not read conversations after a change of access; closing the socket")
                    await self.disconnect(sid)
                    continue
                allowed[principal.user_id] = {conv_room(i) for i in ids}
            rooms = allowed[principal.user_id]
            current = {r for r in self.rooms(sid) if r.startswith("conv:")}
            for room in current - rooms:
                await self.leave_room(sid, room)
            await self._enter(sid, rooms - current)
            await self.emit("conversations.changed", {}, to=sid)
            if principal.role == "interpreter" and current - rooms:
                await self.disconnect(sid)

    async def _join_conversations(self, sid: str, principal: Principal) -> list[str]:
        ids = await self.chat.conversation_ids(principal)
        await self._enter(sid, [conv_room(i) for i in ids])
        return ids

    async def _enter(self, sid: str, rooms: Iterable[str]) -> None:
        """Put a socket in these rooms; nothing if it has gone meanwhile (a page reloaded while
        its list was being read)."""
        try:
            for room in rooms:
                await self.enter_room(sid, room)
        # python-socketio on a sid that has gone: ValueError when nobody else is connected,
        # KeyError from its room index when others are (as on a live service).
        except (ValueError, KeyError):
            pass

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

    async def deliver(self, added: MessageAdded) -> None:
        """A message was stored: to everyone in its conversation's room but the connection it came from."""
        message = added.message
        await self.emit("message", message, room=conv_room(message["conversation"]), skip_sid=added.origin)

    # events ------------------------------------------------------------------

    @event("chat.conversations")
    async def on_conversations(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        conversations = await self.chat.conversations(principal)
        now = self.clock.now()
        # A child reads when their advocate will answer in their own language.
        language = await self.chat.language_of(principal.user_id) if principal.role == "child" else None
        if language == self.chat.languages.default:
            language = None
        online_now = await self.presence.online({c["child"] for c in conversations})
        around = await available(self.chat.store, self.presence, {c["advocate"] for c in conversations})
        await self._enter(sid, [conv_room(conv["id"]) for conv in conversations])
        for conv in conversations:
            online = conv["advocate"] in around
            conv["advocate_online"] = online
            conv["child_online"] = conv["child"] in online_now
            conv["reply_expected"] = (reply_expected(online, now, self.settings) if language is None else
                                      self.chat.languages.write(reply_expected_words(online, now, self.settings),
                                                                language))
        return {"conversations": conversations}

    @event("chat.availability")
    async def on_availability(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        """The advocate's online/away switch: their children's headers change at once."""
        away = await self.chat.set_away(principal, data)
        conversation_ids = await self.chat.conversation_ids(principal)
        await self._announce_presence(principal, conversation_ids, online=not away)
        return {"away": away}

    @event("chat.send")
    async def on_send(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        if not self.limiter.allow(principal.user_id):
            raise ServiceError("rate_limited")
        message, _ = await self.chat.send(principal, data, origin=sid)
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
