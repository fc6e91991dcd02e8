"""Running totals for the figures, kept up to date as things happen.

Each event adds to three documents of ``figures_months`` in one bulk write: its
local authority's, its region's and England's, for the London month it
happened in (``_id`` "la:E08000035|2026-03"). Documents hold counters ``n``,
concerns raised by category ``cat``, complaints about the service answered by
outcome ``complaint``, and two histograms (``reply``: seconds to
a reply, ``days``: working days to resolve; see advocacy.figures.rules).

The service calls in from the one place each kind of event is recorded:

- ``concern_event``: every row ConcernService writes to ``concern_events``
  (raised, confirmed, escalated, resolved ...);
- ``opt_event``: every row the pairing service writes to ``opt_events``;
- ``replied``: the chat, when an advocate's message ends a child's wait. Replies are many
  (one for each answer an advocate gives), so they are gathered and counted together every
  ``figures_replies_every_seconds`` (one read and one write for all of them), and at once when
  the server stops or the figures job runs in this process (``drain``);
- ``complaint_answered``: a complaint about the service answered (``complaint`` counts by outcome);
- ``feedback_answered``: a child's feedback (``feedback`` counts each question's answer, e.g. ``listened_yes``).

A failure here is logged and never undoes the event it counts; ``rebuild``
recounts every total from the logs (``advocacy figures rebuild``), which also counts
the replies of a server killed before it counted them (at most the last second's).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import Any

from advocacy import workdays
from advocacy.chat.service import Reply, waits_answered
from advocacy.clock import Clock
from advocacy.feedback import rules as feedback_rules
from advocacy.figures import rules
from advocacy.store import Store, UpdateOne, find_in

log = logging.getLogger(__name__)

ENGLAND = "england"


def region_slug(region: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", region.lower()).strip("-")


def areas_of(la: str | None, region: str | None) -> list[str]:
    """The areas an event in local authority ``la`` counts towards."""
    if not la:
        return []
    areas = [f"la:{la}"]
    if region:
        areas.append(f"region:{region_slug(region)}")
    return [*areas, ENGLAND]


def concern_increments(row: Mapping[str, Any]) -> dict[str, int]:
    """What one concern_events row adds, as ``$inc`` paths."""
    kind = row.get("kind")
    inc: dict[str, int] = {}
    if (kind == "raised" and row.get("source") != "safeguarding") or kind == "confirmed":
        # A safeguarding draft is not a concern until a person confirms it.
        inc["n.raised"] = 1
        inc[f"cat.{row['category']}"] = 1
    elif kind == "escalated_manager":
        inc["n.esc_manager"] = 1
    elif kind == "escalated_oversight":
        inc["n.esc_oversight"] = 1
    elif kind == "resolved":
        inc["n.resolved"] = 1
        if row.get("by_oversight_deadline"):
            inc["n.on_time"] = 1
        happy = row.get("child_happy")
        if happy is not None:
            inc["n.answered"] = 1
            if happy:
                inc["n.happy"] = 1
        if row.get("working_days") is not None:
            inc[f"days.{rules.days_bucket(row['working_days'])}"] = 1
    return inc


def complaint_increments(outcome: str) -> dict[str, int]:
    """What answering a complaint about the service with ``outcome`` adds."""
    return {f"complaint.{outcome}": 1}


def opt_increments(row: Mapping[str, Any]) -> dict[str, int]:
    kind = row.get("kind")
    return {f"n.{kind}": 1} if kind in ("opted_out", "opted_in") else {}


def reply_increments(seconds: float) -> dict[str, int]:
    return {f"reply.{rules.reply_bucket(max(seconds, 0.0))}": 1, "n.replies": 1}


def writes(la: str | None, region: str | None, month: str, inc: Mapping[str, int]) -> list[UpdateOne]:
    return [UpdateOne({"_id": f"{area}|{month}"}, {"$inc": dict(inc), "$setOnInsert": {"area": area, "month": month}},
                      upsert=True) for area in areas_of(la, region)]


def increments(totals: Mapping[str, Mapping[str, int]]) -> list[UpdateOne]:
    """Writes adding totals made by ``accumulate`` to the running ``figures_months`` documents."""
    return [UpdateOne({"_id": key}, {"$inc": dict(counts), "$setOnInsert": dict(zip(("area", "month"),
                                                                                    key.rsplit("|", 1), strict=True))},
                      upsert=True) for key, counts in totals.items()]


class Tally:
    """``replies_every_seconds``: how long replies wait to be counted together (0: each batch at once)."""

    def __init__(self, store: Store, clock: Clock, replies_every_seconds: float = 0) -> None:
        self.store = store
        self.clock = clock
        self.replies_every_seconds = replies_every_seconds
        self._regions: dict[str, str | None] = {}
        self._replies: list[Reply] = []
        self._timer: asyncio.TimerHandle | None = None
        self._counting: set[asyncio.Task[None]] = set()  # held until done, so none is garbage-collected

    async def add(self, la: str | None, region: str | None, month: str, inc: Mapping[str, int]) -> None:
        if inc and la:
            await self.store.figures_months.bulk_write(writes(la, region, month, inc), ordered=False)

    async def concern_event(self, row: Mapping[str, Any]) -> None:
        try:
            await self.add(row.get("la"), row.get("region"), row["month"], concern_increments(row))
        except Exception:  # the event is stored already; `advocacy figures rebuild` recounts
            log.exception("could not count a concern event in the figures")

    async def opt_event(self, row: Mapping[str, Any]) -> None:
        try:
            await self.add(row.get("la"), row.get("region"), row["month"], opt_increments(row))
        except Exception:
            log.exception("could not count an opt-out or opt-in in the figures")

    async def complaint_answered(self, answer: Mapping[str, Any]) -> None:
        """A complaint about the service was answered: ``{"la", "region", "answered_at", "outcome"}``."""
        try:
            await self.add(answer.get("la"), answer.get("region"), workdays.london_month(answer["answered_at"]),
                           complaint_increments(answer["outcome"]))
        except Exception:
            log.exception("could not count a complaint's outcome in the figures")

    async def feedback_answered(self, given: Mapping[str, Any]) -> None:
        """A child answered the feedback questions: ``{"la", "region", "month", "answers"}``."""
        try:
            await self.add(given.get("la"), given.get("region"), given["month"], feedback_rules.increments(
                given["answers"]))
        except Exception:
            log.exception("could not count a child's feedback in the figures")

    async def replied(self, replies: list[Reply]) -> None:
        """Advocates answered children who had been waiting (one stored batch of messages): counted with
        the others of the next ``replies_every_seconds``."""
        if self.replies_every_seconds <= 0:
            await self._count_replies(replies)
            return
        self._replies.extend(replies)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.replies_every_seconds, self._count_soon)

    def _count_soon(self) -> None:
        self._timer = None
        task = asyncio.create_task(self._count_replies(self._take_replies()))
        self._counting.add(task)
        task.add_done_callback(self._counting.discard)

    def _take_replies(self) -> list[Reply]:
        replies, self._replies = self._replies, []
        return replies

    async def drain(self) -> None:
        """Count now every reply still waiting to be counted (the server stops; the figures are worked out)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._replies:
            await self._count_replies(self._take_replies())
        if self._counting:
            await asyncio.gather(*self._counting)

    async def _count_replies(self, replies: list[Reply]) -> None:
        """One read of the children's areas and one write of the counts, however many replies."""
        if not replies:
            return
        try:
            areas = {c["_id"]: c.get("la") async for c in find_in(
                self.store.children, "_id", (r.child for r in replies), {"la": 1})}
            totals: dict[str, dict[str, int]] = {}
            for reply in replies:
                la = areas.get(reply.child)
                if la:
                    seconds = (reply.answered_at - reply.waiting_since).total_seconds()
                    accumulate(totals, la, await self.region_of(la), workdays.london_month(reply.answered_at),
                               reply_increments(seconds))
            if totals:
                await self.store.figures_months.bulk_write(increments(totals), ordered=False)
        except Exception:
            log.exception("could not count replies in the figures")

    async def region_of(self, la: str) -> str | None:
        if la not in self._regions:
            doc = await self.store.local_authorities.find_one({"_id": la}, {"region": 1})
            self._regions[la] = (doc or {}).get("region")
        return self._regions[la]


# ---------------------------------------------------------------- recounting from the logs


def accumulate(totals: dict[str, dict[str, int]], la: str | None, region: str | None, month: str,
                inc: Mapping[str, int]) -> None:
    for area in areas_of(la, region):
        doc = totals.setdefault(f"{area}|{month}", {})
        for path, count in inc.items():
            doc[path] = doc.get(path, 0) + count


def documents(totals: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """``figures_months`` documents from totals made by ``accumulate``."""
    docs = []
    for key, counts in totals.items():
        area, month = key.rsplit("|", 1)
        doc: dict[str, Any] = {"_id": key, "area": area, "month": month}
        for path, count in counts.items():
            group, name = path.split(".", 1)
            doc.setdefault(group, {})[name] = count
        docs.append(doc)
    return docs


async def rebuild(store: Store) -> int:
    """Recount every running total from concern_events, opt_events, complaints, feedback_counted and the chat's
    messages.

    For a database from before the figures existed, or to repair totals after a crash
    between an event and its count. Returns how many documents were written.
    """
    totals: dict[str, dict[str, int]] = {}
    async for row in store.concern_events.find({}):
        accumulate(totals, row.get("la"), row.get("region"), row["month"], concern_increments(row))
    async for row in store.opt_events.find({}):
        accumulate(totals, row.get("la"), row.get("region"), row["month"], opt_increments(row))
    async for doc in store.complaints.find({"answered_at": {"$ne": None}}, {"la": 1, "region": 1, "answered_at": 1,
                                                                            "outcome": 1}):
        accumulate(totals, doc.get("la"), doc.get("region"), workdays.london_month(doc["answered_at"]),
                   complaint_increments(doc["outcome"]))
    async for row in store.feedback_counted.find({}):
        accumulate(totals, row.get("la"), row.get("region"), row["month"], feedback_rules.increments(row["answers"]))
    regions = {d["_id"]: d.get("region") async for d in store.local_authorities.find({}, {"region": 1})}
    children = {d["_id"]: d.get("la") async for d in store.children.find({}, {"la": 1})}
    async for conv in store.conversations.find({}, {"child": 1}):
        la = children.get(conv["child"])
        messages = store.messages.find({"conversation": conv["_id"]}, {"sender": 1, "sent_at": 1}).sort("_id", 1)
        for since, answered in waits_answered(await messages.to_list(None)):
            accumulate(totals, la, regions.get(la), workdays.london_month(answered),
                        reply_increments((answered - since).total_seconds()))
    docs = documents(totals)
    await store.figures_months.delete_many({})
    for start in range(0, len(docs), 1000):
        await store.figures_months.insert_many(docs[start:start + 1000])
    return len(docs)
