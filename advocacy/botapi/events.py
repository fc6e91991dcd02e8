"""The /bots namespace: what bots are told, and what they may ask and do.

Every bot socket is in the room ``bots`` and is told (identifiers only):
``pairing`` (a child's advocate changed), ``child_message`` (a child wrote:
conversation, child, message id and time, never the text) and
``presence`` (an advocate came online or went offline).
"""

from __future__ import annotations

from typing import Any

from advocacy.auth.service import AuthService
from advocacy.auth.principal import Principal
from advocacy.botapi.service import BotService
from advocacy.clock import Clock
from advocacy.pairing.service import PairingChange
from advocacy.sockets import SignedInNamespace, event

NAMESPACE = "/bots"
ROOM = "bots"


class BotsNamespace(SignedInNamespace):
    connect_action = "bots.connect"
    refused_message = "This is for the service's bots."

    def __init__(self, auth: AuthService, bots: BotService, clock: Clock) -> None:
        super().__init__(NAMESPACE, auth, clock)
        self.bots = bots

    async def connected(self, sid: str, principal: Principal) -> None:
        await self.enter_room(sid, ROOM)

    # what bots are told --------------------------------------------------------

    async def chat_happened(self, kind: str, data: dict[str, Any]) -> None:
        """A ChatNamespace watcher: pass on what bots need to know."""
        if kind == "message" and data["sender"]["role"] == "child":
            await self.emit("child_message", {
                "conversation": data["conversation"], "child": data["sender"]["id"], "message": data["id"],
                "sent_at": data["sent_at"],
            }, room=ROOM)
        elif kind == "presence" and data["role"] == "advocate":
            await self.bots.presence_changed(data["user"], data["role"])
            await self.emit("presence", {"advocate": data["user"], "online": data["online"]}, room=ROOM)

    async def paired(self, change: PairingChange) -> None:
        """A Pairings listener."""
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
