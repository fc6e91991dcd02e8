"""The /bots namespace: what bots are told, and what they may ask and do.

Every bot socket is in the room ``bots`` and is told (identifiers only):
``pairing`` (a child's advocate changed), ``child_message`` (a child wrote:
conversation, child, message id and time, never the text) and
``presence`` (an advocate came online or went offline).
"""

from __future__ import annotations

from typing import Any

from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.botapi.service import BotService
from advocacy.chat.presence import Presence, PresenceChange
from advocacy.chat.service import ChatService, MessageAdded
from advocacy.clock import Clock
from advocacy.edge.metrics import Metrics
from advocacy.edge.sockets import SignedInNamespace, event
from advocacy.pairing.changes import PairingChange, PairingChanges

NAMESPACE = "/bots"
ROOM = "bots"


class BotsNamespace(SignedInNamespace):
    connect_action = "bots.connect"
    refused_message = "This is for the service's bots."

    def __init__(self, sessions: Sessions, bots: BotService, clock: Clock, chat: ChatService, presence: Presence,
                 pairings: PairingChanges, metrics: Metrics | None = None) -> None:
        super().__init__(NAMESPACE, sessions, clock, metrics)
        self.bots = bots
        chat.message_added.subscribe(self.child_wrote)
        presence.changed.subscribe(self.advocate_came_or_went)
        pairings.announced.subscribe(self.paired)

    async def connected(self, sid: str, principal: Principal) -> None:
        await self.enter_room(sid, ROOM)

    # what bots are told --------------------------------------------------------

    async def child_wrote(self, added: MessageAdded) -> None:
        """Which conversation a child wrote in, and when: never the text."""
        message = added.message
        if message["sender"]["role"] == "child":
            await self.emit("child_message", {
                "conversation": message["conversation"], "child": message["sender"]["id"], "message": message["id"],
                "sent_at": message["sent_at"],
            }, room=ROOM)

    async def advocate_came_or_went(self, change: PresenceChange) -> None:
        if change.role == "advocate":
            await self.emit("presence", {"advocate": change.user, "online": change.online}, room=ROOM)

    async def paired(self, change: PairingChange) -> None:
        await self.emit("pairing", await self.bots.pairing_news(change), room=ROOM)

    # what bots may do ----------------------------------------------------------

    @event("bots.post")
    async def on_post(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.bots.post(principal, data)

    @event("bots.away")
    async def on_away(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.bots.away(data)

    @event("bots.waiting")
    async def on_waiting(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.bots.waiting()

    @event("bots.notify")
    async def on_notify(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.bots.notify(principal, data)

    @event("bots.pairings")
    async def on_pairings(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.bots.pairings(data)
