"""The independent certificate checker behind `warrant check-cert`.

It imports neither the search, nor float bound code, nor torch (a test checks it). It
re-derives the root box from the domain, rebuilds every child from its parent through the
tactic registry (`prover.calculus.registry`: a split's halves, a horizon cut's pieces),
re-checks interval, mean-value and lp leaves in exact rational arithmetic and SMT leaves with
Z3 (`LEAF_CHECKS`, one per `Leaf`), and checks the domain hash, plan and claim. The first failing node is named by its path (`reward/0/1`: root, left, right).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from fractions import Fraction

from dsl.errors import InputError, WarrantError
from dsl.exact import approx as decimal
from dsl.model import Domain
from dsl.plan import parse_plan
from prover.calculus.certificate import FORMAT_VERSION
from prover.calculus.fbbt_step import Fbbt, below_from_json, fbbt_outcome
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast, Claim, Validity
from prover.calculus.outcome import Outcome
from prover.bounds.interval_exact import ExactBoxFacts, LiftedFacts, exact_rational, to_fraction
from prover.calculus.progress import Progress, Reporter, silent
from prover.bounds.relaxation import dual_bound, lifted_order, lifted_roots, margin_holds, margins
from prover.bounds.tightening import NotProved, Round, Tightening, condition_facts, cutoff, lp_evaluator, replay
from prover.calculus.registry import BRANCHES, branch_key
from prover.calculus.tactics import Leaf, TacticError, rational
from prover.calculus.unroll import Unrolled, unroll


class CertificateRejected(WarrantError):
    """The certificate does not prove its claim (exit code 1). The message shows numbers as
    short decimals; `values` holds them exactly (name → rational as a string), for JSON."""

    exit_code = 1

    def __init__(self, message: str, values: dict | None = None):
        super().__init__(message)
        self.values = dict(values or {})


def approx(q: Fraction) -> str:
    """A rational for a message: exact when short, else `≈` and ten significant digits (the
    exact value goes into the rejection's `values`)."""
    text = str(q)
    return text if len(text) <= 16 else f"≈ {decimal(q, 10)}"


class CheckUnfinished(WarrantError):
    """A time-limited check ran out of time before confirming a leaf: nothing was proved, and
    nothing refuted (exit code 3, like any unknown)."""

    exit_code = 3


class VacuousCertificate(CertificateRejected):
    """Every leaf of the validity proof is an infeasible box: the certificate proves only that
    no scenario is admissible. `verify` refuses such domains as an input error; the checker
    agrees and rejects the certificate (docs/certificates.md)."""


@dataclass(frozen=True)
class CheckReport:
    plan: tuple[str, ...]
    horizon: int
    bound: Fraction
    nodes: int
    leaves: dict                 # method → count

    @property
    def claim(self) -> str:
        return f"valid(π) and R(π) >= {self.bound} for π = {'; '.join(self.plan)} (horizon {self.horizon})"


def default_smt_check():
    """Z3's re-check of SMT leaves (the backend is a required dependency)."""
    from prover.backends.z3_backend import check_leaf
    return check_leaf


def timed_smt_check(deadline: float):
    """Z3's re-check of SMT leaves within the wall time left until `deadline` (time.monotonic):
    a leaf Z3 does not confirm in time raises CheckUnfinished, never passes."""
    from prover.backends.z3_backend import leaf_status

    def check(u, box, claim) -> bool:
        left = deadline - time.monotonic()
        status = leaf_status(u, box, claim, left) if left > 0 else Outcome.UNKNOWN
        if status == Outcome.UNKNOWN:
            raise CheckUnfinished("the certificate's SMT leaves could not be re-checked within the time limit")
        return status == Outcome.PROVED
    return check


def _header(cert, domain: Domain):
    """(plan steps, horizon, bound, proofs) of a well-formed certificate for `domain`'s source."""
    if not isinstance(cert, dict) or cert.get("format_version") != FORMAT_VERSION:
        raise CertificateRejected(f"not a warrant certificate of format version {FORMAT_VERSION}")
    try:
        meta, claim, proofs = _field(cert, "domain", dict), _field(cert, "claim", dict), _field(cert, "proofs", dict)
        steps = _field(cert, "plan", list)
        if not all(isinstance(a, str) for a in steps):
            raise ValueError("'plan' must be a list of action strings")
        if claim.get("valid") is not True:
            raise ValueError("'claim.valid' must be true (a warrant certificate always proves validity)")
        bound = rational(claim.get("reward_at_least"))
        horizon = _field(meta, "horizon", int)
    except ValueError as exc:
        raise CertificateRejected(f"malformed certificate: {exc}") from None
    if meta.get("sha256") != domain.sha256:
        raise CertificateRejected("the certificate is for a different domain source (sha256 mismatch)")
    if not 1 <= horizon <= 10_000:
        raise CertificateRejected(f"bad horizon {horizon}")
    return steps, horizon, bound, proofs


def check_certificate(domain: Domain, cert: dict, smt_check="z3", progress: Reporter = silent,
                      leaves=None) -> CheckReport:
    """Check `cert` against `domain`; raises CertificateRejected with the first failing node.
    `smt_check(u, box, claim) -> bool` re-checks SMT leaves ("z3": the Z3 backend; None: SMT
    leaves are rejected). `progress` hears of every `PROGRESS_EVERY` nodes checked.
    `leaves(domain, steps, items)`, when given, checks the exact leaves of the plan's own problem
    (not below a horizon cut; not SMT) after the walk, by `check_leaves` on each item, wherever it
    likes (`prover.check.parallel`: on an executor's workers) and returns their `LeafVerdict`s in
    item order; every branch is still re-derived here, so every leaf's goal is the checker's own."""
    if smt_check == "z3":
        smt_check = default_smt_check()
    steps, horizon, bound, proofs = _header(cert, domain)
    domain = domain.with_horizon(horizon)
    try:
        plan = parse_plan("; ".join(steps), domain)
    except WarrantError as exc:
        raise CertificateRejected(f"the certificate's plan does not fit the domain: {exc}") from None
    u = unroll(domain, plan)
    facts = ExactBoxFacts(u)
    counts: dict = {}
    nodes = 0
    for kind in ("valid", "reward"):
        if kind not in proofs:
            raise CertificateRejected(f"the certificate has no '{kind}' proof")
    total = sum(_count_nodes(proofs[kind]) for kind in ("valid", "reward"))
    deferred: list | None = None if leaves is None else []
    vacuous_valid = True
    for claim in (Validity(), AtLeast(bound)):
        kind = claim.kind
        tick = lambda n, before=nodes: progress(Progress("checking certificate", before + n, total))  # noqa: E731
        checked, vacuous = _check_tree(u, facts, claim, proofs[kind], kind, counts, smt_check, tick, deferred)
        nodes += checked
        if isinstance(claim, Validity):
            vacuous_valid = vacuous
            if vacuous and leaves is None:
                _vacuous(domain)
    if deferred:
        for verdict in leaves(domain, tuple(steps), deferred):
            if verdict.rejected is not None:
                raise CertificateRejected(*verdict.rejected)
            vacuous_valid &= verdict.vacuous
            for method, n in verdict.counts:
                counts[method] = counts.get(method, 0) + n
    if vacuous_valid:
        _vacuous(domain)
    progress(Progress("checking certificate", nodes, total))
    return CheckReport(tuple(steps), horizon, bound, nodes, counts)


def _vacuous(domain: Domain):
    raise VacuousCertificate(f"{domain.filename}: no admissible scenario: every leaf of the validity "
                             f"proof is a box the assumes exclude, so the claim holds only vacuously")


@dataclass(frozen=True)
class LeafVerdict:
    """What `check_leaves` found on some leaves: the leaves per method, whether every validity
    leaf among them holds only because its box is infeasible, and the first rejection's
    (message, values), if any (None: all hold)."""

    counts: tuple = ()
    vacuous: bool = True
    rejected: tuple | None = None


def check_leaves(u: Unrolled, facts, items) -> LeafVerdict:
    """Re-check leaves of `u`'s own problem, each item (goal, node JSON, path) by `LEAF_CHECKS`:
    the same checks as in the walk, in item order, stopping at the first rejection."""
    counts: dict = {}
    vacuous = True
    for goal, node, where in items:
        leaf = _LEAVES[node["leaf"]]
        try:
            held_vacuously = LEAF_CHECKS[leaf](u, facts, goal, node, where, None)
        except CertificateRejected as exc:
            return LeafVerdict(tuple(counts.items()), vacuous, (str(exc), exc.values))
        if isinstance(goal.claim, Validity):
            vacuous &= held_vacuously
        counts[leaf.value] = counts.get(leaf.value, 0) + 1
    return LeafVerdict(tuple(counts.items()), vacuous)


def _field(obj: dict, key: str, kind: type):
    """`obj[key]`, which must be a `kind` (bool is not an int here)."""
    if key not in obj:
        raise ValueError(f"missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"field {key!r} must be {'an integer' if kind is int else f'a JSON {_JSON[kind]}'}, "
                         f"got {json.dumps(value)[:40]}")
    return value


_JSON = {dict: "object", list: "array", str: "string"}


PROGRESS_EVERY = 64      # nodes checked between progress events


def _count_nodes(tree) -> int:
    """Proof nodes in a certificate's tree (objects under "children"), for a progress total."""
    count, stack = 0, [tree]
    while stack:
        node = stack.pop()
        count += 1
        if isinstance(node, dict) and isinstance(node.get("children"), list):
            stack.extend(node["children"])
    return count


def _narrows_by_the_claim(key: str, goal: Goal) -> bool:
    """Whether a branch's child keeps only the box's counterexamples of the claim: an `fbbt`
    step on a validity goal narrows to the points where some condition fails, so a leaf below it
    that nothing is left in has no counterexample — not no scenario: it says nothing of vacuity
    (a valid logistic plan was refused as vacuous when every leaf below its fbbt step was)."""
    return key == Fbbt.key and isinstance(goal.claim, Validity)


def _check_tree(u: Unrolled, facts, claim: Claim, tree, path: str, counts: dict, smt_check,
                tick=lambda nodes: None, deferred: list | None = None) -> tuple[int, bool]:
    """Check one proof tree: (its number of nodes, whether it is vacuous: no cut, and every leaf
    a box on which some assume is exactly false). Each stack entry carries its own problem:
    below a cut, the children prove claims about the cut's reach, head and tail problems.
    Branching nodes are re-derived through the tactic registry, leaves by `LEAF_CHECKS` — or,
    with `deferred`, exact leaves of the root problem are appended to it as (goal, node, path)
    for `check_leaves` (their counts and vacuity are then the caller's to add)."""
    root = u
    stack = [(u, facts, Goal(root_box(u.variables), claim), tree, path)]
    nodes, vacuous = 0, True
    while stack:
        u, facts, goal, node, where = stack.pop()
        nodes += 1
        if nodes % PROGRESS_EVERY == 0:
            tick(nodes)
        if not isinstance(node, dict):
            raise CertificateRejected(f"{where}: a proof node must be an object")
        key = branch_key(node)
        if key is not None:
            stack.extend(_children(BRANCHES[key], u, facts, goal, node, where))
            vacuous &= BRANCHES[key].sub_boxes and not _narrows_by_the_claim(key, goal)
            continue
        leaf = _LEAVES.get(node.get("leaf")) if isinstance(node.get("leaf"), str) else None
        if leaf is None:
            raise CertificateRejected(f"{where}: unknown proof node {sorted(node)}")
        if deferred is not None and u is root and leaf is not Leaf.SMT:
            deferred.append((goal, node, where))
            continue
        vacuous &= LEAF_CHECKS[leaf](u, facts, goal, node, where, smt_check)
        counts[leaf.value] = counts.get(leaf.value, 0) + 1
    return nodes, vacuous


_LEAVES = {leaf.value: leaf for leaf in Leaf}


def _children(tactic, u, facts, goal, node, where):
    """The re-derived children of a branching node, each with its problem's exact facts."""
    try:
        spec, kids = node[tactic.key], node["children"]
        children = tactic.from_json(spec, u).children(u, goal)
    except (KeyError, TypeError, ValueError, IndexError, InputError, TacticError) as exc:
        raise CertificateRejected(f"{where}: bad {tactic.key}: {exc}") from None
    names = [c.name for c in children]
    if not isinstance(kids, list) or len(kids) != len(names):
        raise CertificateRejected(f"{where}: {tactic.arity_error(names)}")
    return [(c.problem, facts if c.problem is u else ExactBoxFacts(c.problem), c.goal, k, f"{where}/{c.name}")
            for c, k in zip(children, kids)]


def _check_smt(u, facts, goal: Goal, node: dict, where: str, smt_check) -> bool:
    """An `smt` leaf: the solver re-checks `box ∧ assumes ∧ ¬claim` unsat."""
    if smt_check is None:
        raise CertificateRejected(f"{where}: SMT leaf, but no SMT solver is available to re-check it")
    if not smt_check(u, goal.box, goal.claim):
        claim = "valid(π)" if isinstance(goal.claim, Validity) else f"R(π) >= {approx(goal.claim.bound)}"
        raise CertificateRejected(f"{where}: the SMT solver does not confirm {claim} on this box",
                                  _bound_values(goal))
    return False


def _check_infeasible(u, facts, goal: Goal, node: dict, where: str, smt_check) -> bool:
    """An `infeasible` leaf: some assume is exactly false on the whole box."""
    if facts.facts(goal.box, goal.claim, goal.lifted).infeasible:
        return True
    raise CertificateRejected(f"{where}: 'infeasible' leaf, but the assumes are satisfiable on this box")


def _check_interval(u, facts, goal: Goal, node: dict, where: str, smt_check) -> bool:
    """An `interval` leaf: exact interval evaluation proves the claim on the box (True: it holds
    because the box is infeasible, some assume exactly false on it), with the goal's lifted
    bounds (prover.calculus.lifted) intersected in: other leaves ignore them, which is sound."""
    f = facts.facts(goal.box, goal.claim, goal.lifted)
    if f.infeasible:
        return True
    if isinstance(goal.claim, Validity) and f.undecided:
        c = u.conditions[f.undecided[0]]
        raise CertificateRejected(f"{where}: interval evaluation does not prove the {c.kind} condition "
                                  f"'{c.text}' at step {c.step}")
    if isinstance(goal.claim, AtLeast) and f.lo is None:
        raise CertificateRejected(f"{where}: R has no finite interval lower bound on this box "
                                  f"(a divisor's interval contains 0)")
    if isinstance(goal.claim, AtLeast) and not f.lo >= goal.claim.bound:
        raise CertificateRejected(f"{where}: interval lower bound of R is {approx(f.lo)}, below the claimed "
                                  f"{approx(goal.claim.bound)}", {**_bound_values(goal), "lower_bound": str(f.lo)})
    return False


def _check_mean_value_leaf(u, facts, goal: Goal, node: dict, where: str, smt_check) -> bool:
    return _check_mean_value(facts, goal, where)


def _check_mean_value(facts, goal: Goal, where: str) -> bool:
    """Reward: R(m) + Σ G_i · (X_i − m_i) ≥ b at the box's exact midpoint m, with exact
    enclosures G_i of R's partial derivatives over the box. Validity: every condition intervals
    leave undecided is decided true with its comparisons' margins enclosed the same way
    (intersected with intervals). See `prover.bounds.mean_value`."""
    if isinstance(goal.claim, Validity):
        f = facts.facts(goal.box, goal.claim)
        if f.infeasible:
            return True
        left = facts.mean_value_undecided(goal.box, f.undecided)
        if left:
            c = facts.u.conditions[left[0]]
            raise CertificateRejected(f"{where}: the mean-value form does not prove the {c.kind} condition "
                                      f"'{c.text}' at step {c.step}")
        return False
    lower = facts.mean_value_lower(goal.box)
    if lower is None:
        raise CertificateRejected(f"{where}: R has no mean-value bound on this box (an `if` on an "
                                  f"uncertain variable, or a divisor whose interval contains 0)")
    if not lower >= goal.claim.bound:
        raise CertificateRejected(f"{where}: mean-value lower bound of R is {approx(lower)}, below the claimed "
                                  f"{approx(goal.claim.bound)}", {**_bound_values(goal), "lower_bound": str(lower)})
    return False


def _bound_values(goal: Goal) -> dict:
    return {} if goal.claim.bound is None else {"claimed_bound": str(goal.claim.bound)}


def _check_lp(u, facts, goal: Goal, node: dict, where: str, smt_check=None) -> bool:
    """An `lp` leaf: rebuild the lifted relaxation over the box by the fixed rules of
    `prover.bounds.relaxation` and check that the certificate's dual multipliers give exact
    weak-duality bounds proving the claim (or that the assumes are false on the box). Reward:
    R ≥ the claimed bound. Validity: every comparison of every condition that exact intervals
    leave undecided has a margin bounded ≥ 0 (> 0 when strict). The goal's lifted bounds are
    intersected into every interval the rows are built from, as the search's bounder does."""
    facts = LiftedFacts(facts, goal.lifted) if goal.lifted else facts
    undecided, infeasible = condition_facts(u, lp_evaluator(facts, goal.box))
    if infeasible:
        return False
    found, of_condition = margins(u.conditions, frozenset(v.name for v in u.variables if v.vtype == "bool"))
    rounds = _rounds(node.get("tighten", []), where)
    below = cutoff(rounds)
    if below is not None and not (isinstance(goal.claim, AtLeast) and below >= goal.claim.bound):
        raise CertificateRejected(f"{where}: the lp leaf's tightening assumes R below {approx(below)}, which proves "
                                  f"nothing here: only a reward claim, at most that bound, may be cut off there",
                                  {**_bound_values(goal), "below": str(below)})
    rel = _tightened(u, facts, goal.box, lifted_roots(u, found), rounds, where)
    if rel is None:
        return False               # the proven bounds leave no admissible scenario (with R ≤ below)
    if isinstance(goal.claim, AtLeast):
        value = dual_bound(rel, rel.objectives[0], _duals(node.get("duals"), where))
        if value is None:
            raise CertificateRejected(f"{where}: the lp leaf's duals do not fit the relaxation of this box "
                                      f"(an unknown row, or a negative multiplier on an inequality)")
        if not value >= goal.claim.bound:
            exact = to_fraction(value)
            raise CertificateRejected(f"{where}: the lp dual bound of R is {approx(exact)}, below the claimed "
                                      f"{approx(goal.claim.bound)}", {**_bound_values(goal), "lower_bound": str(exact)})
        return False
    proofs = node.get("margins")
    if not isinstance(proofs, dict):
        raise CertificateRejected(f"{where}: bad lp leaf: 'margins' must be an object of margin → duals")
    for c in undecided:
        cond = u.conditions[c]
        for j in of_condition[c] or [None]:
            y = None if j is None else _duals(proofs.get(str(j), {}), where)
            value = None if y is None else dual_bound(rel, rel.objectives[1 + j], y)
            if value is None or not margin_holds(value, found[j]):
                raise CertificateRejected(f"{where}: the lp leaf does not prove the {cond.kind} condition "
                                          f"'{cond.text}' at step {cond.step}")
    return False


def _check_fbbt(u, facts, goal: Goal, node: dict, where: str, smt_check) -> bool:
    """An `fbbt` leaf: exact bound tightening with the assumes and the negated claim (R below the
    leaf's `below`, which must be at least the claimed bound) leaves nothing of the box."""
    try:
        left, vacuous = fbbt_outcome(u, goal, below_from_json(node))
    except (KeyError, ValueError, TacticError) as exc:
        raise CertificateRejected(f"{where}: bad fbbt leaf: {exc}") from None
    if left is not None:
        raise CertificateRejected(f"{where}: bound tightening leaves part of this box: the fbbt leaf does not close it")
    return vacuous


# One exact re-check per leaf method: (problem, facts, goal, node JSON, path, smt_check) →
# whether the leaf holds only because its box is infeasible.
LEAF_CHECKS = {Leaf.INTERVAL: _check_interval, Leaf.MEAN_VALUE: _check_mean_value_leaf, Leaf.SMT: _check_smt,
               Leaf.LP: _check_lp, Leaf.INFEASIBLE: _check_infeasible, Leaf.FBBT: _check_fbbt}


def _rounds(rounds, where: str) -> list[Round]:
    try:
        if not isinstance(rounds, list):
            raise ValueError("'tighten' must be a list of rounds")
        return [_round(r, where) for r in rounds]
    except ValueError as exc:
        raise CertificateRejected(f"{where}: bad lp leaf: {exc}") from None


def _tightened(u, facts, box, roots, rounds: list[Round], where: str):
    """The relaxation of `roots` over `box` after the leaf's tightening rounds, each re-derived
    from its duals (None: the proven bounds leave no admissible scenario)."""
    try:
        return replay(u, facts, box, roots, lifted_order(u, roots), rounds)
    except (ValueError, NotProved) as exc:
        raise CertificateRejected(f"{where}: bad lp leaf: {exc}") from None


def _round(r, where: str) -> Round:
    """A round: a list of steps (on the full relaxation), {'below': rational, 'steps': [...]}
    (on the full relaxation over the scenarios with R ≤ below) or {'reach': t, 'since': t0,
    'steps': [...]} (on the relaxation of the states at step t lifted down to those at step t0)."""
    reach, since, below = None, 0, None
    if isinstance(r, dict):
        if "below" in r:
            if "reach" in r or "since" in r:
                raise ValueError("only a round on the full relaxation may assume R below a bound")
            below, r = rational(r["below"]), r.get("steps")
        else:
            reach, since, r = r.get("reach"), r.get("since", 0), r.get("steps")
            if type(reach) is not int or type(since) is not int:
                raise ValueError("a round's 'reach' and 'since' must be step numbers")
    if not isinstance(r, list):
        raise ValueError("a round is a list of steps, {'below': rational, 'steps': [...]}, or "
                         "{'reach': step, 'since': step, 'steps': [...]}")
    return Round(tuple(_tightening(t, where) for t in r), reach, since, below)


def _tightening(t, where: str) -> Tightening:
    if not isinstance(t, dict) or t.get("side") not in ("lo", "hi") or type(t.get("q")) is not int:
        raise ValueError("a tightening step is {'q': number, 'side': 'lo' | 'hi', 'duals': {...}}")
    return Tightening(t["q"], t["side"] == "hi", _duals(t.get("duals"), where))


def _duals(duals, where: str) -> dict:
    try:
        if not isinstance(duals, dict):
            raise ValueError("'duals' must be an object of row → multiplier")
        return {_row_index(k): exact_rational(rational(v)) for k, v in duals.items()}
    except ValueError as exc:
        raise CertificateRejected(f"{where}: bad lp leaf: {exc}") from None


def _row_index(text) -> int:
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 9:
        raise ValueError(f"not a row number: {str(text)[:20]!r}")
    return int(text)
