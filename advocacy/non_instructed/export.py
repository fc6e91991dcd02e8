"""A child's non-instructed advocacy, as sections of their data export (advocacy.privacy.export)."""

from __future__ import annotations

import json
from typing import Any

from advocacy.concerns.rights import default_rights
from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

DECISION_WORDS = {
    "non_instructed": english("Your advocate decided to speak up for you by watching and listening, "
                              "because you could not tell them what you wanted"),
    "reviewed": english("Your advocate looked at that decision again"),
    "instructed": english("Your advocate now asks you what you want"),
}
# Where a visit took place (advocacy.non_instructed.rules.WHERE), in a child's words.
WHERE = {"home": english("Where you live"), "school": english("At school or nursery"),
         "contact": english("When you saw your family"), "health": english("At the doctor's, dentist or hospital"),
         "meeting": english("At a meeting about you"), "video": english("On a video call"),
         "other": english("Somewhere else")}
ACTIONS = {
    "advocacy.non_instructed": english("decided to speak up for you by watching and listening"),
    "advocacy.reviewed": english("looked again at how they speak up for you"),
    "advocacy.instructed": english("started asking you what you want again"),
    "advocacy.read": english("read their notes of visits to you"),
    "advocacy.listed": english("looked at their list of young people they visit"),
    "visit.recorded": english("wrote down a visit to you"),
}


async def _open(store: Store, child_id: str, value: Any, purpose: str) -> str | None:
    return await keyring_of(store).unseal_or_erased(child_id, value, purpose) if value is not None else None


async def decisions(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    out = [{"when": iso(d["at"]), "what": DECISION_WORDS.get(d["kind"], d["kind"]),
            "why": await _open(store, child_id, d["reason"], "advocacy.reason"),
            "look_again_by": d.get("review_by")}
           async for d in store.advocacy_decisions.find({"child": child_id}).sort("at", ASCENDING)]
    return english("How your advocate speaks up for you"), out


async def visits(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    rights = default_rights()
    out = []
    async for v in store.visits.find({"child": child_id}).sort("at", ASCENDING):
        present = await _open(store, child_id, v["present"], "visit.present")
        out.append({"when": iso(v["at"]), "where": WHERE.get(v["where"], v["where"]),
                    "who_else_was_there": json.loads(present) if present and present.startswith("[") else [],
                    "how_you_seemed": await _open(store, child_id, v["seemed"], "visit.seemed"),
                    "what_your_advocate_saw": await _open(store, child_id, v["observed"], "visit.observed"),
                    "your_rights": [rights[k].child_label if k in rights else k for k in v.get("rights", [])]})
    return english("Visits from your advocate"), out
