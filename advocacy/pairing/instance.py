"""What the pairing solver is given: the instance, its checks, and the cost weights.

An instance is plain data (JSON-shaped)::

    {"weights": {"moved": 300},                       # optional, overrides for this run
     "children": [{"id", "la", "region", "languages": [...], "opted_out": bool,
                   "current": advocate id | None, "previous": [advocate ids],
                   "prefers": {"advocate": advocate id | None, "gender": str | None},
                   "avoid": [advocate ids] (optional)}],
     "advocates": [{"id", "capacity", "comfortable" (optional, default capacity),
                    "regions": [...], "languages": [...], "gender": str | None,
                    "conflicts": [la codes], "available": bool}]}

Every field is required except ``weights``, an advocate's ``comfortable`` and a
child's ``avoid``: advocates the child must not have (they asked for someone
else), a hard rule for that child like a local authority in ``conflicts``.
Former advocates that a child still names (as ``current``, in ``previous`` or
as the advocate they prefer) belong in ``advocates`` with ``available: false``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

COST_NAMES: tuple[str, ...] = (
    "unassigned",
    "moved",
    "stranger",
    "named_preference",
    "gender_preference",
    "no_shared_language",
    "out_of_region",
    "over_comfortable",
)

WEIGHTS_FILE = CONFIG_DIR / "pairing.toml"

_MAX_LISTED = 10
# Keeps every cost the flow solver adds up well inside 64 bits.
MAX_WEIGHT = 1_000_000_000


class InstanceError(ValueError):
    """The instance (or a weights mapping) is malformed.

    ``problems`` lists every problem found, each naming the record and the field,
    e.g. ``children[12] (id "c-77"): "current" names unknown advocate "a-9"``.
    """

    def __init__(self, problems: list[str], what: str = "the pairing instance") -> None:
        self.problems = list(problems)
        shown = self.problems[:_MAX_LISTED]
        more = len(self.problems) - len(shown)
        text = f"{what} is malformed:\n  " + "\n  ".join(shown)
        if more:
            text += f"\n  ... and {more} more"
        super().__init__(text)


def load_second_approval_above(path: str | Path | None = None) -> int:
    """``[plans] second_approval_above`` in ``config/pairing.toml``: plans that change more children than this
    need a second person's approval before they are applied from the console (10 when not given)."""
    file = Path(path) if path is not None else WEIGHTS_FILE
    value = read_toml(file, "the pairing weights file").get("plans", {}).get("second_approval_above", 10)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SettingsError(f"{file} [plans] second_approval_above: a whole number, 0 or more, is needed")
    return value


def load_weights(path: str | Path | None = None) -> dict[str, int]:
    """The cost weights in ``config/pairing.toml`` (or ``path``), checked.

    Raises ``SettingsError`` naming the file and the key when one is missing,
    unknown or not a whole number from 0 to ``MAX_WEIGHT``.
    """
    file = Path(path) if path is not None else WEIGHTS_FILE
    data = read_toml(file, "the pairing weights file")
    table = data.get("weights")
    if not isinstance(table, dict):
        raise SettingsError(f"{file}: a [weights] table with one key per cost is needed ({', '.join(COST_NAMES)})")
    problems = weight_problems(table, f"{file} [weights]", complete=True)
    if problems:
        raise SettingsError("; ".join(problems))
    return {name: table[name] for name in COST_NAMES}


def weight_problems(weights: Any, where: str, *, complete: bool) -> list[str]:
    """Problems with a weights mapping; ``complete`` asks for every cost to be named."""
    if not isinstance(weights, Mapping):
        return [f'{where}: must be a mapping of cost name to whole number, e.g. {{"moved": 200}}']
    problems = []
    for key, value in weights.items():
        if key not in COST_NAMES:
            problems.append(f'{where}: "{key}" is not a cost; the costs are {", ".join(COST_NAMES)}')
        elif not _is_count(value) or value > MAX_WEIGHT:
            problems.append(f'{where}: "{key}" must be a whole number from 0 to {MAX_WEIGHT:,}, not {value!r}')
    if complete:
        problems += [f'{where}: "{name}" is missing' for name in COST_NAMES if name not in weights]
    return problems


def validate_instance(instance: Any) -> None:
    """Raise ``InstanceError`` listing every malformed record and field; return None if all is well."""
    if not isinstance(instance, Mapping):
        raise InstanceError(["instance: must be a mapping with \"children\" and \"advocates\""])
    problems: list[str] = []
    if "weights" in instance and instance["weights"] is not None:
        problems += weight_problems(instance["weights"], "instance: \"weights\"", complete=False)
    advocates = _records(instance, "advocates", problems)
    children = _records(instance, "children", problems)

    known: dict[str, int] = {}
    for index, advocate in enumerate(advocates):
        where = _where("advocates", index, advocate)
        if not isinstance(advocate, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        _check_id(advocate, where, "advocates", known, index, problems)
        capacity = advocate.get("capacity")
        if "capacity" not in advocate:
            problems.append(f'{where}: "capacity" is missing')
        elif not _is_count(capacity):
            problems.append(f'{where}: "capacity" must be a whole number >= 0, not {capacity!r}')
        if "comfortable" in advocate:
            comfortable = advocate["comfortable"]
            if not _is_count(comfortable):
                problems.append(f'{where}: "comfortable" must be a whole number >= 0, not {comfortable!r}')
            elif _is_count(capacity) and comfortable > capacity:
                problems.append(f'{where}: "comfortable" ({comfortable}) must not exceed "capacity" ({capacity})')
        for field in ("regions", "languages", "conflicts"):
            _check_texts(advocate, field, where, problems)
        if "gender" not in advocate:
            problems.append(f'{where}: "gender" is missing')
        elif advocate["gender"] is not None and not _is_text(advocate["gender"]):
            problems.append(f'{where}: "gender" must be text or null')
        _check_bool(advocate, "available", where, problems)

    seen: dict[str, int] = {}
    for index, child in enumerate(children):
        where = _where("children", index, child)
        if not isinstance(child, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        _check_id(child, where, "children", seen, index, problems)
        for field in ("la", "region"):
            if field not in child:
                problems.append(f'{where}: "{field}" is missing')
            elif not _is_text(child[field]):
                problems.append(f'{where}: "{field}" must be non-empty text')
        _check_texts(child, "languages", where, problems)
        _check_bool(child, "opted_out", where, problems)
        if "current" not in child:
            problems.append(f'{where}: "current" is missing (null when the child has no advocate)')
        else:
            _check_advocate_ref(child["current"], "current", where, known, problems)
        if _check_texts(child, "previous", where, problems):
            for ref in child["previous"]:
                _check_advocate_ref(ref, "previous", where, known, problems)
        if "avoid" in child and _check_texts(child, "avoid", where, problems):
            for ref in child["avoid"]:
                _check_advocate_ref(ref, "avoid", where, known, problems)
        prefers = child.get("prefers")
        if "prefers" not in child:
            problems.append(f'{where}: "prefers" is missing (use {{"advocate": null, "gender": null}})')
        elif not isinstance(prefers, Mapping):
            problems.append(f'{where}: "prefers" must be a mapping with "advocate" and "gender"')
        else:
            if "advocate" not in prefers:
                problems.append(f'{where}: "prefers.advocate" is missing (null for no preference)')
            else:
                _check_advocate_ref(prefers["advocate"], "prefers.advocate", where, known, problems)
            if "gender" not in prefers:
                problems.append(f'{where}: "prefers.gender" is missing (null for no preference)')
            elif prefers["gender"] is not None and not _is_text(prefers["gender"]):
                problems.append(f'{where}: "prefers.gender" must be text or null')
    if problems:
        raise InstanceError(problems)


def _records(instance: Mapping, name: str, problems: list[str]) -> list:
    if name not in instance:
        problems.append(f'instance: "{name}" is missing')
        return []
    if not isinstance(instance[name], list):
        problems.append(f'instance: "{name}" must be a list')
        return []
    return instance[name]


def _where(collection: str, index: int, record: Any) -> str:
    if isinstance(record, Mapping) and _is_text(record.get("id")):
        return f'{collection}[{index}] (id "{record["id"]}")'
    return f"{collection}[{index}]"


def _check_id(record: Mapping, where: str, collection: str, seen: dict[str, int], index: int,
              problems: list[str]) -> None:
    if "id" not in record:
        problems.append(f'{where}: "id" is missing')
    elif not _is_text(record["id"]):
        problems.append(f'{where}: "id" must be non-empty text')
    elif record["id"] in seen:
        problems.append(f'{where}: "id" is the same as {collection}[{seen[record["id"]]}]')
    else:
        seen[record["id"]] = index


def _check_texts(record: Mapping, field: str, where: str, problems: list[str]) -> bool:
    if field not in record:
        problems.append(f'{where}: "{field}" is missing (an empty list if none)')
        return False
    value = record[field]
    if not isinstance(value, list) or not all(_is_text(item) for item in value):
        problems.append(f'{where}: "{field}" must be a list of non-empty texts')
        return False
    return True


def _check_bool(record: Mapping, field: str, where: str, problems: list[str]) -> None:
    if field not in record:
        problems.append(f'{where}: "{field}" is missing')
    elif not isinstance(record[field], bool):
        problems.append(f'{where}: "{field}" must be true or false')


def _check_advocate_ref(ref: Any, field: str, where: str, known: dict[str, int], problems: list[str]) -> None:
    listed = field in ("previous", "avoid")
    if ref is None and not listed:
        return
    if not _is_text(ref):
        problems.append(f'{where}: "{field}" must be an advocate id' + ("" if listed else " or null"))
    elif ref not in known:
        problems.append(f'{where}: "{field}" names unknown advocate "{ref}"')


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
