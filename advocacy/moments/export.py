"""A child's key moments (meetings and events about their care), as a section of their data export."""

from __future__ import annotations

from typing import Any

from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.store import ASCENDING, Store
from advocacy.words import english

KIND_WORDS = {
    "looked_after_review": english("A meeting about your care (a review)"),
    "child_protection_conference": english("A meeting about keeping you safe"),
    "placement_move": english("A move to a new home"),
    "complaint": english("Your complaint to the council"),
    "leaving_care": english("A meeting about leaving care"),
    "new_social_worker": english("A new social worker"),
}
MATCHED_WORDS = {"yes": english("Yes"), "partly": english("Partly"), "no": english("No")}
ACTIONS = {
    "moment.recorded": english("wrote down a meeting or change coming up for you"),
    "moment.views": english("wrote down what you want said at a meeting"),
    "moment.outcome": english("wrote down what a meeting decided"),
    "moment.read": english("looked at the meetings and changes about you"),
}


async def moments(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    keyring = keyring_of(store)

    async def opened(value: Any, purpose: str) -> str | None:
        return await keyring.unseal_or_erased(child_id, value, purpose) if value is not None else None

    out = []
    async for m in store.moments.find({"child": child_id}).sort("on", ASCENDING):
        out.append({"what": KIND_WORDS.get(m["kind"], m["kind"]), "on_the_day": m["on"],
                    "asked": iso(m.get("asked_at")), "your_views": await opened(m.get("views"), "moment.views"),
                    "your_views_were_put": m.get("views_put"),
                    "what_was_decided": await opened(m.get("decided"), "moment.decided"),
                    "it_matched_what_you_wanted": MATCHED_WORDS.get(m.get("matched") or ""),
                    "we_asked_again_if_you_wanted_an_advocate": iso(m.get("reoffered_at"))})
    return english("Meetings and changes about your care"), out
