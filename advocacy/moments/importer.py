"""`advocacy import-moments FILE.csv`: a local authority's list of upcoming meetings and events for its children.

The file has a header row: ``la``, ``ref`` (the authority's own reference for the
child, as in `advocacy import`), ``kind`` (one of ``rules.KINDS``) and ``on``
(YYYY-MM-DD). Each is recorded as if the child's advocate had written it down:
the child is asked in their chat and an opted-out child is offered advocacy again
where the kind says so. A row already imported (same child, kind and day) is not
recorded twice. Each bad row is reported with its line number; the rest are imported.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from advocacy.csv_rows import body_rows
from advocacy.errors import ServiceError
from advocacy.moments import rules
from advocacy.moments.service import Moments
from advocacy.people import case_ref_lookup

COLUMNS = ("la", "ref", "kind", "on")
BY = {"id": "import", "role": "admin"}


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows with the line each starts on, and problems with the file as a whole or a row's shape."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        return [], ["line 1: the file is empty; it needs a header row (la,ref,kind,on)"]
    except csv.Error as error:
        return [], [f"line 1: not readable as CSV ({error})"]
    if sorted(header) != sorted(COLUMNS):
        return [], [f"line 1: the header must name the columns {','.join(COLUMNS)} (in any order)"]
    body, problems = body_rows(reader, len(header))
    return [(start, {h: v.strip() for h, v in zip(header, values, strict=True)})
            for start, values in body], problems


async def import_moments(moments: Moments, text: str) -> dict[str, Any]:
    """Import the rows; returns how many were read and recorded, and the problems by line."""
    rows, problems = read_rows(text)
    secrets = await moments.keyring.secrets()
    today = moments.today()
    imported = 0
    for line, row in rows:
        try:
            kind = rules.check_kind(row["kind"])
            on = rules.check_on(row["on"], today)
        except ServiceError as error:
            problems.append(f"line {line}: {error.message.removesuffix(' Nothing was saved.')}")
            continue
        child = await moments.store.children.find_one(
            {"ref_lookup": case_ref_lookup(secrets, row["la"], row["ref"]), "erased_at": None})
        if child is None:
            problems.append(f"line {line}: no child with the reference {row['ref'][:40]!r} for {row['la'][:12]}")
            continue
        if await moments.store.moments.find_one({"child": child["_id"], "kind": kind, "on": on.isoformat()},
                                                {"_id": 1}):
            problems.append(f"line {line}: already recorded ({kind} on {on.isoformat()})")
            continue
        await moments.record_imported(child, kind, on, by=BY)
        imported += 1
    return {"rows": len(rows), "imported": imported,
            "problems": sorted(problems, key=lambda p: int(p.split(":")[0].split()[1]))}
