"""A child's feedback, as a section of their export (advocacy.privacy.export): when they were asked, what
about, and what they answered (or that they said no thanks)."""

from __future__ import annotations

import json
from typing import Any

from advocacy.crypto import ERASED_TEXT, keyring_of
from advocacy.date_words import iso
from advocacy.feedback import rules
from advocacy.store import ASCENDING, Store
from advocacy.words import english

WHERE = {
    "asked": english("you haven't answered (you don't have to)"),
    "answered": english("you answered"),
    "declined": english("you said no thanks"),
}


async def feedback(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    keyring = keyring_of(store)
    out = []
    async for doc in store.feedback.find({"child": child_id}).sort("asked_at", ASCENDING):
        answers: dict[str, str] = {}
        if doc.get("answers") is not None:
            opened = await keyring.unseal_or_erased(child_id, doc["answers"], "feedback.answers")
            answers = json.loads(opened) if opened and opened != ERASED_TEXT else {}
        out.append({
            "asked": iso(doc["asked_at"]),
            "about": rules.OCCASIONS.get(doc["occasion"], doc["occasion"]),
            "where_it_is": WHERE.get(doc["status"], doc["status"]),
            "answered": iso(doc.get("done_at")) if doc["status"] == "answered" else None,
            "did_you_feel_listened_to": rules.ANSWERS.get(answers.get("listened", "")),
            "did_things_change": rules.ANSWERS.get(answers.get("changed", "")),
        })
    return english("What you told us about how things went"), out
