"""A stored batch keeps each conversation's ``waiting_since`` as if its messages were applied one by
one (advocacy.chat.service._wait_updates), with at most one update per conversation that writes only on a
change, the ends of waits together in one, and none at all where a read just before found nothing to end."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from advocacy.chat.service import _wait_updates, _waits_ended

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def message(n: int, role: str, conversation: str = "cv_1") -> dict:
    return {"conversation": conversation, "sender": {"id": role, "role": role}, "sent_at": START + timedelta(seconds=n)}


def one_by_one(waiting: datetime | None, docs: list[dict]) -> datetime | None:
    """The rule itself: a child's message starts a wait unless one is open, their advocate's ends it."""
    for doc in docs:
        if doc["sender"]["role"] == "child" and waiting is None:
            waiting = doc["sent_at"]
        elif doc["sender"]["role"] == "advocate":
            waiting = None
    return waiting


def applied(waiting: dict[str, datetime | None], updates: list) -> tuple[dict[str, datetime | None], int]:
    """The updates as the database applies them (the filters these use: _id or _id $in, equal to None,
    $ne None); with how many conversations they wrote."""
    waiting, writes = dict(waiting), 0
    for update in updates:
        wanted = update._filter
        ids = wanted["_id"]["$in"] if isinstance(wanted["_id"], dict) else [wanted["_id"]]
        condition = wanted.get("waiting_since", "any")
        for conv in ids:
            if condition is None and waiting[conv] is not None:
                continue
            if condition == {"$ne": None} and waiting[conv] is None:
                continue
            waiting[conv], writes = update._doc["$set"]["waiting_since"], writes + 1
    return waiting, writes


def test_each_case_gives_one_update_for_the_conversation():
    earlier = START - timedelta(hours=1)
    cases = [
        (["child", "child"], None, START),  # a wait from the first message
        (["child", "child"], earlier, earlier),  # already waiting: unchanged
        (["child", "advocate"], earlier, None),  # answered
        (["advocate", "child"], earlier, START + timedelta(seconds=1)),  # answered, then a new wait
        (["advocate", "advocate"], None, None),  # nothing was open
        (["bot", "service"], earlier, earlier),  # notices and bots do neither
    ]
    for roles, before, after in cases:
        docs = [message(n, role) for n, role in enumerate(roles)]
        updates = _wait_updates(docs)
        assert len(updates) <= 1, roles
        assert applied({"cv_1": before}, updates)[0]["cv_1"] == after, roles


def test_messages_that_change_nothing_cost_no_write():
    docs = [message(0, "child")]
    assert applied({"cv_1": START - timedelta(hours=1)}, _wait_updates(docs))[1] == 0  # already waiting
    docs = [message(0, "advocate"), message(1, "advocate")]
    assert applied({"cv_1": None}, _wait_updates(docs))[1] == 0  # nothing to end


def test_random_batches_match_the_messages_applied_one_by_one():
    rng = random.Random(16)
    conversations = ["cv_1", "cv_2", "cv_3"]
    for _ in range(2000):
        before = {c: rng.choice([None, START - timedelta(minutes=rng.randint(1, 90))]) for c in conversations}
        docs = [message(n, rng.choice(["child", "advocate", "bot"]), rng.choice(conversations))
                for n in range(rng.randint(1, 8))]
        # Without a read, and with one of some conversations as they were before the batch.
        read = {c: before[c] for c in conversations if rng.random() < 0.5}
        for known in (None, read):
            updates = _wait_updates(docs, known)
            assert len(updates) <= len({d["conversation"] for d in docs if d["sender"]["role"] != "bot"})
            assert sum(1 for u in updates if isinstance(u._filter["_id"], dict)) <= 1  # the ends: one write
            after, _writes = applied(before, updates)
            for conv in conversations:
                assert after[conv] == one_by_one(before[conv], [d for d in docs if d["conversation"] == conv])


def test_an_advocates_messages_are_not_written_where_the_read_found_no_wait_open():
    """The child's message and the answer in one batch, or an advocate's second message: nothing to end."""
    for roles in (["child", "advocate"], ["advocate", "advocate"], ["advocate"]):
        docs = [message(n, role) for n, role in enumerate(roles)]
        assert _wait_updates(docs, {"cv_1": None}) == [], roles
        assert len(_wait_updates(docs)) == 1, roles  # unread: written, with a filter that finds nothing to end
    docs = [message(0, "advocate")]
    assert applied({"cv_1": START}, _wait_updates(docs, {"cv_1": START}))[0]["cv_1"] is None  # read open: ended


def test_a_wait_a_childs_message_opens_is_written_even_where_one_was_read_open():
    """Another process may end the open wait meanwhile; the child's message must not then look answered."""
    docs = [message(0, "child")]
    updates = _wait_updates(docs, {"cv_1": START - timedelta(hours=1)})
    assert len(updates) == 1
    assert applied({"cv_1": None}, updates)[0]["cv_1"] == START  # ended elsewhere meanwhile: a wait from now


def test_the_waits_a_batch_ends_are_ended_in_one_write():
    docs = [message(n, "advocate", f"cv_{n}") for n in range(5)]
    updates = _wait_updates(docs)
    assert len(updates) == 1 and updates[0]._filter["_id"] == {"$in": [f"cv_{n}" for n in range(5)]}
    after, writes = applied({f"cv_{n}": START if n % 2 else None for n in range(5)}, updates)
    assert writes == 2 and set(after.values()) == {None}


def test_the_waits_a_batch_ends_are_those_its_advocates_answer_in_order():
    """What the figures count as replies (``_waits_ended``), against the rule walked by hand."""
    rng = random.Random(21)
    for _ in range(1000):
        conversations = ["cv_1", "cv_2"]
        before = {c: (f"ch_{c}", rng.choice([None, START - timedelta(minutes=rng.randint(1, 90))]))
                  for c in conversations}
        docs = [message(n, rng.choice(["child", "advocate", "service"]), rng.choice(conversations))
                for n in range(rng.randint(1, 8))]
        wanted = []
        for conv in conversations:
            child, since = before[conv]
            for doc in (d for d in docs if d["conversation"] == conv):
                role = doc["sender"]["role"]
                if role == "child" and since is None:
                    since = doc["sent_at"]
                elif role == "advocate" and since is not None:
                    wanted.append((child, since, doc["sent_at"]))
                    since = None
        assert sorted(_waits_ended(before, docs)) == sorted(wanted)
