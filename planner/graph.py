"""The scenario graph: plans as paths in a layered networkx DiGraph, under a set of scenarios.

A node is `(t, states)` where `states` holds the state in each scenario of the set (so two
prefixes that reach the same states in every scenario share a node). An edge is an action
instance that is valid in every scenario of the set (requires, ranges, safe), labelled with
its reward in each scenario. Everything is computed by the exact reference interpreter.

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

State = tuple            # the state values in declaration order


@dataclass(frozen=True)
class ScenarioGraph:
    graph: nx.MultiDiGraph             # parallel edges keyed by action instance
    root: tuple
    layers: tuple[tuple, ...]         # node keys per step 0..H
    truncated: bool                   # True when the beam cut some nodes
    scenarios: tuple[Scenario, ...]


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
          deadline: float | None = None) -> ScenarioGraph | None:
    """Expand layer by layer; beyond `beam` nodes a layer keeps those with the best min reward so far.
    None when `deadline` (a time.monotonic() value) passes before the last layer is built."""
    g = nx.MultiDiGraph()
    init = tuple(initial_state(domain, sc) for sc in scenarios)
    env_ok = all(all(Evaluator({**sc.params, **st}).eval(c) for c in domain.safes) for st, sc in zip(init, scenarios))
    root = (0, tuple(_state_key(domain, s) for s in init))
    g.add_node(root, states=init, best=tuple(Fraction(0) for _ in scenarios))
    layers, truncated = [[root] if env_ok else []], False
    instances = domain.instances()
    for t in range(domain.horizon):
        nxt: dict = {}
        for key in layers[-1]:
            if deadline is not None and time.monotonic() > deadline:
                return None
            states = g.nodes[key]["states"]
            for inst in instances:
                step = _step(domain, inst, t, states, scenarios)
                if step is None:
                    continue
                posts, rewards = step
                child = (t + 1, tuple(_state_key(domain, s) for s in posts))
                if child not in g:
                    g.add_node(child, states=posts, best=None)
                if _add_undominated(g, key, child, inst, rewards):
                    _improve_best(g, key, child, rewards)
                nxt[child] = True
        layer = list(nxt)
        if len(layer) > beam:
            truncated = True
            layer = _prune(g, layer, beam)
        layers.append(layer)
    for key in layers[-1]:
        g.nodes[key]["final"] = final_rewards(domain, g.nodes[key]["states"], scenarios)
    return ScenarioGraph(g, root, tuple(tuple(l) for l in layers), truncated, scenarios)


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
