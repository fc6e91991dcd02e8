"""The oversight queue: items escalated to reviewers at the Children's Commissioner's office.

An item points at a concern and says why it came (``reason``: the oversight
deadline passed, or someone sent it by hand with a reason) and how urgently a
reviewer should look (``level``: urgent, high or standard; the concern's
severity, or higher if the person sending it by hand said so). Reviewers claim
an item, add notes, ask the advocate or the local authority for an update and
record the answer, record a representation they made, and close it with a
decision; the moves follow ``advocacy.concerns.states.OVERSIGHT``.

Reviewers see a child only as a pseudonymous reference, an age band and a
local authority. Every arrival and change is published on ``item_changed``: the
queue's running counts follow it here, and the ``/oversight`` Socket.IO
namespace pushes it to connected reviewers as an ``item`` event
(advocacy.edge.oversight_events).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from advocacy import audit, workdays
from advocacy.auth.principal import Principal
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload, refused
from advocacy.concerns.records import Built, ConcernRecords
from advocacy.concerns.shown import ConcernViews
from advocacy.concerns.sla import LEVELS, RANK, describe_due
from advocacy.concerns.states import OVERSIGHT, TransitionRefused
from advocacy.concerns.words import oversight_closed_notice
from advocacy.crypto import Keyring
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.oversight.case import advocate_letters
from advocacy.oversight.counts import QueueCounts
from advocacy.oversight.queue import age_band, new_ref
from advocacy.people import DETAIL_FIELDS, child_details
from advocacy.store import ASCENDING, DuplicateKeyError, Store

log = logging.getLogger(__name__)

UPDATE_FROM = ("advocate", "la")
REPRESENTATION_TO = ("la", "other")
FILTERS = ("la", "region", "category", "level", "status", "claimed")
PAGE = 200
# An item that is a child's complaint about the advocacy service itself, not one of their worries.
SERVICE_COMPLAINT = "service_complaint"
SERVICE_COMPLAINT_LABEL = "Complaint about the advocacy service"


def pseudonymous(value: Any, child: str, ref: str, letters: Mapping[str, str]) -> Any:
    """A case as reviewers get it over the API, as on the page: the child is their reference and each
    advocate a letter ("Advocate A"); whoever did something that is not a reviewer is named by their
    part ("The child", "The advocate's manager"), never by an id."""
    if isinstance(value, dict):
        if "role" in value and set(value) <= {"id", "role", "name"} and value.get("role") != "reviewer":
            who = ("The child" if value.get("role") == "child" else letters.get(value.get("id", ""))
                   or {"advocate": "An advocate", "manager": "The advocate's manager", "admin": "An admin",
                       "service": "The service"}.get(value.get("role", ""), "Someone"))
            return {"role": value.get("role"), "who": who}
        return {key: pseudonymous(item, child, ref, letters) for key, item in value.items()}
    if isinstance(value, list):
        return [pseudonymous(item, child, ref, letters) for item in value]
    if isinstance(value, str):
        return ref if value == child else letters.get(value, value)
    return value


@dataclass(frozen=True)
class ItemChange:
    """An item arrived (``before`` is None) or changed: ``change`` says how ("added", "claimed", "note" ...)."""

    change: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any]


class OversightQueue:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, records: ConcernRecords, shown: ConcernViews,
                 notifier: Notifier, chat: ChatService, counts: QueueCounts) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.records = records
        self.shown = shown
        self.notifier = notifier
        self.chat = chat
        # The open queue's running counts, kept here as items arrive and change.
        self.counts = counts
        self.item_changed: Topic[ItemChange] = Topic("oversight.item_changed")

    # pseudonyms --------------------------------------------------------------

    async def ref_for(self, child_id: str) -> str:
        """The child's reference for reviewers, made the first time it is needed."""
        for _ in range(5):
            found = await self.store.pseudonyms.find_one({"_id": child_id})
            if found is not None:
                return found["ref"]
            try:
                ref = new_ref()
                await self.store.pseudonyms.insert_one({"_id": child_id, "ref": ref})
                return ref
            except DuplicateKeyError:  # made by someone else meanwhile, or (rarely) the ref is taken
                continue
        raise ServiceError("internal_error")

    # arriving ----------------------------------------------------------------

    async def open_item(
        self, concern: Mapping[str, Any], item_id: str, *, source: str, level: str, by: Mapping[str, str] | None,
        reason: bytes | None,
    ) -> bool:
        """Put a concern in the queue as ``item_id``; False if that item is already there (a retry)."""
        now = self.records.now()
        doc = {
            "_id": item_id,
            "concern": concern["_id"],
            "child": concern["child"],
            "ref": await self.ref_for(concern["child"]),
            "la": concern.get("la"),
            "region": concern.get("region"),
            "category": concern["category"],
            "severity": concern["severity"],
            "level": level,
            "rank": RANK[level],
            "source": source,
            "reason": {"code": "deadline" if source == "sweeper" else "by_hand", "by": dict(by) if by else None,
                       "text": reason},
            "status": "new",
            "open": True,
            "claimed_by": None,
            "due_at": concern["deadlines"]["oversight_by"],
            "raised_at": concern["raised_at"],
            "created_at": now,
            "log": [],
            "request": None,
            "decision": None,
            "closed_at": None,
            "version": 0,
        }
        try:
            await self.store.oversight.insert_one(doc)
        except DuplicateKeyError:
            return False
        await self._changed(ItemChange("added", None, doc))
        return True

    async def open_complaint_item(self, complaint: Mapping[str, Any], item_id: str, *, by: Mapping[str, str],
                                  due_at: Any) -> bool:
        """Put a complaint about the service (advocacy.complaints) in the queue as ``item_id``, marked as one
        (``kind`` "service_complaint"); False if it is already there."""
        now = self.records.now()
        doc = {
            "_id": item_id, "kind": SERVICE_COMPLAINT, "concern": None, "complaint": complaint["_id"],
            "child": complaint["child"], "ref": await self.ref_for(complaint["child"]),
            "la": complaint.get("la"), "region": complaint.get("region"),
            "category": SERVICE_COMPLAINT, "severity": "standard", "level": "standard", "rank": RANK["standard"],
            "source": "child" if by.get("role") == "child" else "hand",
            "reason": {"code": SERVICE_COMPLAINT, "by": dict(by), "text": None},
            "status": "new", "open": True, "claimed_by": None, "due_at": due_at, "raised_at": complaint["made_at"],
            "created_at": now, "log": [], "request": None, "decision": None, "closed_at": None, "version": 0,
        }
        try:
            await self.store.oversight.insert_one(doc)
        except DuplicateKeyError:
            return False
        await self._changed(ItemChange("added", None, doc))
        return True

    async def _changed(self, change: ItemChange) -> None:
        try:
            await self.counts.changed(change.before, change.after)
        except Exception:  # the counts are recounted later; the change itself stands
            log.exception("could not count an oversight item's change")
        await self.item_changed.publish(change)

    # reading -----------------------------------------------------------------

    async def listing(self, principal: Principal, filters: Any, offset: int = 0, limit: int = PAGE) -> dict[str, Any]:
        """Open items (or closed ones with status=closed), most urgent then most overdue first; with the
        counts of the whole open queue."""
        query = self.query(principal, filters)
        order = [("rank", ASCENDING), ("due_at", ASCENDING), ("raised_at", ASCENDING)]
        docs = await self.store.oversight.find(query).sort(order).skip(offset).limit(limit).to_list(None)
        counts = await self.counts.read()
        if query == {"open": True} and counts is not None:
            total = counts["n"]  # the whole open queue: counted already
        else:
            total = await self.store.oversight.count_documents(query)
        shown = None if counts is None else {
            "open": counts["n"], **{k: counts[k] for k in ("level", "status", "la", "region", "category")},
            "unclaimed": counts["claimed"].get("nobody", 0), "mine": counts["claimed"].get(principal.user_id, 0)}
        return {"items": await self._summaries(docs, principal), "total": total,
                **({"counts": shown} if shown is not None else {})}

    def query(self, principal: Principal, filters: Any) -> dict[str, Any]:
        """The database query for the queue's filters; ServiceError(bad_request) for a wrong one."""
        filters = payload(filters if filters is not None else {})
        only_fields(filters, FILTERS)
        query: dict[str, Any] = {"open": True}
        for key in ("la", "region", "category"):
            if key in filters:
                if not isinstance(filters[key], str) or len(filters[key]) > 80:
                    raise ServiceError("bad_request", f"{key} must be text. Nothing was changed.")
                query[key] = filters[key]
        if "level" in filters:
            query["level"] = check_choice(filters["level"], "level", LEVELS)
        if "status" in filters:
            status = check_choice(filters["status"], "status", ("new", "claimed", "awaiting_update", "closed"))
            query["status"] = status
            query["open"] = status != "closed"
        if "claimed" in filters:
            claimed = check_choice(filters["claimed"], "claimed", ("me", "nobody"))
            query["claimed_by"] = principal.user_id if claimed == "me" else None
        return query

    async def _summaries(self, docs: list[dict[str, Any]], principal: Principal | None) -> list[dict[str, Any]]:
        children = await child_details(self.store, await self.store.children.find(
            {"_id": {"$in": list({d["child"] for d in docs})}}, DETAIL_FIELDS).to_list(None))
        las = {la["_id"]: la async for la in self.store.local_authorities.find(
            {"_id": {"$in": list({d["la"] for d in docs})}}, {"name": 1})}
        reviewers = {r["_id"]: r.get("name", "") async for r in self.store.staff.find(
            {"_id": {"$in": list({d["claimed_by"] for d in docs if d.get("claimed_by")})}}, {"name": 1})}
        return [{**self._summary(d, children.get(d["child"], {}), las.get(d["la"], {}), principal),
                 "claimed_by_name": reviewers.get(d.get("claimed_by"))} for d in docs]

    def _summary(self, doc: Mapping[str, Any], child: Mapping[str, Any], la: Mapping[str, Any],
                 principal: Principal | None) -> dict[str, Any]:
        now = self.clock.now()
        category = self.records.categories.get(doc["category"])
        return {
            "id": doc["_id"],
            "concern": doc["concern"],
            "ref": doc["ref"],
            "age_band": age_band(child.get("birth_date"), workdays.local_date(now)),
            "la": doc.get("la"),
            "la_name": la.get("name"),
            "region": doc.get("region"),
            "category": doc["category"],
            "category_label": category.staff_label if category else (
                SERVICE_COMPLAINT_LABEL if doc["category"] == SERVICE_COMPLAINT else doc["category"]),
            "kind": doc.get("kind", "concern"),
            "severity": doc["severity"],
            "level": doc["level"],
            "status": doc["status"],
            "source": doc["source"],
            "reason": doc["reason"]["code"],
            "claimed_by": doc.get("claimed_by"),
            "claimed_by_me": principal is not None and doc.get("claimed_by") == principal.user_id,
            "created_at": iso(doc["created_at"]),
            "due_at": iso(doc["due_at"]),
            "overdue": doc["open"] and doc["due_at"] < now,
            "due_words": describe_due(doc["due_at"], now),
            "decision": doc.get("decision"),
        }

    async def item_for(self, item_id: Any) -> dict[str, Any]:
        if not isinstance(item_id, str) or len(item_id) > 80:
            raise ServiceError("item_not_found")
        doc = await self.store.oversight.find_one({"_id": item_id})
        if doc is None:
            raise ServiceError("item_not_found")
        return doc

    async def read(self, principal: Principal, item_id: Any) -> dict[str, Any]:
        """One item as a case: the concern's words, timeline and deadlines, never the child's name."""
        doc = await self.item_for(item_id)
        child = doc["child"]
        await audit.record(self.store, self.clock, **audit.by(principal), action="oversight.read", subject=child,
                           item=doc["_id"], **({"complaint": doc["complaint"]} if doc.get("complaint")
                                              else {"concern": doc["concern"]}))

        async def opened(value: Any, purpose: str) -> str | None:
            return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

        if doc.get("complaint"):
            about = await self.store.complaints.find_one({"_id": doc["complaint"]}, {"advocate": 1})
            staff_view = await self._complaint_detail(doc["complaint"], opened)
        else:
            about = await self.store.concerns.find_one({"_id": doc["concern"]})
            staff_view = await self.shown.for_staff(about)
        for private in ("child", "child_name"):
            staff_view.pop(private, None)
        log_entries = []
        for entry in doc.get("log", []):
            shown = {k: v for k, v in entry.items() if k != "text"}
            shown["at"] = iso(entry["at"])
            if "text" in entry:
                shown["text"] = await opened(entry["text"], "oversight.note")
            log_entries.append(shown)
        [summary] = await self._summaries([doc], principal)
        request = doc.get("request")
        pairings = await self.store.pairings.find({"child": child}, {"advocate": 1}).sort(
            "started_at", ASCENDING).to_list(None)
        letters = advocate_letters([p["advocate"] for p in pairings] + [(about or {}).get("advocate") or ""])
        return pseudonymous({
            **summary,
            "reason_text": await opened(doc["reason"].get("text"), "concern.reason"),
            "reason_by": doc["reason"].get("by"),
            "log": log_entries,
            "request": None if request is None else {**request, "at": iso(request["at"])},
            "closed_at": iso(doc.get("closed_at")),
            "concern_detail": staff_view,
        }, child, doc["ref"], letters)

    async def _complaint_detail(self, complaint_id: str, opened: Callable[[Any, str], Any]) -> dict[str, Any]:
        """A complaint about the service as reviewers read it: the words, the answer, when things happened."""
        complaint = await self.store.complaints.find_one({"_id": complaint_id})
        return {
            "id": complaint["_id"], "kind": SERVICE_COMPLAINT, "category": SERVICE_COMPLAINT, "severity": "standard",
            "about": complaint["about"], "made_at": iso(complaint["made_at"]),
            "child_words": await opened(complaint["words"], "complaint.words"),
            "child_wants": await opened(complaint.get("wants"), "complaint.wants") or "",
            "status": complaint["status"],
            "deadlines": {k: iso(v) for k, v in complaint["deadlines"].items()},
            "acknowledged_at": iso(complaint.get("acknowledged_at")),
            "answered_at": iso(complaint.get("answered_at")), "complaint_outcome": complaint.get("outcome"),
            "answer": await opened(complaint.get("answer"), "complaint.answer"),
            "timeline": [{"kind": e["kind"], "at": iso(e["at"]), "by": e["by"]} for e in complaint["timeline"]],
        }

    # working an item -----------------------------------------------------------

    async def _change(
        self, principal: Principal, item_id: Any, build: Callable[[dict[str, Any]], dict[str, Any]], change: str,
    ) -> dict[str, Any]:
        """Apply ``build(item)`` (returns the update) unless the item changed meanwhile; retry then."""
        for _ in range(8):
            doc = await self.item_for(item_id)
            update = build(doc)
            update.setdefault("$inc", {})["version"] = 1
            written = await self.store.oversight.update_one({"_id": doc["_id"], "version": doc.get("version", 0)},
                                                            update)
            if written.matched_count == 1:  # (not find_one_and_update: see ConcernService.change)
                stored = await self.store.oversight.find_one({"_id": doc["_id"]})
                await self._changed(ItemChange(change, doc, stored))
                return (await self._summaries([stored], principal))[0]
        raise ServiceError("unavailable",
                           "That item is changing a lot right now; please try again. Nothing was changed.")

    def _entry(self, principal: Principal, kind: str, **fields: Any) -> dict[str, Any]:
        return {"id": new_id("ol"), "at": self.records.now(), "by": {"id": principal.user_id, "role": principal.role},
                "kind": kind, **fields}

    @staticmethod
    def _move(doc: Mapping[str, Any], target: str, decision: str | None = None) -> None:
        try:
            OVERSIGHT.transition(doc["status"], target, decision=decision)
        except TransitionRefused as exc:
            raise refused(exc) from None

    @staticmethod
    def _mine(doc: Mapping[str, Any], principal: Principal) -> None:
        if doc["status"] == "closed":
            raise ServiceError("move_not_allowed", "This item is closed. Nothing was changed.")
        if doc.get("claimed_by") is None:
            raise ServiceError("claim_first")
        if doc["claimed_by"] != principal.user_id:
            raise ServiceError("item_claimed")

    async def claim(self, principal: Principal, item_id: Any) -> dict[str, Any]:
        def build(doc: dict[str, Any]) -> dict[str, Any]:
            if doc["status"] != "closed" and doc.get("claimed_by") not in (None, principal.user_id):
                raise ServiceError("item_claimed")
            if doc["status"] != "closed" and doc.get("claimed_by") == principal.user_id:
                raise ServiceError("already_in_status", "You have already claimed this item. Nothing was changed.")
            self._move(doc, "claimed")
            return {"$set": {"status": "claimed", "claimed_by": principal.user_id},
                    "$push": {"log": self._entry(principal, "claimed")}}

        return await self._change(principal, item_id, build, "claimed")

    async def release(self, principal: Principal, item_id: Any) -> dict[str, Any]:
        def build(doc: dict[str, Any]) -> dict[str, Any]:
            self._mine(doc, principal)
            self._move(doc, "new")
            return {"$set": {"status": "new", "claimed_by": None},
                    "$push": {"log": self._entry(principal, "released")}}

        return await self._change(principal, item_id, build, "released")

    async def _writing(self, item_id: Any, data: Any, what: str, *fields: str) -> tuple[dict, dict, bytes]:
        """(the body, the item, its sealed text) for a request that writes something on an item."""
        data = payload(data)
        only_fields(data, {"text", *fields})
        doc = await self.item_for(item_id)
        return data, doc, await self._sealed(doc, check_words(data.get("text"), what, self.records.limit))

    async def note(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        _, _, text = await self._writing(item_id, data, "the note")

        def build(current: dict[str, Any]) -> dict[str, Any]:
            self._mine(current, principal)
            return {"$push": {"log": self._entry(principal, "note", text=text)}}

        return await self._change(principal, item_id, build, "note")

    async def request_update(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        source = check_choice(payload(data).get("from"), "from", UPDATE_FROM)
        _, doc, text = await self._writing(item_id, data, "what you asked", "from")
        request_id = new_id("rq")

        def build(current: dict[str, Any]) -> dict[str, Any]:
            self._mine(current, principal)
            self._move(current, "awaiting_update")
            return {"$set": {"status": "awaiting_update",
                             "request": {"id": request_id, "from": source, "at": self.records.now()}},
                    "$push": {"log": self._entry(principal, "update_requested", text=text, request=request_id,
                                                 **{"from": source})}}

        summary = await self._change(principal, item_id, build, "update_requested")
        if source == "advocate" and doc.get("concern"):
            concern = await self.store.concerns.find_one({"_id": doc["concern"]}, {"advocate": 1})
            await self.notifier.tell([concern.get("advocate")], "oversight.update_requested", child=doc["child"],
                                     item=doc["_id"], concern=doc["concern"])
        return summary

    async def record_update(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        _, _, text = await self._writing(item_id, data, "the answer")

        def build(current: dict[str, Any]) -> dict[str, Any]:
            self._mine(current, principal)
            if current["status"] != "awaiting_update" or current.get("request") is None:
                raise ServiceError("no_update_requested")
            self._move(current, "claimed")
            request = current["request"]
            return {"$set": {"status": "claimed", "request": None},
                    "$push": {"log": self._entry(principal, "update_received", text=text, request=request["id"],
                                                 **{"from": request["from"]})}}

        return await self._change(principal, item_id, build, "update_received")

    async def representation(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        to = check_choice(payload(data).get("to"), "to", REPRESENTATION_TO)
        _, _, text = await self._writing(item_id, data, "the representation", "to")

        def build(current: dict[str, Any]) -> dict[str, Any]:
            self._mine(current, principal)
            return {"$push": {"log": self._entry(principal, "representation", text=text, to=to)}}

        return await self._change(principal, item_id, build, "representation")

    async def close(self, principal: Principal, item_id: Any, data: Any) -> dict[str, Any]:
        data = payload(data)
        only_fields(data, {"decision", "text"})
        decision = data.get("decision")
        if decision is not None and not isinstance(decision, str):
            raise ServiceError("decision_unknown")
        doc = await self.item_for(item_id)
        note = check_words(data.get("text"), "the reasons for the decision", self.records.limit, required=False)
        text = await self._sealed(doc, note) if note else None

        def build(current: dict[str, Any]) -> dict[str, Any]:
            self._mine(current, principal)
            self._move(current, "closed", decision)
            now = self.records.now()
            entry = self._entry(principal, "closed", decision=decision, **({"text": text} if text else {}))
            return {"$set": {"status": "closed", "open": False, "decision": decision, "closed_at": now,
                             "request": None},
                    "$push": {"log": entry}}

        summary = await self._change(principal, item_id, build, "closed")
        if doc.get("concern"):
            await self._concern_told_closed(principal, doc, decision)
        about = {"complaint": doc["complaint"]} if doc.get("complaint") else {"concern": doc["concern"]}
        await audit.record(self.store, self.clock, actor=principal.user_id, role=principal.role,
                           action="oversight.closed", subject=doc["child"], item=doc["_id"], decision=decision,
                           **about)
        return summary

    async def _concern_told_closed(self, principal: Principal, item: Mapping[str, Any], decision: str) -> None:
        def build(concern: dict[str, Any]) -> Built:
            built = Built(timeline=[self.records.entry(principal, "oversight_closed", item=item["_id"],
                                                       decision=decision)],
                          events=[("oversight_closed", {"decision": decision, "item": item["_id"]})])
            if (concern.get("oversight") or {}).get("item") == item["_id"]:
                built.set["oversight.open"] = False
                built.set["oversight.decision"] = decision
            return built

        concern = await self.records.change(item["concern"], build)
        await self.notifier.tell([concern.get("advocate")], "oversight.closed", child=item["child"], item=item["_id"],
                                 concern=item["concern"], decision=decision)
        category = self.records.categories.get(concern["category"])
        await self.chat.tell_child(concern["child"], oversight_closed_notice(category.child_label if category else ""),
                                   f"oversight:{item['_id']}:closed")

    async def _sealed(self, doc: Mapping[str, Any], text: str) -> bytes:
        return await self.keyring.seal(doc["child"], text, "oversight.note")

    async def summary(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """An item as the queue lists it (for any reviewer: nothing about who is looking)."""
        [summary] = await self._summaries([dict(doc)], None)
        return summary
