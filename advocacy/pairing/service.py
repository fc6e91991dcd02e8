"""Applying pairings to the database: the record of who advocates for whom.

Every change of a child's advocate goes through ``pair_child`` so that the
history (``pairings``) and the conversations always agree with ``children.advocate``.
"""

from __future__ import annotations

from typing import Any

from advocacy.auth.service import new_id
from advocacy.clock import Clock
from advocacy.store import DuplicateKeyError, ReturnDocument, Store


async def pair_child(store: Store, clock: Clock, child_id: str, advocate_id: str | None, why: str) -> None:
    """Make ``advocate_id`` the child's advocate (None: no advocate), recording why."""
    now = clock.now()
    child = await store.children.find_one({"_id": child_id}, {"advocate": 1})
    if child is None:
        raise LookupError(f"no child {child_id}")
    previous = child.get("advocate")
    if previous == advocate_id:
        return
    if previous:
        await store.pairings.update_many(
            {"child": child_id, "advocate": previous, "ended_at": None}, {"$set": {"ended_at": now, "end_why": why}}
        )
        await store.conversations.update_one({"child": child_id, "advocate": previous}, {"$set": {"active": False}})
    await store.children.update_one({"_id": child_id}, {"$set": {"advocate": advocate_id}})
    if advocate_id:
        await store.pairings.insert_one(
            {"_id": new_id("pa"), "child": child_id, "advocate": advocate_id, "started_at": now, "ended_at": None,
             "why": why}
        )
        await open_conversation(store, clock, child_id, advocate_id)


async def open_conversation(store: Store, clock: Clock, child_id: str, advocate_id: str) -> dict[str, Any]:
    """The conversation between a child and an advocate, created or re-activated."""
    try:
        return await store.conversations.find_one_and_update(
            {"child": child_id, "advocate": advocate_id},
            {"$set": {"active": True},
             "$setOnInsert": {"_id": new_id("cv"), "created_at": clock.now(), "waiting_since": None, "read": {}}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # a concurrent upsert won the race
        return await store.conversations.find_one({"child": child_id, "advocate": advocate_id})
