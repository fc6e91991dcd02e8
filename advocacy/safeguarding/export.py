"""What safeguarding holds about a child, as a section of their data export (advocacy.privacy.export).

The messages that triage flagged, what kind of risk they looked like, and whether
a person decided it needed looking into. (What was told outside the service is
in the disclosures section, advocacy.concerns.export.)
"""

from __future__ import annotations

from typing import Any

from advocacy.date_words import iso
from advocacy.settings import CONFIG_DIR, read_toml
from advocacy.store import ASCENDING, ObjectId, Store
from advocacy.words import english


def _kinds() -> dict[str, str]:
    return dict(read_toml(CONFIG_DIR / "safeguarding.toml", "the safeguarding rules file").get("categories", {}))


async def flags(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    kinds = _kinds()
    rows = await store.flags.find({"child": child_id}).sort("flagged_at", ASCENDING).to_list(None)
    ids = [ObjectId(r["_id"]) for r in rows if ObjectId.is_valid(r["_id"])]
    sent = {str(m["_id"]): m.get("sent_at") async for m in store.messages.find({"_id": {"$in": ids}}, {"sent_at": 1})}
    out = []
    for row in rows:
        looked_like = sorted({kinds.get(m["category"], m["category"]) for m in row.get("matches", [])})
        out.append({"when": iso(row["flagged_at"]), "your_message_sent": iso(sent.get(row["_id"])),
                    "it_looked_like": looked_like, "checked_as_a_worry": bool(row.get("concern"))})
    return english("When something you wrote made us check you were safe"), out
