"""Placing a few children while everyone else stays put. Pure: no I/O, no clock.

Entering care, opting back in, asking for someone else, an advocate leaving:
each places one child or a handful and must not disturb the rest of the
roster. Given the loads advocates carry now, the cheapest placement of those
children is found exactly, without solving the whole roster again:

- ``place_one`` prices every candidate advocate for one child at its marginal
  cost (``pair_cost`` plus ``over_comfortable`` if the advocate is already at
  or beyond what they are comfortable with) and takes the cheapest; leaving
  the child unassigned is a candidate too;
- ``residual_instance`` turns "these children, with those loads" into an
  ordinary solver instance whose advocates have only their spare room, so the
  min-cost flow places a batch exactly: adding ``k`` children to an advocate
  carrying ``load`` costs ``max(0, k - max(0, comfortable - load))`` extra
  beyond-comfortable children, which is what the residual ``comfortable`` says;
- ``lower_bound`` is the least any advocate with given region and language
  features can cost a child, so a caller can fetch candidates tier by tier
  (same region first) and stop once no unfetched tier can beat the best found.

An advocate record here is a solver advocate plus ``load``: how many children
they have now (not counting the ones being placed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from advocacy.pairing.solver import pair_cost, personal_cost

__all__ = ["allowed", "lower_bound", "marginal_cost", "place_one", "residual_instance", "unassigned_cost"]


def allowed(child: Mapping[str, Any], advocate: Mapping[str, Any]) -> bool:
    """The hard rules: available, room left, independent of the child's authority, not avoided."""
    return (
        advocate["available"]
        and advocate.get("load", 0) < advocate["capacity"]
        and child["la"] not in advocate["conflicts"]
        and advocate["id"] not in child.get("avoid", ())
        and not child["opted_out"]
    )


def comfortable(advocate: Mapping[str, Any]) -> int:
    value = advocate.get("comfortable")
    return advocate["capacity"] if value is None else value


def marginal_cost(child: Mapping[str, Any], advocate: Mapping[str, Any], w: Mapping[str, int]) -> int:
    """What the total cost rises by if this child joins this advocate's current load."""
    beyond = w["over_comfortable"] if advocate.get("load", 0) >= comfortable(advocate) else 0
    return pair_cost(child, advocate, w) + beyond


def unassigned_cost(child: Mapping[str, Any], w: Mapping[str, int]) -> int:
    return w["unassigned"] + (w["moved"] if child["current"] is not None else 0)


def place_one(
    child: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]], w: Mapping[str, int]
) -> tuple[str | None, int]:
    """The advocate (or None) this child should have, others staying as they are, and its marginal cost.

    Among equally cheap advocates the one with the most spare room wins, then the
    lowest id, so the answer does not depend on the order of ``candidates``.
    """
    best: tuple[int, int, str] | None = None
    for advocate in candidates:
        if not allowed(child, advocate):
            continue
        key = (marginal_cost(child, advocate, w), advocate.get("load", 0) - advocate["capacity"], advocate["id"])
        if best is None or key < best:
            best = key
    nobody = unassigned_cost(child, w)
    if best is None or best[0] > nobody:
        return None, nobody
    return best[2], best[0]


def lower_bound(child: Mapping[str, Any], w: Mapping[str, int], *, in_region: bool, shares_language: bool) -> int:
    """The least marginal cost of any advocate who is not special to the child (not their current,
    previous or named advocate) and does or does not work in their region and share a language."""
    cost = personal_cost(child, w)
    cost += 0 if in_region else w["out_of_region"]
    cost += 0 if shares_language or not child["languages"] else w["no_shared_language"]
    return cost


def residual_instance(
    children: list[Mapping[str, Any]], advocates: Iterable[Mapping[str, Any]], weights: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """A solver instance placing ``children`` among advocates who keep their current ``load``."""
    residual = []
    for advocate in advocates:
        load = advocate.get("load", 0)
        record = {key: value for key, value in advocate.items() if key != "load"}
        record["capacity"] = max(0, advocate["capacity"] - load)
        record["comfortable"] = min(record["capacity"], max(0, comfortable(advocate) - load))
        residual.append(record)
    instance: dict[str, Any] = {"children": [dict(c) for c in children], "advocates": residual}
    if weights is not None:
        instance["weights"] = dict(weights)
    return instance


# The room an advocate with no capacity set gives (an old record is not held to one).
UNLIMITED = 1_000_000


def spare_room(capacity: Any, load: int) -> int:
    """How many more children an advocate with this ``capacity`` (None: not held to one) and load can take."""
    return max(0, capacity - load) if isinstance(capacity, int) else UNLIMITED
