"""A sliding-window limit on how fast one sender may send."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds per key."""

    def __init__(self, limit: int, window: float, monotonic: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._events: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Record an event for ``key`` if it is within the limit; False if it is not."""
        now = self._monotonic()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def forget_idle(self) -> None:
        """Drop keys with no recent events (keeps memory flat with many senders)."""
        cutoff = self._monotonic() - self.window
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= cutoff]:
            del self._events[key]
