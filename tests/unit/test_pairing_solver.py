"""The pairing solver: hard rules always hold, the cost is the true optimum, each soft cost counts."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from advocacy.pairing import COST_NAMES, InstanceError, greedy, load_weights, solve, validate_instance
from advocacy.settings import SettingsError

DEFAULTS = {
    "unassigned": 10000, "moved": 200, "stranger": 25, "named_preference": 80, "gender_preference": 15,
    "no_shared_language": 60, "out_of_region": 40, "over_comfortable": 10,
}


def child(id, la="L1", region="R1", languages=("en",), opted_out=False, current=None, previous=(),
          advocate=None, gender=None, avoid=None):
    record = {"id": id, "la": la, "region": region, "languages": list(languages), "opted_out": opted_out,
              "current": current, "previous": list(previous), "prefers": {"advocate": advocate, "gender": gender}}
    if avoid is not None:
        record["avoid"] = list(avoid)
    return record


def advocate(id, capacity=5, regions=("R1",), languages=("en",), gender="f", conflicts=(), available=True,
             comfortable=None):
    record = {"id": id, "capacity": capacity, "regions": list(regions), "languages": list(languages),
              "gender": gender, "conflicts": list(conflicts), "available": available}
    if comfortable is not None:
        record["comfortable"] = comfortable
    return record


def instance(children, advocates, weights=None):
    data = {"children": children, "advocates": advocates}
    if weights is not None:
        data["weights"] = weights
    return data


# An independent reading of the issue text, written apart from the solver.

def pair_counts(c, a):
    """Counts of the per-pair costs when child c has advocate a."""
    return {
        "moved": int(c["current"] is not None and c["current"] != a["id"]),
        "stranger": int(a["id"] != c["current"] and a["id"] not in c["previous"]),
        "named_preference": int(c["prefers"]["advocate"] is not None and c["prefers"]["advocate"] != a["id"]),
        "gender_preference": int(c["prefers"]["gender"] is not None and a["gender"] != c["prefers"]["gender"]),
        "no_shared_language": int(len(c["languages"]) > 0 and not any(x in a["languages"] for x in c["languages"])),
        "out_of_region": int(c["region"] not in a["regions"]),
    }


def allowed(c, a):
    return a["available"] and c["la"] not in a["conflicts"] and a["id"] not in c.get("avoid", [])


def tally(data, assignments):
    counts = dict.fromkeys(COST_NAMES, 0)
    by_id = {a["id"]: a for a in data["advocates"]}
    load = dict.fromkeys(by_id, 0)
    for c in data["children"]:
        chosen = assignments[c["id"]]
        if c["opted_out"]:
            continue
        if chosen is None:
            counts["unassigned"] += 1
            counts["moved"] += int(c["current"] is not None)
            continue
        load[chosen] += 1
        for name, n in pair_counts(c, by_id[chosen]).items():
            counts[name] += n
    for advocate_id, n in load.items():
        a = by_id[advocate_id]
        counts["over_comfortable"] += max(0, n - a.get("comfortable", a["capacity"]))
    return counts


def total(counts, weights):
    return sum(weights[name] * n for name, n in counts.items())


def hard_rule_breaches(data, assignments):
    by_id = {a["id"]: a for a in data["advocates"]}
    breaches = []
    if set(assignments) != {c["id"] for c in data["children"]}:
        breaches.append("assignments do not cover exactly the children")
    load = dict.fromkeys(by_id, 0)
    for c in data["children"]:
        chosen = assignments.get(c["id"])
        if chosen is None:
            continue
        if c["opted_out"]:
            breaches.append(f"{c['id']} opted out but has {chosen}")
        a = by_id[chosen]
        if not a["available"]:
            breaches.append(f"{chosen} is unavailable but has {c['id']}")
        if c["la"] in a["conflicts"]:
            breaches.append(f"{chosen} is conflicted with {c['la']} but has {c['id']}")
        if chosen in c.get("avoid", []):
            breaches.append(f"{c['id']} asked not to have {chosen} but has them")
        load[chosen] += 1
    breaches += [f"{i} has {n} > capacity" for i, n in load.items() if n > by_id[i]["capacity"]]
    return breaches


def brute_force_optimum(data, weights):
    """The least cost over every pairing that keeps the hard rules, by plain enumeration."""
    advocates = data["advocates"]
    waiting = [c for c in data["children"] if not c["opted_out"]]
    options = []
    for c in waiting:
        unassigned = weights["unassigned"] + weights["moved"] * (c["current"] is not None)
        choice = [(None, unassigned)]
        for i, a in enumerate(advocates):
            if allowed(c, a) and a["capacity"] > 0:
                choice.append((i, total(pair_counts(c, a), weights)))
        options.append(choice)
    load = [0] * len(advocates)
    best = [None]

    def walk(k, running):
        if k == len(options):
            extra = sum(max(0, load[i] - a.get("comfortable", a["capacity"])) for i, a in enumerate(advocates))
            cost = running + weights["over_comfortable"] * extra
            if best[0] is None or cost < best[0]:
                best[0] = cost
            return
        for i, cost in options[k]:
            if i is None:
                walk(k + 1, running + cost)
            elif load[i] < advocates[i]["capacity"]:
                load[i] += 1
                walk(k + 1, running + cost)
                load[i] -= 1

    walk(0, 0)
    return best[0]


@st.composite
def small_instances(draw, max_children=7, max_advocates=4):
    """Small instances drawn from few attribute values, so advocates often look alike (one class)."""
    n_advocates = draw(st.integers(0, max_advocates))
    ids = [f"a{i}" for i in range(n_advocates)]
    las = ["L1", "L2", "L3"]
    advocates = []
    for i in ids:
        capacity = draw(st.integers(0, 3))
        advocates.append(advocate(
            i, capacity=capacity,
            regions=draw(st.sampled_from([["R1"], ["R2"], ["R1", "R2"]])),
            languages=draw(st.sampled_from([["en"], ["en", "pl"], ["pl"]])),
            gender=draw(st.sampled_from(["f", "m", None])),
            conflicts=draw(st.lists(st.sampled_from(las), max_size=2, unique=True)),
            available=draw(st.booleans() | st.just(True)),
            comfortable=draw(st.none() | st.integers(0, capacity)),
        ))
    maybe_advocate = st.none() | st.sampled_from(ids) if ids else st.none()
    children = []
    for j in range(draw(st.integers(0, max_children))):
        children.append(child(
            f"c{j}", la=draw(st.sampled_from(las)), region=draw(st.sampled_from(["R1", "R2", "R3"])),
            languages=draw(st.sampled_from([["en"], ["pl"], ["en", "pl"], ["ar"], []])),
            opted_out=draw(st.integers(0, 7)) == 0,
            current=draw(maybe_advocate),
            previous=draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)) if ids else [],
            advocate=draw(maybe_advocate),
            gender=draw(st.sampled_from([None, None, "f", "m"])),
            avoid=draw(st.none() | st.lists(st.sampled_from(ids), max_size=2, unique=True)) if ids else None,
        ))
    return instance(children, advocates)


any_weights = st.fixed_dictionaries({name: st.integers(0, 300) for name in COST_NAMES})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_cost_is_the_brute_force_optimum_with_default_weights(data):
    result = solve(data, DEFAULTS)
    assert result["cost"] == brute_force_optimum(data, DEFAULTS)
    assert result["breakdown"] == tally(data, result["assignments"])
    assert hard_rule_breaches(data, result["assignments"]) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), any_weights)
def test_cost_is_the_brute_force_optimum_with_any_weights(data, weights):
    result = solve(data, weights)
    assert result["cost"] == brute_force_optimum(data, weights)
    assert result["cost"] == total(tally(data, result["assignments"]), weights)


def plain_flow_optimum(data, weights):
    """The optimum of the textbook network, one arc per allowed child-advocate pair, no grouping."""
    waiting = [c for c in data["children"] if not c["opted_out"]]
    advocates = data["advocates"]
    sink = len(waiting) + len(advocates)
    arcs = []
    for j, c in enumerate(waiting):
        arcs.append((j, sink, 1, weights["unassigned"] + weights["moved"] * (c["current"] is not None)))
        arcs += [(j, len(waiting) + i, 1, total(pair_counts(c, a), weights))
                 for i, a in enumerate(advocates) if allowed(c, a)]
    for i, a in enumerate(advocates):
        if a["available"]:
            comfortable = a.get("comfortable", a["capacity"])
            arcs.append((len(waiting) + i, sink, comfortable, 0))
            arcs.append((len(waiting) + i, sink, a["capacity"] - comfortable, weights["over_comfortable"]))
    flow = min_cost_flow.SimpleMinCostFlow()
    for tail, head, capacity, cost in arcs:
        flow.add_arc_with_capacity_and_unit_cost(tail, head, capacity, cost)
    for j in range(len(waiting)):
        flow.set_node_supply(j, 1)
    flow.set_node_supply(sink, -len(waiting))
    assert flow.solve() == flow.OPTIMAL
    return flow.optimal_cost()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(max_children=80, max_advocates=15), any_weights)
def test_grouping_keeps_the_optimum_of_the_plain_network(data, weights):
    assert solve(data, weights)["cost"] == plain_flow_optimum(data, weights)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(max_children=40, max_advocates=10), any_weights)
def test_hard_rules_always_hold(data, weights):
    for result in (solve(data, weights), greedy(data, weights)):
        assert hard_rule_breaches(data, result["assignments"]) == []
        assert result["breakdown"] == tally(data, result["assignments"])
        assert result["cost"] == total(result["breakdown"], weights)


@settings(max_examples=100, deadline=None)
@given(small_instances(max_children=12, max_advocates=5), any_weights)
def test_never_dearer_than_the_greedy_baseline(data, weights):
    assert solve(data, weights)["cost"] <= greedy(data, weights)["cost"]


def test_solver_is_not_greedy():
    # c1 comes first and likes a1 best, but a1 is the only advocate c2's authority allows.
    data = instance(
        [child("c1", la="L1"), child("c2", la="L2")],
        [advocate("a1", capacity=1), advocate("a2", capacity=1, languages=["pl"], conflicts=["L2"])],
    )
    result = solve(data, DEFAULTS)
    assert result["assignments"] == {"c1": "a2", "c2": "a1"}
    assert result["cost"] == 25 + 60 + 25
    assert greedy(data, DEFAULTS)["assignments"] == {"c1": "a1", "c2": None}


def test_unassigned_when_no_advocate_may_take_the_child():
    data = instance(
        [child("c1", la="L1"), child("c2", la="L2")],
        [advocate("a1", conflicts=["L1"]), advocate("a2", available=False), advocate("a3", capacity=0)],
    )
    result = solve(data, DEFAULTS)
    assert result["assignments"] == {"c1": None, "c2": "a1"}
    assert result["breakdown"]["unassigned"] == 1
    assert result["cost"] == 10000 + 25


def test_keeps_the_current_advocate_when_allowed():
    data = instance(
        [child("c1", current="a2", region="R1")],
        [advocate("a1"), advocate("a2", regions=["R2"], languages=["pl"])],
    )
    result = solve(data, DEFAULTS)
    # Staying costs out_of_region + no_shared_language (100) < moved + stranger (225).
    assert result["assignments"]["c1"] == "a2"
    assert result["breakdown"]["moved"] == 0
    assert result["cost"] == 100


@pytest.mark.parametrize("why", ["unavailable", "conflicted"])
def test_moved_when_the_current_advocate_cannot_be_kept(why):
    current = advocate("a1", available=False) if why == "unavailable" else advocate("a1", conflicts=["L1"])
    data = instance([child("c1", la="L1", current="a1", previous=["a2"])], [current, advocate("a2")])
    result = solve(data, DEFAULTS)
    assert result["assignments"]["c1"] == "a2"
    assert result["breakdown"]["moved"] == 1
    assert result["breakdown"]["stranger"] == 0
    assert result["cost"] == 200


def test_a_child_left_without_their_advocate_counts_as_moved_and_unassigned():
    data = instance([child("c1", current="a1")], [advocate("a1", available=False)])
    result = solve(data, DEFAULTS)
    assert result["assignments"] == {"c1": None}
    assert result["breakdown"]["moved"] == 1 and result["breakdown"]["unassigned"] == 1
    assert result["cost"] == 10200


def test_an_opted_out_child_has_no_advocate_and_costs_nothing():
    data = instance([child("c1", opted_out=True, current="a1")], [advocate("a1")])
    result = solve(data, DEFAULTS)
    assert result["assignments"] == {"c1": None}
    assert result["cost"] == 0 and set(result["breakdown"].values()) == {0}


def test_prefers_someone_the_child_has_had_before():
    data = instance([child("c1", previous=["a2"])], [advocate("a1"), advocate("a2"), advocate("a3")])
    result = solve(data, DEFAULTS)
    assert result["assignments"]["c1"] == "a2"
    assert result["breakdown"]["stranger"] == 0


def test_a_stranger_is_counted():
    data = instance([child("c1", previous=["a2"])], [advocate("a1"), advocate("a2", available=False)])
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["stranger"] == 1 and result["cost"] == 25


def test_named_preference():
    data = instance([child("c1", advocate="a3")], [advocate("a1"), advocate("a2"), advocate("a3")])
    assert solve(data, DEFAULTS)["assignments"]["c1"] == "a3"
    data["advocates"][2]["available"] = False
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["named_preference"] == 1 and result["cost"] == 80 + 25


def test_gender_preference():
    data = instance([child("c1", gender="m")], [advocate("a1", gender="f"), advocate("a2", gender="m")])
    assert solve(data, DEFAULTS)["assignments"]["c1"] == "a2"
    data["advocates"][1]["capacity"] = 0
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["gender_preference"] == 1 and result["cost"] == 15 + 25


def test_shared_language():
    data = instance([child("c1", languages=["en", "ur"])],
                    [advocate("a1", languages=["pl"]), advocate("a2", languages=["ur", "ar"])])
    assert solve(data, DEFAULTS)["assignments"]["c1"] == "a2"
    data["advocates"][1]["available"] = False
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["no_shared_language"] == 1 and result["cost"] == 60 + 25


def test_a_child_who_lists_no_language_pays_no_language_cost():
    data = instance([child("c1", languages=[])], [advocate("a1", languages=["pl"])])
    assert solve(data, DEFAULTS)["breakdown"]["no_shared_language"] == 0


def test_region():
    data = instance([child("c1", region="R2")],
                    [advocate("a1", regions=["R1"]), advocate("a2", regions=["R1", "R2"])])
    assert solve(data, DEFAULTS)["assignments"]["c1"] == "a2"
    data["advocates"][1]["conflicts"] = ["L1"]
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["out_of_region"] == 1 and result["cost"] == 40 + 25


def test_over_comfortable_spreads_the_load():
    data = instance([child(f"c{i}") for i in range(4)],
                    [advocate("a1", capacity=4, comfortable=2), advocate("a2", capacity=4, comfortable=2)])
    result = solve(data, DEFAULTS)
    assert sorted(result["assignments"].values()) == ["a1", "a1", "a2", "a2"]
    assert result["breakdown"]["over_comfortable"] == 0


def test_over_comfortable_counts_each_child_beyond_comfortable():
    data = instance([child(f"c{i}") for i in range(5)], [advocate("a1", capacity=5, comfortable=2)])
    result = solve(data, DEFAULTS)
    assert result["breakdown"]["over_comfortable"] == 3
    assert result["cost"] == 5 * 25 + 3 * 10


def test_comfortable_defaults_to_capacity():
    data = instance([child(f"c{i}") for i in range(3)], [advocate("a1", capacity=3)])
    assert solve(data, DEFAULTS)["breakdown"]["over_comfortable"] == 0


def test_the_instance_can_override_weights():
    data = instance([child("c1", region="R2", previous=["a1"])],
                    [advocate("a1", regions=["R1"]), advocate("a2", regions=["R2"])])
    assert solve(data, DEFAULTS)["assignments"]["c1"] == "a2"  # out_of_region 40 > stranger 25
    data["weights"] = {"out_of_region": 10}
    result = solve(data, DEFAULTS)
    assert result["assignments"]["c1"] == "a1"
    assert result["cost"] == 10


def test_without_weights_the_config_defaults_apply():
    weights = load_weights()
    assert set(weights) == set(COST_NAMES)
    assert all(isinstance(v, int) and v >= 0 for v in weights.values())
    data = instance([child("c1", current="a9")], [advocate("a9", available=False)])
    assert solve(data)["cost"] == weights["unassigned"] + weights["moved"]


def test_many_look_alike_advocates_with_conflicts_and_history():
    # Ten advocates in one class; the child's authority conflicts with most, and one of the rest is known.
    advocates = [advocate(f"a{i}", capacity=1, conflicts=["L1"] if i < 7 else []) for i in range(10)]
    children = [child("c0", previous=["a8"]), *(child(f"c{i}", la="L2") for i in range(1, 8))]
    result = solve(instance(children, advocates), DEFAULTS)
    assert result["assignments"]["c0"] == "a8"
    assert hard_rule_breaches(instance(children, advocates), result["assignments"]) == []
    assert result["breakdown"]["unassigned"] == 0


def test_an_avoided_advocate_is_never_chosen_even_when_cheapest():
    data = instance([child("c1", current="a1", previous=["a1"], advocate="a1", avoid=["a1"])],
                    [advocate("a1"), advocate("a2", regions=["R2"], languages=["pl"])])
    result = solve(data, DEFAULTS)
    assert result["assignments"] == {"c1": "a2"}
    assert greedy(data, DEFAULTS)["assignments"] == {"c1": "a2"}
    data["advocates"][1]["available"] = False
    assert solve(data, DEFAULTS)["assignments"] == {"c1": None}


def test_avoiding_one_of_many_look_alike_advocates_keeps_the_others_open():
    advocates = [advocate(f"a{i}", capacity=1) for i in range(3)]
    children = [child("c0", avoid=["a0", "a1"]), child("c1"), child("c2")]
    result = solve(instance(children, advocates), DEFAULTS)
    assert result["assignments"]["c0"] == "a2"
    assert sorted(result["assignments"][c] for c in ("c1", "c2")) == ["a0", "a1"]


def test_solve_leaves_the_instance_unchanged():
    data = instance([child("c1", current="a1", previous=["a2"])], [advocate("a1"), advocate("a2")],
                    weights={"moved": 1})
    before = copy.deepcopy(data)
    solve(data, DEFAULTS)
    assert data == before


# Malformed instances: the message names the record and the field.

def valid():
    return instance([child("c0"), child("c1", current="a0")], [advocate("a0"), advocate("a1")])


def broken(change):
    data = valid()
    change(data)
    return data


MALFORMED = [
    (lambda d: d["children"][1].update(current="a9"), 'children[1] (id "c1"): "current" names unknown advocate "a9"'),
    (lambda d: d["advocates"][1].update(capacity=-1), 'advocates[1] (id "a1"): "capacity" must be a whole number >= 0'),
    (lambda d: d["advocates"][0].update(capacity=True), 'advocates[0] (id "a0"): "capacity" must be a whole number'),
    (lambda d: d["advocates"][0].update(capacity=2.5), 'advocates[0] (id "a0"): "capacity" must be a whole number'),
    (lambda d: d["advocates"][0].update(comfortable=9), 'advocates[0] (id "a0"): "comfortable" (9) must not exceed'),
    (lambda d: d["children"][0].pop("la"), 'children[0] (id "c0"): "la" is missing'),
    (lambda d: d["children"][0].pop("id"), 'children[0]: "id" is missing'),
    (lambda d: d["advocates"][1].pop("available"), 'advocates[1] (id "a1"): "available" is missing'),
    (lambda d: d["advocates"][1].update(available="yes"), 'advocates[1] (id "a1"): "available" must be true or false'),
    (lambda d: d["advocates"][1].update(id="a0"), 'advocates[1] (id "a0"): "id" is the same as advocates[0]'),
    (lambda d: d["children"][0].update(previous=["a0", "ghost"]),
     'children[0] (id "c0"): "previous" names unknown advocate "ghost"'),
    (lambda d: d["children"][0]["prefers"].update(advocate="ghost"),
     'children[0] (id "c0"): "prefers.advocate" names unknown advocate "ghost"'),
    (lambda d: d["children"][0]["prefers"].pop("gender"), 'children[0] (id "c0"): "prefers.gender" is missing'),
    (lambda d: d["children"][0].update(avoid=["ghost"]),
     'children[0] (id "c0"): "avoid" names unknown advocate "ghost"'),
    (lambda d: d["children"][0].update(avoid="a0"), 'children[0] (id "c0"): "avoid" must be a list'),
    (lambda d: d["children"][0].update(languages="en"), 'children[0] (id "c0"): "languages" must be a list'),
    (lambda d: d["children"][1].update(opted_out=None), 'children[1] (id "c1"): "opted_out" must be true or false'),
    (lambda d: d.pop("advocates"), 'instance: "advocates" is missing'),
    (lambda d: d.update(weights={"movd": 3}), 'instance: "weights": "movd" is not a cost'),
    (lambda d: d.update(weights={"moved": -3}), 'instance: "weights": "moved" must be a whole number from 0 to'),
    (lambda d: d.update(weights={"moved": 10**12}), 'instance: "weights": "moved" must be a whole number from 0 to'),
]


@pytest.mark.parametrize("change, message", MALFORMED)
def test_malformed_instances_are_rejected_naming_record_and_field(change, message):
    data = broken(change)
    with pytest.raises(InstanceError) as caught:
        validate_instance(data)
    assert message in str(caught.value)
    with pytest.raises(ValueError, match="malformed"):
        solve(data, DEFAULTS)


def test_every_problem_is_listed():
    data = broken(lambda d: (d["children"][0].pop("region"), d["advocates"][1].update(capacity=-2)))
    with pytest.raises(InstanceError) as caught:
        validate_instance(data)
    assert len(caught.value.problems) == 2


def test_a_valid_instance_passes():
    assert validate_instance(valid()) is None


def test_an_incomplete_weights_argument_is_rejected():
    with pytest.raises(InstanceError, match='weights argument: "over_comfortable" is missing'):
        solve(valid(), {name: 1 for name in COST_NAMES if name != "over_comfortable"})


def test_a_weights_file_with_a_wrong_key_names_the_file_and_key(tmp_path):
    path = tmp_path / "pairing.toml"
    lines = [f"{name} = 1" for name in COST_NAMES if name != "stranger"]
    path.write_text("[weights]\n" + "\n".join(lines) + "\nstranger = -5\n")
    with pytest.raises(SettingsError) as caught:
        load_weights(path)
    assert str(path) in str(caught.value) and '"stranger"' in str(caught.value)
