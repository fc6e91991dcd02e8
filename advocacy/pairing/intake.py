"""A child entering care: the details the service needs, checked the same way for the API and a CSV import. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from advocacy.chat.text import is_blank, tidy_text
from advocacy.spoken_languages import code_for

NAME_MAX = 100
LANGUAGES_MAX = 10
TEXT_MAX = 40
OLDEST = 25  # advocacy is for children in care and care leavers up to 25
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text(value: Any, limit: int) -> str | None:
    """Tidied as chat text is (no control, bidi-override or surrogate characters), spaces collapsed;
    None if nothing visible is left or it is too long."""
    if not isinstance(value, str):
        return None
    value = " ".join(tidy_text(value).split())
    return value if 0 < len(value) <= limit and not is_blank(value) else None


def check_child(data: Mapping[str, Any], known_las: set[str], today: date) -> tuple[dict[str, Any], list[str]]:
    """The child's fields ready to store, and the problems found (each naming the field).

    ``languages`` is a list of names, or one text separated by ``;`` or ``,``
    (as in a spreadsheet); ``gender_preference`` is the gender of advocate the
    child asked for, if any; ``left_care`` the day they left care (YYYY-MM-DD), if they have.
    """
    problems: list[str] = []
    fields: dict[str, Any] = {}
    name = _text(data.get("name"), NAME_MAX)
    if name is None:
        problems.append(f'"name" is needed: text of 1 to {NAME_MAX} characters')
    else:
        fields["name"] = name
    la = data.get("la")
    la = la.strip() if isinstance(la, str) else la
    if not isinstance(la, str) or not la:
        problems.append('"la" is needed: the code of the child\'s local authority, e.g. E08000035')
    elif la not in known_las:
        problems.append(f'"la" {la!r} is not a local authority we know')
    else:
        fields["la"] = la

    born = data.get("birth_date")
    if born not in (None, ""):
        when = _date(born)
        if when is None:
            problems.append(f'"birth_date" must be a date written YYYY-MM-DD, not {born!r}')
        elif when > today:
            problems.append('"birth_date" is in the future')
        elif today.year - when.year > OLDEST + 1:
            problems.append(f'"birth_date" makes the child older than {OLDEST}')
        else:
            fields["birth_date"] = when.isoformat()

    languages = data.get("languages")
    if isinstance(languages, str):
        languages = [part for part in re.split(r"[;,]", languages) if part.strip()]
    if languages in (None, ""):
        languages = []
    if not isinstance(languages, list) or len(languages) > LANGUAGES_MAX or any(
            _text(item, TEXT_MAX) is None for item in languages):
        problems.append(f'"languages" must be a list of up to {LANGUAGES_MAX} language names')
    else:
        fields["languages"] = list(dict.fromkeys(code_for(_text(item, TEXT_MAX)) for item in languages))

    gender = data.get("gender_preference")
    if gender in (None, ""):
        gender = None
    elif _text(gender, TEXT_MAX) is None:
        problems.append(f'"gender_preference" must be text of up to {TEXT_MAX} characters, or left out')
    else:
        gender = _text(gender, TEXT_MAX).lower()
    fields["prefers"] = {"advocate": None, "gender": gender}

    ref = data.get("ref")
    if ref not in (None, ""):
        if _text(ref, TEXT_MAX) is None:
            problems.append(f'"ref" must be text of up to {TEXT_MAX} characters')
        else:
            fields["ref"] = _text(ref, TEXT_MAX)
    left = data.get("left_care")
    if left not in (None, ""):
        when = _date(left)
        if when is None:
            problems.append(f'"left_care" must be a date written YYYY-MM-DD, not {left!r}')
        elif when > today:
            problems.append('"left_care" is in the future (send it once they have left care)')
        elif "birth_date" in fields and when.isoformat() < fields["birth_date"]:
            problems.append('"left_care" is before "birth_date"')
        else:
            fields["left_care"] = when.isoformat()
    unknown = sorted(set(data) - {"name", "la", "birth_date", "languages", "gender_preference", "ref", "left_care"})
    if unknown:
        problems.append(f"unknown field(s) {', '.join(map(repr, unknown))}")
    return fields, problems


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None
