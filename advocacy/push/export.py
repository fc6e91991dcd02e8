"""What push holds about a child, as a section of their data export (advocacy.privacy.export)."""

from __future__ import annotations

from typing import Any

from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english


async def devices(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Each phone or browser that shows "You have a new message" (never its address, which is kept locked)."""
    out = [{"when": iso(row.get("switched_on_at")), "what": english("Notifications switched on for one device")}
           async for row in store.push_subscriptions.find({"child": child_id}).sort("switched_on_at", ASCENDING)]
    return english("Notifications on your phones"), out
