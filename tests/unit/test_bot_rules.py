"""The bots' pure rules and the group commit batcher: no server, no database."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from advocacy.botapi import hours
from advocacy.group_commit import GroupCommit
from advocacy.settings import SettingsError, load
from bots.away import away_text
from bots.nudge import nudges
from bots.welcome import welcome_text

LONDON = ZoneInfo("Europe/London")


def test_welcome_says_who_what_privacy_and_its_limit_and_how_to_opt_out_in_plain_words():
    first = welcome_text("Sam Hughes", repaired=False)
    assert first.startswith("About Sam Hughes, your advocate:")
    for words in ("on your side", "not part of your council", "stays between you and Sam", "in danger",
                  "talk to you about it first", "You don't have to have an advocate", "someone else",
                  "won't get into trouble"):
        assert words in first, words
    assert welcome_text("Sam Hughes", repaired=True).startswith("About Sam Hughes, your new advocate:")
    for jargon in ("LAC", "IRO", "s26A", "confidential", "safeguarding"):
        assert jargon not in first


def test_away_reply_gives_when_and_help_that_works_now():
    text = away_text("Your advocate isn't working right now. They'll be back tomorrow at 9am.")
    assert "tomorrow at 9am" in text and "999" in text and "Childline" in text and "0800 1111" in text


def waiting(waited: float, day: float = 8.0) -> dict:
    return {"waiting": [{"conversation": "cv_1", "waiting_since": "2026-12-02T09:30:00.000+00:00",
                         "waited_working_hours": waited, "working_day_hours": day}],
            "nudge_after_working_hours": 4}


@pytest.mark.parametrize("waited, told", [
    (3.99, []),
    (4.0, [("advocate", "child.waiting")]),
    (7.9, [("advocate", "child.waiting")]),
    (8.0, [("advocate", "child.waiting"), ("manager", "child.waiting_long")]),
])
def test_nudges_the_advocate_after_the_set_hours_and_the_manager_after_a_working_day(waited, told):
    assert [(to, kind) for _, to, kind, _ in nudges(waiting(waited))] == told


def test_a_nudge_is_keyed_by_the_wait_so_it_is_sent_once_per_wait_and_the_bot_can_override_hours():
    keys = [key for *_, key in nudges(waiting(9))]
    assert keys == ["nudge:cv_1:2026-12-02T09:30:00.000+00:00", "nudge-manager:cv_1:2026-12-02T09:30:00.000+00:00"]
    assert nudges(waiting(2), after_hours=1)[0][2] == "child.waiting"
    assert nudges(waiting(6, day=5.5))[1][2] == "child.waiting_long"  # a shorter working day


def test_an_advocates_own_hours_count_and_bank_holidays_are_not_working_time():
    own = hours.of({"working_hours": {"start": "10:00", "end": "14:00"}}, "09:00", "17:00")
    assert own == ("10:00", "14:00") and hours.of({}, "09:00", "17:00") == ("09:00", "17:00")
    wednesday = datetime(2026, 12, 2, 13, 0, tzinfo=LONDON)
    assert hours.is_working(wednesday, own) and not hours.is_working(wednesday.replace(hour=15), own)
    assert not hours.is_working(datetime(2026, 12, 28, 11, 0, tzinfo=LONDON), own)  # Boxing Day's substitute
    assert hours.day_length(own) == 4.0
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=LONDON)
    assert hours.waited(friday_evening, datetime(2026, 12, 7, 11, 0, tzinfo=LONDON), own) == 1.0
    with pytest.raises(hours.HoursError):
        hours.check("17:00", "09:00")
    with pytest.raises(hours.HoursError):
        hours.check("9am", "17:00")


async def test_group_commit_sends_the_first_alone_and_batches_what_arrives_meanwhile():
    calls: list[list[int]] = []

    async def run(items: list[int]) -> list[int | BaseException]:
        calls.append(items)
        await asyncio.sleep(0.01)
        return [ValueError(i) if i == 3 else i * 10 for i in items]

    batch: GroupCommit[int, int] = GroupCommit(run)
    first = asyncio.ensure_future(batch(0))
    await asyncio.sleep(0.001)  # the first call is under way: the rest wait for it, together
    results = [await first] + await asyncio.gather(*(batch(i) for i in range(1, 6)), return_exceptions=True)
    assert calls == [[0], [1, 2, 3, 4, 5]]
    assert results[:3] == [0, 10, 20] and isinstance(results[3], ValueError) and results[4:] == [40, 50]


async def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_runs():
    attempts = []

    async def run(items):
        attempts.append(items)
        if len(attempts) == 1:
            raise ConnectionError("database down")
        return items

    batch = GroupCommit(run)
    with pytest.raises(ConnectionError):
        await batch("a")
    assert await batch("b") == "b"


def test_redis_url_and_workers_are_checked():
    with pytest.raises(SettingsError, match="ADVOCACY_REDIS_URL"):
        load(environ={"ADVOCACY_REDIS_URL": "localhost:6379"})
    with pytest.raises(SettingsError, match="ADVOCACY_WORKERS"):
        load(environ={"ADVOCACY_WORKERS": "0"})
    assert load(environ={"ADVOCACY_REDIS_URL": "redis://127.0.0.1:6379/0"}).redis_url == "redis://127.0.0.1:6379/0"


def test_a_batched_conversation_is_checked_against_each_requests_own_filter():
    from advocacy.chat.service import matches

    conv = {"_id": "cv_1", "child": "ch_1", "advocate": "st_1", "active": True}
    assert matches(conv, {"child": "ch_1", "active": True})
    assert not matches(conv, {"child": "ch_2", "active": True})
    assert not matches({**conv, "active": False}, {"advocate": "st_1", "active": True})
    covering = {"$or": [{"advocate": "st_2", "active": True}, {"_id": {"$in": ["cv_1"]}}]}
    assert matches(conv, covering) and not matches({**conv, "_id": "cv_9"}, covering)
    with pytest.raises(ValueError):
        matches(conv, {"created_at": {"$gt": 0}})
