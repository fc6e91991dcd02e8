"""Running counts of the open oversight queue, so the queue page never counts the items one by one.

One document (``_id`` "open" in ``oversight_counts``) holds how many items are
open in all, and by level, status, local authority, region, category and who
claimed them ("nobody" for none). Every change to an item adjusts it by the
difference between the item before and after (``changed``), in one ``$inc``.
``recount`` counts again from the items themselves (at start, and by the
figures job), so a count can never stay wrong after a crash between an item's
change and its count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy.figures.tally import region_slug
from advocacy.store import Store

OPEN = "open"
FACETS = ("level", "status", "la", "region", "category", "claimed")


def facets(item: Mapping[str, Any] | None) -> dict[str, int]:
    """The counters one item adds while it is open."""
    if item is None or not item.get("open"):
        return {}
    return {
        "n": 1,
        f"level.{item['level']}": 1,
        f"status.{item['status']}": 1,
        f"la.{item.get('la') or 'unknown'}": 1,
        f"region.{region_slug(item.get('region') or 'unknown')}": 1,
        f"category.{item['category']}": 1,
        f"claimed.{item.get('claimed_by') or 'nobody'}": 1,
    }


def difference(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, int]:
    old, new = facets(before), facets(after)
    delta = {key: new.get(key, 0) - old.get(key, 0) for key in set(old) | set(new)}
    return {key: change for key, change in delta.items() if change}


class QueueCounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def changed(self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> None:
        delta = difference(before, after)
        if delta:
            await self.store.oversight_counts.update_one({"_id": OPEN}, {"$inc": delta}, upsert=True)

    async def recount(self) -> dict[str, Any]:
        totals: dict[str, Any] = {"n": 0, **{facet: {} for facet in FACETS}}
        async for item in self.store.oversight.find({"open": True}, dict.fromkeys(
                ("open", "level", "status", "la", "region", "category", "claimed_by"), 1)):
            for path, count in facets(item).items():
                if path == "n":
                    totals["n"] += count
                    continue
                facet, value = path.split(".", 1)
                totals[facet][value] = totals[facet].get(value, 0) + count
        current = await self.store.oversight_counts.find_one({"_id": OPEN})
        if current is None or _tidy(current) != totals:  # written only when a count was wrong
            await self.store.oversight_counts.replace_one({"_id": OPEN}, totals, upsert=True)
        return totals

    async def read(self) -> dict[str, Any]:
        current = await self.store.oversight_counts.find_one({"_id": OPEN})
        return _tidy(current) if current is not None else await self.recount()


def _tidy(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"n": doc.get("n", 0), **{facet: {k: v for k, v in doc.get(facet, {}).items() if v} for facet in FACETS}}
