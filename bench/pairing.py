"""Pairing at national scale: the exact solver beside a greedy baseline, and one new child on a full database.

1. Builds a seeded England-sized instance (82,000 children in 153 local
   authorities across 9 regions, 2,800 advocates; realistic languages,
   conflicts, current and previous advocates, preferences) and prints the exact
   solve time, the process's peak memory, and the cost and breakdown beside the
   greedy baseline on the same instance.
2. Seeds an embedded database with that roster as the exact solve left it
   (local authorities, advocates with their loads, children, and the pairing
   history that gives each child their previous advocates) using insert_many,
   reads the whole roster back as `advocacy pairing plan` does, then records new
   children one at a time and times pairing each one (median, 90th percentile).

How one new child is paired without re-solving the roster: everyone else stays
where they are, so the exact optimum for the newcomer is the advocate with the
least marginal cost (their pair cost, plus ``over_comfortable`` if the advocate
is already at or beyond the load they are comfortable with) among those the hard
rules allow, or nobody if leaving them unassigned is cheaper
(``advocacy.pairing.placement.place_one``). Candidates are fetched in tiers
(``PairingService.best_for``): the child's current, previous and named advocates
by id, then advocates working in the child's region (an index on ``regions``);
an advocate outside the region costs at least ``stranger + out_of_region``
(``placement.lower_bound``), so the wider tiers (advocates sharing one of the
child's languages, then everyone) are read only when the best in-region
candidate costs more than that. The benchmark checks the first placements
against ``place_one`` over every advocate in the database.

Run::

    .venv/bin/python bench/pairing.py [--quick] [--seed N] [--children N] [--advocates N] [--new N] [--no-database]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advocacy.pairing import COST_NAMES, greedy, load_weights, solve
from advocacy.pairing.placement import place_one
from advocacy.pairing.roster import advocate_records, children_records, load_roster

# Regions of England and how many local authorities with children's services each has.
REGIONS = {
    "North East": 12, "North West": 24, "Yorkshire and the Humber": 15, "East Midlands": 10,
    "West Midlands": 14, "East of England": 11, "London": 33, "South East": 19, "South West": 15,
}
NEIGHBOURS = {
    "North East": ["North West", "Yorkshire and the Humber"],
    "North West": ["North East", "Yorkshire and the Humber", "West Midlands"],
    "Yorkshire and the Humber": ["North East", "North West", "East Midlands"],
    "East Midlands": ["Yorkshire and the Humber", "West Midlands", "East of England"],
    "West Midlands": ["North West", "East Midlands", "South West"],
    "East of England": ["East Midlands", "London", "South East"],
    "London": ["East of England", "South East"],
    "South East": ["London", "East of England", "South West"],
    "South West": ["West Midlands", "South East"],
}
# Second languages of children in care (besides English), most common first.
SECOND_LANGUAGES = {
    "Polish": 14, "Urdu": 10, "Arabic": 12, "Romanian": 9, "Somali": 7, "Bengali": 7, "Punjabi": 6,
    "Portuguese": 5, "Kurdish": 6, "Pashto": 5, "Tigrinya": 5, "Farsi": 4, "Albanian": 5, "Vietnamese": 3,
    "Lithuanian": 3, "Turkish": 3, "Gujarati": 3, "Tamil": 2, "Amharic": 2, "Sudanese Arabic": 1,
}
# Unaccompanied children often have no English yet.
NO_ENGLISH = ["Arabic", "Pashto", "Kurdish", "Tigrinya", "Farsi", "Albanian", "Vietnamese", "Amharic", "Somali"]


def national_instance(seed: int = 2025, n_children: int = 82_000, n_advocates: int = 2_800) -> dict:
    """A seeded, realistic instance of the size of England's children in care."""
    rng = random.Random(seed)
    las: list[tuple[str, str, float]] = []  # (code, region, share of children)
    for region, count in REGIONS.items():
        for _ in range(count):
            las.append((f"E{len(las) + 1:03d}", region, rng.lognormvariate(0, 0.6)))
    la_codes = [la[0] for la in las]
    la_weights = [la[2] for la in las]
    las_in = {region: [code for code, r, _ in las if r == region] for region in REGIONS}
    region_of = {code: region for code, region, _ in las}
    region_share = {region: sum(share for _, r, share in las if r == region) for region in REGIONS}
    languages, language_weights = list(SECOND_LANGUAGES), list(SECOND_LANGUAGES.values())

    advocates = []
    regions, shares = list(region_share), list(region_share.values())
    by_region: dict[str, list[dict]] = {region: [] for region in REGIONS}
    for i in range(n_advocates):
        home = rng.choices(regions, shares)[0]
        capacity = rng.randint(25, 40)
        advocate = {
            "id": f"a{i:04d}",
            "capacity": capacity,
            "comfortable": round(capacity * rng.uniform(0.75, 0.85)),
            "regions": [home] + ([rng.choice(NEIGHBOURS[home])] if rng.random() < 0.15 else []),
            "languages": ["English"] + ([rng.choices(languages, language_weights)[0]] if rng.random() < 0.22 else []),
            "gender": rng.choices(["female", "male", "non-binary"], [78, 20, 2])[0],
            "conflicts": rng.sample(las_in[home], rng.randint(1, 3)),
            "available": rng.random() > 0.04,
        }
        if rng.random() < 0.1:
            del advocate["comfortable"]
        advocates.append(advocate)
        by_region[home].append(advocate)

    load = {a["id"]: 0 for a in advocates}
    children = []
    for i in range(n_children):
        la = rng.choices(la_codes, la_weights)[0]
        home = region_of[la]
        region = home if rng.random() > 0.08 else rng.choice(NEIGHBOURS[home])  # placed out of area
        roll = rng.random()
        if roll < 0.86:
            spoken = ["English"]
        elif roll < 0.95:
            spoken = ["English", rng.choices(languages, language_weights)[0]]
        else:
            spoken = [rng.choice(NO_ENGLISH)]
        local = by_region[region]
        current = None
        if rng.random() < 0.9:
            # Today's pairing mostly respects the rules; departures and new contracts mean it no longer always does.
            for _ in range(20):
                candidate = rng.choice(local)
                if load[candidate["id"]] < candidate["capacity"] and (la not in candidate["conflicts"]
                                                                       or rng.random() < 0.02):
                    current = candidate["id"]
                    load[current] += 1
                    break
        previous = sorted({rng.choice(local)["id"] for _ in range(min(4, int(rng.expovariate(1.3))))} - {current})
        named = None
        if rng.random() < 0.03:
            named = rng.choice(previous) if previous and rng.random() < 0.6 else rng.choice(local)["id"]
        gender = rng.choices(["female", "male", "non-binary"], [70, 28, 2])[0] if rng.random() < 0.08 else None
        children.append({
            "id": f"c{i:05d}", "la": la, "region": region, "languages": spoken,
            "opted_out": rng.random() < 0.03, "current": current, "previous": previous,
            "prefers": {"advocate": named, "gender": gender},
        })
    return {"children": children, "advocates": advocates}


def _timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def exact_beside_greedy(instance: dict, weights: dict) -> dict:
    n_available = sum(a["available"] for a in instance["advocates"])
    capacity = sum(a["capacity"] for a in instance["advocates"] if a["available"])
    waiting = sum(not c["opted_out"] for c in instance["children"])
    print(f"instance: {len(instance['children']):,} children ({waiting:,} not opted out), "
          f"{len(instance['advocates']):,} advocates ({n_available:,} available, capacity {capacity:,})")
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    exact, exact_time = _timed(solve, instance, weights)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"exact solve: {exact_time:.2f} s; process peak RSS {rss / 2**10:.0f} MiB "
          f"({base_rss / 2**10:.0f} MiB before the solve, with the instance built)")
    baseline, greedy_time = _timed(greedy, instance, weights)
    print(f"greedy baseline: {greedy_time:.2f} s")
    print()
    print(f"{'':22}{'exact':>12}{'greedy':>12}")
    print(f"{'total cost':22}{exact['cost']:>12,}{baseline['cost']:>12,}")
    for name in COST_NAMES:
        print(f"{name:22}{exact['breakdown'][name]:>12,}{baseline['breakdown'][name]:>12,}")
    saving = baseline["cost"] - exact["cost"]
    print(f"\nexact is {saving:,} cheaper than greedy ({saving / max(1, baseline['cost']):.1%})\n")
    return exact


async def seed_database(store, instance: dict, assignments: dict) -> None:
    """The roster as the exact solve left it, written with insert_many."""
    now = datetime.now(timezone.utc)
    regions = {}
    for child in instance["children"]:
        regions.setdefault(child["la"], child["region"])
    # A child placed out of area keeps their authority's home region.
    home = {}
    for child in instance["children"]:
        home.setdefault(child["la"], {}).setdefault(child["region"], 0)
        home[child["la"]][child["region"]] += 1
    await store.local_authorities.insert_many(
        [{"_id": la, "name": la, "region": max(counts, key=counts.get)} for la, counts in home.items()])
    load: dict[str, int] = {}
    for advocate in assignments.values():
        if advocate:
            load[advocate] = load.get(advocate, 0) + 1
    await store.staff.insert_many([{
        "_id": a["id"], "username": a["id"], "name": f"Advocate {a['id']}", "role": "advocate", "manager": None,
        "active": True, "created_at": now, "capacity": a["capacity"], "regions": a["regions"],
        "languages": a["languages"], "gender": a["gender"], "conflicts": a["conflicts"],
        "available": a["available"], "load": load.get(a["id"], 0),
        **({"comfortable": a["comfortable"]} if "comfortable" in a else {}),
    } for a in instance["advocates"]])
    batch, pairings, n = [], [], 0
    for child in instance["children"]:
        batch.append({"_id": child["id"], "name": f"Child {child['id']}", "la": child["la"],
                      "advocate": assignments.get(child["id"]), "opted_out": child["opted_out"],
                      "languages": child["languages"], "prefers": child["prefers"], "avoid": [], "created_at": now})
        pairings += [{"_id": f"pa_{child['id']}_{i}", "child": child["id"], "advocate": advocate,
                      "started_at": now, "ended_at": now, "why": "bench"}
                     for i, advocate in enumerate(child["previous"])]
        if len(batch) == 5000:
            await store.children.insert_many(batch)
            n += len(batch)
            batch = []
            print(f"\rseeding children: {n:,}/{len(instance['children']):,}", end="", flush=True)
    if batch:
        await store.children.insert_many(batch)
    for start in range(0, len(pairings), 10_000):
        await store.pairings.insert_many(pairings[start:start + 10_000])
    print(f"\rseeded {len(instance['children']):,} children, {len(instance['advocates']):,} advocates, "
          f"{len(pairings):,} past pairings")


async def one_new_child(instance: dict, assignments: dict, weights: dict, n_new: int, seed: int) -> None:
    from advocacy.bootstrap import build
    from advocacy.clock import Clock
    from advocacy.crypto import Keyring, decode_master_key, new_master_key
    from advocacy.embedded_db import EmbeddedDatabase
    from advocacy.settings import load
    from advocacy.store import Store

    rng = random.Random(seed + 1)
    with tempfile.TemporaryDirectory(prefix="bench-pairing-") as folder:
        database = await EmbeddedDatabase.start(Path(folder))
        try:
            store = await Store.connect(database.uri, "bench", 30)
            await store.create_indexes()
            started = time.perf_counter()
            await seed_database(store, instance, assignments)
            print(f"seeding took {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            roster, _ = await load_roster(store)
            read = time.perf_counter() - started
            _, plan_solve = _timed(solve, roster, weights)
            print(f"reading the whole roster back (as `pairing plan` does): {read:.1f} s; "
                  f"solving it: {plan_solve:.1f} s")

            settings = load(environ={}).replace(mongodb_uri=database.uri, database_name="bench", data_dir=folder)
            las = sorted({c["la"] for c in instance["children"]})
            templates = [(c["languages"], c["prefers"]["gender"]) for c in rng.sample(instance["children"], n_new)]
            # A server does not hold the national instance in memory: drop it so the garbage collector
            # does not walk it while children are paired.
            instance.clear()
            assignments.clear()
            roster = None
            gc.collect()
            gc.freeze()
            services = build(settings, store, Clock(), Keyring(store, decode_master_key(new_master_key(), "bench")))
            try:
                service = services.pairing
                service.weights = dict(weights)
                pairing_times, total_times, recorded_times, checked = [], [], [], 0
                stamp: list[float] = []
                announce = service.changes.announced.publish

                async def recorded(change) -> None:  # the change is stored by now, and nobody told yet
                    stamp.append(time.perf_counter())
                    await announce(change)

                service.changes.announced.publish = recorded
                for i, (languages, gender) in enumerate(templates):
                    fields = {"name": f"New {i}", "la": rng.choice(las), "languages": languages,
                              "prefers": {"advocate": None, "gender": gender}}
                    began = time.perf_counter()
                    doc, _ = await service.create(fields, None)
                    paired = time.perf_counter()
                    change = await service.pair_new_child(doc, None)
                    done = time.perf_counter()
                    pairing_times.append(done - paired)
                    total_times.append(done - began)
                    if stamp:
                        recorded_times.append(stamp.pop() - paired)
                    if i < 5:
                        checked += await _check_exact(store, service, doc["_id"], change, weights)
            finally:
                await services.close()
            pairing_times.sort()
            print(f"pairing one new child ({n_new} children, one at a time, on the roster above):")
            print(f"  median {statistics.median(pairing_times) * 1000:.1f} ms, "
                  f"90th percentile {pairing_times[int(len(pairing_times) * 0.9)] * 1000:.1f} ms, "
                  f"max {pairing_times[-1] * 1000:.1f} ms")
            print("  of which choosing and recording the advocate: "
                  f"median {statistics.median(recorded_times) * 1000:.1f} ms"
                  " (the rest is telling the child, their advocate and the audit trail)")
            print(f"  with recording the child first: median {statistics.median(total_times) * 1000:.1f} ms")
            print(f"  {checked} of {min(5, n_new)} placements checked against every advocate in the database: optimal")
            await store.close()
        finally:
            await database.stop()


async def _check_exact(store, service, child_id: str, change, weights: dict) -> int:
    """1 if the advocate chosen is as cheap as the best over every advocate in the database."""
    child = (await children_records(store, [child_id]))[0]
    advocates = await advocate_records(store)
    for advocate in advocates:
        if change and advocate["id"] == change.advocate:
            advocate["load"] -= 1  # as it was before this child joined
    best_id, best_cost = place_one({**child, "current": None}, advocates, weights)
    chosen = change.advocate if change else None
    chosen_cost = best_cost if chosen == best_id else next(
        (place_one({**child, "current": None}, [a], weights)[1] for a in advocates if a["id"] == chosen), None)
    return int(chosen_cost == best_cost)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--quick", action="store_true", help="a tenth of the size (8,200 children, 280 advocates)")
    parser.add_argument("--children", type=int)
    parser.add_argument("--advocates", type=int)
    parser.add_argument("--new", type=int, default=101, help="new children to pair one at a time (default 101)")
    parser.add_argument("--no-database", action="store_true", help="only the solver, no database")
    args = parser.parse_args()
    n_children = args.children or (8_200 if args.quick else 82_000)
    n_advocates = args.advocates or (280 if args.quick else 2_800)

    weights = load_weights()
    started = time.perf_counter()
    instance = national_instance(args.seed, n_children, n_advocates)
    print(f"seed {args.seed}; instance built in {time.perf_counter() - started:.1f} s")
    exact = exact_beside_greedy(instance, weights)
    if not args.no_database:
        asyncio.run(one_new_child(instance, exact["assignments"], weights, args.new, args.seed))


if __name__ == "__main__":
    main()
