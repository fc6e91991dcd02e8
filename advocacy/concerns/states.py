"""Which status a concern, or an oversight item, may move to next.

A concern::

    draft ──confirm──▶ open ──▶ raised ──▶ awaiting_response ──▶ resolved ──▶ closed
      │                 ▲         ▲              │                  │
      ▼                 │         └──raise again─┘                  │
    dismissed           └────────── reopen (the child is not happy) ┘

    open | raised | awaiting_response ──▶ escalated
    escalated ──▶ raised | awaiting_response | resolved
    open | raised | awaiting_response ──▶ resolved (sorted without going further)

A draft is what safeguarding triage opens when a child's message looks risky:
a person confirms it (it becomes an open concern) or dismisses it with a
reason. A dismissed draft is final, like a closed concern.

An oversight item (the Commissioner's queue)::

    new ──claim──▶ claimed ──ask for an update──▶ awaiting_update
                   claimed ◀────update arrived─── awaiting_update
    new ◀─release─ claimed | awaiting_update
    closed ◀─close with a decision─ claimed | awaiting_update

Closing an oversight item needs a decision: resolved_locally, upheld,
not_upheld or referred. A closed concern and a closed oversight item are
final. Moving to the status something is already in is refused too, so a
caller never records a change that did not happen.

``transition(current, target)`` returns ``target`` or raises
``TransitionRefused(code, message)``; the message can be shown to staff as is.
Codes: ``not_allowed``, ``no_change``, ``unknown_status``,
``decision_required``, ``unknown_decision``, ``decision_not_expected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ConcernStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    RAISED = "raised"
    AWAITING_RESPONSE = "awaiting_response"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DISMISSED = "dismissed"


class OversightStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    AWAITING_UPDATE = "awaiting_update"
    CLOSED = "closed"


class OversightDecision(StrEnum):
    RESOLVED_LOCALLY = "resolved_locally"
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"
    REFERRED = "referred"


_C, _O = ConcernStatus, OversightStatus

# The one table of allowed moves.
CONCERN_MOVES: Mapping[ConcernStatus, frozenset[ConcernStatus]] = {
    _C.DRAFT: frozenset({_C.OPEN, _C.DISMISSED}),
    _C.OPEN: frozenset({_C.RAISED, _C.ESCALATED, _C.RESOLVED}),
    _C.RAISED: frozenset({_C.AWAITING_RESPONSE, _C.ESCALATED, _C.RESOLVED}),
    _C.AWAITING_RESPONSE: frozenset({_C.RAISED, _C.RESOLVED, _C.ESCALATED}),
    _C.ESCALATED: frozenset({_C.RAISED, _C.AWAITING_RESPONSE, _C.RESOLVED}),
    _C.RESOLVED: frozenset({_C.CLOSED, _C.OPEN}),
    _C.CLOSED: frozenset(),
    _C.DISMISSED: frozenset(),
}

OVERSIGHT_MOVES: Mapping[OversightStatus, frozenset[OversightStatus]] = {
    _O.NEW: frozenset({_O.CLAIMED}),
    _O.CLAIMED: frozenset({_O.NEW, _O.AWAITING_UPDATE, _O.CLOSED}),
    _O.AWAITING_UPDATE: frozenset({_O.CLAIMED, _O.NEW, _O.CLOSED}),
    _O.CLOSED: frozenset(),
}

# A concern in one of these still needs something to happen; the escalation clocks keep running.
UNRESOLVED: frozenset[ConcernStatus] = frozenset({_C.OPEN, _C.RAISED, _C.AWAITING_RESPONSE, _C.ESCALATED})
# Nothing more happens to a concern in one of these.
FINAL: frozenset[ConcernStatus] = frozenset({_C.CLOSED, _C.DISMISSED})

_WORDS = {
    "awaiting_response": "awaiting a response",
    "awaiting_update": "awaiting an update",
    "resolved_locally": "resolved locally",
    "not_upheld": "not upheld",
}


def _words(value: str) -> str:
    return _WORDS.get(value, value)


def _list(values: list[str]) -> str:
    words = [_words(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class TransitionRefused(Exception):
    """A move the state machine does not allow; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Machine:
    """One state machine: its name in messages, its statuses and its allowed moves."""

    noun: str
    article: str
    status_type: type[StrEnum]
    moves: Mapping[StrEnum, frozenset[StrEnum]]
    needs_decision: frozenset[StrEnum] = frozenset()

    def status(self, value: str) -> StrEnum:
        """``value`` as a status of this machine, or TransitionRefused("unknown_status")."""
        try:
            return self.status_type(value)
        except ValueError:
            expected = _list([s.value for s in self.status_type])
            raise TransitionRefused(
                "unknown_status", f"{value!r} is not a status of {self.article} {self.noun}; expected {expected}."
            ) from None

    def allowed_from(self, current: str) -> frozenset[StrEnum]:
        return self.moves[self.status(current)]

    def transition(self, current: str, target: str, *, decision: str | None = None) -> StrEnum:
        """``target`` as a status if the move is allowed; otherwise raise TransitionRefused."""
        here, there = self.status(current), self.status(target)
        if here == there:
            raise TransitionRefused("no_change", f"This {self.noun} is already {_words(here)}.")
        if there not in self.moves[here]:
            options = sorted(self.moves[here], key=list(self.status_type).index)
            hint = (
                f" From {_words(here)} it can move to {_list([o.value for o in options])}."
                if options
                else f" A {_words(here)} {self.noun} is final."
            )
            raise TransitionRefused(
                "not_allowed",
                f"{self.article.capitalize()} {self.noun} that is {_words(here)} can't be moved to "
                f"{_words(there)}.{hint}",
            )
        if there in self.needs_decision:
            choices = _list([d.value for d in OversightDecision])
            if decision is None:
                raise TransitionRefused(
                    "decision_required", f"Choose a decision to close this {self.noun}: {choices}."
                )
            if decision not in {d.value for d in OversightDecision}:
                raise TransitionRefused(
                    "unknown_decision", f"{decision!r} is not a decision; expected {choices}."
                )
        elif decision is not None:
            raise TransitionRefused(
                "decision_not_expected", f"A decision is only recorded when closing {self.article} {self.noun}."
            )
        return there


CONCERN = Machine("concern", "a", ConcernStatus, CONCERN_MOVES)
OVERSIGHT = Machine(
    "oversight item", "an", OversightStatus, OVERSIGHT_MOVES, needs_decision=frozenset({_O.CLOSED})
)


def transition(current: StrEnum, target: StrEnum | str, *, decision: str | None = None) -> StrEnum:
    """Move a concern or an oversight item, chosen by the type of ``current`` (or ``target``).

    Pass ``ConcernStatus`` or ``OversightStatus`` members; for raw strings from
    storage use ``CONCERN.transition`` or ``OVERSIGHT.transition``, because
    "closed" is a status of both.
    """
    for machine in (CONCERN, OVERSIGHT):
        if isinstance(current, machine.status_type) or isinstance(target, machine.status_type):
            return machine.transition(current, target, decision=decision)
    raise TypeError(
        "transition() needs a ConcernStatus or OversightStatus; use CONCERN.transition or OVERSIGHT.transition for text"
    )
