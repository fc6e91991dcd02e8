"""Counting sign-in attempts in the database, each counted before anything is checked.

Every count is one conditional write, so a burst of attempts sent at once is
counted in full and the ones past the limit are refused unchecked:

- ``claim``: attempts in a row under a ``lockout.Policy`` (a staff username, a
  client address trying staff accounts). The write succeeds only if the record
  still holds the count it was read with (compare and set), so two attempts can
  never both be "the third";
- ``claim_in_window``: attempts from one client in a window of time (a child's
  sign-in), refused once the window's limit is reached.

Records are keyed by a keyed hash (never a username or an address) and each
carries ``expires_at``, which a TTL index in the database acts on
(``store.INDEXES``): a client's window record goes when its window ends, an
account's or a code's count ``kept_for`` after its last try (the retention
policy's ``sign_in_records.days_after_last_try``). So tries at usernames and
codes that exist nowhere are only counted, never audited, and the count of
records they leave is bounded by how many tries the client limits let through
in that time.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from advocacy.auth import lockout
from advocacy.errors import ServiceError
from advocacy.store import DuplicateKeyError, ReturnDocument, Store

# How many times an attempt that lost a race for the same record reads it again before it is refused.
RETRIES = 5


async def claim(store: Store, key: str, now: datetime, policy: lockout.Policy, kept_for: timedelta) -> lockout.Block:
    """Count one attempt for ``key``; ServiceError (``sign_in_throttled``/``too_many_tries``) if it must wait."""
    records = store.sign_in_attempts
    for _ in range(RETRIES):
        state = await records.find_one({"_id": key})
        refused = lockout.refusal(state, now)
        if refused is not None:
            raise ServiceError(refused[0], **refused[1])
        failures = (state or {}).get("failures", 0)
        block = lockout.block_after(failures + 1, now, policy)
        fields: dict[str, Any] = {"failures": block.failures, "blocked_until": block.blocked_until,
                                  "locked": block.locked, "last_attempt_at": now,
                                  "expires_at": now + kept_for}
        if state is None:
            try:
                await records.insert_one({"_id": key, **fields})
            except DuplicateKeyError:
                continue
            return block
        taken = await records.update_one(
            {"_id": key, "failures": failures, "blocked_until": state.get("blocked_until")}, {"$set": fields}
        )
        if taken.modified_count == 1:
            return block
    raise ServiceError("sign_in_throttled", seconds=1)


async def forget(store: Store, key: str) -> None:
    """A right sign-in: the attempts in a row start again from nothing."""
    await store.sign_in_attempts.delete_one({"_id": key})


async def claim_in_window(store: Store, key: str, now: datetime, limit: int, window: timedelta) -> None:
    """Count one attempt from a client; ServiceError ``too_many_tries`` once ``limit`` is reached."""
    records = store.sign_in_attempts
    await records.update_one({"_id": key, "window_ends": {"$lte": now}},
                             {"$set": {"tries": 0, "window_ends": now + window, "expires_at": now + window}})
    try:
        counted = await records.find_one_and_update(
            {"_id": key, "tries": {"$lt": limit}},
            {"$inc": {"tries": 1}, "$set": {"last_attempt_at": now},
             "$setOnInsert": {"window_ends": now + window, "expires_at": now + window}},
            upsert=True, return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:  # the record exists and its window is full
        counted = None
    if counted is None:
        state = await records.find_one({"_id": key}) or {}
        ends = state.get("window_ends") or now + window
        raise ServiceError("too_many_tries", minutes=max(1, math.ceil((ends - now).total_seconds() / 60)))


async def give_back(store: Store, key: str) -> None:
    """An attempt that succeeded does not count towards the client's limit."""
    await store.sign_in_attempts.update_one({"_id": key, "tries": {"$gt": 0}}, {"$inc": {"tries": -1}})
