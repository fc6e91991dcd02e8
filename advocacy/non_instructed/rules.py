"""The rules of non-instructed advocacy (pure): the policy and rights in config/, dates, when a visit is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from advocacy.errors import ServiceError
from advocacy.settings import CONFIG_DIR, SettingsError, known_table, read_toml

POLICY_FILE = CONFIG_DIR / "non_instructed.toml"
# Where a visit or contact took place, and who else was there.
WHERE = {"home": "At the child's home or placement", "school": "At school or nursery",
         "contact": "At a family contact", "health": "At a health appointment", "meeting": "At a meeting about them",
         "video": "By video", "other": "Somewhere else"}
MAX_PRESENT = 10
LONGEST_NAME = 120


@dataclass(frozen=True)
class Policy:
    visit_every_days: int = 42
    check_every_seconds: int = 3600
    review_within_days: int = 183


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def load_policy(path: str | Path | None = None) -> Policy:
    """config/non_instructed.toml, checked: SettingsError names the file and key when one is wrong."""
    file = Path(path) if path is not None else POLICY_FILE
    raw = read_toml(file, "the non-instructed advocacy settings file")
    checks = {("visits", "every_days"): (1, 366), ("visits", "check_every_seconds"): (1, 86_400),
              ("decisions", "review_within_days"): (1, 731)}
    values = {}
    for section in ("visits", "decisions"):
        table = known_table(raw, section, [k for s, k in checks if s == section], file)
        for (where, key), (low, high) in checks.items():
            if where != section:
                continue
            if key not in table:
                raise SettingsError(f"{file}: [{section}] {key} is missing")
            if not _whole(table[key], low, high):
                raise SettingsError(f"{file}: [{section}] {key} is {table[key]!r}; "
                                    f"expected a whole number from {low} to {high}")
            values[key] = table[key]
    return Policy(visit_every_days=values["every_days"], check_every_seconds=values["check_every_seconds"],
                  review_within_days=values["review_within_days"])


@cache
def default_policy() -> Policy:
    return load_policy()


def check_review_by(value: Any, today: date, policy: Policy) -> date:
    """A review date after today and within the policy's limit."""
    latest = today + timedelta(days=policy.review_within_days)
    problem = ServiceError("dates_invalid", f"review_by should be a date written YYYY-MM-DD, after today and no "
                                            f"later than {latest.isoformat()} ({policy.review_within_days} days). "
                                            "Nothing was saved.")
    if not isinstance(value, str) or len(value) != 10:
        raise problem
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise problem from None
    if not today < day <= latest:
        raise problem
    return day


def check_visit_at(value: Any, now: datetime) -> datetime:
    """When a visit took place: an instant with its offset, in the past year and not in the future."""
    problem = ServiceError("dates_invalid", "at should be when the visit happened, like 2026-03-03T10:30:00+00:00, "
                                            "within the last year and not in the future. Nothing was saved.")
    if not isinstance(value, str) or len(value) > 40:
        raise problem
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise problem from None
    if at.tzinfo is None or not now - timedelta(days=366) <= at <= now + timedelta(minutes=5):
        raise problem
    return at


def check_present(value: Any) -> list[str]:
    """Who else was there: a list of short descriptions ("foster carer", "teaching assistant")."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PRESENT or not all(
            isinstance(v, str) and 0 < len(v.strip()) <= LONGEST_NAME for v in value):
        raise ServiceError("bad_request", f"present must be a list of up to {MAX_PRESENT} people, each written in "
                                          f"1 to {LONGEST_NAME} characters. Nothing was saved.")
    return [v.strip() for v in value]


def visit_due(since: datetime, last_visit: datetime | None, policy: Policy) -> datetime:
    """When the next visit is due: the interval after the last visit, or after the decision if none yet."""
    return (last_visit or since) + timedelta(days=policy.visit_every_days)
