"""Concerns: what a child is worried about, its status, and its escalation clocks.

The pure rules live here (``states``, ``sla``, ``categories``); the I/O lives
in the service that applies them.
"""

from advocacy.concerns.categories import CategoriesError, Category, load_categories
from advocacy.concerns.sla import (
    Deadlines,
    LadderState,
    Policy,
    PolicyError,
    Severity,
    Step,
    deadlines,
    describe_due,
    due_steps,
    load_policy,
    next_due,
    next_step,
)
from advocacy.concerns.states import (
    CONCERN,
    OVERSIGHT,
    ConcernStatus,
    OversightDecision,
    OversightStatus,
    TransitionRefused,
    transition,
)

__all__ = [
    "CONCERN",
    "OVERSIGHT",
    "CategoriesError",
    "Category",
    "ConcernStatus",
    "Deadlines",
    "LadderState",
    "OversightDecision",
    "OversightStatus",
    "Policy",
    "PolicyError",
    "Severity",
    "Step",
    "TransitionRefused",
    "deadlines",
    "describe_due",
    "due_steps",
    "load_categories",
    "load_policy",
    "next_due",
    "next_step",
    "transition",
]
