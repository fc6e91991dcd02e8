"""A child's worries and the disclosures about them: sections of their data export (advocacy.privacy.export)."""

from __future__ import annotations

from typing import Any

from advocacy.concerns.records import default_categories
from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

# What the audited actions of concerns, safeguarding and oversight mean, in a child's words.
ACTIONS = {
    "concern.read": english("read your worry"),
    "concern.list": english("looked at their list of young people's worries"),
    "concern.escalated": english("asked someone more senior to help with your worry"),
    "safeguarding.confirmed": english("decided something you wrote needed looking into, to keep you safe"),
    "safeguarding.dismissed": english("decided something you wrote did not need looking into"),
    "safeguarding.disclosed": english("told someone outside the advocacy service about you, to keep you safe"),
    "safeguarding.disclosures": english("looked at the times we told someone outside the service about you"),
    "oversight.read": english("(the Children's Commissioner's team) looked at your worry"),
    "oversight.closed": english("(the Children's Commissioner's team) finished checking on your worry"),
}


async def _open(store: Store, child_id: str, value: Any, purpose: str) -> str | None:
    return await keyring_of(store).unseal_or_erased(child_id, value, purpose) if value is not None else None


async def worries(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    categories = default_categories()
    out = []
    async for doc in store.concerns.find({"child": child_id}).sort("raised_at", ASCENDING):
        category = categories.get(doc["category"])
        timeline = []
        for entry in doc.get("timeline", []):
            note = entry.get("note") or entry.get("reason")
            purpose = ("concern.reason" if "reason" in entry
                       else "concern.outcome" if entry["kind"] == "resolved" else "concern.note")
            timeline.append({"when": iso(entry["at"]), "what": entry["kind"], "with": entry.get("with"),
                             "note": await _open(store, child_id, note, purpose)})
        out.append({
            "about": category.child_label if category else doc["category"],
            "your_words": await _open(store, child_id, doc["child_words"], "concern.child_words"),
            "what_you_want": await _open(store, child_id, doc["child_wants"], "concern.child_wants"),
            "status": doc["status"], "how_urgent": doc["severity"], "raised": iso(doc["raised_at"]),
            "answer_due": iso(doc["deadlines"]["respond_by"]), "what_happened": timeline,
        })
    return english("Your worries"), out


async def disclosures(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    out = []
    async for doc in store.disclosures.find({"child": child_id}).sort("at", ASCENDING):
        out.append({
            "when": iso(doc["at"]), "told": doc["with"],
            "who": await _open(store, child_id, doc.get("with_detail"), "disclosure.with"),
            "what": await _open(store, child_id, doc.get("what"), "disclosure.what"),
            "why": await _open(store, child_id, doc.get("why"), "disclosure.why"),
            "you_were_told_first": doc["child_told"],
            "why_not": await _open(store, child_id, doc.get("why_not_told"), "disclosure.why_not_told"),
        })
    return english("Times we told someone outside the service about you"), out
