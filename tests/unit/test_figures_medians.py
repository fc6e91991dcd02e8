"""A parent's median beside its parts' (issue 21): an area's beside the areas within it, a period's beside
its months. Were London's median the same as Camden's while the other authorities read "fewer than 5", a
reader would know those are 0; so a parent's median is shown only where its parts not shown hold 5 or more
values between them."""

from __future__ import annotations

from advocacy.figures import rules, table
from advocacy.figures.rules import FEWER, HIDDEN, SHOWN
from advocacy.figures.table import Area, Flow, Inputs

SMALL = 5
LAST = "2026-11"
PERIOD = rules.default_period(LAST)  # December 2025 to November 2026, the chart's twelve
AREAS = [
    Area("england", "england", "England"),
    Area("region:london", "region", "London", "england", "london"),
    Area("la:camden", "la", "Camden", "region:london", "camden"),
    Area("la:a", "la", "A", "region:london", "a"),
    Area("la:b", "la", "B", "region:london", "b"),
    Area("la:c", "la", "C", "region:london", "c"),
    Area("region:north", "region", "North", "england", "north"),
    Area("la:n", "la", "N", "region:north", "n"),
]
FEWER_TEXT = table.fewer_text(SMALL)


def _flows(replies: dict[tuple[str, str], int], bucket: str = "12") -> dict[tuple[str, str], Flow]:
    """Each local authority's replies by month (all in one bucket), added up to its region and England;
    each resolved concern likewise (as many, all after ``bucket`` working days)."""
    flows: dict[tuple[str, str], Flow] = {}
    parent = {a.id: a.parent for a in AREAS}
    for (la, month), n in replies.items():
        area: str | None = la
        while area is not None:
            flow = flows.setdefault((area, month), Flow())
            flow.add(Flow(n={"resolved": n, "on_time": n}, reply={bucket: n}, days={bucket: n}))
            area = parent[area]
    return flows


def _states(replies: dict[tuple[str, str], int], period: rules.Period = PERIOD) -> dict:
    flows = {(area, slot): flow for (area, slot), flow in _flows(replies).items()}
    for area in AREAS:  # what table.build adds up for the period
        total = Flow()
        for month in period.months:
            total.add(flows.get((area.id, month)))
        flows[area.id, table.PERIOD] = total
    return table.median_states(AREAS, flows, period, SMALL)


def _published(replies: dict[tuple[str, str], int], period: rules.Period = PERIOD) -> dict:
    return table.publish(Inputs(period, AREAS, _flows(replies), {}, [], SMALL))


def _month(published: dict, area: str, column: str, month: str = LAST) -> dict:
    return published[area]["series"][column][PERIOD.window.index(month)]


def test_a_region_whose_one_authority_with_replies_is_shown_reads_hidden():
    # London's replies are all Camden's 12 (in November): London's median is Camden's, to the tenth of a
    # minute, which would tell A, B and C ("fewer than 5") are 0. And England's, whose North has none.
    published = _published({("la:camden", LAST): 12})
    for column in ("reply_time", "resolve_days"):
        camden = _month(published, "la:camden", column)
        assert camden["state"] == SHOWN, column
        for la in ("la:a", "la:b", "la:c"):
            assert _month(published, la, column)["text"] == FEWER_TEXT
        for area in ("region:london", "england"):
            cell = _month(published, area, column)
            assert (cell["text"], cell["value"], cell["state"]) == (table.HIDDEN_TEXT, None, HIDDEN), (area, column)
            # and the period, which is November and nothing else, the same
            assert published[area]["row"][column]["text"] == table.HIDDEN_TEXT, (area, column)
        assert published["la:camden"]["row"][column]["text"] == table.HIDDEN_TEXT  # Camden's period: November's


def test_a_region_is_shown_where_its_authorities_not_shown_hold_5_or_more_between_them():
    replies = {("la:camden", LAST): 12, ("la:a", LAST): 2, ("la:b", LAST): 2, ("la:c", LAST): 1}
    states = _states(replies)
    assert states["la:camden", LAST, "reply"] == SHOWN and states["la:a", LAST, "reply"] == FEWER
    assert states["region:london", LAST, "reply"] == SHOWN and states["region:london", LAST, "days"] == SHOWN
    published = _published(replies)
    assert _month(published, "region:london", "reply_time")["state"] == SHOWN
    # England: London is shown, North (no replies) is its one part not shown, holding 0
    assert states["england", LAST, "reply"] == HIDDEN
    # with 4 between them, London reads hidden
    states = _states({**replies, ("la:c", LAST): 0})
    assert states["region:london", LAST, "reply"] == HIDDEN


def test_a_zero_among_the_parts_reads_as_1_to_4_do():
    def london(others: int) -> dict:
        replies = {("la:camden", LAST): 12, **{(la, LAST): others for la in ("la:a", "la:b", "la:c")}}
        if others == 0:
            replies = {("la:camden", LAST): 12}
        published = _published(replies)
        return {column: (_month(published, "region:london", column), published["region:london"]["row"][column])
                for column in ("reply_time", "resolve_days")}

    # 0 and 1 each reading "fewer than 5" leave London's median hidden alike (3 between them is under 5)
    assert london(0) == london(1)
    assert london(0)["reply_time"][0]["text"] == table.HIDDEN_TEXT


def test_two_parts_not_shown_hide_their_parent_even_with_5_or_more_between_them():
    # Were London shown, a reader would know A and B hold 5 or more between them, so each 1 or more:
    # "not 0" told apart. With three parts not shown, 5 or more between them says nothing of any one.
    areas = [a for a in AREAS if a.id not in ("la:c",)]
    flows = _flows({("la:camden", LAST): 12, ("la:a", LAST): 3, ("la:b", LAST): 3})
    for area in areas:
        flows[area.id, table.PERIOD] = Flow().add(flows.get((area.id, LAST)))
    assert table.median_states(areas, flows, PERIOD, SMALL)["region:london", LAST, "reply"] == HIDDEN
    assert table.median_states(AREAS, flows, PERIOD, SMALL)["region:london", LAST, "reply"] == SHOWN
    assert table._fewest_parts(5) == 3 and table._fewest_parts(2) == 3
    # but where every part reads "fewer than 5" they hold all of the parent's 5 or more, whatever it reads:
    # a period of two months of 3 replies is shown
    states = _states({("la:camden", "2026-06"): 3, ("la:camden", LAST): 3})
    assert states["la:camden", LAST, "reply"] == FEWER and states["la:camden", table.PERIOD, "reply"] == SHOWN


def test_a_period_holding_one_month_s_values_reads_hidden_and_is_shown_with_5_more_elsewhere():
    # Camden's replies all in November: its period median is November's, which would tell the other
    # eleven months ("fewer than 5") are 0.
    states = _states({("la:camden", LAST): 12})
    assert states["la:camden", LAST, "reply"] == SHOWN
    assert states["la:camden", table.PERIOD, "reply"] == HIDDEN
    assert states["la:camden", table.PERIOD, "days"] == HIDDEN
    # 2, 2 and 1 more in three other months (each "fewer than 5"): 5 uncovered, the period is shown
    more = {("la:camden", LAST): 12, ("la:camden", "2026-03"): 2, ("la:camden", "2026-05"): 2,
            ("la:camden", "2026-07"): 1}
    states = _states(more)
    assert states["la:camden", "2026-03", "reply"] == FEWER
    assert states["la:camden", table.PERIOD, "reply"] == SHOWN
    published = _published(more)
    assert published["la:camden"]["row"]["reply_time"]["state"] == SHOWN
    # and 4 more reads hidden, as 0 more does
    states = _states({**more, ("la:camden", "2026-07"): 0})
    assert states["la:camden", table.PERIOD, "reply"] == HIDDEN


def test_the_months_before_the_chart_are_a_part_no_median_shows():
    longer = rules.Period("2025-01", LAST)  # eleven months before the chart's twelve
    assert _states({("la:camden", LAST): 12}, longer)["la:camden", table.PERIOD, "reply"] == HIDDEN
    states = _states({("la:camden", LAST): 12, ("la:camden", "2025-03"): 6}, longer)
    assert states["la:camden", table.PERIOD, "reply"] == SHOWN  # 6 values no median covers


def test_a_parent_hidden_by_the_rule_adds_only_what_no_shown_median_covers():
    # London hidden (Camden's 12 are all of it) holds 12 values, but a reader knows Camden's median, so it
    # adds nothing uncovered: were London's period shown, it would be Camden's November again. Worked
    # from the parts up, London's November hidden makes its period and England's hidden too.
    states = _states({("la:camden", LAST): 12, ("la:n", LAST): 1})
    assert states["region:london", LAST, "reply"] == HIDDEN
    assert states["region:london", table.PERIOD, "reply"] == HIDDEN
    assert states["england", LAST, "reply"] == HIDDEN  # London uncovered 0, North 1
    assert states["england", table.PERIOD, "reply"] == HIDDEN
    # where each region holds a busy authority and 5 or more uncovered besides, England is shown
    busy = {("la:camden", LAST): 12, ("la:a", LAST): 2, ("la:b", LAST): 2, ("la:c", LAST): 1, ("la:n", LAST): 9}
    states = _states(busy)
    assert states["england", LAST, "reply"] == SHOWN and states["region:north", LAST, "reply"] == SHOWN


def test_every_shown_parent_median_has_5_or_more_uncovered_in_each_of_its_parts():
    # random tables: no parent median shown beside parts not shown that hold under 5 values between them
    import random

    generator = random.Random(21)
    las = [a.id for a in AREAS if a.kind == "la"]
    shown_parents = 0
    for _ in range(200):
        replies = {(la, m): generator.choice([0, 0, 1, 3, 4, 6, 12]) for la in las for m in PERIOD.window[-3:]}
        flows = _flows(replies)
        states = _states(replies)

        def n(area: str, slot: str, flows: dict = flows) -> int:
            if slot == table.PERIOD:
                return sum(n(area, m) for m in PERIOD.window)
            return rules.histogram_total(flows[area, slot].reply) if (area, slot) in flows else 0

        for area in AREAS:
            members = [a.id for a in AREAS if a.parent == area.id]
            for slot in [*PERIOD.window, table.PERIOD]:
                groups = [[(m, slot) for m in members]] if members else []
                if slot == table.PERIOD:
                    groups.append([(area.id, m) for m in PERIOD.window])
                if states[area.id, slot, "reply"] != SHOWN or not groups:
                    continue
                for group in groups:
                    not_shown = [n(*key) for key in group if states[(*key, "reply")] != SHOWN]
                    assert not not_shown or sum(not_shown) >= SMALL, (area.id, slot, replies)
                shown_parents += 1
    assert shown_parents > 50

