"""A child's complaints about the service, as a section of their export (advocacy.privacy.export)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from advocacy.complaints import rules
from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

STEP_WORDS = {
    "made": english("the complaint was made"),
    "acknowledged": english("someone told you they had it"),
    "answered": english("you got an answer"),
    "escalated": english("you asked the Children's Commissioner's office to look at it"),
    "commissioner_decided": english("the Children's Commissioner's office decided"),
}
MADE_BY = {
    "child": english("you"),
    "advocate": english("an advocate, for you"),
    "manager": english("a manager, for you"),
    "admin": english("someone in charge of the service, for you"),
}
WHERE = {
    "made": english("we have it"),
    "acknowledged": english("someone is looking into it"),
    "answered": english("you have an answer"),
}
GOES_TO = {
    "manager": english("the manager of your advocate"),
    "admin": english("someone in charge of the whole service"),
}


async def complaints(store: Store, child_id: str, leave_out: Collection[str] = ()) -> tuple[str, list[dict[str, Any]]]:
    keyring = keyring_of(store)

    async def opened(value: Any, purpose: str) -> str | None:
        return await keyring.unseal_or_erased(child_id, value, purpose) if value is not None else None

    out = []
    async for doc in store.complaints.find({"child": child_id, "_id": {"$nin": list(leave_out)}}).sort(
            "made_at", ASCENDING):
        out.append({
            "raised": iso(doc["made_at"]),
            "about": rules.ABOUT.get(doc["about"], doc["about"]),
            "who": MADE_BY.get(doc["made_by"]["role"], doc["made_by"]["role"]),
            "your_words": await opened(doc["words"], "complaint.words"),
            "what_you_want": await opened(doc.get("wants"), "complaint.wants"),
            "who_looks_at_it": GOES_TO.get(doc["handler"]["role"], doc["handler"]["role"]),
            "answer_due": iso(doc["deadlines"]["answer_by"]),
            "where_it_is": WHERE.get(doc["status"], doc["status"]),
            "the_answer": await opened(doc.get("answer"), "complaint.answer"),
            "what_we_decided": rules.OUTCOMES.get(doc.get("outcome") or ""),
            "what_happened": [{"when": iso(e["at"]), "what": STEP_WORDS.get(e["kind"], e["kind"])}
                              for e in doc["timeline"]],
        })
    return english("Your complaints about the advocacy service"), out
