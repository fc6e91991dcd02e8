"""Train triage's second reader from the labelled messages and write config/safeguarding_model.json.

    .venv/bin/python -m advocacy.safeguarding.train_model [--data FILE] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from advocacy.safeguarding.model import DEFAULT_MODEL_PATH, WordModel, to_json, train
from advocacy.safeguarding.triage import load_rules, normalise
from advocacy.settings import PROJECT_ROOT

DEFAULT_DATA = PROJECT_ROOT / "tests" / "data" / "triage_labelled.jsonl"


def labelled_examples(path: Path, read: Callable[[str], str]) -> list[tuple[str, bool]]:
    """(normalised text, is risky) for each labelled message in ``path``."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(read(row["text"]), bool(row["categories"])) for row in rows]


def trained(data: Path = DEFAULT_DATA) -> WordModel:
    rules = load_rules(with_model=False)
    return train(labelled_examples(data, lambda text: normalise(text, rules)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    model = trained(args.data)
    args.out.write_text(to_json(model), encoding="utf-8")
    print(f"{args.out}: {len(model.weights)} features, threshold {model.threshold}")


if __name__ == "__main__":
    main()
