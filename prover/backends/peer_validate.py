"""A peer model checked against the reference interpreter, exactly, at concrete scenarios.

`evaluate` computes every model variable from the inputs by the definitions (exact rationals);
`validate` runs the interpreter on the same scenarios: a valid run must satisfy every model
constraint with the same states and the same R, an invalid run must break one. Where exact
numbers would explode (a long nonlinear unrolling: SIR at H = 32), the interpreter's side is the
rigorous replay at the scenario's point (`prover.bounds.point.replay_at`, the interpreter's
semantics in outward-rounded exact intervals) and the model is evaluated in floats: R must lie
in the enclosure (within a relative FLOAT_TOL), validity must agree; a scenario the enclosures
leave undecided tells nothing and is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl.interp import run
from prover.backends.peer_model import Def, PeerModel, PeerUnsupported, holds
from prover.calculus.unroll import scenario_env, unroll


FLOAT_TOL = 1e-9          # relative: the float model against a rigorous enclosure


def evaluate(m: PeerModel, inputs: dict, number=Fraction) -> dict:
    """Every model variable's value when the inputs (param / `x@0` / `d@t` → value) are given:
    exact (`number` Fraction), or in floats (`number` float)."""
    env = {k: (number(int(v)) if isinstance(v, bool) else number(v)) for k, v in inputs.items()}
    for d in m.defs:
        env[d.var] = _eval_def(d, env)
    return env


def _eval_def(d: Def, env: dict) -> Fraction:
    a = d.args
    if d.op == "lin":
        return a[0].value(env)
    if d.op == "mul":
        return env[a[0]] * env[a[1]]
    if d.op == "div":
        return env[a[0]] / env[a[1]]
    if d.op == "abs":
        return abs(env[a[0]])
    if d.op in ("min", "max"):
        return (min if d.op == "min" else max)(env[n] for n in a)
    if d.op == "ite":
        return (a[1] if env[a[0]] else a[2]).value(env)
    if d.op == "cmp":
        return Fraction(int(holds(a[0], a[1].value(env))))
    if d.op in ("and", "or"):
        x, y = env[a[0]], env[a[1]]
        return Fraction(int(bool(x and y) if d.op == "and" else bool(x or y)))
    if d.op == "not":
        return 1 - env[a[0]]
    raise PeerUnsupported(f"unknown definition {d.op}")


def satisfied(m: PeerModel, values: dict, tol: float = 0.0) -> list[str]:
    """The constraints (bounds and requires) the values break: empty when the point is feasible
    (`tol`: each side widened by that much relative, for float values)."""
    slack = lambda x: tol * (1 + abs(x))      # noqa: E731
    broken = [f"{v.name} outside [{v.lo}, {v.hi}]" for v in m.variables
              if v.lo is not None and not v.lo - slack(v.lo) <= values[v.name] <= v.hi + slack(v.hi)]
    broken += [r.text for r in m.requires if not _holds_within(r.sense, r.lin.value(values), tol)]
    return broken


def _holds_within(sense: str, d, tol: float) -> bool:
    if not tol:
        return holds(sense, d)
    if sense in ("<=", "<"):
        return d <= tol
    if sense in (">=", ">"):
        return d >= -tol
    return abs(d) <= tol if sense == "==" else True


@dataclass(frozen=True)
class Mismatch:
    scenario: object
    what: str


def validate(m: PeerModel, scenarios, replay=None) -> list[Mismatch]:
    """Compare the model with the interpreter at each scenario: a valid run must be feasible in the
    model with the same states and R exactly; an invalid run must break some model constraint
    (up to the relaxed boundaries, which random scenarios do not hit). `replay(u, point)`, when
    given, is the rigorous replay (`prover.bounds.point.replay_at`, passed in: backends sit below
    bounds): a scenario it had to round is compared by `_rounded_mismatch` instead."""
    u = unroll(m.domain, m.plan)
    out = []
    for s in scenarios:
        env = scenario_env(u, s)
        fast = None if replay is None else replay(u, [env[v.name] for v in u.variables])
        if fast is not None and fast.rounded:     # exact numbers would explode
            out += _rounded_mismatch(m, s, fast, env)
            continue
        o = run(m.domain, m.plan, s)
        try:
            values = evaluate(m, env)
        except ZeroDivisionError:       # only where a state left its range (its divisor's range excludes 0)
            if o.valid:
                out.append(Mismatch(s, "the model divides by zero in a scenario where the plan is valid"))
            continue
        broken = satisfied(m, values)
        if o.valid and (broken or values[m.objective] != o.reward):
            out.append(Mismatch(s, f"interpreter R = {o.reward}, model R = {values[m.objective]}, broken {broken}"))
        elif o.valid and any(values[f"{name}@{t + 1}"] != v for t, st in enumerate(o.trace)
                             for name, v in st.state.items() if f"{name}@{t + 1}" in values):
            out.append(Mismatch(s, "a state variable differs from the interpreter's trace"))
        elif not o.valid and not broken:
            out.append(Mismatch(s, f"the interpreter finds the plan invalid ({o.violation.condition}), the model does not"))
    return out




def _rounded_mismatch(m: PeerModel, s, fast, env: dict) -> list[Mismatch]:
    """The float model against the rigorous replay `fast` at one scenario (empty: they agree,
    or the enclosures cannot tell)."""
    if fast.valid is None or (fast.valid and fast.reward is None):
        return []
    try:
        values = evaluate(m, env, float)
    except (ZeroDivisionError, OverflowError):
        return [Mismatch(s, "the float model fails where the plan is valid")] if fast.valid else []
    broken = satisfied(m, values, FLOAT_TOL)
    if not fast.valid:
        return [] if broken else [Mismatch(s, "the enclosures find the plan invalid, the model does not")]
    lo, hi = (float(x) for x in fast.reward)
    r = values[m.objective]
    if broken or not lo - FLOAT_TOL * (1 + abs(lo)) <= r <= hi + FLOAT_TOL * (1 + abs(hi)):
        return [Mismatch(s, f"interpreter R in [{lo}, {hi}] (rigorous), model R = {r}, broken {broken}")]
    return []
