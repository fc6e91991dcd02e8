"""An attacker on the published figures, written apart from the solver it checks (advocacy.figures.rules).

Given what a reader can see (each count's possible range: a shown count is itself, "fewer than 5" is
0 to 4, "hidden" is 5 or more, a rate or share read back gives a range) and every sum the tables
publish together, ``bounds`` narrows each count's range through every sum, again and again until
nothing changes (no limit on the passes, whole numbers only). What is left is the most a reader
working with lower and upper bounds can say of each count.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping

Range = tuple[float, float]


class Contradiction(Exception):
    """The sums cannot all hold with these ranges (the figures contradict themselves)."""


def _whole(low: float, high: float) -> Range:
    return (math.ceil(low - 1e-9) if low != -math.inf else low), (math.floor(high + 1e-9) if high != math.inf else high)


def bounds(ranges: Mapping[Hashable, Range], sums: Iterable[tuple[Hashable, Iterable[Hashable]]],
           rounds: int = 100_000) -> dict[Hashable, Range]:
    """Each count's range once every sum ``total = sum of parts`` is worked to a fixed point."""
    sums = [(total, tuple(parts)) for total, parts in sums]
    now = {key: _whole(max(low, 0), high) for key, (low, high) in ranges.items()}
    for _ in range(rounds):
        changed = False
        for total, parts in sums:
            lows = [now[p][0] for p in parts]
            highs = [now[p][1] for p in parts]
            low_sum = sum(lows)
            endless = sum(1 for h in highs if h == math.inf)
            high_sum = sum(h for h in highs if h != math.inf)
            said = {total: (low_sum, math.inf if endless else high_sum)}
            total_low, total_high = now[total]
            for part, low, high in zip(parts, lows, highs, strict=True):
                others_endless = endless - (high == math.inf)
                others_high = math.inf if others_endless else high_sum - (0 if high == math.inf else high)
                said_low = total_low - others_high
                said_high = total_high - (low_sum - low)
                if part in said:  # a count twice in one sum: leave it to the other sums
                    continue
                said[part] = (said_low, said_high)
            for key, (low, high) in said.items():
                old_low, old_high = now[key]
                new_low, new_high = _whole(max(old_low, low), min(old_high, high))
                if new_low > new_high:
                    raise Contradiction(key)
                if (new_low, new_high) != (old_low, old_high):
                    now[key] = (new_low, new_high)
                    changed = True
        if not changed:
            return now
    raise AssertionError("the bounds did not settle")
