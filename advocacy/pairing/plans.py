"""Pairing plans: the cheapest re-pairing of the whole roster, proposed for a person to review, then applied.

``propose`` (pure) solves the roster and lists each child whose advocate would
change, why, and the cost before and after. With ``max_moves`` it limits how
many children who have an advocate now are moved: the cost of a move is raised
step by step (a Lagrangian multiplier, found by bisection) until few enough
move. The plan found is then the cheapest of all plans that move no more
children than it does (it minimises cost + multiplier x moves), which may be
fewer than ``max_moves``. Children whose advocate can no longer keep them
(unavailable, now conflicted, avoided) move whatever the limit; if even the
largest multiplier moves more than allowed, the plan says so. Opted-out
children who still have an advocate are always unpaired (a hard rule) and not
counted as moves.

``make_plan`` reads the roster, proposes and stores the plan (the console lists
stored plans); ``apply_plan`` makes the changes of a reviewed plan through
``PairingChanges.pair``, skipping any child whose advocate changed since the plan
was made and any change that would now break a hard rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from advocacy import audit
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.pairing.changes import PairingRefused
from advocacy.pairing.instance import COST_NAMES
from advocacy.pairing.placement import unassigned_cost
from advocacy.pairing.roster import load_roster
from advocacy.pairing.solver import cost_of, pair_cost, solve
from advocacy.store import DESCENDING, Store

Progress = Callable[[str, int, int], None]


def _per_child_cost(child: Mapping[str, Any], advocate: Mapping[str, Any] | None, w: Mapping[str, int]) -> int:
    if child["opted_out"]:
        return 0
    return unassigned_cost(child, w) if advocate is None else pair_cost(child, advocate, w)


def reasons(child: Mapping[str, Any], before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
            over_capacity: set[str]) -> list[str]:
    """Why this child's advocate changes, in words a manager reads."""
    why: list[str] = []
    if child["opted_out"]:
        return ["has opted out"]
    if before is None:
        why.append("has no advocate yet")
    else:
        if not before["available"]:
            why.append("their advocate is no longer available")
        if child["la"] in before["conflicts"]:
            why.append("their advocate now works for the child's local authority")
        if before["id"] in child.get("avoid", ()):
            why.append("asked for someone else")
        if before["id"] in over_capacity:
            why.append("their advocate has more children than they can take")
    if after is None:
        why.append("no advocate can take them")
        return why
    if after["id"] == child["prefers"]["advocate"] and (before is None or before["id"] != after["id"]):
        why.append("the advocate they asked for")
    if before is not None and after["id"] in child["previous"]:
        why.append("someone they have had before")
    if child["languages"] and set(child["languages"]) & set(after["languages"]) and (
            before is None or not set(child["languages"]) & set(before["languages"])):
        why.append("shares a language")
    if child["region"] in after["regions"] and (before is None or child["region"] not in before["regions"]):
        why.append("works in their region")
    gender = child["prefers"]["gender"]
    if gender and after["gender"] == gender and (before is None or before["gender"] != gender):
        why.append("the kind of advocate they asked for")
    if not why:
        why.append("spreads the load fairly")
    return why


def propose(instance: Mapping[str, Any], weights: Mapping[str, int], max_moves: int | None = None,
            progress: Progress | None = None) -> dict[str, Any]:
    """The plan for an instance (pure): changes with reasons and costs, totals before and after."""
    w = dict(weights)
    advocates = {a["id"]: a for a in instance["advocates"]}
    current = {c["id"]: c["current"] for c in instance["children"]}
    before = cost_of(instance, current, w)
    tries = [0]

    def attempt(multiplier: int) -> dict[str, Any]:
        tries[0] += 1
        if progress:
            progress("solving", tries[0], 0)
        return solve(instance, {**w, "moved": w["moved"] + multiplier})

    result = attempt(0)
    note = None
    if max_moves is not None and result["breakdown"]["moved"] > max_moves:
        high = sum(w.values()) + 1  # dearer than anything a move could gain
        best = attempt(high)
        if best["breakdown"]["moved"] > max_moves:
            note = (f"{best['breakdown']['moved']} children must move (their advocate can no longer keep them), "
                    f"more than the {max_moves} allowed")
        else:
            low = 0
            while high - low > 1:
                middle = (low + high) // 2
                trial = attempt(middle)
                if trial["breakdown"]["moved"] <= max_moves:
                    high, best = middle, trial
                else:
                    low = middle
        result = best
    after = cost_of(instance, result["assignments"], w)
    load: dict[str, int] = {}
    for advocate_id in current.values():
        if advocate_id:
            load[advocate_id] = load.get(advocate_id, 0) + 1
    over = {a for a, n in load.items() if n > advocates[a]["capacity"]}
    changes = []
    for child in instance["children"]:
        was, now = current[child["id"]], after["assignments"][child["id"]]
        if was == now:
            continue
        was_record, now_record = advocates.get(was) if was else None, advocates.get(now) if now else None
        changes.append({
            "child": child["id"], "from": was, "to": now,
            "why": reasons(child, was_record, now_record, over),
            "cost_before": _per_child_cost(child, was_record, w), "cost_after": _per_child_cost(child, now_record, w),
        })
    return {
        "weights": w, "max_moves": max_moves, "moves": after["breakdown"]["moved"],
        "cost_before": before["cost"], "cost_after": after["cost"],
        "breakdown_before": before["breakdown"], "breakdown_after": after["breakdown"],
        "changes": changes, "notes": [note] if note else [], "solves": tries[0],
    }


async def make_plan(store: Store, clock, weights: Mapping[str, int], *, max_moves: int | None = None,
                    progress: Progress | None = None, by: dict[str, str] | None = None) -> dict[str, Any]:
    """Read the roster, propose a plan and store it (nothing else changes)."""
    instance, notes = await load_roster(store, progress)
    plan = await asyncio.to_thread(propose, instance, weights, max_moves, progress)
    plan = {"_id": new_id("pp"), "created_at": clock.now(), "by": by, "status": "proposed",
            "children": len(instance["children"]), **plan, "notes": notes + plan["notes"]}
    await store.pairing_plans.insert_one(plan)
    if by:
        await audit.record(store, clock, actor=by["id"], role=by["role"], action="plan.made", plan=plan["_id"],
                           changes=len(plan["changes"]))
    return plan


def plan_json(plan: Mapping[str, Any]) -> dict[str, Any]:
    """A stored plan as JSON (what `advocacy pairing plan` writes and `apply` reads)."""
    out = {("id" if key == "_id" else key): value for key, value in plan.items()}
    for key in ("created_at", "approved_at", "applied_at"):
        if out.get(key) is not None and not isinstance(out[key], str):
            out[key] = out[key].isoformat(timespec="seconds")
    return out


def check_plan(plan: Any) -> list[str]:
    """Problems with a plan file, each naming where."""
    if not isinstance(plan, Mapping) or not isinstance(plan.get("changes"), list):
        return ['the plan must be a JSON object with a "changes" list (as `advocacy pairing plan` writes)']
    problems = []
    for index, change in enumerate(plan["changes"]):
        if not isinstance(change, Mapping) or not isinstance(change.get("child"), str):
            problems.append(f'changes[{index}]: "child" must be a child id')
            continue
        for field in ("from", "to"):
            if field not in change or not (change[field] is None or isinstance(change[field], str)):
                problems.append(f'changes[{index}] (child "{change["child"]}"): '
                                f'"{field}" must be an advocate id or null')
    return problems


async def apply_plan(service, plan: Mapping[str, Any], by: dict[str, str] | None,
                     progress: Progress | None = None,
                     step: Callable[[int, int], Awaitable[None]] | None = None) -> dict[str, Any]:
    """Make a reviewed plan's changes. Returns how many were applied and which were skipped, and why."""
    store = service.store
    pending = [dict(change) for change in plan["changes"]]
    applied, skipped = 0, []
    total = len(pending)
    while pending:
        stuck = []
        for change in pending:
            child = await store.children.find_one({"_id": change["child"]}, {"advocate": 1, "opted_out": 1})
            if child is None:
                skipped.append({"child": change["child"], "why": "no such child"})
            elif (child.get("advocate") or None) not in (change["from"], change["to"]):
                skipped.append({"child": change["child"], "why": "their advocate changed since the plan was made"})
            elif (child.get("advocate") or None) == change["to"]:
                applied += 1
            else:
                try:
                    await service.changes.pair(change["child"], change["to"], "plan", by=by)
                    applied += 1
                except PairingRefused as refused:
                    if refused.reason == "full":
                        stuck.append(change)
                    else:
                        skipped.append({"child": change["child"], "why": f"refused now: {refused.reason}"})
            if progress:
                progress("applying", applied + len(skipped), total)
            if step:
                await step(applied + len(skipped), total)
        if stuck and len(stuck) == len(pending):
            # Everyone waits for a place someone else holds (a cycle): free one place and go round again.
            breakable = next((change for change in stuck if change["from"] is not None), None)
            if breakable is None:
                skipped += [{"child": c["child"], "why": "no room with that advocate now"} for c in stuck]
                break
            await service.changes.pair(breakable["child"], None, "plan", by=by)
            breakable["from"] = None
        pending = stuck
    result = {"applied": applied, "skipped": skipped}
    if plan.get("id"):
        await store.pairing_plans.update_one(
            {"_id": plan["id"]},
            {"$set": {"status": "applied", "applied_at": service.clock.now(), "applied_by": by, "result": result,
                      "progress": {"done": total, "total": total}}})
    if by:
        await audit.record(store, service.clock, actor=by["id"], role=by["role"], action="plan.applied",
                           plan=plan.get("id") or "", applied=applied, skipped=len(skipped))
    return result


# From the console: review, approve, apply -----------------------------------------

OPEN = ("proposed", "approved")


async def stored_plan(store: Store, plan_id: Any) -> dict[str, Any]:
    plan = await store.pairing_plans.find_one({"_id": plan_id}) if isinstance(plan_id, str) else None
    if plan is None:
        raise ServiceError("not_found")
    return plan


async def is_stale(store: Store, plan: Mapping[str, Any]) -> bool:
    """Whether pairings changed since the plan was made: a pairing began or ended after it, or a child in it
    no longer has the advocate the plan starts from."""
    made = plan["created_at"]
    later = await store.pairings.find_one(
        {"$or": [{"started_at": {"$gt": made}}, {"ended_at": {"$gt": made}}]}, {"_id": 1})
    if later is not None:
        return True
    starts = {c["child"]: c["from"] for c in plan["changes"]}
    now = {d["_id"]: d.get("advocate") or None
           async for d in store.children.find({"_id": {"$in": list(starts)}}, {"advocate": 1})}
    return any(child not in now or now[child] != was for child, was in starts.items())


def needs_second_person(plan: Mapping[str, Any], above: int) -> bool:
    return len(plan["changes"]) > above


async def approve_plan(service, plan_id: Any, by: dict[str, str]) -> dict[str, Any]:
    """Record that ``by`` has reviewed the plan and approves it. Above ``service.second_approval_above``
    changes, the approver must not be the person who made the plan."""
    store, above = service.store, service.second_approval_above
    plan = await stored_plan(store, plan_id)
    if plan["status"] != "proposed":
        raise ServiceError("plan_not_open")
    if not plan["changes"]:
        raise ServiceError("plan_empty")
    if needs_second_person(plan, above) and (plan.get("by") or {}).get("id") == by["id"]:
        raise ServiceError("plan_same_person", limit=above)
    if await is_stale(store, plan):
        raise ServiceError("plan_stale")
    done = await store.pairing_plans.update_one(
        {"_id": plan["_id"], "status": "proposed"},
        {"$set": {"status": "approved", "approved_by": by, "approved_at": service.clock.now()}})
    if done.modified_count != 1:
        raise ServiceError("plan_not_open")
    await audit.record(store, service.clock, actor=by["id"], role=by["role"], action="plan.approved",
                       plan=plan["_id"], changes=len(plan["changes"]))
    return {**plan, "status": "approved", "approved_by": by}


async def apply_stored_plan(service, plan_id: Any, by: dict[str, str]) -> dict[str, Any]:
    """Apply a stored plan from the console, through ``apply_plan`` as the command does (the same pairing
    changes, so the same listeners: a child's open concerns go with them). Refused, with nothing changed,
    when it is empty, already applied, needs a second person's approval it lacks, or has gone stale. Progress
    is kept on the plan (``progress``: done and total) for the page to show."""
    store, above = service.store, service.second_approval_above
    plan = await stored_plan(store, plan_id)
    if plan["status"] not in OPEN:
        raise ServiceError("plan_not_open")
    if not plan["changes"]:
        raise ServiceError("plan_empty")
    if needs_second_person(plan, above) and plan["status"] != "approved":
        raise ServiceError("plan_needs_approval", limit=above)
    if await is_stale(store, plan):
        raise ServiceError("plan_stale")
    total = len(plan["changes"])
    taken = await store.pairing_plans.update_one(
        {"_id": plan["_id"], "status": plan["status"]},
        {"$set": {"status": "applying", "progress": {"done": 0, "total": total}}})
    if taken.modified_count != 1:
        raise ServiceError("plan_not_open")
    every = max(1, total // 50)

    async def step(done: int, total: int) -> None:
        if done % every == 0 or done >= total:
            await store.pairing_plans.update_one({"_id": plan["_id"]},
                                                 {"$set": {"progress": {"done": done, "total": total}}})

    try:
        return await apply_plan(service, plan_json(plan), by, step=step)
    except BaseException:
        await store.pairing_plans.update_one({"_id": plan["_id"], "status": "applying"},
                                             {"$set": {"status": "failed"}})
        raise


async def list_plans(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    cursor = store.pairing_plans.find({}, {"changes": 0}).sort("created_at", DESCENDING).limit(limit)
    return [plan_json(p) async for p in cursor]


def summary_lines(plan: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """The plan for people: each change on a line, then the totals."""
    def who(advocate: str | None) -> str:
        return "nobody" if advocate is None else names.get(advocate, advocate)

    lines = [f"{len(plan['changes'])} change(s); {plan['moves']} child(ren) with an advocate now would move"]
    for change in plan["changes"]:
        lines.append(f"  {change['child']}: {who(change['from'])} -> {who(change['to'])}  "
                     f"(cost {change['cost_before']} -> {change['cost_after']}; {', '.join(change['why'])})")
    lines.append(f"total cost {plan['cost_before']:,} -> {plan['cost_after']:,}")
    for name in COST_NAMES:
        b, a = plan["breakdown_before"][name], plan["breakdown_after"][name]
        if a or b:
            lines.append(f"  {name:<20} {b:>8,} -> {a:,}")
    lines += [f"note: {note}" for note in plan.get("notes", [])]
    return lines
