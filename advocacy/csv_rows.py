"""The body of a CSV file a local authority sends (children, key moments): its rows, each with the line it
starts on, and what is wrong with a row's shape, reported by line so the rest can still be imported."""

from __future__ import annotations

import csv
from typing import Any


def body_rows(reader: Any, width: int) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """The rows after the header that ``reader`` (a ``csv.reader``) gives, as (line, values): blank rows left
    out, a row that is not CSV or has other than ``width`` values reported as a problem instead."""
    rows: list[tuple[int, list[str]]] = []
    problems: list[str] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"line {start}: not readable as CSV ({error})")
            line = reader.line_num
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != width:
            problems.append(f"line {start}: {len(values)} values for {width} columns")
            continue
        rows.append((start, values))
    return rows, problems
