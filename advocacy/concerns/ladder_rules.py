"""The escalation ladder's rules (pure): which step of a concern is due now, and when the next one falls due.

The ladder for an unresolved concern is: remind the advocate (before the time
to respond to the child runs out), tell the advocate's manager, send it to the
oversight queue, at the deadlines ``advocacy.concerns.sla`` works out.
``next_step`` names the earliest step that is due and not yet done, so a
sweeper can call it repeatedly, record each step it takes, and never take one
twice; ``next_due`` is the instant the sweeper's index holds. The ladder that
takes the steps is ``advocacy.concerns.ladder``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from advocacy import workdays
from advocacy.concerns.sla import Policy, deadlines
from advocacy.concerns.states import UNRESOLVED, ConcernStatus


class Step(StrEnum):
    """A rung of the escalation ladder, in the order they are climbed."""

    REMINDER = "reminder"
    MANAGER = "manager"
    OVERSIGHT = "oversight"
    NONE = "none"


@dataclass(frozen=True)
class LadderState:
    """What a sweeper knows about one concern.

    ``done`` holds the ladder steps already taken ("reminder", "manager",
    "oversight"); ``responded_at`` is when the advocate first responded to
    the child, if they have.
    """

    raised_at: datetime
    severity: str
    status: str
    done: frozenset[str] = frozenset()
    responded_at: datetime | None = None


def ladder_state(doc: Mapping[str, Any]) -> LadderState:
    """What the ladder needs to know of a stored concern."""
    return LadderState(
        raised_at=doc["raised_at"], severity=doc["severity"], status=doc["status"],
        done=frozenset(doc.get("ladder", {})), responded_at=doc.get("responded_at"),
    )


def due_steps(state: LadderState, now: datetime, policy: Policy) -> tuple[Step, ...]:
    """The ladder steps that are due at ``now`` and not yet done, earliest deadline first."""
    now = workdays.as_utc(now, "now")
    return tuple(step for at, step in _steps_left(state, policy) if at <= now)


def next_due(state: LadderState, policy: Policy) -> datetime | None:
    """When the next ladder step not yet done falls due (perhaps already past); None if none is left.

    A sweeper indexes concerns on this instant, so it only ever reads the concerns that are due.
    """
    left = _steps_left(state, policy)
    return left[0][0] if left else None


def _steps_left(state: LadderState, policy: Policy) -> list[tuple[datetime, Step]]:
    status = ConcernStatus(state.status)
    done = {Step(step) for step in state.done}
    if status not in UNRESOLVED and status is not ConcernStatus.DRAFT:
        return []
    due = deadlines(state.raised_at, state.severity, policy)
    candidates = [(due.manager_by, Step.MANAGER)]
    # A draft is a flag nobody has confirmed yet: the advocate is reminded and the manager
    # told, but it goes to the oversight queue (outside the service) only once a person confirms it.
    if status is not ConcernStatus.DRAFT:
        candidates.append((due.oversight_by, Step.OVERSIGHT))
    if state.responded_at is None:
        candidates.append((due.reminder_at, Step.REMINDER))
    ladder = list(Step)
    candidates.sort(key=lambda pair: (pair[0], ladder.index(pair[1])))
    return [(at, step) for at, step in candidates if step not in done]


def next_step(state: LadderState, now: datetime, policy: Policy) -> Step:
    """The one ladder step to take now (``Step.NONE`` if nothing is due).

    Call again after recording the step as done: if the sweeper was away, the
    steps it missed come back one at a time, in the order they fell due.
    """
    steps = due_steps(state, now, policy)
    return steps[0] if steps else Step.NONE
