"""The escalation clocks, the ladder a sweeper climbs, and the categories of a concern.

Expected instants are worked out by hand in the comments beside them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from advocacy.concerns.categories import FALLBACK_KEY, CategoriesError, load_categories
from advocacy.concerns.ladder_rules import LadderState, Step, due_steps, next_due, next_step
from advocacy.concerns.sla import (
    DEFAULT_POLICY_PATH,
    Policy,
    PolicyError,
    Severity,
    Window,
    deadline_words,
    deadlines,
    describe_due,
    load_policy,
    next_deadline,
    reminder_words,
)
from advocacy.settings import SettingsError
from advocacy.workdays import LONDON

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


# ---------------------------------------------------------------- the policy file


def test_the_shipped_policy_is_the_agreed_table(policy: Policy) -> None:
    urgent, high, standard = (policy.clock(s) for s in ("urgent", "high", "standard"))
    assert (urgent.respond, urgent.manager, urgent.oversight) == (Window(1, "hours"), Window(0, "hours"),
                                                                  Window(24, "hours"))
    assert (high.respond, high.manager, high.oversight) == (
        Window(1, "working_days"), Window(5, "working_days"), Window(10, "working_days"),
    )
    assert (standard.respond, standard.manager, standard.oversight) == (
        Window(1, "working_days"), Window(15, "working_days"), Window(20, "working_days"),
    )
    assert policy.reminder_percent == 75
    assert policy.deadlines_at == time(17, 0)
    assert policy.working_day_starts == time(9, 0)


def test_windows_read_back_in_words() -> None:
    assert [str(w)
            for w in (Window(0, "hours"), Window(1, "hours"), Window(24, "hours"), Window(5, "working_days"))] == [
        "immediately", "1 hour", "24 hours", "5 working days",
    ]


def policy_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "escalation.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'tell_manager_if_unresolved_after = "5 working days"',
            'tell_manager_if_unresolved_after = "5 days"',
            ["[high] tell_manager_if_unresolved_after", "'5 days'", "working days"],
        ),
        ('respond_to_child_within = "1 hour"', 'respond_to_child_within = "immediately"', ["[urgent]", "can't be"]),
        ("percent_of_respond_window = 75", "percent_of_respond_window = 100", ["percent_of_respond_window", "1 to 99"]),
        ('deadlines_at = "17:00"', 'deadlines_at = "5pm"', ["deadlines_at", "HH:MM"]),
        ('working_day_starts = "09:00"', 'working_day_starts = "18:00"', ["earlier than deadlines_at"]),
        (
            'send_to_oversight_if_unresolved_after = "20 working days"',
            'send_to_oversight_if_unresolved_after = "12 working days"',
            ["[standard]", "must not be later than"],
        ),
        ("[standard]", "[normal]", ["[normal] is not known"]),
        ("percent_of_respond_window = 75", "percent_of_respond_window = 75\nsnooze = 5",
         ["[reminder] snooze is not a known key"]),
        ('respond_to_child_within = "1 hour"\n', "", ["[urgent] respond_to_child_within is missing"]),
        ("[reminder]", "[reminder", ["not valid TOML"]),
    ],
)
def test_a_wrong_policy_names_the_file_the_key_and_what_is_expected(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    path = policy_with(tmp_path, old, new)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_a_missing_policy_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="missing"):
        load_policy(tmp_path / "nope.toml")


def test_policy_errors_are_settings_errors_so_startup_reports_them_the_same_way() -> None:
    assert issubclass(PolicyError, SettingsError)
    assert issubclass(CategoriesError, SettingsError)


def test_windows_in_minutes_are_understood(tmp_path: Path) -> None:
    path = policy_with(tmp_path, 'respond_to_child_within = "1 hour"', 'respond_to_child_within = "30 minutes"')
    assert load_policy(path).clock("urgent").respond == Window(30, "minutes")


# ---------------------------------------------------------------- deadlines


def test_urgent_clocks_are_clock_hours(policy: Policy) -> None:
    due = deadlines(london(2027, 12, 24, 16, 0), "urgent", policy)
    assert due.respond_by == utc(2027, 12, 24, 17, 0)
    assert due.reminder_at == utc(2027, 12, 24, 16, 45)  # 75% of an hour
    assert due.manager_by == utc(2027, 12, 24, 16, 0)  # immediately
    assert due.oversight_by == utc(2027, 12, 25, 16, 0)  # Christmas Day counts: clock hours


def test_urgent_24_hours_are_real_hours_over_the_clocks_going_forward(policy: Policy) -> None:
    due = deadlines(utc(2026, 3, 28, 12, 0), "urgent", policy)
    assert due.oversight_by == utc(2026, 3, 29, 12, 0)  # 13:00 BST: 24 hours have really passed


def test_high_raised_on_friday_24_december_2027(policy: Policy) -> None:
    due = deadlines(london(2027, 12, 24, 16, 0), "high", policy)
    # 25-26 are the weekend, 27-28 the substitute bank holidays.
    assert due.respond_by == utc(2027, 12, 29, 17, 0)
    # 1 working hour on Friday + 8 on Wednesday = 9; 75% = 6h45: 1h Friday, 5h45 from 09:00 Wednesday.
    assert due.reminder_at == utc(2027, 12, 29, 14, 45)
    # 29, 30, 31 Dec, (3 Jan is the New Year substitute), 4, 5 Jan.
    assert due.manager_by == utc(2028, 1, 5, 17, 0)
    assert due.oversight_by == utc(2028, 1, 12, 17, 0)


def test_standard_raised_on_christmas_eve_2026(policy: Policy) -> None:
    due = deadlines(london(2026, 12, 24, 10, 0), "standard", policy)
    assert due.respond_by == utc(2026, 12, 29, 17, 0)
    # 7 working hours on Thursday + 8 on Tuesday = 15; 75% = 11h15: 7h Thursday, 4h15 from 09:00 Tuesday.
    assert due.reminder_at == utc(2026, 12, 29, 13, 15)
    assert due.manager_by == utc(2027, 1, 19, 17, 0)
    assert due.oversight_by == utc(2027, 1, 26, 17, 0)


def test_high_raised_before_easter_in_summer_time(policy: Policy) -> None:
    due = deadlines(london(2026, 4, 2, 12, 0), "high", policy)
    assert due.respond_by == utc(2026, 4, 7, 16, 0)  # 17:00 BST on the Tuesday after Easter Monday
    # 5 working hours on Thursday + 8 on Tuesday = 13; 75% = 9h45: 5h Thursday, 4h45 from 09:00 BST.
    assert due.reminder_at == utc(2026, 4, 7, 12, 45)


def test_a_concern_raised_at_the_weekend_is_reminded_inside_working_hours(policy: Policy) -> None:
    due = deadlines(london(2026, 3, 7, 10, 0), "high", policy)  # Saturday
    assert due.respond_by == utc(2026, 3, 9, 17, 0)
    assert due.reminder_at == utc(2026, 3, 9, 15, 0)  # 75% of Monday's 8 hours


def test_the_reminder_share_is_configurable(policy: Policy) -> None:
    halfway = replace(policy, reminder_percent=50)
    assert deadlines(utc(2026, 3, 9, 10, 0), "urgent", halfway).reminder_at == utc(2026, 3, 9, 10, 30)


def test_an_unknown_severity_is_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="urgent, high, standard"):
        deadlines(utc(2026, 3, 9, 10), "critical", policy)


def test_a_naive_raised_at_is_refused(policy: Policy) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadlines(datetime(2026, 3, 9, 10), "high", policy)


# ---------------------------------------------------------------- the ladder

# A standard concern raised on Monday 9 March 2026 at 10:00 GMT:
#   respond by   Tue 10 Mar 17:00 GMT; reminder at 75% of 7 + 8 working hours = 11h15 → Tue 13:15 GMT
#   manager by   Mon 30 Mar 17:00 BST (15 working days) = 16:00 UTC
#   oversight by Wed  8 Apr 17:00 BST (20 working days; Good Friday and Easter Monday skipped) = 16:00 UTC
RAISED = utc(2026, 3, 9, 10, 0)
STANDARD = LadderState(raised_at=RAISED, severity="standard", status="awaiting_response")


def test_the_standard_example_deadlines(policy: Policy) -> None:
    due = deadlines(RAISED, "standard", policy)
    assert (due.reminder_at, due.manager_by, due.oversight_by) == (
        utc(2026, 3, 10, 13, 15), utc(2026, 3, 30, 16, 0), utc(2026, 4, 8, 16, 0),
    )


@pytest.mark.parametrize(
    ("now", "done", "expected"),
    [
        (utc(2026, 3, 9, 10, 1), set(), Step.NONE),
        (utc(2026, 3, 10, 13, 14), set(), Step.NONE),
        (utc(2026, 3, 10, 13, 15), set(), Step.REMINDER),
        (utc(2026, 3, 10, 13, 15), {"reminder"}, Step.NONE),
        (utc(2026, 3, 30, 16, 0), {"reminder"}, Step.MANAGER),
        (utc(2026, 3, 30, 16, 0), {"reminder", "manager"}, Step.NONE),
        (utc(2026, 4, 8, 16, 0), {"reminder", "manager"}, Step.OVERSIGHT),
        (utc(2026, 4, 8, 16, 0), {"reminder", "manager", "oversight"}, Step.NONE),
    ],
)
def test_next_step(policy: Policy, now: datetime, done: set[str], expected: Step) -> None:
    assert next_step(replace(STANDARD, done=frozenset(done)), now, policy) is expected


def test_a_sweeper_that_was_away_takes_each_missed_step_once_in_order(policy: Policy) -> None:
    state = STANDARD
    now = utc(2026, 4, 20, 9, 0)
    assert due_steps(state, now, policy) == (Step.REMINDER, Step.MANAGER, Step.OVERSIGHT)
    taken = []
    for _ in range(5):
        step = next_step(state, now, policy)
        if step is Step.NONE:
            break
        taken.append(step)
        state = replace(state, done=state.done | {step.value})
    assert taken == [Step.REMINDER, Step.MANAGER, Step.OVERSIGHT]
    assert next_step(state, now, policy) is Step.NONE


def test_no_reminder_once_the_advocate_has_responded(policy: Policy) -> None:
    responded = replace(STANDARD, responded_at=utc(2026, 3, 9, 11, 0))
    assert next_step(responded, utc(2026, 3, 10, 14, 0), policy) is Step.NONE
    assert next_step(responded, utc(2026, 3, 30, 16, 0), policy) is Step.MANAGER


def test_an_urgent_concern_tells_the_manager_at_once(policy: Policy) -> None:
    urgent = LadderState(raised_at=RAISED, severity="urgent", status="open")
    assert next_step(urgent, RAISED, policy) is Step.MANAGER
    assert due_steps(urgent, RAISED + timedelta(minutes=45), policy) == (Step.MANAGER, Step.REMINDER)


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_a_resolved_or_closed_concern_climbs_no_further(policy: Policy, status: str) -> None:
    assert next_step(replace(STANDARD, status=status), utc(2026, 5, 1, 12), policy) is Step.NONE


def test_an_escalated_concern_is_still_unresolved(policy: Policy) -> None:
    escalated = replace(STANDARD, status="escalated", done=frozenset({"reminder", "manager"}))
    assert next_step(escalated, utc(2026, 4, 8, 16, 0), policy) is Step.OVERSIGHT


def test_next_due_is_the_earliest_step_left_and_none_when_nothing_is(policy: Policy) -> None:
    assert next_due(STANDARD, policy) == utc(2026, 3, 10, 13, 15)  # the reminder
    assert next_due(replace(STANDARD, done=frozenset({"reminder"})), policy) == utc(2026, 3, 30, 16, 0)
    responded = replace(STANDARD, responded_at=utc(2026, 3, 9, 11, 0))
    assert next_due(responded, policy) == utc(2026, 3, 30, 16, 0)  # no reminder once answered
    assert next_due(replace(STANDARD, done=frozenset({"reminder", "manager"})), policy) == utc(2026, 4, 8, 16, 0)
    assert next_due(replace(STANDARD, done=frozenset({"reminder", "manager", "oversight"})), policy) is None
    for status in ("resolved", "closed", "dismissed"):
        assert next_due(replace(STANDARD, status=status), policy) is None


def test_an_unconfirmed_draft_reminds_and_tells_the_manager_but_never_reaches_oversight(policy: Policy) -> None:
    draft = LadderState(raised_at=RAISED, severity="urgent", status="draft")
    assert due_steps(draft, RAISED + timedelta(days=30), policy) == (Step.MANAGER, Step.REMINDER)
    assert next_due(replace(draft, done=frozenset({"manager", "reminder"})), policy) is None
    confirmed = replace(draft, status="open", done=frozenset({"manager", "reminder"}))
    assert next_due(confirmed, policy) == RAISED + timedelta(hours=24)  # counted from when the child wrote


def test_unknown_steps_and_statuses_are_refused(policy: Policy) -> None:
    with pytest.raises(ValueError):
        next_step(replace(STANDARD, done=frozenset({"telegram"})), RAISED, policy)
    with pytest.raises(ValueError):
        next_step(replace(STANDARD, status="pending"), RAISED, policy)


# ---------------------------------------------------------------- describing a deadline


@pytest.mark.parametrize(
    ("deadline", "now", "words"),
    [
        (london(2026, 3, 9, 17, 0), london(2026, 3, 9, 14, 0), "due in 3 hours"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 9, 15, 30), "due in 1 hour"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 9, 16, 15), "due in 45 minutes"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 9, 16, 59, 30), "due now"),
        (london(2026, 3, 11, 17, 0), london(2026, 3, 9, 10, 0), "due in 2 working days"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 6, 16, 0), "due in 1 working day"),  # Friday to Monday
        (london(2026, 3, 8, 12, 0), london(2026, 3, 6, 9, 0), "due in 51 hours"),  # due on a Sunday
        (london(2026, 3, 9, 17, 0), london(2026, 3, 9, 17, 20), "overdue by 20 minutes"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 10, 10, 0), "overdue by 17 hours"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 10, 18, 0), "overdue by 1 working day"),
        (london(2026, 12, 24, 17, 0), london(2026, 12, 29, 10, 0), "overdue by 1 working day"),
        (london(2026, 3, 9, 17, 0), london(2026, 3, 13, 17, 0), "overdue by 4 working days"),
    ],
)
def test_describe_due(deadline: datetime, now: datetime, words: str) -> None:
    assert describe_due(deadline, now) == words


# ---------------------------------------------------------------- one wording of a concern's next deadline

RESPOND_BY, MANAGER_BY, OVERSIGHT_BY = london(2026, 3, 9, 17, 0), london(2026, 3, 11, 17, 0), london(2026, 3, 20, 17, 0)


def concern(**fields):
    return {"status": "open", "ladder": {}, "responded_at": None, **fields, "deadlines": {
        "respond_by": RESPOND_BY, "reminder_at": london(2026, 3, 9, 16, 0), "manager_by": MANAGER_BY,
        "oversight_by": OVERSIGHT_BY}}


@pytest.mark.parametrize(
    ("fields", "now", "words", "late"),
    [
        # Before the reminder, after it, at and after the deadline: always the deadline, never the reminder.
        ({}, london(2026, 3, 9, 14, 0), "Respond to the child: due in 3 hours", False),
        ({}, london(2026, 3, 9, 16, 4), "Respond to the child: due in 56 minutes", False),
        ({}, london(2026, 3, 9, 17, 0), "Respond to the child: due now", False),
        ({}, london(2026, 3, 10, 18, 0), "Respond to the child: 1 working day late", True),
        ({"status": "draft"}, london(2026, 3, 9, 14, 0), "Decide on the safeguarding flag: due in 3 hours", False),
        ({"responded_at": RESPOND_BY}, london(2026, 3, 9, 17, 0),
         "Sort it before the manager is told: due in 2 working days", False),
        ({"responded_at": RESPOND_BY, "ladder": {"manager": RESPOND_BY}}, london(2026, 3, 23, 17, 0),
         "Sort it before it goes to oversight: 1 working day late", True),
    ],
)
def test_a_concerns_next_deadline_has_one_wording(fields, now, words, late) -> None:
    deadline = next_deadline(concern(**fields), now)
    assert (deadline.words, deadline.late) == (words, late)
    assert "overdue" not in deadline.words.lower()


@pytest.mark.parametrize("fields", [{"status": "resolved"}, {"status": "closed"},
                                    {"ladder": {"manager": RESPOND_BY, "oversight": RESPOND_BY}}])
def test_no_deadline_once_resolved_closed_or_with_oversight(fields) -> None:
    assert next_deadline(concern(**fields), london(2026, 3, 9, 14, 0)) is None


def test_the_reminder_is_named_as_a_reminder_with_the_deadline_it_is_about() -> None:
    assert reminder_words("Respond to the child", RESPOND_BY, london(2026, 3, 9, 16, 4)) == (
        "Reminder: respond to the child: due in 56 minutes")
    assert deadline_words("Respond to the child", RESPOND_BY, london(2026, 3, 13, 17, 0)) == (
        "Respond to the child: 4 working days late")


# ---------------------------------------------------------------- categories


def test_the_shipped_categories() -> None:
    categories = load_categories()
    assert list(categories) == [
        "placement", "contact", "education", "health", "feeling_safe", "care_plan",
        "leaving_care", "money", "staff_and_carers", "something_else",
    ]
    assert list(categories)[-1] == FALLBACK_KEY
    assert categories["contact"].staff_label == "Contact with family and friends"
    assert categories["placement"].child_label == "Where I live"
    assert all(c.child_label and c.staff_label for c in categories.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[Placement]\nchild_label = "x"\nstaff_label = "y"\n', "[Placement] is not a usable key"),
        ('[placement]\nchild_label = "x"\n', "[placement] staff_label is missing"),
        ('[placement]\nchild_label = "x"\nstaff_label = ""\n', "[placement] staff_label is ''"),
        ('[placement]\nchild_label = "x"\nstaff_label = "y"\nicon = "z"\n', "[placement] icon is not a known key"),
        ('[placement]\nchild_label = "x"\nstaff_label = "y"\n', "[something_else] is missing"),
        ("placement = 3\n", "must be a [placement] section"),
    ],
)
def test_wrong_categories_name_the_file_and_the_entry(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "categories.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CategoriesError) as caught:
        load_categories(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_severities_are_the_three_agreed() -> None:
    assert [s.value for s in Severity] == ["urgent", "high", "standard"]
