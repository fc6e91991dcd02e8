"""Placing a few children while the rest of the roster stays put: exact, and within the hard rules."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advocacy.pairing import solve
from advocacy.pairing.placement import lower_bound, marginal_cost, place_one, residual_instance, unassigned_cost
from tests.unit.test_pairing_solver import (
    DEFAULTS,
    advocate,
    allowed,
    any_weights,
    brute_force_optimum,
    child,
    hard_rule_breaches,
    small_instances,
    tally,
    total,
)


def loads_of(data, assignments):
    load = {a["id"]: 0 for a in data["advocates"]}
    for chosen in assignments.values():
        if chosen is not None:
            load[chosen] += 1
    return load


@st.composite
def settled_roster(draw, max_children=7, max_advocates=4):
    """A roster where some children are already placed (validly) and the rest wait to be placed."""
    data = draw(small_instances(max_children, max_advocates))
    by_id = {a["id"]: a for a in data["advocates"]}
    load = dict.fromkeys(by_id, 0)
    settled, waiting = {}, []
    for c in data["children"]:
        options = [a for a in by_id.values() if allowed(c, a) and load[a["id"]] < a["capacity"]]
        if not c["opted_out"] and options and draw(st.booleans()):
            chosen = draw(st.sampled_from(options))["id"]
            load[chosen] += 1
            settled[c["id"]] = chosen
        else:
            waiting.append(c)
    return data, settled, waiting


def best_completion(data, settled, waiting, weights):
    """Brute force: the cheapest way to place ``waiting`` with ``settled`` fixed, by the whole roster's cost."""
    advocates = data["advocates"]
    options = [[None] + [a["id"] for a in advocates if allowed(c, a) and not c["opted_out"]] for c in waiting]
    best = None
    for choice in itertools.product(*options):
        assignments = {**settled, **{c["id"]: a for c, a in zip(waiting, choice, strict=True)}}
        load = loads_of(data, assignments)
        if any(load[a["id"]] > a["capacity"] for a in advocates):
            continue
        cost = total(tally(data, {c["id"]: assignments.get(c["id"]) for c in data["children"]}), weights)
        best = cost if best is None else min(best, cost)
    return best


def with_loads(data, settled):
    load = loads_of(data, settled)
    return [{**a, "load": load[a["id"]]} for a in data["advocates"]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settled_roster(max_children=6), any_weights)
def test_residual_solve_is_the_best_completion_of_a_settled_roster(roster, weights):
    data, settled, waiting = roster
    result = solve(residual_instance(waiting, with_loads(data, settled), weights), DEFAULTS)
    assignments = {**settled, **result["assignments"]}
    full = {c["id"]: assignments.get(c["id"]) for c in data["children"]}
    assert hard_rule_breaches(data, full) == []
    assert total(tally(data, full), weights) == best_completion(data, settled, waiting, weights)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settled_roster(max_children=8), any_weights)
def test_one_child_is_placed_at_the_least_cost_the_others_allow(roster, weights):
    data, settled, waiting = roster
    if not waiting:
        return
    newcomer = waiting[0]
    chosen, cost = place_one(newcomer, with_loads(data, settled), weights)
    assignments = {**settled, newcomer["id"]: chosen}
    full = {c["id"]: assignments.get(c["id"]) for c in data["children"]}
    assert hard_rule_breaches(data, full) == []
    if newcomer["opted_out"]:
        assert chosen is None
        return
    without = total(tally(data, {c["id"]: settled.get(c["id"]) for c in data["children"]}), weights)
    after = total(tally(data, full), weights)
    assert after == without - unassigned_cost(newcomer, weights) + cost
    assert after == best_completion(data, settled, [newcomer], weights)


@settings(max_examples=300, deadline=None)
@given(small_instances(max_children=4, max_advocates=4), any_weights)
def test_no_advocate_costs_less_than_the_bound_for_their_tier(data, weights):
    for c in data["children"]:
        specials = {c["current"], c["prefers"]["advocate"], *c["previous"]}
        for a in data["advocates"]:
            if a["id"] in specials:
                continue
            in_region = c["region"] in a["regions"]
            shares = bool(set(c["languages"]) & set(a["languages"]))
            bound = lower_bound(c, weights, in_region=in_region, shares_language=shares)
            assert marginal_cost(c, {**a, "load": 0}, weights) >= bound


def test_place_one_prefers_room_then_id_among_equals_whatever_the_order():
    advocates = [{**advocate("a1", capacity=5), "load": 4}, {**advocate("a2", capacity=5), "load": 1},
                 {**advocate("a3", capacity=5), "load": 1}]
    newcomer = child("c1")
    assert place_one(newcomer, advocates, DEFAULTS) == ("a2", 25)
    assert place_one(newcomer, list(reversed(advocates)), DEFAULTS) == ("a2", 25)


def test_place_one_keeps_every_hard_rule():
    newcomer = child("c1", la="L1", avoid=["a4"])
    advocates = [
        {**advocate("a1", conflicts=["L1"]), "load": 0},
        {**advocate("a2", available=False), "load": 0},
        {**advocate("a3", capacity=2), "load": 2},
        {**advocate("a4"), "load": 0},
    ]
    assert place_one(newcomer, advocates, DEFAULTS) == (None, 10000)
    assert place_one(child("c2", opted_out=True), [{**advocate("a5"), "load": 0}], DEFAULTS)[0] is None


def test_an_advocate_at_their_comfortable_load_costs_more_for_the_next_child():
    advocates = [{**advocate("a1", capacity=5, comfortable=2), "load": 2},
                 {**advocate("a2", capacity=5, languages=["pl"]), "load": 0}]
    assert place_one(child("c1"), advocates, DEFAULTS) == ("a1", 35)
    assert unassigned_cost(child("c1", current="a1"), DEFAULTS) == 10200


def test_residual_instance_keeps_only_spare_room():
    data = residual_instance([child("c1")], [{**advocate("a1", capacity=5, comfortable=3), "load": 4},
                                             {**advocate("a2", capacity=2), "load": 3}])
    assert [(a["capacity"], a["comfortable"]) for a in data["advocates"]] == [(1, 0), (0, 0)]
    assert "load" not in data["advocates"][0]
    assert solve(data, DEFAULTS)["assignments"] == {"c1": "a1"}
    assert brute_force_optimum(data, DEFAULTS) == 35


def test_spare_room_is_what_the_capacity_leaves_and_an_advocate_with_none_is_not_held_to_one():
    from advocacy.pairing.placement import UNLIMITED, spare_room

    assert spare_room(5, 3) == 2 and spare_room(2, 4) == 0 and spare_room(None, 40) == UNLIMITED
