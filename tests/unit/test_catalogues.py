"""Every word a child reads is in every language's catalogue, with its placeholders and markup intact.

The words are extracted afresh from the templates, scripts, ``N_(...)`` texts and
config/categories.toml (babel.cfg, as ``make extract-messages`` does), so a new
string in a template fails here until each catalogue has it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from advocacy.languages import LOCALE_DIR, MACHINE_DRAFTED, Languages
from advocacy.settings import PROJECT_ROOT
from advocacy.words import N_

TOKENS = re.compile(r"%\(\w+\)s|\{\w+\}|</?\w+[^>]*>")
LANGUAGES = Languages.load()
OTHERS = [lang.code for lang in LANGUAGES if lang.code != LANGUAGES.default]


def _method_map() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    from babel.messages.frontend import parse_mapping_cfg

    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        return parse_mapping_cfg(cfg)


def extracted() -> set[str]:
    method_map, options_map = _method_map()
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(PROJECT_ROOT), method_map, options_map,
                                                   keywords={"_": None, "gettext": None, "ngettext": (1, 2),
                                                             "N_": None, "english": None}):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def words() -> set[str]:
    return extracted()


def test_extraction_finds_the_words_of_every_child_facing_surface(words: set[str]) -> None:
    assert "Sign in" in words  # a template
    assert "Connecting…" in words  # a script
    assert "Hi! {name} is your advocate." in words  # a notice in the chat
    assert "Where I live" in words  # config/categories.toml
    assert "Everything we hold about you" in words  # the data export
    assert len(words) > 250


@pytest.mark.parametrize("code", OTHERS)
def test_extraction_finds_nothing_untranslated(code: str, words: set[str]) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(w for w in words if w not in translated)
    assert missing == [], f"{code}: {len(missing)} words without a translation, e.g. {missing[:3]}"


@pytest.mark.parametrize("code", OTHERS)
def test_translations_keep_every_placeholder_and_tag(code: str) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    broken = [m.id for m in catalogue if m.id and m.string
              and set(TOKENS.findall(m.string)) != set(TOKENS.findall(m.id))]
    assert broken == []


@pytest.mark.parametrize("code", OTHERS)
def test_each_catalogue_says_how_far_it_has_been_reviewed(code: str) -> None:
    language = LANGUAGES.get(code)
    assert language.review
    if language.machine_drafted:
        header = (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        assert MACHINE_DRAFTED in header


def test_the_right_to_left_languages_are_marked() -> None:
    assert {lang.code for lang in LANGUAGES if lang.direction == "rtl"} == {"ar", "ps", "ckb", "fa"}


def test_a_missing_string_falls_back_to_english_for_that_string_only() -> None:
    arabic = LANGUAGES.gettext("ar")
    words = N_("Hi! {name} is your advocate.", name="Sam") + N_("A sentence no catalogue has.")
    text = words.in_language(arabic)
    assert text.startswith("مرحبًا! Sam") and text.endswith("A sentence no catalogue has.")


def test_an_unknown_language_reads_as_english() -> None:
    assert LANGUAGES.pick("xx") == "en"
    assert LANGUAGES.gettext("xx")("Sign in") == "Sign in"


def test_a_stale_compiled_catalogue_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n"Language: ar\\n"\n\nmsgid "Sign in"\nmsgstr "دخول"\n',
                                        encoding="utf-8")
    languages = Languages.load(locale_dir=tmp_path, path=_only(tmp_path, "ar"))
    assert languages.gettext("ar")("Sign in") == "دخول"


def _only(tmp_path: Path, code: str) -> Path:
    config = tmp_path / "languages.toml"
    config.write_text(f'default = "en"\n[languages.en]\nname = "English"\nenglish = "English"\ndirection = "ltr"\n'
                      f'review = "the original words"\n[languages.{code}]\nname = "x"\nenglish = "x"\n'
                      f'direction = "rtl"\nreview = "{MACHINE_DRAFTED}"\n', encoding="utf-8")
    return config
