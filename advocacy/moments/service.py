"""Key moments as recorded: a meeting or event with its date, the child asked for their views,
the views and, afterwards, what was decided; the figures of meetings where the child's views were put.

Stored in ``moments``; the child's views and what was decided are sealed under the
child's key. Recording a placement move or a new social worker for a child who opted
out of advocacy offers it to them again, once for that moment (published on
``reoffer``: the pairing service makes the offer). Everything staff do is audited by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from advocacy import audit, workdays
from advocacy.auth.access import Access
from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload, utc_ms
from advocacy.crypto import Keyring
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.figures import rules as figure_rules
from advocacy.ids import new_id
from advocacy.moments import rules
from advocacy.settings import Settings
from advocacy.store import ASCENDING, Store

LONGEST_ID = 64
LONGEST_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Reoffer:
    """A moment that offers advocacy again to a child who opted out (once)."""

    child: str
    moment: str
    why: str


class Moments:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, settings: Settings, access: Access,
                 chat: ChatService) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.access = access
        self.chat = chat
        self.limit = settings.max_concern_chars
        self.small = settings.figures_small_count
        self.reoffer: Topic[Reoffer] = Topic("moments.reoffer")

    def today(self) -> date:
        return self.clock.now().astimezone(workdays.LONDON).date()

    # recording one ---------------------------------------------------------------

    async def add(self, principal: Principal, child_id: Any, data: Any) -> dict[str, Any]:
        """Record an upcoming (or just past) meeting or event for a child, and ask the child in their chat
        what they want said. A placement move or a new social worker re-offers advocacy to an opted-out child."""
        data = payload(data)
        only_fields(data, {"kind", "on"})
        kind = rules.check_kind(data.get("kind"))
        on = rules.check_on(data.get("on"), self.today())
        child = await self.access.child(principal, "moment.create", child_id, missing="child_not_found")
        return await self._insert(child, kind, on, by=principal.by(), source="advocate", principal=principal)

    async def record_imported(self, child: Mapping[str, Any], kind: str, on: date, *,
                              by: dict[str, str]) -> dict[str, Any]:
        """A moment from the local authority's import (``advocacy.moments.importer``), checked already."""
        return await self._insert(child, kind, on, by=by, source="import", principal=None)

    async def _insert(self, child: Mapping[str, Any], kind: str, on: date, *, by: dict[str, str], source: str,
                      principal: Principal | None) -> dict[str, Any]:
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        doc = {"_id": new_id("km"), "child": child["_id"], "la": child.get("la"), "region": la.get("region"),
               "advocate": child.get("advocate"), "kind": kind, "on": on.isoformat(), "source": source,
               "recorded_at": utc_ms(self.clock.now()), "by": by, "asked_at": None, "views": None,
               "views_at": None, "views_put": None, "decided": None, "matched": None, "outcome_at": None,
               "reoffered_at": None}
        await self.store.moments.insert_one(doc)
        who = audit.by(principal) if principal else {"actor": by["id"], "role": by["role"]}
        await audit.record(self.store, self.clock, **who, action="moment.recorded", subject=child["_id"],
                           moment=doc["_id"], kind=kind)
        ask = rules.question(kind, on)
        if ask is not None and on >= self.today() and not child.get("non_instructed") and not child.get("opted_out"):
            told = await self.chat.tell_child(child["_id"], ask, f"moment:{doc['_id']}")
            if told is not None:
                doc["asked_at"] = utc_ms(self.clock.now())
                await self.store.moments.update_one({"_id": doc["_id"]}, {"$set": {"asked_at": doc["asked_at"]}})
        # Once for this moment, and never while an earlier offer waits for the child's answer: no pressure.
        if kind in rules.REOFFER_KINDS and child.get("opted_out") and not child.get("offer"):
            await self.reoffer.publish(Reoffer(child["_id"], doc["_id"], kind))
        return await self.view(await self.store.moments.find_one({"_id": doc["_id"]}))

    async def reoffered(self, moment_id: str) -> bool:
        """The pairing service offered advocacy again for this moment; False if it had been already (once only)."""
        written = await self.store.moments.update_one({"_id": moment_id, "reoffered_at": None},
                                                      {"$set": {"reoffered_at": utc_ms(self.clock.now())}})
        return written.modified_count == 1

    # the child's views and the outcome ---------------------------------------------

    async def moment_for(self, principal: Principal, action: str, moment_id: Any) -> dict[str, Any]:
        if not may(principal.role, action) or not isinstance(moment_id, str) or len(moment_id) > LONGEST_ID:
            raise ServiceError("moment_not_found")
        doc = await self.store.moments.find_one({"_id": moment_id})
        if doc is None:
            raise ServiceError("moment_not_found")
        await self.access.child(principal, action, doc["child"], missing="moment_not_found")
        return doc

    async def record_views(self, principal: Principal, moment_id: Any, data: Any) -> dict[str, Any]:
        """The child's views for the meeting, as the advocate wrote them down (written again, they replace)."""
        data = payload(data)
        only_fields(data, {"views"})
        views = check_words(data.get("views"), "the child's views for the meeting", self.limit)
        doc = await self.moment_for(principal, "moment.record", moment_id)
        now = utc_ms(self.clock.now())
        await self.store.moments.update_one({"_id": doc["_id"]}, {"$set": {
            "views": await self.keyring.seal(doc["child"], views, "moment.views"), "views_at": now}})
        await audit.record(self.store, self.clock, **audit.by(principal), action="moment.views",
                           subject=doc["child"], moment=doc["_id"])
        return await self.view(await self.store.moments.find_one({"_id": doc["_id"]}))

    async def record_outcome(self, principal: Principal, moment_id: Any, data: Any) -> dict[str, Any]:
        """Afterwards: what was decided, whether the child's views were put, whether it matched what they wanted."""
        data = payload(data)
        only_fields(data, {"decided", "views_put", "matched"})
        decided = check_words(data.get("decided"), "what was decided", self.limit)
        views_put = rules.check_flag(data.get("views_put"), "views_put")
        matched = check_choice(data.get("matched"), "matched", rules.MATCHED)
        doc = await self.moment_for(principal, "moment.record", moment_id)
        if date.fromisoformat(doc["on"]) > self.today():
            raise ServiceError("moment_not_yet")
        if views_put and doc.get("views") is None:
            raise ServiceError("bad_request", "Write down the child's views first (POST /api/moments/{moment}/views), "
                                              "then record that they were put. Nothing was changed.")
        now = utc_ms(self.clock.now())
        await self.store.moments.update_one({"_id": doc["_id"]}, {"$set": {
            "decided": await self.keyring.seal(doc["child"], decided, "moment.decided"), "views_put": views_put,
            "matched": matched, "outcome_at": now}})
        await audit.record(self.store, self.clock, **audit.by(principal), action="moment.outcome",
                           subject=doc["child"], moment=doc["_id"], matched=matched)
        return await self.view(await self.store.moments.find_one({"_id": doc["_id"]}))

    # reading ---------------------------------------------------------------------

    async def listing(self, principal: Principal, child_id: Any) -> list[dict[str, Any]]:
        child = await self.access.child(principal, "moment.read", child_id, missing="child_not_found")
        docs = await self.store.moments.find({"child": child["_id"]}).sort("on", ASCENDING).to_list(None)
        await audit.record(self.store, self.clock, **audit.by(principal), action="moment.read",
                           subject=child["_id"])
        return [await self.view(d) for d in docs]

    async def view(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        child = doc["child"]

        async def opened(value: Any, purpose: str) -> str | None:
            return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

        return {"id": doc["_id"], "child": child, "kind": doc["kind"], "kind_words": rules.KINDS[doc["kind"]],
                "on": doc["on"], "source": doc["source"], "recorded_at": iso(doc["recorded_at"]),
                "asked_at": iso(doc.get("asked_at")), "views": await opened(doc.get("views"), "moment.views"),
                "views_at": iso(doc.get("views_at")), "views_put": doc.get("views_put"),
                "decided": await opened(doc.get("decided"), "moment.decided"), "matched": doc.get("matched"),
                "outcome_at": iso(doc.get("outcome_at")), "reoffered_at": iso(doc.get("reoffered_at"))}

    # the figures -----------------------------------------------------------------

    async def figures(self, principal: Principal, first: Any, last: Any) -> dict[str, Any]:
        """Meetings held (an outcome recorded) and those where the child's views were put, by local authority,
        region and England, with small numbers suppressed as in the other figures."""
        if not may(principal.role, "page.figures"):
            raise ServiceError("forbidden")
        today = self.today()
        start, end = self._period(first, last, today)
        rows = await self.store.moments.find(
            {"on": {"$gte": start.isoformat(), "$lte": end.isoformat()}, "outcome_at": {"$ne": None}},
            {"la": 1, "views_put": 1}).to_list(None)
        areas = {d["_id"]: d async for d in self.store.local_authorities.find({}, {"name": 1, "region": 1})}
        # Every local authority is listed, those with no meetings too (0 reads "fewer than 5" like 1 to 4):
        # leaving one out would tell its 0 apart from the others' "fewer than 5".
        counts = {la: {"held": 0, "views_put": 0} for la in areas}
        counts.update(rules.views_put_figures(rows))
        solver = figure_rules.Suppression(self.small)
        regions: dict[str, list[str]] = {}
        for la in counts:
            regions.setdefault((areas.get(la) or {}).get("region") or "unknown", []).append(la)
        totals: dict[tuple[str, str], dict[str, int]] = {}
        for la, c in counts.items():
            totals[("la", la)] = c
        for region, las in regions.items():
            totals[("region", region)] = {k: sum(counts[la][k] for la in las) for k in ("held", "views_put")}
        totals[("england", "england")] = {k: sum(c[k] for c in counts.values()) for k in ("held", "views_put")}
        levels = {"la": 0, "region": 1, "england": 2}
        for area, c in totals.items():
            solver.count((*area, "held"), c["held"], level=levels[area[0]])
            solver.count((*area, "views_put"), c["views_put"], level=levels[area[0]])
            solver.count((*area, "not_put"), c["held"] - c["views_put"], displayed=False, level=levels[area[0]])
            solver.relate((*area, "held"), [(*area, "views_put"), (*area, "not_put")])
        for column in ("held", "views_put", "not_put"):
            solver.relate(("england", "england", column), [("region", r, column) for r in regions])
            for region, las in regions.items():
                solver.relate(("region", region, column), [("la", la, column) for la in las])
        states = solver.solve()

        def cell(key: tuple[str, str, str], value: int) -> dict[str, Any]:
            state = states.get(key, figure_rules.SHOWN)
            if state == figure_rules.SHOWN:
                return {"value": value, "state": state, "text": str(value)}
            return {"value": None, "state": state,
                    "text": f"fewer than {self.small}" if state == figure_rules.FEWER else "hidden"}

        out = []
        for (kind, code), c in sorted(totals.items(), key=lambda item: (-levels[item[0][0]], item[0][1])):
            out.append({"kind": kind, "code": code,
                        "name": "England" if kind == "england" else (areas.get(code) or {}).get("name", code)
                        if kind == "la" else code,
                        "held": cell((kind, code, "held"), c["held"]),
                        "views_put": cell((kind, code, "views_put"), c["views_put"])})
        await audit.record(self.store, self.clock, **audit.by(principal), action="figures.moments")
        return {"from": start.isoformat(), "to": end.isoformat(), "small": self.small, "areas": out}

    @staticmethod
    def _period(first: Any, last: Any, today: date) -> tuple[date, date]:
        problem = ServiceError("dates_invalid", "from and to should be dates written YYYY-MM-DD, from no later "
                                                "than to, at most ten years apart. Nothing was changed.")
        try:
            end = date.fromisoformat(last) if last else today
            start = date.fromisoformat(first) if first else end - timedelta(days=365)
        except (TypeError, ValueError):
            raise problem from None
        if start > end or (end - start).days > LONGEST_PERIOD_DAYS:
            raise problem
        return start, end
