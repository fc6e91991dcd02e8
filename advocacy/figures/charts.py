"""Small bar charts of twelve months, drawn on the server as inline SVG (pure, no I/O).

No script and no style attribute is needed (the page's CSP allows neither):
the template draws rectangles from the numbers here and the colours come from
oversight.css. A month whose figure is not shown is drawn as an outlined empty
box with a short mark, never as a zero bar, and every chart carries its
numbers as text (the SVG's title and description, and the table beside it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advocacy.figures.rules import month_words

WIDTH = 168
HEIGHT = 48
GAP = 2
LABEL = 10  # room under the bars for the first and last month's initial


def bars(months: Sequence[str], cells: Sequence[Mapping[str, Any]], title: str, small: int) -> dict[str, Any]:
    """Geometry of one chart: a bar per month scaled to the highest shown value. A month shown as
    "fewer than ``small``" (figures_small_count) is marked "<small"."""
    shown = [c["value"] for c in cells if c["value"] is not None]
    top = max(shown, default=0) or 1
    slot = WIDTH / max(len(months), 1)
    plot = HEIGHT - LABEL
    out = []
    for i, (month, cell) in enumerate(zip(months, cells, strict=True)):
        x = round(i * slot + GAP / 2, 1)
        width = round(slot - GAP, 1)
        if cell["value"] is None:
            out.append({"x": x, "y": round(plot - 12, 1), "width": width, "height": 12, "missing": True,
                        "mark": "–" if cell["state"] == "none" else f"<{small}" if cell["state"] == "fewer" else "?",
                        "label": f"{month_words(month, short=True)}: {cell['text']}", "last": i == len(months) - 1})
            continue
        height = max(round(plot * cell["value"] / top, 1), 1.0 if cell["value"] else 0.0)
        out.append({"x": x, "y": round(plot - height, 1), "width": width, "height": height, "missing": False,
                    "label": f"{month_words(month, short=True)}: {cell['text']}", "last": i == len(months) - 1})
    summary = "; ".join(b["label"] for b in out)
    return {
        "width": WIDTH, "height": HEIGHT, "plot": plot, "bars": out, "title": title,
        "description": f"Last 12 months. {summary}.",
        "first": month_words(months[0], short=True) if months else "",
        "last": month_words(months[-1], short=True) if months else "",
        "mark_y": plot - 3,
    }
