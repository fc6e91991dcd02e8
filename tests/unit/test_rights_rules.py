"""The pure rules of putting records right and of the child's feedback."""

from datetime import date, datetime, timezone

import pytest

from advocacy.corrections import rules as corrections
from advocacy.feedback import rules as feedback

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("written", "read"), [
    ("21/03/2010", "2010-03-21"), ("21.3.2010", "2010-03-21"), ("1-2-2011", "2011-02-01"),
    (" 2010-03-21 ", "2010-03-21"), ("31/02/2010", None), ("21/13/2010", None), ("2010", None),
    ("21/03/1989", None), ("07/12/2026", None), ("next tuesday", None), ("", None),
])
def test_a_date_of_birth_is_read_day_first_or_iso_and_must_be_a_real_past_day(written, read):
    assert corrections.birth_date(written, TODAY) == read


def test_the_advocates_manager_decides_or_an_admin_when_there_is_none_never_the_advocate():
    assert corrections.decider_for({"manager": "st_mo"}) == corrections.Decider("manager", "st_mo")
    assert corrections.decider_for({}) == corrections.Decider("admin", None)
    assert corrections.decider_for(None) == corrections.Decider("admin", None)
    request = {"decider": {"role": "manager", "id": "st_mo"}, "advocate": "st_ada"}
    assert corrections.may_decide(request, "st_mo", "manager")
    assert not corrections.may_decide(request, "st_ola", "manager")
    assert not corrections.may_decide(request, "st_ada", "advocate")
    assert corrections.may_decide(request, "st_ann", "admin")


def test_the_decision_is_due_at_the_end_of_the_nth_working_day():
    # Thursday 24 December 2026: Christmas, Boxing Day (Monday 28) and New Year's Day are bank holidays.
    asked = datetime(2026, 12, 24, 10, tzinfo=timezone.utc)
    assert corrections.decide_by(asked, 3) == datetime(2026, 12, 31, 17, tzinfo=timezone.utc)


def test_every_kind_says_where_it_is_kept():
    assert set(corrections.RECORDS) == set(corrections.KINDS)
    assert corrections.ABOUT_A_WORRY <= set(corrections.KINDS)
    assert {r.collection for r in corrections.RECORDS.values()} == {"concerns", "children"}


def test_one_ask_per_worry_and_one_for_advocacy_ending_ever():
    assert feedback.ask_id("ch_a", "worry_resolved", "co_1") != feedback.ask_id("ch_a", "worry_resolved", "co_2")
    assert feedback.ask_id("ch_a", "advocacy_ended") == feedback.ask_id("ch_a", "advocacy_ended", "co_1")


def test_answers_are_known_words_each_question_may_be_skipped():
    assert feedback.check_answers({"listened": "yes"}) == {"listened": "yes"}
    assert feedback.check_answers({"listened": None, "changed": "a_bit"}) == {"changed": "a_bit"}
    assert feedback.check_answers({}) == {}
    assert feedback.check_answers({"listened": "maybe"}) is None
    assert feedback.check_answers({"changed": 1}) is None


def test_answers_add_one_to_each_answered_questions_count_and_every_count_has_a_label():
    assert feedback.increments({"listened": "no", "changed": "yes"}) == {"feedback.listened_no": 1,
                                                                           "feedback.changed_yes": 1}
    keys = {key for key, _ in feedback.FIGURE_LABELS}
    assert keys == {f"{q}_{a}" for q in feedback.QUESTIONS for a in feedback.ANSWERS}
