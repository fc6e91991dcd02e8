"""`advocacy backup --out DIR` and `advocacy restore DIR`: every collection, as extended JSON lines.

A backup holds every collection, the wrapped data keys among them, and never a master key: the
data keys open only with the master key, which is kept apart from the backups (docs/operations.md).
Each collection is read as it stands when its turn comes; for a point-in-time copy of a busy
replica set use `mongodump --oplog` (docs/operations.md).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from advocacy.bootstrap import open_store
from advocacy.settings import Settings
from advocacy.store import from_json_line, to_json_line

MANIFEST = "manifest.json"
BATCH = 1000


def _private_file(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8")


async def backup_command(settings: Settings, out: Path) -> int:
    if out.exists() and any(out.iterdir()):  # noqa: ASYNC240  (a command, not the server)
        print(f"advocacy: {out} is not empty; give a new folder for the backup. Nothing was written.",
              file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True, mode=0o700)  # noqa: ASYNC240  (a command, not the server)
    counts: dict[str, int] = {}
    async with open_store(settings, share_running=True) as store:
        for name in await store.collection_names():
            counts[name] = 0
            with _private_file(out / f"{name}.jsonl") as f:
                async for doc in store.collection(name).find({}).sort("_id", 1):
                    f.write(to_json_line(doc) + "\n")
                    counts[name] += 1
    with _private_file(out / MANIFEST) as f:
        json.dump({"database": settings.database_name, "collections": counts,
                   "master_key": "not included: keep it apart from the backups"}, f, indent=2)
    print(f"Backed up {sum(counts.values()):,} documents in {len(counts)} collections to {out} "
          "(readable only by you). The master key is not in it: without it the children's messages "
          "and records cannot be read.")
    return 0


async def restore_command(settings: Settings, folder: Path) -> int:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        counts: dict[str, int] = manifest["collections"]
        for name, count in counts.items():
            with (folder / f"{name}.jsonl").open(encoding="utf-8") as f:
                lines = sum(1 for _ in f)
            if lines != count:
                raise ValueError(f"{name}.jsonl has {lines} documents; the manifest says {count}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"advocacy: {folder} is not a whole backup made by `advocacy backup` ({error}). Nothing was "
              "restored.", file=sys.stderr)
        return 2
    async with open_store(settings, share_running=True) as store:
        held = [n for n in await store.collection_names() if await store.collection(n).estimated_document_count()]
        if held:
            print(f"advocacy: the database {settings.database_name!r} is not empty (it holds {', '.join(held)}); "
                  "restore into a new database (ADVOCACY_DATABASE_NAME) or an empty one. Nothing was restored.",
                  file=sys.stderr)
            return 2
        for name in counts:
            batch = []
            with (folder / f"{name}.jsonl").open(encoding="utf-8") as f:
                for line in f:
                    batch.append(from_json_line(line))
                    if len(batch) == BATCH:
                        await store.collection(name).insert_many(batch)
                        batch = []
            if batch:
                await store.collection(name).insert_many(batch)
        await store.create_indexes()
    print(f"Restored {sum(counts.values()):,} documents in {len(counts)} collections into "
          f"{settings.database_name!r}. Start the server with the same master key to read them.")
    return 0
