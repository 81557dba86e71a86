"""Candidate plans: the K plans with the best minimum-over-scenarios return in a scenario graph.

Branch and bound over the layered DAG: each node knows, per scenario, the best reward any
completion can still earn (a backward pass), so `min over scenarios of (prefix + best
completion)` bounds every plan through it. When the graph is complete and the search is not
cut by its expansion limit, the best value found is exact — and since a minimum over fewer
scenarios can only be higher, it is an upper bound U on the best worst-case reward of any plan.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from fractions import Fraction

from dsl.model import Plan
from planner.graph import ScenarioGraph


@dataclass(frozen=True)
class Candidate:
    plan: Plan
    value: Fraction                   # min over the scenario set of the total reward (approximate
                                      # when the graph had rounded layers: ScenarioGraph.rounded)
    rewards: tuple[Fraction, ...]     # total reward in each scenario of the set


@dataclass(frozen=True)
class Candidates:
    plans: tuple[Candidate, ...]      # best first
    exhaustive: bool                  # the ranking is exact (graph complete, search not cut)
    expansions: int


def best_completions(sg: ScenarioGraph) -> dict:
    """node → per-scenario best reward of any completion (including the final reward)."""
    g, future = sg.graph, {}
    for key in sg.layers[-1]:
        future[key] = g.nodes[key]["final"]
    for layer in reversed(sg.layers[:-1]):
        for key in layer:
            best = None
            for _, child, rewards in g.out_edges(key, data="rewards"):
                if child not in future:
                    continue
                cand = tuple(a + b for a, b in zip(rewards, future[child]))
                best = cand if best is None else tuple(max(x, y) for x, y in zip(best, cand))
            if best is not None:
                future[key] = best
    return future


def top_plans(sg: ScenarioGraph, k: int, max_expansions: int = 200_000) -> Candidates:
    """The k best plans by minimum-over-scenarios return (ties broken by plan text)."""
    g, future = sg.graph, best_completions(sg)
    if sg.root not in future:
        return Candidates((), not sg.truncated, 0)
    found: list = []                      # min-heap of (value, tiebreak, Candidate)
    tie = itertools.count()
    zero = tuple(Fraction(0) for _ in sg.scenarios)
    stack = [(sg.root, zero, ())]
    expansions, cut = 0, False
    while stack:
        key, prefix, plan = stack.pop()
        if len(found) == k and min(a + b for a, b in zip(prefix, future[key])) <= found[0][0]:
            continue
        expansions += 1
        if expansions > max_expansions:
            cut = True
            break
        if key[0] == len(sg.layers) - 1:
            total = tuple(a + b for a, b in zip(prefix, g.nodes[key]["final"]))
            entry = (min(total), next(tie), Candidate(plan, min(total), total))
            (heapq.heappush if len(found) < k else heapq.heappushpop)(found, entry)
            continue
        children = [(c, e) for _, c, e in g.out_edges(key, data=True) if c in future]
        # Push the most promising child last so it is explored first.
        children.sort(key=lambda ce: min(a + b + f for a, b, f in zip(prefix, ce[1]["rewards"], future[ce[0]])))
        for child, edge in children:
            stack.append((child, tuple(a + b for a, b in zip(prefix, edge["rewards"])), plan + (edge["action"],)))
    ranked = tuple(c for _, _, c in sorted(found, key=lambda e: (-e[0], str(e[2].plan))))
    if sg.rounded:
        ranked = tuple(map(_as_fractions, ranked))
    # a graph with rounded layers has approximate values: its ranking bounds nothing
    return Candidates(ranked, not sg.truncated and not cut and not sg.rounded, expansions)


def _as_fractions(c: Candidate) -> Candidate:
    """A rounded graph's float values as Fractions (their binary values; shown with ≈)."""
    return Candidate(c.plan, Fraction(float(c.value)), tuple(Fraction(float(x)) for x in c.rewards))


NO_PLAN = "no plan"         # scenario_optimum's answer for a scenario in which no plan is valid


def scenario_optimum(domain, scenario, beam: int, deadline: float | None = None):
    """The best return of any plan in one scenario (exact: the graph fitted in the beam and the
    search was not cut), NO_PLAN when no plan is valid in it, None when not exact. Every plan's
    worst case is at most this, so the lowest over admissible scenarios is an upper bound U."""
    from planner.graph import build
    sg = build(domain, (scenario,), beam, deadline)
    if sg is None or sg.truncated:
        return None
    ranked = top_plans(sg, 1)
    if not ranked.exhaustive:
        return None
    return ranked.plans[0].value if ranked.plans else NO_PLAN
