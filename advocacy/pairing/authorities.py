"""England's local authorities with children's services: the shipped list and changes to it.

The list is ``config/local_authorities.toml`` (GSS code: name and region). `advocacy serve` adds at
start-up any authority it does not hold yet and changes nothing else, so an authority an operator
renamed, added or retired with `advocacy las ...` stays as they left it. A retired authority keeps
its children and its place in the figures; no new child can be placed in it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from advocacy import audit
from advocacy.clock import Clock
from advocacy.date_words import day_words
from advocacy.settings import CONFIG_DIR, SettingsError, read_toml
from advocacy.store import Store

SHIPPED = CONFIG_DIR / "local_authorities.toml"
REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")
# Counties (E10), unitary authorities (E06), metropolitan districts (E08) and London boroughs (E09).
GSS_CODE = re.compile(r"E(06|08|09|10)\d{6}")
DFE_NUMBER = re.compile(r"\d{3}")


class AuthorityError(SettingsError, ValueError):
    """A local authority, or a file of them, is wrong; the message says which and how."""


def check(code: str, name: Any, region: Any, dfe: Any = None, where: str = "") -> dict[str, Any]:
    """One authority as stored (without its code), or ``AuthorityError`` naming what is wrong."""
    at = f"{where}: " if where else ""
    if not GSS_CODE.fullmatch(code):
        raise AuthorityError(f"{at}{code!r} is not a GSS code of an English county, unitary authority, "
                             "metropolitan district or London borough (E06, E08, E09 or E10 and six digits)")
    if not isinstance(name, str) or not name.strip():
        raise AuthorityError(f"{at}{code} needs a name")
    if region not in REGIONS:
        raise AuthorityError(f"{at}{code}: the region must be one of {', '.join(REGIONS)} (not {region!r})")
    doc: dict[str, Any] = {"name": name.strip(), "region": region}
    if dfe is not None:
        if not isinstance(dfe, str) or not DFE_NUMBER.fullmatch(dfe):
            raise AuthorityError(f"{at}{code}: dfe is the DfE's three-digit number, as text (\"201\")")
        doc["dfe"] = dfe
    return doc


def read_file(path: Path) -> dict[str, dict[str, Any]]:
    """The authorities in a file like config/local_authorities.toml, checked; nothing half-read."""
    table = read_toml(Path(path), "the list of local authorities", AuthorityError)
    entries = table.get("authorities")
    if not isinstance(entries, dict) or not entries:
        raise AuthorityError(f"{path} has no [authorities] table")
    found = {}
    for code, entry in entries.items():
        if not isinstance(entry, dict):
            raise AuthorityError(f"{path}: {code} must be {{ name = ..., region = ... }}")
        unknown = set(entry) - {"name", "region", "dfe"}
        if unknown:
            raise AuthorityError(f"{path}: {code} has unknown keys {sorted(unknown)}")
        found[code] = check(code, entry.get("name"), entry.get("region"), entry.get("dfe"), where=str(path))
    return found


async def install_shipped(store: Store, path: Path = SHIPPED) -> int:
    """Add the shipped authorities the database does not hold yet; returns how many were added."""
    shipped = read_file(path)
    held = {doc["_id"] async for doc in store.local_authorities.find({}, {"_id": 1})}
    missing = [code for code in shipped if code not in held]
    for code in missing:  # an upsert: workers of `serve --workers` may start at once
        await store.local_authorities.update_one({"_id": code}, {"$setOnInsert": shipped[code]}, upsert=True)
    return len(missing)


async def import_file(store: Store, clock: Clock, path: Path, by: str) -> dict[str, int]:
    """Add or update every authority in ``path`` (a retired one stays retired); each change audited."""
    wanted = read_file(path)
    held = {doc["_id"]: doc async for doc in store.local_authorities.find({"_id": {"$in": list(wanted)}})}
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    for code, doc in wanted.items():
        before = held.get(code)
        if before is None:
            await store.local_authorities.insert_one({"_id": code, **doc})
            kind = "added"
        elif any(before.get(k) != v for k, v in doc.items()):
            await store.local_authorities.update_one({"_id": code}, {"$set": doc})
            kind = "changed"
        else:
            counts["unchanged"] += 1
            continue
        counts[kind] += 1
        await audit.record(store, clock, actor=by, role="admin", action=f"la.{kind}", subject=code)
    return counts


async def add(store: Store, clock: Clock, code: str, name: str, region: str, by: str,
              dfe: str | None = None) -> None:
    doc = check(code, name, region, dfe)
    if await store.local_authorities.find_one({"_id": code}, {"_id": 1}):
        raise AuthorityError(f"{code} is already held; change it with `advocacy las import`")
    await store.local_authorities.insert_one({"_id": code, **doc})
    await audit.record(store, clock, actor=by, role="admin", action="la.added", subject=code)


async def retire(store: Store, clock: Clock, code: str, by: str) -> None:
    """No new child is placed in ``code`` from now; its children and their records stay as they are."""
    result = await store.local_authorities.update_one(
        {"_id": code, "retired_at": None}, {"$set": {"retired_at": clock.now()}})
    if result.matched_count != 1:
        held = await store.local_authorities.find_one({"_id": code}, {"retired_at": 1})
        raise AuthorityError(f"there is no local authority {code}" if held is None
                             else f"{code} was already retired on {day_words(held['retired_at'], weekday=False)}")
    await audit.record(store, clock, actor=by, role="admin", action="la.retired", subject=code)


async def open_codes(store: Store) -> set[str]:
    """The authorities a new child can be placed in: every one held that is not retired."""
    return {doc["_id"] async for doc in store.local_authorities.find({"retired_at": None}, {"_id": 1})}
