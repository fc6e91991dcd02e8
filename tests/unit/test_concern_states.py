"""Every move of both state machines, allowed and refused.

The allowed moves are written out again here, by hand, rather than read from
the module, so a change to the module's table fails a test until someone
agrees with it here too.
"""

from __future__ import annotations

import itertools

import pytest

from advocacy.concerns.states import (
    CONCERN,
    FINAL,
    OVERSIGHT,
    UNRESOLVED,
    ConcernStatus,
    OversightDecision,
    OversightStatus,
    TransitionRefused,
    transition,
)

CONCERN_ALLOWED = {
    ("draft", "open"),  # a person confirms what triage flagged
    ("draft", "dismissed"),  # ... or dismisses it, with a reason
    ("open", "raised"),
    ("open", "resolved"),  # sorted without raising it with anyone
    ("raised", "resolved"),
    ("awaiting_response", "raised"),  # the answer did not settle it: raised again (a complaint, say)
    ("open", "escalated"),
    ("raised", "awaiting_response"),
    ("raised", "escalated"),
    ("awaiting_response", "resolved"),
    ("awaiting_response", "escalated"),
    ("escalated", "raised"),
    ("escalated", "awaiting_response"),
    ("escalated", "resolved"),
    ("resolved", "closed"),
    ("resolved", "open"),  # reopened: the child is not happy
}
CONCERN_STATUSES = ["draft", "open", "raised", "awaiting_response", "escalated", "resolved", "closed", "dismissed"]

OVERSIGHT_ALLOWED = {
    ("new", "claimed"),
    ("claimed", "new"),  # released
    ("claimed", "awaiting_update"),
    ("claimed", "closed"),
    ("awaiting_update", "claimed"),
    ("awaiting_update", "new"),  # released
    ("awaiting_update", "closed"),
}
OVERSIGHT_STATUSES = ["new", "claimed", "awaiting_update", "closed"]
DECISIONS = ["resolved_locally", "upheld", "not_upheld", "referred"]


def test_the_statuses_are_the_agreed_ones() -> None:
    assert [s.value for s in ConcernStatus] == CONCERN_STATUSES
    assert [s.value for s in OversightStatus] == OVERSIGHT_STATUSES
    assert [d.value for d in OversightDecision] == DECISIONS


@pytest.mark.parametrize(("current", "target"), sorted(CONCERN_ALLOWED))
def test_allowed_concern_moves(current: str, target: str) -> None:
    result = CONCERN.transition(current, target)
    assert result == target
    assert isinstance(result, ConcernStatus)


@pytest.mark.parametrize(
    ("current", "target"),
    [pair for pair in itertools.product(CONCERN_STATUSES, repeat=2)
     if pair not in CONCERN_ALLOWED and pair[0] != pair[1]],
)
def test_refused_concern_moves(current: str, target: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        CONCERN.transition(current, target)
    words = {"awaiting_response": "awaiting a response"}
    assert caught.value.code == "not_allowed"
    assert caught.value.message.startswith(
        f"A concern that is {words.get(current, current)} can't be moved to {words.get(target, target)}."
    )


@pytest.mark.parametrize("status", CONCERN_STATUSES)
def test_moving_a_concern_to_where_it_already_is_is_refused(status: str) -> None:
    with pytest.raises(TransitionRefused) as caught:
        CONCERN.transition(status, status)
    assert caught.value.code == "no_change"


def test_the_refusal_reads_as_the_brief_asks() -> None:
    with pytest.raises(TransitionRefused) as caught:
        transition(ConcernStatus.CLOSED, ConcernStatus.RAISED)
    assert caught.value.message == "A concern that is closed can't be moved to raised. A closed concern is final."


def test_the_refusal_says_where_it_can_go_instead() -> None:
    with pytest.raises(TransitionRefused) as caught:
        CONCERN.transition("open", "awaiting_response")
    assert caught.value.message.endswith("From open it can move to raised, escalated or resolved.")


@pytest.mark.parametrize(("current", "target"), sorted(OVERSIGHT_ALLOWED))
def test_allowed_oversight_moves(current: str, target: str) -> None:
    decision = "upheld" if target == "closed" else None
    assert OVERSIGHT.transition(current, target, decision=decision) == target


@pytest.mark.parametrize(
    ("current", "target"),
    [pair for pair in itertools.product(OVERSIGHT_STATUSES, repeat=2)
     if pair not in OVERSIGHT_ALLOWED and pair[0] != pair[1]],
)
def test_refused_oversight_moves(current: str, target: str) -> None:
    decision = "upheld" if target == "closed" else None
    with pytest.raises(TransitionRefused) as caught:
        OVERSIGHT.transition(current, target, decision=decision)
    assert caught.value.code == "not_allowed"
    assert caught.value.message.startswith("An oversight item that is ")


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("current", ["claimed", "awaiting_update"])
def test_closing_with_each_decision(current: str, decision: str) -> None:
    assert OVERSIGHT.transition(current, "closed", decision=decision) is OversightStatus.CLOSED


def test_closing_needs_a_decision() -> None:
    with pytest.raises(TransitionRefused) as caught:
        OVERSIGHT.transition("claimed", "closed")
    assert caught.value.code == "decision_required"
    assert "resolved locally, upheld, not upheld or referred" in caught.value.message


def test_closing_with_an_unknown_decision_is_refused() -> None:
    with pytest.raises(TransitionRefused) as caught:
        OVERSIGHT.transition("claimed", "closed", decision="dismissed")
    assert caught.value.code == "unknown_decision"


def test_a_decision_is_only_for_closing() -> None:
    with pytest.raises(TransitionRefused) as caught:
        OVERSIGHT.transition("new", "claimed", decision="upheld")
    assert caught.value.code == "decision_not_expected"
    with pytest.raises(TransitionRefused) as caught:
        CONCERN.transition("open", "raised", decision="upheld")
    assert caught.value.code == "decision_not_expected"


@pytest.mark.parametrize("machine", [CONCERN, OVERSIGHT])
def test_an_unknown_status_is_refused_with_the_list_of_statuses(machine) -> None:
    with pytest.raises(TransitionRefused) as caught:
        machine.transition("pending", "closed")
    assert caught.value.code == "unknown_status"
    assert "'pending'" in caught.value.message


def test_transition_picks_the_machine_from_the_enum() -> None:
    assert transition(ConcernStatus.RESOLVED, ConcernStatus.CLOSED) is ConcernStatus.CLOSED
    assert transition(OversightStatus.CLAIMED, "closed", decision="referred") is OversightStatus.CLOSED
    with pytest.raises(TransitionRefused):
        transition(OversightStatus.NEW, OversightStatus.CLOSED, decision="upheld")


def test_transition_refuses_bare_text_because_closed_belongs_to_both() -> None:
    with pytest.raises(TypeError):
        transition("resolved", "closed")  # type: ignore[arg-type]


def test_allowed_from() -> None:
    assert CONCERN.allowed_from("escalated") == {ConcernStatus.RAISED, ConcernStatus.AWAITING_RESPONSE,
                                                 ConcernStatus.RESOLVED}
    assert OVERSIGHT.allowed_from("closed") == frozenset()


def test_unresolved_statuses_keep_the_clocks_running() -> None:
    assert {s.value for s in UNRESOLVED} == {"open", "raised", "awaiting_response", "escalated"}


def test_closed_and_dismissed_are_final() -> None:
    assert {s.value for s in FINAL} == {"closed", "dismissed"}
    assert all(CONCERN.allowed_from(s) == frozenset() for s in FINAL)
    with pytest.raises(TransitionRefused) as caught:
        CONCERN.transition("dismissed", "open")
    assert caught.value.message.endswith("A dismissed concern is final.")
