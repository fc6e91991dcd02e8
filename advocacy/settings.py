"""Settings: config/default.toml, overridden by ADVOCACY_* environment variables.

Every key is declared once in ``SCHEMA`` with its type and limits. ``load``
validates all of them and raises ``SettingsError`` naming the file (or the
environment variable), the key and what was expected, so an operator can fix a
wrong value without reading code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from advocacy.resources import RESOURCES

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the source checkout (tests and development tools)
CONFIG_DIR = RESOURCES.config  # config/ in a checkout; the copy inside an installed package
ENV_PREFIX = "ADVOCACY_"
# Never printed, not even in an error about themselves; never read from the settings file.
SECRET_KEYS = frozenset({"master_key", "accepted_master_keys", "metrics_token"})


class SettingsError(Exception):
    """A setting is missing or wrong; the message says where and what is expected."""


def _int(lo: int | None = None, hi: int | None = None) -> Callable[[Any], tuple[bool, Any, str]]:
    bounds = " ".join(
        part for part in (f"at least {lo}" if lo is not None else "", f"at most {hi}" if hi is not None else "") if part
    )
    expected = f"a whole number{(' ' + bounds) if bounds else ''}"

    def check(value: Any) -> tuple[bool, Any, str]:
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
        return ok, value, expected

    return check


def _str(pattern: str | None = None, expected: str = "text") -> Callable[[Any], tuple[bool, Any, str]]:
    def check(value: Any) -> tuple[bool, Any, str]:
        ok = isinstance(value, str) and (pattern is None or re.fullmatch(pattern, value) is not None)
        return ok, value, expected

    return check


def _bool(value: Any) -> tuple[bool, Any, str]:
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "false", "0", "no"}:
        value = value.lower() in {"true", "1", "yes"}
    return isinstance(value, bool), value, "true or false"


def _choice(*options: str) -> Callable[[Any], tuple[bool, Any, str]]:
    def check(value: Any) -> tuple[bool, Any, str]:
        return value in options, value, "one of " + ", ".join(options)

    return check


def _timezone(value: Any) -> tuple[bool, Any, str]:
    expected = "an IANA time zone name such as Europe/London"
    if not isinstance(value, str):
        return False, value, expected
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False, value, expected
    return True, value, expected


_TIME = r"([01]\d|2[0-3]):[0-5]\d"
_URL = r"(|https?://[^\s/]+(:\d+)?)"
_MONGO = r"(|mongodb(\+srv)?://\S+)"
_REDIS = r"(|rediss?://\S+)"

SCHEMA: dict[str, dict[str, Callable[[Any], tuple[bool, Any, str]]]] = {
    "server": {
        "host": _str(r"\S+", "a host name or IP address"),
        "port": _int(1, 65535),
        "public_url": _str(_URL, "empty, or a URL like https://advocacy.example.org with no path"),
        "secure_cookies": _bool,
        "trusted_proxies": _str(r"|[0-9A-Fa-f.:]+(,[0-9A-Fa-f.:]+)*",
                                "empty, or the IP addresses of your reverse proxies separated by commas"),
        "quick_exit_url": _str(r"https?://\S+", "a full web address starting with https://"),
        "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "log_format": _choice("text", "json"),
        "metrics_token": _str(r"|[!-~]{24,200}", "empty (no /metrics), or a token of 24 or more printable characters"),
        "access_log": _bool,
    },
    "database": {
        "mongodb_uri": _str(_MONGO, "empty (embedded database) or a mongodb:// connection string"),
        "database_name": _str(r"[A-Za-z0-9_-]{1,60}", "a database name of letters, digits, _ and -"),
        "data_dir": _str(r".+", "a folder path"),
        "database_timeout_seconds": _int(1, 600),
        "database_operation_timeout_seconds": _int(1, 120),
    },
    "sessions": {
        "staff_session_hours": _int(1, 24 * 7),
        "child_session_days": _int(1, 365),
        "staff_slow_after_failures": _int(1, 100),
        "staff_max_failures": _int(2, 1000),
        "staff_lockout_minutes": _int(1, 24 * 60),
        "staff_longest_wait_minutes": _int(1, 24 * 60),
        "staff_enrolment_minutes": _int(1, 24 * 60),
    },
    "children": {
        "pin_min_digits": _int(4, 12),
        "pin_max_digits": _int(4, 12),
        "pin_max_failures": _int(1, 100),
        "child_tries_per_client": _int(1, 100_000),
        "child_tries_window_minutes": _int(1, 24 * 60),
    },
    "chat": {
        "max_message_chars": _int(1, 100_000),
        "rate_limit_messages": _int(1, 10_000),
        "rate_window_seconds": _int(1, 3600),
        "history_page_default": _int(1, 1000),
        "history_page_max": _int(1, 10_000),
        "interpreting_longest_minutes": _int(5, 24 * 60),
        "interpreting_check_seconds": _int(1, 600),
        "conversation_cache_seconds": _int(0, 60),
    },
    "security": {
        "master_key": _str(r"|[A-Za-z0-9+/]{43}=",
                           "a 32-byte key in base64 (44 characters), e.g. from `advocacy keys new`"),
        "master_key_file": _str(r".*", "empty, or the path of a file holding the master key"),
        "accepted_master_keys": _str(
            r"|[A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*", "32-byte keys in base64 (44 characters) separated by commas"
        ),
        "accepted_master_keys_file": _str(r".*", "empty, or the path of a file holding one master key per line"),
        "development_master_key": _bool,
        "audit_anchor_file": _str(r".*", "empty (DATA_DIR-audit/anchors), or the path of the audit anchor file"),
        "audit_anchor_minutes": _int(1, 24 * 60),
    },
    "scale": {
        "redis_url": _str(_REDIS, "empty (one process) or a redis:// URL"),
        "workers": _int(1, 64),
    },
    "bots": {
        "bots_enabled": _bool,
        "bot_session_days": _int(1, 3650),
        "nudge_after_working_hours": _int(1, 100),
    },
    "concerns": {
        "max_concern_chars": _int(100, 100_000),
        "sweep_interval_seconds": _int(1, 3600),
        "duty_manager": _str(r"|[a-z0-9][a-z0-9._-]{1,39}",
                             "empty (each advocate's own manager) or a manager's username"),
    },
    "complaints": {
        "complaint_acknowledge_working_days": _int(1, 20),
        "complaint_answer_working_days": _int(1, 65),
    },
    "corrections": {
        "correction_decide_working_days": _int(1, 21),
    },
    "figures": {
        "figures_interval_seconds": _int(10, 24 * 3600),
        "figures_small_count": _int(2, 100),
        "figures_replies_every_seconds": _int(0, 60),
    },
    "push": {
        "push_contact": _str(r"|mailto:[^\s@]+@[^\s@]+|https://\S+",
                             "empty (the public_url), or mailto:someone@example.org or an https:// address"),
        "push_services": _str(r"https?://[^\s,]+(\s*,\s*https?://[^\s,]+)*",
                              "the push services' addresses (https://HOST, * for any part of a name) "
                              "separated by commas"),
        "push_quiet_seconds": _int(10, 24 * 3600),
        "push_ttl_seconds": _int(0, 28 * 24 * 3600),
    },
    "hours": {
        "timezone": _timezone,
        "working_day_start": _str(_TIME, "a time of day as HH:MM, e.g. 09:00"),
        "working_day_end": _str(_TIME, "a time of day as HH:MM, e.g. 17:00"),
    },
}


@dataclass(frozen=True)
class Settings:
    """Validated settings; read them as ``settings.port``, ``settings.mongodb_uri`` ..."""

    values: Mapping[str, Any]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    def replace(self, **changes: Any) -> Settings:
        unknown = set(changes) - set(self.values)
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return Settings({**self.values, **changes})

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def read_toml(path: Path, what: str, error: type[SettingsError] = SettingsError) -> dict[str, Any]:
    """A policy or settings file's contents: every file under config/ is read here. ``error`` (a
    SettingsError) names the file if it is missing or not TOML; ``what`` says what the file is."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} is missing") from None
    except OSError as exc:
        raise error(f"{path}: {what} cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc})") from None


def known_table(raw: Mapping[str, Any], section: str, keys: Iterable[str], path: Path) -> dict[str, Any]:
    """The ``[section]`` of a file, which must be there and hold no key but ``keys``."""
    table = raw.get(section)
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: section [{section}] is missing")
    for unknown in sorted(set(table) - set(keys)):
        raise SettingsError(f"{path}: [{section}] {unknown} is not a known setting")
    return table


def load(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read, override and validate the settings; raise SettingsError on any mistake."""
    path = path or CONFIG_DIR / "default.toml"
    environ = os.environ if environ is None else environ
    raw = read_toml(path, "the settings file")

    values: dict[str, Any] = {}
    for section, keys in SCHEMA.items():
        table = known_table(raw, section, keys, path)
        for key, check in keys.items():
            env_name = ENV_PREFIX + key.upper()
            if overrides and key in overrides and overrides[key] is not None:
                source, value = f"{key} (given on the command line)", overrides[key]
            elif env_name in environ:
                source, value = f"environment variable {env_name}", environ[env_name]
            elif key in SECRET_KEYS and table.get(key):
                raise SettingsError(
                    f"{path}: [{section}] {key} must stay empty: a secret never goes in a file kept with the code; "
                    f"give it in the environment variable {env_name} or through master_key_file"
                )
            elif key in table:
                source, value = f"{path}: [{section}] {key}", table[key]
            else:
                raise SettingsError(f"{path}: [{section}] {key} is missing")
            ok, parsed, expected = check(value)
            if not ok:
                shown = "is not valid" if key in SECRET_KEYS else f"is {value!r}"
                raise SettingsError(f"{source} {shown}; expected {expected}")
            values[key] = parsed

    for unknown in sorted(set(raw) - set(SCHEMA)):
        raise SettingsError(f"{path}: section [{unknown}] is not known")
    if values["pin_min_digits"] > values["pin_max_digits"]:
        raise SettingsError(f"{path}: [children] pin_min_digits must not be more than pin_max_digits")
    if not values["secure_cookies"] and (
        values["public_url"].startswith("https://") or values["host"] not in {"127.0.0.1", "localhost", "::1"}
    ):
        raise SettingsError(
            f"{path}: [server] secure_cookies must be true outside local development (host {values['host']!r}, "
            f"public_url {values['public_url']!r}): set ADVOCACY_SECURE_COOKIES=true and serve over HTTPS"
        )
    if values["staff_slow_after_failures"] >= values["staff_max_failures"]:
        raise SettingsError(f"{path}: [sessions] staff_slow_after_failures must be less than staff_max_failures")
    if values["working_day_start"] >= values["working_day_end"]:
        raise SettingsError(f"{path}: [hours] working_day_start must be before working_day_end")
    if values["history_page_default"] > values["history_page_max"]:
        raise SettingsError(f"{path}: [chat] history_page_default must not be more than history_page_max")
    return Settings(values)
