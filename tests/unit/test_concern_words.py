"""What a child reads about their worries, and what reviewers see instead of a child's name (pure rules)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from advocacy.concerns.categories import load_categories
from advocacy.concerns.sla import RANK, deadlines, higher_level, load_policy
from advocacy.concerns.words import (
    SAFEGUARDING_HELP,
    by_words,
    child_view,
    day_words,
    escalation_notice,
    history_words,
    next_words,
)
from advocacy.oversight.queue import age_band, new_ref
from advocacy.workdays import LONDON

UTC = timezone.utc
POLICY = load_policy()
JARGON = re.compile(r"\b(LAC|IRO|s26A|SLA|escalat\w*|oversight|triage|safeguarding|concern)\b", re.IGNORECASE)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def concern(raised: datetime, severity: str = "standard", **extra) -> dict:
    due = deadlines(raised, severity, POLICY)
    return {
        "_id": "co_1", "status": "open", "source": "child", "raised_at": raised, "responded_at": None,
        "deadlines": {"respond_by": due.respond_by, "manager_by": due.manager_by, "oversight_by": due.oversight_by},
        "ladder": {}, "timeline": [], **extra,
    }


@pytest.mark.parametrize(
    ("instant", "now", "words"),
    [
        (london(2026, 3, 3, 17), london(2026, 3, 2, 10), "Tuesday 3 March"),
        (london(2027, 1, 5, 17), london(2026, 12, 24, 10), "Tuesday 5 January 2027"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), london(2026, 6, 29, 10), "Wednesday 1 July"),  # London date
    ],
)
def test_day_words(instant: datetime, now: datetime, words: str) -> None:
    assert str(day_words(instant, now)) == words


@pytest.mark.parametrize(
    ("deadline", "now", "words"),
    [
        (london(2026, 3, 3, 17), london(2026, 3, 2, 10), "by Tuesday 3 March"),
        (london(2026, 3, 2, 17), london(2026, 3, 2, 10), "by the end of today"),
        (london(2026, 3, 2, 10, 45), london(2026, 3, 2, 10), "by 10:45am today"),
        (london(2026, 3, 3, 9, 0), london(2026, 3, 2, 22), "by 9am tomorrow"),
        (london(2026, 3, 5, 13, 30), london(2026, 3, 2, 22), "by 1:30pm on Thursday 5 March"),
    ],
)
def test_by_words(deadline: datetime, now: datetime, words: str) -> None:
    assert str(by_words(deadline, now)) == words


RAISED = london(2026, 2, 27, 11)  # Friday 27 February 2026


def test_a_new_worry_says_when_the_advocate_will_answer() -> None:
    words = str(next_words(concern(RAISED), RAISED + timedelta(minutes=5)))
    assert words == ("Your advocate has your worry. They will get back to you by Monday 2 March. "
                     "If it isn't sorted by Friday 20 March, your advocate's manager will help too.")


def test_the_brief_example_sentence() -> None:
    raised_with = {"kind": "raised_with", "with": "social_worker", "at": RAISED + timedelta(days=1),
                   "answer_by": london(2026, 3, 3, 17)}
    words = str(next_words(concern(RAISED, timeline=[raised_with], responded_at=RAISED), london(2026, 3, 2, 9)))
    assert words.startswith("Your advocate asked your social worker about this. They should answer by Tuesday 3 March.")


def test_an_answer_expected_at_the_next_rung_is_said_once() -> None:
    c = concern(RAISED, responded_at=RAISED)
    c["timeline"] = [{"kind": "raised_with", "with": "reviewing_officer", "at": RAISED,
                      "answer_by": c["deadlines"]["manager_by"]}]
    assert str(next_words(c, RAISED)) == (
        "Your advocate asked the person who runs your review meetings about this. "
        "They should answer by Friday 20 March. "
        "If it isn't sorted by then, your advocate's manager will help too.")


def test_an_answer_received_then_the_manager_then_the_commissioner() -> None:
    c = concern(RAISED, responded_at=RAISED, status="escalated")
    c["timeline"] = [{"kind": "raised_with", "with": "placement", "at": RAISED},
                     {"kind": "response", "with": "placement", "at": RAISED}]
    c["ladder"] = {"manager": {"at": RAISED}}
    words = str(next_words(c, london(2026, 3, 23, 9)))
    assert words == ("The people who look after you where you live have answered. Your advocate will talk to you about "
                     "what happens next. It hasn't been sorted yet, so your advocate's manager is helping too. "
                     "If it still isn't sorted by Friday 27 March, it will go to the Children's Commissioner's team.")
    c["ladder"]["oversight"] = {"at": RAISED}
    assert "the Children's Commissioner's team is checking on it" in str(next_words(c, london(2026, 3, 30, 9)))


@pytest.mark.parametrize(("status", "start"), [("resolved", "Your advocate says this has been sorted."),
                                                ("closed", "This worry is finished.")])
def test_sorted_and_finished(status: str, start: str) -> None:
    assert str(next_words(concern(RAISED, status=status), RAISED)).startswith(start)


def test_urgent_deadlines_say_the_time() -> None:
    raised = london(2026, 3, 2, 14, 0)
    assert "They will get back to you by 3pm today." in str(next_words(concern(raised, "urgent"), raised))


def test_history_has_dates_and_no_staff_words() -> None:
    c = concern(RAISED, responded_at=RAISED)
    c["timeline"] = [
        {"kind": "note", "at": RAISED, "note": b"sealed"},
        {"kind": "raised_with", "with": "complaint", "stage": 2, "at": london(2026, 3, 2, 10)},
        {"kind": "escalated", "level": "manager", "at": london(2026, 3, 20, 17), "reason": b"sealed"},
        {"kind": "resolved", "at": london(2026, 3, 24, 12), "note": b"sealed"},
    ]
    assert [{k: str(v) for k, v in line.items()} for line in history_words(c, london(2026, 3, 25, 9))] == [
        {"on": "Friday 27 February", "what": "You told us about this."},
        {"on": "Monday 2 March", "what": "Your advocate made a formal complaint to the council about this."},
        {"on": "Friday 20 March", "what": "Your advocate's manager started helping."},
        {"on": "Tuesday 24 March", "what": "Your advocate said it was sorted."},
    ]


def test_the_child_view_carries_their_words_and_nothing_of_staff() -> None:
    category = load_categories()["placement"]
    c = concern(RAISED, timeline=[{"kind": "note", "at": RAISED, "note": "secret"}])
    view = child_view(c, category, "I want to stay", "Stay put", RAISED)
    assert set(view) == {"id", "topic", "your_words", "you_want", "status", "status_words", "raised_on", "next",
                         "history"}
    assert str(view["topic"]) == "Where I live" and "secret" not in str(view)


def test_everything_a_child_reads_is_free_of_jargon() -> None:
    texts = [SAFEGUARDING_HELP]
    for level in ("manager", "oversight"):
        for by_hand in (True, False):
            texts.append(escalation_notice(level, "Where I live", by_hand))
    texts.append(escalation_notice("manager", "Where I live", False, at_once=True))
    c = concern(RAISED, responded_at=RAISED, ladder={"manager": {}, "oversight": {}})
    texts.append(next_words(c, RAISED))
    for text in map(str, texts):
        assert not JARGON.search(text), text
        assert max(len(sentence.split()) for sentence in re.split(r"[.!?]", text)) <= 25, text


def test_help_says_what_works_now() -> None:
    help_text = str(SAFEGUARDING_HELP)
    assert "999" in help_text and "Childline" in help_text and "0800 1111" in help_text


# ---------------------------------------------------------------- the oversight queue


@pytest.mark.parametrize(
    ("born", "today", "band"),
    [
        ("2017-03-01", date(2026, 3, 1), "under 10"),
        ("2016-03-02", date(2026, 3, 1), "under 10"),  # 9 until tomorrow
        ("2016-03-01", date(2026, 3, 1), "10 to 12"),  # 10 today
        ("2013-06-30", date(2026, 7, 1), "13 to 15"),
        ("2009-12-31", date(2026, 12, 31), "16 to 17"),
        ("2008-02-29", date(2026, 2, 28), "16 to 17"),  # born on 29 February: still 17 on 28 February
        ("2001-01-01", date(2026, 1, 1), "21 and over"),
        (None, date(2026, 1, 1), "not known"),
        ("01/01/2012", date(2026, 1, 1), "not known"),
        ("2030-01-01", date(2026, 1, 1), "not known"),
    ],
)
def test_age_bands(born, today: date, band: str) -> None:
    assert age_band(born, today) == band


def test_references_are_random_and_readable() -> None:
    refs = {new_ref() for _ in range(200)}
    assert len(refs) == 200
    assert all(re.fullmatch(r"R-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", r) for r in refs)


def test_levels_order_the_queue() -> None:
    assert sorted(["standard", "urgent", "high"], key=RANK.__getitem__) == ["urgent", "high", "standard"]
    assert higher_level("standard", "high") == "high" and higher_level("urgent", "high") == "urgent"
