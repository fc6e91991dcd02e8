"""What equality monitoring holds about a child, as a section of their data export (advocacy.privacy.export)."""

from __future__ import annotations

import functools
import json
from typing import Any

from advocacy.crypto import ERASED_TEXT, keyring_of
from advocacy.date_words import iso
from advocacy.equality.rules import Question, load_questions
from advocacy.equality.service import PURPOSE
from advocacy.store import Store
from advocacy.words import english

WHO = {"child": english("you"), "advocate": english("your advocate, with your agreement"),
       "manager": english("a manager, with your agreement"), "admin": english("a manager, with your agreement")}


@functools.cache
def _questions() -> tuple[Question, ...]:
    return load_questions()


async def answers(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    out = []
    doc = await store.equality.find_one({"_id": child_id})
    if doc:
        opened = await keyring_of(store).unseal_or_erased(child_id, doc.get("sealed"), PURPOSE)
        given = json.loads(opened) if opened and opened != ERASED_TEXT else {}
        for question in _questions():
            if question.key in given:
                label = dict(question.answers).get(given[question.key], given[question.key])
                out.append({"question": question.child_label, "your_answer": label,
                            "written_down": iso(doc.get("answered_at")), "who": WHO.get(doc.get("by_role"), "")})
    return english("What you told us about yourself for our equality checks"), out
