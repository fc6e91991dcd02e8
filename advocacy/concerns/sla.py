"""The clocks of a concern: by when the child must be answered, and by when it goes to the
advocate's manager and to the oversight queue if still unresolved.

The policy lives in ``config/escalation.toml`` and is read only by
``load_policy``. Everything else is pure: callers pass the instants in, and
every instant returned is timezone-aware UTC. Which ladder step is due when
follows from these clocks: ``advocacy.concerns.ladder_rules``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from advocacy import workdays
from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

DEFAULT_POLICY_PATH = CONFIG_DIR / "escalation.toml"


class Severity(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    STANDARD = "standard"


# The order of urgency: a concern's severity, and the level of its item in the oversight queue.
RANK = {Severity.URGENT.value: 0, Severity.HIGH.value: 1, Severity.STANDARD.value: 2}
LEVELS = tuple(RANK)


def higher_level(a: str, b: str) -> str:
    """The more urgent of two levels."""
    return a if RANK[a] <= RANK[b] else b


class PolicyError(SettingsError):
    """config/escalation.toml is missing or wrong; the message names the file, the key and what is expected."""


Unit = Literal["minutes", "hours", "working_days"]


@dataclass(frozen=True)
class Window:
    """A span of time as the policy states it: ``Window(5, "working_days")`` is "5 working days"."""

    amount: int
    unit: Unit

    def due(self, raised_at: datetime, deadlines_at: time) -> datetime:
        """When this window runs out for a concern raised at ``raised_at`` (UTC)."""
        if self.unit == "working_days":
            return workdays.working_day_deadline(raised_at, self.amount, deadlines_at)
        raised_at = workdays.as_utc(raised_at, "raised_at")
        return raised_at + timedelta(**{self.unit: self.amount})

    def __str__(self) -> str:
        if self.amount == 0:
            return "immediately"
        word = {"minutes": "minute", "hours": "hour", "working_days": "working day"}[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class SeverityClock:
    respond: Window
    manager: Window
    oversight: Window


@dataclass(frozen=True)
class Policy:
    clocks: Mapping[Severity, SeverityClock]
    reminder_percent: int
    deadlines_at: time
    working_day_starts: time

    def clock(self, severity: str) -> SeverityClock:
        try:
            return self.clocks[Severity(severity)]
        except ValueError:
            expected = ", ".join(s.value for s in Severity)
            raise ValueError(f"unknown severity {severity!r}; expected one of {expected}") from None


@dataclass(frozen=True)
class Deadlines:
    """The instants (UTC) at which each clock of one concern runs out."""

    respond_by: datetime
    reminder_at: datetime
    manager_by: datetime
    oversight_by: datetime


# ---------------------------------------------------------------- the clocks


def deadlines(raised_at: datetime, severity: str, policy: Policy) -> Deadlines:
    """Every deadline of a concern of ``severity`` raised at ``raised_at``."""
    clock = policy.clock(severity)
    respond_by = clock.respond.due(raised_at, policy.deadlines_at)
    return Deadlines(
        respond_by=respond_by,
        reminder_at=_reminder_at(raised_at, respond_by, clock.respond, policy),
        manager_by=clock.manager.due(raised_at, policy.deadlines_at),
        oversight_by=clock.oversight.due(raised_at, policy.deadlines_at),
    )


def _reminder_at(raised_at: datetime, respond_by: datetime, window: Window, policy: Policy) -> datetime:
    share = policy.reminder_percent / 100
    raised_at = workdays.as_utc(raised_at, "raised_at")
    if window.unit == "working_days":
        hours = workdays.working_hours_between(raised_at, respond_by, policy.working_day_starts, policy.deadlines_at)
        at = workdays.add_working_hours(raised_at, hours * share, policy.working_day_starts, policy.deadlines_at)
    else:
        at = raised_at + (respond_by - raised_at) * share
    # Float arithmetic leaves stray microseconds; a reminder to the second is plenty.
    return (at + timedelta(microseconds=500_000)).replace(microsecond=0)


def describe_due(deadline: datetime, now: datetime) -> str:
    """Words for staff: "due in 3 hours", "due in 2 working days", "overdue by 1 working day", "due now"."""
    deadline, now = workdays.as_utc(deadline, "deadline"), workdays.as_utc(now, "now")
    if deadline >= now:
        gap = _describe_gap(now, deadline)
        return "due now" if gap is None else f"due in {gap}"
    gap = _describe_gap(deadline, now)
    return "due now" if gap is None else f"overdue by {gap}"


@dataclass(frozen=True)
class NextDeadline:
    """The next deadline a concern has not met, as every member of staff sees it."""

    what: str  # "Respond to the child"
    at: datetime
    words: str  # "Respond to the child: due in 3 hours"
    late: bool


def next_deadline(concern: Mapping[str, Any], now: datetime) -> NextDeadline | None:
    """The one wording of a concern's next deadline, the same for the advocate, their manager and anyone
    else: what is to be done by when, and how long is left (or how late it is). The reminder before the
    first deadline is not a deadline and never shown as one (``reminder_words``). None once the concern is
    resolved or closed."""
    status, deadlines, ladder = concern.get("status"), concern["deadlines"], concern.get("ladder") or {}
    if status == "draft":
        what, at = "Decide on the safeguarding flag", deadlines["respond_by"]
    elif status in ("resolved", "closed") or "oversight" in ladder:
        return None
    elif concern.get("responded_at") is None:
        what, at = "Respond to the child", deadlines["respond_by"]
    elif "manager" not in ladder:
        what, at = "Sort it before the manager is told", deadlines["manager_by"]
    else:
        what, at = "Sort it before it goes to oversight", deadlines["oversight_by"]
    late = workdays.as_utc(at, "deadline") < workdays.as_utc(now, "now")
    return NextDeadline(what, at, deadline_words(what, at, now), late)


def deadline_words(what: str, at: datetime, now: datetime) -> str:
    """"Respond to the child: due in 3 hours", "...: due now", "...: 2 working days late"."""
    at, now = workdays.as_utc(at, "deadline"), workdays.as_utc(now, "now")
    gap = _describe_gap(now, at) if at >= now else _describe_gap(at, now)
    if gap is None:
        return f"{what}: due now"
    return f"{what}: due in {gap}" if at >= now else f"{what}: {gap} late"


def reminder_words(what: str, at: datetime, now: datetime) -> str:
    """The reminder named as a reminder, with the deadline it is about: "Reminder: respond to the child:
    due in 3 hours" (never "overdue" twice over)."""
    return "Reminder: " + deadline_words(what[:1].lower() + what[1:], at, now)


def _describe_gap(earlier: datetime, later: datetime) -> str | None:
    seconds = (later - earlier).total_seconds()
    if seconds < 60:
        return None
    if seconds < 3600:
        return _plural(int(seconds // 60), "minute")
    if seconds >= 24 * 3600:
        days = workdays.working_days_between(workdays.local_date(earlier), workdays.local_date(later))
        if days:
            return _plural(days, "working day")
    return _plural(int(seconds // 3600), "hour")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- loading

_SEVERITY_KEYS = {
    "respond_to_child_within": "respond",
    "tell_manager_if_unresolved_after": "manager",
    "send_to_oversight_if_unresolved_after": "oversight",
}
_WINDOW = re.compile(r"\s*(\d+)\s+(minutes?|hours?|working\s+days?)\s*", re.IGNORECASE)
_WINDOW_EXPECTED = (
    '"immediately", or a number of minutes, hours or working days such as '
    '"30 minutes", "24 hours" or "5 working days"'
)
_UNIT_LIMITS: dict[str, int] = {"minutes": 60 * 24 * 31, "hours": 24 * 92, "working_days": 260}
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def load_policy(path: Path | str | None = None) -> Policy:
    """Read and check config/escalation.toml (or ``path``); raise PolicyError naming any wrong key."""
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    raw = read_toml(path, "the escalation policy file", PolicyError)
    return _parse_policy(raw, str(path))


def _parse_policy(raw: Mapping[str, Any], source: str) -> Policy:
    expected_sections = {"working_days", "reminder", *(s.value for s in Severity)}
    for unknown in sorted(set(raw) - expected_sections):
        raise PolicyError(f"{source}: section [{unknown}] is not known; "
                          f"expected {', '.join(sorted(expected_sections))}")

    working = _section(raw, "working_days", {"deadlines_at", "working_day_starts"}, source)
    deadlines_at = _time_of_day(working, "working_days", "deadlines_at", source)
    starts = _time_of_day(working, "working_days", "working_day_starts", source)
    if not starts < deadlines_at:
        raise PolicyError(f"{source}: [working_days] working_day_starts must be earlier than deadlines_at")

    reminder = _section(raw, "reminder", {"percent_of_respond_window"}, source)
    percent = reminder["percent_of_respond_window"]
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 99:
        raise PolicyError(
            f"{source}: [reminder] percent_of_respond_window is {percent!r}; expected a whole number from 1 to 99"
        )

    clocks: dict[Severity, SeverityClock] = {}
    for severity in Severity:
        table = _section(raw, severity.value, set(_SEVERITY_KEYS), source)
        windows = {
            field: _window(table[key], f"{source}: [{severity.value}] {key}") for key, field in _SEVERITY_KEYS.items()
        }
        if windows["respond"].amount == 0:
            raise PolicyError(
                f"{source}: [{severity.value}] respond_to_child_within can't be \"immediately\"; "
                'give the time an advocate has, such as "1 hour"'
            )
        manager, oversight = windows["manager"], windows["oversight"]
        if _comparable(manager, oversight) and manager.amount > oversight.amount:
            raise PolicyError(
                f"{source}: [{severity.value}] tell_manager_if_unresolved_after ({manager}) must not be later than "
                f"send_to_oversight_if_unresolved_after ({oversight})"
            )
        clocks[severity] = SeverityClock(**windows)
    return Policy(clocks=clocks, reminder_percent=percent, deadlines_at=deadlines_at, working_day_starts=starts)


def _section(raw: Mapping[str, Any], name: str, keys: set[str], source: str) -> Mapping[str, Any]:
    table = raw.get(name)
    if not isinstance(table, dict):
        raise PolicyError(f"{source}: section [{name}] is missing")
    for unknown in sorted(set(table) - keys):
        raise PolicyError(f"{source}: [{name}] {unknown} is not a known key; expected {', '.join(sorted(keys))}")
    for missing in sorted(keys - set(table)):
        raise PolicyError(f"{source}: [{name}] {missing} is missing")
    return table


def _time_of_day(table: Mapping[str, Any], section: str, key: str, source: str) -> time:
    value = table[key]
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(f"{source}: [{section}] {key} is {value!r}; expected a 24-hour time as HH:MM, e.g. \"17:00\"")
    return time(int(match[1]), int(match[2]))


def _window(value: Any, where: str) -> Window:
    if isinstance(value, str) and value.strip().lower() == "immediately":
        return Window(0, "hours")
    match = _WINDOW.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(f"{where} is {value!r}; expected {_WINDOW_EXPECTED}")
    amount = int(match[1])
    word = match[2].lower()
    unit: Unit = "working_days" if word.startswith("working") else "minutes" if word.startswith("minute") else "hours"
    if amount > _UNIT_LIMITS[unit]:
        raise PolicyError(f"{where} is {value!r}; expected at most {_UNIT_LIMITS[unit]} {unit.replace('_', ' ')}")
    return Window(amount, unit)


def _comparable(a: Window, b: Window) -> bool:
    # "immediately" comes before anything; otherwise only like units can be compared without a date.
    return a.unit == b.unit or a.amount == 0 or b.amount == 0
