"""The figures' small bar charts (advocacy.figures.charts): pure, drawn from published cells."""

from __future__ import annotations

import pytest

from advocacy.figures import charts


@pytest.mark.parametrize("small", [5, 10])
def test_a_month_shown_as_fewer_is_marked_with_the_configured_threshold(small):
    cells = [{"value": 12, "state": "shown", "text": "12"},
             {"value": None, "state": "fewer", "text": f"fewer than {small}"},
             {"value": None, "state": "none", "text": "none"}]
    chart = charts.bars(["2026-01", "2026-02", "2026-03"], cells, "Children", small)
    assert [b["mark"] for b in chart["bars"] if b["missing"]] == [f"<{small}", "–"]
    assert not chart["bars"][0]["missing"] and chart["bars"][0]["height"] == chart["plot"]
