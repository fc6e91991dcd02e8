"""Non-instructed advocacy as recorded: the decision and its reviews, visits, and overdue-visit reminders.

The child's record carries ``non_instructed`` while the decision stands:
``{"since", "review_by", "last_visit_at", "visit_due_at", "reminded_for"}`` (dates
only, so lists and the reminder can query it); the decision history is in
``advocacy_decisions`` and the visits in ``visits``, every word sealed under the
child's key like notes. The child stays paired throughout and can move back to
instructed advocacy at any time. Everything staff do here is audited by id,
never by its words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from advocacy import audit, workdays
from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload, utc_ms
from advocacy.concerns.rights import Right, check_rights, default_rights
from advocacy.crypto import Keyring
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.non_instructed import rules
from advocacy.notifications.service import Notifier
from advocacy.people import child_names
from advocacy.settings import Settings
from advocacy.store import ASCENDING, DESCENDING, Store

OVERDUE_KIND = "child.visit_overdue"
BATCH = 500


class NonInstructed:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, settings: Settings, access: Access,
                 notifier: Notifier, policy: rules.Policy | None = None,
                 rights: Mapping[str, Right] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.access = access
        self.notifier = notifier
        self.limit = settings.max_concern_chars
        self.policy = policy or rules.default_policy()
        self.rights = rights or default_rights()

    def today(self) -> date:
        return self.clock.now().astimezone(workdays.LONDON).date()

    async def _seal(self, child_id: str, text: str, purpose: str) -> bytes:
        return await self.keyring.seal(child_id, text, purpose)

    async def _open(self, child_id: str, value: Any, purpose: str) -> str | None:
        return await self.keyring.unseal_or_erased(child_id, value, purpose) if value is not None else None

    # the decision ---------------------------------------------------------------

    async def decide(self, principal: Principal, child_id: Any, data: Any) -> dict[str, Any]:
        """Record that the child's advocacy is non-instructed (or, if it is already, a review of that
        decision): the reason and the date to review it by. The child stays paired."""
        data = payload(data)
        only_fields(data, {"reason", "review_by"})
        reason = check_words(data.get("reason"), "why the child cannot instruct their advocate", self.limit)
        review_by = rules.check_review_by(data.get("review_by"), self.today(), self.policy)
        child = await self.access.child(principal, "non_instructed.decide", child_id, missing="child_not_found")
        now = utc_ms(self.clock.now())
        current = child.get("non_instructed")
        kind = "reviewed" if current else "non_instructed"
        state = {"since": current["since"], "last_visit_at": current.get("last_visit_at"),
                 "reminded_for": current.get("reminded_for")} if current else {
            "since": now, "last_visit_at": None, "reminded_for": None}
        state["review_by"] = review_by.isoformat()
        state["visit_due_at"] = rules.visit_due(state["since"], state["last_visit_at"], self.policy)
        written = await self.store.children.update_one(
            {"_id": child["_id"], "non_instructed": current}, {"$set": {"non_instructed": state}})
        if written.matched_count != 1:
            raise ServiceError("unavailable", "This child's record changed just now; please try again. "
                                              "Nothing was changed.")
        decision = {"_id": new_id("ad"), "child": child["_id"], "kind": kind, "at": now, "by": principal.by(),
                    "reason": await self._seal(child["_id"], reason, "advocacy.reason"),
                    "review_by": review_by.isoformat()}
        await self.store.advocacy_decisions.insert_one(decision)
        await audit.record(self.store, self.clock, **audit.by(principal), action=f"advocacy.{kind}",
                           subject=child["_id"], decision=decision["_id"])
        return await self.summary(child["_id"])

    async def instructed(self, principal: Principal, child_id: Any, data: Any) -> dict[str, Any]:
        """The child can instruct their advocate again (they can at any time): the decision ends, with why."""
        data = payload(data)
        only_fields(data, {"reason"})
        reason = check_words(data.get("reason"), "why the child's advocacy is instructed now", self.limit)
        child = await self.access.child(principal, "non_instructed.decide", child_id, missing="child_not_found")
        current = child.get("non_instructed")
        if not current:
            raise ServiceError("already_instructed")
        written = await self.store.children.update_one({"_id": child["_id"], "non_instructed": current},
                                                       {"$set": {"non_instructed": None}})
        if written.matched_count != 1:
            raise ServiceError("unavailable", "This child's record changed just now; please try again. "
                                              "Nothing was changed.")
        decision = {"_id": new_id("ad"), "child": child["_id"], "kind": "instructed",
                    "at": utc_ms(self.clock.now()), "by": principal.by(),
                    "reason": await self._seal(child["_id"], reason, "advocacy.reason"), "review_by": None}
        await self.store.advocacy_decisions.insert_one(decision)
        await audit.record(self.store, self.clock, **audit.by(principal), action="advocacy.instructed",
                           subject=child["_id"], decision=decision["_id"])
        return await self.summary(child["_id"])

    async def summary(self, child_id: str) -> dict[str, Any]:
        child = await self.store.children.find_one({"_id": child_id}, {"non_instructed": 1})
        return self._state(child or {})

    def _state(self, child: Mapping[str, Any]) -> dict[str, Any]:
        state = child.get("non_instructed")
        if not state:
            return {"non_instructed": False}
        return {"non_instructed": True, "since": iso(state["since"]), "review_by": state["review_by"],
                "review_due": state["review_by"] <= self.today().isoformat(),
                "last_visit_at": iso(state.get("last_visit_at")), "visit_due_at": iso(state["visit_due_at"]),
                "visit_overdue": state["visit_due_at"] <= self.clock.now()}

    # visits ----------------------------------------------------------------------

    async def add_visit(self, principal: Principal, child_id: Any, data: Any) -> dict[str, Any]:
        """A visit or contact with a non-instructed child: when, where, who was there, how the child
        seemed and what the advocate observed about their care against their rights. Sealed."""
        data = payload(data)
        only_fields(data, {"at", "where", "present", "seemed", "observed", "rights"})
        at = utc_ms(rules.check_visit_at(data.get("at"), self.clock.now()))
        where = check_choice(data.get("where"), "where", rules.WHERE)
        present = rules.check_present(data.get("present"))
        seemed = check_words(data.get("seemed"), "how the child seemed", self.limit)
        observed = check_words(data.get("observed"), "what you observed about the child's care", self.limit)
        rights = check_rights(data.get("rights"), self.rights, required=False)
        child = await self.access.child(principal, "non_instructed.visit", child_id, missing="child_not_found")
        state = child.get("non_instructed")
        if not state:
            raise ServiceError("child_instructed", "This child instructs their advocate, so visits are not "
                                                   "recorded here: write notes in their chat. Nothing was saved.")
        cid = child["_id"]
        doc = {"_id": new_id("vi"), "child": cid, "advocate": child.get("advocate"), "la": child.get("la"),
               "at": at, "recorded_at": utc_ms(self.clock.now()), "by": principal.by(), "where": where,
               "present": await self._seal(cid, json.dumps(present), "visit.present"),
               "seemed": await self._seal(cid, seemed, "visit.seemed"),
               "observed": await self._seal(cid, observed, "visit.observed"), "rights": rights}
        await self.store.visits.insert_one(doc)
        last = max(at, state.get("last_visit_at") or at)
        await self.store.children.update_one(
            {"_id": cid, "non_instructed": {"$ne": None}},
            {"$set": {"non_instructed.last_visit_at": last,
                      "non_instructed.visit_due_at": rules.visit_due(state["since"], last, self.policy)}})
        await audit.record(self.store, self.clock, **audit.by(principal), action="visit.recorded", subject=cid,
                           visit=doc["_id"])
        return await self._visit_view(doc)

    async def _visit_view(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        cid = doc["child"]
        present = await self._open(cid, doc["present"], "visit.present")
        return {"id": doc["_id"], "at": iso(doc["at"]), "recorded_at": iso(doc["recorded_at"]),
                "by_role": doc["by"]["role"], "where": doc["where"], "where_words": rules.WHERE[doc["where"]],
                "present": json.loads(present) if present and present.startswith("[") else [],
                "seemed": await self._open(cid, doc["seemed"], "visit.seemed"),
                "observed": await self._open(cid, doc["observed"], "visit.observed"),
                "rights": [{"key": k, "label": self.rights[k].label if k in self.rights else k}
                           for k in doc.get("rights", [])]}

    # reading ---------------------------------------------------------------------

    async def record(self, principal: Principal, child_id: Any) -> dict[str, Any]:
        """The child's non-instructed record for their advocate: the decision, its history and the visits."""
        child = await self.access.child(principal, "non_instructed.read", child_id, missing="child_not_found")
        cid = child["_id"]
        decisions = await self.store.advocacy_decisions.find({"child": cid}).sort("at", ASCENDING).to_list(None)
        visits = await self.store.visits.find({"child": cid}).sort("at", DESCENDING).to_list(None)
        await audit.record(self.store, self.clock, **audit.by(principal), action="advocacy.read", subject=cid,
                           visits=str(len(visits)))
        return {**self._state(child),
                "decisions": [{"kind": d["kind"], "at": iso(d["at"]), "by_role": d["by"]["role"],
                               "reason": await self._open(cid, d["reason"], "advocacy.reason"),
                               "review_by": d.get("review_by")} for d in decisions],
                "visits": [await self._visit_view(v) for v in visits],
                "rights": [{"key": r.key, "label": r.label, "source": r.source} for r in self.rights.values()],
                "places": rules.WHERE}

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        """The non-instructed children the caller works with: when each was last visited and is next due."""
        ids = await self.access.children(principal, "non_instructed.read")
        docs = await self.store.children.find({"_id": {"$in": ids}, "non_instructed": {"$ne": None}},
                                              {"non_instructed": 1, "advocate": 1}).to_list(None)
        docs = [d for d in docs if d.get("non_instructed")]
        if not docs:
            return []
        names = await child_names(self.store, [d["_id"] for d in docs])
        await audit.record(self.store, self.clock, **audit.by(principal), action="advocacy.listed",
                           subjects=[d["_id"] for d in docs], count=str(len(docs)))
        rows = [{"child": d["_id"], "child_name": names.get(d["_id"], ""), **self._state(d)} for d in docs]
        return sorted(rows, key=lambda r: r["visit_due_at"])

    # the reminder ----------------------------------------------------------------

    async def remind_overdue(self) -> int:
        """Tell each advocate whose non-instructed child's visit is overdue, once per due date."""
        now = self.clock.now()
        due = await self.store.children.find(
            {"non_instructed.visit_due_at": {"$lte": now}, "erased_at": None},
            {"non_instructed": 1, "advocate": 1}).limit(BATCH).to_list(None)
        told = 0
        for child in due:
            state = child.get("non_instructed") or {}
            if not child.get("advocate") or state.get("reminded_for") == state.get("visit_due_at"):
                continue
            marked = await self.store.children.update_one(
                {"_id": child["_id"], "non_instructed.visit_due_at": state["visit_due_at"],
                 "non_instructed.reminded_for": state.get("reminded_for")},
                {"$set": {"non_instructed.reminded_for": state["visit_due_at"]}})
            if marked.modified_count != 1:
                continue  # another process told them, or a visit was recorded meanwhile
            await self.notifier.tell([child["advocate"]], OVERDUE_KIND, child=child["_id"])
            told += 1
        return told
