"""Who advocates for whom: the pairing of least total cost. Pure: no I/O, no clock.

``solve(instance)`` returns ``{"assignments": {child id: advocate id | None},
"cost": int, "breakdown": {cost name: count}}`` where ``cost`` is the sum of
weight x count over ``breakdown`` and no other pairing that keeps the hard rules
costs less. The instance is described in ``advocacy.pairing.instance``; the
weights come from ``config/pairing.toml`` unless given, and the instance's own
``weights`` override either.

Hard rules, never broken: no advocate with a child of a local authority in
their ``conflicts``; no advocate over ``capacity``; no child for an advocate who
is not ``available``; no advocate for a child who has ``opted_out``; no child
with an advocate in the child's ``avoid`` (they asked for someone else).

How each cost is counted (a child who has opted out counts for nothing):

- ``unassigned``: a child is left without an advocate;
- ``moved``: the child has a ``current`` advocate and ends with someone else or
  with nobody (so a child left unassigned who had an advocate counts both); a
  current advocate who is unavailable or now conflicted cannot be kept;
- ``stranger``: the child's advocate is neither their current advocate nor
  one of their ``previous`` ones;
- ``named_preference``: the child named an advocate and has a different one
  (a child left without an advocate counts as ``unassigned`` instead);
- ``gender_preference``: the child asked for a gender and the advocate's
  ``gender`` is something else (or not stated);
- ``no_shared_language``: the child lists languages and the advocate speaks
  none of them (a child who lists none counts nothing);
- ``out_of_region``: the child's ``region`` is not among the advocate's ``regions``;
- ``over_comfortable``: each child an advocate has beyond ``comfortable``.

The optimum is exact: a min-cost flow (OR-tools, C++) over a graph kept small
by grouping. Advocates who look alike to every child (same regions, languages
and gender) form a class; children who look alike to every class (same local
authority, region, languages, gender preference and advocates to avoid) form a
profile; a child
reaches a class through its profile and reaches the advocates special to it
(current, previous, named) by arcs of their own. ``greedy`` is a baseline for
benchmarks only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from advocacy.pairing.instance import COST_NAMES, InstanceError, load_weights, validate_instance, weight_problems

__all__ = ["cost_of", "greedy", "pair_cost", "personal_cost", "solve"]


def solve(instance: Mapping[str, Any], weights: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The pairing of least total cost, as ``{"assignments", "cost", "breakdown"}``.

    ``weights`` must name every cost (as ``load_weights()`` returns); without it
    the defaults in ``config/pairing.toml`` are read. Raises ``InstanceError``
    for a malformed instance or weights.
    """
    validate_instance(instance)
    w = _weights(instance, weights)
    world = _World(instance)
    if not world.waiting:
        return cost_of(instance, {}, w)
    graph = _Graph(world, w)
    assignments = graph.solve()
    result = cost_of(instance, assignments, w)
    if result["cost"] != graph.optimal_cost:
        # The decomposition can only make a pairing cheaper than its flow, and the
        # flow is optimal, so the two agree; if not, the graph is wrong.
        raise RuntimeError(f"pairing solver inconsistency: flow cost {graph.optimal_cost}, "
                           f"pairing cost {result['cost']}")
    return result


def greedy(instance: Mapping[str, Any], weights: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Baseline for benchmarks, not for use: each child in turn takes the cheapest advocate left.

    Children who can keep their current advocate go first, then the rest in
    instance order. Keeps the hard rules, ignores what later children need;
    same result shape as ``solve``.
    """
    validate_instance(instance)
    w = _weights(instance, weights)
    world = _World(instance)
    classes = _Classes(world)
    profiles = _Profiles(world)
    costs = _profile_class_costs(profiles, classes, w)
    order = np.argsort(costs, axis=1, kind="stable")
    load = [0] * len(world.advocates)
    under_comfortable = [[a for a in members if world.comfortable[a] > 0] for members in classes.members]
    under_capacity = [list(members) for members in classes.members]
    assignments: dict[str, str | None] = {}

    def first_open(candidates: list[int], child: Mapping[str, Any]) -> int | None:
        for advocate in candidates:
            if world.allowed(child, advocate):
                return advocate
        return None

    def can_stay(child: Mapping[str, Any]) -> bool:
        current = child["current"]
        return current is not None and world.position[current] in world.specials(child)

    turns = sorted(range(len(world.waiting)), key=lambda j: not can_stay(world.waiting[j]))
    for j in turns:
        child = world.waiting[j]
        p = profiles.of[j]
        best_cost = w["unassigned"] + (w["moved"] if child["current"] is not None else 0)
        best = None
        for advocate in world.specials(child):
            if load[advocate] < world.capacity[advocate]:
                cost = world.pair_cost(child, advocate, w)
                cost += w["over_comfortable"] if load[advocate] >= world.comfortable[advocate] else 0
                if cost < best_cost:
                    best_cost, best = cost, advocate
        personal = personal_cost(child, w)
        for k in order[p]:
            base = int(costs[p, k]) + personal
            if base >= best_cost:
                break
            advocate = first_open(under_comfortable[k], child)
            extra = 0
            if advocate is None:
                advocate, extra = first_open(under_capacity[k], child), w["over_comfortable"]
            if advocate is not None and base + extra < best_cost:
                best_cost, best = base + extra, advocate
        if best is not None:
            load[best] += 1
            k = classes.of[best]
            if load[best] == world.comfortable[best] and best in under_comfortable[k]:
                under_comfortable[k].remove(best)
            if load[best] == world.capacity[best]:
                under_capacity[k].remove(best)
                if best in under_comfortable[k]:
                    under_comfortable[k].remove(best)
            assignments[child["id"]] = world.advocates[best]["id"]
    return cost_of(instance, assignments, w)


def cost_of(instance: Mapping[str, Any], assignments: Mapping[str, str | None],
            weights: Mapping[str, int]) -> dict[str, Any]:
    """The result for a given pairing: ``assignments`` for every child, ``cost`` and ``breakdown``.

    Children missing from ``assignments`` have no advocate. Hard rules are not
    checked here; the instance is assumed valid.
    """
    advocates = {a["id"]: a for a in instance["advocates"]}
    counts = dict.fromkeys(COST_NAMES, 0)
    load: dict[str, int] = defaultdict(int)
    result: dict[str, str | None] = {}
    for child in instance["children"]:
        chosen = assignments.get(child["id"])
        result[child["id"]] = chosen
        if child["opted_out"]:
            continue
        current = child["current"]
        if chosen is None:
            counts["unassigned"] += 1
            counts["moved"] += current is not None
            continue
        load[chosen] += 1
        advocate = advocates[chosen]
        named, gender = child["prefers"]["advocate"], child["prefers"]["gender"]
        counts["moved"] += current is not None and chosen != current
        counts["stranger"] += chosen != current and chosen not in child["previous"]
        counts["named_preference"] += named is not None and chosen != named
        counts["gender_preference"] += gender is not None and advocate["gender"] != gender
        counts["no_shared_language"] += bool(child["languages"]) and not set(child["languages"]) & set(
            advocate["languages"])
        counts["out_of_region"] += child["region"] not in advocate["regions"]
    for advocate_id, n in load.items():
        advocate = advocates[advocate_id]
        counts["over_comfortable"] += max(0, n - advocate.get("comfortable", advocate["capacity"]))
    counts = {name: int(n) for name, n in counts.items()}
    cost = sum(weights[name] * n for name, n in counts.items())
    return {"assignments": result, "cost": cost, "breakdown": counts}


def pair_cost(child: Mapping[str, Any], advocate: Mapping[str, Any], w: Mapping[str, int]) -> int:
    """What it costs for this child to have this advocate, before ``over_comfortable`` (hard rules not checked)."""
    chosen, current = advocate["id"], child["current"]
    named, gender = child["prefers"]["advocate"], child["prefers"]["gender"]
    cost = w["moved"] if current is not None and chosen != current else 0
    cost += w["stranger"] if chosen != current and chosen not in child["previous"] else 0
    cost += w["named_preference"] if named is not None and chosen != named else 0
    cost += w["gender_preference"] if gender is not None and advocate["gender"] != gender else 0
    languages = child["languages"]
    cost += w["no_shared_language"] if languages and not set(languages) & set(advocate["languages"]) else 0
    cost += w["out_of_region"] if child["region"] not in advocate["regions"] else 0
    return cost


def personal_cost(child: Mapping[str, Any], w: Mapping[str, int]) -> int:
    """The child's own costs with an advocate who is none of current, previous or named."""
    cost = w["stranger"]
    cost += w["moved"] if child["current"] is not None else 0
    cost += w["named_preference"] if child["prefers"]["advocate"] is not None else 0
    return cost


def _weights(instance: Mapping[str, Any], weights: Mapping[str, int] | None) -> dict[str, int]:
    if weights is None:
        base = load_weights()
    else:
        problems = weight_problems(weights, "weights argument", complete=True)
        if problems:
            raise InstanceError(problems, what="the pairing weights")
        base = dict(weights)
    return {**base, **(instance.get("weights") or {})}


class _World:
    """The instance indexed for the solver: advocates by position, children still waiting."""

    def __init__(self, instance: Mapping[str, Any]) -> None:
        self.advocates = instance["advocates"]
        self.position = {a["id"]: i for i, a in enumerate(self.advocates)}
        self.capacity = [a["capacity"] if a["available"] else 0 for a in self.advocates]
        self.comfortable = [min(a.get("comfortable", a["capacity"]), c)
                            for a, c in zip(self.advocates, self.capacity, strict=True)]
        self.usable = [i for i, c in enumerate(self.capacity) if c > 0]
        self.conflicts = [frozenset(a["conflicts"]) for a in self.advocates]
        self.regions = [frozenset(a["regions"]) for a in self.advocates]
        self.languages = [frozenset(a["languages"]) for a in self.advocates]
        self.waiting = [c for c in instance["children"] if not c["opted_out"]]

    def allowed(self, child: Mapping[str, Any], advocate: int) -> bool:
        """The hard rules for this pair: the advocate takes children, is independent of the child's
        authority, and is not one the child asked not to have."""
        return (self.capacity[advocate] > 0 and child["la"] not in self.conflicts[advocate]
                and self.advocates[advocate]["id"] not in child.get("avoid", ()))

    def specials(self, child: Mapping[str, Any]) -> list[int]:
        """Advocates this child could have whose cost is personal to the child (current, previous, named)."""
        ids = {child["current"], child["prefers"]["advocate"], *child["previous"]} - {None}
        return sorted(a for a in (self.position[i] for i in ids) if self.allowed(child, a))

    def pair_cost(self, child: Mapping[str, Any], advocate: int, w: Mapping[str, int]) -> int:
        return pair_cost(child, self.advocates[advocate], w)


class _Classes:
    """Usable advocates grouped by what a child's costs can see: regions, languages, gender."""

    def __init__(self, world: _World) -> None:
        index: dict[tuple, int] = {}
        self.keys: list[tuple[frozenset[str], frozenset[str], str | None]] = []
        self.members: list[list[int]] = []
        self.of: dict[int, int] = {}
        for a in world.usable:
            key = (world.regions[a], world.languages[a], world.advocates[a]["gender"])
            k = index.setdefault(key, len(self.keys))
            if k == len(self.keys):
                self.keys.append(key)
                self.members.append([])
            self.members[k].append(a)
            self.of[a] = k


class _Profiles:
    """Waiting children grouped by what a class can see: local authority, region, languages, gender wanted,
    and the advocates they must not have."""

    def __init__(self, world: _World) -> None:
        index: dict[tuple, int] = {}
        self.keys: list[tuple[str, str, frozenset[str], str | None, frozenset[str]]] = []
        self.of = np.empty(len(world.waiting), dtype=np.int64)
        for j, child in enumerate(world.waiting):
            key = (child["la"], child["region"], frozenset(child["languages"]), child["prefers"]["gender"],
                   frozenset(child.get("avoid", ())))
            p = index.setdefault(key, len(self.keys))
            if p == len(self.keys):
                self.keys.append(key)
            self.of[j] = p


def _profile_class_costs(profiles: _Profiles, classes: _Classes, w: Mapping[str, int]) -> np.ndarray:
    """profile x class matrix of gender, language and region costs (the same for every advocate of the class)."""
    n_profiles, n_classes = len(profiles.keys), len(classes.keys)
    costs = np.zeros((n_profiles, n_classes), dtype=np.int64)
    if not n_profiles or not n_classes:
        return costs
    region_ids = {r: i for i, r in enumerate(sorted({r for key in classes.keys for r in key[0]}))}
    language_ids = {lang: i for i, lang in enumerate(sorted({lang for key in classes.keys for lang in key[1]}))}
    gender_ids = {g: i for i, g in enumerate(sorted({key[2] for key in classes.keys if key[2] is not None}))}

    class_regions = np.zeros((n_classes, len(region_ids) + 1), dtype=bool)  # last column: a region no one covers
    class_languages = np.zeros((n_classes, len(language_ids)), dtype=np.float32)
    class_gender = np.full(n_classes, -1, dtype=np.int64)
    for k, (regions, languages, gender) in enumerate(classes.keys):
        class_regions[k, [region_ids[r] for r in regions]] = True
        class_languages[k, [language_ids[lang] for lang in languages]] = 1.0
        class_gender[k] = gender_ids.get(gender, -1)

    profile_region = np.array([region_ids.get(key[1], len(region_ids)) for key in profiles.keys])
    profile_languages = np.zeros((n_profiles, len(language_ids)), dtype=np.float32)
    profile_speaks = np.array([bool(key[2]) for key in profiles.keys])
    wants_gender = np.array([key[3] is not None for key in profiles.keys])
    profile_gender = np.array([gender_ids.get(key[3], -2) for key in profiles.keys])
    for p, key in enumerate(profiles.keys):
        profile_languages[p, [language_ids[lang] for lang in key[2] if lang in language_ids]] = 1.0

    shared = (profile_languages @ class_languages.T) > 0.5
    costs += np.where(profile_speaks[:, None] & ~shared, w["no_shared_language"], 0)
    costs += np.where(class_regions[:, profile_region].T, 0, w["out_of_region"])
    costs += np.where(wants_gender[:, None] & (profile_gender[:, None] != class_gender[None, :]),
                      w["gender_preference"], 0)
    return costs


class _Graph:
    """The flow network: child -> (profile -> class entry | special advocate | nobody) -> advocate -> sink.

    A child's arc into its profile costs its personal terms as if every advocate
    were a stranger, not the one named and not the current one; a class entry
    leads only to advocates the profile may have: not conflicted with its local
    authority and not among the advocates it avoids (its barrier).
    Exactness: for any advocate, this path costs exactly the true cost unless the
    advocate is special to the child, and then at least the true cost; special
    advocates also have their own arc at the true cost, so every pairing has a
    flow of equal cost and every flow a pairing no dearer: the optima agree.
    """

    def __init__(self, world: _World, w: Mapping[str, int]) -> None:
        self.world = world
        waiting = world.waiting
        n = len(waiting)
        classes, profiles = _Classes(world), _Profiles(world)
        costs = _profile_class_costs(profiles, classes, w)
        n_profiles, n_classes = costs.shape

        # A barrier is what keeps some advocates from a profile: its authority and whom it avoids.
        barriers = sorted({(key[0], key[4]) for key in profiles.keys}, key=lambda b: (b[0], sorted(b[1])))
        barrier_ids = {b: i for i, b in enumerate(barriers)}
        by_la: dict[str, list[int]] = defaultdict(list)
        for b, (la, _) in enumerate(barriers):
            by_la[la].append(b)
        conflicted: dict[tuple[int, int], set[int]] = defaultdict(set)
        for a in world.usable:
            for la in world.conflicts[a]:
                for b in by_la.get(la, ()):
                    conflicted[b, classes.of[a]].add(a)
        position = world.position
        for b, (_, avoid) in enumerate(barriers):
            for advocate_id in avoid:
                a = position[advocate_id]
                if a in classes.of:
                    conflicted[b, classes.of[a]].add(a)

        # Node numbering: children, profiles, classes, per-authority class entries, advocates, sink.
        profile_node = n
        class_node = profile_node + n_profiles
        entry_node = class_node + n_classes
        entry = np.tile(np.arange(class_node, class_node + n_classes, dtype=np.int64), (len(barriers), 1))
        entry_members: list[list[int]] = []
        for (b, k), bad in conflicted.items():
            allowed = [a for a in classes.members[k] if a not in bad]
            if allowed:
                entry[b, k] = entry_node + len(entry_members)
                entry_members.append(allowed)
            else:
                entry[b, k] = -1
        advocate_node = entry_node + len(entry_members)
        node_of_advocate = {a: advocate_node + i for i, a in enumerate(world.usable)}
        sink = advocate_node + len(world.usable)

        tails: list[np.ndarray] = []
        heads: list[np.ndarray] = []
        capacities: list[np.ndarray] = []
        unit_costs: list[np.ndarray] = []

        def add(tail, head, capacity, cost) -> range:
            start = sum(len(t) for t in tails)
            tail = np.asarray(tail, dtype=np.int64)
            tails.append(tail)
            heads.append(np.broadcast_to(np.asarray(head, dtype=np.int64), tail.shape))
            capacities.append(np.broadcast_to(np.asarray(capacity, dtype=np.int64), tail.shape))
            unit_costs.append(np.broadcast_to(np.asarray(cost, dtype=np.int64), tail.shape))
            return range(start, start + len(tail))

        child_ids = np.arange(n)
        has_current = np.array([c["current"] is not None for c in waiting])
        personal = np.array([personal_cost(c, w) for c in waiting], dtype=np.int64)
        self.via_profile = add(child_ids, profile_node + profiles.of, 1, personal)
        add(child_ids, sink, 1, w["unassigned"] + w["moved"] * has_current)

        special_child: list[int] = []
        special_advocate: list[int] = []
        special_cost: list[int] = []
        for j, child in enumerate(waiting):
            for a in world.specials(child):
                special_child.append(j)
                special_advocate.append(a)
                special_cost.append(world.pair_cost(child, a, w))
        self.special_child = np.array(special_child, dtype=np.int64)
        self.special_advocate = np.array(special_advocate, dtype=np.int64)
        self.special = add(self.special_child, [node_of_advocate[a] for a in special_advocate], 1, special_cost)

        profile_barrier = np.array([barrier_ids[key[0], key[4]] for key in profiles.keys], dtype=np.int64)
        profile_heads = entry[profile_barrier]  # profile x class
        reachable = profile_heads >= 0
        profile_tails = np.broadcast_to(np.arange(profile_node, class_node)[:, None], profile_heads.shape)
        self.profile_arcs = add(profile_tails[reachable], profile_heads[reachable], n, costs[reachable])

        member_tails, member_heads, member_capacity = [], [], []
        for k, members in enumerate(classes.members):
            for a in members:
                member_tails.append(class_node + k)
                member_heads.append(node_of_advocate[a])
                member_capacity.append(world.capacity[a])
        for e, members in enumerate(entry_members):
            for a in members:
                member_tails.append(entry_node + e)
                member_heads.append(node_of_advocate[a])
                member_capacity.append(world.capacity[a])
        self.member_arcs = add(member_tails, member_heads, member_capacity, 0)

        usable = world.usable
        adv_nodes = np.array([node_of_advocate[a] for a in usable], dtype=np.int64)
        comfortable = np.array([world.comfortable[a] for a in usable], dtype=np.int64)
        beyond = np.array([world.capacity[a] - world.comfortable[a] for a in usable], dtype=np.int64)
        add(adv_nodes[comfortable > 0], sink, comfortable[comfortable > 0], 0)
        add(adv_nodes[beyond > 0], sink, beyond[beyond > 0], w["over_comfortable"])

        self.tails = np.concatenate(tails)
        self.heads = np.concatenate(heads)
        self.capacities = np.concatenate(capacities)
        self.unit_costs = np.concatenate(unit_costs)
        self.sink = sink
        self.advocate_of_node = {node: a for a, node in node_of_advocate.items()}
        self.optimal_cost: int | None = None

    def solve(self) -> dict[str, str | None]:
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            self.tails.astype(np.int32), self.heads.astype(np.int32), self.capacities, self.unit_costs)
        n = len(self.world.waiting)
        nodes = np.append(np.arange(n, dtype=np.int32), np.int32(self.sink))
        supplies = np.append(np.ones(n, dtype=np.int64), np.int64(-n))
        flow.set_nodes_supplies(nodes, supplies)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"the min-cost flow did not solve (status {status})")
        self.optimal_cost = flow.optimal_cost()
        flows = flow.flows(np.arange(len(self.tails), dtype=np.int32))
        return self._pairing(flows)

    def _pairing(self, flows: np.ndarray) -> dict[str, str | None]:
        """Follow the flow from each child to one advocate: children who meet at a node are interchangeable."""
        waiting, advocates = self.world.waiting, self.world.advocates
        chosen = np.full(len(waiting), -1, dtype=np.int64)
        special = _indices(self.special)
        used = flows[special] > 0
        chosen[self.special_child[used]] = self.special_advocate[used]

        at_node: dict[int, list[int]] = defaultdict(list)
        via = np.flatnonzero(flows[_indices(self.via_profile)] > 0)
        for j in via:
            at_node[int(self.heads[self.via_profile.start + j])].append(int(j))
        for arcs in (self.profile_arcs, self.member_arcs):
            arcs = _indices(arcs)
            for arc in arcs[flows[arcs] > 0]:
                tail, amount = int(self.tails[arc]), int(flows[arc])
                pool = at_node[tail]
                taken, at_node[tail] = pool[:amount], pool[amount:]
                head = int(self.heads[arc])
                if head in self.advocate_of_node:
                    chosen[taken] = self.advocate_of_node[head]
                else:
                    at_node[head].extend(taken)
        return {child["id"]: (advocates[a]["id"] if a >= 0 else None)
                for child, a in zip(waiting, chosen.tolist(), strict=True)}


def _indices(arcs: range) -> np.ndarray:
    return np.arange(arcs.start, arcs.stop, dtype=np.int64)
