"""What pairing adds to who may see what: cover during an advocate's leave, and earlier chat the child shared.

Read by ``child_in_scope`` (auth) and the chat's visibility filter, so these
rules live here once:

- an advocate covering for a colleague on leave acts for each covered child
  only from the cover's start to its end (``starts_at`` <= now < ``ends_at``),
  and only while that child still has the advocate who is away; what they may
  do is the ``cover_advocate`` row of the permission table (scope ``covered``);
- a child's conversations with earlier advocates are readable (history only)
  by their current advocate only while the child says yes; the child can
  change their mind at any time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advocacy.auth.permissions import COVERED, Role, scope_for
from advocacy.store import Store


async def covering(store: Store, advocate_id: str, now: datetime, child_id: str | None = None) -> list[dict[str, Any]]:
    """The covers ``advocate_id`` is doing right now (optionally for one child) that still apply."""
    query: dict[str, Any] = {"cover": advocate_id, "starts_at": {"$lte": now}, "ends_at": {"$gt": now}}
    if child_id is not None:
        query["child"] = child_id
    covers = await store.covers.find(query, {"child": 1, "advocate": 1}).to_list(None)
    if not covers:
        return []
    current = {d["_id"]: d.get("advocate") async for d in
               store.children.find({"_id": {"$in": [c["child"] for c in covers]}}, {"advocate": 1})}
    return [c for c in covers if current.get(c["child"]) == c["advocate"]]


async def covers_child(store: Store, role: str, user_id: str, action: str, child_id: str, now: datetime) -> bool:
    """True if this advocate may do ``action`` for this child because they are covering for its advocate."""
    if role != Role.ADVOCATE.value or scope_for(Role.COVER_ADVOCATE, action) != COVERED:
        return False
    return bool(await covering(store, user_id, now, child_id))


async def earlier_conversations_shared(store: Store, advocate_id: str) -> list[str]:
    """Conversations of this advocate's children with earlier advocates that the child agreed to show them."""
    agreed = [d["child"] async for d in store.earlier_chat.find({"advocate": advocate_id, "share": True}, {"child": 1})]
    if not agreed:
        return []
    still_mine = [d["_id"] async for d in
                  store.children.find({"_id": {"$in": agreed}, "advocate": advocate_id}, {"_id": 1})]
    if not still_mine:
        return []
    cursor = store.conversations.find({"child": {"$in": still_mine}, "advocate": {"$ne": advocate_id}}, {"_id": 1})
    return [d["_id"] async for d in cursor]


async def granted_conversations(store: Store, role: str, user_id: str, action: str, now: datetime) -> list[str]:
    """Conversations beyond an advocate's own that pairing lets them use for ``action`` now."""
    if role != Role.ADVOCATE.value:
        return []
    granted: list[str] = []
    if scope_for(Role.COVER_ADVOCATE, action) == COVERED:
        children = [c["child"] for c in await covering(store, user_id, now)]
        if children:
            cursor = store.conversations.find({"child": {"$in": children}, "active": True}, {"_id": 1})
            granted += [d["_id"] async for d in cursor]
    if action == "chat.history":
        granted += await earlier_conversations_shared(store, user_id)
    return granted
