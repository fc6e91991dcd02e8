"""When repeated wrong sign-ins slow down and then lock an account (pure rules, no I/O).

Every attempt is counted before the password is checked (a success clears the
count), so a burst of attempts sent at once is counted in full. From
``slow_after`` attempts on, the next one must wait, twice as long each time (at
most ``max_wait``); at ``max_failures`` the account is locked for ``lockout``
or until an admin unlocks it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Policy:
    slow_after: int
    max_failures: int
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
    return min(timedelta(seconds=2 ** (failures - policy.slow_after)), policy.max_wait)


def block_after(failures: int, now: datetime, policy: Policy) -> Block:
    if failures >= policy.max_failures:
        return Block(0, now + policy.lockout, True)
    wait = wait_after(failures, policy)
    return Block(failures, now + wait if wait else None, False)


def refusal(state: dict[str, Any] | None, now: datetime) -> tuple[str, dict[str, int]] | None:
    """(error code, its parameters) if an attempt now must be refused without checking anything."""
    until = (state or {}).get("blocked_until")
    if until is None or until <= now:
        return None
    if state.get("locked"):
        return "account_locked", {"minutes": max(1, math.ceil((until - now).total_seconds() / 60))}
    return "sign_in_throttled", {"seconds": max(1, math.ceil((until - now).total_seconds()))}
