"""The /console namespace: live updates for staff consoles (each socket is in its user's room)."""

from __future__ import annotations

from typing import Any

from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.clock import Clock
from advocacy.edge.metrics import Metrics
from advocacy.edge.sockets import SignedInNamespace, event, user_room
from advocacy.notifications.service import Notifier, public_notification

NAMESPACE = "/console"


class ConsoleNamespace(SignedInNamespace):
    """Live updates for staff consoles: each socket is in its user's room."""

    connect_action = "console.connect"
    refused_message = "The console is for advocates and their managers."

    def __init__(self, sessions: Sessions, notifier: Notifier, clock: Clock, metrics: Metrics | None = None) -> None:
        super().__init__(NAMESPACE, sessions, clock, metrics)
        self.notifier = notifier
        notifier.told.subscribe(self.deliver)

    async def deliver(self, doc: dict[str, Any]) -> None:
        """A notification was stored: to its person's open consoles."""
        await self.emit("notification", public_notification(doc), room=user_room(doc["to"]))

    @event("console.notifications")
    async def on_notifications(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        unseen_only = not (isinstance(data, dict) and data.get("all") is True)
        return {"notifications": await self.notifier.listing(principal, unseen_only)}

    @event("console.notifications")
    async def on_alerts(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        """Every unseen notification, grouped by child and kind, in one answer."""
        return await self.notifier.alerts(principal)

    @event("console.notifications")
    async def on_seen_groups(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        return {"seen": await self.notifier.mark_groups_seen(principal, data)}

    @event("console.notifications")
    async def on_seen(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        ids = data.get("ids") if isinstance(data, dict) else None
        return {"seen": await self.notifier.mark_seen(principal, ids)}
