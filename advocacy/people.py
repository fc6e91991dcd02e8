"""Staff accounts and children's records."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Iterable

from advocacy.auth import passwords
from advocacy.auth.permissions import STAFF_ROLES, Role
from advocacy.auth.service import issue_access_code, new_id
from advocacy.clock import Clock
from advocacy.crypto import ERASED_TEXT, keyring_of
from advocacy.store import Store

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


class StaffError(ValueError):
    """A staff account could not be created; the message says why."""


async def create_staff(
    store: Store,
    clock: Clock,
    *,
    username: str,
    password: str,
    name: str,
    role: str,
    manager: str | None = None,
    **profile: Any,
) -> dict[str, Any]:
    """Create a staff account (advocate, manager, reviewer or admin)."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise StaffError("a username is 2–40 characters: lower-case letters, digits, '.', '_' or '-'")
    if role not in {r.value for r in STAFF_ROLES}:
        raise StaffError(f"role must be one of {', '.join(sorted(r.value for r in STAFF_ROLES))}")
    if len(password) < 12:
        raise StaffError("a staff password needs at least 12 characters")
    if not name.strip():
        raise StaffError("a name is needed")
    if await store.staff.find_one({"username": username}, {"_id": 1}):
        raise StaffError(f"the username {username!r} is taken")
    doc = {
        "_id": new_id("st"),
        "username": username,
        "name": name.strip(),
        "role": role,
        "manager": manager,
        "password_hash": await passwords.hash_secret(password),
        "active": True,
        "created_at": clock.now(),
        **profile,
    }
    await store.staff.insert_one(doc)
    return doc


async def create_child(
    store: Store,
    clock: Clock,
    *,
    name: str,
    la: str,
    child_id: str | None = None,
    **profile: Any,
) -> tuple[dict[str, Any], str]:
    """Record a child; returns the record and their first access code (shown once).

    The name is sealed under the child's own data key before it is stored.
    """
    child_id = child_id or new_id("ch")
    doc = {
        "_id": child_id,
        "name_sealed": await keyring_of(store).seal(child_id, name.strip(), "name"),
        "la": la,
        "advocate": None,
        "opted_out": False,
        "pin_hash": None,
        "pin_failures": 0,
        "pin_locked_until": None,
        "created_at": clock.now(),
        **profile,
    }
    await store.children.insert_one(doc)
    code = await issue_access_code(store, doc["_id"])
    return doc, code


async def record_left_care(store: Store, child_id: str, at: datetime) -> bool:
    """Note when a child left care: their records are kept for the retention period after it."""
    result = await store.children.update_one({"_id": child_id, "erased_at": None}, {"$set": {"left_care_at": at}})
    return result.matched_count == 1


async def staff_by_ids(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    cursor = store.staff.find({"_id": {"$in": wanted}}, {"password_hash": 0})
    return {doc["_id"]: doc async for doc in cursor}


async def child_names(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Children's names by id: the one place that reads them.

    Names are sealed under each child's data key; an erased child's name reads "(deleted)".
    """
    wanted = list(set(ids))
    if not wanted:
        return {}
    keyring = keyring_of(store)
    docs = await store.children.find({"_id": {"$in": wanted}}, {"name_sealed": 1, "erased_at": 1}).to_list(None)
    await keyring.preload(doc["_id"] for doc in docs if "erased_at" not in doc)
    return {
        doc["_id"]: ERASED_TEXT if "erased_at" in doc
        else await keyring.unseal_or_erased(doc["_id"], doc.get("name_sealed"), "name")
        for doc in docs
    }


def is_child(role: str) -> bool:
    return role == Role.CHILD.value
