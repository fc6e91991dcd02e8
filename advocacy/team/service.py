"""What a manager sees of their team: only advocates whose manager they are, and those advocates' children.

- caseloads: each advocate's children now, against what they can take, and
  whether they are away;
- children waiting for a reply from their advocate, longest first;
- concerns near or past their next deadline (within ``NEAR_HOURS``), soonest first;
- cover: each leave of a team advocate that has not ended, how many of their
  children have someone covering, and who has no one;
- pairing plans proposed and not yet applied that would move one of the team's children.

Children's names are read through people.child_names; the reading is audited
(``team.read``, counts only).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from advocacy import audit
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.categories import Category
from advocacy.concerns.sla import next_deadline
from advocacy.concerns.states import UNRESOLVED
from advocacy.date_words import moment_words
from advocacy.figures.table import duration_text
from advocacy.people import child_names
from advocacy.store import Store

NEAR_HOURS = 48
LONG_WAIT = timedelta(hours=24)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TeamView:
    def __init__(self, store: Store, clock: Clock, categories: dict[str, Category]) -> None:
        self.store = store
        self.clock = clock
        self.categories = categories

    async def _unpaired(self, advocates: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Children in the team's regions on the waiting list (no advocate had room), longest waiting first:
        where and since when, never who (they are no one's on this team yet)."""
        regions = sorted({r for a in advocates for r in a.get("regions") or []})
        if not regions:
            return []
        las = {d["_id"]: d.get("name", d["_id"]) async for d in
               self.store.local_authorities.find({"region": {"$in": regions}}, {"name": 1})}
        children = await self.store.children.find(
            {"waiting_since": {"$gte": EPOCH}, "advocate": None, "opted_out": {"$ne": True}, "erased_at": None,
             "la": {"$in": list(las)}},
            {"la": 1, "waiting_since": 1}).sort([("waiting_since", 1), ("_id", 1)]).to_list(None)
        return [{"la": las.get(child["la"], ""), "since": moment_words(child["waiting_since"], year=False),
                 "for": duration_text((now - child["waiting_since"]).total_seconds()),
                 "long": now - child["waiting_since"] >= LONG_WAIT} for child in children]

    async def team(self, principal: Principal) -> dict[str, Any]:
        now = self.clock.now()
        advocates = await self.store.staff.find(
            {"manager": principal.user_id, "role": "advocate"},
            {"name": 1, "capacity": 1, "comfortable": 1, "available": 1, "active": 1, "left_at": 1, "regions": 1},
        ).sort("name", 1).to_list(None)
        ids = [a["_id"] for a in advocates]
        names = {a["_id"]: a.get("name", "") for a in advocates}
        children = await self.store.children.find({"advocate": {"$in": ids}}, {"advocate": 1}).to_list(None)
        loads: dict[str, int] = {}
        for child in children:
            loads[child["advocate"]] = loads.get(child["advocate"], 0) + 1
        leaves = await self.store.leaves.find({"advocate": {"$in": ids}, "state": {"$ne": "cancelled"},
                                               "ends_at": {"$gt": now}}).sort("starts_at", 1).to_list(None)
        covers = await self.store.covers.find({"leave": {"$in": [lv["_id"] for lv in leaves]}},
                                              {"leave": 1, "child": 1, "cover": 1}).to_list(None)
        waiting = await self.store.conversations.find(
            {"advocate": {"$in": ids}, "active": True, "waiting_since": {"$ne": None}},
            {"child": 1, "advocate": 1, "waiting_since": 1}).sort("waiting_since", 1).to_list(None)
        concerns = await self.store.concerns.find(
            {"advocate": {"$in": ids}, "status": {"$in": [*sorted(s.value for s in UNRESOLVED), "draft"]}},
            {"child": 1, "advocate": 1, "category": 1, "severity": 1, "status": 1, "deadlines": 1, "ladder": 1,
             "responded_at": 1}).to_list(None)
        near = []
        for concern in concerns:
            deadline = next_deadline(concern, now)
            if deadline is not None and deadline.at <= now + timedelta(hours=NEAR_HOURS):
                near.append((deadline.at, deadline, concern))
        near.sort(key=lambda entry: entry[0])
        cover_of = {c["cover"] for c in covers if c.get("cover")}
        shown_children = {w["child"] for w in waiting} | {c["child"] for _, _, c in near} | {
            c["child"] for c in covers if not c.get("cover")}
        child_name = await child_names(self.store, shown_children)
        cover_names = {d["_id"]: d.get("name", "") async for d in
                       self.store.staff.find({"_id": {"$in": list(cover_of)}}, {"name": 1})}
        if shown_children:
            await audit.record(self.store, self.clock, **audit.by(principal), action="team.read",
                               children=len(shown_children), subjects=shown_children)
        away_now = {lv["advocate"] for lv in leaves if lv["starts_at"] <= now}
        team_ids = set(ids)
        plans = []
        async for plan in self.store.pairing_plans.find({"status": {"$in": ["proposed", "approved"]}},
                                                        {"created_at": 1, "changes": 1}) \
                .sort("created_at", -1):
            moves = [c for c in plan.get("changes", []) if c.get("from") in team_ids or c.get("to") in team_ids]
            if moves:
                plans.append({"id": plan["_id"], "made": moment_words(plan["created_at"], year=False),
                              "moves": len(moves)})
        return {
            "plans": plans,
            "unpaired": await self._unpaired(advocates, now),
            "advocates": [{
                "id": a["_id"], "name": a.get("name", ""), "children": loads.get(a["_id"], 0),
                "capacity": a.get("capacity"), "comfortable": a.get("comfortable"),
                "status": "left" if a.get("left_at") else "away" if a["_id"] in away_now
                else "not taking new children" if a.get("available") is False else "working",
            } for a in advocates],
            "waiting": [{
                "child": w["child"], "child_name": child_name.get(w["child"], ""),
                "advocate": names.get(w["advocate"], ""),
                "since": moment_words(w["waiting_since"], year=False),
                "for": duration_text((now - w["waiting_since"]).total_seconds()),
                "long": now - w["waiting_since"] >= LONG_WAIT,
            } for w in waiting],
            "deadlines": [{
                "concern": c["_id"], "child_name": child_name.get(c["child"], ""),
                "advocate": names.get(c["advocate"], ""),
                "about": self._label(c["category"]), "severity": c["severity"], "what": d.what,
                "due": moment_words(due, year=False), "due_words": d.words, "past": d.late,
            } for due, d, c in near],
            "leaves": [{
                "advocate": names.get(lv["advocate"], ""), "first_day": lv["first_day"], "last_day": lv["last_day"],
                "state": "away now" if lv["starts_at"] <= now else "planned",
                "covered": sum(1 for c in covers if c["leave"] == lv["_id"] and c.get("cover")),
                "missing": [child_name.get(c["child"], "") for c in covers
                            if c["leave"] == lv["_id"] and not c.get("cover")],
                "covers": sorted({cover_names.get(c["cover"], "") for c in covers
                                  if c["leave"] == lv["_id"] and c.get("cover")}),
            } for lv in leaves],
        }

    def _label(self, category: str) -> str:
        found = self.categories.get(category)
        return found.staff_label if found else category
