"""Pairing at national scale: the exact solver against a greedy baseline.

Builds a seeded England-sized instance (82,000 children in 153 local
authorities across 9 regions, 2,800 advocates) and prints how long the exact
solve takes, its peak memory, and the cost and breakdown beside the greedy
baseline. Run: ``.venv/bin/python bench/pairing_solver.py [--seed N] [--children N]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advocacy.pairing import COST_NAMES, greedy, load_weights, solve  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--children", type=int, default=82_000)
    parser.add_argument("--advocates", type=int, default=2_800)
    args = parser.parse_args()

    weights = load_weights()
    started = time.perf_counter()
    instance = national_instance(args.seed, args.children, args.advocates)
    built = time.perf_counter() - started
    n_available = sum(a["available"] for a in instance["advocates"])
    capacity = sum(a["capacity"] for a in instance["advocates"] if a["available"])
    waiting = sum(not c["opted_out"] for c in instance["children"])
    print(f"instance: {len(instance['children']):,} children ({waiting:,} not opted out), "
          f"{len(instance['advocates']):,} advocates ({n_available:,} available, capacity {capacity:,}); "
          f"seed {args.seed}, built in {built:.1f} s")

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
    print(f"\nexact is {saving:,} cheaper than greedy ({saving / baseline['cost']:.1%})")


if __name__ == "__main__":
    main()
