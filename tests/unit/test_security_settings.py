"""Settings that keep the service safe outside local development, and the retention policy file."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from advocacy.privacy.retention import RETENTION_PATH, load_retention
from advocacy.settings import SettingsError, load


@pytest.mark.parametrize("environ", [
    {"ADVOCACY_HOST": "0.0.0.0"},  # noqa: S104  (the setting under test, not a bind)
    {"ADVOCACY_PUBLIC_URL": "https://advocacy.example.org"},
])
def test_cookies_must_be_secure_outside_local_development(environ):
    with pytest.raises(SettingsError, match="secure_cookies must be true"):
        load(environ=environ)
    assert load(environ={**environ, "ADVOCACY_SECURE_COOKIES": "true"}).secure_cookies is True


def test_accepted_master_keys_are_secrets_kept_out_of_files_and_messages(tmp_path):
    settings = tmp_path / "default.toml"
    text = load.__globals__["CONFIG_DIR"].joinpath("default.toml").read_text()
    settings.write_text(text.replace('accepted_master_keys = ""', 'accepted_master_keys = "' + "A" * 43 + '="'))
    with pytest.raises(SettingsError, match="must stay empty"):
        load(settings, environ={})
    with pytest.raises(SettingsError) as refused:
        load(environ={"ADVOCACY_ACCEPTED_MASTER_KEYS": "not-a-key"})
    assert "not-a-key" not in str(refused.value)


def test_the_retention_policy_loads_and_gives_cutoffs():
    policy = load_retention()
    now = datetime(2030, 2, 28, tzinfo=timezone.utc)
    cut = policy.cutoffs(now)
    assert cut.left_care_before == datetime(2030 - policy.years_after_leaving_care, 2, 28, tzinfo=timezone.utc)
    assert (now - cut.session_ended_before).days == policy.days_after_end == 90
    assert cut.born_before == f"{2030 - policy.years_after_leaving_care - policy.leaving_care_age}-02-28"


@pytest.mark.parametrize("change, message", [
    (("years_after_leaving_care = 6", "years_after_leaving_care = 0"), "years_after_leaving_care is 0"),
    (("days_after_end = 90", 'days_after_end = "ninety"'), "days_after_end is 'ninety'"),
    (("[notifications]", "[notes]"), "section [notifications] is missing"),
    (("days_after_seen = 365", "days_after_seen = 365\nkeep_forever = true"), "keep_forever is not a known setting"),
])
def test_a_wrong_retention_policy_names_the_file_the_key_and_what_is_expected(tmp_path, change, message):
    path = tmp_path / "retention.toml"
    path.write_text(RETENTION_PATH.read_text().replace(*change))
    with pytest.raises(SettingsError) as refused:
        load_retention(path)
    assert message in str(refused.value) and str(path) in str(refused.value)


def test_a_leaving_care_age_outside_16_to_25_is_refused(tmp_path):
    path = tmp_path / "retention.toml"
    path.write_text(RETENTION_PATH.read_text().replace("leaving_care_age = 18", "leaving_care_age = 40"))
    with pytest.raises(SettingsError, match="leaving_care_age is 40; expected a whole number from 16 to 25"):
        load_retention(path)
