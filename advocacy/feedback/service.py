"""Asking a child, once, how things went; keeping their answers sealed; counting them for the figures.

An ask is made when a concern is resolved (``worry_resolved``, subscribed to
the concerns' events), when the child opts out (``opt_event``) and when they
leave care (``left_care``, from the ``advocacy left-care`` command). The child
answers on their feedback page, or says "No thanks"; either ends the ask for
good. The answers are sealed under the child's key; the figures get them
through ``feedback_counted`` (area, month and answers: no child, no worry, no
day) and the ``answered`` topic. No staff route reads or changes an ask.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from advocacy import audit, workdays
from advocacy.auth.access import Access
from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.checks import only_fields, payload, utc_ms
from advocacy.crypto import ERASED_TEXT, Keyring
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.feedback import rules
from advocacy.ids import new_id
from advocacy.store import DESCENDING, Store

LONGEST_ID = 120
PURPOSE = "feedback.answers"


class Feedback:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, access: Access) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.access = access
        # A child answered: {"la", "region", "month", "answers"} (the figures count them).
        self.answered: Topic[dict[str, Any]] = Topic("feedback.answered")

    # asking ----------------------------------------------------------------------

    async def ask(self, child_id: str, occasion: str, *, concern: str | None = None,
                  ended_by: str | None = None) -> bool:
        """Ask the child once for this occasion; False if they were asked already (or there is no such child)."""
        child = await self.store.children.find_one({"_id": child_id, "erased_at": None}, {"la": 1})
        if child is None:
            return False
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        written = await self.store.feedback.update_one(
            {"_id": rules.ask_id(child_id, occasion, concern)},
            {"$setOnInsert": {"child": child_id, "la": child.get("la"), "region": la.get("region"),
                              "occasion": occasion, "concern": concern, "ended_by": ended_by,
                              "asked_at": utc_ms(self.clock.now()), "status": "asked", "done_at": None,
                              "answers": None}},
            upsert=True)
        return written.upserted_id is not None

    async def concern_event(self, row: Mapping[str, Any]) -> None:
        """A concern's event (ConcernRecords.events): a resolved worry asks its child."""
        if row.get("kind") == "resolved":
            await self.ask(row["child"], "worry_resolved", concern=row["concern"])

    async def opt_event(self, row: Mapping[str, Any]) -> None:
        """An opt-out or opt-in (PairingService.opt_events): opting out ends advocacy."""
        if row.get("kind") == "opted_out":
            await self.ask(row["child"], "advocacy_ended", ended_by="opted_out")

    async def left_care(self, child_id: str) -> bool:
        return await self.ask(child_id, "advocacy_ended", ended_by="left_care")

    # the child's side ------------------------------------------------------------

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        """The child's own asks, newest first: the open ones to answer, and what they answered before."""
        await self.access.child(principal, "feedback.read", principal.user_id)
        docs = await self.store.feedback.find({"child": principal.user_id}).sort("asked_at", DESCENDING).to_list(None)
        return [await self.view(d) for d in docs]

    async def waiting(self, child_id: str) -> int:
        """How many asks the child has not answered (their pages show a quiet link, never a reminder)."""
        return await self.store.feedback.count_documents({"child": child_id, "status": "asked"})

    async def view(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        answers = {}
        if doc.get("answers") is not None:
            opened = await self.keyring.unseal_or_erased(doc["child"], doc["answers"], PURPOSE)
            answers = json.loads(opened) if opened and opened != ERASED_TEXT else {}
        return {"id": doc["_id"], "occasion": doc["occasion"], "occasion_words": rules.OCCASIONS[doc["occasion"]],
                "concern": doc.get("concern"), "asked_at": iso(doc["asked_at"]), "status": doc["status"],
                "done_at": iso(doc.get("done_at")), "answers": answers}

    async def _own_open(self, principal: Principal, action: str, feedback_id: Any) -> dict[str, Any]:
        if not may(principal.role, action) or not isinstance(feedback_id, str) or len(feedback_id) > LONGEST_ID:
            raise ServiceError("feedback_not_found")
        doc = await self.store.feedback.find_one({"_id": feedback_id, "child": principal.user_id})
        if doc is None:
            raise ServiceError("feedback_not_found")
        if doc["status"] != "asked":
            raise ServiceError("already_in_status", "You have answered this already. Nothing was changed.")
        return doc

    async def answer(self, principal: Principal, feedback_id: Any, data: Any) -> dict[str, Any]:
        """The child's answers (``listened``, ``changed``: "yes", "a_bit" or "no"; either may be left out)."""
        data = payload(data)
        only_fields(data, set(rules.QUESTIONS))
        answers = rules.check_answers(data)
        if answers is None:
            raise ServiceError("bad_request", "Please choose Yes, A bit or No. Nothing was sent.")
        if not answers:
            raise ServiceError("bad_request", "Please choose an answer, or press No thanks. Nothing was sent.")
        doc = await self._own_open(principal, "feedback.give", feedback_id)
        now = utc_ms(self.clock.now())
        sealed = await self.keyring.seal(doc["child"], json.dumps(answers, sort_keys=True), PURPOSE)
        after = await self._done(doc, {"status": "answered", "done_at": now, "answers": sealed})
        month = workdays.london_month(now)
        await self.store.feedback_counted.insert_one({"_id": new_id("fc"), "la": doc.get("la"),
                                                      "region": doc.get("region"), "month": month,
                                                      "answers": answers})
        await audit.record(self.store, self.clock, **audit.by(principal), action="feedback.answered",
                           subject=doc["child"], feedback=doc["_id"])
        await self.answered.publish({"la": doc.get("la"), "region": doc.get("region"), "month": month,
                                     "answers": answers})
        return await self.view(after)

    async def decline(self, principal: Principal, feedback_id: Any, data: Any) -> dict[str, Any]:
        """"No thanks": the ask ends and is never made again."""
        only_fields(payload(data), ())
        doc = await self._own_open(principal, "feedback.give", feedback_id)
        after = await self._done(doc, {"status": "declined", "done_at": utc_ms(self.clock.now())})
        await audit.record(self.store, self.clock, **audit.by(principal), action="feedback.declined",
                           subject=doc["child"], feedback=doc["_id"])
        return await self.view(after)

    async def _done(self, doc: Mapping[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        written = await self.store.feedback.update_one({"_id": doc["_id"], "status": "asked"}, {"$set": changes})
        if written.matched_count != 1:
            raise ServiceError("already_in_status", "You have answered this already. Nothing was changed.")
        return {**doc, **changes}
