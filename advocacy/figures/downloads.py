"""Tables as CSV downloads: the same cells the page shows ("fewer than 5", "hidden" included)."""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Sequence

from aiohttp import web

# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_FILE_NAME = re.compile(r"[^a-z0-9-]+")


def cell_text(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA) and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return "'" + text
    return text


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell_text(h) for h in header])
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
    filename = _FILE_NAME.sub("-", name.lower()).strip("-") or "table"
    return web.Response(
        body=out.getvalue().encode("utf-8-sig"),  # the byte order mark tells spreadsheets it is UTF-8
        content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
