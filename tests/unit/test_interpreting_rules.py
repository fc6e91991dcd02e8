"""The rules of an interpreter's time in a chat (pure): what an advocate may ask, the child's answer, when it lets
the interpreter in, and from which message on they read."""

from datetime import UTC, datetime, timedelta

import pytest

from advocacy.chat import interpreting_rules as rules
from advocacy.errors import ServiceError

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("data", [None, [], {}, {"interpreter": "ina"}, {"interpreter": "", "minutes": 30},
                                  {"interpreter": "ina", "minutes": 4}, {"interpreter": "ina", "minutes": 481},
                                  {"interpreter": "ina", "minutes": True}, {"interpreter": "ina", "minutes": 30.0},
                                  {"interpreter": "x" * 65, "minutes": 30},
                                  {"interpreter": "ina", "minutes": 30, "earlier": True}])
def test_a_bad_invitation_is_refused_saying_nothing_changed(data):
    with pytest.raises(ServiceError) as refused:
        rules.check_invitation(data, 480)
    assert refused.value.code == "bad_request" and "Nothing was changed" in refused.value.message


def test_an_invitation_names_the_interpreter_and_minutes():
    assert rules.check_invitation({"interpreter": " ina ", "minutes": 30}, 480) == rules.Invitation("ina", 30)


@pytest.mark.parametrize(("data", "answer"), [({"agree": True}, (True, False)),
                                              ({"agree": True, "earlier": True}, (True, True)),
                                              ({"agree": False, "earlier": True}, (False, False))])
def test_the_childs_answer(data, answer):
    assert rules.check_answer(data) == answer


@pytest.mark.parametrize("data", [{}, {"agree": "yes"}, {"agree": True, "earlier": "yes"}, None])
def test_a_bad_answer_is_refused(data):
    with pytest.raises(ServiceError):
        rules.check_answer(data)


def test_only_an_agreed_invitation_before_its_end_lets_the_interpreter_in():
    ends = rules.ends_at(NOW, 30)
    assert ends == NOW + timedelta(minutes=30)
    assert rules.is_live({"state": "agreed", "ends_at": ends}, NOW)
    assert not rules.is_live({"state": "agreed", "ends_at": ends}, ends)  # at the end time itself: out
    for state in ("asked", "declined", "ended"):
        assert not rules.is_live({"state": state, "ends_at": ends}, NOW)
    assert rules.is_open({"state": "asked", "ends_at": ends}, NOW)
    assert not rules.is_open({"state": "asked", "ends_at": ends}, ends)


def test_they_read_from_when_they_joined_unless_the_child_agreed_to_more():
    assert rules.visible_from(NOW, earlier=False) == NOW
    assert rules.visible_from(NOW, earlier=True) is None
