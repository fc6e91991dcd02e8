"""The oversight queue's rules (pure, no I/O): order, age bands and pseudonymous references.

Reviewers work the queue most urgent first, then most overdue first: an item's
``rank`` is its level (urgent 0, high 1, standard 2) and ``due_at`` is the
oversight deadline the concern passed (or will pass, for an item sent by hand
early), so sorting on (rank, due_at) puts the longest-overdue urgent item at
the top; between two with the same deadline, the concern raised first comes first.

Reviewers know a child by a reference such as ``R-7KQ2-M9XD`` (random, kept in
``pseudonyms``, the same for all of one child's items), an age band and the
local authority, not by their name.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

# Letters and digits that cannot be mistaken for one another when read aloud or copied.
_REF_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# (youngest, oldest, words): the bands reviewers see instead of a date of birth.
AGE_BANDS = ((0, 9, "under 10"), (10, 12, "10 to 12"), (13, 15, "13 to 15"), (16, 17, "16 to 17"),
             (18, 20, "18 to 20"), (21, 200, "21 and over"))
UNKNOWN_AGE = "not known"


def new_ref() -> str:
    part = lambda: "".join(secrets.choice(_REF_ALPHABET) for _ in range(4))  # noqa: E731
    return f"R-{part()}-{part()}"


def age_band(birth_date: Any, today: date) -> str:
    """The age band of a child born on ``birth_date`` ("YYYY-MM-DD"), or "not known"."""
    if not isinstance(birth_date, str):
        return UNKNOWN_AGE
    try:
        born = datetime.strptime(birth_date, "%Y-%m-%d").date()
    except ValueError:
        return UNKNOWN_AGE
    if born > today:
        return UNKNOWN_AGE
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    for youngest, oldest, words in AGE_BANDS:
        if youngest <= age <= oldest:
            return words
    return UNKNOWN_AGE
