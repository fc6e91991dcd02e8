"""Complaints about the service: made, acknowledged, answered, and taken to the Children's Commissioner's office.

A complaint is stored in ``complaints`` with its words sealed under the child's
key. It goes to whoever ``rules.handler_for`` names, who is told at once (never
the advocate); the person complained about can never read it. Everything staff
do to one is audited by id, never by its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy import audit
from advocacy.auth.access import Access
from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.complaints import rules
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload, utc_ms
from advocacy.crypto import Keyring
from advocacy.date_words import iso, moment_words
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.oversight.service import ItemChange, OversightQueue
from advocacy.settings import Settings
from advocacy.store import DESCENDING, Store

LONGEST_ID = 80


class Complaints:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, settings: Settings, access: Access,
                 notifier: Notifier, oversight: OversightQueue) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.access = access
        self.notifier = notifier
        self.oversight = oversight
        self.limit = settings.max_concern_chars
        self.acknowledge_days = settings.complaint_acknowledge_working_days
        self.answer_days = settings.complaint_answer_working_days
        # A complaint answered: {"la", "region", "answered_at", "outcome"} (the figures count outcomes).
        self.answered: Topic[dict[str, Any]] = Topic("complaints.answered")

    # making one ------------------------------------------------------------------

    async def make(self, principal: Principal, data: Any) -> dict[str, Any]:
        """A complaint made by the child or recorded for them by staff; its handler is told at once."""
        data = payload(data)
        only_fields(data, {"child", "about", "words", "wants"})
        child_id = data.get("child", principal.user_id if principal.role == "child" else None)
        child = await self.access.child(principal, "complaint.create", child_id)
        about = check_choice(data.get("about"), "about", rules.ABOUT)
        words = check_words(data.get("words"), "what you want to complain about", self.limit)
        wants = check_words(data.get("wants"), "what you would like to happen", self.limit, required=False)
        advocate = await self.store.staff.find_one({"_id": child["advocate"]}, {"manager": 1}) \
            if child.get("advocate") else None
        handler = rules.handler_for(about, advocate)
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        now = utc_ms(self.clock.now())
        about_staff = {"advocate": child.get("advocate"), "manager": (advocate or {}).get("manager")}.get(about)
        doc = {
            "_id": new_id("cp"), "child": child["_id"], "la": child.get("la"), "region": la.get("region"),
            "advocate": child.get("advocate"), "about": about, "about_staff": about_staff,
            "handler": {"role": handler.role, "id": handler.staff_id},
            "made_by": {"id": principal.user_id, "role": principal.role}, "made_at": now,
            "words": await self.keyring.seal(child["_id"], words, "complaint.words"),
            "wants": await self.keyring.seal(child["_id"], wants, "complaint.wants") if wants else None,
            "deadlines": rules.deadlines(now, self.acknowledge_days, self.answer_days),
            "status": "made", "acknowledged_at": None, "answered_at": None, "outcome": None, "answer": None,
            "escalated": None, "timeline": [self._entry(principal, "made", now)],
        }
        await self.store.complaints.insert_one(doc)
        await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.made",
                           subject=child["_id"], complaint=doc["_id"])
        await self.notifier.tell(await self._handlers(doc), "complaint.made", child=child["_id"],
                                 complaint=doc["_id"])
        return doc

    async def _handlers(self, doc: Mapping[str, Any]) -> list[str]:
        if doc["handler"]["role"] == "manager":
            return [doc["handler"]["id"]]
        excluded = {doc.get("advocate"), doc.get("about_staff")}
        return [a["_id"] async for a in self.store.staff.find({"role": "admin"}, {"_id": 1})
                if a["_id"] not in excluded]

    @staticmethod
    def _entry(principal: Principal, kind: str, at: Any, **fields: Any) -> dict[str, Any]:
        return {"kind": kind, "at": at, "by": {"id": principal.user_id, "role": principal.role}, **fields}

    # reading ---------------------------------------------------------------------

    async def complaint_for(self, principal: Principal, action: str, complaint_id: Any) -> dict[str, Any]:
        """The complaint if ``principal`` may do ``action`` to it: the child's own, or one they handle.
        Anyone else (the person complained about included) gets the same not-found."""
        if not may(principal.role, action) or not isinstance(complaint_id, str) or len(complaint_id) > LONGEST_ID:
            raise ServiceError("complaint_not_found")
        doc = await self.store.complaints.find_one({"_id": complaint_id})
        if doc is None:
            raise ServiceError("complaint_not_found")
        if principal.role == "child":
            if doc["child"] != principal.user_id:
                raise ServiceError("complaint_not_found")
        elif not rules.may_handle(doc, principal.user_id, principal.role):
            raise ServiceError("complaint_not_found")
        return doc

    async def read(self, principal: Principal, complaint_id: Any) -> dict[str, Any]:
        doc = await self.complaint_for(principal, "complaint.read", complaint_id)
        if principal.role != "child":
            await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.read",
                               subject=doc["child"], complaint=doc["_id"])
        return await self.view(doc)

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        """A child's own complaints; or those a manager or admin handles (never one about themself)."""
        if not may(principal.role, "complaint.read"):
            raise ServiceError("forbidden")
        if principal.role == "child":
            query: dict[str, Any] = {"child": principal.user_id}
        elif principal.role == "manager":
            query = {"handler.role": "manager", "handler.id": principal.user_id}
        else:
            query = {}
        docs = await self.store.complaints.find(query).sort("made_at", DESCENDING).to_list(None)
        shown = [d for d in docs if principal.role == "child"
                 or rules.may_handle(d, principal.user_id, principal.role)]
        if principal.role != "child" and shown:
            await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.listed",
                               count=len(shown))
        return [await self.view(d) for d in shown]

    async def view(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A complaint as its child and its handler read it, with where it is in plain words."""
        child = doc["child"]

        async def opened(value: Any, purpose: str) -> str | None:
            return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

        now = self.clock.now()
        due = doc["deadlines"]
        escalated = doc.get("escalated")
        where = rules.STATUS_WORDS[doc["status"]].format(
            acknowledge_by=moment_words(due["acknowledge_by"]), answer_by=moment_words(due["answer_by"]))
        if escalated:
            where = rules.COMMISSIONER_DONE if escalated.get("decision") else rules.ESCALATED_WORDS
        return {
            "id": doc["_id"], "child": child, "about": doc["about"], "about_words": rules.ABOUT[doc["about"]],
            "goes_to": doc["handler"]["role"], "made_at": iso(doc["made_at"]), "made_by_role": doc["made_by"]["role"],
            "words": await opened(doc["words"], "complaint.words"),
            "wants": await opened(doc.get("wants"), "complaint.wants") or "",
            "status": doc["status"], "where": where,
            "acknowledge_by": iso(due["acknowledge_by"]), "answer_by": iso(due["answer_by"]),
            "acknowledge_late": rules.late(due["acknowledge_by"], doc.get("acknowledged_at"), now),
            "answer_late": rules.late(due["answer_by"], doc.get("answered_at"), now),
            "acknowledged_at": iso(doc.get("acknowledged_at")), "answered_at": iso(doc.get("answered_at")),
            "outcome": doc.get("outcome"), "outcome_words": rules.OUTCOMES.get(doc.get("outcome") or ""),
            "answer": await opened(doc.get("answer"), "complaint.answer"),
            "escalated": None if not escalated else {
                "item": escalated["item"], "at": iso(escalated["at"]), "decision": escalated.get("decision")},
            "timeline": [{"kind": e["kind"], "at": iso(e["at"]), "by_role": e["by"]["role"]}
                         for e in doc["timeline"]],
        }

    # handling it -----------------------------------------------------------------

    async def _change(self, doc: Mapping[str, Any], update: dict[str, Any]) -> dict[str, Any]:
        written = await self.store.complaints.update_one({"_id": doc["_id"], "status": doc["status"],
                                                          "escalated": doc.get("escalated")}, update)
        if written.matched_count != 1:
            raise ServiceError("unavailable", "That complaint changed just now; please try again. Nothing was changed.")
        return await self.store.complaints.find_one({"_id": doc["_id"]})

    async def acknowledge(self, principal: Principal, complaint_id: Any, data: Any) -> dict[str, Any]:
        only_fields(payload(data), ())
        doc = await self.complaint_for(principal, "complaint.answer", complaint_id)
        if doc["status"] != "made":
            raise ServiceError("already_in_status", "This complaint has been acknowledged already. "
                                                    "Nothing was changed.")
        now = utc_ms(self.clock.now())
        doc = await self._change(doc, {"$set": {"status": "acknowledged", "acknowledged_at": now},
                                       "$push": {"timeline": self._entry(principal, "acknowledged", now)}})
        await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.acknowledged",
                           subject=doc["child"], complaint=doc["_id"])
        return await self.view(doc)

    async def answer(self, principal: Principal, complaint_id: Any, data: Any) -> dict[str, Any]:
        """The handler's answer and outcome; answering acknowledges it too if nobody had."""
        data = payload(data)
        only_fields(data, {"answer", "outcome"})
        outcome = check_choice(data.get("outcome"), "outcome", rules.OUTCOMES)
        text = check_words(data.get("answer"), "the answer", self.limit)
        doc = await self.complaint_for(principal, "complaint.answer", complaint_id)
        if doc["status"] == "answered":
            raise ServiceError("already_in_status", "This complaint has been answered already. Nothing was changed.")
        now = utc_ms(self.clock.now())
        changes: dict[str, Any] = {"status": "answered", "answered_at": now, "outcome": outcome,
                                   "answer": await self.keyring.seal(doc["child"], text, "complaint.answer")}
        if doc.get("acknowledged_at") is None:
            changes["acknowledged_at"] = now
        doc = await self._change(doc, {"$set": changes,
                                       "$push": {"timeline": self._entry(principal, "answered", now,
                                                                         outcome=outcome)}})
        await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.answered",
                           subject=doc["child"], complaint=doc["_id"], outcome=outcome)
        await self.answered.publish({"la": doc.get("la"), "region": doc.get("region"), "answered_at": now,
                                     "outcome": outcome})
        return await self.view(doc)

    async def escalate(self, principal: Principal, complaint_id: Any, data: Any) -> dict[str, Any]:
        """The child takes their complaint to the Children's Commissioner's office (the oversight queue)."""
        only_fields(payload(data), ())
        doc = await self.complaint_for(principal, "complaint.escalate", complaint_id)
        if doc.get("escalated"):
            raise ServiceError("already_in_status", "You have asked the Children's Commissioner's office already. "
                                                    "Nothing was changed.")
        now = utc_ms(self.clock.now())
        item = f"ov_{doc['_id']}"
        doc = await self._change(doc, {"$set": {"escalated": {"item": item, "at": now, "decision": None}},
                                       "$push": {"timeline": self._entry(principal, "escalated", now, item=item)}})
        await self.oversight.open_complaint_item(doc, item, by={"id": principal.user_id, "role": principal.role},
                                                 due_at=rules.deadlines(now, 0, self.answer_days)["answer_by"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="complaint.escalated",
                           subject=doc["child"], complaint=doc["_id"], item=item)
        return await self.view(doc)

    async def oversight_changed(self, change: ItemChange) -> None:
        """A reviewer closed the item a complaint went to: the complaint shows their decision."""
        after = change.after
        if change.change != "closed" or not after.get("complaint"):
            return
        entry = {"kind": "commissioner_decided", "at": after.get("closed_at"), "by": {"id": None, "role": "reviewer"},
                 "decision": after.get("decision")}
        await self.store.complaints.update_one({"_id": after["complaint"], "escalated.item": after["_id"]},
                                               {"$set": {"escalated.decision": after.get("decision")},
                                                "$push": {"timeline": entry}})
