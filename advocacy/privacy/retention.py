"""How long things are kept (config/retention.toml) and what is past that now (pure rules, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from advocacy.settings import CONFIG_DIR, SettingsError, known_table, read_toml

RETENTION_PATH = CONFIG_DIR / "retention.toml"

# section -> key -> (least, most)
_KEYS = {
    "children": {"years_after_leaving_care": (1, 100), "leaving_care_age": (16, 25)},
    "sessions": {"days_after_end": (1, 3650)},
    "sign_in_records": {"days_after_last_try": (1, 3650)},
    "notifications": {"days_after_seen": (1, 36500)},
}


@dataclass(frozen=True)
class Retention:
    years_after_leaving_care: int
    leaving_care_age: int
    days_after_end: int
    days_after_last_try: int
    days_after_seen: int

    def cutoffs(self, now: datetime) -> Cutoffs:
        """The moments before which each kind of record is erased, as of ``now``."""
        return Cutoffs(
            left_care_before=_years_before(now, self.years_after_leaving_care),
            born_before=_years_before(now, self.years_after_leaving_care + self.leaving_care_age).date().isoformat(),
            session_ended_before=now - timedelta(days=self.days_after_end),
            last_try_before=now - timedelta(days=self.days_after_last_try),
            seen_before=now - timedelta(days=self.days_after_seen),
        )


    def left_care_by_age(self, born: date) -> date:
        """The day a child born on ``born`` turned ``leaving_care_age``: when they left care at the latest
        (care ends at 18), taken where nothing else says when. Born on 29 February: 1 March in other years."""
        try:
            return born.replace(year=born.year + self.leaving_care_age)
        except ValueError:
            return date(born.year + self.leaving_care_age, 3, 1)


@dataclass(frozen=True)
class Cutoffs:
    # A child who left care before this is erased (one whose date was taken from their birth date only
    # if nobody works with them now).
    left_care_before: datetime
    # Children born on or before this day (YYYY-MM-DD) are past the retention period counted from the day
    # they turned leaving_care_age.
    born_before: str
    session_ended_before: datetime
    last_try_before: datetime
    seen_before: datetime


def _years_before(now: datetime, years: int) -> datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February, in a year that has none
        return now.replace(year=now.year - years, day=28)


def load_retention(path: Path = RETENTION_PATH) -> Retention:
    """Read and check the retention policy; SettingsError names the file, the key and what is expected."""
    raw = read_toml(path, "the retention policy")
    values: dict[str, int] = {}
    for section, keys in _KEYS.items():
        table = known_table(raw, section, keys, path)
        for key, (lo, hi) in keys.items():
            value = table.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
                raise SettingsError(f"{path}: [{section}] {key} is {value!r}; "
                                    f"expected a whole number from {lo} to {hi}")
            values[key] = value
    for unknown in sorted(set(raw) - set(_KEYS)):
        raise SettingsError(f"{path}: section [{unknown}] is not known")
    return Retention(**values)
