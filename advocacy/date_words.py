"""Dates and times written for people (in London time unless told another zone), and for machines.

The one place that puts a moment or a day into words, so a page, a notice, a
download and a child's export all say it the same way:

- ``moment_words``: "Sun 29 Nov 2026, 18:37" (``year=False``: "Sun 29 Nov, 18:37");
- ``moment_long``: "29 November 2026 at 18:37";
- ``day_words``: "Friday 14 March 2026" (``weekday=False``: "14 March 2026"; ``year=False``: "Friday 14 March");
- ``iso``: "2026-11-29T18:37:00+00:00", for JSON and downloads.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from advocacy.workdays import LONDON

Zone = ZoneInfo | str


def _zone(zone: Zone) -> ZoneInfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def moment_words(value: str | datetime | None, zone: Zone = LONDON, *, year: bool = True) -> str:
    """A moment for people to read on a page, "Sun 29 Nov 2026, 18:37", in the zone's wall-clock time.
    An ISO 8601 string is read first; anything else that is not a moment comes back as it was."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if not isinstance(moment, datetime):
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(_zone(zone))
    shown_year = f" {moment:%Y}" if year else ""
    return f"{moment:%a} {moment.day} {moment:%b}{shown_year}, {moment:%H:%M}"


def moment_long(at: datetime | None, zone: Zone = LONDON, *, never: str = "not yet") -> str:
    """"29 November 2026 at 18:37"; ``never`` when there is no moment."""
    if at is None:
        return never
    local = at.astimezone(_zone(zone))
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def day_words(day: date | datetime, zone: Zone = LONDON, *, weekday: bool = True, year: bool = True) -> str:
    """"Friday 14 March 2026" (a moment is first put on the zone's calendar)."""
    if isinstance(day, datetime):
        day = day.astimezone(_zone(zone)).date()
    text = f"{day:%A} {day.day} {day:%B}" if weekday else f"{day.day} {day:%B}"
    return f"{text} {day.year}" if year else text


def iso(at: datetime | None) -> str | None:
    """A moment for machines: ISO 8601 in UTC, to the second; None stays None."""
    return at.astimezone(timezone.utc).isoformat(timespec="seconds") if at is not None else None
