"""Interpreters in a conversation: the rules (pure, no I/O, no clock reads).

An advocate asks for an interpreter in one conversation until a set time; the
child says yes (and whether the interpreter may read what was written before)
or no; the child or the advocate can end it at any time, and it ends by itself
at its time. States: ``asked`` -> ``agreed`` | ``declined`` | ``ended``;
``agreed`` -> ``ended``. Only an agreed one before its end time lets the
interpreter in (``is_live``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from advocacy.errors import ServiceError

ASKED, AGREED, DECLINED, ENDED = "asked", "agreed", "declined", "ended"
OPEN = (ASKED, AGREED)
LONGEST_ID = 64


@dataclass(frozen=True)
class Invitation:
    """What an advocate asks for: which interpreter (an id or username), for how many minutes."""

    interpreter: str
    minutes: int


def _refuse(message: str) -> ServiceError:
    return ServiceError("bad_request", f"{message} Nothing was changed.")


def check_invitation(data: Any, longest_minutes: int) -> Invitation:
    if not isinstance(data, dict):
        raise _refuse("Send a JSON object.")
    unknown = sorted(set(data) - {"interpreter", "minutes"})
    if unknown:
        raise _refuse(f"Unknown field(s): {', '.join(unknown)}.")
    interpreter = data.get("interpreter")
    if not isinstance(interpreter, str) or not interpreter.strip() or len(interpreter) > LONGEST_ID:
        raise _refuse('"interpreter" must name an interpreter (their id or username).')
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= longest_minutes:
        raise _refuse(f'"minutes" must be a whole number from 5 to {longest_minutes}.')
    return Invitation(interpreter.strip(), minutes)


def check_answer(data: Any) -> tuple[bool, bool]:
    """(the child agrees, they may also read earlier messages)."""
    if not isinstance(data, dict) or not isinstance(data.get("agree"), bool):
        raise _refuse('Say {"agree": true} or {"agree": false}.')
    earlier = data.get("earlier", False)
    if not isinstance(earlier, bool):
        raise _refuse('"earlier" must be true or false.')
    return data["agree"], data["agree"] and earlier


def ends_at(asked_at: datetime, minutes: int) -> datetime:
    return asked_at + timedelta(minutes=minutes)


def is_live(doc: dict[str, Any], now: datetime) -> bool:
    """Whether the interpreter may read and write in the conversation now."""
    return doc.get("state") == AGREED and doc["ends_at"] > now


def is_open(doc: dict[str, Any], now: datetime) -> bool:
    """Asked and not answered yet, or agreed: neither ended nor past its time."""
    return doc.get("state") in OPEN and doc["ends_at"] > now


def visible_from(agreed_at: datetime, earlier: bool) -> datetime | None:
    """The first moment whose messages the interpreter reads: from when they joined, or all (None)."""
    return None if earlier else agreed_at
