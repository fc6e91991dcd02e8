"""Applying pairings to the database: the record of who advocates for whom.

Every change of a child's advocate goes through ``pair_child`` (in a running
server through ``Pairings.pair``, which also announces it) so that the history
(``pairings``) and the conversations always agree with ``children.advocate``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from advocacy.auth.service import new_id
from advocacy.clock import Clock
from advocacy.store import DuplicateKeyError, ReturnDocument, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairingChange:
    """A child's advocate changed: identifiers only."""

    child: str
    advocate: str | None
    previous: str | None
    why: str
    pairing: str | None = None
    conversation: str | None = None


async def pair_child(
    store: Store, clock: Clock, child_id: str, advocate_id: str | None, why: str
) -> PairingChange | None:
    """Make ``advocate_id`` the child's advocate (None: no advocate), recording why.

    Returns what changed, or None when the child already had that advocate.
    """
    now = clock.now()
    child = await store.children.find_one({"_id": child_id}, {"advocate": 1})
    if child is None:
        raise LookupError(f"no child {child_id}")
    previous = child.get("advocate")
    if previous == advocate_id:
        return None
    if previous:
        await store.pairings.update_many(
            {"child": child_id, "advocate": previous, "ended_at": None}, {"$set": {"ended_at": now, "end_why": why}}
        )
        await store.conversations.update_one({"child": child_id, "advocate": previous}, {"$set": {"active": False}})
    await store.children.update_one({"_id": child_id}, {"$set": {"advocate": advocate_id}})
    if not advocate_id:
        return PairingChange(child_id, None, previous, why)
    pairing_id = new_id("pa")
    await store.pairings.insert_one(
        {"_id": pairing_id, "child": child_id, "advocate": advocate_id, "started_at": now, "ended_at": None, "why": why}
    )
    conv = await open_conversation(store, clock, child_id, advocate_id)
    return PairingChange(child_id, advocate_id, previous, why, pairing_id, conv["_id"])


Listener = Callable[[PairingChange], Awaitable[None]]


class Pairings:
    """Changes of advocate in a running server: each change is recorded, then announced.

    Listeners (the chat telling the child, bots, consoles) are called in order after
    the change is stored; they must not fail the change, so their errors are logged.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.listeners: list[Listener] = []

    async def pair(self, child_id: str, advocate_id: str | None, why: str) -> PairingChange | None:
        change = await pair_child(self.store, self.clock, child_id, advocate_id, why)
        if change is not None:
            for listener in self.listeners:
                try:
                    await listener(change)
                except Exception:
                    log.exception("a pairing listener failed")
        return change


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
