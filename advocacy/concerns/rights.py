"""The rights and standards a concern raised from observation engages (config/rights.toml). Pure.

An advocate who cannot take a child's instructions (non-instructed advocacy) raises a concern on the
footing of what they observed, naming the rights it bears on, so whoever reads it knows why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from advocacy.errors import ServiceError
from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

RIGHTS_FILE = CONFIG_DIR / "rights.toml"
MAX_RIGHTS = 10


@dataclass(frozen=True)
class Right:
    key: str
    label: str
    child_label: str
    source: str


def load_rights(path: str | Path | None = None) -> Mapping[str, Right]:
    """config/rights.toml, in its order: SettingsError names the file and key when one is wrong."""
    file = Path(path) if path is not None else RIGHTS_FILE
    raw = read_toml(file, "the rights file")
    rights: dict[str, Right] = {}
    for key, table in raw.items():
        if not (isinstance(key, str) and key.replace("_", "").isalpha() and key.islower()):
            raise SettingsError(f"{file}: [{key}] is not a usable key; expected lower-case letters and underscores")
        if not isinstance(table, dict) or set(table) != {"label", "child_label", "source"}:
            raise SettingsError(f"{file}: [{key}] must have exactly a label, a child_label and a source")
        for field in ("label", "child_label", "source"):
            if not isinstance(table[field], str) or not 1 <= len(table[field]) <= 200:
                raise SettingsError(f"{file}: [{key}] {field} must be text of 1 to 200 characters")
        rights[key] = Right(key, table["label"], table["child_label"], table["source"])
    if not rights:
        raise SettingsError(f"{file}: no rights are listed")
    return rights


@cache
def default_rights() -> Mapping[str, Right]:
    return load_rights()


def check_rights(value: Any, rights: Mapping[str, Right], *, required: bool) -> list[str]:
    """The keys of the rights named, each once, in the config's order."""
    if value is None and not required:
        return []
    if not isinstance(value, list) or len(value) > MAX_RIGHTS or not all(isinstance(v, str) for v in value) \
            or (required and not value):
        raise ServiceError("bad_request", f"rights must be a list of 1 to {MAX_RIGHTS} of: {', '.join(rights)}. "
                                          "Nothing was saved.")
    unknown = [v for v in value if v not in rights]
    if unknown:
        raise ServiceError("right_unknown", f"We don't know the right {unknown[0][:40]!r}; it should be one of "
                                            f"{', '.join(rights)} (config/rights.toml). Nothing was saved.")
    return [key for key in rights if key in value]
