"""The roster in the database, as the solver sees it: children and advocates as instance records.

``load_roster`` reads everyone (for a plan of the whole country);
``advocate_record`` and ``child_record`` turn single documents into solver
records for the flows that place one child or a few. Field names in the
database: children have ``la`` (their region comes from
``local_authorities.region``), ``languages`` and ``prefers`` {advocate, gender}
(the languages and gender sealed, opened by ``advocacy.people.open_needs``),
``opted_out``, ``avoid`` and ``advocate``; advocates (staff with role
advocate) have ``capacity``, ``comfortable`` (optional), ``regions``,
``languages``, ``gender``, ``conflicts``, ``available`` and ``load`` (kept by
``pair_child``). A child's ``previous`` advocates come from the ``pairings``
history.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from advocacy.people import open_needs
from advocacy.store import Store

Progress = Callable[[str, int, int], None]

ADVOCATE_FIELDS = {
    "capacity": 1, "comfortable": 1, "regions": 1, "languages": 1, "gender": 1, "conflicts": 1,
    "available": 1, "active": 1, "load": 1, "left_at": 1,
}
CHILD_FIELDS = {"la": 1, "languages": 1, "prefers": 1, "needs_sealed": 1, "opted_out": 1, "avoid": 1, "advocate": 1}
UNKNOWN_REGION = "(unknown region)"
PAGE = 5000


def _texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def advocate_record(doc: dict[str, Any]) -> dict[str, Any]:
    """A solver advocate (plus ``load``) from a staff document; missing fields make the advocate
    take no one rather than guess (no capacity: 0; not said to be available: unavailable)."""
    capacity = _count(doc.get("capacity")) or 0
    record = {
        "id": doc["_id"],
        "capacity": capacity,
        "regions": _texts(doc.get("regions")),
        "languages": _texts(doc.get("languages")),
        "gender": doc.get("gender") if isinstance(doc.get("gender"), str) and doc.get("gender") else None,
        "conflicts": _texts(doc.get("conflicts")),
        "available": doc.get("available") is True and doc.get("active") is not False and not doc.get("left_at"),
        "load": _count(doc.get("load")) or 0,
    }
    comfortable = _count(doc.get("comfortable"))
    if comfortable is not None:
        record["comfortable"] = min(comfortable, capacity)
    return record


def child_record(doc: dict[str, Any], region: str | None, previous: Iterable[str] = ()) -> dict[str, Any]:
    """A solver child from a child document, its region and the advocates it had before."""
    prefers = doc.get("prefers") if isinstance(doc.get("prefers"), dict) else {}
    current = doc.get("advocate") or None
    named = prefers.get("advocate") if isinstance(prefers.get("advocate"), str) and prefers.get("advocate") else None
    gender = prefers.get("gender") if isinstance(prefers.get("gender"), str) and prefers.get("gender") else None
    return {
        "id": doc["_id"],
        "la": doc.get("la") or "",
        "region": region or UNKNOWN_REGION,
        "languages": _texts(doc.get("languages")),
        "opted_out": doc.get("opted_out") is True,
        "current": current,
        "previous": sorted(set(previous) - {current, None}),
        "prefers": {"advocate": named, "gender": gender},
        "avoid": sorted(set(_texts(doc.get("avoid")))),
    }


async def regions_by_la(store: Store) -> dict[str, str]:
    return {doc["_id"]: doc.get("region") async for doc in store.local_authorities.find({}, {"region": 1})}


async def previous_advocates(store: Store, child_ids: list[str] | None = None) -> dict[str, set[str]]:
    """The advocates each child had before (ended pairings)."""
    query: dict[str, Any] = {"ended_at": {"$ne": None}}
    if child_ids is not None:
        query["child"] = {"$in": child_ids}
    previous: dict[str, set[str]] = defaultdict(set)
    async for doc in store.pairings.find(query, {"child": 1, "advocate": 1, "_id": 0}):
        previous[doc["child"]].add(doc["advocate"])
    return previous


async def children_records(store: Store, child_ids: list[str]) -> list[dict[str, Any]]:
    """Solver records for these children (in the order given, unknown ids left out)."""
    found, previous = await asyncio.gather(
        store.children.find({"_id": {"$in": child_ids}}, CHILD_FIELDS).to_list(None),
        previous_advocates(store, child_ids))
    docs = {d["_id"]: d for d in await open_needs(store, found)}
    las = list({d.get("la") for d in docs.values()})
    regions = {la["_id"]: la.get("region") async for la in
               store.local_authorities.find({"_id": {"$in": las}}, {"region": 1})}
    return [child_record(docs[i], regions.get(docs[i].get("la")), previous.get(i, ())) for i in child_ids if i in docs]


async def advocate_records(store: Store, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = store.staff.find({"role": "advocate", **(query or {})}, ADVOCATE_FIELDS)
    return [advocate_record(doc) async for doc in cursor]


async def load_roster(store: Store, progress: Progress | None = None) -> tuple[dict[str, Any], list[str]]:
    """The whole roster as a solver instance, and notes on what had to be assumed.

    Advocates' loads are counted from the children (the truth), not read from
    their ``load`` field. Advocates named by a child but no longer on the staff
    list appear as unavailable.
    """
    notes: list[str] = []
    regions = await regions_by_la(store)
    advocates = await advocate_records(store)
    for record in advocates:
        record.pop("load")
    if progress:
        progress("advocates", len(advocates), len(advocates))
    previous = await previous_advocates(store)
    total = await store.children.count_documents({})
    children: list[dict[str, Any]] = []
    unknown_las: set[str] = set()
    page: list[dict[str, Any]] = []

    async def take_page() -> None:
        for doc in await open_needs(store, page, in_id_order=True):
            region = regions.get(doc.get("la"))
            if region is None:
                unknown_las.add(str(doc.get("la")))
            children.append(child_record(doc, region, previous.get(doc["_id"], ())))
        page.clear()
        if progress:
            progress("children", len(children), total)

    # In id order, so each page's data keys are read as one range.
    async for doc in store.children.find({}, CHILD_FIELDS).sort("_id", 1).batch_size(PAGE):
        page.append(doc)
        if len(page) == PAGE:
            await take_page()
    await take_page()
    known = {a["id"] for a in advocates}
    named = {ref for c in children for ref in (c["current"], c["prefers"]["advocate"], *c["previous"], *c["avoid"])}
    for ghost in sorted(named - known - {None}):
        advocates.append({"id": ghost, "capacity": 0, "regions": [], "languages": [], "gender": None,
                          "conflicts": [], "available": False})
        notes.append(f"advocate {ghost} is named by a child but is not on the staff list: treated as unavailable")
    for la in sorted(unknown_las):
        notes.append(f"local authority {la} is not in local_authorities: its children are out of every region")
    return {"children": children, "advocates": advocates}, notes
