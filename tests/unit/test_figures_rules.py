"""The figures' pure rules: medians from histograms, periods, and small-number suppression."""

from __future__ import annotations

import math
import random

import pytest

from advocacy.figures import rules
from advocacy.figures.rules import FEWER, HIDDEN, SHOWN, Suppression
from tests import attacker

SMALL = 5  # the threshold these tables are drawn for (figures_small_count as shipped)


def test_the_median_of_days_is_exact_and_the_reply_median_within_its_bucket():
    days = [0, 1, 1, 2, 3, 7, 12, 300]
    hist: dict[str, int] = {}
    for d in days:
        rules.merge(hist, {str(rules.days_bucket(d)): 1})
    assert rules.days_median(hist) == rules.median([min(d, rules.DAYS_LAST_BUCKET) for d in days]) == 2.5
    waits = [10, 45, 90, 600, 3600, 7200, 86400]
    reply: dict[str, int] = {}
    for w in waits:
        rules.merge(reply, {str(rules.reply_bucket(w)): 1})
    estimate = rules.reply_median(reply)
    low, high = rules.reply_bucket_bounds(rules.reply_bucket(600))
    assert low <= estimate < high and abs(estimate - 600) / 600 < 0.19


def test_a_period_is_checked_in_plain_words():
    assert rules.choose_period(None, None, "2026-11") == rules.Period("2025-12", "2026-11")
    assert rules.choose_period("2026-01", "2026-03", "2026-11").window[0] == "2025-04"
    for first, last in (("2026-13", None), (None, "2027-01"), ("2026-05", "2026-02"), ("2010-01", "2026-01")):
        with pytest.raises(ValueError):
            rules.choose_period(first, last, "2026-11")


def _attack(cells: Suppression) -> dict:
    """Every value each unknown cell could take, found by trying every combination with a depth-first
    search: what someone who sees the shown counts and knows the relations can say of each.
    (Hidden counts are tried up to a little above the largest real count, which is all the tables here need.)"""
    unknown = [k for k, s in cells.state.items() if s in (FEWER, HIDDEN) or not cells.displayed[k]]
    top = max(cells.value.values()) + cells.small
    ranges = {k: range(top) if not cells.displayed[k] else range(cells.small) if cells.state[k] == FEWER
              else range(cells.small, top) for k in unknown}
    known = {k: cells.value[k] for k, s in cells.state.items() if s == SHOWN and cells.displayed[k]}
    possible: dict = {k: set() for k in unknown}

    def consistent(values: dict) -> bool:
        for total, parts in cells.relations:
            cells_in = (total, *parts)
            if all(k in values for k in cells_in) and values[total] != sum(values[p] for p in parts):
                return False
        return True

    def search(index: int, values: dict) -> None:
        if index == len(unknown):
            for k in unknown:
                possible[k].add(values[k])
            return
        key = unknown[index]
        for value in ranges[key]:
            values[key] = value
            if consistent(values):
                search(index + 1, values)
            del values[key]

    search(0, dict(known))
    return possible


def test_a_small_count_cannot_be_worked_out_from_its_total_and_the_other_parts():
    cells = Suppression(SMALL)
    for key, value in {"total": 20, "a": 3, "b": 10, "c": 7}.items():
        cells.count(key, value)
    cells.relate("total", ["a", "b", "c"])
    state = cells.solve()
    assert state["a"] == FEWER and state["total"] == SHOWN
    assert list(state.values()).count(HIDDEN) >= 1  # the secondary suppression
    assert _attack(cells)["a"] == set(range(5))


def test_a_table_of_rows_and_columns_protects_its_small_cells_every_way():
    cells = Suppression(SMALL)
    values = {"r1": 12, "r2": 15, "a": 13, "b": 14, "r1a": 2, "r1b": 10, "r2a": 11, "r2b": 4, "all": 27}
    for key, value in values.items():
        cells.count(key, value)
    for total, parts in (("all", ["r1", "r2"]), ("all", ["a", "b"]), ("r1", ["r1a", "r1b"]), ("r2", ["r2a", "r2b"]),
                         ("a", ["r1a", "r2a"]), ("b", ["r1b", "r2b"])):
        cells.relate(total, parts)
    cells.solve()
    assert cells.audit() == []
    seen = _attack(cells)
    assert seen["r1a"] == set(range(5)) and seen["r2b"] == set(range(5))


def test_suppression_holds_on_random_small_tables():
    generator = random.Random(5)
    checked = {"shown as fewer": 0, "never printed": 0}
    for _ in range(40):
        cells = Suppression(SMALL)
        parts = [generator.choice([0, 1, 2, 3, 4, 6, 9, 15]) for _ in range(3)]
        months = [generator.choice([0, 2, 5, 8]) for _ in range(2)]
        cells.count("total", sum(parts))
        for i, v in enumerate(parts):
            cells.count(f"p{i}", v)
        cells.count("m0", months[0])
        cells.count("m1", months[1])
        cells.count("p0+", months[0] + months[1] + parts[0])
        cells.count("rest", parts[1] + parts[2], displayed=False)  # never printed: total - p0
        cells.relate("total", ["p0", "p1", "p2"])
        cells.relate("total", ["p0", "rest"])
        cells.relate("rest", ["p1", "p2"])
        cells.relate("p0+", ["p0", "m0", "m1"])
        cells.solve()
        for key, possible in _attack(cells).items():
            assert cells.value[key] in possible, key  # the attack itself finds the truth among the candidates
            if cells.state[key] == FEWER and cells.displayed[key]:
                assert possible == set(range(5)), (key, cells.state)
                checked["shown as fewer"] += 1
            elif cells.state[key] == FEWER:  # never printed, so not known to be small: still at least 5 values
                assert len(possible) >= 5, (key, cells.state)
                checked["never printed"] += 1
    # The tables drawn must hold small counts of both kinds, or the loop above proves nothing.
    assert checked["shown as fewer"] >= 20 and checked["never printed"] >= 5, checked


def test_a_count_not_displayed_is_protected_but_never_chosen_to_hide():
    cells = Suppression(SMALL)
    cells.count("known", 30)
    cells.count("paired", 28)
    cells.count("unpaired", 2, displayed=False)
    cells.relate("known", ["paired", "unpaired"])
    state = cells.solve()
    assert state["unpaired"] == FEWER and state["paired"] == HIDDEN and state["known"] == SHOWN


def _narrowed_the_slow_way(cells: Suppression, sweeps: int = 30) -> set | None:
    """Every sum worked again and again, one cell at a time, until nothing changes: the small counts
    whose range ends up narrower than 0 to 4 (a check of the vectorised joint check). None if it
    has not settled after ``sweeps`` sweeps (the joint check stops such creeping on purpose)."""
    inf = float("inf")

    def start(key):
        if not cells.displayed.get(key, True):
            return 0, inf
        state = cells.state[key]
        return {SHOWN: (cells.value[key], cells.value[key]), FEWER: (0, 4), HIDDEN: (5, inf)}[state]

    shown = {k for k in cells.state if cells.state[k] == SHOWN and cells.displayed.get(k, True)}
    ranges = {k: start(k) for total, parts in cells.relations for k in (total, *parts)}
    for _ in range(sweeps):
        changed = False
        for total, parts in cells.relations:
            for i, key in enumerate((total, *parts)):
                if key in shown:
                    continue
                if i == 0:
                    low = sum(ranges[p][0] for p in parts)
                    high = sum(ranges[p][1] for p in parts)
                else:
                    others = [p for j, p in enumerate(parts) if j != i - 1]
                    low = ranges[total][0] - sum(ranges[p][1] for p in others)
                    high = ranges[total][1] - sum(ranges[p][0] for p in others)
                now = (max(ranges[key][0], low), min(ranges[key][1], high))
                if now != ranges[key]:
                    ranges[key], changed = now, True
        if not changed:
            return {k for k, (low, high) in ranges.items() if cells.state[k] == FEWER and (low > 0 or high < 4)}
    return None


def _random_table(generator: random.Random) -> Suppression:
    """Counts and sums that hold: leaves, totals of some of them (and of totals), some totals also
    written as the sum of their leaves (so the sums cross), some counts never displayed."""
    cells = Suppression(SMALL)
    leaves = {f"l{i}": generator.choice([0, 1, 2, 3, 4, 5, 7, 12]) for i in range(generator.randint(3, 8))}
    made = dict(leaves)
    under = {key: [key] for key in leaves}
    relations = []
    for n in range(generator.randint(1, 5)):
        parts = generator.sample(sorted(made), generator.randint(2, min(4, len(made))))
        if len({leaf for p in parts for leaf in under[p]}) < sum(len(under[p]) for p in parts):
            continue  # parts that overlap do not add up
        key = f"t{n}"
        made[key] = sum(made[p] for p in parts)
        under[key] = [leaf for p in parts for leaf in under[p]]
        relations.append((key, parts))
        if under[key] != parts and generator.random() < 0.5:
            relations.append((key, under[key]))
    for key, value in made.items():
        cells.count(key, value, displayed=generator.random() > 0.15)
        if cells.state[key] == SHOWN and generator.random() < 0.2:  # hidden already, as in the middle of a solve
            cells.state[key] = HIDDEN
    for total, parts in relations:
        cells.relate(total, parts)
    return cells


def test_the_joint_check_finds_what_working_the_sums_one_by_one_finds():
    generator = random.Random(11)
    compared = narrowed = 0
    for _ in range(400):
        cells = _random_table(generator)
        expected = _narrowed_the_slow_way(cells)
        if expected is None:
            continue
        assert set(cells.audit()) == expected, (cells.relations, cells.state, cells.value)
        compared += 1
        narrowed += bool(expected)
    assert compared > 300 and narrowed > 30  # the tables were mostly comparable, and not all safe


def test_the_small_number_threshold_is_the_deployments_own():
    from advocacy.figures import table
    from advocacy.figures.table import Area, Flow, Inputs

    period = rules.default_period("2026-11")
    areas = [Area("england", "england", "England"), Area("region:london", "region", "London", "england", "london"),
             Area("la:A", "la", "A", "region:london", "A"), Area("la:B", "la", "B", "region:london", "B")]
    flows = {("la:A", "2026-11"): Flow(n={"raised": 7}), ("la:B", "2026-11"): Flow(n={"raised": 30}),
             ("region:london", "2026-11"): Flow(n={"raised": 37}), ("england", "2026-11"): Flow(n={"raised": 37})}
    stocks = {(a.id, "2026-11"): {"known": 100, "paired": 90} for a in areas}

    def concerns_of_a(small: int) -> dict:
        return table.publish(Inputs(period, areas, flows, stocks, [], small))["la:A"]["row"]["concerns"]

    assert concerns_of_a(10)["state"] == FEWER and concerns_of_a(10)["text"] == "fewer than 10"
    assert concerns_of_a(5)["state"] != FEWER  # 7 is not small under the usual threshold


def test_complementary_counts_come_from_the_regions_before_the_nation():
    # England = four regions; one region's count is small and no other region hides it on its own
    # (each is too close to 5), so hiding England's total would do it at once: two regions are hidden instead.
    cells = Suppression(SMALL)
    regions = {"r1": 2, "r2": 6, "r3": 6, "r4": 6}
    cells.count("england", sum(regions.values()), level=2)
    for key, value in regions.items():
        cells.count(key, value, level=1)
    cells.relate("england", list(regions))
    state = cells.solve()
    assert state["england"] == SHOWN and state["r1"] == FEWER
    assert sorted(state.values()).count(HIDDEN) == 2
    assert cells.audit() == [] and _attack(cells)["r1"] == set(range(5))


def _known_and_paired(regions: dict[str, tuple[int, int]]) -> Suppression:
    """England and its regions' children known and paired, with those not paired (known - paired) never
    printed: each area's known = paired + not paired, and England's every figure = the sum of its regions'."""
    cells = Suppression(SMALL)
    total = [sum(k for k, _ in regions.values()), sum(p for _, p in regions.values())]
    for area, (known, paired), level in [("england", total, 2), *[(r, v, 1) for r, v in regions.items()]]:
        cells.count((area, "known"), known, level=level)
        cells.count((area, "paired"), paired, level=level)
        cells.count((area, "unpaired"), known - paired, displayed=False, level=level)
        cells.relate((area, "known"), [(area, "paired"), (area, "unpaired")])
    for figure in ("known", "paired", "unpaired"):
        cells.relate(("england", figure), [(r, figure) for r in regions])
    return cells


def test_the_nations_children_paired_stay_shown_when_a_region_has_few_without_an_advocate():
    # One region has 2 children without an advocate, so it hides its known or paired count; England's
    # total of that count would then give it away by subtracting the other regions': another region's
    # count is hidden for it, never England's (16 without an advocate: its own two counts give nothing away).
    cells = _known_and_paired({"r1": (10, 8), "r2": (20, 12), "r3": (30, 22)})
    state = cells.solve()
    assert state["england", "known"] == SHOWN and state["england", "paired"] == SHOWN
    assert HIDDEN in (state["r1", "known"], state["r1", "paired"])
    assert [state[r, f] for r in ("r2", "r3") for f in ("known", "paired")].count(HIDDEN) == 1
    assert cells.audit() == [] and _lone_hidden(cells) == []


def test_with_fewer_than_5_without_an_advocate_in_the_nation_one_national_count_must_go():
    # known - paired gives England's few away whatever the regions show: one of the two is hidden (the demo
    # of a first year has more than 4 children who opted out, so its national counts are shown).
    cells = _known_and_paired({"r1": (10, 9), "r2": (12, 11), "r3": (9, 9)})
    state = cells.solve()
    assert HIDDEN in (state["england", "known"], state["england", "paired"])
    assert cells.audit() == []


def test_a_count_that_hiding_cannot_fully_protect_takes_no_national_count_with_it():
    # A resolved 5 concerns, 2 on time: its 3 late ones (resolved - on time, never printed) are at least
    # 1 whatever is hidden, since A's resolved is 5 or more and its on time at most 4. Hiding England's
    # counts for that would protect nothing; A's on time, which England's on time less B's would give
    # away, is protected by B's on time (another local authority's), and England's counts stay shown.
    cells = Suppression(SMALL)
    values = {"A": (5, 2), "B": (20, 12)}
    values["england"] = (25, 14)
    for area, (resolved, on_time) in values.items():
        level = 2 if area == "england" else 0
        cells.count((area, "resolved"), resolved, level=level)
        cells.count((area, "on_time"), on_time, level=level)
        cells.count((area, "late"), resolved - on_time, displayed=False, level=level)
        cells.relate((area, "resolved"), [(area, "on_time"), (area, "late")])
    for figure in ("resolved", "on_time", "late"):
        cells.relate(("england", figure), [("A", figure), ("B", figure)])
    state = cells.solve()
    assert state["england", "resolved"] == SHOWN and state["england", "on_time"] == SHOWN
    assert state["B", "on_time"] == HIDDEN and state["A", "on_time"] == FEWER
    assert [k for k, s in state.items() if s == HIDDEN] == [("B", "on_time")]
    seen = _attack(cells)
    assert seen["A", "on_time"] == set(range(5)) and len(seen["A", "late"]) >= 5
    assert _lone_hidden(cells) == []


def _one_busy_authority_a_region(months: list[str]) -> tuple[list, dict]:
    """Five regions of four local authorities; in four of them one authority has all the region's
    children (3 in the first month, one more each month up to 10), one or two of them without an
    advocate; the fifth region has none. Like the demo: every region's count is its one authority's."""
    from advocacy.figures.table import Area

    areas = [Area("england", "england", "England")]
    for r in range(5):
        areas.append(Area(f"region:r{r}", "region", f"R{r}", "england", f"r{r}"))
        areas += [Area(f"la:r{r}-{i}", "la", f"R{r} {i}", f"region:r{r}", f"r{r}-{i}") for i in range(4)]
    stocks: dict = {}
    for i, month in enumerate(months):
        for area in areas:
            if area.kind == "la":
                busy = area.id.endswith("-0") and area.parent != "region:r4"
                known = min(10, 3 + i) if busy else 0
                without = (2 if i > 6 else 1) if busy else 0
                stocks[area.id, month] = {"known": known, "paired": known - without}
        for area in reversed(areas):
            if area.kind != "la":
                members = [a.id for a in areas if a.parent == area.id]
                stocks[area.id, month] = {k: sum(stocks[m, month][k] for m in members) for k in ("known", "paired")}
    return areas, stocks


def test_the_nations_children_known_and_paired_stay_shown_when_each_region_is_one_small_authority():
    # Each region's counts are its one busy authority's (5 to 10 children), so many regional counts must
    # be hidden; England's known and paired need not be, wherever 5 or more children in England have no
    # advocate (with fewer, known - paired would give that count away, so one of the two must go).
    from advocacy.figures import table
    from advocacy.figures.table import Inputs

    period = rules.default_period("2026-11")
    areas, stocks = _one_busy_authority_a_region(period.window)
    cells, _, _ = table.build(Inputs(period, areas, {}, stocks, [("contact", "Contact")], SMALL))
    slots = [*period.window, table.PERIOD]
    without = [s for s in slots if cells.value["england", "unpaired", s] >= SMALL]
    assert len(without) == 6  # the last five months and the period
    for slot in without:
        assert cells.state["england", "known", slot] == SHOWN and cells.state["england", "paired", slot] == SHOWN, slot
    assert all(cells.state["england", "known", s] == SHOWN or cells.state["england", "paired", s] == SHOWN
               for s in slots)
    assert _lone_hidden(cells) == []
    for key, (low, high) in _worked(cells).items():
        if cells.state[key] == FEWER and cells.displayed[key]:
            assert (low, high) == (0, SMALL - 1), (key, low, high)


def _lone_hidden(cells: Suppression) -> list:
    """Hidden counts that are the only unknown of a sum whose every other count is shown: worked out by
    one subtraction, so hiding them protects nothing and only makes the pages harder to read."""
    lone = []
    for total, parts in cells.relations:
        unknown = [k for k in (total, *parts) if not (cells.state[k] == SHOWN and cells.displayed[k])]
        if len(unknown) == 1 and cells.state[unknown[0]] == HIDDEN:
            lone.append(unknown[0])
    return lone


def _worked(cells: Suppression) -> dict:
    """What an attacker working every sum to a fixed point (tests/attacker.py) can say of each count."""
    ranges = {}
    for key, state in cells.state.items():
        if not cells.displayed.get(key, True):
            ranges[key] = (0, math.inf)
        else:
            ranges[key] = {SHOWN: (cells.value.get(key), cells.value.get(key)), FEWER: (0, cells.small - 1),
                           HIDDEN: (cells.small, math.inf)}[state]
    return attacker.bounds(ranges, cells.relations)


def _areas_by_months(generator: random.Random, small_share: float) -> Suppression:
    """A region of a few local authorities by a few months, with the period of each: region = sum of its
    local authorities (period and every month), each area's period = sum of its months."""
    cells = Suppression(SMALL)
    las = [f"la{i}" for i in range(generator.randint(2, 4))]
    months = [f"m{j}" for j in range(generator.randint(2, 4))]
    value = {(la, m): generator.choice([0, 1, 2, 3, 4]) if generator.random() < small_share
             else generator.randint(5, 15) for la in las for m in months}
    for la in las:
        value[la, "period"] = sum(value[la, m] for m in months)
    for m in [*months, "period"]:
        value["region", m] = sum(value[la, m] for la in las)
    for (area, slot), n in value.items():
        cells.count((area, slot), n, level=1 if area == "region" else 0)
    for area in [*las, "region"]:
        cells.relate((area, "period"), [(area, m) for m in months])
    for m in [*months, "period"]:
        cells.relate(("region", m), [(la, m) for la in las])
    return cells


def test_no_hidden_count_is_the_only_unknown_of_a_shown_sum():
    generator = random.Random(21)
    checked = hidden = 0
    for _ in range(200):
        cells = _areas_by_months(generator, generator.choice([0.2, 0.4, 0.6]))
        cells.solve()
        assert _lone_hidden(cells) == [], (cells.state, cells.value)
        for key, (low, high) in _worked(cells).items():
            if cells.state[key] == FEWER:  # never one value (zero included); a hidden total of small parts
                assert low < high, (key, low, high, cells.state, cells.value)  # may say they are not all 0
        checked += 1
        hidden += HIDDEN in cells.state.values()
    assert checked == 200 and hidden > 50


def test_a_hidden_count_the_shown_ones_give_away_is_shown_again():
    # The region and the other local authority are shown, so hiding "a" (12) would protect nothing.
    cells = Suppression(SMALL)
    for key, value in {"region": 30, "a": 12, "b": 18, "a1": 2, "a2": 10}.items():
        cells.count(key, value)
    cells.relate("region", ["a", "b"])
    cells.relate("a", ["a1", "a2"])
    state = cells.solve()
    assert state["a"] == SHOWN and state["a2"] == HIDDEN and state["a1"] == FEWER
    assert _lone_hidden(cells) == [] and _attack(cells)["a1"] == set(range(5))


def _small_geography() -> tuple:
    from advocacy.figures.table import Area

    areas = [Area("england", "england", "England"), Area("region:london", "region", "London", "england", "london"),
             Area("la:A", "la", "A", "region:london", "A"), Area("la:B", "la", "B", "region:london", "B")]
    return rules.default_period("2026-11"), areas


def test_a_median_or_caseload_of_none_reads_the_same_as_one_of_fewer_than_5():
    from advocacy.figures import table
    from advocacy.figures.table import Flow, Inputs

    period, areas = _small_geography()
    # A: nothing resolved in October, 3 in November (2, 4 and 9 working days), no replies at all, and
    # no child paired; B: 12 resolved in November, and 20 children paired with one advocate.
    a_nov = Flow(n={"resolved": 3, "on_time": 3}, days={"2": 1, "4": 1, "9": 1})
    b_nov = Flow(n={"resolved": 12, "on_time": 12}, days={"3": 12})
    flows = {("la:A", "2026-11"): a_nov, ("la:B", "2026-11"): b_nov}
    for area in ("region:london", "england"):
        flows[area, "2026-11"] = Flow().add(a_nov).add(b_nov)
    stocks = {("la:A", "2026-11"): {"known": 3, "paired": 0, "caseload_median": None, "caseload_max": None},
              ("la:B", "2026-11"): {"known": 20, "paired": 20, "caseload_median": 20, "caseload_max": 20}}
    for area in ("region:london", "england"):
        stocks[area, "2026-11"] = {"known": 23, "paired": 20, "caseload_median": 20, "caseload_max": 20}
    published = table.publish(Inputs(period, areas, flows, stocks, [], SMALL))
    a = published["la:A"]
    months = period.window
    october, november = months.index("2026-10"), months.index("2026-11")
    fewer = table.fewer_text(SMALL)
    for column in ("resolve_days", "reply_time", "on_time"):
        assert a["series"][column][october]["text"] == fewer, column  # none
        assert a["series"][column][november]["text"] == fewer, column  # 3 (or none, for replies)
    for column in ("paired", "caseload_median", "caseload_max"):
        assert a["row"][column]["text"] == fewer, column  # nobody paired in A: no advocate, no caseload
    b = published["la:B"]
    assert b["series"]["resolve_days"][november]["text"] == "3 working days"
    assert b["row"]["caseload_max"]["text"] == "20"
    # B's period is its November and nothing else: the same median would tell its other months are 0
    assert b["row"]["resolve_days"]["text"] == table.HIDDEN_TEXT
    # nowhere does a figure say "no figures" for a month the service was counting
    for area in published.values():
        for column, cells in area["series"].items():
            assert all(c["text"] != table.NONE_TEXT for c in cells[november:]), (area["area"], column)


def test_caseloads_under_5_read_fewer_than_5():
    # England's advocates: 16 children paired between five of them (6, 3, 3, 2, 2) and one with none;
    # London's: one advocate with B's 6; North's: three with 2, 2 and 1.
    from advocacy.figures import table
    from advocacy.figures.table import Area, Inputs

    period, areas = _small_geography()
    areas = [*areas, Area("region:north", "region", "North", "england", "north"),
             Area("la:N", "la", "N", "region:north", "N")]
    fewer = table.fewer_text(SMALL)
    stocks = {}
    for area, known, median, highest in (("england", 16, 2, 6), ("region:london", 6, 6, 6), ("la:A", 0, None, None),
                                          ("la:B", 6, 6, 6), ("region:north", 5, 2, 2), ("la:N", 5, 2, 2)):
        stocks[area, "2026-11"] = {"known": known, "paired": known, "caseload_median": median,
                                   "caseload_max": highest}
    published = table.publish(Inputs(period, areas, {}, stocks, [], SMALL))
    row = published["england"]["row"]
    assert row["caseload_median"]["text"] == fewer and row["caseload_median"]["value"] is None
    assert (row["caseload_max"]["text"], row["caseload_max"]["value"]) == ("6", 6)
    north = published["region:north"]["row"]
    assert north["caseload_median"]["text"] == north["caseload_max"]["text"] == fewer
    assert table.csv_value("caseload_max", north["caseload_max"]) == fewer
    assert published["la:B"]["row"]["caseload_median"]["text"] == "6"
    # 2.5 as a median reads the same
    stocks["england", "2026-11"] = {**stocks["england", "2026-11"], "caseload_median": 2.5, "caseload_max": 4.5}
    row = table.publish(Inputs(period, areas, {}, stocks, [], SMALL))["england"]["row"]
    assert row["caseload_median"]["text"] == row["caseload_max"]["text"] == fewer
