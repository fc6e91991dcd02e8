"""The shipped list of local authorities (config/local_authorities.toml) and the file checks."""

from __future__ import annotations

from collections import Counter

import pytest

from advocacy.pairing.authorities import SHIPPED, AuthorityError, read_file


def test_the_shipped_list_holds_englands_153_authorities_in_their_nine_regions():
    las = read_file(SHIPPED)
    assert len(las) == 153
    assert len({la["name"] for la in las.values()}) == 153
    assert Counter(la["region"] for la in las.values()) == {
        "London": 33, "North West": 24, "South East": 19, "Yorkshire and The Humber": 15, "South West": 15,
        "West Midlands": 14, "North East": 12, "East of England": 11, "East Midlands": 10}
    # The 2023 reorganisation: Cumbria, North Yorkshire (county) and Somerset (county) are gone.
    assert {"E10000006", "E10000023", "E10000027"}.isdisjoint(las)
    assert las["E06000063"]["name"] == "Cumberland" and las["E06000066"]["name"] == "Somerset"
    assert las["E08000035"] == {"name": "Leeds", "region": "Yorkshire and The Humber"}


@pytest.mark.parametrize(("entry", "says"), [
    ('X1 = { name = "Nowhere", region = "London" }', "not a GSS code"),
    ('E06000001 = { name = "", region = "North East" }', "needs a name"),
    ('E06000001 = { name = "Hartlepool", region = "Northern" }', "the region must be one of"),
    ('E06000001 = { name = "Hartlepool", region = "North East", dfe = "80" }', "three-digit"),
    ('E06000001 = { name = "Hartlepool", region = "North East", code = "x" }', "unknown keys"),
])
def test_a_wrong_entry_is_refused_naming_the_file_and_the_authority(tmp_path, entry, says):
    path = tmp_path / "las.toml"
    path.write_text(f"[authorities]\n{entry}\n")
    with pytest.raises(AuthorityError, match=says) as refused:
        read_file(path)
    assert str(path) in str(refused.value)


def test_a_file_without_authorities_is_refused(tmp_path):
    path = tmp_path / "las.toml"
    path.write_text("[something_else]\n")
    with pytest.raises(AuthorityError, match="no \\[authorities\\] table"):
        read_file(path)
