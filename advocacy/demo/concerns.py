"""Demo concerns, so each page and the oversight queue have something in them (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from advocacy.auth.principal import Principal
from advocacy.bootstrap import Services

# (child id, advocate username, category, severity, the child's words, what they want, what happens next)
DEMO_CONCERNS = [
    ("ch_demo_jayden", "sam.advocate", "contact", "standard",
     "I haven't seen my little sister since she moved to a different foster home.",
     "To see her at least every two weeks.", "raised_with"),
    ("ch_demo_chloe", "jo.advocate", "placement", "high",
     "My carers are moving house and I'll have to change school in the middle of my exams.",
     "To stay at my school until my exams are finished.", "oversight"),
    ("ch_demo_maya", "ana.advocate", "money", "standard",
     "I didn't get my birthday money this year.",
     "To get it, like my friends do.", "resolved"),
    ("ch_demo_leo", "dev.advocate", "care_plan", "standard",
     "Nobody asked me what I think before my review meeting.",
     "To be asked before decisions are made about me.", "open"),
]


async def seed_concerns(services: Services, creds: dict) -> int:
    """Raise the demo concerns once; returns how many were made."""
    records, concerns, ladder = services.concern_records, services.concerns, services.ladder
    store = services.store
    ids = {c["id"] for c in creds.get("children", [])}
    if await store.concerns.count_documents({"child": {"$in": list(ids)}}):
        return 0
    made = 0
    for child_id, username, category, severity, words, wants, then in DEMO_CONCERNS:
        child = await store.children.find_one({"_id": child_id})
        advocate = await store.staff.find_one({"username": username})
        if child is None or advocate is None:
            continue
        principal = Principal("demo", advocate["_id"], "advocate", advocate["name"],
                              concerns.clock.now() + timedelta(hours=1))
        doc = await records.insert(child, category=category, severity=severity, child_words=words, child_wants=wants,
                                    source="staff", by=principal)
        if then in ("raised_with", "oversight", "resolved"):
            await concerns.add_action(principal, doc["_id"], {"kind": "raised_with", "with": "social_worker",
                                                              "note": "Emailed the social worker."})
        if then == "oversight":
            await ladder.escalate_by_hand(principal, doc["_id"], {
                "level": "oversight", "reason": "Exams start in three weeks and the council has not answered."})
        if then == "resolved":
            await concerns.resolve(principal, doc["_id"], {"outcome": "The money was paid.", "child_happy": True})
        made += 1
    return made
