"""The /oversight namespace: live updates for reviewers (every reviewer's sockets are in one room)."""

from __future__ import annotations

import logging
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.clock import Clock
from advocacy.edge.metrics import Metrics
from advocacy.edge.sockets import SignedInNamespace, event
from advocacy.oversight.service import ItemChange, OversightQueue

log = logging.getLogger(__name__)

NAMESPACE = "/oversight"
REVIEWERS_ROOM = "reviewers"


class OversightNamespace(SignedInNamespace):
    """Live updates for reviewers: every reviewer's sockets are in one room."""

    connect_action = "oversight.connect"
    refused_message = "The oversight queue is for reviewers."

    def __init__(self, sessions: Sessions, queue: OversightQueue, clock: Clock,
                 metrics: Metrics | None = None) -> None:
        super().__init__(NAMESPACE, sessions, clock, metrics)
        self.queue = queue
        queue.item_changed.subscribe(self.push)

    async def push(self, change: ItemChange) -> None:
        """An item arrived or changed: to every reviewer's open queue."""
        await self.emit("item", {"change": change.change, "item": await self.queue.summary(change.after)},
                        room=REVIEWERS_ROOM)

    async def connected(self, sid: str, principal: Principal) -> None:
        await self.enter_room(sid, REVIEWERS_ROOM)

    @event("oversight.queue")
    async def on_queue(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return await self.queue.listing(principal, data)

