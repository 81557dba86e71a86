"""Plan strings (`heat(2); wait; heat(1)`) → checked `Plan`s for a domain."""
from __future__ import annotations

import difflib

from lark import Lark, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken

from dsl.errors import PlanError, diagnostic
from dsl.model import ActionInstance, Domain, Plan

_PARSER = Lark.open("plan.lark", rel_to=__file__, parser="lalr", maybe_placeholders=True)
PLAN_FILE = "<plan>"
MAX_PLAN_CHARS = 100_000


def parse_plan(text: str, domain: Domain) -> Plan:
    """Parse and check a plan against `domain` (actions, arities, argument ranges, length)."""
    if len(text) > MAX_PLAN_CHARS:
        raise PlanError([diagnostic(PLAN_FILE, "", 1, 1, f"plan is too long ({len(text)} characters)")])
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise PlanError([_syntax_diagnostic(exc, text)]) from None
    errors, plan = [], []
    for inst in (c for c in tree.children if c is not None):
        name_tok, arg_toks = inst.children[0], [a for a in inst.children[1:] if a is not None]
        problem = _check_instance(domain, name_tok, arg_toks)
        if problem:
            tok, msg = problem
            errors.append(diagnostic(PLAN_FILE, text, tok.line, tok.column, msg))
        else:
            plan.append(ActionInstance(str(name_tok), tuple(int(a) for a in arg_toks)))
    if errors:
        raise PlanError(errors)
    if len(plan) != domain.horizon:
        raise PlanError([diagnostic(PLAN_FILE, text, 1, 1,
                                    f"plan has {len(plan)} step{'s' * (len(plan) != 1)} but the horizon is "
                                    f"{domain.horizon} (a plan needs exactly one action per step; "
                                    f"--horizon N changes the horizon)")])
    return tuple(plan)


_TOKEN_WORDS = {"NAME": "an action name", "INTEGER": "an integer", "LPAR": "'('", "RPAR": "')'",
                "COMMA": "','", "SEMICOLON": "';'"}


def _syntax_diagnostic(exc: UnexpectedInput, text: str):
    """Where and why a plan string does not parse, with what could have come instead."""
    expected = sorted(_TOKEN_WORDS.get(t, t) for t in getattr(exc, "expected", None) or ())
    hint = f"; expected {' or '.join(expected)}" if expected else ""
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = text.split("\n")
        line, col, what = len(lines), len(lines[-1]) + 1, "unexpected end of plan"
    else:
        line, col = exc.line, exc.column
        near = str(exc.token) if isinstance(exc, UnexpectedToken) else text[exc.pos_in_stream]
        what = f"unexpected {near[:30]!r}"
    return diagnostic(PLAN_FILE, text, line, col, f"{what}{hint} (a plan looks like 'heat(2); wait; heat(1)')")


def _check_instance(domain: Domain, name: Token, args: list[Token]) -> tuple[Token, str] | None:
    action = domain.action(str(name))
    if action is None:
        names = [a.name for a in domain.actions]
        close = difflib.get_close_matches(str(name), names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (actions: {', '.join(names)})"
        return name, f"unknown action '{name}'{hint}"
    if len(args) != len(action.args):
        want = ", ".join(f"{a.name} in {a.lo}..{a.hi}" for a in action.args) or "no arguments"
        return name, f"action '{name}' takes {len(action.args)} argument{'s' * (len(action.args) != 1)} " \
                     f"({want}), got {len(args)}"
    for tok, a in zip(args, action.args):
        if len(tok) > 30 or not a.lo <= int(tok) <= a.hi:
            return tok, f"argument '{a.name}' of '{name}' must be in {a.lo}..{a.hi}, got {tok}"
    return None
