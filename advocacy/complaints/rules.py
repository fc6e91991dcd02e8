"""The rules of a complaint about the service (pure: no I/O, no clock).

Who handles a complaint: the advocate's manager, unless the complaint is about
that manager (or there is no manager), when an admin does. The person
complained about never handles it and never sees it. Deadlines are in working
days (``advocacy.workdays``), counted from when the complaint was made and
falling due at the end of the working day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from advocacy import workdays
from advocacy.words import english

# What a complaint can be about, with the words a child reads.
ABOUT = {
    "advocate": english("my advocate"),
    "manager": english("the person in charge of my advocate"),
    "service": english("something else about the advocacy service"),
}
OUTCOMES = {
    "upheld": english("We agree. We got it wrong, and we are sorry."),
    "partly_upheld": english("We agree with some of it, and we are sorry for that part."),
    "not_upheld": english("We looked carefully and don't think we got it wrong."),
}
# The outcomes as the published figures name them.
OUTCOME_LABELS = {"upheld": "Upheld", "partly_upheld": "Partly upheld", "not_upheld": "Not upheld"}
STATUSES = ("made", "acknowledged", "answered")
# Where a complaint is, as the child reads it on their page.
STATUS_WORDS = {
    "made": english("We have your complaint. Someone will tell you they've got it by {acknowledge_by}."),
    "acknowledged": english("Someone is looking into it. You'll get an answer by {answer_by}."),
    "answered": english("You have an answer."),
}
ESCALATED_WORDS = english("You asked the Children's Commissioner's office to look at it. "
                           "They will tell you what they decide.")
COMMISSIONER_DONE = english("The Children's Commissioner's office has finished looking at it.")


@dataclass(frozen=True)
class Handler:
    """Who deals with a complaint: ``role`` "manager" (with their id) or "admin" (any admin)."""

    role: str
    staff_id: str | None


def handler_for(about: str, advocate: Mapping[str, Any] | None) -> Handler:
    """The manager of the child's advocate, or an admin when it is about that manager or there is none."""
    manager = (advocate or {}).get("manager")
    if about == "manager" or not manager:
        return Handler("admin", None)
    return Handler("manager", manager)


def deadlines(made_at: datetime, acknowledge_days: int, answer_days: int) -> dict[str, datetime]:
    """When the complaint must be acknowledged and answered: the end of the Nth working day after it was made."""
    return {"acknowledge_by": workdays.working_day_deadline(made_at, acknowledge_days),
            "answer_by": workdays.working_day_deadline(made_at, answer_days)}


def may_handle(complaint: Mapping[str, Any], user_id: str, role: str) -> bool:
    """Whether a member of staff handles (so may read and answer) this complaint."""
    if user_id in (complaint.get("advocate"), complaint.get("about_staff")):
        return False
    if role == "admin":
        return True
    return role == "manager" and complaint["handler"]["role"] == "manager" \
        and complaint["handler"]["id"] == user_id


def late(due: datetime, done: datetime | None, now: datetime) -> bool:
    """Whether a deadline was missed (done after it) or has passed with nothing done."""
    return (done or now) > due
