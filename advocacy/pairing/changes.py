"""Applying pairings to the database: the record of who advocates for whom.

Every change of a child's advocate goes through ``pair_child`` (through
``PairingChanges.pair``, which also announces it) so that the history
(``pairings``), the conversations and each advocate's ``load`` always agree
with ``children.advocate``. ``pair_child`` is also where the hard rules are
kept at the moment of writing: an advocate who is not available, works for the
child's local authority, is one the child asked not to have, or is full, is
refused, and so is any advocate for a child who has opted out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from advocacy.clock import Clock
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.store import DuplicateKeyError, ReturnDocument, Store


@dataclass(frozen=True)
class PairingChange:
    """A child's advocate changed: identifiers only."""

    child: str
    advocate: str | None
    previous: str | None
    why: str
    pairing: str | None = None
    conversation: str | None = None
    by: str | None = None  # who asked (a user id); None: the service itself
    by_role: str | None = None


class PairingRefused(ValueError):
    """The change would break a hard rule, or the child changed meanwhile. ``reason`` is one of
    opted_out, not_an_advocate, unavailable, conflict, avoided, full, changed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"pairing refused: {reason}")


async def pair_child(
    store: Store, clock: Clock, child_id: str, advocate_id: str | None, why: str,
    *, by: dict[str, str] | None = None,
) -> PairingChange | None:
    """Make ``advocate_id`` the child's advocate (None: no advocate), recording why and ``by`` whom
    (``{"id", "role"}``; None: the service itself).

    Returns what changed, or None when the child already had that advocate.
    Raises ``PairingRefused`` (nothing changed) if a hard rule would break or the
    child's advocate changed at the same moment. An advocate record without a
    ``capacity`` (an old record) is not held to one.
    """
    now = clock.now()
    child, advocate = await asyncio.gather(
        store.children.find_one({"_id": child_id}, {"advocate": 1, "la": 1, "opted_out": 1, "avoid": 1}),
        store.staff.find_one({"_id": advocate_id, "role": "advocate"}, ADVOCATE_RULES) if advocate_id else _none())
    if child is None:
        raise LookupError(f"no child {child_id}")
    previous = child.get("advocate")
    if previous == advocate_id:
        return None
    if advocate_id:
        await _take_place(store, child, advocate_id, advocate)
    moved = await store.children.update_one({"_id": child_id, "advocate": previous},
                                            {"$set": {"advocate": advocate_id}, **waiting_list(advocate_id, why, now)})
    if moved.modified_count != 1:
        if advocate_id:
            await _give_back_place(store, advocate_id)
        raise PairingRefused("changed")
    if previous:
        await _give_back_place(store, previous)
        await store.pairings.update_many(
            {"child": child_id, "advocate": previous, "ended_at": None},
            {"$set": {"ended_at": now, "end_why": why, "end_by": by}},
        )
        await store.conversations.update_one({"child": child_id, "advocate": previous}, {"$set": {"active": False}})
    who = {"by": by["id"], "by_role": by["role"]} if by else {}
    if not advocate_id:
        return PairingChange(child_id, None, previous, why, **who)
    pairing_id = new_id("pa")
    _, conv = await asyncio.gather(
        store.pairings.insert_one({"_id": pairing_id, "child": child_id, "advocate": advocate_id, "started_at": now,
                                   "ended_at": None, "why": why, "by": by}),
        open_conversation(store, clock, child_id, advocate_id),
    )
    return PairingChange(child_id, advocate_id, previous, why, pairing_id, conv["_id"], **who)


ADVOCATE_RULES = {"capacity": 1, "conflicts": 1, "available": 1, "active": 1}


def waiting_list(advocate_id: str | None, why: str, now: datetime) -> dict[str, Any]:
    """The update to a child's ``waiting_since`` when their advocate becomes ``advocate_id``: a child
    paired, or who chose to have nobody, is not waiting; one left without an advocate they did not
    choose to lose (their advocate left, was over capacity, nobody was free) waits from now."""
    if advocate_id or why == "opted_out":
        return {"$unset": {"waiting_since": ""}}
    return {"$min": {"waiting_since": now}}


async def _none() -> None:
    return None


async def _take_place(store: Store, child: dict[str, Any], advocate_id: str, advocate: dict[str, Any] | None) -> None:
    if child.get("opted_out"):
        raise PairingRefused("opted_out")
    if advocate is None:
        raise PairingRefused("not_an_advocate")
    if advocate.get("available") is False or advocate.get("active") is False:
        raise PairingRefused("unavailable")
    if child.get("la") in (advocate.get("conflicts") or ()):
        raise PairingRefused("conflict")
    if advocate_id in (child.get("avoid") or ()):
        raise PairingRefused("avoided")
    room: dict[str, Any] = {"_id": advocate_id}
    capacity = advocate.get("capacity")
    if isinstance(capacity, int):
        # "not at capacity or more" also matches a record with no load yet (and, unlike $or, keeps the _id index).
        room.update({"capacity": capacity, "load": {"$not": {"$gte": capacity}}})
    taken = await store.staff.update_one(room, {"$inc": {"load": 1}})
    if taken.modified_count != 1:
        raise PairingRefused("full")


async def _give_back_place(store: Store, advocate_id: str) -> None:
    await store.staff.update_one({"_id": advocate_id, "load": {"$gt": 0}}, {"$inc": {"load": -1}})


class PairingChanges:
    """Changes of advocate: each change is recorded, then published on ``announced``.

    What acts on it (``advocacy.bootstrap``): the open sockets move to the rooms they
    may use now, the audit trail, the child's concerns follow them, the child and staff
    are told; on a server the bots are told too.
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.announced: Topic[PairingChange] = Topic("pairing.announced")

    async def pair(
        self, child_id: str, advocate_id: str | None, why: str, *, by: dict[str, str] | None = None
    ) -> PairingChange | None:
        change = await pair_child(self.store, self.clock, child_id, advocate_id, why, by=by)
        if change is not None:
            await self.announced.publish(change)
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
