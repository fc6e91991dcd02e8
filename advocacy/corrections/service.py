"""Requests to put right something held about a child: asked by the child, accepted or refused by staff.

A request is stored in ``corrections`` with the child's words sealed under
their key, and goes to whoever ``rules.decider_for`` names (told at once).
Accepting it writes the corrected value into the record, sealed as before, and
moves the value it replaces, still sealed, into the request (``old``): the old
version stays readable to the child (their page and export) and the decider,
and the audit trail holds who accepted it and when. Nothing is ever changed
without a request behind it. Refusing it needs a reason, which the child reads.
Every step is audited by id, never by its words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy import audit, workdays
from advocacy.auth.access import Access
from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload, utc_ms
from advocacy.corrections import rules
from advocacy.crypto import Keyring
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.settings import Settings
from advocacy.store import DESCENDING, ReturnDocument, Store

LONGEST_ID = 80
# A child can correct a worry they can see on their own pages.
HIDDEN_FROM_CHILD = ("draft", "dismissed")


class Corrections:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, settings: Settings, access: Access,
                 notifier: Notifier) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.access = access
        self.notifier = notifier
        self.limit = settings.max_concern_chars
        self.decide_days = settings.correction_decide_working_days

    # asking ----------------------------------------------------------------------

    async def ask(self, principal: Principal, data: Any) -> dict[str, Any]:
        """A child's request: ``kind`` (rules.KINDS), ``concern`` for a worry's words, ``should_say`` and an
        optional ``why``. Its decider is told at once."""
        data = payload(data)
        only_fields(data, {"kind", "concern", "should_say", "why"})
        child = await self.access.child(principal, "correction.create", principal.user_id)
        kind = check_choice(data.get("kind"), "kind", rules.KINDS)
        should_say = check_words(data.get("should_say"), "what it should say", self.limit)
        why = check_words(data.get("why"), "what is wrong", self.limit, required=False)
        concern = None
        if kind in rules.ABOUT_A_WORRY:
            concern = data.get("concern")
            if not isinstance(concern, str) or len(concern) > LONGEST_ID or not await self.store.concerns.find_one(
                    {"_id": concern, "child": child["_id"], "status": {"$nin": list(HIDDEN_FROM_CHILD)}}, {"_id": 1}):
                raise ServiceError("bad_request", "Please choose which worry it is. Nothing was sent.")
        elif data.get("concern") is not None:
            raise ServiceError("bad_request", "Only a worry's words need a worry chosen. Nothing was sent.")
        if kind == "birth_date":
            if rules.birth_date(should_say, workdays.local_date(self.clock.now())) is None:
                raise ServiceError("bad_request", "Please write your date of birth like 21/03/2010. Nothing was sent.")
        advocate = await self.store.staff.find_one({"_id": child["advocate"]}, {"manager": 1}) \
            if child.get("advocate") else None
        decider = rules.decider_for(advocate)
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        now = utc_ms(self.clock.now())
        doc = {
            "_id": new_id("rc"), "child": child["_id"], "la": child.get("la"), "region": la.get("region"),
            "advocate": child.get("advocate"), "kind": kind, "concern": concern,
            "decider": {"role": decider.role, "id": decider.staff_id},
            "asked_at": now, "decide_by": rules.decide_by(now, self.decide_days),
            "should_say": await self.keyring.seal(child["_id"], should_say, "correction.should_say"),
            "why": await self.keyring.seal(child["_id"], why, "correction.why") if why else None,
            "status": "asked", "decided_at": None, "decided_by": None, "reason": None, "old": None,
        }
        await self.store.corrections.insert_one(doc)
        await audit.record(self.store, self.clock, **audit.by(principal), action="correction.asked",
                           subject=child["_id"], correction=doc["_id"], kind=kind)
        await self.notifier.tell(await self._deciders(doc), "correction.asked", child=child["_id"],
                                 correction=doc["_id"])
        return doc

    async def _deciders(self, doc: Mapping[str, Any]) -> list[str]:
        if doc["decider"]["role"] == "manager":
            return [doc["decider"]["id"]]
        return [a["_id"] async for a in self.store.staff.find({"role": "admin"}, {"_id": 1})]

    # reading ---------------------------------------------------------------------

    async def request_for(self, principal: Principal, action: str, correction_id: Any) -> dict[str, Any]:
        """The request if ``principal`` may do ``action`` to it: the child's own, or one they decide.
        Anyone else gets the same not-found."""
        if not may(principal.role, action) or not isinstance(correction_id, str) or len(correction_id) > LONGEST_ID:
            raise ServiceError("correction_not_found")
        doc = await self.store.corrections.find_one({"_id": correction_id})
        if doc is None or (doc["child"] != principal.user_id if principal.role == "child"
                           else not rules.may_decide(doc, principal.user_id, principal.role)):
            raise ServiceError("correction_not_found")
        return doc

    async def read(self, principal: Principal, correction_id: Any) -> dict[str, Any]:
        doc = await self.request_for(principal, "correction.read", correction_id)
        if principal.role != "child":
            await audit.record(self.store, self.clock, **audit.by(principal), action="correction.read",
                               subject=doc["child"], correction=doc["_id"])
        return await self.view(doc, for_staff=principal.role != "child")

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        """A child's own requests; or those a manager or admin decides. Newest first."""
        if not may(principal.role, "correction.read"):
            raise ServiceError("forbidden")
        if principal.role == "child":
            query: dict[str, Any] = {"child": principal.user_id}
        elif principal.role == "manager":
            query = {"decider": {"role": "manager", "id": principal.user_id}}
        else:
            query = {}
        docs = await self.store.corrections.find(query).sort("asked_at", DESCENDING).limit(500).to_list(None)
        if principal.role != "child" and docs:
            await audit.record(self.store, self.clock, **audit.by(principal), action="correction.listed",
                               count=len(docs), subjects=sorted({d["child"] for d in docs}))
        return [await self.view(d, for_staff=principal.role != "child") for d in docs]

    async def _open(self, child: str, value: Any, purpose: str) -> str | None:
        return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

    async def current(self, doc: Mapping[str, Any]) -> str | None:
        """What the record says now (for the decider, beside what the child says it should say)."""
        record = rules.RECORDS[doc["kind"]]
        held = await getattr(self.store, record.collection).find_one(
            {"_id": doc["concern"] if record.collection == "concerns" else doc["child"]}, {record.field: 1})
        return await self._open(doc["child"], (held or {}).get(record.field), record.purpose)

    async def view(self, doc: Mapping[str, Any], *, for_staff: bool = False) -> dict[str, Any]:
        """A request as its child and its decider read it; staff also see what the record says now."""
        child = doc["child"]
        old = doc.get("old")
        shown = {
            "id": doc["_id"], "child": child, "kind": doc["kind"], "kind_words": rules.KINDS[doc["kind"]],
            "concern": doc.get("concern"), "asked_at": iso(doc["asked_at"]), "decide_by": iso(doc["decide_by"]),
            "late": (doc.get("decided_at") or self.clock.now()) > doc["decide_by"],
            "should_say": await self._open(child, doc["should_say"], "correction.should_say"),
            "why": await self._open(child, doc.get("why"), "correction.why") or "",
            "status": doc["status"], "decided_at": iso(doc.get("decided_at")),
            "decided_by_role": (doc.get("decided_by") or {}).get("role"),
            "reason": await self._open(child, doc.get("reason"), "correction.reason"),
            "said_before": await self._open(child, old["value"], old["purpose"]) if old else None,
        }
        if for_staff and doc["status"] == "asked":
            shown["says_now"] = await self.current(doc)
        return shown

    # deciding --------------------------------------------------------------------

    async def decide(self, principal: Principal, correction_id: Any, data: Any) -> dict[str, Any]:
        """``decision`` "accept" (the record gets the new version; the old one is kept, sealed, in the request)
        or "refuse" with a ``reason`` the child reads."""
        data = payload(data)
        only_fields(data, {"decision", "reason"})
        decision = check_choice(data.get("decision"), "decision", rules.DECISIONS)
        reason = check_words(data.get("reason"), "the reason", self.limit, required=decision == "refuse")
        doc = await self.request_for(principal, "correction.decide", correction_id)
        if doc["status"] != "asked":
            raise ServiceError("already_in_status", "This request has been decided already. Nothing was changed.")
        now = utc_ms(self.clock.now())
        by = {"id": principal.user_id, "role": principal.role}
        if decision == "refuse":
            changes = {"status": "refused", "decided_at": now, "decided_by": by,
                       "reason": await self.keyring.seal(doc["child"], reason, "correction.reason")}
            doc = await self._decided(doc, changes)
            await audit.record(self.store, self.clock, **audit.by(principal), action="correction.refused",
                               subject=doc["child"], correction=doc["_id"], kind=doc["kind"])
            return await self.view(doc, for_staff=True)
        record = rules.RECORDS[doc["kind"]]
        target = doc["concern"] if record.collection == "concerns" else doc["child"]
        collection = getattr(self.store, record.collection)
        held = await collection.find_one({"_id": target}, {record.field: 1, "birth_year": 1})
        if held is None:
            raise ServiceError("correction_not_found", "The record this request is about is no longer held. "
                                                       "Nothing was changed.")
        new_value = await self.keyring.unseal(doc["child"], doc["should_say"], "correction.should_say")
        new_fields: dict[str, Any] = {}
        if doc["kind"] == "birth_date":
            born = rules.birth_date(new_value, workdays.local_date(now))
            if born is None:
                raise ServiceError("bad_request", "That date of birth is not a real day. Refuse it with a reason. "
                                                  "Nothing was changed.")
            new_value, new_fields["birth_year"] = born, int(born[:4])
        new_fields[record.field] = await self.keyring.seal(doc["child"], new_value, record.purpose)
        old = {"value": held.get(record.field), "purpose": record.purpose, "field": record.field,
               **({"birth_year": held.get("birth_year")} if doc["kind"] == "birth_date" else {})}
        doc = await self._decided(doc, {"status": "accepted", "decided_at": now, "decided_by": by, "old": old})
        written = await collection.update_one(
            {"_id": target, record.field: held.get(record.field)},
            {"$set": new_fields, "$push": {"corrections": {"correction": doc["_id"], "field": record.field,
                                                           "at": now}}})
        if written.matched_count != 1:  # the record changed between reading and writing: ask again
            await self.store.corrections.update_one({"_id": doc["_id"]}, {"$set": {
                "status": "asked", "decided_at": None, "decided_by": None, "old": None}})
            raise ServiceError("unavailable", "That record changed just now; please try again. Nothing was changed.")
        await audit.record(self.store, self.clock, **audit.by(principal), action="correction.accepted",
                           subject=doc["child"], correction=doc["_id"], kind=doc["kind"],
                           **({"concern": doc["concern"]} if doc.get("concern") else {}))
        return await self.view(doc, for_staff=True)

    async def _decided(self, doc: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        after = await self.store.corrections.find_one_and_update(
            {"_id": doc["_id"], "status": "asked"}, {"$set": changes}, return_document=ReturnDocument.AFTER)
        if after is None:
            raise ServiceError("already_in_status", "This request has been decided already. Nothing was changed.")
        return after

