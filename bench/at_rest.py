"""What encryption at rest costs the chat: sealing, opening, names and a history page.

Runs against the embedded database in a temporary folder and prints medians.
`--quick` does fewer rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from advocacy.auth.accounts import create_child, create_staff
from advocacy.auth.principal import Principal
from advocacy.bootstrap import build
from advocacy.clock import Clock
from advocacy.crypto import Keyring, decode_master_key, new_master_key
from advocacy.embedded_db import EmbeddedDatabase
from advocacy.pairing.changes import pair_child
from advocacy.pairing.roster import load_roster
from advocacy.people import child_names, sealed_needs
from advocacy.settings import load
from advocacy.store import Store

TEXT = "I want to see my brother more often and nobody is listening to me about it. " * 3


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.3f} ms"


async def timed(rounds: int, make) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await make()
        samples.append(time.perf_counter() - start)
    return samples


async def roster_with_sealed_needs(store: Store, keyring: Keyring, n: int) -> None:
    """Reading the whole roster as `pairing plan` does, each child's languages and gender wish sealed,
    beside the same roster stored readable (as an older version did)."""
    readable, sealed = [], []
    for i in range(n):
        languages = ["English", "Polish"] if i % 5 == 0 else ["English"]
        prefers = {"advocate": None, "gender": "female" if i % 7 else None}
        readable.append({"_id": f"r{i:06d}", "la": "E08000035", "advocate": None, "opted_out": False, "avoid": [],
                         "languages": languages, "prefers": prefers})
        sealed.append({"_id": f"s{i:06d}", "la": "E08000035", "advocate": None, "opted_out": False, "avoid": [],
                       **await sealed_needs(store, f"s{i:06d}", languages, prefers)})
    await store.children.delete_many({})
    await store.children.insert_many(readable)
    started = time.perf_counter()
    await load_roster(store)
    plain = time.perf_counter() - started
    await store.children.delete_many({})
    await store.children.insert_many(sealed)
    keyring._cache.clear()
    started = time.perf_counter()
    await load_roster(store)
    opened = time.perf_counter() - started
    print(f"the whole roster of {n} children read as `pairing plan` does: readable {plain:.2f} s, "
          f"languages and gender sealed (keys not cached) {opened:.2f} s")


async def main(quick: bool) -> None:
    rounds = 20 if quick else 100
    with tempfile.TemporaryDirectory(prefix="advocacy-bench-") as folder:
        db = await EmbeddedDatabase.start(Path(folder))
        store = await Store.connect(db.uri, "bench")
        try:
            await store.create_indexes()
            clock = Clock()
            settings = load(environ={})
            master = decode_master_key(new_master_key(), "bench")
            services = build(settings, store, clock, Keyring(store, master))
            keyring = services.keyring
            advocate = await create_staff(store, clock, username="bench.advocate", password="x" * 12,
                                          name="Bench Advocate", role="advocate")
            children = [(await create_child(store, clock, name=f"Child {i}", la="E08000035"))[0]["_id"]
                        for i in range(30)]
            for child in children:
                await pair_child(store, clock, child, advocate["_id"], "bench")

            sealed = await keyring.seal(children[0], TEXT, "message:x")
            seal = await timed(rounds * 10, lambda: keyring.seal(children[0], TEXT, "message:x"))
            unseal = await timed(rounds * 10, lambda: keyring.unseal(children[0], sealed, "message:x"))
            print(f"seal one {len(TEXT)}-character message (key cached): median {median_ms(seal)}")
            print(f"open one message (key cached):                  median {median_ms(unseal)}")

            async def cold_names():
                keyring._cache.clear()
                await child_names(store, children)

            print(f"30 children's names, keys not cached: median {median_ms(await timed(rounds, cold_names))}")
            print(f"30 children's names, keys cached:     median "
                  f"{median_ms(await timed(rounds, lambda: child_names(store, children)))}")

            chat = services.chat
            child_principal = Principal("se_bench", children[0], "child", "Child 0", clock.now())
            conv = await store.conversations.find_one({"child": children[0]})
            for i in range(50):
                await chat.send(child_principal, {"conversation": conv["_id"], "client_id": f"b{i}", "text": TEXT})
            staff = Principal("se_bench2", advocate["_id"], "advocate", "Bench Advocate", clock.now())
            page = await timed(rounds, lambda: chat.history(staff, {"conversation": conv["_id"], "limit": 50}))
            own = await timed(rounds, lambda: chat.history(child_principal, {"conversation": conv["_id"], "limit": 50}))
            docs = await store.messages.find({"conversation": conv["_id"]}).limit(50).to_list(None)
            opening = await timed(rounds, lambda: chat._public(docs, children[0]))
            print("a history page of 50 sealed messages, read by the child (database included): "
                  f"median {median_ms(own)}")
            print(f"the same page read by their advocate (plus the audit entry): median {median_ms(page)}")
            print(f"  of which opening the 50 messages and naming their senders: median {median_ms(opening)}")
            sends = iter(range(10_000))
            send = await timed(rounds, lambda: chat.send(
                child_principal, {"conversation": conv["_id"], "client_id": f"s{next(sends)}", "text": TEXT}))
            print(f"storing one sealed message (service call, database included): median {median_ms(send)}")

            await roster_with_sealed_needs(store, keyring, 2000 if quick else 10_000)
        finally:
            await store.close()
            await db.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
