"""Words the service says to a child, kept in English until the child's language is known.

``N_("{name} is your advocate now.", name=...)`` marks the English text for the
catalogues (``make extract-messages`` finds every ``N_``) and keeps its values;
``Words.in_language(gettext)`` puts it into a reader's language when it is
written to them. Sentences joined with ``+`` are translated one by one, so a
catalogue missing one sentence shows that sentence in English and the rest in
the child's language. Values may be ``Words`` themselves (translated first).
Placeholders are ``{name}``: a translation must keep every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from babel.dates import format_date, format_time


class Words:
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[tuple[str, Mapping[str, Any]], ...]) -> None:
        self.parts = parts

    def __add__(self, other: Words) -> Words:
        return Words(self.parts + other.parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(tuple(text for text, _ in self.parts))

    def in_language(self, gettext: Callable[[str], str], locale: str = "en_GB") -> str:
        return " ".join(_fill(gettext(text), text, values, gettext, locale) for text, values in self.parts)

    def __str__(self) -> str:
        return self.in_language(lambda text: text)

    def __repr__(self) -> str:
        return f"Words({self.parts!r})"


def N_(text: str, **values: Any) -> Words:
    return Words(((text, values),))


class Moment:
    """A day or a time of day as a value of ``Words``, written in the reader's language (CLDR, through Babel):
    ``Moment(date, "EEEE")`` is "Monday" or "الاثنين"; ``Moment(time)`` is "09:00" in the reader's form."""

    __slots__ = ("english", "pattern", "value")

    def __init__(self, value: date | time, pattern: str = "short", english: str | None = None) -> None:
        """``english``: the pattern in English instead ("h:mma" for "3:45pm"), where ours differs from CLDR's."""
        self.value, self.pattern, self.english = value, pattern, english

    def in_locale(self, locale: str) -> str:
        pattern = self.english if self.english and locale.startswith("en") else self.pattern
        if isinstance(self.value, time):
            return format_time(self.value, pattern, locale=locale)
        return format_date(self.value, pattern, locale=locale)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Moment) and (self.value, self.pattern, self.english) == (
            other.value, other.pattern, other.english)

    def __hash__(self) -> int:
        return hash((self.value, self.pattern, self.english))

    def __repr__(self) -> str:
        return f"Moment({self.value!r}, {self.pattern!r})"


def _fill(translated: str, english: str, values: Mapping[str, Any], gettext: Callable[[str], str],
          locale: str) -> str:
    filled = {key: value.in_language(gettext, locale) if isinstance(value, Words)
              else value.in_locale(locale) if isinstance(value, Moment) else value for key, value in values.items()}
    try:
        return translated.format(**filled)
    except (KeyError, IndexError, ValueError):
        # A translation with a broken placeholder: the English sentence, never a half-filled one.
        return english.format(**filled)


# Every text marked with ``english``: the service's own words, which a page in another language
# translates wherever they appear (a child's data export holds them among people's own words).
MARKED: set[str] = set()


def english(text: str) -> str:
    """Mark English text for the catalogues where it is translated later, by name (a page's title)."""
    MARKED.add(text)
    return text
