"""Safeguarding triage against the labelled messages in tests/data/triage_labelled.jsonl.

Every risky message there must be caught with the category it is labelled
with; every safe one must pass. A miss is a failing test named by its line in
the file. The rules were tuned until all of them pass, so these figures say the
rules remember the set, not how well they do on words nobody has written yet;
see bench/triage.py for that.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advocacy.safeguarding.triage import (
    DEFAULT_RULES_PATH,
    MODEL_RULE_ID,
    POSSIBLE,
    Match,
    Rules,
    RulesError,
    compile_rules,
    load_rules,
    normalise,
    triage,
)

triage_module = importlib.import_module("advocacy.safeguarding.triage")

DATA = Path(__file__).resolve().parent.parent / "data" / "triage_labelled.jsonl"
LABELLED = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
RISKY = [(n, row) for n, row in enumerate(LABELLED, start=1) if row["categories"]]
SAFE = [(n, row) for n, row in enumerate(LABELLED, start=1) if not row["categories"]]

# Look-alikes that must never raise a flag (the first four are from the brief).
LOOK_ALIKES = [
    "this homework is killing me",
    "I could kill for a pizza",
    "my phone died",
    "I'm dying to see my mum",
    "lol im dead",
    "my feet are killing me after pe",
    "we're gonna kill it at the talent show",
    "im gonna die of embarrassment",
    "that was dead funny",
    "i cut myself shaving lol",
    "i hurt myself playing football",
    "ive been cutting my own fringe lol",
    "my cat scratched my arm",
    "i took 2 paracetamol for my headache",
    "watched suicide squad last night",
    "i want to end it with my boyfriend",
    "i dont want to live here anymore i want to move placement",
    "i never wake up on time",
    "hit me up when ur free",
    "he beat me at fifa again",
    "my friend kicked me out of the group chat",
    "my little brother hit me with a pillow lol",
    "he pushed me to apply for college and i got in",
    "i got stabbed in the back by my best mate she told everyone my secret",
    "my dog ran away but we found him",
    "we ran away from a goose at the park",
    "im not going home til 8 cos of football",
    "my cat went missing",
    "my mum is coming to get me from school on friday",
    "this girl from my school started following me on tiktok",
    "my carer called the police cos i was late back",
    "we used knives in food tech today",
    "i made a burner account to watch my exs story",
    "i need to plug my phone in its on 2 percent",
    "im running for them in the relay at sports day",
    "my mums boyfriend is 40",
    "i owe my mate a fiver",
    "my nan keeps asking me for pics of my new school uniform",
    "my carer comes into my room to wake me up for school",
    "he touched my phone without asking",
    "im starving whats for tea",
    "the heating is broken at school so we went home early",
    "i havent eaten breakfast cause i was late",
    "im dealing with a lot at the moment",
    "my nose is bleeding again ugh",
    "my foster mum is gonna kill me when she finds out i lost my bus pass",
    "i'm gonna kill my brother he ate my chocolate",
    "i laughed so hard i cried",
]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def categories(text: str, rules: Rules) -> set[str]:
    return {match.category for match in triage(text, rules)}


# ---------------------------------------------------------------- the labelled set


def test_the_labelled_set_is_big_enough_and_balanced(rules: Rules) -> None:
    assert len(LABELLED) >= 150
    assert 0.4 <= len(RISKY) / len(LABELLED) <= 0.6
    labelled = {category for _, row in RISKY for category in row["categories"]}
    assert labelled <= set(rules.categories)
    for category in set(rules.categories) - {POSSIBLE}:  # "possible" is the second reader's, never a label
        examples = sum(category in row["categories"] for _, row in RISKY)
        assert examples >= 3, f"only {examples} labelled messages for {category}"
    assert len({row["text"] for row in LABELLED}) == len(LABELLED), "a message is in the set twice"


@pytest.mark.parametrize(("line", "row"), RISKY, ids=[f"line{n}" for n, _ in RISKY])
def test_every_risky_message_is_caught_with_its_category(rules: Rules, line: int, row: dict) -> None:
    found = triage(row["text"], rules)
    assert found, f"line {line} is missed"
    # Where rules fire they name the category; the second reader only says "possible" and a person names it.
    by_rules = {match.category for match in found if match.rule_id != MODEL_RULE_ID}
    missing = set(row["categories"]) - by_rules
    assert not by_rules or not missing, f"line {line}: not flagged as {sorted(missing)} (flagged: {sorted(by_rules)})"


@pytest.mark.parametrize(("line", "row"), SAFE, ids=[f"line{n}" for n, _ in SAFE])
def test_every_safe_message_passes(rules: Rules, line: int, row: dict) -> None:
    assert triage(row["text"], rules) == [], f"line {line} raised a false alarm"


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_do_not_match(rules: Rules, text: str) -> None:
    assert triage(text, rules) == []


# ---------------------------------------------------------------- how messages are read


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("I'm gonna KIIIILL myself!!!", "i am going to kil myself"),
        ("kms", "kil myself"),
        ("k1ll mys3lf", "kil myself"),
        ("$uicidal", "suicidal"),
        ("want 2 die", "want to die"),
        ("2 days", "2 days"),  # a count stays a number
        ("i took 4 pills", "i tok 4 pils"),
        ("ｋｉｌｌ ｍｙｓｅｌｆ", "kil myself"),  # full-width letters (NFKC)
        ("kíll mysélf", "kil myself"),  # accents
        ("kіll myself", "kil myself"),  # Cyrillic і
        ("don’t tell anyone", "do not tel anyone"),  # curly apostrophe
        ("help!!", "help"),
        ("wannaaa dieee", "want to die"),
        ("", ""),
    ],
)
def test_normalise(rules: Rules, typed: str, seen: str) -> None:
    assert normalise(typed, rules) == seen


@pytest.mark.parametrize(
    "text",
    ["KMS", "kiiiiiill myself", "su1c1dal", "i wanna unalive myself", "im gonna end it all 2nite", "i want 2 die"],
)
def test_disguised_self_harm_is_caught(rules: Rules, text: str) -> None:
    assert "self_harm" in categories(text, rules)


def test_negation_close_before_a_negatable_rule_cancels_it(rules: Rules) -> None:
    assert categories("i would never kill myself", rules) == set()
    assert categories("im not going to run away", rules) == set()
    assert "self_harm" in categories("i want to kill myself", rules)
    # "not" more than three words before the match is not a negation of it.
    assert "self_harm" in categories("i do not know why but i keep wanting to kill myself", rules)


def test_negation_does_not_cancel_rules_that_are_not_negatable(rules: Rules) -> None:
    assert "abuse_sexual" in categories("he did not stop touching me", rules)


# ---------------------------------------------------------------- what a match holds


def test_a_match_holds_no_words_from_the_message(rules: Rules) -> None:
    assert [f.name for f in dataclasses.fields(Match)] == ["category", "severity", "rule_id"]
    matches = triage("xylophonia says she will kill myself tonight xylophonia", rules)
    assert matches
    assert "xylophonia" not in repr(matches)
    rule_ids = {rule.id for rule in rules.rules}
    assert all(m.rule_id in rule_ids and m.category in rules.categories and m.severity in ("urgent", "high")
               for m in matches)


def test_matches_are_most_severe_first_and_one_per_rule(rules: Rules) -> None:
    matches = triage("he hits me and he has got a knife and he hits me again", rules)
    assert [m.severity for m in matches] == sorted((m.severity for m in matches), key=("urgent", "high").index)
    assert matches[0].severity == "urgent"
    assert len({m.rule_id for m in matches}) == len(matches)


def test_nothing_and_everything_ordinary_pass(rules: Rules) -> None:
    assert triage("", rules) == []
    assert triage("   !!!  ", rules) == []
    assert triage("ok see you thursday", rules) == []


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=300))
@example("2:2:A")  # a number read as a word before the number it precedes was
@example("2$:A")  # a number with a symbol stuck to it
def test_any_text_is_triaged_without_error_and_read_consistently(text: str) -> None:
    rules = _shared_rules()
    seen = normalise(text, rules)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", seen)
    assert normalise(seen, rules) == seen
    assert isinstance(triage(text, rules), list)


_RULES: list[Rules] = []


def _shared_rules() -> Rules:
    if not _RULES:
        _RULES.append(load_rules())
    return _RULES[0]


# ---------------------------------------------------------------- the speed-up must not blind it


def test_grouping_by_opening_never_hides_a_pattern(rules: Rules) -> None:
    """Wherever a pattern matches in the labelled set, it is in the group its opening selects."""
    compiled = {}
    for rule in rules.rules:
        for alternative in rule.by_opening._alternatives:
            compiled[alternative] = (re.compile(alternative), triage_module._openings(alternative))
    checked = 0
    for row in LABELLED:
        seen = normalise(row["text"], rules)
        for pattern, openings in compiled.values():
            for hit in pattern.finditer(seen):
                checked += 1
                if openings is not None:
                    assert any(seen[hit.start():].startswith(o) for o in openings), (pattern.pattern, seen)
    assert checked > len(RISKY)


def test_grouped_matching_agrees_with_plain_matching(rules: Rules) -> None:
    def plain(text: str) -> set[str]:
        seen = normalise(text, rules)
        found = set()
        for rule in rules.rules:
            whole = re.compile("|".join(rule.by_opening._alternatives))
            for i in triage_module._word_starts(seen):
                hit = whole.match(seen, i)
                if hit is None:
                    continue
                everywhere = [m.span() for e in rules.everywhere for m in e.finditer(seen)]
                if triage_module._overlaps(hit.span(), everywhere) or triage_module._excepted(hit, rule, seen):
                    continue
                if rule.negatable and triage_module._negated(seen, hit.start(), rules):
                    continue
                found.add(rule.id)
                break
        return found

    flagged = 0
    for row in LABELLED[::3]:
        by_rules = {m.rule_id for m in triage(row["text"], rules)} - {MODEL_RULE_ID}
        assert by_rules == plain(row["text"]), row["text"]
        flagged += bool(by_rules)
    assert flagged >= 100  # rows that some rule catches, or agreeing would prove nothing (189 of 404 today)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("kil", {"ki"}),
        ("(?:hit|hits) me", {"hi"}),
        ("i am", {"i "}),
        (r"\w+ me", None),
        ("[5-9] pils", {"5 ", "6 ", "7 ", "8 ", "9 "}),
        ("^help", {"he"}),
    ],
)
def test_openings(pattern: str, expected: set[str] | None) -> None:
    openings = triage_module._openings(f"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")
    assert (None if openings is None else set(openings)) == expected


# ---------------------------------------------------------------- the rules file


def minimal(**rule: object) -> dict:
    return {
        "categories": {"self_harm": "Self-harm and suicide"},
        "rule": [{"id": "self_harm.test", "category": "self_harm", "severity": "urgent", "phrases": ["kill myself"],
                  **rule}],
    }


def test_a_minimal_rule_file_works() -> None:
    rules = compile_rules(minimal())
    assert [m.rule_id for m in triage("I will KILL MYSELF", rules)] == ["self_harm.test"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"category": "sadness"}, "category is 'sadness'"),
        ({"severity": "medium"}, "severity is 'medium'"),
        ({"patterns": ["(unclosed"]}, "rule self_harm.test: patterns[0] is not a valid regular expression"),
        ({"patterns": ["{nothing} here"]}, "uses {nothing}, which is not defined"),
        ({"phrases": [], "patterns": []}, "give at least one phrase or pattern"),
        ({"phrases": ["!!!"]}, "phrases[0] is '!!!'"),
        ({"negatable": "yes"}, "negatable is 'yes'"),
        ({"colour": "red"}, "colour is not a known key"),
        ({"id": "NoDot"}, "id is 'NoDot'"),
        ({"unless": "cut"}, "unless must be a list"),
    ],
)
def test_a_wrong_rule_is_reported_with_its_id_and_key(change: dict, expected: str) -> None:
    with pytest.raises(RulesError) as caught:
        compile_rules(minimal(**change), "safeguarding.toml")
    assert "safeguarding.toml" in str(caught.value)
    assert expected in str(caught.value)


def test_duplicate_rule_ids_are_refused() -> None:
    raw = minimal()
    raw["rule"].append(dict(raw["rule"][0]))
    with pytest.raises(RulesError, match="used twice"):
        compile_rules(raw)


def test_text_speak_that_expands_into_more_text_speak_is_refused() -> None:
    raw = minimal()
    raw["normalise"] = {"text_speak": {"u": "you", "ur": "u are"}}
    with pytest.raises(RulesError, match="itself a short form"):
        compile_rules(raw)


def test_a_missing_or_broken_rules_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="missing"):
        load_rules(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_rules(broken)


def test_the_shipped_file_is_the_default() -> None:
    assert DEFAULT_RULES_PATH.name == "safeguarding.toml"
    assert DEFAULT_RULES_PATH.exists()
