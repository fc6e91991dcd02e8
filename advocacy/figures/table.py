"""What the figures pages publish, worked out from the running totals (pure, no I/O).

``publish`` takes the monthly running totals (flows: things that happened in a
month) and the month-end counts (stocks) of every area, and returns, for every
area, the figures of the period and of each of the twelve months its charts
show, with small numbers suppressed across the whole set at once, so every
page shows the same suppression and nothing one page hides can be worked out
from another (see docs/figures.md for each figure's definition).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from advocacy.figures import rules
from advocacy.figures.rules import FEWER, HIDDEN, NONE, SHOWN, Period, Suppression

# Counts kept per area and month as things happen (flows) ...
FLOWS = ("opted_out", "opted_in", "raised", "resolved", "on_time", "late", "answered", "happy", "unhappy",
         "esc_manager", "esc_oversight")
# ... and counted as they stand at the end of each month (stocks).
STOCKS = ("known", "paired", "unpaired", "overdue", "away", "covered", "uncovered")
# Counts the pages never print but a reader can work out from two that they do.
DERIVED = {"unpaired": ("known", "paired"), "late": ("resolved", "on_time"), "unhappy": ("answered", "happy"),
           "covered": ("away", "uncovered")}
# Complementary counts are hidden from the smallest areas first: national and regional totals are
# what most readers come for.
LEVEL = {"la": 0, "region": 1, "england": 2}
PERIOD = "period"
OUTSIDE = "outside"  # the months of a period before its chart's twelve


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    explain: str
    kind: str  # count, share, rate, duration, days, caseload, cover


COLUMNS = (
    Column("known", "Children known", "Children the service knows in the area at the end of the period", "count"),
    Column("paired", "Paired with an advocate", "Children with an advocate at the end of the period", "count"),
    Column("opted_out", "Opted out", "Times a child chose not to have an advocate during the period", "count"),
    Column("opted_in", "Opted back in", "Times a child who had opted out asked for an advocate again", "count"),
    Column("reply_time", "Median time to a reply", "Median time from a child's message to their advocate's reply",
           "duration"),
    Column("concerns", "Concerns per 100 children", "Concerns raised during the period for every 100 children known",
           "rate"),
    Column("on_time", "Resolved by the deadline", "Share of concerns resolved before their oversight deadline",
           "share"),
    Column("resolve_days", "Median days to resolve", "Median working days from raising a concern to resolving it",
           "days"),
    Column("to_manager", "To a manager, per 100 children", "Concerns escalated to an advocate's manager, "
           "for every 100 children known", "rate"),
    Column("to_oversight", "To oversight, per 100 children", "Concerns escalated to the Commissioner's oversight "
           "queue, for every 100 children known", "rate"),
    Column("overdue", "Overdue now", "Unresolved concerns past their deadline (at the end of the period; now for "
           "a period ending this month)", "count"),
    Column("happy", "Child happy with the outcome", "Share of resolved concerns where the child said they were "
           "happy with the outcome (of those asked)", "share"),
    Column("caseload_median", "Caseload (median)", "Median number of children per advocate working in the area",
           "caseload"),
    Column("caseload_max", "Caseload (highest)", "Highest number of children of one advocate working in the area",
           "caseload"),
    Column("cover", "Without cover", "Children whose advocate is away and who have no one covering",
           "cover"),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
RATES = {"concerns": "raised", "to_manager": "esc_manager", "to_oversight": "esc_oversight"}
SHARES = {"on_time": ("on_time", "resolved"), "happy": ("happy", "answered"), "paired": ("paired", "known")}


@dataclass(frozen=True)
class Area:
    id: str  # "england", "region:North West", "la:E08000003"
    kind: str  # england, region, la
    name: str
    parent: str | None = None
    code: str | None = None  # a local authority's code; a region's slug


@dataclass
class Flow:
    """One area's running totals for one month (or summed over several)."""

    n: dict[str, int] = field(default_factory=dict)
    cat: dict[str, int] = field(default_factory=dict)
    complaint: dict[str, int] = field(default_factory=dict)  # complaints about the service answered, by outcome
    feedback: dict[str, int] = field(default_factory=dict)  # children's feedback answers, e.g. "listened_yes"
    reply: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)

    def add(self, other: Flow | Mapping[str, Any] | None) -> Flow:
        if other is None:
            return self
        get = (lambda k: getattr(other, k)) if isinstance(other, Flow) else (lambda k: other.get(k))
        for name in ("n", "cat", "complaint", "feedback", "reply", "days"):
            rules.merge(getattr(self, name), get(name))
        return self


def flow_counts(flow: Flow) -> dict[str, int]:
    n = flow.n
    counts = {key: int(n.get(key, 0)) for key in FLOWS}
    counts["late"] = counts["resolved"] - counts["on_time"]
    counts["unhappy"] = counts["answered"] - counts["happy"]
    return counts


def stock_counts(stock: Mapping[str, Any] | None) -> dict[str, int | None]:
    if stock is None:
        return dict.fromkeys(STOCKS)
    counts = {key: int(stock.get(key, 0)) for key in ("known", "paired", "overdue", "away", "uncovered")}
    counts["unpaired"] = counts["known"] - counts["paired"]
    counts["covered"] = counts["away"] - counts["uncovered"]
    return counts


@dataclass
class Inputs:
    period: Period
    areas: list[Area]
    flows: dict[tuple[str, str], Flow]  # (area id, month) -> totals; missing means nothing happened
    stocks: dict[tuple[str, str], Mapping[str, Any]]  # (area id, month) -> counts at the month's end
    categories: list[tuple[str, str]]  # (key, staff label), in order
    small: int  # a count below this is "fewer than" it (figures_small_count in config/default.toml)
    # The outcomes of complaints about the service: (key, label), in order (advocacy.complaints.rules).
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    # The children's feedback answers: (key, label), in order (advocacy.feedback.rules.FIGURE_LABELS).
    feedback: list[tuple[str, str]] = field(default_factory=list)


def _slots(period: Period) -> list[str]:
    return [PERIOD, *period.window]


def _period_flow(inputs: Inputs, area: str, months: Iterable[str]) -> Flow:
    total = Flow()
    for month in months:
        total.add(inputs.flows.get((area, month)))
    return total


def build(inputs: Inputs) -> tuple[Suppression, dict[tuple[str, str], Flow],
                                   dict[tuple[str, str], Mapping[str, Any] | None]]:
    """The counts of every area and slot, their relations, solved; with the flows and stocks used."""
    period, window = inputs.period, inputs.period.window
    inside = [m for m in period.months if m in window]
    outside = [m for m in period.months if m not in window]
    flows: dict[tuple[str, str], Flow] = {}
    stocks: dict[tuple[str, str], Mapping[str, Any] | None] = {}
    cells = Suppression(inputs.small)
    categories = [key for key, _ in inputs.categories]
    for area in inputs.areas:
        level = LEVEL.get(area.kind, 0)
        for slot in _slots(period):
            flow = _period_flow(inputs, area.id, period.months if slot == PERIOD else [slot])
            stock = inputs.stocks.get((area.id, period.last if slot == PERIOD else slot))
            flows[area.id, slot] = flow
            stocks[area.id, slot] = stock
            for key, value in flow_counts(flow).items():
                cells.count((area.id, key, slot), value, displayed=key not in DERIVED, level=level)
            for key, value in stock_counts(stock).items():
                cells.count((area.id, key, slot), value, displayed=key not in DERIVED, level=level)
        for key in categories:
            cells.count((area.id, f"cat:{key}", PERIOD), int(flows[area.id, PERIOD].cat.get(key, 0)), level=level)
        for key, _ in inputs.outcomes:
            cells.count((area.id, f"complaint:{key}", PERIOD), int(flows[area.id, PERIOD].complaint.get(key, 0)),
                        level=level)
        for key, _ in inputs.feedback:
            cells.count((area.id, f"feedback:{key}", PERIOD), int(flows[area.id, PERIOD].feedback.get(key, 0)),
                        level=level)
        if outside:
            before = flow_counts(_period_flow(inputs, area.id, outside))
            for key, value in before.items():
                cells.count((area.id, key, OUTSIDE), value, displayed=False, level=level)
    # total = sum of parts: the columns that add up ...
    for area in inputs.areas:
        for slot in _slots(period):
            for derived, (total, shown) in DERIVED.items():
                cells.relate((area.id, total, slot), [(area.id, shown, slot), (area.id, derived, slot)])
        cells.relate((area.id, "raised", PERIOD), [(area.id, f"cat:{key}", PERIOD) for key in categories])
        # ... the months of the period (flows) and the period's end (stocks) ...
        for key in FLOWS:
            parts = [(area.id, key, m) for m in inside] + ([(area.id, key, OUTSIDE)] if outside else [])
            cells.relate((area.id, key, PERIOD), parts)
        for key in STOCKS:
            cells.relate((area.id, key, PERIOD), [(area.id, key, period.last)])
    # ... and the areas within an area.
    children: dict[str, list[str]] = {}
    for area in inputs.areas:
        if area.parent:
            children.setdefault(area.parent, []).append(area.id)
    keys = [*FLOWS, *STOCKS]
    for parent, members in children.items():
        for slot in _slots(period):
            for key in keys:
                cells.relate((parent, key, slot), [(m, key, slot) for m in members])
        for key in categories:
            cells.relate((parent, f"cat:{key}", PERIOD), [(m, f"cat:{key}", PERIOD) for m in members])
        for key, _ in inputs.outcomes:
            cells.relate((parent, f"complaint:{key}", PERIOD), [(m, f"complaint:{key}", PERIOD) for m in members])
        for key, _ in inputs.feedback:
            cells.relate((parent, f"feedback:{key}", PERIOD), [(m, f"feedback:{key}", PERIOD) for m in members])
    cells.solve()
    return cells, flows, stocks


# ---------------------------------------------------------------- medians beside their parts

MEDIANS = ("reply", "days")  # the histograms a median is read from (Flow attributes)


def _fewest_parts(small: int) -> int:
    """How many parts not shown a parent needs before showing it can say nothing of any one of them:
    showing says they add up to ``small`` or more, and with each at most ``small - 1`` that makes each of
    them 1 or more when there are only two ("not 0" told apart, as a zero is by hiding)."""
    if small <= 1:
        return 1
    k = 1
    while small - (k - 1) * (small - 1) > 0:
        k += 1
    return k


def median_states(areas: list[Area], flows: Mapping[tuple[str, str], Flow], period: Period, small: int
                  ) -> dict[tuple[str, str, str], str]:
    """Whether each median (area, slot, "reply" or "days") is shown, "fewer than 5" or hidden.

    A median of fewer than ``small`` values reads "fewer than 5". A parent's median (an area's, of the
    areas within it; a period's, of its months) that its parts' medians would give away is hidden: were
    London's median the same as Camden's while the other authorities read "fewer than 5", a reader
    would know they are 0, since 1 to 4 more values would almost surely move it. So for every relation
    a parent has (its areas, same slot; the period's months, with those before the chart as one part
    nobody sees), the parts whose medians are not shown must hold ``small`` values or more between them
    (and be at least ``_fewest_parts`` of them, unless every part reads "fewer than 5": then they hold
    all the parent's values, 5 or more whether it is shown or hidden), else the parent reads "hidden".

    What a part not shown adds is what the shown medians do not already cover: all of a "fewer than 5";
    of a median hidden by this rule, what its own parts not shown hold (a region hidden because its one
    busy authority is shown holds under 5 uncovered, so England, or the period, holding little else is
    hidden too, rather than read as that authority's median). The cells are worked from the parts up
    (local authorities, then regions, then England; the months, then the period), once: a cell depends
    only on its parts, so no second pass would change anything.
    """
    children: dict[str, list[str]] = {}
    parent = {a.id: a.parent for a in areas}
    for area in areas:
        if area.parent:
            children.setdefault(area.parent, []).append(area.id)

    def depth(area: str) -> int:
        seen = 0
        while parent.get(area):
            area, seen = parent[area], seen + 1
        return seen

    window = period.window
    inside = [m for m in period.months if m in window]
    has_outside = len(inside) < len(period.months)
    fewest = _fewest_parts(small)
    state: dict[tuple[str, str, str], str] = {}
    uncovered: dict[tuple[str, str, str], int] = {}  # of each median not shown: the values no shown median covers

    def total(area: str, slot: str, which: str) -> int:
        flow = flows.get((area, slot))
        return rules.histogram_total(getattr(flow, which)) if flow else 0

    def part(area: str, slot: str, which: str) -> tuple[int | None, bool]:
        """What a part adds to its parent's values not covered (None: its median is shown), and whether
        it reads "fewer than 5"."""
        here = state[area, slot, which]
        return (None if here == SHOWN else uncovered[area, slot, which]), here == FEWER

    def judge(key: tuple[str, str, str], n: int, relations: list[list[tuple[int | None, bool]]]) -> None:
        left = n
        shown = n >= small
        for parts in relations:
            hidden = [u for u, _ in parts if u is not None]
            if not hidden:
                continue  # every part shown: nothing under it to give away
            left = min(left, sum(hidden))
            # Where every part reads "fewer than 5" they hold the parent's own values, 5 or more whatever it
            # reads; else two parts not shown are too few (showing would say each holds 1 or more).
            every_part_small = all(fewer for _, fewer in parts)
            if sum(hidden) < small or (len(hidden) < fewest and not every_part_small):
                shown = False
        state[key] = SHOWN if shown else (FEWER if n < small else HIDDEN)
        uncovered[key] = left

    for area in sorted((a.id for a in areas), key=depth, reverse=True):  # parts before their totals
        members = children.get(area, [])
        for which in MEDIANS:
            for month in window:
                relations = [[part(m, month, which) for m in members]] if members else []
                judge((area, month, which), total(area, month, which), relations)
            n = total(area, PERIOD, which)
            months = [part(area, m, which) for m in inside]
            if has_outside:  # the months before the chart's twelve: one part no median shows
                months.append((max(n - sum(total(area, m, which) for m in inside), 0), False))
            relations = [months]
            if members:
                relations.append([part(m, PERIOD, which) for m in members])
            judge((area, PERIOD, which), n, relations)
    return state


# ---------------------------------------------------------------- what a reader sees

HIDDEN_TEXT = "hidden"
NONE_TEXT = "no figures"


def _cell(text: str, value: float | None, state: str, note: str = "") -> dict[str, Any]:
    return {"text": text, "value": value, "state": state, "note": note}


def fewer_text(small: int) -> str:
    """The words of a count too small to show: "fewer than 5"."""
    return f"fewer than {small}"


def _suppressed(state: str, small: int) -> dict[str, Any]:
    return _cell({FEWER: fewer_text(small), HIDDEN: HIDDEN_TEXT}.get(state, NONE_TEXT), None, state)


def _worst(*states: str) -> str:
    for state in (NONE, FEWER, HIDDEN):
        if state in states:
            return state
    return SHOWN


def count_text(value: float) -> str:
    return f"{int(value):,}"


def duration_text(seconds: float) -> str:
    """A wait in words a reviewer reads at a glance: "45 s", "12 min", "3 h 20 min", "2 days 4 h"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} day{'s' if days != 1 else ''} {hours} h" if hours else f"{days} day{'s' if days != 1 else ''}"


def days_text(days: float) -> str:
    text = f"{days:g}"
    return f"{text} working day{'' if days == 1 else 's'}"


class Reader:
    """Turns the solved counts into what each cell of each page says."""

    def __init__(self, cells: Suppression, flows: Mapping[tuple[str, str], Flow],
                 stocks: Mapping[tuple[str, str], Mapping[str, Any] | None],
                 medians: Mapping[tuple[str, str, str], str] | None = None) -> None:
        self.cells = cells
        self.flows = flows
        self.stocks = stocks
        self.medians = medians or {}  # median_states: which medians their parts would give away

    def suppressed(self, state: str) -> dict[str, Any]:
        return _suppressed(state, self.cells.small)

    def state(self, area: str, key: str, slot: str) -> str:
        return self.cells.state.get((area, key, slot), NONE)

    def value(self, area: str, key: str, slot: str) -> int:
        return self.cells.value[(area, key, slot)]

    def count(self, area: str, key: str, slot: str) -> dict[str, Any]:
        state = self.state(area, key, slot)
        if state != SHOWN:
            return self.suppressed(state)
        value = self.value(area, key, slot)
        return _cell(count_text(value), value, SHOWN)

    def rate(self, area: str, key: str, slot: str) -> dict[str, Any]:
        """``key`` per 100 children known at the end of the slot."""
        state = _worst(self.state(area, key, slot), self.state(area, "known", slot))
        if state != SHOWN:
            return self.suppressed(state)
        known = self.value(area, "known", slot)
        if known == 0:
            return self.suppressed(NONE)
        rate = 100 * self.value(area, key, slot) / known
        return _cell(f"{rate:.1f}", round(rate, 3), SHOWN)

    def share(self, area: str, part: str, whole: str, slot: str) -> dict[str, Any]:
        rest = next(d for d, (total, shown) in DERIVED.items() if (total, shown) == (whole, part))
        state = _worst(self.state(area, part, slot), self.state(area, whole, slot), self.state(area, rest, slot))
        if state != SHOWN:
            return self.suppressed(state)
        whole_value = self.value(area, whole, slot)
        share = 100 * self.value(area, part, slot) / whole_value
        return _cell(f"{share:.0f}%", round(share, 3), SHOWN, f"of {whole_value:,}")

    def median(self, area: str, slot: str, which: str) -> dict[str, Any]:
        flow = self.flows.get((area, slot))
        hist = getattr(flow, which) if flow else {}
        if rules.histogram_total(hist) < self.cells.small:
            # None at all reads the same as 1 to 4: a median must never say more of a count than the count does.
            return self.suppressed(FEWER)
        if self.medians.get((area, slot, which), SHOWN) != SHOWN:
            return self.suppressed(HIDDEN)  # its parts' medians would tell theirs not shown are 0 (or 1 to 4)
        if which == "reply":
            seconds = rules.reply_median(hist)
            return _cell(duration_text(seconds), round(seconds, 1), SHOWN)
        days = rules.days_median(hist)
        return _cell(days_text(days), days, SHOWN)

    def stock_value(self, area: str, slot: str, key: str) -> dict[str, Any]:
        """A caseload: of the advocates of the area's paired children, so it reads "fewer than 5" when
        their count does (none included: "no advocates" would tell a 0 from 1 to 4); and, being a count of
        children, when it is itself under 5 (an advocate's 3 children, or a median of 2.5)."""
        stock = self.stocks.get((area, slot))
        if stock is None:
            return self.suppressed(NONE)
        if self.state(area, "paired", slot) == FEWER:
            return self.suppressed(FEWER)
        if key not in stock:
            return self.suppressed(NONE)  # not counted then
        value = stock[key]
        if value is None or value < self.cells.small:  # no advocate's children, or fewer than 5 of them
            return self.suppressed(FEWER)
        return _cell(f"{value:g}", value, SHOWN)

    def cover(self, area: str, slot: str) -> dict[str, Any]:
        cell = self.count(area, "uncovered", slot)
        away = self.count(area, "away", slot)
        if cell["state"] == SHOWN or away["state"] == SHOWN:
            cell["note"] = f"of {away['text']} away" if away["state"] == SHOWN else ""
        elif away["state"] == NONE:
            return self.suppressed(NONE)
        if self.state(area, "away", slot) == SHOWN and self.value(area, "away", slot) == 0:
            cell["note"] = "nobody away"
        return cell

    def figure(self, area: str, column: str, slot: str) -> dict[str, Any]:
        if column in ("known", "opted_out", "opted_in", "overdue"):
            return self.count(area, column, slot)
        if column == "paired":
            cell = self.count(area, "paired", slot)
            share = self.share(area, "paired", "known", slot)
            if cell["state"] == SHOWN and share["state"] == SHOWN:
                cell["note"] = f"{share['text']} of those known"
            return cell
        if column in RATES:
            return self.rate(area, RATES[column], slot)
        if column in ("on_time", "happy"):
            part, whole = SHARES[column]
            return self.share(area, part, whole, slot)
        if column == "reply_time":
            return self.median(area, slot, "reply")
        if column == "resolve_days":
            return self.median(area, slot, "days")
        if column in ("caseload_median", "caseload_max"):
            return self.stock_value(area, slot, column)
        if column == "cover":
            return self.cover(area, slot)
        raise KeyError(column)


# ---------------------------------------------------------------- the CSV downloads

# The unit of each figure that is not a plain count, for the heading of its column in a download.
UNITS = {"reply_time": "minutes", "on_time": "%", "happy": "%", "resolve_days": "working days",
         "caseload_median": "children per advocate", "caseload_max": "children per advocate", "cover": "children"}


def csv_heading(column: Column) -> str:
    """A figure's heading in a download, its unit in brackets: "Median days to resolve (working days)"."""
    unit = UNITS.get(column.key)
    return f"{column.heading} ({unit})" if unit else column.heading


def csv_value(column: str, cell: Mapping[str, Any]) -> int | float | str:
    """A figure as a download holds it: a number, to the page's precision, in the unit of ``csv_heading``
    (no thousands commas); a figure not shown reads the page's words ("fewer than 5", "hidden")."""
    value = cell.get("value")
    if value is None or cell.get("state", SHOWN) != SHOWN:
        return cell["text"]
    kind = next((c.kind for c in COLUMNS if c.key == column), "count")
    if kind in ("count", "cover"):
        return int(value)
    if kind == "rate":
        return round(float(value), 1)
    if kind == "share":
        return round(float(value))
    if kind == "duration":
        return round(float(value) / 60, 1)
    return int(value) if float(value).is_integer() else float(value)  # days, caseloads


def publish(inputs: Inputs) -> dict[str, dict[str, Any]]:
    """Every area's published figures: ``row`` (the period), ``series`` (the chart months), ``categories``,
    ``complaints`` (complaints about the service answered in the period, by outcome), ``feedback`` (children's
    answers to "did you feel listened to?" and "did things change?" in the period)."""
    cells, flows, stocks = build(inputs)
    reader = Reader(cells, flows, stocks, median_states(inputs.areas, flows, inputs.period, inputs.small))
    window = inputs.period.window
    out: dict[str, dict[str, Any]] = {}
    for area in inputs.areas:
        out[area.id] = {
            "area": area.id, "kind": area.kind, "name": area.name, "parent": area.parent, "code": area.code,
            "row": {c: reader.figure(area.id, c, PERIOD) for c in COLUMN_KEYS},
            "series": {c: [reader.figure(area.id, c, m) for m in window] for c in COLUMN_KEYS},
            "categories": [
                {"key": key, "label": label, "count": reader.count(area.id, f"cat:{key}", PERIOD),
                 "rate": _category_rate(reader, area.id, key)}
                for key, label in inputs.categories
            ],
            "complaints": [
                {"key": key, "label": label, "count": reader.count(area.id, f"complaint:{key}", PERIOD)}
                for key, label in inputs.outcomes
            ],
            "feedback": [
                {"key": key, "label": label, "count": reader.count(area.id, f"feedback:{key}", PERIOD)}
                for key, label in inputs.feedback
            ],
        }
    return out


def _category_rate(reader: Reader, area: str, key: str) -> dict[str, Any]:
    return (reader.rate(area, f"cat:{key}", PERIOD) if reader.state(area, "known", PERIOD) != NONE
            else reader.suppressed(NONE))


def sort_rows(rows: list[dict[str, Any]], column: str, descending: bool) -> list[dict[str, Any]]:
    """Rows ordered on one column's shown values; anything not shown goes last (in name order), so
    the order never hints at a suppressed value."""
    shown = [r for r in rows if r["row"][column]["value"] is not None]
    rest = [r for r in rows if r["row"][column]["value"] is None]
    shown.sort(key=lambda r: (r["row"][column]["value"], r["name"]) if not descending else
               (-r["row"][column]["value"], r["name"]))
    rest.sort(key=lambda r: r["name"])
    return shown + rest
