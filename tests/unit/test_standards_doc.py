"""docs/standards.md stays honest: every test it names exists; every standard names a test or says what is missing."""

import re

import pytest

from advocacy.settings import PROJECT_ROOT

PAGE = PROJECT_ROOT / "docs" / "standards.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)(?:::(test_\w+))?`")


def _rows() -> list[str]:
    return [line for line in PAGE.read_text().splitlines() if re.match(r"\| (R?\d+) \|", line)]


@pytest.mark.parametrize("page", ["standards.md", "dpia.md"])
def test_every_test_the_standards_page_and_the_dpia_name_exists(page):
    named = NAMED.findall((PROJECT_ROOT / "docs" / page).read_text())
    assert len(named) > 5
    for path, name in named:
        source = PROJECT_ROOT / path
        assert source.is_file(), f"docs/{page} names {path}, which does not exist"
        if name:
            assert re.search(rf"^(async )?def {name}\(", source.read_text(), re.M), (
                f"docs/{page} names {path}::{name}, which does not exist")


def test_every_standard_has_a_row_naming_a_test_or_saying_what_is_missing():
    rows = _rows()
    numbers = [row.split("|")[1].strip() for row in rows]
    assert numbers == [str(n) for n in range(1, 11)] + ["R1", "R2", "R3", "R4"] + [str(n) for n in range(1, 16)]
    for row in rows:
        assert NAMED.search(row) or re.search(r"missing|not applicable", row, re.I), row
