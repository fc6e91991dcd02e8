"""The audit trail: append-only, each entry carrying the keyed hash of the one before.

Entries are numbered 1, 2, 3 ... (the ``_id``); the unique id makes two
processes appending at once take turns rather than fork the chain. Each entry
holds identifiers only (who, what action, about which records), never message
text or names. Each entry's hash is an HMAC under the service's audit key
(``Keyring.service_secret("audit")``, wrapped by the master key), so someone who
can write to the database but has not the master key cannot re-chain entries
after changing one, nor rebuild the chain. ``verify`` recomputes the chain and
names the first entry that was changed, removed or reordered.

A chain alone cannot show that its newest entries were cut off: ``Anchors``
appends the head (number and hash) to an append-only file outside the data
folder at an interval and at shutdown, and ``check_anchor`` finds a cut tail
(or a changed entry) against each line of it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from advocacy.background import cancelled
from advocacy.clock import Clock
from advocacy.group_commit import GroupCommit
from advocacy.settings import Settings
from advocacy.store import DESCENDING, DuplicateKeyError, Store

__all__ = ["GENESIS", "Anchors", "Broken", "by", "check_anchor", "entry_hash", "head", "read_anchors", "record",
           "verify"]

log = logging.getLogger(__name__)
MIGRATION = "key-audit-chain-v1"

GENESIS = "0" * 64


def _millis(at: datetime) -> datetime:
    """MongoDB keeps milliseconds; hash exactly what will be read back."""
    at = at.astimezone(timezone.utc)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


async def audit_key(store: Store) -> bytes:
    """The audit chain's key, from the keyring attached to the store (it needs the master key)."""
    return await store.keyring.service_secret("audit")


def entry_hash(entry: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 under ``key`` over the entry's content and the previous entry's hash (without a key, the
    plain SHA-256 an older version used: what someone without the key could compute)."""
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
    if "subjects" in entry:  # a list shown at once (e.g. the children in a console's list)
        content["subjects"] = entry["subjects"]
    data = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


async def record(
    store: Store, clock: Clock, *, actor: str, role: str, action: str, subject: str | None = None,
    subjects: Iterable[str] | None = None, **ids: str,
) -> int:
    """Append an entry; returns its number. ``ids`` are identifiers only (concern, reason code ...);
    ``subjects`` the ids of several children shown at once (a list page): each child's "who looked at
    my information" finds the entry as it finds one with them as ``subject``."""
    for value in ids.values():
        if not isinstance(value, (str, int, bool)) and value is not None:
            raise TypeError("audit entries hold identifiers and flags only")
    entry = {"at": _millis(clock.now()), "actor": actor, "role": role, "action": action, "subject": subject,
             "ids": ids}
    if subjects is not None:
        entry["subjects"] = sorted({s for s in subjects if isinstance(s, str)})
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
    key = await audit_key(store)
    numbers: list[int] = []
    while len(numbers) < len(entries):
        last = await store.audit.find_one({}, {"hash": 1}, sort=[("_id", DESCENDING)])
        seq, prev = (last["_id"], last["hash"]) if last else (0, GENESIS)
        for content in entries[len(numbers):]:
            entry = {"_id": seq + 1, **content, "prev": prev}
            entry["hash"] = entry_hash(entry, key)
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


async def verify(store: Store, key: bytes | None = None) -> tuple[int, Broken | None]:
    """Check the whole chain; returns (entries checked, the first break or None).

    The key is the audit key (from the store's keyring when not given; needs the master key).
    """
    return await _check_chain(store, key if key is not None else await audit_key(store))


async def _check_chain(store: Store, key: bytes | None) -> tuple[int, Broken | None]:
    expected_seq, prev, checked = 1, GENESIS, 0
    async for entry in store.audit.find({}).sort("_id", 1):
        seq = entry.get("_id")
        if seq != expected_seq:
            return checked, Broken(expected_seq, f"entry {expected_seq} is missing (next found is {seq})")
        if entry.get("prev") != prev:
            return checked, Broken(seq, f"entry {seq} does not follow entry {seq - 1} (removed or reordered)")
        try:
            computed = entry_hash(entry, key)
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


def anchor_path(settings: Settings) -> Path:
    """The configured anchor file; by default beside the data folder, never inside it."""
    if settings.audit_anchor_file:
        return Path(settings.audit_anchor_file)
    data = Path(settings.data_dir).absolute()
    return data.parent / f"{data.name}-audit" / "anchors"


def read_anchors(path: Path) -> list[tuple[int, str]]:
    """The (number, hash) of each line of an anchor file; [] if there is none yet."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return []
    anchors = []
    for line in lines:
        seq, _, rest = line.partition(" ")
        if seq.isdigit() and rest:
            anchors.append((int(seq), rest.split(" ")[0]))
    return anchors


async def check_anchors(store: Store, anchors: list[tuple[int, str]]) -> Broken | None:
    """The first anchor the trail no longer matches (an entry cut off or changed), or None."""
    for seq, expected in sorted(anchors):
        broken = await check_anchor(store, seq, expected)
        if broken is not None:
            return broken
    return None


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(line)


class Anchors:
    """Appends the trail's head to an append-only file outside the data folder: every ``interval``
    seconds while the server runs (when the trail has grown) and at shutdown. In production the file
    belongs on write-once storage (docs/operations.md)."""

    def __init__(self, store: Store, clock: Clock, path: Path, interval: float) -> None:
        self.store, self.clock, self.path, self.interval = store, clock, path, interval
        self._written: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None

    async def write(self) -> tuple[int, str] | None:
        """Append the head now, unless it is empty or already the last one written here."""
        seq, digest = await head(self.store)
        if seq == 0 or (seq, digest) == self._written:
            return None
        at = self.clock.now().astimezone(timezone.utc).isoformat(timespec="seconds")
        await asyncio.to_thread(_append_line, self.path, f"{seq} {digest} {at}\n")
        self._written = (seq, digest)
        return seq, digest

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.write()
            except Exception as exc:
                log.warning("could not write the audit anchor: %s", type(exc).__name__)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        await cancelled(self._task)
        self._task = None
        await self.write()


async def key_chain_once(store: Store) -> int | None:
    """Re-chain, once, a trail an older version hashed without a key (if it is intact); the number of
    entries re-chained, or None when done before."""
    if await store.migrations.find_one({"_id": MIGRATION}, {"_id": 1}):
        return None
    count = 0
    first = await store.audit.find_one({}, sort=[("_id", 1)])
    if first is not None and first.get("hash") == entry_hash(first):  # hashed without a key
        _, unkeyed_broken = await _check_chain(store, None)
        if unkeyed_broken is None:
            key, prev = await audit_key(store), GENESIS
            async for entry in store.audit.find({}).sort("_id", 1):
                entry["prev"] = prev
                entry["hash"] = entry_hash(entry, key)
                await store.audit.update_one({"_id": entry["_id"]}, {"$set": {"prev": prev, "hash": entry["hash"]}})
                prev, count = entry["hash"], count + 1
        else:
            log.error("the audit trail an older version wrote is broken at entry %s: left as it is, not re-chained",
                      unkeyed_broken.seq)
    await store.migrations.update_one({"_id": MIGRATION}, {"$set": {"entries": count}}, upsert=True)
    return count
