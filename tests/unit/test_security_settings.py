"""Settings that keep the service safe outside local development, and the retention policy file."""

from __future__ import annotations

import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest

from advocacy.audit import anchor_path
from advocacy.crypto import MasterKeyError, create_key_file, decode_master_key, load_master_key, new_master_key
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


def test_without_a_key_nothing_is_made_and_the_refusal_says_how_to_give_one(tmp_path):
    data = tmp_path / "var"
    (data / "db").mkdir(parents=True)
    (data / "master.key").write_text(new_master_key())  # left by an older version, beside the database
    with pytest.raises(MasterKeyError) as refused:
        load_master_key(load(environ={"ADVOCACY_DATA_DIR": str(data)}))
    said = str(refused.value)
    assert "advocacy keys new --out PATH" in said and "ADVOCACY_MASTER_KEY_FILE" in said
    assert "is not used" in said, "a key inside the data folder is never read"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["db", "master.key", "var"]


def test_a_development_key_is_made_beside_the_data_folder_never_inside_it(tmp_path):
    data = tmp_path / "var"
    settings = load(environ={"ADVOCACY_DATA_DIR": str(data), "ADVOCACY_DEVELOPMENT_MASTER_KEY": "true"})
    key = load_master_key(settings, create_for_development=True)
    made = tmp_path / "var-key" / "master.key"
    assert made.exists() and stat.S_IMODE(made.stat().st_mode) == 0o600
    assert not data.exists() or not any(data.rglob("*.key"))
    assert load_master_key(settings, create_for_development=True) == key


def test_a_key_an_older_version_made_inside_the_data_folder_is_moved_out_in_development(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    old = new_master_key()
    (data / "master.key").write_text(old + "\n")
    key = load_master_key(load(environ={"ADVOCACY_DATA_DIR": str(data)}), create_for_development=True)
    assert key == decode_master_key(old, "test")
    assert not (data / "master.key").exists() and (tmp_path / "var-key" / "master.key").exists()


def test_a_key_file_inside_the_data_folder_is_refused(tmp_path):
    data = tmp_path / "var"
    (data / "db").mkdir(parents=True)
    inside = data / "db" / "key"
    create_key_file(inside)
    with pytest.raises(MasterKeyError, match="inside the data folder"):
        load_master_key(load(environ={"ADVOCACY_DATA_DIR": str(data), "ADVOCACY_MASTER_KEY_FILE": str(inside)}))
    with pytest.raises(MasterKeyError, match="exists already"):
        create_key_file(inside)


def test_audit_anchors_are_kept_beside_the_data_folder_never_inside_it(tmp_path):
    settings = load(environ={"ADVOCACY_DATA_DIR": str(tmp_path / "var")})
    assert anchor_path(settings) == tmp_path / "var-audit" / "anchors"
    assert anchor_path(settings.replace(audit_anchor_file="/mnt/worm/anchors")) == Path("/mnt/worm/anchors")


def test_the_day_a_child_turned_the_leaving_care_age_is_their_birthday_and_1_march_for_29_february():
    from datetime import date

    policy = load_retention()
    assert policy.left_care_by_age(date(2008, 6, 30)) == date(2008 + policy.leaving_care_age, 6, 30)
    assert policy.left_care_by_age(date(2008, 2, 29)) == date(2008 + policy.leaving_care_age, 3, 1)
