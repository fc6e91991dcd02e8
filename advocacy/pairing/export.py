"""What pairing holds about a child, as sections of their data export (advocacy.privacy.export).

Opting out and in (with the reasons the child gave), asking for someone else,
placement moves, cover while an advocate was away, whether earlier chat may be
read, and proposed changes of advocate: each in words a child understands.
"""

from __future__ import annotations

from typing import Any

from advocacy.crypto import keyring_of
from advocacy.date_words import iso
from advocacy.people import staff_by_ids
from advocacy.store import ASCENDING, Store
from advocacy.words import english

OPT_WORDS = {
    "opted_out": english("You said you didn't want an advocate"),
    "opted_in": english("You said you wanted an advocate again"),
    "offered": english("We offered you an advocate again"),
    "offer_declined": english("You said no thanks when we offered you an advocate again"),
}
OFFER_WHY = {
    "placement_move": english("because you moved to a new home"),
    "every_months": english("because some months had passed since you said no"),
}
# Who did something, by their role, as a child would say it.
ROLE_WORDS = {
    "child": english("you"),
    "advocate": english("an advocate"),
    "manager": english("an advocates' manager"),
    "admin": english("someone who runs the service"),
    "reviewer": english("the Children's Commissioner's team"),
    "bot": english("the advocacy service"),
    "service": english("the advocacy service"),
}
PLAN_WORDS = {
    "proposed": english("suggested, not done yet"),
    "applied": english("done"),
    "discarded": english("not done"),
}


def role_words(by: Any) -> str:
    role = by.get("role") if isinstance(by, dict) else by
    return ROLE_WORDS.get(role or "service", "a member of staff")


async def _open(store: Store, child_id: str, value: Any, purpose: str) -> str | None:
    return await keyring_of(store).unseal_or_erased(child_id, value, purpose) if value is not None else None


async def _names(store: Store, ids: list[str | None]) -> dict[str, str]:
    found = await staff_by_ids(store, [i for i in ids if i])
    return {i: d.get("name", "") for i, d in found.items()}


async def choices(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Opting out and in, offers, and asking for a different advocate, with the reasons given."""
    out = []
    async for row in store.opt_events.find({"child": child_id}).sort("at", ASCENDING):
        record: dict[str, Any] = {"when": iso(row["at"]), "what": OPT_WORDS.get(row["kind"], row["kind"]),
                                  "who": role_words(row.get("by"))}
        if row.get("why"):
            record["why"] = OFFER_WHY.get(row["why"], row["why"])
        if row.get("reason") is not None:
            record["your_reason"] = await _open(store, child_id, row["reason"], "opt_out_reason")
        out.append(record)
    child = await store.children.find_one({"_id": child_id}, {"someone_else": 1}) or {}
    asked = child.get("someone_else") or []
    names = await _names(store, [a.get("from") for a in asked])
    for request in asked:
        out.append({"when": iso(request["at"]),
                    "what": f"You asked for a different advocate instead of {names.get(request['from'], 'them')}",
                    "who": "you",
                    "your_reason": await _open(store, child_id, request.get("reason"), "someone_else_reason")})
    out.sort(key=lambda r: r["when"] or "")
    return english("When you said yes or no to having an advocate"), out


async def placement_moves(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    out = [{"moved_on": row["moved_on"], "written_down": iso(row["at"]), "who": role_words(row.get("by"))}
           async for row in store.placement_moves.find({"child": child_id}).sort("at", ASCENDING)]
    return english("When you moved to a new home"), out


async def covers(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    rows = await store.covers.find({"child": child_id}).sort("starts_at", ASCENDING).to_list(None)
    leaves = {d["_id"]: d async for d in store.leaves.find({"_id": {"$in": [r["leave"] for r in rows]}},
                                                           {"first_day": 1})}
    names = await _names(store, [r["advocate"] for r in rows] + [r.get("cover") for r in rows])
    out = []
    for row in rows:
        leave = leaves.get(row["leave"], {})
        out.append({
            "advocate_away": names.get(row["advocate"], ""),
            # A cover by hand runs from the moment it was handed over, not from a day of leave.
            "from": leave.get("first_day") or row["starts_at"].date().isoformat(), "to": row.get("last_day"),
            "helped_you_meanwhile": names.get(row["cover"], "") if row.get("cover") else "nobody was free",
        })
    return english("When your advocate was away and someone else helped"), out


async def earlier_chat(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    rows = await store.earlier_chat.find({"child": child_id}).sort("asked_at", ASCENDING).to_list(None)
    names = await _names(store, [r["advocate"] for r in rows])
    answers = {True: "yes", False: "no", None: "you haven't said yet"}
    out = [{"advocate": names.get(r["advocate"], ""), "asked": iso(r.get("asked_at")),
            "answered": iso(r.get("answered_at")), "your_answer": answers.get(r.get("share"), "")}
           for r in rows]
    return english("Whether a new advocate may read your messages with earlier advocates"), out


async def plans(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Suggested re-pairings of every child that would have changed this child's advocate."""
    rows = await store.pairing_plans.find({"changes.child": child_id},
                                          {"created_at": 1, "status": 1, "changes": 1}).to_list(None)
    changes = [(row, change) for row in rows for change in row["changes"] if change.get("child") == child_id]
    names = await _names(store, [c.get("from") for _, c in changes] + [c.get("to") for _, c in changes])
    out = [{"when": iso(row["created_at"]), "from_advocate": names.get(c.get("from") or "", "nobody"),
            "to_advocate": names.get(c.get("to") or "", "nobody"),
            "what_happened": PLAN_WORDS.get(row.get("status"), row.get("status"))} for row, c in changes]
    out.sort(key=lambda r: r["when"] or "")
    return english("Plans to change who your advocate is"), out
