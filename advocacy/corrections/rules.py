"""The rules of a request to put a record right (pure: no I/O, no clock).

What can be corrected (``KINDS``) and where each lives (``RECORDS``): the
collection, the sealed field and the purpose it is sealed under. Who decides:
the manager of the child's advocate, or an admin when there is none; the
advocate never decides (they may have written the record). The decision is due
at the end of the Nth working day after the request (``advocacy.workdays``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from advocacy import workdays
from advocacy.words import english

# What a child can ask to put right, in their words.
KINDS = {
    "worry_words": english("what I said in one of my worries"),
    "worry_wants": english("what I wanted to happen, in one of my worries"),
    "name": english("my name"),
    "birth_date": english("my date of birth"),
}
# The kinds that are about one of the child's worries (the request names which).
ABOUT_A_WORRY = frozenset({"worry_words", "worry_wants"})


@dataclass(frozen=True)
class Record:
    """Where a kind of record is kept: ``collection``, its sealed ``field`` and the ``purpose`` it is sealed under."""

    collection: str
    field: str
    purpose: str


RECORDS = {
    "worry_words": Record("concerns", "child_words", "concern.child_words"),
    "worry_wants": Record("concerns", "child_wants", "concern.child_wants"),
    "name": Record("children", "name_sealed", "name"),
    "birth_date": Record("children", "birth_date_sealed", "birth date"),
}
DECISIONS = ("accept", "refuse")
STATUSES = ("asked", "accepted", "refused")
# Where a request is, as the child reads it.
STATUS_WORDS = {
    "asked": english("We have it. Someone will decide by {decide_by}."),
    "accepted": english("We put it right. We kept what it said before, locked away, so you can always see "
                        "what changed."),
    "refused": english("We didn't change it. This is why:"),
}
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
OLDEST_YEAR = 1990


@dataclass(frozen=True)
class Decider:
    """Who decides a request: ``role`` "manager" (with their id) or "admin" (any admin)."""

    role: str
    staff_id: str | None


def decider_for(advocate: Mapping[str, Any] | None) -> Decider:
    """The manager of the child's advocate; an admin when the child has no advocate or it has no manager."""
    manager = (advocate or {}).get("manager")
    return Decider("manager", manager) if manager else Decider("admin", None)


def may_decide(request: Mapping[str, Any], user_id: str, role: str) -> bool:
    """Whether a member of staff decides (so may read and accept or refuse) this request."""
    if role == "admin":
        return True
    return role == "manager" and request["decider"] == {"role": "manager", "id": user_id}


def decide_by(asked_at: datetime, working_days: int) -> datetime:
    return workdays.working_day_deadline(asked_at, working_days)


def birth_date(text: str, today: date) -> str | None:
    """A date of birth a child wrote ("21/03/2010", "21.3.2010" or "2010-03-21") as "YYYY-MM-DD"; None if it is
    not a real day between 1990 and today."""
    text = text.strip()
    if m := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    else:
        return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return born.isoformat() if OLDEST_YEAR <= year and born <= today else None
