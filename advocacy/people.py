"""Reading people's records: children's names (sealed), staff records, leaving care."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from advocacy.crypto import ERASED_TEXT, keyring_of
from advocacy.store import Store


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

