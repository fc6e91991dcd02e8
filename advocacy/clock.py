"""The one source of "now" for the whole server.

Everything that needs the time asks the clock stored on the app, so tests can
freeze or move it without touching the system clock.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class Clock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock(Clock):
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta | float) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware datetime")
        self.advance(when - self._now)


class ShiftedClock(Clock):
    """Real time plus an offset that tests can move forward (sessions expiring, deadlines passing)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset.total_seconds()

    def advance(self, delta: timedelta | float) -> None:
        self.offset += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
