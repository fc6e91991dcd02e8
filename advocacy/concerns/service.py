"""Concerns in the database: raising them, their timeline, status moves, and what each reader sees.

Every write to a concern goes through ``ConcernService.change``: it reads the
concern, lets the caller work out the change from what it read, recomputes
when the next ladder step falls due (``next_due``, which the escalation
sweeper is indexed on), and writes only if nobody else changed the concern
in between (a ``version`` number); otherwise it reads again and retries. So a
person moving a concern and the sweeper escalating it at the same moment can
never undo each other's work.

What a child wrote and what staff wrote about them are sealed with the
child's key (advocacy.crypto) before they are stored; identifiers, dates,
statuses and categories are kept in the clear so they can be queried.

Every event (raised, responded, escalated, resolved ...) is also appended to
``concern_events`` with the child's local authority and the London month, for
the figures per local authority (see docs/concerns.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Awaitable, Callable, Iterable, Mapping

from advocacy import audit, workdays
from advocacy.auth.service import AuthService
from advocacy.auth.principal import Principal
from advocacy.ids import new_id
from advocacy.chat.text import is_blank, tidy_text
from advocacy.clock import Clock
from advocacy.concerns import sla
from advocacy.concerns.categories import Category, load_categories
from advocacy.concerns.sla import LadderState, Policy, Severity, load_policy
from advocacy.concerns.states import CONCERN, FINAL, UNRESOLVED, ConcernStatus, TransitionRefused
from advocacy.concerns.words import WHO, child_view
from advocacy.crypto import Keyring
from advocacy.errors import ServiceError
from advocacy.notifications import Notifier
from advocacy.people import child_names
from advocacy.settings import Settings
from advocacy.store import DESCENDING, ObjectId, Store

log = logging.getLogger(__name__)

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
_REFUSALS = {
    "not_allowed": "move_not_allowed",
    "no_change": "already_in_status",
    "unknown_status": "status_unknown",
    "decision_required": "decision_required",
    "unknown_decision": "decision_unknown",
    "decision_not_expected": "bad_request",
}


@lru_cache(maxsize=None)
def default_policy() -> Policy:
    return load_policy()


@lru_cache(maxsize=None)
def default_categories() -> Mapping[str, Category]:
    return load_categories()


def utc_ms(at: datetime) -> datetime:
    """An instant as MongoDB keeps it (milliseconds), so what is computed from it matches what is read back."""
    at = at.astimezone(timezone.utc)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def iso(at: datetime | None) -> str | None:
    return at.astimezone(timezone.utc).isoformat(timespec="seconds") if at is not None else None


def month_of(at: datetime) -> str:
    return f"{workdays.local_date(at):%Y-%m}"


def refused(exc: TransitionRefused) -> ServiceError:
    return ServiceError(_REFUSALS[exc.code], exc.message + " Nothing was changed.")


# ------------------------------------------------------------------ checking input


def payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("bad_request", "That request didn't make sense to us: the body should be a JSON object. Nothing was changed.")
    return data


def only_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ServiceError(
            "bad_request", f"We don't know the field {unknown[0]!r}; expected {', '.join(sorted(allowed))}. Nothing was changed."
        )


def check_words(value: Any, what: str, limit: int, *, required: bool = True) -> str:
    """Tidied text for a field; ``what`` names it in the error ("what is worrying you")."""
    if value is None and not required:
        return ""
    if value is not None and not isinstance(value, str):
        raise ServiceError("bad_request", f"Please write {what} as text. Nothing was saved.")
    if isinstance(value, str) and len(value) > limit * 4:
        raise ServiceError("words_too_long", f"{what[0].upper()}{what[1:]} is too long ({limit:,} characters at most). Nothing was saved.")
    text = tidy_text(value or "").strip()
    if is_blank(text):
        text = ""
    if not text and required:
        raise ServiceError("words_empty", f"Please write {what}. Nothing was saved.")
    if len(text) > limit:
        raise ServiceError("words_too_long", f"{what[0].upper()}{what[1:]} is too long ({limit:,} characters at most). Nothing was saved.")
    return text


def check_choice(value: Any, field: str, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise ServiceError("bad_request", f"{field} must be one of {', '.join(options)}. Nothing was changed.")
    return value


def check_severity(value: Any) -> str:
    if not isinstance(value, str) or value not in {s.value for s in Severity}:
        raise ServiceError("severity_unknown")
    return value


def check_answer_by(value: Any, now: datetime, policy: Policy) -> datetime | None:
    """An optional date ("2026-03-03", meaning the end of that working day) or an instant with offset."""
    if value is None:
        return None
    problem = ServiceError(
        "bad_request",
        "answer_by must be a date like 2026-03-03 or a time with an offset like 2026-03-03T12:00:00+00:00, "
        "after now and within a year. Nothing was changed.",
    )
    if not isinstance(value, str) or len(value) > 40:
        raise problem
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").date()
            at = datetime.combine(day, policy.deadlines_at, tzinfo=workdays.LONDON).astimezone(timezone.utc)
        else:
            at = datetime.fromisoformat(value)
            if at.tzinfo is None:
                raise ValueError("naive")
            at = at.astimezone(timezone.utc)
    except ValueError:
        raise problem from None
    if not now < at <= now + timedelta(days=366):
        raise problem
    return utc_ms(at)


# ------------------------------------------------------------------ the service


Listener = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Built:
    """What one change does to a concern: fields to set, timeline entries, other update operators, events."""

    set: dict[str, Any] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    also: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Tell ``after_change`` listeners if the status moves (the ladder's own steps do not).
    announce: bool = True


class ConcernService:
    def __init__(
        self, store: Store, clock: Clock, keyring: Keyring, auth: AuthService, settings: Settings,
        notifier: Notifier | None = None, policy: Policy | None = None,
        categories: Mapping[str, Category] | None = None,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.keyring = keyring
        self.auth = auth
        self.access = auth.access
        self.settings = settings
        self.policy = policy or default_policy()
        self.categories = categories or default_categories()
        # Called with the stored concern after it is raised or changes status, e.g. to take
        # a ladder step that is due at once (an urgent concern's manager is told at once).
        self.after_change: list[Listener] = []
        # Called with each concern_events row once it is stored (the figures' running totals).
        self.event_listeners: list[Listener] = []
        # Called with (concern, principal) after a child raises a worry (safeguarding triage).
        self.after_child_raised: list[Callable[[dict[str, Any], Principal, str], Awaitable[dict[str, Any] | None]]] = []

    @property
    def limit(self) -> int:
        return self.settings.max_concern_chars

    def now(self) -> datetime:
        return utc_ms(self.clock.now())

    def deadlines_for(self, raised_at: datetime, severity: str) -> dict[str, datetime]:
        due = sla.deadlines(raised_at, severity, self.policy)
        return {name: utc_ms(getattr(due, name)) for name in ("respond_by", "reminder_at", "manager_by", "oversight_by")}

    # who may see what ------------------------------------------------------

    async def child_for(self, principal: Principal, action: str, child_id: Any) -> dict[str, Any]:
        """The child if ``principal`` may do ``action`` for them; the same refusal for unknown and not yours."""
        return await self.access.child(principal, action, child_id, missing="child_not_found")

    async def concern_for(self, principal: Principal, action: str, concern_id: Any) -> dict[str, Any]:
        """The concern if ``principal`` may do ``action`` to it. A child never sees drafts or dismissed ones."""
        return await self.access.concern(principal, action, concern_id)

    async def children_in_scope(self, principal: Principal, action: str) -> list[str]:
        return await self.access.children(principal, action)

    # raising ---------------------------------------------------------------

    async def create(self, principal: Principal, data: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Raise a concern; returns (the stored concern, what safeguarding said about it or None)."""
        data = payload(data)
        is_child = principal.role == "child"
        allowed = {"child", "category", "severity", "child_words", "child_wants"} | (set() if is_child else {"messages"})
        only_fields(data, allowed)
        child = await self.child_for(principal, "concern.create", data.get("child"))
        category = data.get("category")
        if not isinstance(category, str) or category not in self.categories:
            raise ServiceError("category_unknown")
        severity = check_severity(data.get("severity", "standard" if is_child else None))
        child_words = check_words(
            data.get("child_words"), "what is worrying you" if is_child else "the child's own words", self.limit
        )
        child_wants = check_words(
            data.get("child_wants"), "what you want to happen" if is_child else "what the child wants to happen",
            self.limit, required=False,
        )
        linked = await self._linked_messages(child["_id"], data.get("messages"))
        doc = await self.insert(
            child, category=category, severity=severity, child_words=child_words, child_wants=child_wants,
            source="child" if is_child else "staff", by=principal, linked=linked,
        )
        triaged = None
        if is_child:
            if self.notifier is not None:
                await self.notifier.tell(await self.advocates_of(doc), "concern.raised", child=child["_id"],
                                         urgent=severity == "urgent", concern=doc["_id"])
            for listener in self.after_child_raised:
                triaged = await listener(doc, principal, f"{child_words}\n{child_wants}") or triaged
            if triaged is not None:
                doc = await self.store.concerns.find_one({"_id": doc["_id"]})
        return doc, triaged

    async def insert(
        self, child: Mapping[str, Any], *, category: str, severity: str, child_words: str, child_wants: str,
        source: str, by: Principal | None, linked: list[str] = (), status: str = "open",
        raised_at: datetime | None = None, extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a new concern for ``child`` (already checked) and tell whoever listens."""
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        doc = await self.new_doc(child, category=category, severity=severity, child_words=child_words,
                                 child_wants=child_wants, source=source, by=by, linked=linked, status=status,
                                 raised_at=raised_at, region=la.get("region"), extra=extra)
        await self.store.concerns.insert_one(doc)
        await self.record_event(doc, "raised", doc["raised_at"], source=source)
        if doc["responded_at"] is not None:
            await self.record_event(doc, "responded", doc["raised_at"])
        await self._announce(doc)
        return doc

    async def new_doc(
        self, child: Mapping[str, Any], *, category: str, severity: str, child_words: str, child_wants: str,
        source: str, by: Principal | None, linked: list[str] = (), status: str = "open",
        raised_at: datetime | None = None, region: str | None = None, extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A concern as it is stored, words sealed and next_due worked out (not stored yet)."""
        raised_at = utc_ms(raised_at or self.clock.now())
        by_staff = by is not None and by.role != "child"
        doc: dict[str, Any] = {
            "_id": new_id("co"),
            "child": child["_id"],
            "advocate": child.get("advocate"),
            "la": child.get("la"),
            "region": region,
            "category": category,
            "severity": severity,
            "status": status,
            "source": source,
            "raised_by": {"id": by.user_id, "role": by.role} if by else {"id": "service", "role": "service"},
            "raised_at": raised_at,
            "deadlines": self.deadlines_for(raised_at, severity),
            # An advocate who writes a worry down has heard the child: that is the response.
            "responded_at": raised_at if by_staff else None,
            "ladder": {},
            "child_words": await self.keyring.seal(child["_id"], child_words, "concern.child_words"),
            "child_wants": await self.keyring.seal(child["_id"], child_wants, "concern.child_wants"),
            "messages": list(linked),
            "timeline": [],
            "outcome": None,
            "resolved_at": None,
            "closed_at": None,
            "version": 0,
            **(extra or {}),
        }
        due = sla.next_due(ladder_state(doc), self.policy)
        if due is not None:  # left out when nothing is due: the sweeper's index holds only what is
            doc["next_due"] = due
        return doc

    async def _linked_messages(self, child_id: str, ids: Any) -> list[str]:
        if ids is None:
            return []
        if not isinstance(ids, list) or len(ids) > MAX_LINKED_MESSAGES or not all(isinstance(i, str) for i in ids):
            raise ServiceError("bad_request", f"messages must be a list of up to {MAX_LINKED_MESSAGES} message ids. Nothing was saved.")
        if not ids:
            return []
        if not all(ObjectId.is_valid(i) for i in ids):
            raise ServiceError("message_not_found", "We couldn't find one of those messages in the child's chat. Nothing was saved.")
        conversations = [c["_id"] async for c in self.store.conversations.find({"child": child_id}, {"_id": 1})]
        wanted = list(dict.fromkeys(ids))
        found = await self.store.messages.count_documents(
            {"_id": {"$in": [ObjectId(i) for i in wanted]}, "conversation": {"$in": conversations}}
        )
        if found != len(wanted):
            raise ServiceError("message_not_found", "We couldn't find one of those messages in the child's chat. Nothing was saved.")
        return wanted

    # changing --------------------------------------------------------------

    async def change(
        self, concern_id: str, build: Callable[[dict[str, Any]], Built | None], *, attempts: int = 8,
    ) -> dict[str, Any] | None:
        """Apply ``build(concern)`` if nobody changed the concern meanwhile; re-read and retry otherwise.

        ``build`` raises ServiceError to refuse, or returns None for "nothing to do".
        Returns the concern as stored after the change, or None if there was nothing to do.
        """
        for _ in range(attempts):
            doc = await self.store.concerns.find_one({"_id": concern_id})
            if doc is None:
                raise ServiceError("concern_not_found")
            built = build(doc)
            if built is None:
                return None
            after = {**doc, **{k: v for k, v in built.set.items() if "." not in k}}
            ladder = dict(doc.get("ladder", {}))
            for key, value in built.set.items():
                if key.startswith("ladder."):
                    ladder[key.split(".", 1)[1]] = value
            after["ladder"] = ladder
            due = sla.next_due(ladder_state(after), self.policy)
            update: dict[str, Any] = {"$set": {**built.set, **({"next_due": due} if due else {})}, "$inc": {"version": 1}}
            if due is None:  # nothing left to fall due: out of the sweeper's (sparse) index
                update["$unset"] = {"next_due": ""}
            for operator, fields in built.also.items():
                update.setdefault(operator, {}).update(fields)
            if built.timeline:
                update.setdefault("$push", {})["timeline"] = {"$each": built.timeline}
            # update_one then find_one rather than find_one_and_update: the embedded database
            # answers findAndModify by scanning the collection (bench/escalation.py showed it).
            written = await self.store.concerns.update_one({"_id": concern_id, "version": doc.get("version", 0)}, update)
            if written.matched_count != 1:
                continue  # someone else changed it a moment ago: look again
            stored = await self.store.concerns.find_one({"_id": concern_id})
            for kind, data in built.events:
                await self.record_event(stored, kind, data.pop("at", None) or self.now(), **data)
            if built.announce and built.set.get("status", doc["status"]) != doc["status"]:
                await self._announce(stored)
            return stored
        raise ServiceError("unavailable", "That worry is changing a lot right now; please try again. Nothing was changed.")

    async def _announce(self, doc: dict[str, Any]) -> None:
        for listener in self.after_change:
            try:
                await listener(doc)
            except Exception:
                log.exception("a concern listener failed")

    def entry(self, principal: Principal | None, kind: str, **fields: Any) -> dict[str, Any]:
        by = {"id": principal.user_id, "role": principal.role} if principal else {"id": "service", "role": "service"}
        return {"id": new_id("tl"), "at": self.now(), "by": by, "kind": kind, **fields}

    def responded(self, doc: Mapping[str, Any], built: Built, principal: Principal) -> Built:
        """The first thing staff do about a concern is its response to the child."""
        if doc.get("responded_at") is None and principal.role != "child":
            now = self.now()
            built.set["responded_at"] = now
            built.events.append(("responded", {"at": now}))
        return built

    async def seal(self, doc: Mapping[str, Any], text: str, purpose: str) -> bytes:
        return await self.keyring.seal(doc["child"], text, purpose)

    async def add_action(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.concern_for(principal, "concern.act", concern_id)
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
                    raise ServiceError("bad_request", "A formal complaint needs its stage: 1, 2 or 3. Nothing was changed.")
                fields["stage"] = stage
            elif stage is not None:
                raise ServiceError("bad_request", "Only a formal complaint has a stage. Nothing was changed.")
        if kind == "raised_with":
            answer_by = check_answer_by(data.get("answer_by"), self.now(), self.policy)
            fields["answer_by"] = answer_by or self._default_answer_by(doc)
        note = check_words(data.get("note"), "the note", self.limit, required=kind == "note")
        if note:
            fields["note"] = await self.seal(doc, note, "concern.note")

        def build(current: dict[str, Any]) -> Built:
            if current["status"] in FINAL:
                raise ServiceError("move_not_allowed", f"This worry is {current['status']}, so nothing more can be added. Nothing was changed.")
            if current["status"] == "draft":
                raise ServiceError("move_not_allowed", "Confirm or dismiss this draft first. Nothing was changed.")
            built = Built(timeline=[self.entry(principal, kind, **fields)])
            if kind == "raised_with" and current["status"] == "open":
                built.set["status"] = "raised"
            if kind in {"raised_with", "response"}:
                built.events.append((kind, {"with": fields["with"], **({"stage": fields["stage"]} if "stage" in fields else {})}))
            return self.responded(current, built, principal)

        return await self.change(doc["_id"], build)

    def _default_answer_by(self, doc: Mapping[str, Any]) -> datetime | None:
        """Without a date from the advocate, the answer is expected by the next rung of the ladder."""
        now = self.now()
        upcoming = [doc["deadlines"][k] for k in ("manager_by", "oversight_by") if doc["deadlines"][k] > now]
        return min(upcoming) if upcoming else None

    async def change_status(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.concern_for(principal, "concern.status", concern_id)
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
        sealed = await self.seal(doc, note, "concern.note") if note else None

        def build(current: dict[str, Any]) -> Built:
            try:
                CONCERN.transition(current["status"], target)
            except TransitionRefused as exc:
                raise refused(exc) from None
            if current["status"] == "draft":
                raise ServiceError("bad_request", "To confirm a draft, use POST /api/concerns/{concern}/confirm. Nothing was changed.")
            reopening = current["status"] == "resolved"
            kind = "reopened" if reopening else "status"
            fields = {"from": current["status"], "to": target, **({"note": sealed} if sealed else {})}
            built = Built(set={"status": target}, timeline=[self.entry(principal, kind, **fields)])
            if reopening:
                built.set["resolved_at"] = None
                built.events.append(("reopened", {}))
            return self.responded(current, built, principal)

        return await self.change(doc["_id"], build)

    async def resolve(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.concern_for(principal, "concern.resolve", concern_id)
        data = payload(data)
        only_fields(data, {"outcome", "child_happy"})
        outcome = check_words(data.get("outcome"), "the outcome", self.limit)
        happy = data.get("child_happy")
        if happy is not None and not isinstance(happy, bool):
            raise ServiceError("bad_request", "child_happy must be true, false or null (not asked yet). Nothing was changed.")
        sealed = await self.seal(doc, outcome, "concern.outcome")

        def build(current: dict[str, Any]) -> Built:
            if current["status"] == "draft":
                raise ServiceError("move_not_allowed", "Confirm or dismiss this draft first. Nothing was changed.")
            try:
                CONCERN.transition(current["status"], "resolved")
            except TransitionRefused as exc:
                raise refused(exc) from None
            now = self.now()
            deadlines = current["deadlines"]
            built = Built(
                set={"status": "resolved", "resolved_at": now,
                     "outcome": {"summary": sealed, "child_happy": happy, "at": now}},
                timeline=[self.entry(principal, "resolved", child_happy=happy, note=sealed)],
                events=[("resolved", {
                    "child_happy": happy,
                    "by_manager_deadline": now <= deadlines["manager_by"],
                    "by_oversight_deadline": now <= deadlines["oversight_by"],
                    "working_days": workdays.working_days_between(
                        workdays.local_date(current["raised_at"]), workdays.local_date(now)),
                })],
            )
            return self.responded(current, built, principal)

        return await self.change(doc["_id"], build)

    async def close(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        doc = await self.concern_for(principal, "concern.close", concern_id)
        only_fields(payload(data if data is not None else {}), {"note"})
        note = check_words((data or {}).get("note"), "the note", self.limit, required=False)
        sealed = await self.seal(doc, note, "concern.note") if note else None

        def build(current: dict[str, Any]) -> Built:
            try:
                CONCERN.transition(current["status"], "closed")
            except TransitionRefused as exc:
                raise refused(exc) from None
            now = self.now()
            return Built(
                set={"status": "closed", "closed_at": now},
                timeline=[self.entry(principal, "closed", **({"note": sealed} if sealed else {}))],
                events=[("closed", {})],
            )

        return await self.change(doc["_id"], build)

    # reading ---------------------------------------------------------------

    async def listing(self, principal: Principal, child_id: Any = None, status: Any = None) -> list[dict[str, Any]]:
        """Concerns the principal may read: of one child, or of all their children; newest first."""
        if child_id is not None:
            children = [(await self.child_for(principal, "concern.read", child_id))["_id"]]
        else:
            children = await self.children_in_scope(principal, "concern.read")
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
            return [await self.for_child(d) for d in docs]
        if docs:  # children's names and what their worries are about: one entry for the list
            await audit.record(self.store, self.clock, **audit.by(principal), action="concern.list", concerns=len(docs))
        names = await child_names(self.store, {d["child"] for d in docs})
        return [self.summary(d, names.get(d["child"], "")) for d in docs]

    def summary(self, doc: Mapping[str, Any], child_name: str = "") -> dict[str, Any]:
        """A concern in a staff list: no words, no timeline."""
        now = self.clock.now()
        category = self.categories.get(doc["category"])
        ladder = doc.get("ladder", {})
        return {
            "id": doc["_id"],
            "child": doc["child"],
            "child_name": child_name,
            "la": doc.get("la"),
            "category": doc["category"],
            "category_label": category.staff_label if category else doc["category"],
            "severity": doc["severity"],
            "status": doc["status"],
            "source": doc["source"],
            "raised_at": iso(doc["raised_at"]),
            "deadlines": {k: iso(doc["deadlines"][k]) for k in ("respond_by", "manager_by", "oversight_by")},
            "next_due": iso(doc.get("next_due")),
            "due_words": sla.describe_due(doc["next_due"], now) if doc.get("next_due") else None,
            "escalated_to": "oversight" if "oversight" in ladder else "manager" if "manager" in ladder else None,
        }

    async def for_staff(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        child = doc["child"]
        names = await child_names(self.store, [child])

        async def opened(value: Any, purpose: str) -> str | None:
            return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

        timeline = []
        for entry in doc.get("timeline", []):
            shown = {k: v for k, v in entry.items() if k not in {"note", "reason"}}
            shown["at"] = iso(entry["at"])
            if entry.get("answer_by"):
                shown["answer_by"] = iso(entry["answer_by"])
            if "note" in entry:
                shown["note"] = await opened(entry["note"], "concern.note" if entry["kind"] != "resolved" else "concern.outcome")
            if "reason" in entry:
                shown["reason"] = await opened(entry["reason"], "concern.reason")
            timeline.append(shown)
        outcome = doc.get("outcome")
        ladder = {
            step: {"at": iso(value["at"]), "by": value.get("by"), **({"item": value["item"]} if value.get("item") else {})}
            for step, value in doc.get("ladder", {}).items()
        }
        safeguarding = doc.get("safeguarding")
        return {
            **self.summary(doc, names.get(child, "")),
            "deadlines": {k: iso(v) for k, v in doc["deadlines"].items()},
            "raised_by": doc["raised_by"],
            "responded_at": iso(doc.get("responded_at")),
            "resolved_at": iso(doc.get("resolved_at")),
            "closed_at": iso(doc.get("closed_at")),
            "ladder": ladder,
            "child_words": await opened(doc["child_words"], "concern.child_words"),
            "child_wants": await opened(doc["child_wants"], "concern.child_wants"),
            "messages": doc.get("messages", []),
            "timeline": timeline,
            "outcome": None if outcome is None else {
                "summary": await opened(outcome["summary"], "concern.outcome"),
                "child_happy": outcome.get("child_happy"), "at": iso(outcome["at"]),
            },
            "oversight": None if not doc.get("oversight") else {
                "item": doc["oversight"]["item"], "open": doc["oversight"]["open"],
                "decision": doc["oversight"].get("decision"), "level": doc["oversight"].get("level"),
                "at": iso(doc["oversight"].get("at")),
            },
            "safeguarding": None if safeguarding is None else {
                "matches": safeguarding.get("matches", []),
                "messages": safeguarding.get("messages", []),
                "decision": safeguarding.get("decision"),
                "decided_at": iso(safeguarding.get("decided_at")),
                "decided_by": safeguarding.get("decided_by"),
            },
            "allowed_moves": sorted(s.value for s in CONCERN.allowed_from(doc["status"])),
        }

    async def for_child(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        child = doc["child"]
        words = await self.keyring.unseal_or_erased(child, doc["child_words"], "concern.child_words")
        wants = await self.keyring.unseal_or_erased(child, doc["child_wants"], "concern.child_wants")
        shown = {**doc, "oversight_closed": bool(doc.get("oversight")) and not doc["oversight"].get("open")}
        return {
            **child_view(shown, self.categories.get(doc["category"]), words, wants, self.clock.now()),
            "raised_at": iso(doc["raised_at"]),
            "deadlines": {k: iso(doc["deadlines"][k]) for k in ("respond_by", "manager_by", "oversight_by")},
        }

    async def view(self, principal: Principal, doc: Mapping[str, Any]) -> dict[str, Any]:
        return await (self.for_child(doc) if principal.role == "child" else self.for_staff(doc))

    async def read(self, principal: Principal, concern_id: Any) -> dict[str, Any]:
        doc = await self.concern_for(principal, "concern.read", concern_id)
        if principal.role != "child":  # staff read the child's words: the audit trail says who did
            await audit.record(self.store, self.clock, **audit.by(principal), action="concern.read",
                               subject=doc["child"], concern=doc["_id"])
        return await self.view(principal, doc)

    def category_list(self) -> list[dict[str, str]]:
        return [{"key": c.key, "child_label": c.child_label, "staff_label": c.staff_label} for c in self.categories.values()]

    # figures ---------------------------------------------------------------

    async def record_event(self, doc: Mapping[str, Any], kind: str, at: datetime, **data: Any) -> None:
        """One row per event, with the child's local authority and the London month and day."""
        row = {
            "_id": new_id("ce"),
            "concern": doc["_id"],
            "child": doc["child"],
            "la": doc.get("la"),
            "region": doc.get("region"),
            "category": doc["category"],
            "severity": doc["severity"],
            "kind": kind,
            "at": at,
            "month": month_of(at),
            "day": f"{workdays.local_date(at):%Y-%m-%d}",
            **data,
        }
        await self.store.concern_events.insert_one(row)
        for listener in self.event_listeners:
            await listener(row)

    # pairing ---------------------------------------------------------------

    async def advocates_of(self, doc: Mapping[str, Any]) -> list[str]:
        """Who answers for a concern's child now: their advocate and whoever covers their leave."""
        advocate = doc.get("advocate")
        if not advocate:
            return []
        now = self.clock.now()
        covers = self.store.covers.find({"child": doc["child"], "advocate": advocate, "starts_at": {"$lte": now},
                                         "ends_at": {"$gt": now}}, {"cover": 1})
        return [advocate, *[c["cover"] async for c in covers]]

    async def advocate_changed(self, change: Any) -> None:
        """A pairing listener: a child's concerns follow them to their new advocate."""
        await self.store.concerns.update_many({"child": change.child}, {"$set": {"advocate": change.advocate}})


def ladder_state(doc: Mapping[str, Any]) -> LadderState:
    return LadderState(
        raised_at=doc["raised_at"], severity=doc["severity"], status=doc["status"],
        done=frozenset(doc.get("ladder", {})), responded_at=doc.get("responded_at"),
    )

