"""The scenario graph: plans as paths in a layered networkx DiGraph, under a set of scenarios.

A node is `(t, states)` where `states` holds the state in each scenario of the set (so two
prefixes that reach the same states in every scenario share a node). An edge is an action
instance that is valid in every scenario of the set (requires, ranges, safe), labelled with
its reward in each scenario. Everything is computed by the exact reference interpreter while
the states' numbers stay short; past `graph_rounded.EXACT_BITS` (nonlinear dynamics double their
digits at every product) the layers are stepped in one batch each in outward-rounded intervals,
keeping every edge that may be valid, with approximate (float) rewards: such a graph only ranks
candidates and gives no upper bound U (`planner.graph_rounded`).

Several instances may lead from one node to the same child (`fill(2)` and `fill(3)` into a
full tank): the graph is a MultiDiGraph keyed by the instance, and between two nodes it keeps
every edge whose reward vector no other edge there matches or beats in every scenario. A
dropped edge's plans are each weakly beaten, scenario by scenario, by a kept edge's, so the
best minimum over the set, and hence the upper bound U, is the same with or without them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import networkx as nx

from dsl.interp import Evaluator, apply, initial_state
from dsl.model import ActionInstance, Domain
from dsl.scenario import Scenario
from planner.graph_rounded import EXACT_BITS, too_long

State = tuple            # the state values in declaration order


@dataclass(frozen=True)
class ScenarioGraph:
    graph: nx.MultiDiGraph             # parallel edges keyed by action instance
    root: tuple
    layers: tuple[tuple, ...]         # node keys per step 0..H
    truncated: bool                   # True when the beam cut some nodes
    scenarios: tuple[Scenario, ...]
    rounded: bool = False             # some layers in rounded intervals: approximate values, no U


def _state_key(domain: Domain, state: dict) -> State:
    return tuple(state[s.name] for s in domain.states)


def _step(domain: Domain, inst: ActionInstance, t: int, states: tuple[dict, ...], scenarios):
    """Post-states and rewards in every scenario, or None if the instance is invalid in one."""
    action = domain.action(inst.action)
    args = {a.name: Fraction(v) for a, v in zip(action.args, inst.args)}
    posts, rewards = [], []
    for state, sc in zip(states, scenarios):
        params = sc.params
        dist = {d.name: sc.disturbances[d.name][t] for d in domain.disturbances}
        pre = {**params, **state, **args}
        if not all(Evaluator(pre).eval(r) for r in action.requires):
            return None
        r_action = Evaluator({**pre, **dist}).eval(action.reward) if action.reward else Fraction(0)
        post = apply(domain, inst, state, params, dist)
        if any(s.vtype != "bool" and not s.lo <= post[s.name] <= s.hi for s in domain.states):
            return None
        env = {**params, **post}
        if not all(Evaluator(env).eval(c) for c in domain.safes):
            return None
        r_step = Evaluator(env).eval(domain.step_reward) if domain.step_reward is not None else Fraction(0)
        posts.append(post)
        rewards.append(domain.discount ** t * (r_action + r_step))
    return tuple(posts), tuple(rewards)


def final_rewards(domain: Domain, states: tuple[dict, ...], scenarios) -> tuple[Fraction, ...]:
    if domain.final_reward is None:
        return tuple(Fraction(0) for _ in scenarios)
    g = domain.discount ** domain.horizon
    return tuple(g * Evaluator({**sc.params, **st}).eval(domain.final_reward) for st, sc in zip(states, scenarios))


def build(domain: Domain, scenarios: tuple[Scenario, ...], beam: int = 2000,
          deadline: float | None = None, exact_bits: int = EXACT_BITS) -> ScenarioGraph | None:
    """Expand layer by layer; beyond `beam` nodes a layer keeps those with the best min reward so far.
    Exact while the states' numbers stay within `exact_bits`, then in rounded intervals
    (`planner.graph_rounded`).
    None when `deadline` (a time.monotonic() value) passes before the last layer is built."""
    g = nx.MultiDiGraph()
    init = tuple(initial_state(domain, sc) for sc in scenarios)
    env_ok = all(all(Evaluator({**sc.params, **st}).eval(c) for c in domain.safes) for st, sc in zip(init, scenarios))
    root = (0, tuple(_state_key(domain, s) for s in init))
    g.add_node(root, states=init, best=tuple(Fraction(0) for _ in scenarios))
    layers, truncated, stepper = [[root] if env_ok else []], False, None
    for t in range(domain.horizon):
        if stepper is None and any(too_long(g.nodes[k]["states"], exact_bits) for k in layers[-1]):
            stepper = _to_rounded(domain, scenarios, g, layers[-1])
        step = _exact_layer if stepper is None else _rounded_layer
        layer = step(domain, stepper, t, g, layers[-1], scenarios, deadline)
        if layer is None:
            return None
        if len(layer) > beam:
            truncated = True
            layer = _prune(g, layer, beam)
        layers.append(layer)
    _finals(domain, stepper, g, layers[-1], scenarios)
    rounded = stepper is not None       # float rewards from there on: the graph ranks, it bounds nothing
    return ScenarioGraph(g, root, tuple(tuple(l) for l in layers), truncated, scenarios, rounded)


def _to_rounded(domain, scenarios, g, layer):
    """Switch to rounded intervals: each node of the layer gets the enclosure of its exact states."""
    from planner.graph_rounded import Stepper, box_of
    for key in layer:
        node = g.nodes[key]
        node["box"], node["best"] = box_of(domain, node["states"]), tuple(float(x) for x in node["best"])
    return Stepper(domain, scenarios)


def _exact_layer(domain, _stepper, t, g, layer, scenarios, deadline):
    """The next layer by the exact interpreter (None: past the deadline)."""
    nxt: dict = {}
    for key in layer:
        if deadline is not None and time.monotonic() > deadline:
            return None
        states = g.nodes[key]["states"]
        for inst in domain.instances():
            step = _step(domain, inst, t, states, scenarios)
            if step is None:
                continue
            posts, rewards = step
            child = (t + 1, tuple(_state_key(domain, s) for s in posts))
            if child not in g:
                g.add_node(child, states=posts, best=None)
            _add(g, key, child, inst, rewards)
            nxt[child] = True
    return list(nxt)


def _rounded_layer(domain, stepper, t, g, layer, scenarios, deadline):
    """The next layer in one batch of rounded interval steps (None: past the deadline)."""
    if deadline is not None and time.monotonic() > deadline:
        return None
    nxt: dict = {}
    nodes = [g.nodes[k] for k in layer]
    for s in stepper.layer(t, [n["box"] for n in nodes], [n["best"] for n in nodes]):
        key, child = layer[s.node], (t + 1, s.box)
        if child not in g:
            g.add_node(child, box=s.box, best=None, score=None)
        if _add_undominated(g, key, child, s.instance, s.rewards):
            node = g.nodes[child]
            if node["best"] is None or s.score > node["score"]:
                node["best"], node["score"] = s.prefix, s.score
        nxt[child] = True
    return list(nxt)


def _add(g, key, child, inst, rewards) -> None:
    if _add_undominated(g, key, child, inst, rewards):
        _improve_best(g, key, child, rewards)


def _finals(domain, stepper, g, layer, scenarios) -> None:
    if stepper is None:
        for key in layer:
            g.nodes[key]["final"] = final_rewards(domain, g.nodes[key]["states"], scenarios)
        return
    for key, final in zip(layer, stepper.final([g.nodes[k]["box"] for k in layer])):
        g.nodes[key]["final"] = final


def _dominates(a: tuple, b: tuple) -> bool:
    """Reward vector `a` is at least `b` in every scenario."""
    return all(x >= y for x, y in zip(a, b))


def _add_undominated(g: nx.MultiDiGraph, parent, child, inst, rewards) -> bool:
    """Add the edge unless a parallel one is at least as good in every scenario; drop the
    parallel edges it beats. False when it was not added."""
    parallel = g.get_edge_data(parent, child) or {}
    if any(_dominates(e["rewards"], rewards) for e in parallel.values()):
        return False
    for other in [k for k, e in parallel.items() if _dominates(rewards, e["rewards"])]:
        g.remove_edge(parent, child, key=other)
    g.add_edge(parent, child, key=inst, action=inst, rewards=rewards)
    return True


def _improve_best(g: nx.MultiDiGraph, parent, child, rewards) -> None:
    """Track, per node, the prefix reward vector with the best minimum (the beam's score)."""
    cand = tuple(a + b for a, b in zip(g.nodes[parent]["best"], rewards))
    best = g.nodes[child]["best"]
    if best is None or min(cand) > min(best):
        g.nodes[child]["best"] = cand


def _prune(g: nx.MultiDiGraph, layer: list, beam: int) -> list:
    """Keep the `beam` nodes whose best prefix has the highest min-over-scenarios reward."""
    keep = sorted(layer, key=lambda k: min(g.nodes[k]["best"]), reverse=True)[:beam]
    g.remove_nodes_from(set(layer) - set(keep))
    return keep
