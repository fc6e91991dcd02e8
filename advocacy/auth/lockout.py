"""When repeated wrong sign-ins slow down and then lock an account (pure rules, no I/O).

Every attempt is counted before the password is checked (a success clears the
count), so a burst of attempts sent at once is counted in full
(``advocacy.auth.attempts``). From ``slow_after`` attempts on, the next one
must wait, twice as long each time (at most ``max_wait``); at ``max_failures``
(if any) tries are refused for ``lockout``.

Staff accounts are only ever slowed down (``max_failures`` None), so a stranger
cannot lock someone out; a client address trying staff accounts is refused for
a while after ``max_failures`` (see ``staff_sign_in``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Policy:
    slow_after: int
    max_failures: int | None
    lockout: timedelta
    max_wait: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Block:
    """What to store after the ``failures``-th attempt in a row, before it is checked."""

    failures: int
    blocked_until: datetime | None
    locked: bool


def wait_after(failures: int, policy: Policy) -> timedelta:
    if failures < policy.slow_after:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - policy.slow_after, 30)), policy.max_wait)


def block_after(failures: int, now: datetime, policy: Policy) -> Block:
    if policy.max_failures is not None and failures >= policy.max_failures:
        return Block(0, now + policy.lockout, True)
    wait = wait_after(failures, policy)
    return Block(failures, now + wait if wait else None, False)


def refusal(state: dict[str, Any] | None, now: datetime,
            locked_code: str = "too_many_tries") -> tuple[str, dict[str, int]] | None:
    """(error code, its parameters) if an attempt now must be refused without checking anything."""
    until = (state or {}).get("blocked_until")
    if until is None or until <= now:
        return None
    if state.get("locked"):
        return locked_code, {"minutes": max(1, math.ceil((until - now).total_seconds() / 60))}
    return "sign_in_throttled", {"seconds": max(1, math.ceil((until - now).total_seconds()))}
