"""Move children's sign-in secrets stored by an older version to their keyed form (at start, once).

Older versions stored an unkeyed SHA-256 of each access code (``access_code_hash``) and a bare
argon2 hash of each PIN (``pin_hash``): a copy of the database was enough to find every code and
PIN offline. Here the code's hash becomes a keyed lookup over that same hash (so the code the child
has keeps working) and the PIN's hash is sealed under the server's PIN key. A code whose PIN was
never chosen has no setup word; its child's advocate resets the PIN to give one.
"""

from __future__ import annotations

import logging

from advocacy.auth import codes
from advocacy.crypto import Keyring
from advocacy.store import Store

log = logging.getLogger(__name__)
MIGRATION = "key-sign-in-secrets-v1"


async def key_sign_in_secrets_once(store: Store, keyring: Keyring) -> dict[str, int] | None:
    """``key_sign_in_secrets`` unless it has finished before; None when skipped."""
    if await store.migrations.find_one({"_id": MIGRATION}, {"_id": 1}):
        return None
    counts = await key_sign_in_secrets(store, keyring)
    await store.migrations.update_one({"_id": MIGRATION}, {"$set": {"counts": counts}}, upsert=True)
    return counts


async def key_sign_in_secrets(store: Store, keyring: Keyring) -> dict[str, int]:
    secrets = None
    counts = {"codes": 0, "pins": 0}
    async for child in store.children.find(
        {"$or": [{"access_code_hash": {"$exists": True}}, {"pin_hash": {"$exists": True}}]},
        {"access_code_hash": 1, "pin_hash": 1},
    ):
        secrets = secrets or await keyring.secrets()
        changes: dict[str, dict] = {"$set": {}, "$unset": {"access_code_hash": "", "pin_hash": "",
                                                         "pin_locked_until": ""}}
        if isinstance(child.get("access_code_hash"), str):
            changes["$set"]["access_code_lookup"] = codes.lookup_of_digest(secrets, child["access_code_hash"])
            counts["codes"] += 1
        if "pin_hash" in child:
            pin_hash = child["pin_hash"]
            changes["$set"]["pin_sealed"] = (secrets.seal_verifier(child["_id"], pin_hash)
                                             if isinstance(pin_hash, str) else None)
            counts["pins"] += isinstance(pin_hash, str)
        await store.children.update_one({"_id": child["_id"]}, changes)
    if any(counts.values()):
        log.info("keyed the sign-in secrets an older version stored: %s", counts)
    return counts
