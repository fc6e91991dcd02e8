"""Equality monitoring's rules (pure, no I/O): the questions (config/equality.toml), checking a child's
answers, and the figures by group with small numbers hidden.

Nothing here, and nothing in ``advocacy.equality``, is read by pairing: the
import-linter contract "Pairing never reads equality monitoring" in
pyproject.toml keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from advocacy.figures.rules import FEWER, HIDDEN, Suppression
from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

EQUALITY_PATH = CONFIG_DIR / "equality.toml"
PREFER_NOT_TO_SAY = "prefer_not_to_say"
# What the figures count, per group: the words of each column.
MEASURES = {
    "answered": "Children who answered",
    "paired": "Have an advocate now",
    "opted_out": "Chose to have no advocate",
    "happy": "Happy with how a worry ended",
    "not_happy": "Not happy with how a worry ended",
}


@dataclass(frozen=True)
class Question:
    key: str
    child_label: str
    staff_label: str
    answers: tuple[tuple[str, str], ...]  # (key, child_label), "prefer_not_to_say" last
    min_age: int | None = None  # asked only of a child known to be at least this old

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.answers)

    def offered_at(self, age: int | None) -> bool:
        """Whether a child of ``age`` (None: not known) is asked this question."""
        return self.min_age is None or (age is not None and age >= self.min_age)


def age_on(birth_date: Any, today: date) -> int | None:
    """The age in whole years on ``today`` of a child born on ``birth_date`` ("YYYY-MM-DD"); None if that
    is not a date or is after ``today``."""
    if not isinstance(birth_date, str):
        return None
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        return None
    if born > today:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def offered(questions: Iterable[Question], age: int | None) -> tuple[Question, ...]:
    """The questions a child of ``age`` (None: not known) is asked, in order."""
    return tuple(q for q in questions if q.offered_at(age))


def load_questions(path: Path = EQUALITY_PATH) -> tuple[Question, ...]:
    """The questions, in the file's order; SettingsError names the file and what is wrong."""
    raw = read_toml(path, "the equality monitoring questions")
    questions = []
    for key, table in raw.items():
        where = f"{path}: [{key}]"
        if not isinstance(table, dict) or set(table) - {"child_label", "staff_label", "answers", "min_age"}:
            raise SettingsError(f"{where} may hold child_label, staff_label, answers and min_age only")
        min_age = table.get("min_age")
        if min_age is not None and (type(min_age) is not int or not 0 < min_age < 26):
            raise SettingsError(f"{where} min_age must be a whole number of years (1 to 25)")
        labels = [table.get("child_label"), table.get("staff_label")]
        if not all(isinstance(label, str) and label.strip() for label in labels):
            raise SettingsError(f"{where} needs a child_label and a staff_label")
        answers = table.get("answers")
        if not isinstance(answers, dict) or not answers:
            raise SettingsError(f"{where} needs answers: [{key}.answers.KEY] tables with a child_label")
        listed = []
        for answer, inner in answers.items():
            if not isinstance(inner, dict) or set(inner) != {"child_label"} or not isinstance(
                    inner["child_label"], str) or not inner["child_label"].strip():
                raise SettingsError(f"{where} answer {answer!r} needs a child_label (and nothing else)")
            listed.append((answer, inner["child_label"]))
        if PREFER_NOT_TO_SAY not in answers:
            raise SettingsError(f'{where} must offer "{PREFER_NOT_TO_SAY}"')
        listed.sort(key=lambda pair: pair[0] == PREFER_NOT_TO_SAY)
        questions.append(Question(key, labels[0], labels[1], tuple(listed), min_age))
    if not questions:
        raise SettingsError(f"{path}: no questions")
    return tuple(questions)


def check_answers(questions: Iterable[Question], data: Any, age: int | None = None) -> dict[str, str]:
    """The answers to keep, from ``{question: answer}`` by a child of ``age`` (None: not known); an empty
    or missing answer is no answer. ValueError (saying what is wrong, in a child's words) for anything
    else, including an answer to a question that child is not asked (``Question.min_age``)."""
    by_key = {q.key: q for q in questions}
    if not isinstance(data, Mapping):
        raise ValueError("Send your answers as a list of questions and answers.")
    unknown = sorted(set(data) - set(by_key))
    if unknown:
        raise ValueError(f"There is no question {unknown[0]!r}.")
    kept = {}
    for key, value in data.items():
        if value in (None, ""):
            continue
        question = by_key[key]
        if not question.offered_at(age):
            raise ValueError(f"The question {key!r} is only for young people aged {question.min_age} or over"
                             " whose date of birth we know.")
        if not isinstance(value, str) or value not in question.keys:
            raise ValueError(f"That is not one of the answers to {key!r}.")
        kept[key] = value
    return kept


@dataclass(frozen=True)
class Person:
    """What the figures need of one child who answered: their answers and how the service went for them."""

    answers: Mapping[str, str]
    paired: bool
    opted_out: bool
    happy: int  # worries resolved that they were happy with
    not_happy: int


def figures(questions: Iterable[Question], people: Iterable[Person], small: int) -> list[dict[str, Any]]:
    """Per question, per answer: how many children answered, have an advocate, opted out, and how many
    worries ended with them happy or not, each count under ``small`` shown as "fewer than N" and others
    hidden where subtraction from the question's total would give one away (``Suppression``)."""
    questions = list(questions)
    people = list(people)
    suppression = Suppression(small)
    cells: dict[tuple[str, str, str], int] = {}
    for question in questions:
        for measure in MEASURES:
            for answer in (*question.keys, "all"):
                chosen = [p for p in people if question.key in p.answers
                          and (answer == "all" or p.answers[question.key] == answer)]
                value = _measure(measure, chosen)
                cells[(question.key, measure, answer)] = value
                suppression.count((question.key, measure, answer), value, level=1 if answer == "all" else 0)
            suppression.relate((question.key, measure, "all"), [(question.key, measure, a) for a in question.keys])
    suppression.solve()
    out = []
    for question in questions:
        rows = []
        for answer, label in (*question.answers, ("all", "Everyone who answered")):
            row = {"answer": answer, "label": label}
            for measure in MEASURES:
                key = (question.key, measure, answer)
                state = suppression.state[key]
                row[measure] = (cells[key] if state not in (FEWER, HIDDEN)
                                else f"fewer than {small}" if state == FEWER else "hidden")
            rows.append(row)
        out.append({"question": question.key, "label": question.staff_label, "rows": rows})
    return out


def _measure(measure: str, people: list[Person]) -> int:
    if measure == "answered":
        return len(people)
    if measure in ("paired", "opted_out"):
        return sum(1 for p in people if getattr(p, measure))
    return sum(getattr(p, measure) for p in people)
