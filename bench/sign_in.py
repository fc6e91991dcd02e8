"""Child sign-in failures, timed: an unknown code, a real code whose PIN is chosen, a new code, a locked code.

    .venv/bin/python bench/sign_in.py            # 30 tries of each
    .venv/bin/python bench/sign_in.py --tries 10

Starts the server on the embedded database in a temporary folder and sends wrong tries over HTTP from
loopback, each kind from its own client address (``X-Forwarded-For`` through ``trusted_proxies``, so the
per-client limit does not mix them), at codes that are reset between tries so none locks before its turn.
It prints, per kind, the answers seen and the median and spread of the time to answer: a failure should
look and take the same whatever the code (issue 14, item 2). Then a burst of 25 parallel guesses at one
code: how many were checked (the limit is pin_max_failures).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from aiohttp import ClientSession, web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advocacy.auth.accounts import create_child, set_child_pin
from advocacy.bootstrap import build
from advocacy.clock import Clock
from advocacy.crypto import new_master_key
from advocacy.edge.app import init_app
from advocacy.embedded_db import EmbeddedDatabase
from advocacy.settings import load
from advocacy.store import Store


async def main(tries: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await EmbeddedDatabase.start(Path(folder) / "db")
        settings = load(environ={}).replace(
            mongodb_uri=db.uri, database_name="bench_sign_in", master_key=new_master_key(),
            trusted_proxies="127.0.0.1", child_tries_per_client=100_000,
            audit_anchor_file=str(Path(folder) / "anchors"))
        store = await Store.connect(db.uri, "bench_sign_in", 10)
        services = build(settings, store, Clock())
        runner = web.AppRunner(init_app(services), access_log=None, shutdown_timeout=1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        try:
            await store.local_authorities.insert_one({"_id": "E08000035", "name": "Leeds", "region": "Y"})
            used_doc, used_issued = await create_child(store, services.clock, name="Used", la="E08000035")
            await set_child_pin(store, used_doc["_id"], "2468")
            new_doc, new_issued = await create_child(store, services.clock, name="New", la="E08000035")
            locked_doc, locked_issued = await create_child(store, services.clock, name="Locked", la="E08000035")
            await set_child_pin(store, locked_doc["_id"], "1357")
            await store.children.update_one({"_id": locked_doc["_id"]},
                                            {"$set": {"pin_failures": settings.pin_max_failures}})
            kinds = {
                "unknown code": ("KKKK-KKKK", None),
                "code in use": (used_issued.code, used_doc["_id"]),
                "new code": (new_issued.code, new_doc["_id"]),
                "locked code": (locked_issued.code, None),
            }
            async with ClientSession(base_url=url) as http:
                times: dict[str, list[float]] = {kind: [] for kind in kinds}
                answers: dict[str, set] = {kind: set() for kind in kinds}
                for i in range(tries):  # the kinds take turns, so a busy moment on the machine hits them alike
                    for number, (kind, (code, reset)) in enumerate(kinds.items()):
                        if reset:
                            await store.children.update_one({"_id": reset}, {"$set": {"pin_failures": 0}})
                        else:
                            await store.sign_in_attempts.delete_many({"_id": {"$regex": "^code:"}})
                        started = time.perf_counter()
                        async with http.post("/api/session/child", json={"access_code": code, "pin": "9999"},
                                             headers={"X-Forwarded-For": f"10.0.{number}.{i}"}) as resp:
                            body = await resp.json()
                        times[kind].append((time.perf_counter() - started) * 1000)
                        answers[kind].add((resp.status, body["error"]["code"]))
                for kind in kinds:
                    spread = statistics.quantiles(times[kind], n=10)
                    print(f"{kind:<13} answers {sorted(answers[kind])}  median {statistics.median(times[kind]):6.1f} ms"
                          f"  10th-90th {spread[0]:6.1f}-{spread[-1]:6.1f} ms")

                await store.children.update_one({"_id": used_doc["_id"]}, {"$set": {"pin_failures": 0}})

                async def guess(pin: str) -> str:
                    async with http.post("/api/session/child", json={"access_code": used_issued.code, "pin": pin},
                                         headers={"X-Forwarded-For": "10.9.9.9"}) as resp:
                        return (await resp.json()).get("error", {}).get("code", "signed in")

                burst = await asyncio.gather(*(guess(f"{n:04d}") for n in range(1300, 1325)))
                after = (await store.children.find_one({"_id": used_doc["_id"]}))["pin_failures"]
                print(f"25 parallel guesses at one code: answers {dict(Counter(burst))}; tries counted {after} "
                      f"(pin_max_failures {settings.pin_max_failures}: the rest were refused unchecked)")
        finally:
            await runner.cleanup()
            await store.drop_database()
            await store.close()
            await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    asyncio.run(main(parser.parse_args().tries))
