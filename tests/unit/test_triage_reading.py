"""How triage reads words: "{w}" is one word wherever it stands, and "he'll" is "he will"."""

from __future__ import annotations

import pytest

from advocacy.safeguarding.triage import compile_rules, load_rules, normalise, triage

RULES = load_rules()


@pytest.mark.parametrize(
    "text",
    [
        "my dad hurts me",  # "{w}" right before a space
        "i have bruises from my dad",  # "my {w}" at the very end
        "i got a black eye off my stepdad",
        "my stepdad hit my sister",
        "he'll send my pics to my school",  # not "hell send"
    ],
)
def test_one_word_macros_match_at_the_end_and_before_a_space(text: str) -> None:
    assert triage(text, RULES), text


def test_apostrophe_ll_reads_as_will() -> None:
    assert normalise("he'll", RULES) == "he wil"  # "will" squeezed like every word
    assert normalise("she’ll come", RULES) == normalise("she will come", RULES)
    assert normalise("hell no", RULES) == "hel no"  # typed without the apostrophe, it stays a word


def _rules(pattern: str):
    return compile_rules({"categories": {"x": "X"}, "rule": [{"id": "x.one", "category": "x", "severity": "high",
                                                              "patterns": [pattern]}]})


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("from my {w}", "bruises from my dad", True),
        ("from my {w}", "bruises from my", False),
        ("(?:he|{w}) hurts me", "my dad hurts me", True),
        ("scared (?:{w}){0,2}of him", "scared of him", True),
        ("scared (?:{w}){0,2}of him", "scared a lot of him", True),
        ("scared (?:{w}){0,2}of him", "scared a lot more of him", False),
        ("took (?:{w})?pills", "took pills", True),
        ("took (?:{w})?pills", "took my pills", True),
    ],
)
def test_w_is_any_one_word(pattern: str, text: str, matches: bool) -> None:
    assert bool(triage(text, _rules(pattern))) is matches
