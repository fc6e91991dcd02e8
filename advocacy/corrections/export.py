"""A child's requests to put records right, as a section of their export (advocacy.privacy.export): what they
asked, what was decided, and what the record said before a correction (the old version, kept sealed)."""

from __future__ import annotations

from typing import Any

from advocacy.corrections import rules
from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

WHERE = {
    "asked": english("someone is deciding"),
    "accepted": english("we put it right"),
    "refused": english("we didn't change it"),
}


async def corrections(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    keyring = keyring_of(store)

    async def opened(value: Any, purpose: str) -> str | None:
        return await keyring.unseal_or_erased(child_id, value, purpose) if value is not None else None

    out = []
    async for doc in store.corrections.find({"child": child_id}).sort("asked_at", ASCENDING):
        old = doc.get("old")
        out.append({
            "asked": iso(doc["asked_at"]),
            "about": rules.KINDS.get(doc["kind"], doc["kind"]),
            "what_it_should_say": await opened(doc["should_say"], "correction.should_say"),
            "what_is_wrong": await opened(doc.get("why"), "correction.why"),
            "decide_by": iso(doc["decide_by"]),
            "where_it_is": WHERE.get(doc["status"], doc["status"]),
            "decided": iso(doc.get("decided_at")),
            "reason_given": await opened(doc.get("reason"), "correction.reason"),
            "what_it_said_before": await opened(old["value"], old["purpose"]) if old else None,
        })
    return english("Things you asked us to put right"), out
