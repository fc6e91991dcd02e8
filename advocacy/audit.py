"""The audit trail: append-only, each entry carrying the hash of the one before.

Entries are numbered 1, 2, 3 ... (the ``_id``); the unique id makes two
processes appending at once take turns rather than fork the chain. Each entry
holds identifiers only (who, what action, about which records), never message
text or names. ``verify`` recomputes the chain and names the first entry that
was changed, removed or reordered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from advocacy.clock import Clock
from advocacy.group_commit import GroupCommit
from advocacy.store import DESCENDING, DuplicateKeyError, Store

__all__ = ["GENESIS", "Broken", "by", "check_anchor", "entry_hash", "head", "record", "verify"]

GENESIS = "0" * 64


def _millis(at: datetime) -> datetime:
    """MongoDB keeps milliseconds; hash exactly what will be read back."""
    at = at.astimezone(timezone.utc)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def entry_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over the entry's content and the previous entry's hash."""
    content = {
        "seq": entry["_id"],
        "at": entry["at"].astimezone(timezone.utc).isoformat(timespec="milliseconds"),
        "actor": entry["actor"],
        "role": entry["role"],
        "action": entry["action"],
        "subject": entry["subject"],
        "ids": entry["ids"],
        "prev": entry["prev"],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


async def record(
    store: Store, clock: Clock, *, actor: str, role: str, action: str, subject: str | None = None, **ids: str
) -> int:
    """Append an entry; returns its number. ``ids`` are identifiers only (concern, reason code ...)."""
    for value in ids.values():
        if not isinstance(value, (str, int, bool)) and value is not None:
            raise TypeError("audit entries hold identifiers and flags only")
    entry = {"at": _millis(clock.now()), "actor": actor, "role": role, "action": action, "subject": subject,
             "ids": ids}
    return await _appender(store)(entry)


def _appender(store: Store) -> GroupCommit[dict[str, Any], int]:
    """One appender per store. Entries that arrive together are chained together after one
    read of the last entry (group commit), rather than racing each other for the next
    number: under load that race made every writer retry once per writer ahead of it."""
    appender = vars(store).get("_audit_appender")
    if appender is None:
        appender = vars(store)["_audit_appender"] = GroupCommit(lambda entries: _append(store, entries))
    return appender


async def _append(store: Store, entries: list[dict[str, Any]]) -> list[int]:
    numbers: list[int] = []
    while len(numbers) < len(entries):
        last = await store.audit.find_one({}, {"hash": 1}, sort=[("_id", DESCENDING)])
        seq, prev = (last["_id"], last["hash"]) if last else (0, GENESIS)
        for content in entries[len(numbers):]:
            entry = {"_id": seq + 1, **content, "prev": prev}
            entry["hash"] = entry_hash(entry)
            try:
                await store.audit.insert_one(entry)
            except DuplicateKeyError:  # another process took this number: chain after theirs
                break
            seq, prev = entry["_id"], entry["hash"]
            numbers.append(seq)
    return numbers


def by(principal: Any) -> dict[str, str]:
    """``actor`` and ``role`` for ``record`` from a signed-in Principal: ``record(..., **audit.by(principal))``."""
    return {"actor": principal.user_id, "role": principal.role}


@dataclass(frozen=True)
class Broken:
    """Where the chain first fails, and how."""

    seq: int
    problem: str


async def verify(store: Store) -> tuple[int, Broken | None]:
    """Check the whole chain; returns (entries checked, the first break or None)."""
    expected_seq, prev, checked = 1, GENESIS, 0
    async for entry in store.audit.find({}).sort("_id", 1):
        seq = entry.get("_id")
        if seq != expected_seq:
            return checked, Broken(expected_seq, f"entry {expected_seq} is missing (next found is {seq})")
        if entry.get("prev") != prev:
            return checked, Broken(seq, f"entry {seq} does not follow entry {seq - 1} (removed or reordered)")
        try:
            computed = entry_hash(entry)
        except (KeyError, TypeError, AttributeError):
            return checked, Broken(seq, f"entry {seq} is malformed")
        if computed != entry.get("hash"):
            return checked, Broken(seq, f"entry {seq} was changed after it was written")
        prev, expected_seq, checked = entry["hash"], expected_seq + 1, checked + 1
    return checked, None


async def head(store: Store) -> tuple[int, str]:
    """The last entry's number and hash (0 and GENESIS when empty): record it elsewhere as an anchor."""
    last = await store.audit.find_one({}, {"hash": 1}, sort=[("_id", DESCENDING)])
    return (last["_id"], last["hash"]) if last else (0, GENESIS)


async def check_anchor(store: Store, seq: int, expected_hash: str) -> Broken | None:
    """An anchor is a (number, hash) noted outside the database earlier; the chain alone
    cannot show that its newest entries were cut off, the anchor can."""
    entry = await store.audit.find_one({"_id": seq}, {"hash": 1})
    if entry is None:
        return Broken(seq, f"entry {seq}, recorded earlier as an anchor, is missing (the trail was cut short)")
    if entry.get("hash") != expected_hash:
        return Broken(seq, f"entry {seq} no longer has the hash recorded earlier as an anchor")
    return None
