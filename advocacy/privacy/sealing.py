"""Seal what an older version of the service stored readable (at start, until it has once finished).

Before encryption at rest, children's names, message text and the names copied
into sessions and message senders were stored as plain text. This moves each
such record to its sealed form, so a database upgraded in place holds nothing
readable either.
"""

from __future__ import annotations

import logging
from typing import Any

from advocacy.chat.service import message_purpose
from advocacy.crypto import Keyring
from advocacy.people import sealed_details, sealed_needs
from advocacy.store import Store

log = logging.getLogger(__name__)
# Noted in `migrations` once done, so later starts skip the scan of every message.
MIGRATION = "seal-readable-records-v1"
DETAILS_MIGRATION = "seal-children-details-v1"


async def seal_legacy_records_once(store: Store, keyring: Keyring) -> dict[str, int] | None:
    """``seal_legacy_records`` and ``seal_children_details``, each unless it has finished before; None when
    both are skipped."""
    counts: dict[str, int] | None = None
    for name, migrate in ((MIGRATION, seal_legacy_records), (DETAILS_MIGRATION, seal_children_details)):
        if await store.migrations.find_one({"_id": name}, {"_id": 1}):
            continue
        done = await migrate(store, keyring)
        await store.migrations.update_one({"_id": name}, {"$set": {"counts": done}}, upsert=True)
        counts = {**(counts or {}), **done}
    return counts


async def seal_children_details(store: Store, keyring: Keyring) -> dict[str, int]:
    """Seal each child's full date of birth, case reference, languages and gender of advocate wanted stored
    readable (keeping the year and a keyed hash of the reference: ``advocacy.people.sealed_details``,
    ``sealed_needs``). Returns how many children changed."""
    changed = 0
    readable = {"$or": [{"birth_date": {"$type": "string"}}, {"ref": {"$type": "string"}},
                        {"languages": {"$exists": True}}, {"prefers.gender": {"$exists": True}}]}
    async for child in store.children.find(readable, {"la": 1, "birth_date": 1, "ref": 1, "languages": 1,
                                                      "prefers": 1, "needs_sealed": 1}):
        born, ref = child.get("birth_date"), child.get("ref")
        fields = await sealed_details(store, child["_id"], child.get("la", ""),
                                      birth_date=born if isinstance(born, str) else None,
                                      ref=ref if isinstance(ref, str) else None)
        prefers = child.get("prefers") if isinstance(child.get("prefers"), dict) else {}
        languages = child.get("languages")
        if child.get("needs_sealed") is None:
            fields.update(await sealed_needs(store, child["_id"], languages if isinstance(languages, list) else [],
                                             prefers))
        else:  # sealed before; only the readable copies go
            fields["prefers"] = {"advocate": prefers.get("advocate")}
        result = await store.children.update_one(
            {"_id": child["_id"], "birth_date": born, "ref": ref, "languages": languages,
             "prefers": child.get("prefers")},
            {"$set": fields, "$unset": {"birth_date": "", "ref": "", "languages": ""}},
        )
        changed += result.modified_count
    if changed:
        log.info("sealed the details of %d children", changed)
    return {"children_details": changed}


async def seal_legacy_records(store: Store, keyring: Keyring) -> dict[str, int]:
    """Seal readable names and message text; drop copied names. Returns how many records changed."""
    counts = {"children": 0, "messages": 0, "sessions": 0}
    async for child in store.children.find({"name": {"$type": "string"}}, {"name": 1}):
        sealed = await keyring.seal(child["_id"], child["name"], "name")
        result = await store.children.update_one(
            {"_id": child["_id"], "name": child["name"]}, {"$set": {"name_sealed": sealed}, "$unset": {"name": ""}}
        )
        counts["children"] += result.modified_count

    children_of: dict[str, str] = {}
    async for message in store.messages.find({"$or": [{"text": {"$type": "string"}},
                                                      {"sender.name": {"$exists": True}}]}):
        update: dict[str, Any] = {"$unset": {"sender.name": ""}}
        if isinstance(message["text"], str):
            conversation = message["conversation"]
            if conversation not in children_of:
                conv = await store.conversations.find_one({"_id": conversation}, {"child": 1})
                children_of[conversation] = conv["child"] if conv else ""
            if not children_of[conversation]:
                continue  # a message of no known conversation: left for retention to remove
            update["$set"] = {"text": await keyring.seal(children_of[conversation], message["text"],
                                                         message_purpose(message["_id"]))}
        result = await store.messages.update_one({"_id": message["_id"]}, update)
        counts["messages"] += result.modified_count

    result = await store.sessions.update_many({"name": {"$exists": True}}, {"$unset": {"name": ""}})
    counts["sessions"] = result.modified_count
    if any(counts.values()):
        log.info("sealed records stored readable by an older version: %s", counts)
    return counts
