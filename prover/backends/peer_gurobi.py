"""Gurobi (gurobipy) as a peer: a `PeerModel` as a Gurobi model (nonconvex MIQCP), solved.

Encoding: products and quotients are bilinear equalities, `abs`/`min`/`max` Gurobi's general
constraints, `if` and conditions indicator constraints on binaries (closures on real forms, exact
on integer ones, as in `peer_scip`). The pip package's license refuses models over its size
limit (about 2000 variables or constraints): that run reports "refused (license size limit)".
Only this module imports gurobipy, and only when called.
"""
from __future__ import annotations

import time

from prover.backends.peer_model import PeerModel
from prover.backends.peer_result import GapClock, PeerRun

INSTALL = "pip install 'warrant[peers]'   (gurobipy==13.0.3)"
SIZE_LIMIT_ERRNO = 10010          # "Model too large for size-limited license"


def available() -> bool:
    from importlib.util import find_spec
    return find_spec("gurobipy") is not None


def to_gurobi(m: PeerModel, env):
    import gurobipy as gp
    from gurobipy import GRB
    model = gp.Model(f"{m.domain.name}_plan", env=env)
    x = {}
    for v in m.variables:
        vtype = GRB.BINARY if v.vtype == "bool" else GRB.INTEGER if v.vtype == "int" and v.kind == "input" \
            else GRB.CONTINUOUS
        lo = 0.0 if v.vtype == "bool" else float(v.lo)
        hi = 1.0 if v.vtype == "bool" else float(v.hi)
        x[v.name] = model.addVar(lb=lo, ub=hi, vtype=vtype, name=v.name.replace("@", "_"))
    lin = lambda f: gp.quicksum(float(k) * x[n] for n, k in f.terms) + float(f.const)    # noqa: E731
    for d in m.defs:
        _encode(model, d, x, lin)
    for r in m.requires:
        e = lin(r.lin)
        model.addConstr(e <= 0 if r.sense == "<=" else e >= 0 if r.sense == ">=" else e == 0)
    model.setObjective(x[m.objective], GRB.MINIMIZE)
    return model, x


def _encode(model, d, x, lin) -> None:
    w, a = x[d.var], d.args
    if d.op == "lin":
        model.addConstr(w == lin(a[0]))
    elif d.op == "mul":
        model.addConstr(w == x[a[0]] * x[a[1]])
    elif d.op == "div":
        model.addConstr(w * x[a[1]] == x[a[0]])
    elif d.op == "abs":
        model.addGenConstrAbs(w, x[a[0]])
    elif d.op == "min":
        model.addGenConstrMin(w, [x[n] for n in a])
    elif d.op == "max":
        model.addGenConstrMax(w, [x[n] for n in a])
    elif d.op == "ite":
        model.addGenConstrIndicator(x[a[0]], True, w - lin(a[1]) == 0)
        model.addGenConstrIndicator(x[a[0]], False, w - lin(a[2]) == 0)
    elif d.op == "cmp":
        for sense, rhs, value in _sides(a[0], a[2]):
            model.addGenConstrIndicator(w, value, lin(a[1]), sense, rhs)
    elif d.op == "and":
        model.addGenConstrAnd(w, [x[a[0]], x[a[1]]])
    elif d.op == "or":
        model.addGenConstrOr(w, [x[a[0]], x[a[1]]])
    elif d.op == "not":
        model.addConstr(w == 1 - x[a[0]])
    else:
        raise ValueError(f"no Gurobi encoding for {d.op}")


def _sides(op: str, integral: bool):
    """(sense, rhs, binary value) of the indicator rows of `b ⟺ e op 0` (see peer_scip._sides)."""
    step = 1.0 if integral else 0.0
    return {"<=": [("<", 0.0, True), (">", step, False)], "<": [("<", 0.0, True), (">", 0.0, False)],
            ">=": [(">", 0.0, True), ("<", -step, False)], ">": [(">", 0.0, True), ("<", 0.0, False)],
            "==": [("=", 0.0, True)], "!=": [("=", 0.0, False)]}[op]


def solve(m: PeerModel, seconds: float) -> PeerRun:
    """Minimise R under a wall-clock limit, recording when the gap first reached 10% and 1%."""
    import gurobipy as gp
    from gurobipy import GRB
    start = time.monotonic()
    with gp.Env(params={"OutputFlag": 0}) as env:
        model, _ = to_gurobi(m, env)
        built = time.monotonic() - start
        model.Params.TimeLimit = max(0.1, seconds - built)
        clock = GapClock()

        def watch(model, where):
            if where == GRB.Callback.MIP:
                clock.seen(model.cbGet(GRB.Callback.MIP_OBJBST), model.cbGet(GRB.Callback.MIP_OBJBND),
                           model.cbGet(GRB.Callback.RUNTIME))
        try:
            model.optimize(watch)
        except gp.GurobiError as e:
            if e.errno != SIZE_LIMIT_ERRNO:
                raise
            return PeerRun("gurobi", "refused (license size limit)", None, None, 0.0, built, None, None, 0)
        status = {GRB.OPTIMAL: "optimal", GRB.TIME_LIMIT: "timelimit", GRB.INFEASIBLE: "infeasible"}.get(
            model.Status, f"status {model.Status}")
        primal = model.ObjVal if model.SolCount else None
        dual = model.ObjBound if model.Status in (GRB.OPTIMAL, GRB.TIME_LIMIT) else None
        clock.seen(primal, dual, model.Runtime)
        return PeerRun("gurobi", status, primal, dual, model.Runtime, built, clock.at_10, clock.at_1,
                       int(model.NodeCount))
