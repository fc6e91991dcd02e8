"""Triage's second reader: trained from the labelled set, kept in config, flags what no rule catches."""

from __future__ import annotations

from pathlib import Path

import pytest

from advocacy.safeguarding.model import DEFAULT_MODEL_PATH, ModelError, WordModel, features, load_model, to_json, train
from advocacy.safeguarding.train_model import trained
from advocacy.safeguarding.triage import MODEL_RULE_ID, POSSIBLE, Match, load_rules, normalise, triage

RULES = load_rules()
RULES_ONLY = load_rules(with_model=False)


def test_the_shipped_model_is_what_the_labelled_set_trains() -> None:
    assert DEFAULT_MODEL_PATH.read_text(encoding="utf-8") == to_json(trained()), (
        "config/safeguarding_model.json is out of date: run `python -m advocacy.safeguarding.train_model`")


def test_features_are_words_and_neighbouring_pairs() -> None:
    assert features("i want to") == {"i", "want", "to", "i_want", "want_to"}
    assert features("") == set()


def test_training_puts_the_threshold_above_every_safe_example() -> None:
    model = train([("i am scared", True), ("he hurt me", True), ("i am happy", False), ("it is sunny", False)])
    assert model.flags("he hurt me") and not model.flags("i am happy") and not model.flags("it is sunny")
    assert model.weights["hurt"] > 0 > model.weights["happy"]
    with pytest.raises(ValueError):
        train([("only safe", False)])


def test_the_model_speaks_only_when_no_rule_does() -> None:
    ruled = "i want to kill myself"
    assert triage(ruled, RULES) == triage(ruled, RULES_ONLY) != []
    # A risky message no rule was written for, caught by the words it shares with risky ones.
    unruled = "everything hurts and i feel so alone at night and nobody helps"
    assert triage(unruled, RULES_ONLY) == []
    assert RULES.model.score(normalise(unruled, RULES)) > RULES.model.threshold
    assert triage(unruled, RULES) == [Match(POSSIBLE, "high", MODEL_RULE_ID)]
    assert triage("can we talk about my pathway plan", RULES) == []


def test_a_missing_model_file_means_rules_only(tmp_path: Path) -> None:
    assert load_model(tmp_path / "none.json") is None
    assert load_rules(model_path=tmp_path / "none.json").model is None


@pytest.mark.parametrize("text", ["not json", '{"bias": 1}', '{"bias": "x", "threshold": 1, "weights": {}}'])
def test_a_broken_model_file_is_reported(tmp_path: Path, text: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(text)
    with pytest.raises(ModelError, match=str(path)):
        load_model(path)


def test_the_model_round_trips(tmp_path: Path) -> None:
    model = WordModel(0.5, {"a": 1.25, "a_b": -2.0}, 1.0)
    path = tmp_path / "model.json"
    path.write_text(to_json(model))
    assert load_model(path) == model
