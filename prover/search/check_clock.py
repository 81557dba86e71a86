"""What checking a search's proof tree will cost, estimated as the tree grows, so that a run ends
within its time limit with the certificate checked (issue 14: time limits are wall-clock limits).

The independent checker re-derives every leaf in exact rationals, which costs far more than the
search's float evaluation of it, and by a factor that depends on the problem (a mean-value leaf:
about 5 ms on drone H=10, much more on long SIR unrollings). So the cost per leaf method is
measured on the problem itself: the first few leaves of each method (after one untimed check
that pays the method's one-time costs), and one in every `EVERY` after, are checked exactly by
the checker's own leaf rules (`check_leaves`) and timed;
the estimate of a leaf is the median of its method's samples. An `lp` leaf is estimated at what its
bound cost the search (the checker replays its rounds exactly), a split at BRANCH_S, an SMT leaf
at nothing (the checker re-asks Z3 under the run's deadline and says so when it cannot finish).
"""
from __future__ import annotations

import statistics
import time
from fractions import Fraction

from dsl.errors import WarrantError
from prover.bounds.interval_exact import ExactBoxFacts
from prover.calculus.certificate import leaf_json
from prover.calculus.goals import Goal
from prover.calculus.objective import AtLeast, Validity
from prover.calculus.tactics import Leaf
from prover.check.checker import check_leaves

FIRST = 3           # leaves of each method timed before the estimate is trusted
EVERY = 64          # ... then one in this many
BRANCH_S = 0.0002   # a split: the checker re-derives its children's boxes
DEFAULT_S = 0.005   # a method not sampled yet (a mean-value leaf on drone H=10)


class CheckClock:
    """Per-method check times of one problem's leaves, sampled as a search makes them."""

    def __init__(self, u):
        self.u = u
        self.facts = None
        self.samples: dict = {}        # Leaf → [count seen, [seconds of each timed check]]

    def cost(self, node) -> float:
        """Estimated seconds the checker spends on `node` as it stands (a sample may be timed)."""
        if node.split is not None:
            return BRANCH_S
        method = node.closed_by or node.method
        if method is Leaf.LP:
            return node.lp_s
        if method is Leaf.SMT:
            return 0.0
        seen = self.samples.setdefault(method, [0, []])
        seen[0] += 1
        timed = seen[1]
        if len(timed) < FIRST or seen[0] % EVERY == 0:
            if not timed:
                self._time(node)        # a method's first check pays one-time costs (lazy imports,
                                        # compiled evaluators)
            timed.append(self._time(node))
        # the median: one slow sample (a cold start, or a pause of a large process) made the
        # mean say the tree would take 10x its check
        return statistics.median(timed) if timed else DEFAULT_S

    def _time(self, node) -> float:
        """Seconds the checker's rule for the node's leaf method takes on it (its verdict aside:
        an open leaf need not prove anything yet)."""
        if self.facts is None:
            self.facts = ExactBoxFacts(self.u)
        claim = Validity() if not node.goal.claim.bounds_reward else AtLeast(_below(node.lo))
        goal = Goal(node.goal.box, claim, node.goal.lifted)
        start = time.perf_counter()
        try:
            check_leaves(self.u, self.facts, [(goal, leaf_json(node), "timing")])
        except (WarrantError, ValueError, ArithmeticError):
            pass                # a box the rule cannot judge still took its time
        return time.perf_counter() - start


def _below(lo: float) -> Fraction:
    return Fraction(lo) if lo == lo and abs(lo) != float("inf") else Fraction(0)
