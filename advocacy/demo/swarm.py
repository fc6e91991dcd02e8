"""Accounts for simulated load (`advocacy demo swarm-seed N`): N children, each paired with
their own advocate, with session tokens written to a file for `python -m bots.swarm`.

Children are made through ``people.create_child`` and paired through
``pair_child`` like real ones. The advocates share one unusable password (they
sign in only with the tokens in the file) so that seeding thousands does not
spend minutes hashing passwords.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from advocacy.auth import passwords
from advocacy.auth.accounts import create_child
from advocacy.auth.service import AuthService
from advocacy.clock import Clock
from advocacy.ids import new_id
from advocacy.pairing.changes import pair_child
from advocacy.store import Store

LA = {"_id": "E08000035", "name": "Leeds", "region": "Yorkshire and The Humber"}
BATCH = 50


async def seed_pairs(store: Store, auth: AuthService, clock: Clock, count: int, url: str,
                     days: int = 7, progress=None) -> dict[str, Any]:
    """Make ``count`` child-advocate pairs; returns what the swarm needs (tokens included)."""
    run = secrets.token_hex(3)
    await store.local_authorities.update_one({"_id": LA["_id"]}, {"$set": LA}, upsert=True)
    unusable = await passwords.hash_secret(secrets.token_urlsafe(32))
    now = clock.now()
    manager = {"_id": new_id("st"), "username": f"swarm-{run}-manager", "name": f"Swarm manager {run}",
               "role": "manager", "manager": None, "password_hash": unusable, "active": True, "created_at": now}
    advocates = [
        {"_id": new_id("st"), "username": f"swarm-{run}-a{i}", "name": f"Swarm advocate {i}", "role": "advocate",
         "manager": manager["_id"], "password_hash": unusable, "active": True, "created_at": now,
         "regions": [LA["region"]], "capacity": 1, "available": True}
        for i in range(count)
    ]
    await store.staff.insert_many([manager, *advocates])
    lifetime = timedelta(days=days)
    pairs: list[dict[str, Any]] = []

    async def one(i: int, advocate: dict[str, Any]) -> dict[str, Any]:
        child, _ = await create_child(store, clock, name=f"Swarm child {i}", la=LA["_id"], region=LA["region"])
        change = await pair_child(store, clock, child["_id"], advocate["_id"], "load test")
        return {
            "conversation": change.conversation,
            "child": {"id": child["_id"], "token": (await auth.open_session(child["_id"], "child", lifetime))[0]},
            "advocate": {"id": advocate["_id"],
                         "token": (await auth.open_session(advocate["_id"], "advocate", lifetime))[0]},
        }

    for start in range(0, count, BATCH):
        pairs += await asyncio.gather(*(one(i, advocates[i]) for i in range(start, min(count, start + BATCH))))
        if progress is not None:
            progress(len(pairs), count)
    return {"url": url, "run": run, "manager": manager["_id"], "pairs": pairs}


def write(path: Path, accounts: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(accounts))
    path.chmod(0o600)
