"""The pairing service's policy in ``config/pairing.toml`` [service], checked, and the month arithmetic it needs."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from advocacy.pairing.instance import WEIGHTS_FILE
from advocacy.settings import SettingsError, known_table, read_toml


@dataclass(frozen=True)
class Policy:
    reoffer_every_months: int = 6
    reoffer_on_placement_move: bool = True
    check_every_seconds: int = 3600


_CHECKS = {
    "reoffer_every_months": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 120,
                             "a whole number of months from 1 to 120"),
    "reoffer_on_placement_move": (lambda v: isinstance(v, bool), "true or false"),
    "check_every_seconds": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 86_400,
                            "a whole number of seconds from 1 to 86400"),
}


def load_policy(path: str | Path | None = None) -> Policy:
    """The [service] table of the pairing config; SettingsError names the file and key when one is wrong."""
    file = Path(path) if path is not None else WEIGHTS_FILE
    table = known_table(read_toml(file, "the pairing settings file"), "service", _CHECKS, file)
    for key, (check, expected) in _CHECKS.items():
        if key not in table:
            raise SettingsError(f"{file}: [service] {key} is missing")
        if not check(table[key]):
            raise SettingsError(f"{file}: [service] {key} is {table[key]!r}; expected {expected}")
    return Policy(**{key: table[key] for key in _CHECKS})


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; the 31st becomes the last day of a shorter month."""
    month_index = when.month - 1 + months
    year, month = when.year + month_index // 12, month_index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)
