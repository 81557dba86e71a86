"""`warrant compile --to lean`: a plan's claim as a Lean 4 theorem statement over the reals.

The theorem quantifies over every uncertain variable of the unrolled plan (params, uncertain
initial states, each disturbance at each step) with its declared range and the domain's
assumes as hypotheses, and states every validity condition (requires, state ranges, safe, in
the interpreter's order) and `R ≥ b`: exactly `valid(π) ∧ R(π) ≥ b` of DSL.md §5. Ints are
`ℤ` variables used through their cast to `ℝ`, bools are `Bool` variables used as `b = true`.
Shared sub-expressions (a state used by every later step) are `let`-bound once.

The proof is `sorry`: warrant's proof of the claim is its certificate (`verify --cert`,
`check-cert`); translating certificates into Lean tactics is not implemented. The file is the
statement a Lean user can prove, or check against their own model of the domain.
"""
from __future__ import annotations

from fractions import Fraction

from dsl import ast
from dsl.exact import int_text
from prover.backends.terms import Renderer, Syntax
from prover.calculus.unroll import Unrolled, UVar, num

_P = ast.Pos(0, 0, 0, 0)
_COMPARE = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def claim_roots(u: Unrolled, bound: Fraction) -> list[ast.Expr]:
    """The conjuncts of `valid(π) ∧ R(π) ≥ bound`: each condition, then the reward bound."""
    return [c.expr for c in u.conditions] + [ast.Compare(">=", u.reward, num(bound), _P)]


def hypothesis_roots(u: Unrolled) -> list[tuple[str, ast.Expr]]:
    """(label, expression) of each hypothesis: every numeric variable's range, then the assumes."""
    out = []
    for v in u.variables:
        if v.vtype != "bool":
            name = ast.Name(v.name, _P)
            out.append((f"h_{v.name}", ast.BoolOp("and", ast.Compare("<=", num(v.lo), name, _P),
                                                  ast.Compare("<=", name, num(v.hi), _P), _P)))
    out += [(f"assume_{i}", a) for i, a in enumerate(u.assumes, 1)]
    return out


def _num(q: Fraction) -> str:
    n, d = int_text(q.numerator), int_text(q.denominator)
    return f"({n} : ℝ)" if q.denominator == 1 else f"({n} / {d} : ℝ)"


def _var(v: UVar) -> str:
    name = ident(v.name)
    return {"bool": f"({name} = true)", "int": f"(({name} : ℤ) : ℝ)"}.get(v.vtype, name)


def _func(f: str, args: tuple[str, ...]) -> str:
    if f == "abs":
        return f"(|{args[0]}|)"
    out = args[-1]
    for a in reversed(args[:-1]):
        out = f"({f} {a} {out})"
    return out


def _compare(op: str, a: str, b: str, props: bool) -> str:
    if not props:
        return f"({a} {_COMPARE[op]} {b})"
    if op == "==":
        return f"({a} ↔ {b})"
    if op == "!=":
        return f"(¬({a} ↔ {b}))"
    raise ValueError(f"'{op}' does not compare booleans")


LEAN = Syntax(
    num=_num,
    boolean=lambda b: "True" if b else "False",
    var=_var,
    binop=lambda op, a, b: f"({a} {op} {b})",
    power=lambda a, n: f"({a} ^ ({n} : ℕ))",
    neg=lambda a: f"(-{a})",
    func=_func,
    compare=_compare,
    logic=lambda op, a, b: f"({a} {'∧' if op == 'and' else '∨'} {b})",
    negate=lambda a: f"(¬{a})",
    ite=lambda c, a, b: f"(if {c} then {a} else {b})",
    let=lambda name, prop, value, body: f"let {name} : {'Prop' if prop else 'ℝ'} := {value}\n    {body}",
    local=lambda k: f"«#{k}»",          # '#' starts a DSL comment: no domain name contains it
)


def _comment(text: str) -> str:
    """`text` safe inside a Lean block comment (which nests: `/-` would open another)."""
    return text.replace("-/", "- /").replace("/-", "/ -")


def ident(name: str) -> str:
    """A Lean identifier for an unrolled variable (`gust@3` → `«gust@3»`)."""
    return f"«{name}»"


def lean_theorem(u: Unrolled, bound: Fraction) -> str:
    """The Lean 4 file stating `valid(π) ∧ R(π) ≥ bound` for `u` (proof: `sorry`)."""
    r = Renderer(LEAN, u.variables)
    lean_type = {"real": "ℝ", "int": "ℤ", "bool": "Bool"}
    binders = [f"({ident(v.name)} : {lean_type[v.vtype]})" for v in u.variables]
    binders += [f"({ident(label)} : {r.render([e], lambda parts: parts[0])})" for label, e in hypothesis_roots(u)]
    labels = [f"{c.kind} '{c.text}' in s_{c.step}" for c in u.conditions] + [f"R ≥ {bound}"]
    claim = r.render(claim_roots(u, bound), lambda parts: " ∧\n    ".join(
        f"/- {_comment(label)} -/ {p}" for label, p in zip(labels, parts)))
    plan = "; ".join(map(str, u.plan))
    head = (f"/-\nwarrant: domain {u.domain.name} (sha256 {u.domain.sha256}), horizon {u.domain.horizon}\n"
            f"plan: {plan}\nclaim: valid(plan) and R(plan) >= {bound}, in every admissible scenario\n\n"
            "The statement only: the proof is `sorry`. warrant's proof of this claim is its certificate\n"
            "(`warrant verify --cert`, re-checked by `warrant check-cert`); certificates are not\n"
            "translated into Lean tactics.\n-/\n")
    params = "\n    ".join(binders)
    return (f"{head}import Mathlib\n\nopen Classical in\ntheorem warrant_claim\n    {params} :\n"
            f"    {claim} := by\n  sorry\n")
