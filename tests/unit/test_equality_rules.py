"""Which equality questions a child is asked: one with a ``min_age`` only of a child known to be that old."""

from __future__ import annotations

from datetime import date

import pytest

from advocacy.equality.rules import age_on, check_answers, load_questions, offered
from advocacy.settings import SettingsError

TODAY = date(2026, 12, 6)


def test_the_sexuality_question_is_for_those_16_and_over_as_in_the_census():
    questions = {q.key: q for q in load_questions()}
    assert questions["sexuality"].min_age == 16
    assert [q.key for q in questions.values() if q.min_age is not None] == ["sexuality"]


@pytest.mark.parametrize(("born", "age"), [
    ("2010-12-06", 16),  # sixteen today
    ("2010-12-07", 15),  # sixteen tomorrow
    ("2008-02-29", 18),
    ("2026-12-07", None),  # not born yet: a mistake, so not known
    ("06/12/2010", None),
    (None, None),
])
def test_age_on_a_day(born, age):
    assert age_on(born, TODAY) == age


@pytest.mark.parametrize(("age", "asked"), [(16, True), (17, True), (15, False), (None, False)])
def test_a_question_with_a_min_age_is_offered_and_answerable_only_from_that_age(age, asked):
    questions = load_questions()
    keys = [q.key for q in offered(questions, age)]
    assert ("sexuality" in keys) is asked
    assert {"ethnicity", "disability", "religion", "nationality"} <= set(keys)  # no min_age: everyone
    answers = {"ethnicity": "white", "sexuality": "not_sure"}
    if asked:
        assert check_answers(questions, answers, age) == answers
    else:
        with pytest.raises(ValueError, match="16 or over"):
            check_answers(questions, answers, age)
        # No answer to it is no answer, so a form that sends every question still works.
        assert check_answers(questions, {"ethnicity": "white", "sexuality": ""}, age) == {"ethnicity": "white"}


@pytest.mark.parametrize("bad", ["16", 0, 16.5, True])
def test_a_min_age_must_be_a_whole_number_of_years(tmp_path, bad):
    path = tmp_path / "equality.toml"
    value = f'"{bad}"' if isinstance(bad, str) else str(bad).lower()
    path.write_text(f'[q]\nchild_label = "Q?"\nstaff_label = "Q"\nmin_age = {value}\n'
                    '[q.answers.prefer_not_to_say]\nchild_label = "No"\n')
    with pytest.raises(SettingsError, match="min_age"):
        load_questions(path)
