"""The rules of key moments (pure): the kinds, the question each asks the child, the checks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from advocacy.errors import ServiceError
from advocacy.words import N_, Moment, Words

# Each kind: what staff read.
KINDS = {
    "looked_after_review": "Looked-after review",
    "child_protection_conference": "Child protection conference",
    "placement_move": "Placement move",
    "complaint": "Complaint (to the local authority)",
    "leaving_care": "Leaving care (pathway plan)",
    "new_social_worker": "New social worker",
}
# A child who opted out of advocacy is offered it again, once, when one of these happens.
REOFFER_KINDS = frozenset({"placement_move", "new_social_worker"})
# Whether what was decided matched what the child wanted.
MATCHED = {"yes": "Yes, it matched what the child wanted", "partly": "Partly",
           "no": "No, it did not match what the child wanted"}
# How far back or ahead a moment may be dated.
PAST_DAYS = 366
AHEAD_DAYS = 366


def question(kind: str, on: date) -> Words | None:
    """What the child reads in their chat: in plain words, what is coming and what they want said.
    None for a kind that asks nothing (a new social worker)."""
    day = Moment(on, "EEEE d MMMM")
    tell = N_("You can tell your advocate here, in your own words. You don't have to.")
    if kind == "looked_after_review":
        return N_("There is a meeting about your care on {day}.", day=day) + N_(
            "What would you like the people at the meeting to know, or to change?") + tell
    if kind == "child_protection_conference":
        return N_("There is a meeting about keeping you safe on {day}.", day=day) + N_(
            "What would you like the people at the meeting to hear from you?") + tell
    if kind == "placement_move":
        return N_("There are plans for you to move to a new home on {day}.", day=day) + N_(
            "What do you think about the move? Is there anything you want to ask for?") + tell
    if kind == "complaint":
        return N_("Your complaint will be looked at on {day}.", day=day) + N_(
            "What do you want to happen because of it?") + tell
    if kind == "leaving_care":
        return N_("There is a meeting about your plans for leaving care on {day}.", day=day) + N_(
            "What do you want for where you live, learning, work or money?") + tell
    return None


def check_kind(value: Any) -> str:
    if not isinstance(value, str) or value not in KINDS:
        raise ServiceError("bad_request", f"kind must be one of {', '.join(KINDS)}. Nothing was saved.")
    return value


def check_on(value: Any, today: date) -> date:
    """The day of the meeting or event: a date written YYYY-MM-DD within a year either side of today."""
    problem = ServiceError("dates_invalid", "on should be the day of the meeting or event, written YYYY-MM-DD, "
                                            "within a year of today. Nothing was saved.")
    if not isinstance(value, str) or len(value) != 10:
        raise problem
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise problem from None
    if not today - timedelta(days=PAST_DAYS) <= day <= today + timedelta(days=AHEAD_DAYS):
        raise problem
    return day


def check_flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ServiceError("bad_request", f"{field} must be true or false. Nothing was changed.")
    return value


def views_put_figures(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per local authority: meetings held (an outcome recorded) and those where the child's views were put."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = out.setdefault(row.get("la") or "unknown", {"held": 0, "views_put": 0})
        counts["held"] += 1
        counts["views_put"] += bool(row.get("views_put"))
    return out
