"""Advocates' own working hours (pure rules, no I/O).

Each advocate may have ``working_hours: {"start": "HH:MM", "end": "HH:MM"}`` on
their staff record; without it the service's hours from config/default.toml
apply. Working days are Monday to Friday except England and Wales bank holidays.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from advocacy import workdays

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


class HoursError(ValueError):
    """Working hours that make no sense; the message says why."""


def parse(value: str) -> time:
    match = _HHMM.fullmatch(value or "")
    if not match:
        raise HoursError(f"{value!r} is not a time of day as HH:MM, e.g. 09:30")
    return time(int(match[1]), int(match[2]))


def check(start: str, end: str) -> dict[str, str]:
    """The ``working_hours`` value to store, or HoursError."""
    if parse(start) >= parse(end):
        raise HoursError(f"the working day must start before it ends ({start} is not before {end})")
    return {"start": start, "end": end}


def of(advocate: dict[str, Any] | None, default_start: str, default_end: str) -> tuple[str, str]:
    hours = (advocate or {}).get("working_hours") or {}
    return hours.get("start", default_start), hours.get("end", default_end)


def is_working(now: datetime, hours: tuple[str, str]) -> bool:
    return workdays.is_working_time(now, parse(hours[0]), parse(hours[1]))


def waited(since: datetime, now: datetime, hours: tuple[str, str]) -> float:
    """Working hours from ``since`` to ``now`` by these hours."""
    return workdays.working_hours_between(since, max(since, now), parse(hours[0]), parse(hours[1]))


def day_length(hours: tuple[str, str]) -> float:
    start, end = parse(hours[0]), parse(hours[1])
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60
