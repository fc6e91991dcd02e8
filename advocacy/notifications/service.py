"""Notifications for staff: stored first, then published on ``told`` (the /console namespace
pushes each live to its person's consoles, advocacy.edge.console_events).

A notification says what happened (``kind``) about which child, with
identifiers only; the console turns the kind into words. Stored ones are
listed when the console connects, so nothing is missed while offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.store import DESCENDING, Store

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
    """Tells staff what needs them: each notification is stored, then published on ``told``."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.told: Topic[dict[str, Any]] = Topic("notifications.told")

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
        for doc in docs:
            await self.told.publish(doc)
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
