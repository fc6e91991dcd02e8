"""Checking what people send about concerns (pure): fields, words, choices, dates.

Each check returns the tidied value or raises ``ServiceError`` with words that
say what was wrong and that nothing was changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from advocacy import workdays
from advocacy.chat.text import is_blank, tidy_text
from advocacy.concerns.sla import Policy, Severity
from advocacy.concerns.states import TransitionRefused
from advocacy.errors import ServiceError

_REFUSALS = {
    "not_allowed": "move_not_allowed",
    "no_change": "already_in_status",
    "unknown_status": "status_unknown",
    "decision_required": "decision_required",
    "unknown_decision": "decision_unknown",
    "decision_not_expected": "bad_request",
}


def utc_ms(at: datetime) -> datetime:
    """An instant as MongoDB keeps it (milliseconds), so what is computed from it matches what is read back."""
    at = at.astimezone(timezone.utc)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def refused(exc: TransitionRefused) -> ServiceError:
    return ServiceError(_REFUSALS[exc.code], exc.message + " Nothing was changed.")


def payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("bad_request",
                           "That request didn't make sense to us: the body should be a JSON object. "
                           "Nothing was changed.")
    return data


def only_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ServiceError(
            "bad_request",
            f"We don't know the field {unknown[0]!r}; expected {', '.join(sorted(allowed))}. Nothing was changed."
        )


def check_words(value: Any, what: str, limit: int, *, required: bool = True) -> str:
    """Tidied text for a field; ``what`` names it in the error ("what is worrying you")."""
    if value is None and not required:
        return ""
    if value is not None and not isinstance(value, str):
        raise ServiceError("bad_request", f"Please write {what} as text. Nothing was saved.")
    if isinstance(value, str) and len(value) > limit * 4:
        raise ServiceError("words_too_long",
                           f"{what[0].upper()}{what[1:]} is too long ({limit:,} characters at most). "
                           "Nothing was saved.")
    text = tidy_text(value or "").strip()
    if is_blank(text):
        text = ""
    if not text and required:
        raise ServiceError("words_empty", f"Please write {what}. Nothing was saved.")
    if len(text) > limit:
        raise ServiceError("words_too_long",
                           f"{what[0].upper()}{what[1:]} is too long ({limit:,} characters at most). "
                           "Nothing was saved.")
    return text


def check_choice(value: Any, field: str, options: Iterable[str]) -> str:
    options = tuple(options)
    if not isinstance(value, str) or value not in options:
        raise ServiceError("bad_request", f"{field} must be one of {', '.join(options)}. Nothing was changed.")
    return value


def check_severity(value: Any) -> str:
    if not isinstance(value, str) or value not in {s.value for s in Severity}:
        raise ServiceError("severity_unknown")
    return value


def check_answer_by(value: Any, now: datetime, policy: Policy) -> datetime | None:
    """An optional date ("2026-03-03", meaning the end of that working day) or an instant with offset."""
    if value is None:
        return None
    problem = ServiceError(
        "bad_request",
        "answer_by must be a date like 2026-03-03 or a time with an offset like 2026-03-03T12:00:00+00:00, "
        "after now and within a year. Nothing was changed.",
    )
    if not isinstance(value, str) or len(value) > 40:
        raise problem
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").date()
            at = datetime.combine(day, policy.deadlines_at, tzinfo=workdays.LONDON).astimezone(timezone.utc)
        else:
            at = datetime.fromisoformat(value)
            if at.tzinfo is None:
                raise ValueError("naive")
            at = at.astimezone(timezone.utc)
    except ValueError:
        raise problem from None
    if not now < at <= now + timedelta(days=366):
        raise problem
    return utc_ms(at)
