"""What a concern is about: the categories in config/categories.toml.

``load_categories`` is the only function that reads the file; it returns the
categories in the file's order, keyed by their stored key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

DEFAULT_CATEGORIES_PATH = CONFIG_DIR / "categories.toml"
FALLBACK_KEY = "something_else"

_KEY = re.compile(r"[a-z][a-z_]{0,39}")
_FIELDS = ("child_label", "staff_label")
_MAX_LABEL = 80


class CategoriesError(SettingsError):
    """config/categories.toml is missing or wrong; the message names the file, the category and the key."""


@dataclass(frozen=True)
class Category:
    key: str
    child_label: str
    staff_label: str


def load_categories(path: Path | str | None = None) -> Mapping[str, Category]:
    """Read and check the categories; raise CategoriesError naming any wrong entry."""
    path = Path(path) if path is not None else DEFAULT_CATEGORIES_PATH
    raw = read_toml(path, "the categories file", CategoriesError)
    return _parse_categories(raw, str(path))


def _parse_categories(raw: Mapping[str, Any], source: str) -> Mapping[str, Category]:
    categories: dict[str, Category] = {}
    for key, table in raw.items():
        if not _KEY.fullmatch(key):
            raise CategoriesError(
                f"{source}: [{key}] is not a usable key; expected lower-case letters and underscores, "
                "such as [leaving_care]"
            )
        if not isinstance(table, dict):
            raise CategoriesError(f"{source}: {key} must be a [{key}] section with child_label and staff_label")
        for unknown in sorted(set(table) - set(_FIELDS)):
            raise CategoriesError(f"{source}: [{key}] {unknown} is not a known key; "
                                  "expected child_label and staff_label")
        labels = {}
        for field in _FIELDS:
            value = table.get(field)
            if value is None:
                raise CategoriesError(f"{source}: [{key}] {field} is missing")
            if not isinstance(value, str) or not value.strip() or len(value) > _MAX_LABEL:
                raise CategoriesError(
                    f"{source}: [{key}] {field} is {value!r}; expected text of 1 to {_MAX_LABEL} characters"
                )
            labels[field] = value.strip()
        categories[key] = Category(key=key, **labels)
    if FALLBACK_KEY not in categories:
        raise CategoriesError(
            f"{source}: [{FALLBACK_KEY}] is missing; it must be there so a child always has a choice that fits"
        )
    return MappingProxyType(categories)
