"""SCIP (pyscipopt) as a peer: a `PeerModel` as a SCIP model, solved or written to a file.

Encoding (exact, no big-M constants): products and quotients are quadratic equalities
(`w·y = x`), `abs` is `max(x, −x)`, `min`/`max` are `w ≤ x_i` plus one binary per
argument whose indicator constraint makes `w ≥ x_i`, and `if`/conditions are indicator
constraints on 0/1 variables (a condition's false side is the closure of its negation).
Only this module imports pyscipopt, and only when called.
"""
from __future__ import annotations

import time

from prover.backends.peer_model import PeerModel
from prover.backends.peer_result import GapClock, PeerRun

INSTALL = "pip install 'warrant[peers]'   (pyscipopt==6.3.0)"


def available() -> bool:
    from importlib.util import find_spec
    return find_spec("pyscipopt") is not None


def to_scip(m: PeerModel):
    """The SCIP model of `m`, its variables by name, and each min/max's choice binaries (minimise R)."""
    import pyscipopt as scip
    model = scip.Model(f"{m.domain.name}_plan")
    model.hideOutput()
    x = {}
    for v in m.variables:
        vtype = "B" if v.vtype == "bool" else "I" if v.vtype == "int" and v.kind == "input" else "C"
        lo = None if v.lo is None else float(v.lo)
        hi = None if v.hi is None else float(v.hi)
        x[v.name] = model.addVar(v.name.replace("@", "_"), vtype=vtype, lb=lo if vtype != "B" else 0,
                                 ub=hi if vtype != "B" else 1)
    lin = lambda f: scip.quicksum(float(k) * x[n] for n, k in f.terms) + float(f.const)    # noqa: E731
    picks = {}
    for d in m.defs:
        picks[d.var] = _encode(model, d, x, lin)
    for i, r in enumerate(m.requires):
        e = lin(r.lin)
        model.addCons(e <= 0 if r.sense == "<=" else e >= 0 if r.sense == ">=" else e == 0, name=f"req{i}")
    model.setObjective(x[m.objective], "minimize")
    return model, x, picks


def _encode(model, d, x, lin):
    """Add the constraints of one definition; returns the binaries it introduced (or None)."""
    encode = _ENCODERS.get(d.op)
    if encode is None:
        raise ValueError(f"no SCIP encoding for {d.op}")
    return encode(model, x[d.var], d.args, x, lin)


def _lin(model, w, a, x, lin):
    model.addCons(w == lin(a[0]))


def _mul(model, w, a, x, lin):
    model.addCons(w == x[a[0]] * x[a[1]])


def _div(model, w, a, x, lin):
    model.addCons(w * x[a[1]] == x[a[0]])


def _abs(model, w, a, x, lin):
    """w = max(x, −x) by indicators: SCIP's nonlinear abs lost fixed feasible points."""
    z, v = model.addVar(vtype="B"), x[a[0]]
    model.addCons(w >= v)
    model.addCons(w >= -v)
    model.addConsIndicator(w - v <= 0, z)
    model.addConsIndicator(w + v <= 0, z, activeone=False)
    return [z]


def _extremum(sign: int):
    def encode(model, w, a, x, lin):
        picks = [model.addVar(vtype="B") for _ in a]
        for z, n in zip(picks, a):
            model.addCons(sign * (w - x[n]) <= 0)
            model.addConsIndicator(sign * (w - x[n]) >= 0, z)
        model.addCons(sum(picks) >= 1)
        return picks
    return encode


def _ite(model, w, a, x, lin):
    b = x[a[0]]
    for branch, one in ((a[1], True), (a[2], False)):
        model.addConsIndicator(w - lin(branch) <= 0, b, activeone=one)
        model.addConsIndicator(w - lin(branch) >= 0, b, activeone=one)


def _cmp(model, w, a, x, lin):
    for cons, one in _sides(a[0], lin(a[1]), a[2]):
        model.addConsIndicator(cons, w, activeone=one)


def _and(model, w, a, x, lin):
    model.addCons(w <= x[a[0]])
    model.addCons(w <= x[a[1]])
    model.addCons(w >= x[a[0]] + x[a[1]] - 1)


def _or(model, w, a, x, lin):
    model.addCons(w >= x[a[0]])
    model.addCons(w >= x[a[1]])
    model.addCons(w <= x[a[0]] + x[a[1]])


def _not(model, w, a, x, lin):
    model.addCons(w == 1 - x[a[0]])


_ENCODERS = {"lin": _lin, "mul": _mul, "div": _div, "abs": _abs, "min": _extremum(1), "max": _extremum(-1),
             "ite": _ite, "cmp": _cmp, "and": _and, "or": _or, "not": _not}


def _sides(op: str, e, integral: bool):
    """(linear inequality, binary value that activates it) pairs of `b ⟺ e op 0`: exact on an
    integer-valued `e` (the negation of `e <= 0` is `e >= 1`), closures on a real one."""
    step = 1 if integral else 0
    return {"<=": [(e <= 0, True), (e >= step, False)], "<": [(e <= 0, True), (e >= 0, False)],
            ">=": [(e >= 0, True), (e <= -step, False)], ">": [(e >= 0, True), (e <= 0, False)],
            "==": [(e <= 0, True), (e >= 0, True)], "!=": [(e <= 0, False), (e >= 0, False)]}[op]


def write(m: PeerModel, path: str) -> None:
    """Write the model through SCIP's writers (the format follows the extension: .cip, .gms, .osil...)."""
    model = to_scip(m)[0]
    model.writeProblem(path, verbose=False)


def solve(m: PeerModel, seconds: float) -> PeerRun:
    """Minimise R under a wall-clock limit, recording when the gap first reached 10% and 1%."""
    import pyscipopt as scip
    start = time.monotonic()
    model = to_scip(m)[0]
    clock = GapClock()

    class Watch(scip.Eventhdlr):
        def eventinit(self):
            self.model.catchEvent(scip.SCIP_EVENTTYPE.BESTSOLFOUND | scip.SCIP_EVENTTYPE.NODESOLVED, self)

        def eventexit(self):
            self.model.dropEvent(scip.SCIP_EVENTTYPE.BESTSOLFOUND | scip.SCIP_EVENTTYPE.NODESOLVED, self)

        def eventexec(self, event):
            clock.seen(self.model.getPrimalbound(), self.model.getDualbound(), self.model.getSolvingTime())

    model.includeEventhdlr(Watch(), "warrant_gap", "records when the gap first reached 10% and 1%")
    built = time.monotonic() - start
    model.setParam("limits/time", max(0.1, seconds - built))
    model.optimize()
    status = model.getStatus()
    primal, dual = model.getPrimalbound(), model.getDualbound()
    solve_s = model.getSolvingTime()
    clock.seen(primal, dual, solve_s)
    return PeerRun("scip", status, _finite(primal), _finite(dual), solve_s, built, clock.at_10, clock.at_1,
                   int(model.getNNodes()))


def _finite(v: float) -> float | None:
    return None if abs(v) >= 1e19 else v


def at_scenario(m: PeerModel, inputs: dict) -> tuple[str, float | None, dict]:
    """SCIP's own answer with every input variable fixed to a scenario's value: its status, R and
    the state variables. The translation is right when these are the interpreter's (the
    equalities leave nothing free) and `infeasible` exactly where the plan is invalid there."""
    model, x, _ = to_scip(m)
    for name, value in inputs.items():
        model.fixVar(x[name], float(value))
    model.setParam("limits/time", 30)
    model.optimize()
    if model.getNSols() == 0:
        return model.getStatus(), None, {}
    sol = model.getBestSol()
    states = {v.name: model.getSolVal(sol, x[v.name]) for v in m.variables if v.kind == "state"}
    return model.getStatus(), model.getSolVal(sol, x[m.objective]), states
