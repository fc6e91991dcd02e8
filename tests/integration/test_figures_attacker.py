"""An attacker on the transparency figures: given every table a reviewer can download for the period
(each area's figures, months and categories, and the tables of regions and local authorities), they
write every count as a range (a shown count is itself, "fewer than 5" is 0 to 4, "hidden" is 5 or more,
a rate or share read back with its rounding), relate them by every sum the tables publish together
(areas adding up to their region and England, the months to the period, the categories to the concerns
raised, the parts of a share to its whole) and narrow them all to a fixed point (tests/attacker.py).
No "fewer than 5" may come out as a single value (zero included), no hidden count may be the only
unknown of a sum whose other counts are shown, before and after new concerns are raised."""

from __future__ import annotations

import math
import re

from advocacy.figures import rules
from advocacy.figures.table import COLUMNS, csv_heading
from tests import attacker
from tests.integration.concerns_support import add_reviewer
from tests.integration.figures_support import (
    LEEDS,
    WAKEFIELD,
    YORKSHIRE,
    add_children,
    build_history,
    download,
    raise_concerns,
)

HEADING = {csv_heading(c): c.key for c in COLUMNS}
NUMBER = re.compile(r"-?\d+(\.\d+)?")
FEWER_WORDS, HIDDEN_WORDS = "fewer than 5", "hidden"
COUNTS = {"known": "known", "paired": "paired", "opted_out": "opted_out", "opted_in": "opted_in",
          "overdue": "overdue", "cover": "uncovered"}  # column -> the count it prints
RATES = {"concerns": "raised", "to_manager": "esc_manager", "to_oversight": "esc_oversight"}
SHARES = {"on_time": ("on_time", "resolved", "late"), "happy": ("happy", "answered", "unhappy")}
FLOWS = ("opted_out", "opted_in", "raised", "esc_manager", "esc_oversight", "resolved", "on_time", "late",
         "answered", "happy", "unhappy")
STOCKS = ("known", "paired", "unpaired", "overdue", "uncovered", "covered", "away")
EVERYTHING = (0, math.inf)


def _count(text: str) -> tuple[float, float]:
    if NUMBER.fullmatch(text):
        return float(text), float(text)
    return {FEWER_WORDS: (0, 4), HIDDEN_WORDS: (5, math.inf)}.get(text, EVERYTHING)


class Reading:
    """What the attacker has made of the downloads so far."""

    def __init__(self) -> None:
        self.ranges: dict[tuple, tuple[float, float]] = {}
        self.printed: dict[tuple, str] = {}  # the counts printed as such (what a suppressed count reads)
        self.sums: list[tuple[tuple, list[tuple]]] = []
        self.medians: dict[tuple, str] = {}  # what the medians read, by area, column and slot

    def know(self, key: tuple, low: float, high: float) -> None:
        old_low, old_high = self.ranges.get(key, EVERYTHING)
        self.ranges[key] = (max(old_low, low), min(old_high, high))

    def column(self, area: str, column: str, slot: str, text: str, note: str = "") -> None:
        if column in ("reply_time", "resolve_days"):
            self.medians[area, column, slot] = text
        if column in COUNTS:
            key = (area, COUNTS[column], slot)
            self.printed[key] = text
            self.know(key, *_count(text))
            if column == "cover" and (found := re.fullmatch(r"of ([\d,]+) away", note)):
                self.know((area, "away", slot), *_count(found.group(1).replace(",", "")))
        elif column in RATES and NUMBER.fullmatch(text):
            known = self.ranges.get((area, "known", slot), EVERYTHING)
            if known[0] == known[1]:  # a rate to one decimal of a shown count: the count within its rounding
                rate = float(text)
                self.know((area, RATES[column], slot), (rate - 0.05) * known[0] / 100, (rate + 0.05) * known[0] / 100)
        elif column in SHARES and NUMBER.fullmatch(text) and (found := re.fullmatch(r"of ([\d,]+)", note)):
            part, whole, _rest = SHARES[column]
            whole_value = float(found.group(1).replace(",", ""))
            share = float(text)
            self.know((area, whole, slot), whole_value, whole_value)
            self.know((area, part, slot), (share - 0.5) * whole_value / 100, (share + 0.5) * whole_value / 100)

    def relate(self, total: tuple, parts: list[tuple]) -> None:
        self.sums.append((total, parts))


async def read_everything(reviewer, server) -> Reading:
    """Every table a reviewer can download for the default period, and every sum they relate."""
    figures = server.services.figures
    areas = await figures.areas()
    window = rules.default_period(figures.this_month()).window
    reading = Reading()
    categories: list[str] = []
    ranking = []
    for area in areas:
        path = {"england": "/figures", "region": f"/figures/regions/{area.code}", "la": f"/figures/las/{area.code}"}[
            area.kind]
        status, rows = await download(reviewer, path, "figures")
        assert status == 200
        for heading, text, note in rows[1:]:
            reading.column(area.id, HEADING[heading], "period", text, note)
        status, rows = await download(reviewer, path, "months")
        assert status == 200 and len(rows[0]) == 1 + len(window)
        for heading, *texts in rows[1:]:
            for month, text in zip(window, texts, strict=True):
                reading.column(area.id, HEADING[heading], month, text)
        status, rows = await download(reviewer, path, "categories")
        assert status == 200
        categories = [row[0] for row in rows[1:]]
        for label, text, _rate in rows[1:]:
            key = (area.id, f"cat:{label}", "period")
            reading.printed[key] = text
            reading.know(key, *_count(text))
        if area.kind != "la":
            for which in ("regions", "las") if area.kind == "england" else ("las",):
                status, rows = await download(reviewer, path, which)
                assert status == 200
                ranking.append((which, rows))
    for which, rows in ranking:  # the ranking tables show the same rows as each area's own download
        header = rows[0]
        for row in rows[1:]:
            code = row[1] if which == "las" else None
            member = next(a for a in areas if (a.code == code if code else a.name == row[0]))
            for heading, text in zip(header, row, strict=True):
                if heading in HEADING and HEADING[heading] in COUNTS:
                    assert reading.printed[member.id, COUNTS[HEADING[heading]], "period"] == text
    slots = ["period", *window]
    for area in areas:
        for slot in slots:  # the parts of a share add up to its whole; of a count, to another
            reading.relate((area.id, "known", slot), [(area.id, "paired", slot), (area.id, "unpaired", slot)])
            reading.relate((area.id, "away", slot), [(area.id, "uncovered", slot), (area.id, "covered", slot)])
            for part, whole, rest in SHARES.values():
                reading.relate((area.id, whole, slot), [(area.id, part, slot), (area.id, rest, slot)])
        for key in FLOWS:  # the months add up to the period (the default period is the chart's twelve)
            reading.relate((area.id, key, "period"), [(area.id, key, m) for m in window])
        for key in STOCKS:  # a count that stands: the period's is its last month's
            reading.relate((area.id, key, "period"), [(area.id, key, window[-1])])
        reading.relate((area.id, "raised", "period"), [(area.id, f"cat:{c}", "period") for c in categories])
        members = [a.id for a in areas if a.parent == area.id]
        if members:  # the areas within an area add up to it
            for key in (*FLOWS, *STOCKS):
                for slot in slots:
                    reading.relate((area.id, key, slot), [(m, key, slot) for m in members])
            for c in categories:
                reading.relate((area.id, f"cat:{c}", "period"), [(m, f"cat:{c}", "period") for m in members])
    for total, parts in reading.sums:
        for key in (total, *parts):
            reading.ranges.setdefault(key, EVERYTHING)
    return reading


def attack(reading: Reading) -> tuple[dict, list]:
    """Each count's range after working every sum, and the hidden counts one subtraction gives away."""
    worked = attacker.bounds(reading.ranges, reading.sums)
    lone = []
    for total, parts in reading.sums:
        if not all(k in reading.printed for k in (total, *parts)):
            continue  # a sum with a count never printed as such is not one the tables publish together
        unknown = [k for k in (total, *parts) if not NUMBER.fullmatch(reading.printed[k])]
        if len(unknown) == 1 and reading.printed[unknown[0]] == HIDDEN_WORDS:
            lone.append((unknown[0], total))
    return worked, lone


def check(reading: Reading) -> int:
    worked, lone = attack(reading)
    assert lone == [], lone
    # a median of none reads as one of 1 to 4 does (the months of flows are always counted, so "no figures"
    # beside a "fewer than 5" would tell a 0)
    told = {key: text for key, text in reading.medians.items() if text not in (FEWER_WORDS, HIDDEN_WORDS)
            and not NUMBER.fullmatch(text)}
    assert told == {}, told
    small = [key for key, text in reading.printed.items() if text == FEWER_WORDS]
    for key in small:
        low, high = worked[key]
        assert low < high, f"{key} reads {FEWER_WORDS!r} but the downloads pin it to {low:g}"
    return len(small)


async def check_medians(reading: Reading, server) -> int:
    """No parent's median (an area's, of the areas within it; the period's, of its months) is shown where
    its parts whose medians are not shown hold under 5 values between them, counted from the running totals
    themselves: were London's median the same as Camden's beside 32 "fewer than 5", those would be 0.
    Returns how many medians read hidden."""
    figures = server.services.figures
    areas = await figures.areas()
    window = rules.default_period(figures.this_month()).window
    held: dict[tuple, int] = {}
    async for doc in server.store.figures_months.find({"month": {"$in": window}}):
        for column, which in (("reply_time", "reply"), ("resolve_days", "days")):
            held[doc["area"], column, doc["month"]] = rules.histogram_total(doc.get(which))

    def values(area: str, column: str, slot: str) -> int:
        months = window if slot == "period" else [slot]
        return sum(held.get((area, column, m), 0) for m in months)

    not_shown = (FEWER_WORDS, HIDDEN_WORDS)
    hidden = 0
    for area in areas:
        members = [a.id for a in areas if a.parent == area.id]
        for column in ("reply_time", "resolve_days"):
            for slot in ("period", *window):
                text = reading.medians[area.id, column, slot]
                assert (text == FEWER_WORDS) == (values(area.id, column, slot) < 5), (area.id, column, slot, text)
                hidden += text == HIDDEN_WORDS
                if text in not_shown:
                    continue
                groups = [[(m, column, slot) for m in members]] if members else []
                if slot == "period":  # the default period is the chart's twelve months
                    groups.append([(area.id, column, m) for m in window])
                for group in groups:
                    parts = [key for key in group if reading.medians[key] in not_shown]
                    assert not parts or sum(values(*key) for key in parts) >= 5, (area.id, column, slot, text, parts)
    return hidden


async def test_no_download_pins_a_small_count_before_or_after_new_concerns(world, apis):
    await build_history(world, wakefield=True)
    server = world.server
    reviewer = await apis(server, await add_reviewer(world))
    before = await read_everything(reviewer, server)
    assert check(before) > 50  # plenty of small counts to work on: Wakefield's, and the quiet months
    assert before.printed["la:" + WAKEFIELD, "known", "period"] == FEWER_WORDS
    # Leeds's replies and resolutions are all this month's, and Wakefield has none: the region's and England's
    # medians this month, and every period's, would be Leeds's this month, telling Wakefield's and the other
    # months' "fewer than 5" are 0
    assert await check_medians(before, server) > 0
    this_month = server.services.figures.this_month()
    for column in ("reply_time", "resolve_days"):
        assert NUMBER.fullmatch(before.medians["la:" + LEEDS, column, this_month]), column
        assert before.medians["la:" + WAKEFIELD, column, this_month] == FEWER_WORDS
        for area in (f"region:{YORKSHIRE}", "england"):
            assert before.medians[area, column, this_month] == HIDDEN_WORDS, (area, column)
        for area in ("la:" + LEEDS, f"region:{YORKSHIRE}", "england"):
            assert before.medians[area, column, "period"] == HIDDEN_WORDS, (area, column)

    # seven concerns for Wakefield's two children (5 to 9 in one month: its months would give it away), seven more
    # in Leeds, this month
    await raise_concerns(world, WAKEFIELD, 7, "money")
    await raise_concerns(world, LEEDS, 7, "money")
    after = await read_everything(reviewer, server)
    check(after)
    await check_medians(after, server)
    money = dict(server.services.figures.categories)["money"]
    assert after.printed["la:" + WAKEFIELD, f"cat:{money}", "period"] == HIDDEN_WORDS
    # and the counts are still right: whatever is hidden, the true counts (Leeds's 14 concerns about money
    # now 21, Wakefield's none now 7, England's and the region's the sum) are within what the tables allow
    for reading, leeds, wakefield in ((before, 14, 0), (after, 21, 7)):
        worked = attacker.bounds(reading.ranges, reading.sums)
        truth = {"la:" + LEEDS: leeds, "la:" + WAKEFIELD: wakefield, "england": leeds + wakefield}
        for area, count in truth.items():
            low, high = worked[area, f"cat:{money}", "period"]
            assert low <= count <= high, (area, count, low, high)


async def test_the_nations_children_known_and_paired_are_shown_when_they_are_in_the_hundreds(world, apis):
    # Some 290 children in England, 17 without an advocate: Leeds (with Wakefield's 2 beside it, so Leeds or
    # Yorkshire must hide its count) and Manchester in the North West hold most; Kent (7, 1 without an
    # advocate) and Birmingham (9, 2 without) are each all of their region, and London has an authority
    # and no children. Every small count (Wakefield's, the regions' nobody, those without an advocate)
    # needs complementary counts hidden, and local authorities' and regions' can do it: England's children
    # known and paired, in the hundreds and what most readers come for, are shown (they were both "hidden"),
    # and still nothing is pinned.
    await build_history(world, wakefield=True)
    server = world.server
    await add_children(world, LEEDS, 100)
    await add_children(world, "E08000003", 150, unpaired=4)  # Manchester
    await add_children(world, "E10000016", 7, unpaired=1, region="South East")  # Kent
    await add_children(world, "E08000025", 9, unpaired=2, region="West Midlands")  # Birmingham
    await add_children(world, "E09000007", 0, region="London")  # Camden
    await server.services.figures.job.run_once()
    reviewer = await apis(server, await add_reviewer(world))
    known = await server.store.children.count_documents({"la": {"$ne": None}})
    paired = await server.store.children.count_documents({"la": {"$ne": None}, "advocate": {"$ne": None}})
    assert known >= 250 and known - paired >= 5
    reading = await read_everything(reviewer, server)
    this_month = server.services.figures.this_month()
    for slot in ("period", this_month):
        printed = (reading.printed["england", "known", slot], reading.printed["england", "paired", slot])
        assert printed == (str(known), str(paired)), (slot, printed)
    assert reading.printed["la:" + WAKEFIELD, "known", "period"] == FEWER_WORDS
    assert check(reading) > 50
    await check_medians(reading, server)


def test_the_attacker_sees_through_subtraction_that_the_solver_would_have_blocked():
    # the attacker itself: a region of 12 shown beside one local authority of 10 pins the other to 2,
    # and a hidden count beside shown ones is found by one subtraction
    reading = Reading()
    for key, text in {("r", "known", "p"): "12", ("a", "known", "p"): "10", ("b", "known", "p"): FEWER_WORDS}.items():
        reading.printed[key] = text
        reading.know(key, *_count(text))
    reading.relate(("r", "known", "p"), [("a", "known", "p"), ("b", "known", "p")])
    worked, lone = attack(reading)
    assert worked["b", "known", "p"] == (2, 2) and lone == []
    reading.printed["a", "known", "p"] = HIDDEN_WORDS
    reading.ranges["a", "known", "p"] = _count(HIDDEN_WORDS)
    reading.printed["b", "known", "p"] = "7"
    reading.ranges["b", "known", "p"] = _count("7")
    assert attack(reading)[1] == [(("a", "known", "p"), ("r", "known", "p"))]
