"""Settings: every value checked at start, secrets never printed or kept in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.crypto import new_master_key
from advocacy.settings import CONFIG_DIR, SettingsError, load


def test_the_shipped_settings_load():
    settings = load(environ={})
    assert settings.port == 8080 and settings.master_key == ""


def test_an_environment_variable_overrides_the_file_and_is_checked():
    assert load(environ={"ADVOCACY_PORT": "9000"}).port == 9000
    with pytest.raises(SettingsError, match=r"ADVOCACY_PORT is '0'; expected a whole number at least 1"):
        load(environ={"ADVOCACY_PORT": "0"})


def test_a_wrong_value_in_the_file_names_the_file_section_and_key(tmp_path: Path):
    text = (CONFIG_DIR / "default.toml").read_text().replace('log_level = "INFO"', 'log_level = "LOUD"')
    (tmp_path / "default.toml").write_text(text)
    with pytest.raises(SettingsError, match=r"default.toml: \[server\] log_level is 'LOUD'; expected one of DEBUG"):
        load(tmp_path / "default.toml", environ={})


def test_a_master_key_is_taken_from_the_environment_and_never_echoed_when_wrong():
    key = new_master_key()
    assert load(environ={"ADVOCACY_MASTER_KEY": key}).master_key == key
    wrong = "not-a-key-but-a-secret-all-the-same"
    with pytest.raises(SettingsError) as refused:
        load(environ={"ADVOCACY_MASTER_KEY": wrong})
    assert "ADVOCACY_MASTER_KEY is not valid" in str(refused.value) and wrong not in str(refused.value)


def test_a_master_key_written_into_the_settings_file_is_refused(tmp_path: Path):
    key = new_master_key()
    text = (CONFIG_DIR / "default.toml").read_text().replace('master_key = ""', f'master_key = "{key}"')
    (tmp_path / "default.toml").write_text(text)
    with pytest.raises(SettingsError, match="must stay empty") as refused:
        load(tmp_path / "default.toml", environ={})
    assert key not in str(refused.value)
