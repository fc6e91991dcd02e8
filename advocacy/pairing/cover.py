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
from advocacy.date_words import day_words
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
