"""Erasing a child's data, and the daily retention job that does it when the time has come.

Erasure destroys the child's data key first (crypto-shredding: anything sealed
under it, in this database or any backup of it, can no longer be read), then
deletes their records. What is left is a tombstone with the child's id, so the
audit trail's identifiers still point somewhere. What was erased is recorded
as counts, never content.
"""

from __future__ import annotations

import logging
from collections import Counter

from advocacy import audit
from advocacy.clock import Clock
from advocacy.crypto import keyring_of
from advocacy.leases import LeasedJob
from advocacy.people import DETAIL_FIELDS, child_details
from advocacy.privacy.retention import Retention
from advocacy.store import INDEXES, Store

log = logging.getLogger(__name__)

# Where a child's records are, by collection and the field naming the child. A
# collection added later (concerns, oversight ...) is covered by adding it here;
# ones not (yet) in the store are skipped.
CHILD_RECORDS: dict[str, str] = {
    "pairings": "child",
    "notifications": "child",
    "sessions": "user",
    "concerns": "child",
    "oversight": "child",
    "disclosures": "child",
    "flags": "child",
    "pseudonyms": "_id",
    "interpreting": "child",
}
JOB_NAME = "daily retention"
DAY_SECONDS = 24 * 3600


async def erase_child(store: Store, clock: Clock, child_id: str) -> Counter[str]:
    """Erase everything held about a child; returns how many records of each kind went."""
    counts: Counter[str] = Counter()
    if await keyring_of(store).shred(child_id):
        counts["data_keys"] += 1
    conversations = [c["_id"] async for c in store.conversations.find({"child": child_id}, {"_id": 1})]
    if conversations:
        counts["messages"] += (await store.messages.delete_many({"conversation": {"$in": conversations}})).deleted_count
        counts["conversations"] += (await store.conversations.delete_many(
            {"_id": {"$in": conversations}})).deleted_count
    for collection, field in CHILD_RECORDS.items():
        if collection in INDEXES:
            counts[collection] += (await getattr(store, collection).delete_many({field: child_id})).deleted_count
    replaced = await store.children.replace_one({"_id": child_id}, {"_id": child_id, "erased_at": clock.now()})
    counts["children"] += replaced.modified_count
    return +counts


class RetentionJob:
    """Once a day, in whichever server holds the lease: erase what is past the retention policy."""

    def __init__(self, store: Store, clock: Clock, retention: Retention) -> None:
        self.store = store
        self.clock = clock
        self.retention = retention
        self.leased = LeasedJob(store, clock, JOB_NAME, DAY_SECONDS, self.run)

    async def run(self) -> Counter[str]:
        """Erase what is due now; returns the counts (also written to the audit trail if not zero)."""
        store, now = self.store, self.clock.now()
        cut = self.retention.cutoffs(now)
        counts: Counter[str] = Counter()
        boundary_year = int(cut.born_before[:4])
        due = store.children.find({"erased_at": None, "$or": [
            {"left_care_at": {"$lte": cut.left_care_before}},
            # nothing says when they left care: from their date of birth, if nobody works with them now
            # (the year is readable; the sealed date is read only for those born in the boundary year)
            {"left_care_at": None, "advocate": None, "birth_year": {"$lte": boundary_year}},
            {"left_care_at": None, "advocate": None, "birth_date": {"$lte": cut.born_before}},  # not yet sealed
        ]}, {"_id": 1, "left_care_at": 1, "birth_year": 1, **DETAIL_FIELDS})
        erased_children = 0
        async for child in due:
            if child.get("left_care_at") is None and child.get("birth_year") == boundary_year:
                born = (await child_details(store, [child]))[child["_id"]]["birth_date"]
                if born is None or born > cut.born_before:
                    continue
            counts.update(await erase_child(store, self.clock, child["_id"]))
            erased_children += 1
        counts["sessions"] += (await store.sessions.delete_many({"$or": [
            {"expires_at": {"$lt": cut.session_ended_before}},
            {"revoked_at": {"$lt": cut.session_ended_before}},
        ]})).deleted_count
        counts["sign_in_attempts"] += (
            await store.sign_in_attempts.delete_many({"last_attempt_at": {"$lt": cut.last_try_before}})
        ).deleted_count
        counts["notifications"] += (
            await store.notifications.delete_many({"seen_at": {"$lt": cut.seen_before}})
        ).deleted_count
        counts = +counts
        if counts:
            await audit.record(store, self.clock, actor="service", role="service", action="retention.erase",
                               children_erased=erased_children, **dict(sorted(counts.items())))
            log.info("retention: erased %s", dict(counts))
        return counts
