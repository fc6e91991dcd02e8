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


SHOWN = {"did_you_feel_listened_to": "listened", "did_things_change": "changed"}
ONLY_YOU = english("only you can see your answers, on your How did it go? page")


async def feedback(store: Store, child_id: str, *, answers_shown: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """``answers_shown`` False (a copy made by a member of staff): whether the child answered, not what."""
    keyring = keyring_of(store)
    out = []
    async for doc in store.feedback.find({"child": child_id}).sort("asked_at", ASCENDING):
        answers: dict[str, str] = {}
        if doc.get("answers") is not None and answers_shown:
            opened = await keyring.unseal_or_erased(child_id, doc["answers"], "feedback.answers")
            answers = json.loads(opened) if opened and opened != ERASED_TEXT else {}
        out.append({
            "asked": iso(doc["asked_at"]),
            "about": rules.OCCASIONS.get(doc["occasion"], doc["occasion"]),
            "where_it_is": WHERE.get(doc["status"], doc["status"]),
            "answered": iso(doc.get("done_at")) if doc["status"] == "answered" else None,
            **({q: rules.ANSWERS.get(answers.get(key, "")) for q, key in SHOWN.items()} if answers_shown
               else dict.fromkeys(SHOWN, ONLY_YOU if doc["status"] == "answered" else None)),
        })
    return english("What you told us about how things went"), out
