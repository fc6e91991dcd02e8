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
from datetime import date, datetime, time, timezone

from advocacy import audit
from advocacy.clock import Clock
from advocacy.crypto import keyring_of
from advocacy.events import Topic
from advocacy.leases import LeasedJob
from advocacy.people import DETAIL_FIELDS, LEFT_CARE_SOURCES, child_details
from advocacy.privacy.retention import Retention
from advocacy.store import INDEXES, Store

log = logging.getLogger(__name__)

# Where a child's records are, by collection and the field naming the child: deleted. A collection
# added later is covered by adding it here (or to one of the lists below: tests/integration/
# test_export_complete.py fails while a collection holding a child's record is in none of them); ones not
# (yet) in the store are skipped.
CHILD_RECORDS: dict[str, str] = {
    "pairings": "child",
    "notifications": "child",
    "sessions": "user",
    "concerns": "child",
    "oversight": "child",
    "disclosures": "child",
    "flags": "child",
    "pseudonyms": "_id",
    "covers": "child",
    "corrections": "child",
    "feedback": "child",
    "push_subscriptions": "child",
    "equality": "_id",
    "advocacy_decisions": "child",
    "visits": "child",
    "moments": "child",
    "interpreting": "child",
    # Complaints about the service, with their words and answer. Their running totals in figures_months
    # stay; a rebuild of them (advocacy.figures.tally.rebuild) counts only complaints still held.
    "complaints": "child",
    "placement_moves": "child",
    "earlier_chat": "child",
}
# Rows the figures are counted from (advocacy.figures.tally.rebuild recounts them): kept so published and
# rebuilt figures do not change, but with what ties them to the child removed (the child, their deleted
# concern, an opt-out reason sealed under the shredded key). What is left is an area, a month and a kind.
UNLINKED: dict[str, tuple[str, ...]] = {
    "concern_events": ("child", "concern"),
    "opt_events": ("child", "reason"),
}
# Suggested re-pairings of the whole roster: the child's own change (and why) is taken out of each plan;
# the rest of the plan is about other children.
PLAN_CHANGES = "pairing_plans"
# Kept by design, and why. Conversations and their messages are deleted above by conversation.
KEPT: dict[str, str] = {
    "children": "a tombstone with only the id and when, so the audit trail's identifiers still point somewhere",
    "audit": "the hash-chained trail of who did what: ids and counts, never content; deleting would break the chain",
    "leaves": "an advocate's own leave; the child's cover during it (covers) is erased",
}
JOB_NAME = "daily retention"
FROM_BIRTH_DATE = LEFT_CARE_SOURCES[-1]
BATCH = 500
DAY_SECONDS = 24 * 3600


async def erase_child(store: Store, clock: Clock, child_id: str) -> Counter[str]:
    """Erase everything held about a child; returns how many records of each kind went. Their advocate,
    if they had one, has their place back."""
    counts: Counter[str] = Counter()
    child = await store.children.find_one({"_id": child_id}, {"advocate": 1})
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
    for collection, fields in UNLINKED.items():
        unlinked = await getattr(store, collection).update_many(
            {"child": child_id}, {"$unset": dict.fromkeys(fields, "")})
        counts[collection + "_unlinked"] += unlinked.modified_count
    counts[PLAN_CHANGES] += (await store.pairing_plans.update_many(
        {"changes.child": child_id}, {"$pull": {"changes": {"child": child_id}}})).modified_count
    replaced = await store.children.replace_one({"_id": child_id}, {"_id": child_id, "erased_at": clock.now()})
    counts["children"] += replaced.modified_count
    if child and child.get("advocate") and replaced.modified_count:
        await store.staff.update_one({"_id": child["advocate"], "load": {"$gt": 0}}, {"$inc": {"load": -1}})
    return +counts


class RetentionJob:
    """Once a day, in whichever server holds the lease: take the leaving-care date from the date of birth
    where nothing else gives one, then erase what is past the retention policy.

    A child's leaving-care date (``left_care_at``) comes from, in ``left_care_source``: ``la_import`` (the
    local authority's list), ``staff`` (the console), ``command`` (``advocacy left-care``) or, where none
    of those has said, ``birth_date``: the day they turned ``leaving_care_age``. A date taken from the
    birth date never erases a child somebody still works with (a care leaver with an advocate).
    ``places_freed`` tells how many advocates' places erasure gave back (the waiting list moves);
    ``erased`` names the children erased and their advocates, whose conversations are gone (every
    process forgets what it held of them, so nothing more is taken into an erased child's chat).
    """

    def __init__(self, store: Store, clock: Clock, retention: Retention, batch: int = BATCH) -> None:
        self.store = store
        self.clock = clock
        self.retention = retention
        self.batch = batch
        self.leased = LeasedJob(store, clock, JOB_NAME, DAY_SECONDS, self.run)
        self.places_freed: Topic[int] = Topic("retention.places_freed")
        self.erased: Topic[list[str | None]] = Topic("retention.erased")

    async def left_care_from_birth_dates(self) -> int:
        """Give every child with no leaving-care date who has turned ``leaving_care_age`` the day they did,
        read ``batch`` children at a time (their sealed birth dates opened together). Returns how many."""
        store, now = self.store, self.clock.now()
        oldest_year = now.year - self.retention.leaving_care_age
        given, after = 0, ""
        while True:
            batch = await store.children.find(
                {"_id": {"$gt": after}, "left_care_at": None, "erased_at": None, "birth_year": {"$lte": oldest_year}},
                {"_id": 1, **DETAIL_FIELDS}).sort("_id", 1).limit(self.batch).to_list(None)
            if not batch:
                return given
            after = batch[-1]["_id"]
            details = await child_details(store, batch)
            for child in batch:
                born = details[child["_id"]]["birth_date"]
                if not born:
                    continue
                turned = datetime.combine(self.retention.left_care_by_age(date.fromisoformat(born)), time(0),
                                          tzinfo=timezone.utc)
                if turned > now:
                    continue
                done = await store.children.update_one(
                    {"_id": child["_id"], "left_care_at": None, "erased_at": None},
                    {"$set": {"left_care_at": turned, "left_care_source": FROM_BIRTH_DATE}})
                given += done.modified_count

    async def run(self) -> Counter[str]:
        """Erase what is due now; returns the counts (also written to the audit trail if not zero)."""
        store, now = self.store, self.clock.now()
        cut = self.retention.cutoffs(now)
        counts: Counter[str] = Counter()
        from_birth = await self.left_care_from_birth_dates()
        due = store.children.find({"erased_at": None, "left_care_at": {"$lte": cut.left_care_before}, "$or": [
            {"left_care_source": {"$ne": FROM_BIRTH_DATE}},
            {"advocate": None},  # a date taken from the birth date: only if nobody works with them now
        ]}, {"_id": 1, "advocate": 1})
        erased_children = freed = 0
        people: list[str | None] = []
        async for child in due:
            counts.update(await erase_child(store, self.clock, child["_id"]))
            erased_children += 1
            freed += bool(child.get("advocate"))
            people += [child["_id"], child.get("advocate")]
        if people:
            await self.erased.publish(people)
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
        if counts or from_birth:
            await audit.record(store, self.clock, actor="service", role="service", action="retention.erase",
                               children_erased=erased_children, left_care_from_birth_date=from_birth,
                               **dict(sorted(counts.items())))
            log.info("retention: erased %s; %d leaving-care dates from birth dates", dict(counts), from_birth)
        if freed:
            await self.places_freed.publish(freed)
        return counts
