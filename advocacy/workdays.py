"""Working days and working hours in England and Wales.

A working day is Monday to Friday, except England and Wales bank holidays as
published by the ``holidays`` package (substitute days included: when Boxing
Day 2026 falls on a Saturday, Monday 28 December is the holiday). Days are
Europe/London days: an instant at 00:30 BST on 1 July belongs to 1 July even
though it is still 30 June in UTC.

Every instant passed in must be timezone-aware; a naive datetime raises
ValueError rather than being guessed at. Instants returned are in UTC. Times of
day (``start``, ``end``, ``at``) are naive and mean Europe/London wall-clock
time. Nothing here reads the clock: callers pass "now" in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
WORKING_DAY_START = time(9, 0)
WORKING_DAY_END = time(17, 0)

_ONE_DAY = timedelta(days=1)


@cache
def _bank_holidays(year: int) -> dict[date, str]:
    # England and Wales share one list of bank holidays; the package calls it subdivision ENG.
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holiday(d: date) -> str | None:
    """The England and Wales bank holiday on ``d`` (e.g. "Boxing Day (observed)"), or None."""
    _require_date(d)
    return _bank_holidays(d.year).get(d)


def is_working_day(d: date) -> bool:
    """True for Monday to Friday unless it is an England and Wales bank holiday."""
    _require_date(d)
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def add_working_days(d: date, n: int) -> date:
    """The Nth working day after ``d`` (``d`` itself need not be a working day).

    ``n`` = 0 returns ``d`` unchanged; ``n`` must not be negative.
    """
    _require_date(d)
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    while n:
        d += _ONE_DAY
        if is_working_day(d):
            n -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """How many working days fall after ``a`` up to and including ``b`` (negative if ``b`` is before ``a``)."""
    _require_date(a)
    _require_date(b)
    if b < a:
        return -working_days_between(b, a)
    count = 0
    d = a
    while d < b:
        d += _ONE_DAY
        count += is_working_day(d)
    return count


def local_date(instant: datetime) -> date:
    """The Europe/London calendar date of an instant."""
    return _london(instant).date()


def london_month(instant: datetime) -> str:
    """The Europe/London calendar month of an instant, as "2026-03" (the figures count by it)."""
    return f"{local_date(instant):%Y-%m}"


def as_utc(instant: datetime, name: str = "instant") -> datetime:
    """``instant`` in UTC; TypeError if it is not a datetime, ValueError if it is naive."""
    # Arithmetic between two datetimes sharing one ZoneInfo ignores DST, so all sums happen in UTC.
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc)), not {instant!r}")
    return instant.astimezone(UTC)


def working_day_deadline(instant: datetime, n: int, at: time = WORKING_DAY_END) -> datetime:
    """``at`` (default 17:00) Europe/London time on the Nth working day after the London date of ``instant``.

    Returned in UTC, e.g. 17:00 BST on 7 April 2026 comes back as 16:00+00:00.
    """
    _require_wall_time(at, "at")
    return _at(add_working_days(local_date(instant), n), at)


def is_working_time(instant: datetime, start: time = WORKING_DAY_START, end: time = WORKING_DAY_END) -> bool:
    """True if ``instant`` falls on a working day between ``start`` (included) and ``end`` (excluded), London time."""
    _require_hours(start, end)
    local = _london(instant)
    return is_working_day(local.date()) and start <= local.time() < end


def next_working_start(instant: datetime, start: time = WORKING_DAY_START, end: time = WORKING_DAY_END) -> datetime:
    """``instant`` itself (in UTC) if it is working time, otherwise the start of the next working period."""
    _require_hours(start, end)
    if is_working_time(instant, start, end):
        return instant.astimezone(UTC)
    local = _london(instant)
    day = local.date()
    if not (is_working_day(day) and local.time() < start):
        day = add_working_days(day, 1)
    return _at(day, start)


def working_hours_between(
    a: datetime, b: datetime, start: time = WORKING_DAY_START, end: time = WORKING_DAY_END
) -> float:
    """Working hours elapsed from ``a`` to ``b`` (e.g. how long a child waited for a reply).

    Raises ValueError if ``b`` is before ``a``.
    """
    _require_hours(start, end)
    a, b = as_utc(a, "a"), as_utc(b, "b")
    if b < a:
        raise ValueError(f"b ({b.isoformat()}) is before a ({a.isoformat()})")
    seconds = 0.0
    day, last = local_date(a), local_date(b)
    while day <= last:
        if is_working_day(day):
            opens, closes = _at(day, start), _at(day, end)
            seconds += max(0.0, (min(closes, b) - max(opens, a)).total_seconds())
        day += _ONE_DAY
    return seconds / 3600


def add_working_hours(
    instant: datetime, hours: float, start: time = WORKING_DAY_START, end: time = WORKING_DAY_END
) -> datetime:
    """The instant (in UTC) at which ``hours`` working hours will have passed since ``instant``.

    A result that lands exactly on ``end`` stays there rather than moving to the next morning.
    ``hours`` = 0 returns ``instant`` itself; ``hours`` must not be negative.
    """
    _require_hours(start, end)
    instant = as_utc(instant, "instant")
    if hours < 0:
        raise ValueError(f"hours must be 0 or more, not {hours}")
    remaining = timedelta(hours=hours)
    if not remaining:
        return instant
    current = next_working_start(instant, start, end)
    while True:
        closes = _at(local_date(current), end)
        available = closes - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = _at(add_working_days(local_date(current), 1), start)


def _at(day: date, wall: time) -> datetime:
    return datetime.combine(day, wall, tzinfo=LONDON).astimezone(UTC)


def _london(instant: datetime) -> datetime:
    return as_utc(instant, "instant").astimezone(LONDON)


def _require_date(d: date) -> None:
    # datetime is a subclass of date but never equals one, so a datetime would miss every bank holiday.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, not {type(d).__name__}; use local_date(instant) for an instant")


def _require_wall_time(t: time, name: str) -> None:
    if not isinstance(t, time) or t.tzinfo is not None:
        raise ValueError(f"{name} must be a naive time of day (Europe/London wall clock), not {t!r}")


def _require_hours(start: time, end: time) -> None:
    _require_wall_time(start, "start")
    _require_wall_time(end, "end")
    if not start < end:
        raise ValueError(f"start ({start:%H:%M}) must be before end ({end:%H:%M})")
