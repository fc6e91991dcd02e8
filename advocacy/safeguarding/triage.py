"""Triage: does a child's message suggest a safeguarding risk?

The rules live in ``config/safeguarding.toml`` and are read only by
``load_rules``. ``triage(text, rules)`` is pure and returns one ``Match`` per
rule that fired: category, severity and rule id, never any of the child's
words, so a match can be logged or stored with the message id.

Recall comes first: a missed risk is far worse than a false alarm, which a
person looks at and dismisses. Triage only raises a flag for a person; it
decides nothing about a child on its own.

Before matching, the message is normalised so that the way children type does
not hide a risk:

1. Unicode NFKC, lower case, accents and zero-width characters removed,
   "'ll" read as " will" ("he'll" → "he will", not "hell"), other apostrophes
   dropped ("I'm" → "im"), a few Cyrillic look-alike letters mapped;
2. look-alike digits and symbols inside words read as letters ("k1ll" → "kill",
   "$uicide" → "suicide"), from ``[normalise] look_alikes``;
3. runs of one letter squeezed to one ("kiiiill" → "kil", and "kill" → "kil"
   too, so the rules see every word with its double letters squeezed);
4. text-speak and contractions expanded word by word from
   ``[normalise] text_speak`` ("kms" → "kil myself", "dont" → "do not",
   "wanna" → "want to");
5. everything else that is not a letter or digit becomes a single space.

Phrases in the rules go through the same steps when loaded, so they are
written as plain English. Patterns are regular expressions matched against the
normalised text: letter runs inside them are squeezed when loaded, ``{name}``
inserts a macro from ``[macros]``, and every pattern only matches whole words.

Speed: the normalised text holds only words and single spaces, and every
pattern starts at the start of a word. So matching is tried only at word
starts, and at each only with the patterns that can begin with that word's
first two characters (worked out from each pattern when the rules are loaded).
One combined expression per opening answers "anything here?" for the whole
rule set; the rules are tried one by one, with their exceptions and negation,
only where it says yes, which for most messages is nowhere.
"""

from __future__ import annotations

import dataclasses
import re
import re._constants as _sre  # only to read how a pattern can open; see _openings
import re._parser as _sre_parse
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advocacy.safeguarding.model import WordModel, load_model
from advocacy.settings import CONFIG_DIR, SettingsError, read_toml

DEFAULT_RULES_PATH = CONFIG_DIR / "safeguarding.toml"
# What the second reader (model.py) flags: a message worded like risky ones, but no rule fired.
POSSIBLE = "possible"
MODEL_RULE_ID = "model.word_evidence"
SEVERITIES = ("urgent", "high")

_RULE_ID = re.compile(r"[a-z][a-z_]*\.[a-z][a-z0-9_]*")
_MACRO = re.compile(r"\{([a-z_]+)\}")
_TOKEN = re.compile(r"[a-z0-9@$!|]+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTER_RUN = re.compile(r"([a-z])\1+")
_SPACE = re.compile(" ")
# "he'll", "she'll", "i'll" with the apostrophe typed: read "will" before apostrophes are dropped ("hell", "shell").
_WILL = re.compile("(?<=[a-z])['’‘`´ʼ]ll(?![a-z])")
_DROPPED = dict.fromkeys(map(ord, "'’‘`´ʼ\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Cyrillic letters that look like Latin ones; used to dodge filters.
_CONFUSABLES = str.maketrans("аеорсухіјѕԁ", "aeopcyxijsd")
_ALLOWED_RULE_KEYS = {"id", "category", "severity", "phrases", "patterns", "unless", "negatable"}
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class RulesError(SettingsError):
    """config/safeguarding.toml is missing or wrong; the message names the file, the rule and the key."""


@dataclass(frozen=True)
class Match:
    """One rule that fired. Deliberately holds no words from the message."""

    category: str
    severity: str
    rule_id: str


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    # This rule's patterns, grouped by the two characters a match can start with.
    by_opening: _ByOpening
    unless: tuple[re.Pattern[str], ...]
    negatable: bool


class Normaliser:
    """Reads a message the way the rules expect it (see the module docstring)."""

    def __init__(self, look_alikes: Mapping[str, str], text_speak: Mapping[str, str], number_words: Mapping[str, str]):
        self.look_alikes = dict(look_alikes)
        self.text_speak = dict(text_speak)
        self.number_words = dict(number_words)
        self._look_alike_table = str.maketrans(self.look_alikes)

    def __call__(self, text: str) -> str:
        text = _WILL.sub(" will", unicodedata.normalize("NFKC", text).casefold())
        text = text.translate(_DROPPED).translate(_CONFUSABLES)
        if not text.isascii():
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        tokens = _TOKEN.findall(text)
        speak, table = self.text_speak, self._look_alike_table
        words = [speak.get(t) or (t if t.isalpha() else _look_alike(t, table)) for t in tokens]
        if not self.number_words.keys().isdisjoint(words):
            # From the end, so "2 2 go" reads the second "2" as "to" before deciding the first,
            # and on the tidied word ("2$" is "2"): reading the result again changes nothing.
            for i in range(len(words) - 1, -1, -1):
                if words[i] in self.number_words and _reads_as_word(words[i + 1 :]):
                    words[i] = self.number_words[words[i]]
        squeezed = _LETTER_RUN.sub(_first_of_run, " ".join(w for w in words if w))
        return " ".join([speak.get(w, w) for w in squeezed.split()])


def _look_alike(token: str, table: dict[int, str]) -> str:
    # "!" and "|" at the edge of a word are punctuation; inside a word they stand for "i".
    token = token.strip("!|")
    if any(c.isalpha() for c in token):
        token = token.translate(table)
    return _NOT_ALNUM.sub("", token)


def _first_of_run(match: re.Match[str]) -> str:
    return match[1]


def _reads_as_word(following: list[str]) -> bool:
    # "want 2 die" reads "want to die", but "2 days" and "2 pills" are counts.
    after = next((word.split()[0] for word in following if word), "")
    return after.isalpha() and not after.endswith("s")


@dataclass(frozen=True)
class Rules:
    """Compiled rules; build them with ``load_rules``."""

    rules: tuple[Rule, ...]
    categories: Mapping[str, str]
    normalise: Normaliser
    # Every rule's patterns together, grouped the same way.
    any_rule: _ByOpening
    everywhere: tuple[re.Pattern[str], ...]
    negations: frozenset[str]
    negation_window: int
    # The second reader for what no rule catches (None: rules only).
    model: WordModel | None = None


def normalise(text: str, rules: Rules) -> str:
    """The message as the rules see it (for tests and for writing rules)."""
    return rules.normalise(text)


def triage(text: str, rules: Rules) -> list[Match]:
    """Every rule that fires on ``text``, most severe first, at most one match per rule.

    When no rule fires, the second reader (``rules.model``, see model.py) may still
    flag the message as ``possible``.
    """
    seen = rules.normalise(text)
    found = _rule_matches(seen, rules)
    if not found and rules.model is not None and rules.model.flags(seen):
        return [Match(POSSIBLE, "high", MODEL_RULE_ID)]
    return found


def _rule_matches(seen: str, rules: Rules) -> list[Match]:
    # A rule can only match where the union of all rules matches, so look no further than there.
    starts = [
        i
        for i in _word_starts(seen)
        if (union := rules.any_rule[seen[i : i + _OPENING]]) is not None and union.match(seen, i)
    ]
    if not starts:
        return []
    everywhere: list[tuple[int, int]] | None = None
    found: list[Match] = []
    for rule in rules.rules:
        for i in starts:
            pattern = rule.by_opening[seen[i : i + _OPENING]]
            hit = pattern.match(seen, i) if pattern is not None else None
            if hit is None:
                continue
            if everywhere is None:
                everywhere = [m.span() for exception in rules.everywhere for m in exception.finditer(seen)]
            if _overlaps(hit.span(), everywhere) or _excepted(hit, rule, seen):
                continue
            if rule.negatable and _negated(seen, hit.start(), rules):
                continue
            found.append(Match(rule.category, rule.severity, rule.id))
            break
    found.sort(key=lambda match: SEVERITIES.index(match.severity))
    return found


def _word_starts(text: str) -> list[int]:
    return [0, *(space.end() for space in _SPACE.finditer(text))] if text else []


def _overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(s < end and start < e for s, e in others)


def _excepted(hit: re.Match[str], rule: Rule, text: str) -> bool:
    return any(_overlaps(hit.span(), [m.span() for m in pattern.finditer(text)]) for pattern in rule.unless)


def _negated(text: str, start: int, rules: Rules) -> bool:
    before = text[:start].split()[-rules.negation_window :]
    return any(word in rules.negations for word in before)


# ---------------------------------------------------------------- loading


def load_rules(path: Path | str | None = None, *, with_model: bool = True,
               model_path: Path | str | None = None) -> Rules:
    """Read, check and compile config/safeguarding.toml (or ``path``); raise RulesError on any mistake.

    With ``with_model``, the second reader from config/safeguarding_model.json (or ``model_path``)
    comes too, if the file is there.
    """
    rules = _load_rules(path)
    if not with_model:
        return rules
    if POSSIBLE not in rules.categories:
        raise RulesError(f"{path or DEFAULT_RULES_PATH}: "
                         f"[categories] needs {POSSIBLE} for what the second reader flags")
    return dataclasses.replace(rules, model=load_model(model_path))


def _load_rules(path: Path | str | None) -> Rules:
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    raw = read_toml(path, "the safeguarding rules file", RulesError)
    return compile_rules(raw, str(path))


def compile_rules(raw: Mapping[str, Any], source: str = "safeguarding rules") -> Rules:
    """Check and compile rules already parsed from TOML; ``source`` names them in errors."""
    for unknown in sorted(set(raw) - {"categories", "normalise", "macros", "exceptions", "rule"}):
        raise RulesError(f"{source}: section [{unknown}] is not known")

    categories = _string_table(raw, "categories", source)
    if not categories:
        raise RulesError(f"{source}: [categories] must list at least one category")

    norm = raw.get("normalise", {})
    if not isinstance(norm, dict):
        raise RulesError(f"{source}: [normalise] must be a section")
    for unknown in sorted(set(norm) - {"look_alikes", "number_words", "text_speak", "negations", "negation_window"}):
        raise RulesError(f"{source}: [normalise] {unknown} is not a known key")
    look_alikes = _string_table(norm, "look_alikes", source, "[normalise] ")
    for key in look_alikes:
        if len(key) != 1 or key.isalpha():
            raise RulesError(
                f"{source}: [normalise] look_alikes key {key!r} must be one digit or symbol that stands for letters"
            )
    number_words = _string_table(norm, "number_words", source, "[normalise] ")
    for key in number_words:
        if not key.isdigit():
            raise RulesError(f"{source}: [normalise] number_words key {key!r} must be a number, such as \"2\"")
    squeeze = Normaliser(look_alikes, {}, {})
    text_speak: dict[str, str] = {}
    for word, meaning in _string_table(norm, "text_speak", source, "[normalise] ").items():
        # Both spellings: as typed ("2nite") and as squeezed ("wanna" is seen as "wana").
        text_speak[word] = squeeze(meaning)
        text_speak[_LETTER_RUN.sub(r"\1", word)] = squeeze(meaning)
    for word, meaning in text_speak.items():
        for part in meaning.split():
            if part in text_speak:
                raise RulesError(
                    f"{source}: [normalise.text_speak] {word} expands to {meaning!r}, but {part!r} is itself "
                    "a short form; write the expansion in full words"
                )
    normaliser = Normaliser(look_alikes, text_speak, {k: squeeze(v) for k, v in number_words.items()})

    negations = norm.get("negations", [])
    if not isinstance(negations, list) or not all(isinstance(w, str) and w.isalpha() for w in negations):
        raise RulesError(f"{source}: [normalise] negations must be a list of single words, "
                         "such as [\"not\", \"never\"]")
    window = norm.get("negation_window", 3)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= 10:
        raise RulesError(f"{source}: [normalise] negation_window is {window!r}; expected a whole number from 1 to 10")

    macros = _string_table(raw, "macros", source)
    own_word = "w" in macros

    def regex(pattern: Any, where: str) -> str:
        if not isinstance(pattern, str) or not pattern.strip():
            raise RulesError(f"{where} is {pattern!r}; expected a regular expression in quotes")
        for _ in range(5):  # macros may use macros, a few levels deep
            missing = [name for name in _MACRO.findall(pattern) if name not in macros and name != "w"]
            if missing:
                raise RulesError(f"{where} uses {{{missing[0]}}}, which is not defined in [macros]")
            pattern = _MACRO.sub(lambda m: m[0] if m[1] == "w" and not own_word else macros[m[1]], pattern)
        if not own_word:
            pattern = _one_word(pattern)
        source_text = f"(?<![a-z0-9])(?:{_squeeze_pattern(pattern)})(?![a-z0-9])"
        try:
            re.compile(source_text)
        except re.error as exc:
            raise RulesError(f"{where} is not a valid regular expression ({exc})") from None
        return source_text

    exceptions = raw.get("exceptions", {})
    if not isinstance(exceptions, dict) or set(exceptions) - {"everywhere"}:
        raise RulesError(f"{source}: [exceptions] may only hold everywhere = [...]")
    everywhere = tuple(
        re.compile(regex(p, f"{source}: [exceptions] everywhere[{i}]"))
        for i, p in enumerate(_list(exceptions, "everywhere", f"{source}: [exceptions]"))
    )

    entries = raw.get("rule")
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{source}: there are no [[rule]] entries")
    rules: list[Rule] = []
    all_alternatives: list[str] = []
    seen_ids: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        label = f"{source}: [[rule]] number {position}"
        if not isinstance(entry, dict):
            raise RulesError(f"{label} must be a table")
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise RulesError(f"{label}: id is {rule_id!r}; expected category.name in lower case, "
                             "e.g. \"self_harm.cutting\"")
        label = f"{source}: rule {rule_id}"
        if rule_id in seen_ids:
            raise RulesError(f"{label}: the id is used twice")
        seen_ids.add(rule_id)
        for unknown in sorted(set(entry) - _ALLOWED_RULE_KEYS):
            raise RulesError(f"{label}: {unknown} is not a known key; expected {', '.join(sorted(_ALLOWED_RULE_KEYS))}")
        category = entry.get("category")
        if category not in categories:
            raise RulesError(f"{label}: category is {category!r}; expected one of {', '.join(categories)}")
        severity = entry.get("severity")
        if severity not in SEVERITIES:
            raise RulesError(f"{label}: severity is {severity!r}; expected one of {', '.join(SEVERITIES)}")
        negatable = entry.get("negatable", False)
        if not isinstance(negatable, bool):
            raise RulesError(f"{label}: negatable is {negatable!r}; expected true or false")
        alternatives: list[str] = []
        for i, phrase in enumerate(_list(entry, "phrases", label)):
            seen_phrase = normaliser(phrase) if isinstance(phrase, str) else ""
            if not seen_phrase:
                raise RulesError(f"{label}: phrases[{i}] is {phrase!r}; expected words in quotes")
            alternatives.append(f"(?<![a-z0-9]){re.escape(seen_phrase)}(?![a-z0-9])")
        for i, pattern in enumerate(_list(entry, "patterns", label)):
            alternatives.append(regex(pattern, f"{label}: patterns[{i}]"))
        if not alternatives:
            raise RulesError(f"{label}: give at least one phrase or pattern")
        unless = tuple(re.compile(regex(p, f"{label}: unless[{i}]"))
                       for i, p in enumerate(_list(entry, "unless", label)))
        all_alternatives.extend(alternatives)
        rules.append(Rule(rule_id, category, severity, _ByOpening(alternatives), unless, negatable))

    return Rules(
        rules=tuple(rules),
        categories=categories,
        normalise=normaliser,
        any_rule=_ByOpening(all_alternatives),
        everywhere=everywhere,
        negations=frozenset(_LETTER_RUN.sub(r"\1", w.lower()) for w in negations),
        negation_window=window,
    )


def _string_table(raw: Mapping[str, Any], name: str, source: str, prefix: str = "") -> dict[str, str]:
    table = raw.get(name, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise RulesError(f"{source}: {prefix}{name} must be a table of names = \"text\"")
    return dict(table)


def _list(table: Mapping[str, Any], key: str, label: str) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise RulesError(f"{label}: {key} must be a list in square brackets")
    return value


# {w} alone in a repeated group, "(?:{w}){0,3}", carries the space that parts it from the next word.
_REPEATED_WORD = re.compile(r"\(\?:\{w\}\)(?=[?*+{])")


def _one_word(pattern: str) -> str:
    """Expand {w}, "any one word": in a repeated group with the space after it, elsewhere just the word.

    So "(?:{w}){0,3}at" is up to three words then "at", and "my {w}" is "my" and one word,
    at the end of a pattern too ("bruises from my dad"), not "my dad" and a space.
    """
    return _REPEATED_WORD.sub("(?:[a-z0-9]+ )", pattern).replace("{w}", "[a-z0-9]+")


def _squeeze_pattern(pattern: str) -> str:
    """Squeeze runs of one letter in a pattern's literal text, leaving escapes (``\\bb``) alone."""
    out: list[str] = []
    previous = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            previous = ""
            i += 2
            continue
        if not (char.isalpha() and char == previous):
            out.append(char)
        previous = char if char.isalpha() else ""
        i += 1
    return "".join(out)


class _ByOpening(dict[str, "re.Pattern[str] | None"]):
    """A rule set's alternatives grouped by the first two characters they can match.

    ``by_opening["ki"]`` is one pattern joining every alternative that can start with
    "ki" (a single character, at the end of a text, gets every alternative
    starting with it), or None. Each group is compiled the first time a message
    needs it, since most of the 1,400 possible openings never turn up.
    """

    def __init__(self, alternatives: list[str]) -> None:
        super().__init__()
        self._alternatives = alternatives
        anywhere: set[int] = set()
        groups: dict[str, set[int]] = {}
        for index, openings in enumerate(_openings(a) for a in alternatives):
            if openings is None:
                anywhere.add(index)
                continue
            for opening in openings:
                keys = ([opening[:1], opening] if len(opening) >= _OPENING
                        else [opening] + [opening + c for c in _ALPHABET + " "])
                for key in keys:
                    groups.setdefault(key, set()).add(index)
        self._anywhere = frozenset(anywhere)
        self._groups = {key: tuple(sorted(members | anywhere)) for key, members in groups.items()}
        self._compiled: dict[tuple[int, ...], re.Pattern[str]] = {}

    def __missing__(self, key: str) -> re.Pattern[str] | None:
        members = self._groups.get(key) or tuple(sorted(self._anywhere))
        pattern = None
        if members:
            pattern = self._compiled.get(members)
            if pattern is None:
                pattern = self._compiled[members] = re.compile("|".join(self._alternatives[i] for i in members))
        self[key] = pattern
        return pattern


_OPENING = 2
_MAX_OPENINGS = 5000


def _openings(pattern: str) -> frozenset[str] | None:
    """The first two characters a match of ``pattern`` can begin with, or None if they could be anything.

    A shorter string means a match can be that short. Only used to skip
    patterns that cannot match at a word, so any doubt answers None (try it
    everywhere): a wrong answer could make triage slower, never blinder. It
    reads the parse tree of the ``re`` module, which is private; if that
    changes shape, every pattern is simply tried everywhere.
    """
    try:
        found = _sequence_openings(_sre_parse.parse(pattern).data, {""})
    except _Unknown:
        return None
    except Exception:
        return None
    if "" in found:
        return None
    return frozenset(found)


class _Unknown(Exception):
    pass


def _extend(prefixes: set[str], more: set[str]) -> set[str]:
    out = {p for p in prefixes if len(p) >= _OPENING}
    for p in prefixes:
        if len(p) < _OPENING:
            out.update((p + m)[:_OPENING] for m in more)
    if len(out) > _MAX_OPENINGS:
        raise _Unknown
    return out


def _sequence_openings(items: Any, prefixes: set[str]) -> set[str]:
    for op, arg in items:
        if all(len(p) >= _OPENING for p in prefixes):
            break
        prefixes = _item_openings(op, arg, prefixes)
    return prefixes


def _item_openings(op: Any, arg: Any, prefixes: set[str]) -> set[str]:
    if op is _sre.LITERAL:
        return _extend(prefixes, {chr(arg)})
    if op is _sre.IN:
        chars: set[str] = set()
        for kind, value in arg:
            if kind is _sre.LITERAL:
                chars.add(chr(value))
            elif kind is _sre.RANGE:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            elif kind is _sre.CATEGORY and value is _sre.CATEGORY_DIGIT:
                chars.update("0123456789")
            else:
                raise _Unknown
        return _extend(prefixes, chars)
    if op is _sre.BRANCH:
        out: set[str] = set()
        for branch in arg[1]:
            out |= _sequence_openings(branch, set(prefixes))
        return out
    if op is _sre.SUBPATTERN:
        return _sequence_openings(arg[-1], prefixes)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, inner = arg
        out = set(prefixes) if low == 0 else set()
        current = prefixes
        for count in range(1, min(high, low + _OPENING) + 1):
            current = _sequence_openings(inner, current)
            if count >= low:
                out |= current
        return out
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return prefixes
    raise _Unknown
