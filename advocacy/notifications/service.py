"""Notifications for staff: stored first, then published on ``told`` (the /console namespace
pushes each live to its person's consoles, advocacy.edge.console_events).

A notification says what happened (``kind``) about which child, with
identifiers only; the console turns the kind into words. Stored ones are
listed when the console connects, so nothing is missed while offline.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.notifications.grouping import CONCERN_KINDS, group_alerts
from advocacy.people import child_names
from advocacy.store import DESCENDING, Store

PAGE = 100
# The most unseen notifications grouped in one answer; a person holding more sees the newest.
ALERTS_READ = 2000


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

    def __init__(self, store: Store, clock: Clock, access: Access) -> None:
        self.store = store
        self.clock = clock
        self.access = access
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

    async def alerts(self, principal: Principal) -> dict[str, Any]:
        """Every unseen notification of ``principal``, grouped by child and kind, in one answer.

        A child's name is given only for children the person may read concerns of now.
        """
        cursor = (self.store.notifications.find({"to": principal.user_id, "seen_at": None})
                  .sort("_id", DESCENDING).limit(ALERTS_READ))
        notes = [public_notification(d) async for d in cursor]
        wanted = {n["child"] for n in notes if n["child"]}
        allowed = wanted.intersection(await self.access.children(principal, "concern.read")) if wanted else set()
        groups = group_alerts(notes, await child_names(self.store, allowed))
        return {"groups": groups, "total": sum(g["count"] for g in groups)}

    async def mark_groups_seen(self, principal: Principal, data: Any) -> int:
        """Mark seen the unseen notifications of ``principal``: all of them (``{"all": true}``, with
        ``"kinds": [...]`` to keep to those kinds), or those of the groups given as
        ``{"groups": [{"child": id or null, "kind": kind}, ...]}``."""
        query: dict[str, Any] = {"to": principal.user_id, "seen_at": None}
        data = data if isinstance(data, dict) else {}
        groups, kinds = data.get("groups"), data.get("kinds")
        if data.get("all") is True and kinds is None:
            pass
        elif (data.get("all") is True and isinstance(kinds, list) and 0 < len(kinds) <= PAGE
              and all(isinstance(k, str) for k in kinds)):
            query["kind"] = {"$in": kinds}
        elif (isinstance(groups, list) and 0 < len(groups) <= PAGE and all(
                isinstance(g, dict) and isinstance(g.get("kind"), str) and isinstance(g.get("child"), str | None)
                for g in groups)):
            query["$or"] = [{"kind": g["kind"], "child": g.get("child")} for g in groups]
        else:
            raise ServiceError("bad_request",
                               f'Give {{"all": true}} (with "kinds", a list of 1 to {PAGE} kinds, if only those), '
                               f'or "groups", a list of 1 to {PAGE} {{"child": id or null, "kind": kind}}.')
        result = await self.store.notifications.update_many(query, {"$set": {"seen_at": self.clock.now()}})
        return result.modified_count

    async def handled(self, concern: dict[str, Any]) -> None:
        """A concern moved on (someone acted on it): the alerts that pointed at it are seen, for everyone."""
        await self.store.notifications.update_many(
            {"ids.concern": concern["_id"], "kind": {"$in": sorted(CONCERN_KINDS)}, "seen_at": None},
            {"$set": {"seen_at": self.clock.now()}},
        )
