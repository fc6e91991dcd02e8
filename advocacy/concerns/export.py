"""A child's worries and the disclosures about them: sections of their data export (advocacy.privacy.export)."""

from __future__ import annotations

from typing import Any

from advocacy.concerns.records import default_categories
from advocacy.concerns.rights import default_rights
from advocacy.concerns.words import STATUS_WORDS, WHO
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

# What happened to a worry, as its timeline's kinds (and statuses) read to a child.
HAPPENED = {
    "created": english("You told us about it"),
    "raised": english("Your advocate took it to someone who can sort it out"),
    "open": english("Your advocate took it on"), "awaiting_response": english("Your advocate waited for an answer"),
    "responded": english("Someone answered"), "response": english("Someone answered"),
    "raised_with": english("Your advocate took it to someone who can sort it out"),
    "reopened": english("It was opened again"),
    "status": english("It moved on to the next step"),
    "escalated": english("Your advocate asked someone more senior to help"),
    "resolved": english("It was sorted"),
    "closed": english("It was finished"),
    "note": english("Your advocate wrote a note"),
    "reminder": english("We reminded someone it was due"),
    "confirmed": english("Someone decided it needed looking into"),
    "dismissed": english("Someone decided it didn't need looking into"),
    "draft": english("Something you wrote needed checking"),
    "disclosure": english("We told someone outside the service, to keep you safe"),
    "oversight_closed": english("The Children's Commissioner's team finished checking on it"),
    "revealed": english("Your worry was shown to someone new who helps you"),
}
# Who was told outside the service (advocacy.safeguarding.service.DISCLOSED_TO), in a child's words.
TOLD = {"la_front_door": english("the council's team that keeps children safe"), "police": english("the police"),
        "other": english("someone else")}
SEVERITY = {"standard": english("normal"), "high": english("important"), "urgent": english("urgent")}


def happened(kind: str) -> str:
    return HAPPENED.get(kind) or STATUS_WORDS.get(kind) or kind.replace("_", " ")


async def _open(store: Store, child_id: str, value: Any, purpose: str) -> str | None:
    return await keyring_of(store).unseal_or_erased(child_id, value, purpose) if value is not None else None


async def worries(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    categories = default_categories()
    rights = default_rights()
    out = []
    async for doc in store.concerns.find({"child": child_id}).sort("raised_at", ASCENDING):
        category = categories.get(doc["category"])
        timeline = []
        for entry in doc.get("timeline", []):
            note = entry.get("note") or entry.get("reason")
            purpose = ("concern.reason" if "reason" in entry
                       else "concern.outcome" if entry["kind"] == "resolved" else "concern.note")
            timeline.append({"when": iso(entry["at"]), "what": happened(entry["kind"]),
                             "who_was_asked": WHO.get(entry.get("with") or "", entry.get("with")),
                             "note": await _open(store, child_id, note, purpose),
                             **({"you_were_happy": entry["child_happy"]} if "child_happy" in entry else {})})
        out.append({
            "about": category.child_label if category else doc["category"],
            "your_words": await _open(store, child_id, doc["child_words"], "concern.child_words"),
            "what_you_want": await _open(store, child_id, doc["child_wants"], "concern.child_wants"),
            "where_it_is": STATUS_WORDS.get(doc["status"], happened(doc["status"])),
            "how_urgent": SEVERITY.get(doc["severity"], doc["severity"]), "raised": iso(doc["raised_at"]),
            "answer_due": iso(doc["deadlines"]["respond_by"]), "what_happened": timeline,
            **({"what_your_advocate_saw": await _open(store, child_id, doc.get("observed"), "concern.observed"),
                "your_rights": [rights[k].child_label if k in rights else k for k in doc.get("rights", [])]}
               if doc["source"] == "observation" else {}),
        })
    return english("Your worries"), out


async def disclosures(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    out = []
    async for doc in store.disclosures.find({"child": child_id}).sort("at", ASCENDING):
        out.append({
            "when": iso(doc["at"]), "told": TOLD.get(doc["with"], doc["with"]),
            "who": await _open(store, child_id, doc.get("with_detail"), "disclosure.with"),
            "what": await _open(store, child_id, doc.get("what"), "disclosure.what"),
            "why": await _open(store, child_id, doc.get("why"), "disclosure.why"),
            "you_were_told_first": doc["child_told"],
            "why_not": await _open(store, child_id, doc.get("why_not_told"), "disclosure.why_not_told"),
        })
    return english("Times we told someone outside the service about you"), out


async def counted(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The rows the published figures are counted from (the figures never name a child)."""
    out = [{"when": iso(row["at"]), "what": happened(row["kind"]), "counted_in_month": row.get("month")}
           async for row in store.concern_events.find({"child": child_id}).sort("at", ASCENDING)]
    return english("What we counted for the figures we publish (they never show your name)"), out
