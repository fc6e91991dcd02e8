"""Cover while an advocate is on leave: a covering advocate for each of their children, between two dates.

The leave runs from the first day away to the last, inclusive, in the
service's time zone: ``starts_at`` is midnight at the start of the first day,
``ends_at`` midnight after the last. Covers are chosen when the leave is
recorded (by the solver, over those children only: advocates the child knows
first, nobody on leave at the same time, room counted with the cover others
already give) and topped up when it starts for children paired since. Access
follows the dates alone (``advocacy.pairing.access``); the background job tells
each child who is covering and until when as the leave starts, and that their
own advocate is back as it ends. The child's advocate never changes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from advocacy import audit
from advocacy.date_words import day_words, moment_words
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.pairing.service import By, PairingService, first_name
from advocacy.words import N_

# Told the ids of advocates whose conversations changed (their sockets join or leave rooms).
AccessChanged = Callable[[list[str | None]], Awaitable[None]]
LONGEST_DAYS = 366


def leave_window(service: PairingService, starts: Any, ends: Any) -> tuple[date, date, datetime, datetime]:
    problems = []
    try:
        first = date.fromisoformat(starts) if isinstance(starts, str) else None
        last = date.fromisoformat(ends) if isinstance(ends, str) else None
    except ValueError:
        first = last = None
    if first is None or last is None:
        problems.append('"starts" and "ends" are needed as dates written YYYY-MM-DD (the first and last days away)')
    elif last < first:
        problems.append('"ends" is before "starts"')
    elif last < service.today():
        problems.append("the leave is over already")
    elif (last - first).days >= LONGEST_DAYS:
        problems.append(f"a leave can be {LONGEST_DAYS} days at most")
    if problems:
        raise ServiceError("dates_invalid", "Those dates don't work: " + "; ".join(problems) + ". Nothing was changed.")
    starts_at = datetime.combine(first, time(0), tzinfo=service.zone)
    ends_at = datetime.combine(last + timedelta(days=1), time(0), tzinfo=service.zone)
    return first, last, starts_at, ends_at


async def record_leave(service: PairingService, advocate_id: str, starts: Any, ends: Any, by: By) -> dict[str, Any]:
    """Record an advocate's leave and choose a cover advocate for each of their children."""
    first, last, starts_at, ends_at = leave_window(service, starts, ends)
    store = service.store
    overlapping = await store.leaves.find_one({"advocate": advocate_id, "state": {"$ne": "cancelled"},
                                               "starts_at": {"$lt": ends_at}, "ends_at": {"$gt": starts_at}})
    if overlapping and (overlapping["first_day"], overlapping["last_day"]) == (first.isoformat(), last.isoformat()):
        return await describe_leave(service, overlapping["_id"])  # the same leave sent again
    if overlapping:
        raise ServiceError("dates_invalid", "Those dates don't work: this advocate already has leave then. "
                           "Nothing was changed.")
    leave = {"_id": new_id("lv"), "advocate": advocate_id, "first_day": first.isoformat(), "last_day": last.isoformat(),
             "starts_at": starts_at, "ends_at": ends_at, "state": "planned", "created_at": service.clock.now(),
             "by": by}
    await store.leaves.insert_one(leave)
    who = by or {"id": "service", "role": "service"}
    await audit.record(store, service.clock, actor=who["id"], role=who["role"], action="staff.leave_booked",
                       subject=advocate_id, leave=leave["_id"])
    await choose_covers(service, leave)
    return await describe_leave(service, leave["_id"])


async def choose_covers(service: PairingService, leave: dict[str, Any]) -> None:
    """Covers for the advocate's children who have none yet for this leave."""
    store = service.store
    covered = {c["child"] async for c in store.covers.find({"leave": leave["_id"]}, {"child": 1})}
    children = [d["_id"] async for d in store.children.find({"advocate": leave["advocate"]}, {"_id": 1})
                if d["_id"] not in covered]
    if not children:
        return
    window = {"starts_at": {"$lt": leave["ends_at"]}, "ends_at": {"$gt": leave["starts_at"]}}
    away = {d["advocate"] async for d in store.leaves.find({**window, "state": {"$ne": "cancelled"}}, {"advocate": 1})}
    giving: dict[str, int] = {}
    async for cover in store.covers.find({**window, "cover": {"$ne": None}}, {"cover": 1}):
        giving[cover["cover"]] = giving.get(cover["cover"], 0) + 1
    _, assignments = await service.solve_places(children, unavailable=away | {leave["advocate"]}, extra_load=giving)
    await store.covers.insert_many([
        {"_id": new_id("cov"), "leave": leave["_id"], "child": child, "advocate": leave["advocate"],
         "cover": assignments.get(child), "starts_at": leave["starts_at"], "ends_at": leave["ends_at"],
         "last_day": leave["last_day"], "told_start": False, "told_end": False}
        for child in children
    ])


async def describe_leave(service: PairingService, leave_id: str) -> dict[str, Any]:
    store = service.store
    leave = await store.leaves.find_one({"_id": leave_id})
    covers = await store.covers.find({"leave": leave_id}).to_list(None)
    names = {d["_id"]: d.get("name", "") async for d in
             store.staff.find({"_id": {"$in": [c["cover"] for c in covers if c["cover"]]}}, {"name": 1})}
    return {
        "id": leave["_id"], "advocate": leave["advocate"], "starts": leave["first_day"], "ends": leave["last_day"],
        "state": leave["state"],
        "covers": [{"child": c["child"], "cover": {"id": c["cover"], "name": names.get(c["cover"], "")}
                    if c["cover"] else None} for c in covers],
    }


async def leaves_of(service: PairingService, advocate_id: str) -> list[dict[str, Any]]:
    ids = [d["_id"]
           async for d in service.store.leaves.find({"advocate": advocate_id}, {"_id": 1}).sort("starts_at", 1)]
    return [await describe_leave(service, i) for i in ids]


async def cover_tick(service: PairingService, access_changed: AccessChanged | None = None) -> dict[str, int]:
    """Start leave that has begun and end leave that is over: move the covers' sockets, tell each child."""
    store, now = service.store, service.clock.now()
    started = ended = 0
    async for leave in store.leaves.find({"state": "planned", "starts_at": {"$lte": now}}):
        if leave["ends_at"] > now:
            await choose_covers(service, leave)
            started += await _tell_start(service, leave, access_changed)
        await store.leaves.update_one({"_id": leave["_id"]}, {"$set": {"state": "started"}})
    async for leave in store.leaves.find({"state": "started", "ends_at": {"$lte": now}}):
        ended += await _tell_end(service, leave, access_changed)
        await store.leaves.update_one({"_id": leave["_id"]}, {"$set": {"state": "ended"}})
    return {"started": started, "ended": ended}


async def _full_names(service: PairingService, ids: list[str | None]) -> dict[str, str]:
    """Staff's whole names, for staff to read (a child reads first names: ``_names``)."""
    return {d["_id"]: d.get("name", "") async for d in
            service.store.staff.find({"_id": {"$in": [i for i in ids if i]}}, {"name": 1})}


async def _names(service: PairingService, ids: list[str | None]) -> dict[str, str]:
    return {d["_id"]: first_name(d.get("name")) async for d in
            service.store.staff.find({"_id": {"$in": [i for i in ids if i]}}, {"name": 1})}


async def _tell_start(service: PairingService, leave: dict[str, Any], access_changed: AccessChanged | None) -> int:
    store = service.store
    covers = await store.covers.find({"leave": leave["_id"], "told_start": False, "cover": {"$ne": None}}).to_list(None)
    names = await _names(service, [leave["advocate"], *(c["cover"] for c in covers)])
    away = names.get(leave["advocate"], "Your advocate")
    if access_changed:
        await access_changed([c["cover"] for c in covers])
    for cover in covers:
        child = await store.children.find_one({"_id": cover["child"]}, {"advocate": 1})
        if not child or child.get("advocate") != leave["advocate"]:
            continue
        who = names.get(cover["cover"], "another advocate")
        await service.chat.tell_child(
            cover["child"],
            N_("{away} is away until {day}. While {away} is away, {who} will look after you. You can send "
               "messages here as usual and {who} will answer. {away} will be back after that.",
               away=away, who=who, day=day_words(date.fromisoformat(leave["last_day"]), year=False)),
            f"cover:{cover['_id']}:start")
        await store.covers.update_one({"_id": cover["_id"]}, {"$set": {"told_start": True}})
        await service.notifier.tell([cover["cover"]], "child.cover_started", child=cover["child"], leave=leave["_id"])
    return len(covers)


async def _tell_end(service: PairingService, leave: dict[str, Any], access_changed: AccessChanged | None) -> int:
    store = service.store
    covers = await store.covers.find({"leave": leave["_id"], "told_end": False, "cover": {"$ne": None}}).to_list(None)
    names = await _names(service, [leave["advocate"]])
    back = names.get(leave["advocate"], "Your advocate")
    if access_changed:
        await access_changed([c["cover"] for c in covers])
    for cover in covers:
        child = await store.children.find_one({"_id": cover["child"]}, {"advocate": 1})
        if child and child.get("advocate") == leave["advocate"] and cover["told_start"]:
            await service.chat.tell_child(cover["child"], N_("{back} is back, so {back} is looking after you again.",
                                                             back=back),
                               f"cover:{cover['_id']}:end")
        await store.covers.update_one({"_id": cover["_id"]}, {"$set": {"told_end": True}})
        await service.notifier.tell([cover["cover"]], "child.cover_ended", child=cover["child"], leave=leave["_id"])
    return len(covers)


# cover by hand: an advocate or manager hands a child's conversation to a colleague for a set time ---------

LONGEST_HAND_OVER_HOURS = 14 * 24


class HandOvers:
    """Cover by hand, on the same ``covers`` records as cover for leave (``leave`` None, ``kind`` "hand"), so
    access follows the same dates (``Access.covering``): the colleague may see and answer the child's chat
    from now until the end, only while the child keeps the advocate who handed them over. The child is told
    who answers and until when as it starts, and that their advocate is back as it ends (``tick``, on time,
    or ``end`` early)."""

    def __init__(self, service: PairingService, access_changed: AccessChanged) -> None:
        self.service = service
        self.access_changed = access_changed

    async def current(self, child_id: str) -> dict[str, Any] | None:
        now = self.service.clock.now()
        return await self.service.store.covers.find_one(
            {"child": child_id, "cover": {"$ne": None}, "starts_at": {"$lte": now}, "ends_at": {"$gt": now}})

    async def hand_over(self, by: dict[str, str], child: dict[str, Any], body: Any) -> dict[str, Any]:
        """``by`` (the child's advocate or their manager) hands ``child`` to a colleague in the same team,
        ``{"cover": advocate id, "hours": 1..336}``. Refused if someone covers the child already."""
        service, store = self.service, self.service.store
        if not isinstance(body, dict):
            raise ServiceError("bad_request")
        colleague, hours = body.get("cover"), body.get("hours")
        problems = []
        if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= LONGEST_HAND_OVER_HOURS:
            problems.append(f'"hours" is needed: a whole number of hours from 1 to {LONGEST_HAND_OVER_HOURS}')
        advocate = await store.staff.find_one({"_id": child.get("advocate")}, {"manager": 1, "name": 1}) \
            if child.get("advocate") else None
        if advocate is None:
            raise ServiceError("no_advocate", "This child has no advocate now, so there is no conversation to "
                                              "hand over. Nothing was changed.")
        team = advocate.get("manager")
        mate = await store.staff.find_one({"_id": colleague, "role": "advocate"}, {"manager": 1, "left_at": 1,
                                                                                  "name": 1}) \
            if isinstance(colleague, str) and len(colleague) <= 64 else None
        if mate is None or team is None or mate.get("manager") != team or mate.get("left_at"):
            problems.append('"cover" is needed: the id of an advocate in the same team')
        elif mate["_id"] == advocate["_id"]:
            problems.append("that is the child's own advocate: choose a colleague")
        if problems:
            raise ServiceError("cover_invalid", "That hand-over doesn't work: " + "; ".join(problems)
                               + ". Nothing was changed.")
        now = service.clock.now()
        if await store.leaves.find_one({"advocate": mate["_id"], "state": {"$ne": "cancelled"},
                                        "starts_at": {"$lte": now}, "ends_at": {"$gt": now}}, {"_id": 1}):
            raise ServiceError("cover_invalid", f"{mate.get('name') or 'That advocate'} is on leave now: choose "
                                                "someone who is working. Nothing was changed.")
        existing = await self.current(child["_id"])
        if existing is not None:
            names = await _full_names(service, [existing["cover"]])
            raise ServiceError("already_covered", f"{names.get(existing['cover'], 'Someone')} is covering this "
                               f"child already, until {moment_words(existing['ends_at'], service.zone, year=False)}. "
                               "End that cover first if someone else should take over. Nothing was changed.")
        ends_at = now + timedelta(hours=hours)
        doc = {"_id": new_id("cov"), "leave": None, "kind": "hand", "child": child["_id"],
               "advocate": advocate["_id"], "cover": mate["_id"], "starts_at": now, "ends_at": ends_at,
               "last_day": ends_at.astimezone(service.zone).date().isoformat(), "told_start": False,
               "told_end": False, "by": by}
        await store.covers.insert_one(doc)
        await audit.record(store, service.clock, actor=by["id"], role=by["role"], action="child.cover",
                           subject=child["_id"], cover=doc["_id"], to=mate["_id"])
        await self.access_changed([mate["_id"]])
        names = await _names(service, [advocate["_id"], mate["_id"]])
        await service.chat.tell_child(
            child["_id"],
            N_("For a while, {who} will answer your messages instead of {away}, until {when}. You can write here "
               "as usual.", who=names.get(mate["_id"], "another advocate"),
               away=names.get(advocate["_id"], "your advocate"),
               when=moment_words(ends_at, service.zone, year=False)),
            f"cover:{doc['_id']}:start")
        await store.covers.update_one({"_id": doc["_id"]}, {"$set": {"told_start": True}})
        await service.notifier.tell([mate["_id"]], "child.cover_started", child=child["_id"], cover=doc["_id"])
        return self.describe({**doc, "told_start": True}, await _full_names(service, [mate["_id"]]))

    def describe(self, doc: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
        return {"id": doc["_id"], "child": doc["child"], "advocate": doc["advocate"],
                "cover": {"id": doc["cover"], "name": names.get(doc["cover"], "")},
                "starts_at": doc["starts_at"].isoformat(timespec="seconds"),
                "ends_at": doc["ends_at"].isoformat(timespec="seconds"),
                "until": moment_words(doc["ends_at"], self.service.zone, year=False)}

    async def end(self, by: dict[str, str], child: dict[str, Any]) -> dict[str, Any]:
        """End the child's cover by hand now (a cover for leave ends with the leave)."""
        doc = await self.current(child["_id"])
        if doc is None or doc.get("kind") != "hand":
            raise ServiceError("not_found", "Nobody is covering this child by hand now. Nothing was changed.")
        now = self.service.clock.now()
        await self.service.store.covers.update_one({"_id": doc["_id"]}, {"$set": {"ends_at": now}})
        await audit.record(self.service.store, self.service.clock, actor=by["id"], role=by["role"],
                           action="child.cover_end", subject=child["_id"], cover=doc["_id"])
        await self._finish({**doc, "ends_at": now})
        return self.describe({**doc, "ends_at": now}, await _full_names(self.service, [doc["cover"]]))

    async def tick(self) -> int:
        """End the covers by hand whose time is over: the child is told, the colleague's sockets leave."""
        ended = 0
        async for doc in self.service.store.covers.find({"kind": "hand", "told_end": False,
                                                         "ends_at": {"$lte": self.service.clock.now()}}):
            await self._finish(doc)
            ended += 1
        return ended

    async def _finish(self, doc: dict[str, Any]) -> None:
        service, store = self.service, self.service.store
        claimed = await store.covers.update_one({"_id": doc["_id"], "told_end": False},
                                                {"$set": {"told_end": True}})
        if claimed.modified_count != 1:
            return  # another process ended it
        await self.access_changed([doc["cover"]])
        child = await store.children.find_one({"_id": doc["child"]}, {"advocate": 1})
        if child and child.get("advocate") == doc["advocate"] and doc.get("told_start"):
            back = (await _names(service, [doc["advocate"]])).get(doc["advocate"], "Your advocate")
            await service.chat.tell_child(doc["child"], N_("{back} is back, so {back} is looking after you again.",
                                                           back=back), f"cover:{doc['_id']}:end")
        await service.notifier.tell([doc["cover"]], "child.cover_ended", child=doc["child"], cover=doc["_id"])
