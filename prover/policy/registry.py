"""The strategy registry: every `--strategy` warrant knows, as a frozen description with flags.

`verify`, `plan-and-verify`, `bench` and `eval` look strategies up here, and the search reads
what a strategy does from its flags (`uses_smt`, `uses_lp`, `uses_fbbt`, `cuts`, `monolithic`, `network`),
never from its name. Adding a strategy is one entry. Factories import their policy on first use,
so listing the strategies (help texts) imports no torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable

from dsl.errors import InputError


@dataclass(frozen=True)
class Strategy:
    name: str
    summary: str                    # one line, for help texts and docs
    factory: Callable | None        # PolicySpec → a fresh Policy for one search (None: monolithic)
    monolithic: bool = False        # one solver call on the whole goal (z3), no proof search
    uses_smt: bool = False          # the search may close sub-boxes by an SMT call
    uses_lp: bool = False           # the search may close reward leaves by the LP relaxation
    uses_fbbt: bool = False         # the search narrows leaves by the `fbbt` tactic before splitting
    cuts: bool = False              # verify may cut the horizon when splitting stalls
    network: bool = False           # searches with a network: takes --checkpoint and --device

    def make(self, spec):
        """A fresh Policy for one search, built from `spec` (a prover.policy.spec.PolicySpec)."""
        if self.factory is None:
            raise InputError(f"strategy {self.name} makes one monolithic solver call; it has no search policy")
        return self.factory(spec)


def _largest_first(spec):
    from prover.policy.hand import LargestFirst
    return LargestFirst()


def _smear(spec):
    from prover.policy.hand import Smear
    return Smear()


def _heuristic(spec):
    from prover.policy.hand import Heuristic
    return Heuristic()


def _spatial(spec):
    from prover.policy.spatial import Spatial
    return Spatial()


def _reliability(spec):
    from prover.policy.reliability import Reliability
    return Reliability()


def _learned(spec):
    """The network policy; imported on first use so torch loads only when it is asked for."""
    from prover.policy.learned import LearnedPolicy
    return LearnedPolicy(checkpoint=spec.checkpoint, device=spec.device)


STRATEGIES = MappingProxyType({s.name: s for s in (
    Strategy("z3", "one monolithic Z3 call (Optimize for --tightest)", None, monolithic=True, uses_smt=True),
    Strategy("largest-first", "split the widest variable at its midpoint (dReal's rule)", _largest_first),
    Strategy("smear", "split the variable of largest sensitivity x width", _smear),
    Strategy("heuristic", "strong branching, SMT, LP and FBBT, horizon cuts", _heuristic,
             uses_smt=True, uses_lp=True, uses_fbbt=True, cuts=True),
    Strategy("spatial", "split the lifted state of largest relaxation error at the LP solution, then FBBT; "
             "else the heuristic", _spatial, uses_smt=True, uses_lp=True, uses_fbbt=True, cuts=True),
    Strategy("reliability", "strong branching until pseudocosts are reliable (SCIP's rule), SMT and LP leaves, cuts",
             _reliability, uses_smt=True, uses_lp=True, cuts=True),
    Strategy("learned", "the heuristic with the policy network's candidate splits", _learned,
             uses_smt=True, uses_lp=True, uses_fbbt=True, cuts=True, network=True),
)})


def names(search_only: bool = False, network_only: bool = False) -> tuple[str, ...]:
    """The strategy names in registry order (`search_only`: those that search with a policy;
    `network_only`: those that take --checkpoint and --device)."""
    return tuple(n for n, s in STRATEGIES.items()
                 if not (search_only and s.monolithic) and not (network_only and not s.network))


def one_of(search_only: bool = False) -> str:
    """'one of z3, largest-first, ...', for help texts and error messages."""
    return "one of " + ", ".join(names(search_only))


def strategy(name: str) -> Strategy:
    """The registry entry of `name`."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise InputError(f"unknown strategy {name!r}; choose {one_of()}") from None


def resolve(strategy_or_name) -> Strategy:
    """An entry given as itself or by name (tests hand a variant entry to verify_search)."""
    return strategy_or_name if isinstance(strategy_or_name, Strategy) else strategy(strategy_or_name)
