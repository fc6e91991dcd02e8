"""What the reviewers' pages show: the queue with its filters and counts, a case, and revealing a child.

A reviewer knows a child by a reference, an age band and a local authority.
Seeing the child's name and identifying details takes a reason: the reveal is
written to the audit trail (identifiers only) and onto the item's log (the
reason sealed with the child's key), so every later reader of the case sees
who looked, when and why. Nothing revealed is kept on the page after it is
left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy import audit
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.checks import check_words, only_fields, payload
from advocacy.concerns.sla import LEVELS
from advocacy.crypto import Keyring
from advocacy.date_words import moment_words
from advocacy.errors import ServiceError
from advocacy.figures.tally import region_slug
from advocacy.ids import new_id
from advocacy.oversight import case as case_rules
from advocacy.oversight.service import OversightQueue
from advocacy.people import DETAIL_FIELDS, child_details, child_names
from advocacy.store import Store

PAGE_SIZE = 50
REASON_SHORTEST = 10
STATUSES = {"new": "New", "claimed": "Claimed", "awaiting_update": "Waiting for an update", "closed": "Closed"}
DECISIONS = case_rules.DECISIONS


class ReviewerConsole:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, queue: OversightQueue) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.queue = queue

    # the queue -----------------------------------------------------------------

    async def queue_page(self, principal: Principal, query: Mapping[str, str]) -> dict[str, Any]:
        """One page of the queue for the filters in ``query`` (la, region, category, level, status,
        claimed, page), with the counts of the whole open queue and the filters' choices."""
        filters = {k: v for k, v in query.items() if k in ("la", "region", "category", "level", "status", "claimed")
                   and v}
        try:
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            raise ServiceError("bad_request", "page must be a whole number from 1. Nothing was changed.") from None
        listing = await self.queue.listing(principal, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        las = await self.store.local_authorities.find({}, {"name": 1, "region": 1}).sort("name", 1).to_list(None)
        counts = listing.get("counts") or {}
        regions = sorted({la.get("region") for la in las if la.get("region")})
        return {
            "filters": filters, "page_number": page, "pages": max(1, -(-listing["total"] // PAGE_SIZE)),
            "items": listing["items"], "total": listing["total"], "counts": counts, "statuses": STATUSES,
            "choices": {
                "la": [(la["_id"], la.get("name", la["_id"]), counts.get("la", {}).get(la["_id"], 0)) for la in las],
                "region": [(r, r, counts.get("region", {}).get(region_slug(r), 0)) for r in regions],
                "category": [(c.key, c.staff_label, counts.get("category", {}).get(c.key, 0))
                             for c in self.queue.records.categories.values()],
                "level": [(lv, lv.capitalize(), counts.get("level", {}).get(lv, 0)) for lv in LEVELS],
                "status": [(s, words, counts.get("status", {}).get(s, 0) if s != "closed" else None)
                           for s, words in STATUSES.items()],
                "claimed": [("me", "Claimed by me", counts.get("mine", 0)),
                            ("nobody", "Not claimed", counts.get("unclaimed", 0))],
            },
        }

    async def _staff_names(self, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        return {d["_id"]: d.get("name", "")
                async for d in self.store.staff.find({"_id": {"$in": list(ids)}}, {"name": 1})}

    # a case --------------------------------------------------------------------

    async def case(self, principal: Principal, item_id: Any) -> dict[str, Any]:
        """The item as a case (reading it is audited by the queue), its timeline and the child's advocates."""
        item = await self.queue.read(principal, item_id)
        child = (await self.queue.item_for(item_id))["child"]
        pairings = await self.store.pairings.find({"child": child}).sort("started_at", 1).to_list(None)
        events = await self.store.opt_events.find({"child": child}, {"kind": 1, "at": 1}).sort("at", 1).to_list(None)
        letters = case_rules.advocate_letters([p["advocate"] for p in pairings])
        concern = item["concern_detail"]
        by_ids = {e.get("by", {}).get("id") for e in item["log"]} | {item.get("claimed_by")}
        reviewers = await self._staff_names({i for i in by_ids if i})
        now = self.clock.now()
        return {
            "item": item,
            "concern": concern,
            "timeline": case_rules.timeline(item, now, letters, reviewers),
            "pairings": case_rules.pairing_history(pairings, events, letters),
            "reveals": [{"who": reviewers.get(e["by"]["id"], "A reviewer"),
                         "when": moment_words(case_rules.parse_at(e["at"])), "reason": e.get("text")}
                        for e in item["log"] if e["kind"] == "revealed"],
            "claimed_by_name": reviewers.get(item.get("claimed_by"), ""),
            "mine": item["claimed_by_me"],
            "decisions": DECISIONS,
            "status_words": STATUSES.get(item["status"], item["status"]),
        }

    # revealing who the child is --------------------------------------------------

    async def reveal(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        """The child's name and identifying details, for a reason that is audited and kept on the case."""
        data = payload(data)
        only_fields(data, {"reason"})
        item = await self.queue.item_for(item_id)
        reason = check_words(data.get("reason"), "why you need to see who the child is", self.queue.records.limit,
                             required=False)
        if len(reason) < REASON_SHORTEST:
            raise ServiceError("reason_required", "Please say why you need to see who the child is "
                               f"(at least {REASON_SHORTEST} characters). Nothing was shown.")
        child_id = item["child"]
        sealed = await self.keyring.seal(child_id, reason, "oversight.note")
        entry = {"id": new_id("ol"), "at": self.queue.records.now(),
                 "by": {"id": principal.user_id, "role": principal.role}, "kind": "revealed", "text": sealed}
        await self.queue._change(principal, item["_id"], lambda _: {"$push": {"log": entry}}, "revealed")
        await audit.record(self.store, self.clock, **audit.by(principal), action="oversight.reveal", subject=child_id,
                           item=item["_id"], concern=item["concern"], log_entry=entry["id"])
        child = await self.store.children.find_one({"_id": child_id}, {"la": 1, **DETAIL_FIELDS})
        details = (await child_details(self.store, [child] if child else [])).get(child_id, {})
        names = await child_names(self.store, [child_id])
        la = await self.store.local_authorities.find_one({"_id": (child or {}).get("la")}, {"name": 1})
        return {
            "name": names.get(child_id, ""),
            "birth_date": details.get("birth_date"),
            "local_authority": (la or {}).get("name") or (child or {}).get("la"),
            "la_reference": details.get("ref"),
            "revealed_at": entry["at"].isoformat(timespec="seconds"),
        }
