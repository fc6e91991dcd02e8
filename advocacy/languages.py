"""The languages a child can read the service in: config/languages.toml and the compiled catalogues.

``Languages.load()`` reads the list and each language's compiled catalogue
(``advocacy/locale/<code>/LC_MESSAGES/messages.mo``, built from the ``.po`` by
``make setup``). ``gettext(code)`` gives that language's translate function: a
word the catalogue lacks comes back in English, one word at a time, so a page
is never left without words. An unknown code reads as English.
"""

from __future__ import annotations

import io
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from advocacy.settings import CONFIG_DIR, SettingsError, read_toml
from advocacy.words import Words

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
_SHARED: Languages | None = None
MACHINE_DRAFTED = "machine-drafted, awaiting review by a native speaker"


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    english: str
    direction: str
    review: str

    @property
    def machine_drafted(self) -> bool:
        return self.review == MACHINE_DRAFTED


class Languages:
    def __init__(self, languages: Iterable[Language], default: str,
                 catalogues: dict[str, NullTranslations]) -> None:
        self.by_code = {language.code: language for language in languages}
        self.default = default
        self._catalogues = catalogues

    @classmethod
    def load(cls, path: Path | None = None, locale_dir: Path = LOCALE_DIR) -> Languages:
        path = path or CONFIG_DIR / "languages.toml"
        raw = read_toml(path, "the list of languages")
        table = raw.get("languages")
        if not isinstance(table, dict) or not table:
            raise SettingsError(f"{path}: section [languages] is missing")
        languages = []
        for code, entry in table.items():
            fields = ("name", "english", "direction", "review")
            if not isinstance(entry, dict) or any(not isinstance(entry.get(f), str) for f in fields):
                raise SettingsError(f"{path}: [languages.{code}] needs name, english, direction and review as text")
            if entry["direction"] not in ("ltr", "rtl"):
                raise SettingsError(f'{path}: [languages.{code}] direction must be "ltr" or "rtl"')
            languages.append(Language(code, *(entry[f] for f in fields)))
        default = raw.get("default", "en")
        if default not in table:
            raise SettingsError(f"{path}: default {default!r} is not one of the [languages]")
        catalogues = {language.code: _catalogue(locale_dir, language.code, path)
                      for language in languages if language.code != default}
        return cls(languages, default, catalogues)

    @property
    def codes(self) -> list[str]:
        return list(self.by_code)

    @classmethod
    def shared(cls) -> Languages:
        """The project's languages, loaded once per process (``load`` reads the files again)."""
        global _SHARED
        if _SHARED is None:
            _SHARED = cls.load()
        return _SHARED

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __iter__(self) -> Iterator[Language]:
        return iter(self.by_code.values())

    def pick(self, code: object) -> str:
        """``code`` if it is one of the languages, else the default."""
        return code if isinstance(code, str) and code in self.by_code else self.default

    def get(self, code: object) -> Language:
        return self.by_code[self.pick(code)]

    def translations(self, code: object) -> NullTranslations:
        return self._catalogues.get(self.pick(code)) or NullTranslations()

    def gettext(self, code: object) -> Callable[[str], str]:
        return self.translations(code).gettext

    def write(self, words: Words | str, code: object) -> str:
        """``words`` in the language ``code`` (each sentence the catalogue lacks in English)."""
        if isinstance(words, str):
            return words
        chosen = self.pick(code)
        return words.in_language(self.gettext(chosen), "en_GB" if chosen == "en" else chosen)


def _catalogue(locale_dir: Path, code: str, config: Path) -> Translations:
    """The compiled catalogue (``make setup`` builds it), or the ``.po`` compiled here when the
    ``.mo`` is missing or older, so a checkout never shows stale words."""
    folder = locale_dir / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if not po.is_file():
        raise SettingsError(f"{config}: [languages.{code}] has no catalogue at {po}")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, DOMAIN)
    with po.open("rb") as source:
        catalog = read_po(source, locale=None)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as `pybabel compile` does
    buffer.seek(0)
    return Translations(buffer, DOMAIN)


def extract_child_labels(fileobj, keywords, comment_tags, options):
    """A Babel extractor for config/categories.toml: each ``child_label`` is words a child reads."""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        key, _, value = line.partition("=")
        if key.strip() == "child_label":
            yield number, None, tomllib.loads(f"v = {value.strip()}")["v"], []


_ENGLISH = NullTranslations()


def install_gettext(env: jinja2.Environment) -> None:
    """Jinja2's i18n tags in ``env`` take their words from the ``translations`` each render is given
    (English without it), so one environment serves every language."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return context.get("translations", _ENGLISH).gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    return context.get("translations", _ENGLISH).ngettext(singular, plural, n)
