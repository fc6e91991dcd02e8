"""The rules of asking a child for feedback (pure: no I/O, no clock).

A child is asked at most once per occasion: once for each worry that is sorted
out (resolved), and once, ever, when advocacy ends (they opt out, or leave
care). ``ask_id`` makes that a fact of the database: an ask's id is the child
and the occasion, so a second ask is the same record. Answering is optional,
each question may be skipped, and "No thanks" ends the ask for good. Nothing
reminds the child (no nudges), and no member of staff reads one child's
answers: they are sealed under the child's key; only the published figures,
with small numbers suppressed, count them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy.words import english

QUESTIONS = {
    "listened": english("Did you feel listened to?"),
    "changed": english("Did things change?"),
}
ANSWERS = {
    "yes": english("Yes"),
    "a_bit": english("A bit"),
    "no": english("No"),
}
OCCASIONS = {
    "worry_resolved": english("One of your worries was sorted out."),
    "advocacy_ended": english("You stopped having an advocate."),
}
# The published figures' columns: (key, label for staff), in order. A key is "question_answer".
FIGURE_LABELS = [(f"{q}_{a}", f"{label} {words}")
                 for q, label in (("listened", "Felt listened to:"), ("changed", "Things changed:"))
                 for a, words in (("yes", "yes"), ("a_bit", "a bit"), ("no", "no"))]


def ask_id(child: str, occasion: str, concern: str | None = None) -> str:
    """The one ask a child can have for an occasion (a worry's resolution is per worry)."""
    return f"fb_{child}_{concern}" if occasion == "worry_resolved" else f"fb_{child}_ended"


def check_answers(data: Mapping[str, Any]) -> dict[str, str] | None:
    """The answers given ({question: answer}, skipped questions left out), or None when something is not an
    answer we know. An empty dict means nothing was chosen."""
    answers: dict[str, str] = {}
    for question in QUESTIONS:
        value = data.get(question)
        if value is None:
            continue
        if not isinstance(value, str) or value not in ANSWERS:
            return None
        answers[question] = value
    return answers


def increments(answers: Mapping[str, str]) -> dict[str, int]:
    """What one child's answers add to the figures' running totals, as ``$inc`` paths."""
    return {f"feedback.{q}_{a}": 1 for q, a in answers.items()}
