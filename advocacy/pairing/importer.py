"""`advocacy import FILE.csv`: a local authority's list of children coming into care.

The file has a header row naming its columns: ``name`` and ``la`` are needed;
``birth_date`` (YYYY-MM-DD), ``languages`` (separated by ``;``),
``gender_preference``, ``ref`` (the authority's own reference, so a file
imported twice does not make anyone twice) and ``left_care`` (YYYY-MM-DD, the
day the child left care: it starts their retention period) are optional. A
row with the ``ref`` of a child imported before and a ``left_care`` day records
that day for them (nothing else of the row is read). Each bad row is
reported with its line number and the rest are imported. The children are
then paired together (exactly, everyone else staying put), and their access
codes are written to a file only the operator can read, for their advocates
to hand over.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

from advocacy.csv_rows import body_rows
from advocacy.pairing.intake import check_child
from advocacy.pairing.service import PairingService
from advocacy.people import case_ref_lookup, record_left_care

COLUMNS = ("name", "la", "birth_date", "languages", "gender_preference", "ref", "left_care")
REQUIRED = ("name", "la")
Progress = Callable[[str, int, int], None]


def read_rows(text: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows with the line each starts on, and problems with the file as a whole."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return [], ["line 1: the file is empty; it needs a header row (name,la,...)"]
    except csv.Error as error:
        return [], [f"line 1: not readable as CSV ({error})"]
    header = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"line 1: the header needs the column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"line 1: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}")
        return [], problems
    body, problems = body_rows(reader, len(header))
    return [(start, {h: v for h, v in zip(header, values, strict=True) if v.strip() != ""})
            for start, values in body], problems


async def import_children(service: PairingService, path: Path, codes_out: Path,
                          progress: Progress | None = None) -> dict[str, Any]:
    """Import the file; returns counts, the problems by line, and where the access codes were written."""
    text = path.read_text(encoding="utf-8-sig")  # noqa: ASYNC240  (only the `advocacy import` command runs this, not the server)
    rows, problems = read_rows(text)
    known = await service.known_las()
    today = service.today()
    by = {"id": "import", "role": "admin"}
    seen: set[tuple[str, str]] = set()
    created: list[dict[str, Any]] = []
    left_care = 0
    for done, (line, row) in enumerate(rows, 1):
        fields, row_problems = check_child(row, known, today)
        key = (fields.get("la"), fields.get("ref"))
        if not row_problems and fields.get("ref"):
            lookup = case_ref_lookup(await service.keyring.secrets(), key[0], key[1])
            before = None if key in seen else await service.store.children.find_one({"ref_lookup": lookup},
                                                                                    {"_id": 1})
            if before and fields.get("left_care"):
                # A child imported before who has left care since: the authority's date starts their retention.
                seen.add(key)
                at = datetime.combine(date.fromisoformat(fields["left_care"]), time(0), tzinfo=timezone.utc)
                left_care += await record_left_care(service.store, before["_id"], at, "la_import")
                if progress:
                    progress("importing", done, len(rows))
                continue
            if key in seen or before:
                row_problems.append(f'"ref" {key[1]!r} is already imported for {key[0]}')
            seen.add(key)
        if row_problems:
            problems.append(f"line {line}: " + "; ".join(row_problems))
        else:
            doc, code = await service.create(fields, by, source="la_import")
            created.append({"line": line, "ref": fields.get("ref", ""), "child": doc["_id"], **code.public()})
        if progress:
            progress("importing", done, len(rows))
    assignments: dict[str, str | None] = {}
    if created:
        if progress:
            progress("pairing", 0, len(created))
        assignments = await service.place_many([c["child"] for c in created], "entered_care", by)
    usernames = {d["_id"]: d.get("username", "") async for d in service.store.staff.find(
        {"_id": {"$in": [a for a in assignments.values() if a]}}, {"username": 1})}
    _write_codes(codes_out, [{**c, "advocate": usernames.get(assignments.get(c["child"]), "")} for c in created])
    return {
        "rows": len(rows), "imported": len(created), "left_care": left_care,
        "paired": sum(1 for c in created if assignments.get(c["child"])),
        "problems": sorted(problems, key=lambda p: int(p.split(":")[0].split()[1])),
        "codes": str(codes_out) if created else None,
    }


def _write_codes(path: Path, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["line", "ref", "child", "advocate", "access_code", "setup_word"])
        writer.writeheader()
        writer.writerows(rows)
