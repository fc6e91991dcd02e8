"""The figures' rules (pure, no I/O): months and periods, histograms and their medians, small-number suppression.

Months are London calendar months written "2026-03". A period is a run of whole
months; its charts show the twelve months ending with its last month.

Medians cannot be added up, so each running total keeps a histogram instead:

- time to a reply, in seconds: bucket 0 is under 30 seconds, bucket ``k`` >= 1
  covers [30 x 2^((k-1)/4), 30 x 2^(k/4)) seconds, so each bucket is 19% wider
  than the one before. The median is read by linear interpolation inside the
  bucket holding the middle reply; the exact median lies in the same bucket, so
  the figure is within 19% of it (within 30 seconds under half a minute);
- working days to resolve: one bucket per whole day (0 to 249, and "250 or
  more"), so the median is exact.

Suppression: every count of children (or of things that happened to children)
below the deployment's threshold (figures_small_count in config/default.toml, 5 as
shipped) is shown as "fewer than 5". A count that would let someone work
such a figure out by subtraction (from a total, from the other parts of a
total, from another column, from the months of a period) is hidden as well
("hidden"), chosen by ``Suppression.solve``; see docs/figures.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

WINDOW = 12  # months in each chart
LONGEST_PERIOD = 120  # months

# ---------------------------------------------------------------- months and periods

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_month(text: str) -> tuple[int, int]:
    found = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if not found:
        raise ValueError(f"{text!r} is not a month written like 2026-03")
    return int(found.group(1)), int(found.group(2))


def add_months(month: str, n: int) -> str:
    year, number = parse_month(month)
    index = year * 12 + (number - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``last`` is earlier)."""
    count = month_index(last) - month_index(first) + 1
    return [add_months(first, i) for i in range(max(count, 0))]


def month_index(month: str) -> int:
    year, number = parse_month(month)
    return year * 12 + number - 1


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LONG_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                    "October", "November", "December")


def month_words(month: str, short: bool = False) -> str:
    year, number = parse_month(month)
    return f"{(MONTH_NAMES if short else LONG_MONTH_NAMES)[number - 1]} {year}"


@dataclass(frozen=True)
class Period:
    """Whole months from ``first`` to ``last``; ``window`` is the twelve months its charts show."""

    first: str
    last: str

    @property
    def months(self) -> list[str]:
        return months_from(self.first, self.last)

    @property
    def window(self) -> list[str]:
        return months_from(add_months(self.last, 1 - WINDOW), self.last)

    @property
    def key(self) -> str:
        return f"{self.first}_{self.last}"

    @property
    def words(self) -> str:
        if self.first == self.last:
            return month_words(self.first)
        return f"{month_words(self.first)} to {month_words(self.last)}"


def default_period(this_month: str) -> Period:
    """The twelve months ending with this one (so far)."""
    return Period(add_months(this_month, 1 - WINDOW), this_month)


def choose_period(first: str | None, last: str | None, this_month: str) -> Period:
    """The period asked for (either end may be left out); ValueError says what is wrong, in plain words."""
    if not first and not last:
        return default_period(this_month)
    try:
        last = last or this_month
        parse_month(last)
        first = first or add_months(last, 1 - WINDOW)
        parse_month(first)
    except ValueError:
        raise ValueError("Choose the months like 2026-03 (year, then month).") from None
    if month_index(last) > month_index(this_month):
        raise ValueError(f"The period can't end after this month ({month_words(this_month)}).")
    if month_index(first) > month_index(last):
        raise ValueError("The first month of the period is after its last month.")
    if month_index(last) - month_index(first) + 1 > LONGEST_PERIOD:
        raise ValueError(f"A period can be {LONGEST_PERIOD} months at most.")
    return Period(first, last)


# ---------------------------------------------------------------- histograms and medians

REPLY_FIRST_EDGE = 30.0  # seconds
REPLY_STEPS_PER_DOUBLING = 4
REPLY_LAST_BUCKET = 1 + REPLY_STEPS_PER_DOUBLING * 18  # 30 s x 2^18: about 91 days; longer waits share it
DAYS_LAST_BUCKET = 250


def reply_bucket(seconds: float) -> int:
    """The histogram bucket of a wait of ``seconds`` for a reply."""
    if seconds < REPLY_FIRST_EDGE:
        return 0
    # The small epsilon keeps a wait exactly on an edge in the bucket that edge opens.
    k = 1 + math.floor(REPLY_STEPS_PER_DOUBLING * math.log2(seconds / REPLY_FIRST_EDGE) + 1e-9)
    return min(k, REPLY_LAST_BUCKET)


def reply_bucket_bounds(k: int) -> tuple[float, float]:
    """[lower, upper) seconds of reply bucket ``k``."""
    if k <= 0:
        return 0.0, REPLY_FIRST_EDGE
    lower = REPLY_FIRST_EDGE * 2 ** ((k - 1) / REPLY_STEPS_PER_DOUBLING)
    upper = REPLY_FIRST_EDGE * 2 ** (k / REPLY_STEPS_PER_DOUBLING)
    return lower, upper


def days_bucket(working_days: int) -> int:
    return min(max(int(working_days), 0), DAYS_LAST_BUCKET)


def merge(into: dict[str, int], more: Mapping[str, int] | None) -> dict[str, int]:
    """Add histogram (or counter) ``more`` into ``into``; returns ``into``."""
    for key, count in (more or {}).items():
        into[key] = into.get(key, 0) + count
    return into


def _sorted_buckets(hist: Mapping[str, int]) -> list[tuple[int, int]]:
    return sorted((int(k), n) for k, n in hist.items() if n > 0)


def reply_median(hist: Mapping[str, int]) -> float | None:
    """The median wait in seconds from a reply histogram (grouped median, linear inside its bucket)."""
    buckets = _sorted_buckets(hist)
    total = sum(n for _, n in buckets)
    if total == 0:
        return None
    half = total / 2
    below = 0
    for k, n in buckets:
        if below + n >= half:
            lower, upper = reply_bucket_bounds(k)
            return lower + (upper - lower) * (half - below) / n
        below += n
    return None  # not reached


def days_median(hist: Mapping[str, int]) -> float | None:
    """The exact median of whole working days (the mean of the two middle values for an even count)."""
    buckets = _sorted_buckets(hist)
    total = sum(n for _, n in buckets)
    if total == 0:
        return None

    def value_at(position: int) -> int:  # 0-based position in the sorted values
        seen = 0
        for k, n in buckets:
            seen += n
            if position < seen:
                return k
        return buckets[-1][0]

    if total % 2:
        return float(value_at(total // 2))
    return (value_at(total // 2 - 1) + value_at(total // 2)) / 2


def histogram_total(hist: Mapping[str, int] | None) -> int:
    return sum((hist or {}).values())


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


# ---------------------------------------------------------------- suppression

SHOWN, FEWER, HIDDEN, NONE = "shown", "fewer", "hidden", "none"
Key = Hashable
_UNBOUNDED = math.inf
# How many times the joint check works any one sum. Sums linked in a cycle (areas, months and the
# period) can tighten each other by a few at a time for as many passes as the counts are large, which
# at national scale does not finish; the ranges after this many passes are what the check uses.
JOINT_PASSES = 40
# How many times the solver shows again the hidden counts that protect nothing and checks again.
UNHIDE_ROUNDS = 5
_WAIT = -1  # no count chosen yet: one hidden in this round may already protect it (see _nearest_shown)


class Suppression:
    """Decide which counts are shown, "fewer than 5" (FEWER) or hidden to protect them (HIDDEN).

    ``count(key, value)`` adds a count; ``displayed=False`` marks one the pages never
    print but a reader may work out (e.g. children without an advocate = known - paired):
    it is protected when small, counts as known only where the relations give it away,
    and is never chosen to be hidden, since hiding it hides nothing.
    ``level`` says how much a count matters to readers (0: a small area's; higher: a region's,
    the nation's): complementary counts are chosen from the lowest level first.
    ``relate(total, parts)`` says total = sum of parts. ``solve()`` then hides counts until
    no "fewer than 5" count can be narrowed below its five possible values (0 to 4) by
    someone who knows every shown count and every relation, that a "fewer than 5" is 0 to 4
    and a hidden one 5 or more, and works the relations together (bounds propagation;
    see docs/figures.md for what that covers), and finally shows again every hidden count that
    the shown ones pin to one value anyway (hiding it protected nothing), so no hidden count is
    the only unknown of a sum whose other counts are shown. A "fewer than 5" that no hiding could
    protect fully (a hidden total made only of small parts says they are not all 0) is protected as
    far as hiding can, and no count is hidden for the rest. Last, each hidden count of a region or
    the nation that the hiding done since has made needless is shown again (the nation's first).
    """

    def __init__(self, small: int) -> None:
        self.small = small
        self.value: dict[Key, int] = {}
        self.state: dict[Key, str] = {}
        self.displayed: dict[Key, bool] = {}
        self.level: dict[Key, int] = {}
        self.relations: list[tuple[Key, tuple[Key, ...]]] = []
        self._arrays: _Sums | None = None

    def count(self, key: Key, value: int | None, *, displayed: bool = True, level: int = 0) -> None:
        self.level[key] = level
        if value is None:
            self.state[key] = NONE
            return
        self.value[key] = int(value)
        self.state[key] = FEWER if value < self.small else SHOWN
        self.displayed[key] = displayed

    def relate(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        cells = (total, *parts)
        if any(self.state.get(k, NONE) == NONE for k in cells):
            return  # something in it is not known: nothing to subtract
        self.relations.append((total, parts))

    def _bounds(self, key: Key) -> tuple[float, float]:
        state = self.state[key]
        if not self.displayed.get(key, True):  # never printed: known only where the relations give it away
            return 0, _UNBOUNDED
        if state == SHOWN:
            return self.value[key], self.value[key]
        return (0, self.small - 1) if state == FEWER else (self.small, _UNBOUNDED)

    def _seen(self, key: Key) -> bool:
        return self.state[key] == SHOWN and self.displayed[key]

    # one relation at a time: a quick first pass ---------------------------------------

    def _narrows(self, relation: tuple[Key, tuple[Key, ...]], bounds: Mapping[Key, tuple[float, float]] | None = None
                 ) -> dict[Key, tuple[float, float]]:
        """What ``relation`` says of each unknown cell in it, given the others' bounds."""
        get = (lambda k: bounds[k]) if bounds is not None else self._bounds
        total, parts = relation
        low_t, high_t = get(total)
        lows = [get(p)[0] for p in parts]
        highs = [get(p)[1] for p in parts]
        low_sum = sum(lows)
        infinite = sum(1 for h in highs if h == _UNBOUNDED)
        finite_high = sum(h for h in highs if h != _UNBOUNDED)
        said: dict[Key, tuple[float, float]] = {}
        if not self._seen(total):
            said[total] = (low_sum, _UNBOUNDED if infinite else finite_high)
        for part, low_p, high_p in zip(parts, lows, highs, strict=True):
            if self._seen(part):
                continue
            others_infinite = infinite - (high_p == _UNBOUNDED)
            others_high = _UNBOUNDED if others_infinite else finite_high - (0 if high_p == _UNBOUNDED else high_p)
            said[part] = (low_t - others_high, high_t - (low_sum - low_p))
        return said

    def _order(self, key: Key) -> tuple[int, int, str]:
        """Which shown count to hide first: a small area's before a region's or the nation's, then the smallest."""
        return self.level.get(key, 0), self.value.get(key, 0), str(key)

    def _unsafe(self, relation: tuple[Key, tuple[Key, ...]]) -> bool:
        for key, (low, high) in self._narrows(relation).items():
            if self.state[key] == FEWER and (low > 0 or high < self.small - 1):
                return True
        return False

    def _safe_hiding(self, relation: tuple[Key, tuple[Key, ...]], keys: Iterable[Key]) -> bool:
        """Whether ``relation`` would be safe with ``keys`` hidden too (nothing is changed)."""
        keys = list(keys)
        for key in keys:
            self.state[key] = HIDDEN
        safe = not self._unsafe(relation)
        for key in keys:
            self.state[key] = SHOWN
        return safe

    def _complement(self, relation: tuple[Key, tuple[Key, ...]], candidates: list[Key]) -> Key:
        """The shown count to hide next for ``relation``: level by level from the lowest (small areas
        first), the smallest count that makes it safe on its own, else the largest of a level whose
        counts together make it safe; if no level does on its own, the largest of the lowest level."""
        levels = sorted({self.level.get(k, 0) for k in candidates})
        pools = {level: sorted((k for k in candidates if self.level.get(k, 0) == level), key=lambda k: self.value[k])
                 for level in levels}  # sorted() keeps parts before the total between equals
        for level in levels:
            pool = pools[level]
            for key in pool:
                if self._safe_hiding(relation, [key]):
                    return key
            if self._safe_hiding(relation, pool):
                return pool[-1]
        return pools[levels[0]][-1]

    def _make_safe(self, relation: tuple[Key, tuple[Key, ...]]) -> list[Key]:
        changed: list[Key] = []
        while self._unsafe(relation):
            total, parts = relation
            candidates = [k for k in (*parts, total) if self._seen(k)]
            if not candidates:
                break  # nothing here to hide; the joint check below looks further
            chosen = self._complement(relation, candidates)
            self.state[chosen] = HIDDEN
            changed.append(chosen)
        return changed

    # all relations together ----------------------------------------------------------

    def _members(self) -> dict[Key, list[int]]:
        member: dict[Key, list[int]] = {}
        for index, (total, parts) in enumerate(self.relations):
            for key in (total, *parts):
                member.setdefault(key, []).append(index)
        return member

    def _sums(self) -> _Sums:
        """The relations as arrays of cell numbers (made once; the relations do not change in a solve)."""
        if self._arrays is None or self._arrays.relations != len(self.relations):
            self._arrays = _Sums(self.relations)
        return self._arrays

    def _ranges(self, sums: _Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each cell's range before any sum is worked (as ``_bounds``), and whether it is shown."""
        low = np.empty(len(sums.keys))
        high = np.empty(len(sums.keys))
        seen = np.zeros(len(sums.keys), dtype=bool)
        for i, key in enumerate(sums.keys):
            low[i], high[i] = self._bounds(key)
            seen[i] = self._seen(key)
        return low, high, seen

    def audit(self, among: Iterable[int] | None = None) -> list[Key]:
        """The "fewer than 5" counts that the shown counts and all relations together narrow down
        (by propagating each unknown's possible range through the relations until nothing changes,
        or ``JOINT_PASSES`` rounds). ``among``: only these relations (a set closed under shared
        counts, e.g. a component)."""
        sums = self._sums()
        low, high, seen = self._ranges(sums)
        chosen = None if among is None else np.fromiter(among, dtype=np.intp)
        low, high = sums.propagate(low, high, seen, chosen, JOINT_PASSES)
        return [sums.keys[i] for i in np.flatnonzero(self._narrowed(self._fewer(sums), low, high))]

    def _fewer(self, sums: _Sums) -> np.ndarray:
        return np.fromiter((self.state[k] == FEWER for k in sums.keys), dtype=bool, count=len(sums.keys))

    def _narrowed(self, fewer: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Which "fewer than 5" counts these ranges narrow below their five possible values."""
        return fewer & ((low > 0) | (high < self.small - 1))

    def _components(self, member: Mapping[Key, list[int]]) -> tuple[list[list[int]], dict[Key, int]]:
        """Relations grouped into sets that share no count, and each count's group."""
        group: dict[Key, int] = {}
        components: list[list[int]] = []
        for start in range(len(self.relations)):
            total, parts = self.relations[start]
            if total in group:
                continue
            number = len(components)
            found: list[int] = []
            stack, seen = [start], {start}
            while stack:
                index = stack.pop()
                found.append(index)
                total, parts = self.relations[index]
                for key in (total, *parts):
                    if key in group:
                        continue
                    group[key] = number
                    for other in member.get(key, ()):
                        if other not in seen:
                            seen.add(other)
                            stack.append(other)
            components.append(found)
        return components, group

    def _nearest_shown(self, cell: int, sums: _Sums, shown: np.ndarray, fresh: np.ndarray) -> int | None:
        """The smallest shown count in the relations nearest ``cell`` (through unknown counts), by
        cell numbers; between equal counts, the first key in text order. ``_WAIT`` if a count hidden in
        this round (``fresh``) is as near as any shown one: hiding it may have protected ``cell`` already,
        and choosing now would reach past it for a further count, often a region's or the nation's."""
        seen_cells = np.zeros(len(sums.keys), dtype=bool)
        seen_relations = np.zeros(sums.relations, dtype=bool)
        seen_cells[cell] = True
        layer = np.array([cell], dtype=np.intp)
        while len(layer):
            relations = _gather(sums.cell_start, sums.cell_relations, layer)  # repeats do no harm
            relations = relations[~seen_relations[relations]]
            seen_relations[relations] = True
            cells = _gather(sums.relation_start, sums.relation_cells, relations)
            cells = cells[~seen_cells[cells]]
            seen_cells[cells] = True
            if fresh[cells].any():
                return _WAIT
            candidates = cells[shown[cells]]
            if len(candidates):
                return int(candidates[np.argmin(sums.rank[candidates])])
            layer = cells
        return None

    def solve(self) -> dict[Key, str]:
        """Hide counts until no "fewer than 5" can be narrowed down; returns each key's state."""
        member = self._members()
        pending = [i for i, (t, ps) in enumerate(self.relations)
                   if not self._seen(t) or not all(self._seen(p) for p in ps)]
        waiting = set(pending)
        while pending:  # first, each relation on its own
            index = pending.pop()
            waiting.discard(index)
            for key in self._make_safe(self.relations[index]):
                for other in member.get(key, ()):
                    if other not in waiting:
                        waiting.add(other)
                        pending.append(other)
        # then all of them together, hiding the nearest small count until nothing narrows; only the
        # groups of relations where something was hidden are looked at again
        components, group = self._components(member)
        sums = self._sums()
        low, high, shown = self._ranges(sums)  # kept up to date as counts are hidden
        fewer = self._fewer(sums)  # no count becomes "fewer than 5" while solving; shown ones get hidden
        limits = self._widest(sums, low, high, shown)
        sums.rank_by(self._order)
        dirty = set(range(len(components)))
        for _ in range(UNHIDE_ROUNDS):
            self._hide_until_safe(sums, components, group, low, high, shown, fewer, limits, dirty)
            pinned = self._pinned(sums, low, high, shown)
            if not pinned:
                break
            # Each of these is worked out exactly from the shown counts whether hidden or not: show it
            # (the reader learns nothing new), then check again (nothing should change).
            for cell in pinned:
                key = sums.keys[cell]
                self.state[key] = SHOWN
                shown[cell], low[cell], high[cell] = True, self.value[key], self.value[key]
            dirty = {group[sums.keys[cell]] for cell in pinned}
        self._show_again(sums, components, group, low, high, shown, fewer, limits)
        return dict(self.state)

    def _widest(self, sums: _Sums, low: np.ndarray, high: np.ndarray, shown: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's range were every shown count hidden, within 0 to 4: the most any hiding can leave
        a reader unsure of. A "fewer than 5" is narrowed here only where the sums alone say something of
        it (a hidden total of "fewer than 5" parts says they are not all 0); hiding more counts for it
        would protect nothing more, so the solver protects each count up to this range."""
        nothing = np.zeros(len(sums.keys), dtype=bool)
        widest_low, widest_high = sums.propagate(np.where(shown, self.small, low), np.where(shown, math.inf, high),
                                                 nothing, None, JOINT_PASSES)
        return np.maximum(widest_low, 0), np.minimum(widest_high, self.small - 1)

    @staticmethod
    def _exposed(fewer: np.ndarray, low: np.ndarray, high: np.ndarray, limits: tuple[np.ndarray, np.ndarray]
                 ) -> np.ndarray:
        """Which "fewer than 5" counts these ranges narrow more than hiding every shown count would."""
        widest_low, widest_high = limits
        return fewer & ((low > widest_low) | (high < widest_high))

    def _show_again(self, sums: _Sums, components: list[list[int]], group: Mapping[Key, int], low: np.ndarray,
                    high: np.ndarray, shown: np.ndarray, fewer: np.ndarray,
                    limits: tuple[np.ndarray, np.ndarray]) -> None:
        """Show again each hidden count of a region or the nation (the nation's first, then the largest)
        that the counts hidden after it have made needless: one whose showing narrows no "fewer than 5"
        (shown with the hidden counts it would pin, which protect nothing then). Each is tried on its
        own group of sums, starting from the ranges the sums give already (showing a count only narrows
        them), so a try takes a few array passes."""
        tries = [i for i, k in enumerate(sums.keys) if self.state[k] == HIDDEN and self.level.get(k, 0) > 0]
        if not tries:
            return
        tries.sort(key=lambda i: (-self.level.get(sums.keys[i], 0), -self.value[sums.keys[i]], str(sums.keys[i])))
        hidden = np.fromiter((self.state[k] == HIDDEN for k in sums.keys), dtype=bool, count=len(sums.keys))
        worked_low, worked_high = sums.propagate(low, high, shown, None, JOINT_PASSES)
        parts: dict[int, tuple[_Sums, np.ndarray]] = {}
        for cell in tries:
            if not hidden[cell]:
                continue  # shown already, with one tried before it
            key = sums.keys[cell]
            number = group[key]
            if number not in parts:
                parts[number] = sums.within(np.asarray(components[number], dtype=np.intp))
            part, cells = parts[number]
            here = int(np.searchsorted(cells, cell))
            value = self.value[key]
            try_low, try_high, fixed, still_hidden = worked_low[cells], worked_high[cells], shown[cells], hidden[cells]
            try_low[here] = try_high[here] = value
            fixed[here], still_hidden[here] = True, False
            try_low, try_high = part.propagate(try_low, try_high, fixed, None, JOINT_PASSES)
            if self._exposed(fewer[cells], try_low, try_high, (limits[0][cells], limits[1][cells])).any():
                continue  # still needed
            # Shown, with any hidden count it would pin (e.g. the period's end-of-period count and its last
            # month's): those protect nothing once it is shown, and would be the only unknown of a sum.
            for other in [cell, *cells[still_hidden & (try_low == try_high)]]:
                other_value = self.value[sums.keys[other]]
                self.state[sums.keys[other]] = SHOWN
                shown[other], low[other], high[other], hidden[other] = True, other_value, other_value, False
            worked_low[cells], worked_high[cells] = try_low, try_high

    def _pinned(self, sums: _Sums, low: np.ndarray, high: np.ndarray, shown: np.ndarray) -> list[int]:
        """The hidden counts that all the sums together pin to a single value."""
        worked_low, worked_high = sums.propagate(low, high, shown, None, JOINT_PASSES)
        hidden = np.fromiter((self.state[k] == HIDDEN for k in sums.keys), dtype=bool, count=len(sums.keys))
        return [int(i) for i in np.flatnonzero(hidden & (worked_low == worked_high))]

    def _hide_until_safe(self, sums: _Sums, components: list[list[int]], group: Mapping[Key, int], low: np.ndarray,
                         high: np.ndarray, shown: np.ndarray, fewer: np.ndarray,
                         limits: tuple[np.ndarray, np.ndarray], dirty: set[int]) -> None:
        """Hide the nearest shown count to each "fewer than 5" the sums still narrow (more than hiding
        can help: ``limits``), until none is; only the groups of sums in ``dirty`` (and then those where
        something was hidden) are worked. A count near one hidden in the same round waits for the next
        round's check, which often finds it protected already."""
        while dirty:
            among = np.fromiter((index for number in sorted(dirty) for index in components[number]), dtype=np.intp)
            worked_low, worked_high = sums.propagate(low, high, shown, among, JOINT_PASSES)
            narrowed = np.flatnonzero(self._exposed(fewer, worked_low, worked_high, limits))
            dirty = set()
            fresh = np.zeros(len(sums.keys), dtype=bool)  # hidden in this round
            for cell in narrowed:
                chosen = self._nearest_shown(int(cell), sums, shown, fresh)
                if chosen == _WAIT:
                    dirty.add(group[sums.keys[int(cell)]])
                elif chosen is not None and shown[chosen]:
                    key = sums.keys[chosen]
                    self.state[key] = HIDDEN
                    shown[chosen], low[chosen], high[chosen], fresh[chosen] = False, self.small, math.inf, True
                    dirty.add(group[key])


class _Sums:
    """The relations ``total = sum of parts`` as arrays of cell numbers, to work all of them at once."""

    def __init__(self, relations: list[tuple[Key, tuple[Key, ...]]]) -> None:
        self.relations = len(relations)
        self.number: dict[Key, int] = {}
        for total, parts in relations:
            for key in (total, *parts):
                self.number.setdefault(key, len(self.number))
        self.keys: list[Key] = list(self.number)
        number = self.number
        cells_of = [[number[k] for k in (t, *ps)] for t, ps in relations]
        sizes = [len(ps) for _, ps in relations]
        self.total = np.fromiter((cells[0] for cells in cells_of), dtype=np.intp, count=len(relations))
        self.part = np.fromiter((c for cells in cells_of for c in cells[1:]), dtype=np.intp, count=sum(sizes))
        self.owner = np.repeat(np.arange(len(relations), dtype=np.intp), sizes)
        # Each relation's cells, and each cell's relations, as (start, flat array) pairs.
        self.relation_cells = np.fromiter((c for cells in cells_of for c in cells), dtype=np.intp,
                                          count=sum(sizes) + len(relations))
        self.relation_start = np.concatenate(([0], np.cumsum([len(cells) for cells in cells_of]))).astype(np.intp)
        holders = np.repeat(np.arange(len(relations), dtype=np.intp), np.diff(self.relation_start))
        by_cell = np.argsort(self.relation_cells, kind="stable")
        self.cell_relations = holders[by_cell]
        self.cell_start = np.searchsorted(self.relation_cells[by_cell], np.arange(len(self.keys) + 1)).astype(np.intp)
        self.rank = np.arange(len(self.keys), dtype=np.intp)

    def within(self, among: np.ndarray) -> tuple[_Sums, np.ndarray]:
        """Only the sums numbered in ``among``, their cells numbered afresh from 0 (enough to
        ``propagate``); with those cells' numbers here, in order, so ``low[cells]`` are their ranges."""
        chosen = np.zeros(self.relations, dtype=bool)
        chosen[among] = True
        keep = chosen[self.owner]
        total, part = self.total[chosen], self.part[keep]
        cells, inverse = np.unique(np.concatenate([total, part]), return_inverse=True)
        sub = object.__new__(_Sums)
        sub.relations = len(total)
        sub.total, sub.part = inverse[:len(total)], inverse[len(total):]
        sub.owner = (np.cumsum(chosen) - 1)[self.owner[keep]]
        return sub, cells

    def rank_by(self, order: Callable[[Key], Any]) -> None:
        """Number the cells in the ``order`` of their keys (the smallest first)."""
        self.rank = np.empty(len(self.keys), dtype=np.intp)
        self.rank[sorted(range(len(self.keys)), key=lambda i: order(self.keys[i]))] = np.arange(len(self.keys))

    def propagate(self, low: np.ndarray, high: np.ndarray, fixed: np.ndarray, among: np.ndarray | None,
                  passes: int) -> tuple[np.ndarray, np.ndarray]:
        """Narrow each cell's range [low, high] through the sums (only those numbered in ``among``, if
        given), every sum at once in each round, until nothing changes or ``passes`` rounds; ``fixed``
        cells (the shown counts) keep theirs. A total lies between the sums of its parts' ranges; a
        part between the total less the most and the least the other parts can be."""
        total, part, owner = self.total, self.part, self.owner
        if among is not None:
            chosen = np.zeros(len(total), dtype=bool)
            chosen[among] = True
            keep = chosen[owner]
            renumbered = np.cumsum(chosen) - 1
            total, part, owner = total[chosen], part[keep], renumbered[owner[keep]]
        count = len(total)
        free_total, free_part = ~fixed[total], ~fixed[part]
        total_free, part_free = total[free_total], part[free_part]
        for _ in range(passes):
            part_low, part_high = low[part], high[part]
            endless = np.isinf(part_high)
            part_high_finite = np.where(endless, 0.0, part_high)
            low_sum = np.bincount(owner, weights=part_low, minlength=count)
            endless_count = np.bincount(owner, weights=endless.astype(np.float64), minlength=count)
            high_sum = np.bincount(owner, weights=part_high_finite, minlength=count)
            new_low, new_high = low.copy(), high.copy()
            np.maximum.at(new_low, total_free, low_sum[free_total])
            np.minimum.at(new_high, total_free, np.where(endless_count > 0, np.inf, high_sum)[free_total])
            others_endless = endless_count[owner] - endless
            others_high = np.where(others_endless > 0, np.inf, high_sum[owner] - part_high_finite)
            np.maximum.at(new_low, part_free, (low[total][owner] - others_high)[free_part])
            np.minimum.at(new_high, part_free, (high[total][owner] - (low_sum[owner] - part_low))[free_part])
            if np.array_equal(new_low, low) and np.array_equal(new_high, high):
                break
            low, high = new_low, new_high
        return low, high


def _gather(start: np.ndarray, flat: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``flat[start[i]:start[i + 1]]`` for each ``i`` in ``ids``, one after another."""
    begins = start[ids]
    lengths = start[ids + 1] - begins
    offsets = np.repeat(begins - np.cumsum(lengths) + lengths, lengths)
    return flat[offsets + np.arange(offsets.size)]
