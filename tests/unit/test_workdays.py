"""Working days and hours in England and Wales.

Expected dates were counted by hand on a printed calendar and checked against
the bank holidays published on gov.uk; they are written out here, not derived
from the ``holidays`` package, so a wrong subdivision or a package change fails.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advocacy import workdays
from advocacy.workdays import (
    LONDON,
    add_working_days,
    add_working_hours,
    bank_holiday,
    is_working_day,
    is_working_time,
    local_date,
    next_working_start,
    working_day_deadline,
    working_days_between,
    working_hours_between,
)

UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# England and Wales, as published on gov.uk.
PUBLISHED = {
    2026: [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    ],
    2027: [
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
    ],
    2028: [
        date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17), date(2028, 5, 1),
        date(2028, 5, 29), date(2028, 8, 28), date(2028, 12, 25), date(2028, 12, 26),
    ],
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_on_working_days_match_the_published_list(year: int) -> None:
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)
            if (date(year, 1, 1) + timedelta(days=i)).year == year]
    weekday_holidays = [d for d in days if d.weekday() < 5 and bank_holiday(d)]
    assert weekday_holidays == PUBLISHED[year]


def test_substitute_days_are_named_by_the_package() -> None:
    assert bank_holiday(date(2026, 12, 26)) == "Boxing Day"  # a Saturday
    assert "observed" in (bank_holiday(date(2026, 12, 28)) or "")
    assert bank_holiday(date(2026, 12, 29)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 6), True),  # Friday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 12, 24), True),  # Christmas Eve is a working day
        (date(2026, 12, 28), False),  # Boxing Day substitute
        (date(2026, 12, 29), True),
        (date(2027, 12, 27), False),  # Christmas Day substitute
        (date(2028, 1, 3), False),  # New Year's Day substitute
        (date(2022, 9, 19), False),  # one-off: the State Funeral
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


def test_a_datetime_is_refused_where_a_date_is_meant() -> None:
    with pytest.raises(TypeError, match="local_date"):
        is_working_day(datetime(2026, 12, 25, 12, tzinfo=UTC))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 3, 4), 0, date(2026, 3, 4)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday → Monday
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # over Good Friday and Easter Monday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # over Christmas and the Boxing Day substitute
        (date(2026, 12, 24), 5, date(2027, 1, 5)),  # and New Year's Day
        (date(2026, 12, 24), 15, date(2027, 1, 19)),
        (date(2026, 12, 24), 20, date(2027, 1, 26)),
        (date(2027, 12, 24), 1, date(2027, 12, 29)),  # two substitute days
        (date(2027, 12, 24), 5, date(2028, 1, 5)),  # and the New Year substitute
        (date(2027, 12, 24), 10, date(2028, 1, 12)),
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert add_working_days(start, n) == expected


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 4), -1)


def test_working_days_between_counts_after_a_up_to_b() -> None:
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    assert working_days_between(date(2026, 12, 29), date(2026, 12, 24)) == -1
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 13)) == 5


@pytest.mark.parametrize(
    ("raised", "n", "due"),
    [
        # Friday 24 December 2027, 16:00 (GMT): Christmas and Boxing Day both fall at the weekend.
        (london(2027, 12, 24, 16), 1, utc(2027, 12, 29, 17)),
        (london(2027, 12, 24, 16), 5, utc(2028, 1, 5, 17)),
        (london(2027, 12, 24, 16), 10, utc(2028, 1, 12, 17)),
        # Christmas Eve 2026 (a Thursday), mid-morning.
        (london(2026, 12, 24, 10), 1, utc(2026, 12, 29, 17)),
        (london(2026, 12, 24, 10), 15, utc(2027, 1, 19, 17)),
        (london(2026, 12, 24, 10), 20, utc(2027, 1, 26, 17)),
        # The Thursday before Easter 2026, in British Summer Time: 17:00 BST is 16:00 UTC.
        (london(2026, 4, 2, 12), 1, utc(2026, 4, 7, 16)),
        # Raised on a Saturday: the first working day after it is Monday.
        (london(2026, 3, 7, 10), 1, utc(2026, 3, 9, 17)),
        # Over the spring DST change (Sunday 29 March 2026): GMT in, BST out.
        (london(2026, 3, 27, 16), 1, utc(2026, 3, 30, 16)),
        # Over the autumn DST change (Sunday 25 October 2026): BST in, GMT out.
        (london(2026, 10, 23, 16), 1, utc(2026, 10, 26, 17)),
    ],
)
def test_working_day_deadline(raised: datetime, n: int, due: datetime) -> None:
    result = working_day_deadline(raised, n)
    assert result == due
    assert result.utcoffset() == timedelta(0)
    assert result.astimezone(LONDON).time() == time(17, 0)


def test_deadline_counts_from_the_london_date_not_the_utc_date() -> None:
    # 23:30 UTC on Tuesday 30 June is 00:30 BST on Wednesday 1 July.
    assert working_day_deadline(utc(2026, 6, 30, 23, 30), 1) == utc(2026, 7, 2, 16)
    # In winter the dates agree: 23:30 UTC on Friday 27 November is still Friday.
    assert working_day_deadline(utc(2026, 11, 27, 23, 30), 1) == utc(2026, 11, 30, 17)


def test_deadline_at_another_time_of_day() -> None:
    assert working_day_deadline(london(2026, 3, 6, 10), 1, at=time(12, 0)) == utc(2026, 3, 9, 12)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        working_day_deadline(datetime(2026, 3, 6, 10), 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_working_time(datetime(2026, 3, 6, 10))


def test_start_must_be_before_end() -> None:
    with pytest.raises(ValueError, match="before"):
        is_working_time(utc(2026, 3, 6, 10), time(17), time(9))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (london(2026, 3, 6, 8, 59), False),
        (london(2026, 3, 6, 9, 0), True),
        (london(2026, 3, 6, 16, 59), True),
        (london(2026, 3, 6, 17, 0), False),
        (london(2026, 3, 7, 12, 0), False),  # Saturday
        (london(2026, 4, 6, 12, 0), False),  # Easter Monday
        (utc(2026, 7, 1, 8, 30), True),  # 09:30 BST
        (utc(2026, 1, 7, 8, 30), False),  # 08:30 GMT
        (utc(2026, 7, 1, 16, 30), False),  # 17:30 BST
    ],
)
def test_is_working_time(instant: datetime, expected: bool) -> None:
    assert is_working_time(instant) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (london(2026, 3, 6, 11, 0), utc(2026, 3, 6, 11, 0)),  # already working time: unchanged
        (london(2026, 3, 9, 7, 0), utc(2026, 3, 9, 9, 0)),  # early Monday: later that day
        (london(2026, 3, 6, 17, 30), utc(2026, 3, 9, 9, 0)),  # Friday evening: Monday
        (london(2026, 12, 24, 18, 0), utc(2026, 12, 29, 9, 0)),  # Christmas Eve evening: 29th
        (london(2026, 3, 27, 18, 0), utc(2026, 3, 30, 8, 0)),  # over the clocks going forward
    ],
)
def test_next_working_start(instant: datetime, expected: datetime) -> None:
    result = next_working_start(instant)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (london(2026, 3, 6, 10, 15), london(2026, 3, 6, 11, 45), 1.5),
        (london(2026, 3, 6, 16, 0), london(2026, 3, 9, 10, 0), 2.0),  # over a weekend
        (london(2026, 12, 24, 15, 0), london(2026, 12, 29, 10, 0), 3.0),  # over Christmas
        (london(2026, 3, 27, 9, 0), london(2026, 3, 30, 17, 0), 16.0),  # over the DST weekend
        (london(2026, 3, 7, 9, 0), london(2026, 3, 8, 17, 0), 0.0),  # a whole weekend
        (london(2026, 3, 6, 10, 0), london(2026, 3, 6, 10, 0), 0.0),
    ],
)
def test_working_hours_between(a: datetime, b: datetime, hours: float) -> None:
    assert working_hours_between(a, b) == pytest.approx(hours)


def test_working_hours_between_refuses_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="before"):
        working_hours_between(london(2026, 3, 6, 12), london(2026, 3, 6, 11))


def test_add_working_hours() -> None:
    assert add_working_hours(london(2026, 3, 6, 16, 0), 2) == utc(2026, 3, 9, 10, 0)
    # Landing exactly on the end of the day stays there.
    assert add_working_hours(london(2026, 3, 6, 9, 0), 8) == utc(2026, 3, 6, 17, 0)
    assert add_working_hours(london(2026, 3, 7, 9, 0), 0) == utc(2026, 3, 7, 9, 0)
    with pytest.raises(ValueError):
        add_working_hours(london(2026, 3, 6, 9, 0), -1)


def test_local_date() -> None:
    assert local_date(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    assert local_date(utc(2026, 12, 31, 23, 30)) == date(2026, 12, 31)


# ---------------------------------------------------------------- properties

instants = st.datetimes(
    min_value=datetime(2021, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
)
days = st.dates(min_value=date(2021, 1, 1), max_value=date(2031, 12, 31))


@settings(deadline=None, max_examples=150)
@given(days, st.integers(min_value=1, max_value=30))
def test_the_nth_working_day_is_a_working_day_n_working_days_later(day: date, n: int) -> None:
    result = add_working_days(day, n)
    assert is_working_day(result)
    assert working_days_between(day, result) == n


@settings(deadline=None, max_examples=150)
@given(instants, st.integers(min_value=1, max_value=20))
def test_a_deadline_is_17_00_london_on_a_working_day_after_the_instant(instant: datetime, n: int) -> None:
    due = working_day_deadline(instant, n)
    local = due.astimezone(LONDON)
    assert due > instant
    assert local.time() == time(17, 0)
    assert is_working_day(local.date())
    assert working_days_between(local_date(instant), local.date()) == n


@settings(deadline=None, max_examples=150)
@given(instants)
def test_next_working_start_skips_no_working_time(instant: datetime) -> None:
    start = next_working_start(instant)
    assert start >= instant
    assert is_working_time(start)
    assert working_hours_between(instant, start) == 0


@settings(deadline=None, max_examples=150)
@given(instants, st.integers(min_value=0, max_value=72 * 60), st.integers(min_value=0, max_value=72 * 60))
def test_working_hours_add_up(a: datetime, first: int, second: int) -> None:
    b = a + timedelta(minutes=first)
    c = b + timedelta(minutes=second)
    assert working_hours_between(a, c) == pytest.approx(working_hours_between(a, b) + working_hours_between(b, c))


@settings(deadline=None, max_examples=150)
@given(instants, st.floats(min_value=0.25, max_value=60, allow_nan=False))
def test_add_working_hours_is_undone_by_working_hours_between(instant: datetime, hours: float) -> None:
    later = add_working_hours(instant, hours)
    assert working_hours_between(instant, later) == pytest.approx(hours, abs=1e-6)


def test_module_reads_no_clock() -> None:
    source = Path(workdays.__file__).read_text(encoding="utf-8")
    assert ".now(" not in source and "time.time" not in source and ".today(" not in source


def test_the_london_month_follows_the_london_calendar():
    assert workdays.london_month(datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)) == "2026-01"  # GMT: still January
    assert workdays.london_month(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == "2026-07"  # BST: July already
