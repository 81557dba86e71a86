"""A peer model checked against the reference interpreter, exactly, at concrete scenarios.

`evaluate` computes every model variable from the inputs by the definitions (exact rationals);
`validate` runs the interpreter on the same scenarios: a valid run must satisfy every model
constraint with the same states and the same R, an invalid run must break one.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl.interp import run
from prover.backends.peer_model import Def, PeerModel, PeerUnsupported, holds
from prover.calculus.unroll import scenario_env, unroll


def evaluate(m: PeerModel, inputs: dict) -> dict:
    """Every model variable's exact value when the inputs (param / `x@0` / `d@t` → value) are given."""
    env = {k: (Fraction(int(v)) if isinstance(v, bool) else Fraction(v)) for k, v in inputs.items()}
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


def satisfied(m: PeerModel, values: dict) -> list[str]:
    """The constraints (bounds and requires) the values break: empty when the point is feasible."""
    broken = [f"{v.name} outside [{v.lo}, {v.hi}]" for v in m.variables
              if v.lo is not None and not v.lo <= values[v.name] <= v.hi]
    broken += [r.text for r in m.requires if not holds(r.sense, r.lin.value(values))]
    return broken


@dataclass(frozen=True)
class Mismatch:
    scenario: object
    what: str


def validate(m: PeerModel, scenarios) -> list[Mismatch]:
    """Compare the model with the interpreter at each scenario: a valid run must be feasible in the
    model with the same states and R exactly; an invalid run must break some model constraint
    (up to the relaxed boundaries, which random scenarios do not hit)."""
    u = unroll(m.domain, m.plan)
    out = []
    for s in scenarios:
        o = run(m.domain, m.plan, s)
        try:
            values = evaluate(m, scenario_env(u, s))
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


