"""Pairing plans (pure part): the changes, their reasons, and the limit on how many children move."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy.pairing.plans import propose
from tests.unit.test_pairing_solver import (
    DEFAULTS,
    advocate,
    allowed,
    any_weights,
    child,
    hard_rule_breaches,
    instance,
    small_instances,
    tally,
    total,
)


def cheapest_with_at_most(data, weights, moves):
    """Brute force: the least cost of any pairing keeping the hard rules that moves at most ``moves`` children."""
    advocates = data["advocates"]
    options = [[None] + [a["id"] for a in advocates if allowed(c, a) and not c["opted_out"]] for c in data["children"]]
    best = None
    for choice in itertools.product(*options):
        assignments = dict(zip((c["id"] for c in data["children"]), choice, strict=True))
        if hard_rule_breaches(data, assignments):
            continue
        counts = tally(data, assignments)
        if counts["moved"] <= moves:
            cost = total(counts, weights)
            best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(max_children=5, max_advocates=3), any_weights, st.integers(0, 3))
def test_a_move_limit_gives_the_cheapest_plan_among_those_moving_no_more(data, weights, limit):
    plan = propose(data, weights, max_moves=limit)
    if not plan["notes"]:
        assert plan["moves"] <= limit
    assert plan["cost_after"] == cheapest_with_at_most(data, weights, plan["moves"])
    unlimited = propose(data, weights)
    assert unlimited["cost_after"] <= plan["cost_after"]


def test_the_plan_lists_who_moves_why_and_the_cost_before_and_after():
    data = instance(
        [child("c1", current="a1"), child("c2", current="a2", languages=["pl"]), child("c3")],
        [advocate("a1", available=False), advocate("a2"), advocate("a3", languages=["en", "pl"])],
    )
    plan = propose(data, DEFAULTS)
    changes = {c["child"]: c for c in plan["changes"]}
    assert changes["c1"]["why"][0] == "their advocate is no longer available"
    assert changes["c3"]["from"] is None and changes["c3"]["why"][0] == "has no advocate yet"
    assert plan["cost_before"] == 10000 + 60 and plan["breakdown_before"]["unassigned"] == 1
    assert plan["cost_after"] == sum(c["cost_after"] for c in plan["changes"]) + 60 * ("c2" not in changes)


def test_a_limit_below_the_forced_moves_is_reported_not_hidden():
    data = instance([child("c1", current="a1"), child("c2", current="a1")],
                    [advocate("a1", available=False), advocate("a2")])
    plan = propose(data, DEFAULTS, max_moves=1)
    assert plan["moves"] == 2 and "2 children must move" in plan["notes"][0]


def test_with_a_limit_the_least_valuable_moves_are_dropped_first():
    # Moving c1 gains a shared language (60); moving c2 gains a region (40): with one move allowed, c1 moves.
    data = instance(
        [child("c1", current="a1", languages=["pl"]), child("c2", current="a1", region="R2")],
        [advocate("a1", capacity=2), advocate("a2", capacity=2, regions=["R1", "R2"], languages=["en", "pl"])],
    )
    weights = {**DEFAULTS, "moved": 10, "stranger": 0}
    assert propose(data, weights)["moves"] == 2
    plan = propose(data, weights, max_moves=1)
    assert [(c["child"], c["to"]) for c in plan["changes"]] == [("c1", "a2")]
