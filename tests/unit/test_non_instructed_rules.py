"""The pure rules of non-instructed advocacy and key moments: config files, checks, dates, the child's question."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from advocacy.concerns.rights import check_rights, default_rights, load_rights
from advocacy.errors import ServiceError
from advocacy.moments import rules as moments
from advocacy.non_instructed import rules
from advocacy.settings import SettingsError

TODAY = date(2026, 12, 7)


def test_the_shipped_config_reads_and_every_right_has_plain_words_for_the_child():
    policy = rules.load_policy()
    assert policy.visit_every_days == 42 and policy.review_within_days == 183
    rights = default_rights()
    assert "views_heard" in rights and all(r.child_label and r.source for r in rights.values())


@pytest.mark.parametrize(("text", "named"), [
    ("[visits]\nevery_days = 0\ncheck_every_seconds = 60\n[decisions]\nreview_within_days = 10\n", "every_days"),
    ("[visits]\nevery_days = 5\ncheck_every_seconds = 60\nsoon = 1\n[decisions]\nreview_within_days = 10\n", "soon"),
    ("[visits]\nevery_days = 5\ncheck_every_seconds = 60\n", "[decisions]"),
])
def test_a_wrong_policy_names_the_file_and_key(tmp_path, text, named):
    path = tmp_path / "non_instructed.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=r"non_instructed\.toml") as raised:
        rules.load_policy(path)
    assert named in str(raised.value)


def test_a_wrong_rights_file_names_the_file_and_key(tmp_path):
    path = tmp_path / "rights.toml"
    path.write_text('[play]\nlabel = "Play"\nsource = "UNCRC 31"\n')
    with pytest.raises(SettingsError, match=r"rights\.toml: \[play\].*child_label"):
        load_rights(path)


def test_rights_are_checked_and_kept_in_the_configs_order():
    rights = default_rights()
    assert check_rights(["health", "views_heard", "health"], rights, required=True) == ["views_heard", "health"]
    assert check_rights(None, rights, required=False) == []
    for wrong, code in ((["flying"], "right_unknown"), ([], "bad_request"), ("health", "bad_request"),
                        ([1], "bad_request"), (["health"] * 11, "bad_request")):
        with pytest.raises(ServiceError) as raised:
            check_rights(wrong, rights, required=True)
        assert raised.value.code == code and "Nothing was saved" in raised.value.message


def test_a_review_date_is_after_today_and_within_the_limit():
    policy = rules.Policy(review_within_days=30)
    assert rules.check_review_by("2027-01-06", TODAY, policy) == date(2027, 1, 6)
    for wrong in ("2026-12-07", "2027-01-07", "07/01/2027", None, 20270101):
        with pytest.raises(ServiceError) as raised:
            rules.check_review_by(wrong, TODAY, policy)
        assert raised.value.code == "dates_invalid" and "2027-01-06" in raised.value.message


def test_a_visit_is_in_the_past_year_with_its_offset():
    now = datetime(2026, 12, 7, 12, tzinfo=timezone.utc)
    assert rules.check_visit_at("2026-12-07T10:00:00+00:00", now) == now - timedelta(hours=2)
    for wrong in ("2026-12-07T10:00:00", "2026-12-08T12:00:00+00:00", "2025-11-01T10:00:00+00:00", "today"):
        with pytest.raises(ServiceError):
            rules.check_visit_at(wrong, now)


def test_the_next_visit_is_due_an_interval_after_the_last_or_the_decision():
    policy = rules.Policy(visit_every_days=42)
    since = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert rules.visit_due(since, None, policy) == since + timedelta(days=42)
    visited = since + timedelta(days=10)
    assert rules.visit_due(since, visited, policy) == visited + timedelta(days=42)


@pytest.mark.parametrize("kind", sorted(moments.KINDS))
def test_the_child_is_asked_in_plain_words_without_jargon(kind):
    asked = moments.question(kind, date(2026, 12, 14))
    if kind == "new_social_worker":
        assert asked is None
        return
    text = str(asked)
    assert "Monday 14 December" in text and "You don't have to." in text
    for jargon in ("LAC", "IRO", "s26", "looked-after", "conference", "pathway"):
        assert jargon.lower() not in text.lower(), jargon


def test_a_moment_is_dated_within_a_year_of_today():
    assert moments.check_on("2027-06-01", TODAY) == date(2027, 6, 1)
    for wrong in ("2028-01-01", "2025-11-01", "soon", None):
        with pytest.raises(ServiceError):
            moments.check_on(wrong, TODAY)


def test_the_figures_count_held_meetings_and_those_with_the_childs_views_put_per_authority():
    rows = [{"la": "E1", "views_put": True}, {"la": "E1", "views_put": False}, {"la": "E2", "views_put": True}]
    assert moments.views_put_figures(rows) == {"E1": {"held": 2, "views_put": 1}, "E2": {"held": 1, "views_put": 1}}
