"""Dates and times in words (advocacy.date_words): the one place that writes them."""

from __future__ import annotations

from datetime import date, datetime, timezone

from advocacy.date_words import day_words, iso, moment_long, moment_words


def test_moments_in_words_are_london_wall_clock_time_and_other_things_pass_through():
    assert moment_words("2026-07-01T23:30:00+00:00") == "Thu 2 Jul 2026, 00:30"  # BST: already the next day
    assert moment_words(datetime(2026, 12, 25, 9, 5, tzinfo=timezone.utc)) == "Fri 25 Dec 2026, 09:05"
    assert moment_words("2026-12-25T09:05:00+00:00", "America/New_York") == "Fri 25 Dec 2026, 04:05"
    assert moment_words(None) == "" and moment_words("") == ""
    assert moment_words("not a date") == "not a date"


def test_a_moment_without_its_year_for_the_days_around_now():
    assert moment_words(datetime(2026, 12, 25, 9, 5, tzinfo=timezone.utc), year=False) == "Fri 25 Dec, 09:05"


def test_a_moment_in_long_words_says_not_yet_when_there_is_none():
    assert moment_long(datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc)) == "2 July 2026 at 00:30"
    assert moment_long(None) == "not yet" and moment_long(None, never="never") == "never"


def test_a_day_in_words_is_the_day_on_the_london_calendar():
    assert day_words(datetime(2026, 3, 13, 23, 30, tzinfo=timezone.utc)) == "Friday 13 March 2026"  # GMT
    assert day_words(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == "Wednesday 1 July 2026"  # BST
    assert day_words(date(2026, 3, 14), year=False) == "Saturday 14 March"
    assert day_words(date(2026, 3, 14), weekday=False) == "14 March 2026"


def test_a_moment_for_machines_is_utc_to_the_second():
    assert iso(datetime(2026, 7, 1, 23, 30, 5, 999, tzinfo=timezone.utc)) == "2026-07-01T23:30:05+00:00"
    assert iso(None) is None
