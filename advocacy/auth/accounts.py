"""Creating accounts: a staff member's, and a child's record with their first access code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from advocacy.auth import codes, passwords
from advocacy.auth.permissions import STAFF_ROLES
from advocacy.clock import Clock
from advocacy.crypto import keyring_of
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.people import sealed_details, sealed_needs
from advocacy.store import DuplicateKeyError, Store

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


@dataclass(frozen=True)
class AccessCode:
    """What a child is given, once, to sign in: the code, and the setup word their first PIN needs."""

    code: str
    setup_word: str

    def public(self) -> dict[str, str]:
        return {"access_code": self.code, "setup_word": self.setup_word}


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
) -> tuple[dict[str, Any], AccessCode]:
    """Record a child; returns the record and their first access code and setup word (shown once).

    The name, and ``birth_date``, ``ref``, ``languages`` and ``prefers.gender`` if given, are sealed under
    the child's own data key before they are stored (``advocacy.people.sealed_details``, ``sealed_needs``).
    """
    child_id = child_id or new_id("ch")
    details = await sealed_details(store, child_id, la, birth_date=profile.pop("birth_date", None),
                                   ref=profile.pop("ref", None))
    if "languages" in profile or "prefers" in profile:
        details.update(await sealed_needs(store, child_id, profile.pop("languages", None),
                                          profile.pop("prefers", None)))
    now = clock.now()
    doc = {
        "_id": child_id,
        "name_sealed": await keyring_of(store).seal(child_id, name.strip(), "name"),
        "la": la,
        "advocate": None,
        "opted_out": False,
        "pin_sealed": None,
        "pin_failures": 0,
        "created_at": now,
        # On the waiting list until paired (advocacy.pairing.changes.pair_child clears it); never for a
        # child recorded as having opted out.
        **({} if profile.get("opted_out") else {"waiting_since": now}),
        **profile,
        **details,
    }
    await store.children.insert_one(doc)
    code = await issue_access_code(store, doc["_id"])
    return doc, code


async def issue_access_code(store: Store, child_id: str) -> AccessCode:
    """Give a child a new access code and setup word (the old code stops working; they choose a PIN again)."""
    secrets = await keyring_of(store).secrets()
    for _ in range(5):
        issued = AccessCode(codes.new_access_code(), codes.new_setup_word())
        try:
            await store.children.update_one(
                {"_id": child_id},
                {"$set": {"access_code_lookup": codes.access_code_lookup(secrets, issued.code),
                          "setup_check": codes.setup_word_check(secrets, child_id, issued.setup_word),
                          "pin_sealed": None, "pin_failures": 0}},
            )
            return issued
        except DuplicateKeyError:
            continue
    raise ServiceError("internal_error")


async def new_setup_word(store: Store, child_id: str) -> str:
    """Forget the child's PIN: their next sign-in chooses one, with this new setup word."""
    secrets = await keyring_of(store).secrets()
    word = codes.new_setup_word()
    await store.children.update_one(
        {"_id": child_id},
        {"$set": {"setup_check": codes.setup_word_check(secrets, child_id, word), "pin_sealed": None,
                  "pin_failures": 0}},
    )
    return word


async def set_child_pin(store: Store, child_id: str, pin: str) -> None:
    """Choose a child's PIN for them (the demo, test worlds); a child chooses their own at first sign-in."""
    secrets = await keyring_of(store).secrets()
    sealed = secrets.seal_verifier(child_id, await passwords.hash_secret(pin))
    await store.children.update_one({"_id": child_id}, {"$set": {"pin_sealed": sealed, "pin_failures": 0},
                                                        "$unset": {"setup_check": ""}})
