"""Notifications for staff: stored first, then pushed live to the console (/console).

A notification says what happened (``kind``) about which child, with
identifiers only; the console turns the kind into words. Stored ones are
listed when the console connects, so nothing is missed while offline.
"""

from __future__ import annotations

from typing import Any, Iterable

from advocacy.auth.service import AuthService
from advocacy.auth.principal import Principal
from advocacy.ids import new_id
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.sockets import SignedInNamespace, event, user_room
from advocacy.store import DESCENDING, Store

NAMESPACE = "/console"
PAGE = 100


def public_notification(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["_id"],
        "kind": doc["kind"],
        "child": doc.get("child"),
        "ids": doc.get("ids", {}),
        "urgent": doc.get("urgent", False),
        "created_at": doc["created_at"].isoformat(timespec="seconds"),
        "seen": doc.get("seen_at") is not None,
    }


class Notifier:
    """Tells staff what needs them. ``namespace`` is attached by the app."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.namespace: ConsoleNamespace | None = None

    async def tell(
        self, staff_ids: Iterable[str | None], kind: str, *, child: str | None = None, urgent: bool = False,
        **ids: str,
    ) -> list[dict[str, Any]]:
        """Store a notification for each of ``staff_ids`` (None and repeats skipped) and push it live."""
        now = self.clock.now()
        docs = [
            {"_id": new_id("no"), "to": staff, "kind": kind, "child": child, "ids": ids, "urgent": urgent,
             "created_at": now, "seen_at": None}
            for staff in dict.fromkeys(s for s in staff_ids if s)
        ]
        if not docs:
            return []
        await self.store.notifications.insert_many(docs)
        if self.namespace is not None:
            for doc in docs:
                await self.namespace.emit("notification", public_notification(doc), room=user_room(doc["to"]))
        return [public_notification(d) for d in docs]

    async def listing(self, principal: Principal, unseen_only: bool = True) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"to": principal.user_id}
        if unseen_only:
            query["seen_at"] = None
        cursor = self.store.notifications.find(query).sort("_id", DESCENDING).limit(PAGE)
        return [public_notification(d) async for d in cursor]

    async def mark_seen(self, principal: Principal, ids: Any) -> int:
        if not isinstance(ids, list) or not ids or len(ids) > PAGE or not all(isinstance(i, str) for i in ids):
            raise ServiceError("bad_request", f"Give the ids of the notifications seen, as a list of 1 to {PAGE}.")
        result = await self.store.notifications.update_many(
            {"_id": {"$in": ids}, "to": principal.user_id, "seen_at": None}, {"$set": {"seen_at": self.clock.now()}}
        )
        return result.modified_count


class ConsoleNamespace(SignedInNamespace):
    """Live updates for staff consoles: each socket is in its user's room."""

    connect_action = "console.connect"
    refused_message = "The console is for advocates and their managers."

    def __init__(self, auth: AuthService, notifier: Notifier, clock: Clock) -> None:
        super().__init__(NAMESPACE, auth, clock)
        self.notifier = notifier
        notifier.namespace = self

    @event("console.notifications")
    async def on_notifications(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        unseen_only = not (isinstance(data, dict) and data.get("all") is True)
        return {"notifications": await self.notifier.listing(principal, unseen_only)}

    @event("console.notifications")
    async def on_seen(self, sid: str, principal: Principal, data: Any) -> dict[str, Any]:
        ids = data.get("ids") if isinstance(data, dict) else None
        return {"seen": await self.notifier.mark_seen(principal, ids)}
