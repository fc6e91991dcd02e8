"""What the Children's Commissioner's team hold about a child, as a section of their export (advocacy.privacy.export).

Each time one of the child's worries reached the oversight queue: why it came,
where it is, the decision, and every note, question and answer the reviewers
wrote, opened from the child's sealed records.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

WHY_WORDS = {
    "deadline": english("your worry wasn't sorted in time"),
    "by_hand": english("someone asked them to look at it"),
    "service_complaint": english("you asked them to look at your complaint about the advocacy service"),
}
STATUS_WORDS = {"new": english("waiting for someone to pick it up"), "claimed": english("someone is looking at it"),
                "awaiting_update": english("waiting for an answer they asked for"), "closed": english("finished")}
DECISION_WORDS = {
    "resolved_locally": english("it was sorted out by the people who look after you"),
    "upheld": english("they agreed something went wrong"),
    "not_upheld": english("they didn't find that something went wrong"),
    "referred": english("they passed it on to someone who can do more"),
}
LOG_WORDS = {
    "claimed": english("picked it up"), "released": english("put it back for someone else"),
    "note": english("wrote a note"), "update_requested": english("asked for news"),
    "update_received": english("wrote down the answer they got"),
    "representation": english("wrote to someone about it"),
    "closed": english("finished it"),
}


async def items(store: Store, child_id: str, leave_out: Collection[str] = ()) -> tuple[str, list[dict[str, Any]]]:
    """``leave_out``: complaints about the service whose items are not shown (advocacy.privacy.export)."""
    keyring = keyring_of(store)

    async def opened(value: Any, purpose: str) -> str | None:
        return await keyring.unseal_or_erased(child_id, value, purpose) if value is not None else None

    out = []
    query = {"child": child_id, **({"complaint": {"$nin": list(leave_out)}} if leave_out else {})}
    async for doc in store.oversight.find(query).sort("created_at", ASCENDING):
        log = [{"when": iso(e["at"]), "what": LOG_WORDS.get(e["kind"], e["kind"]),
                "words": await opened(e.get("text"), "oversight.note")} for e in doc.get("log", [])]
        out.append({
            "arrived": iso(doc["created_at"]),
            "the_code_they_know_you_by": doc.get("ref"),
            "why_it_went_to_them": WHY_WORDS.get(doc["reason"].get("code"), doc["reason"].get("code")),
            "reason_given": await opened(doc["reason"].get("text"), "concern.reason"),
            "where_it_is": STATUS_WORDS.get(doc["status"], doc["status"]),
            "decision": DECISION_WORDS.get(doc.get("decision") or "", doc.get("decision")),
            "finished": iso(doc.get("closed_at")),
            "what_they_did": log,
        })
    return english("When the Children's Commissioner's team checked on your worries"), out
