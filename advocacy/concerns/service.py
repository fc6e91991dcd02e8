"""Concerns as people act on them: raising one, what is done about it, reading them.

The records themselves (safe writes, timeline, events) are ``advocacy.concerns.records``;
what each reader sees is ``advocacy.concerns.shown``; who may act on which concern is
``advocacy.auth.access``. A worry a child raises is also read by safeguarding triage
(``WorryTriage``, which the service is given), so an urgent one alerts people at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from advocacy import audit, workdays
from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.concerns.checks import (
    check_answer_by,
    check_choice,
    check_severity,
    check_words,
    only_fields,
    payload,
    refused,
)
from advocacy.concerns.records import Built, ConcernRecords
from advocacy.concerns.rights import check_rights, default_rights
from advocacy.concerns.shown import ConcernViews
from advocacy.concerns.states import CONCERN, FINAL, UNRESOLVED, TransitionRefused
from advocacy.concerns.words import WHO
from advocacy.errors import ServiceError
from advocacy.notifications.service import Notifier
from advocacy.people import child_names
from advocacy.store import DESCENDING, ObjectId

# Who an advocate can raise a worry with, or hear back from (the child's words for each are in words.WHO).
WITH = tuple(WHO)
ACTION_KINDS = ("raised_with", "response", "note", "spoke_to_child")
MAX_LINKED_MESSAGES = 20
# Status moves made through POST /status; the others need more than a status, so have their own routes.
PLAIN_MOVES = {"raised", "awaiting_response", "open"}
OTHER_ROUTE = {
    "resolved": "resolve it with POST /api/concerns/{concern}/resolve",
    "closed": "close it with POST /api/concerns/{concern}/close",
    "escalated": "escalate it with POST /api/concerns/{concern}/escalate, giving a reason",
    "dismissed": "dismiss a draft with POST /api/concerns/{concern}/dismiss, giving a reason",
    "draft": "only safeguarding triage opens drafts",
}


class WorryTriage(Protocol):
    """Safeguarding's reading of a worry a child has just raised: what the child is told (or None)."""

    async def worry_raised(self, concern: dict[str, Any], principal: Principal, text: str) -> dict[str, Any] | None:
        ...


class ConcernService:
    def __init__(self, records: ConcernRecords, shown: ConcernViews, access: Access, notifier: Notifier,
                 triage: WorryTriage | None = None) -> None:
        self.records = records
        self.shown = shown
        self.access = access
        self.notifier = notifier
        self.triage = triage
        self.store = records.store
        self.clock = records.clock
        self.categories = records.categories
        self.rights = default_rights()

    @property
    def limit(self) -> int:
        return self.records.limit

    def category_list(self) -> list[dict[str, str]]:
        return self.shown.category_list()

    async def children_in_scope(self, principal: Principal, action: str) -> list[str]:
        return await self.access.children(principal, action)

    # raising ---------------------------------------------------------------

    async def create(self, principal: Principal, data: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Raise a concern; returns (the stored concern, what safeguarding said about it or None).

        Staff may raise one ``from_observation`` for a child whose advocacy is non-instructed: what
        they ``observed`` and the ``rights`` it engages (config/rights.toml) take the place of the
        child's words, and everyone who reads it sees it was raised without the child's instruction."""
        data = payload(data)
        is_child = principal.role == "child"
        observing = not is_child and data.get("from_observation") is True
        if observing:
            allowed = {"child", "category", "severity", "from_observation", "observed", "rights", "messages"}
        else:
            allowed = ({"child", "category", "severity", "child_words", "child_wants"}
                       | (set() if is_child else {"messages", "from_observation"}))
        only_fields(data, allowed)
        if data.get("from_observation") not in (None, False, True):
            raise ServiceError("bad_request", "from_observation must be true or false. Nothing was saved.")
        child = await self.access.child(principal, "concern.create", data.get("child"), missing="child_not_found")
        category = data.get("category")
        if not isinstance(category, str) or category not in self.categories:
            raise ServiceError("category_unknown")
        severity = check_severity(data.get("severity", "standard" if is_child else None))
        if observing:
            observed = check_words(data.get("observed"), "what you observed", self.limit)
            rights = check_rights(data.get("rights"), self.rights, required=True)
            if not child.get("non_instructed"):
                raise ServiceError("child_instructed")
            linked = await self._linked_messages(child["_id"], data.get("messages"))
            doc = await self.records.insert(
                child, category=category, severity=severity, child_words="", child_wants="", source="observation",
                by=principal, linked=linked,
                extra={"rights": rights,
                       "observed": await self.records.keyring.seal(child["_id"], observed, "concern.observed")})
            return doc, None
        child_words = check_words(
            data.get("child_words"), "what is worrying you" if is_child else "the child's own words", self.limit
        )
        child_wants = check_words(
            data.get("child_wants"), "what you want to happen" if is_child else "what the child wants to happen",
            self.limit, required=False,
        )
        linked = await self._linked_messages(child["_id"], data.get("messages"))
        doc = await self.records.insert(
            child, category=category, severity=severity, child_words=child_words, child_wants=child_wants,
            source="child" if is_child else "staff", by=principal, linked=linked,
        )
        triaged = None
        if is_child:
            await self.notifier.tell(await self.records.advocates_of(doc), "concern.raised", child=child["_id"],
                                     urgent=severity == "urgent", concern=doc["_id"])
            if self.triage is not None:
                triaged = await self.triage.worry_raised(doc, principal, f"{child_words}\n{child_wants}")
            if triaged is not None:
                doc = await self.store.concerns.find_one({"_id": doc["_id"]})
        return doc, triaged

    async def _linked_messages(self, child_id: str, ids: Any) -> list[str]:
        if ids is None:
            return []
        if not isinstance(ids, list) or len(ids) > MAX_LINKED_MESSAGES or not all(isinstance(i, str) for i in ids):
            raise ServiceError("bad_request",
                               f"messages must be a list of up to {MAX_LINKED_MESSAGES} message ids. "
                               "Nothing was saved.")
        if not ids:
            return []
        if not all(ObjectId.is_valid(i) for i in ids):
            raise ServiceError("message_not_found",
                               "We couldn't find one of those messages in the child's chat. Nothing was saved.")
        conversations = [c["_id"] async for c in self.store.conversations.find({"child": child_id}, {"_id": 1})]
        wanted = list(dict.fromkeys(ids))
        found = await self.store.messages.count_documents(
            {"_id": {"$in": [ObjectId(i) for i in wanted]}, "conversation": {"$in": conversations}}
        )
        if found != len(wanted):
            raise ServiceError("message_not_found",
                               "We couldn't find one of those messages in the child's chat. Nothing was saved.")
        return wanted

    # acting ----------------------------------------------------------------

    async def add_action(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.access.concern(principal, "concern.act", concern_id)
        data = payload(data)
        kind = check_choice(data.get("kind"), "kind", ACTION_KINDS)
        allowed = {"kind", "note"} | ({"with", "stage", "answer_by"} if kind in {"raised_with", "response"} else set())
        if kind == "response":
            allowed.discard("answer_by")
        only_fields(data, allowed)
        fields: dict[str, Any] = {}
        if kind in {"raised_with", "response"}:
            fields["with"] = check_choice(data.get("with"), "with", WITH)
            stage = data.get("stage")
            if fields["with"] == "complaint":
                if stage not in (1, 2, 3) or isinstance(stage, bool):
                    raise ServiceError("bad_request",
                                       "A formal complaint needs its stage: 1, 2 or 3. Nothing was changed.")
                fields["stage"] = stage
            elif stage is not None:
                raise ServiceError("bad_request", "Only a formal complaint has a stage. Nothing was changed.")
        if kind == "raised_with":
            answer_by = check_answer_by(data.get("answer_by"), self.records.now(), self.records.policy)
            fields["answer_by"] = answer_by or self._default_answer_by(doc)
        note = check_words(data.get("note"), "the note", self.limit, required=kind == "note")
        if note:
            fields["note"] = await self.records.seal(doc, note, "concern.note")

        def build(current: dict[str, Any]) -> Built:
            if current["status"] in FINAL:
                raise ServiceError("move_not_allowed",
                                   f"This worry is {current['status']}, so nothing more can be added. "
                                   "Nothing was changed.")
            if current["status"] == "draft":
                raise ServiceError("move_not_allowed", "Confirm or dismiss this draft first. Nothing was changed.")
            built = Built(timeline=[self.records.entry(principal, kind, **fields)])
            if kind == "raised_with" and current["status"] == "open":
                built.set["status"] = "raised"
            if kind in {"raised_with", "response"}:
                built.events.append((kind, {"with": fields["with"],
                                            **({"stage": fields["stage"]} if "stage" in fields else {})}))
            return self.records.responded(current, built, principal)

        return await self.records.change(doc["_id"], build)

    def _default_answer_by(self, doc: Mapping[str, Any]) -> datetime | None:
        """Without a date from the advocate, the answer is expected by the next rung of the ladder."""
        now = self.records.now()
        upcoming = [doc["deadlines"][k] for k in ("manager_by", "oversight_by") if doc["deadlines"][k] > now]
        return min(upcoming) if upcoming else None

    async def change_status(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.access.concern(principal, "concern.status", concern_id)
        data = payload(data)
        only_fields(data, {"status", "note"})
        target = data.get("status")
        if not isinstance(target, str):
            raise ServiceError("status_unknown", "Give the status to move to, such as \"raised\". Nothing was changed.")
        try:
            CONCERN.status(target)
        except TransitionRefused as exc:
            raise refused(exc) from None
        if target not in PLAIN_MOVES:
            raise ServiceError("bad_request", f"To move it to {target}, {OTHER_ROUTE[target]}. Nothing was changed.")
        note = check_words(data.get("note"), "the note", self.limit, required=False)
        sealed = await self.records.seal(doc, note, "concern.note") if note else None

        def build(current: dict[str, Any]) -> Built:
            try:
                CONCERN.transition(current["status"], target)
            except TransitionRefused as exc:
                raise refused(exc) from None
            if current["status"] == "draft":
                raise ServiceError("bad_request",
                                   "To confirm a draft, use POST /api/concerns/{concern}/confirm. Nothing was changed.")
            reopening = current["status"] == "resolved"
            kind = "reopened" if reopening else "status"
            fields = {"from": current["status"], "to": target, **({"note": sealed} if sealed else {})}
            built = Built(set={"status": target}, timeline=[self.records.entry(principal, kind, **fields)])
            if reopening:
                built.set["resolved_at"] = None
                built.events.append(("reopened", {}))
            return self.records.responded(current, built, principal)

        return await self.records.change(doc["_id"], build)

    async def resolve(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.access.concern(principal, "concern.resolve", concern_id)
        data = payload(data)
        only_fields(data, {"outcome", "child_happy"})
        outcome = check_words(data.get("outcome"), "the outcome", self.limit)
        happy = data.get("child_happy")
        if happy is not None and not isinstance(happy, bool):
            raise ServiceError("bad_request",
                               "child_happy must be true, false or null (not asked yet). Nothing was changed.")
        sealed = await self.records.seal(doc, outcome, "concern.outcome")

        def build(current: dict[str, Any]) -> Built:
            if current["status"] == "draft":
                raise ServiceError("move_not_allowed", "Confirm or dismiss this draft first. Nothing was changed.")
            try:
                CONCERN.transition(current["status"], "resolved")
            except TransitionRefused as exc:
                raise refused(exc) from None
            now = self.records.now()
            deadlines = current["deadlines"]
            built = Built(
                set={"status": "resolved", "resolved_at": now,
                     "outcome": {"summary": sealed, "child_happy": happy, "at": now}},
                timeline=[self.records.entry(principal, "resolved", child_happy=happy, note=sealed)],
                events=[("resolved", {
                    "child_happy": happy,
                    "by_manager_deadline": now <= deadlines["manager_by"],
                    "by_oversight_deadline": now <= deadlines["oversight_by"],
                    "working_days": workdays.working_days_between(
                        workdays.local_date(current["raised_at"]), workdays.local_date(now)),
                })],
            )
            return self.records.responded(current, built, principal)

        return await self.records.change(doc["_id"], build)

    async def close(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.access.concern(principal, "concern.close", concern_id)
        only_fields(payload(data if data is not None else {}), {"note"})
        note = check_words((data or {}).get("note"), "the note", self.limit, required=False)
        sealed = await self.records.seal(doc, note, "concern.note") if note else None

        def build(current: dict[str, Any]) -> Built:
            try:
                CONCERN.transition(current["status"], "closed")
            except TransitionRefused as exc:
                raise refused(exc) from None
            now = self.records.now()
            return Built(
                set={"status": "closed", "closed_at": now},
                timeline=[self.records.entry(principal, "closed", **({"note": sealed} if sealed else {}))],
                events=[("closed", {})],
            )

        return await self.records.change(doc["_id"], build)

    # reading ---------------------------------------------------------------

    async def listing(self, principal: Principal, child_id: Any = None, status: Any = None) -> list[dict[str, Any]]:
        """Concerns the principal may read: of one child, or of all their children; newest first."""
        if child_id is not None:
            children = [(await self.access.child(principal, "concern.read", child_id,
                                                 missing="child_not_found"))["_id"]]
        else:
            children = await self.access.children(principal, "concern.read")
        query: dict[str, Any] = {"child": {"$in": children}}
        if status is not None:
            if status == "unresolved":
                query["status"] = {"$in": [s.value for s in UNRESOLVED] + ["draft"]}
            else:
                try:
                    query["status"] = CONCERN.status(status).value if isinstance(status, str) else None
                except TransitionRefused as exc:
                    raise refused(exc) from None
        if principal.role == "child":
            query.setdefault("status", {"$nin": ["draft", "dismissed"]})
            if query["status"] in ("draft", "dismissed"):
                return []
        docs = await self.store.concerns.find(query).sort("raised_at", DESCENDING).limit(500).to_list(None)
        if principal.role == "child":
            language = await self.shown.language_of(principal.user_id)
            return [await self.shown.for_child(d, language) for d in docs]
        if docs:  # children's names and what their worries are about: one entry for the list
            await audit.record(self.store, self.clock, **audit.by(principal), action="concern.list", concerns=len(docs),
                               subjects=[d["child"] for d in docs])
        names = await child_names(self.store, {d["child"] for d in docs})
        return [self.shown.summary(d, names.get(d["child"], "")) for d in docs]

    async def read(self, principal: Principal, concern_id: Any) -> dict[str, Any]:
        doc = await self.access.concern(principal, "concern.read", concern_id)
        if principal.role != "child":  # staff read the child's words: the audit trail says who did
            await audit.record(self.store, self.clock, **audit.by(principal), action="concern.read",
                               subject=doc["child"], concern=doc["_id"])
        return await self.view(principal, doc)

    async def view(self, principal: Principal, doc: Mapping[str, Any]) -> dict[str, Any]:
        return await self.shown.view(principal, doc)
