"""Scenarios: one value for every param, uncertain initial state and disturbance at every step.

Three sources: the nominal scenario, random scenarios (uniform within ranges, respecting every
`assume`, seeded) and JSON files in the format of DESIGN.md. Every scenario given to the rest
of warrant has passed `validate`.
"""
from __future__ import annotations

import json
import math
import random as _random
from fractions import Fraction
from pathlib import Path

from dsl.errors import InputError
from dsl.exact import rational_text
from dsl.interp import Evaluator
from dsl.model import Domain, Scenario, Value, Var
from dsl.numbers import parse_rational
from dsl.parser import existing_file, read_bounded

RANDOM_GRID = 1000          # real values are drawn on a grid of 1/1000 of their range
RANDOM_TRIES = 200
MAX_SCENARIO_BYTES = 64 << 20   # 10,000 steps of several disturbances fit many times over


def nominal(domain: Domain) -> Scenario:
    """Every uncertain quantity at its nominal value."""
    return Scenario({p.name: p.nominal for p in domain.params},
                    {s.name: s.nominal for s in domain.uncertain_states},
                    {d.name: (d.nominal,) * domain.horizon for d in domain.disturbances})


def _draw(v: Var, rng: _random.Random) -> Value:
    if v.vtype == "bool":
        return rng.random() < 0.5
    lo, hi = v.init_range if v.kind == "state" else (v.lo, v.hi)
    if v.vtype == "int":
        return Fraction(rng.randint(int(lo), int(hi)))
    return lo + (hi - lo) * Fraction(rng.randint(0, RANDOM_GRID), RANDOM_GRID)


def _draw_all(domain: Domain, rng: _random.Random) -> Scenario:
    return Scenario({p.name: _draw(p, rng) for p in domain.params},
                    {s.name: _draw(s, rng) for s in domain.uncertain_states},
                    {d.name: tuple(_draw(d, rng) for _ in range(domain.horizon)) for d in domain.disturbances})


def random_scenario(domain: Domain, rng: _random.Random) -> Scenario:
    """A uniform draw conditioned on the assumes (by rejection). When rejection keeps failing,
    draws are pulled toward the nominal scenario, if that one is admissible."""
    for _ in range(RANDOM_TRIES):
        s = _draw_all(domain, rng)
        if not failed_assumes(domain, s):
            return s
    base = nominal(domain)
    if failed_assumes(domain, base):
        raise InputError(f"{domain.filename}: could not draw a random scenario that satisfies every "
                         f"assume ({RANDOM_TRIES} tries), and the nominal scenario does not satisfy them either")
    s = _draw_all(domain, rng)
    for k in range(1, 31):
        blended = _blend(domain, base, s, Fraction(1, 2 ** k))
        if not failed_assumes(domain, blended):
            return blended
    return base


def _blend(domain: Domain, base: Scenario, s: Scenario, w: Fraction) -> Scenario:
    """base + w·(s − base), rounding ints toward base (so ranges and int-ness are kept)."""
    def mix(v: Var, a: Value, b: Value) -> Value:
        if v.vtype == "bool":
            return a
        x = a + w * (b - a)
        return Fraction(math.floor(x) if x >= a else math.ceil(x)) if v.vtype == "int" else x
    return Scenario({p.name: mix(p, base.params[p.name], s.params[p.name]) for p in domain.params},
                    {v.name: mix(v, base.init[v.name], s.init[v.name]) for v in domain.uncertain_states},
                    {d.name: tuple(mix(d, a, b) for a, b in zip(base.disturbances[d.name], s.disturbances[d.name]))
                     for d in domain.disturbances})


def failed_assumes(domain: Domain, s: Scenario) -> list[str]:
    """Source texts of the assumes that `s` violates."""
    env = {**s.params, **s.init}
    ev = Evaluator(env, s.disturbances)
    return [domain.text(a) for a in domain.assumes if not ev.eval(a)]


def validate(domain: Domain, s: Scenario, origin: str) -> Scenario:
    """Check completeness, ranges, int-ness and assumes; raise an InputError naming `origin` on
    the first problem."""
    _complete(domain, s, origin)
    for v in domain.params + domain.uncertain_states:
        _check_value(v, (s.params if v.kind == "param" else s.init)[v.name], origin, v.name)
    for d in domain.disturbances:
        for t, value in enumerate(s.disturbances[d.name]):
            _check_value(d, value, origin, f"{d.name}@{t}")
    bad = failed_assumes(domain, s)
    if bad:
        raise InputError(f"{origin}: scenario is not admissible: it violates 'assume {bad[0]}'")
    return s


def _complete(domain: Domain, s: Scenario, origin: str) -> None:
    """Exactly the domain's names, and one value per step for each disturbance."""
    for where, values, variables in (("params", s.params, domain.params),
                                     ("init", s.init, domain.uncertain_states),
                                     ("disturbances", s.disturbances, domain.disturbances)):
        _keys(values, set(), {v.name for v in variables}, origin, where)
    for d in domain.disturbances:
        if len(s.disturbances[d.name]) != domain.horizon:
            raise InputError(f"{origin}: disturbances.{d.name} has {len(s.disturbances[d.name])} values, "
                             f"but the horizon is {domain.horizon}")


def _check_value(v: Var, value, origin: str, label: str) -> None:
    if v.vtype == "bool":
        if not isinstance(value, bool):
            raise InputError(f"{origin}: {label} must be true or false, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, Fraction):
        raise InputError(f"{origin}: {label} must be a number, got {value!r}")
    lo, hi = v.init_range if v.kind == "state" else (v.lo, v.hi)
    if v.vtype == "int" and value.denominator != 1:
        raise InputError(f"{origin}: {label} must be an integer, got {rational_text(value)}")
    if not lo <= value <= hi:
        where = "initial range" if v.kind == "state" else "range"
        raise InputError(f"{origin}: {label} = {rational_text(value)} is outside its {where} "
                         f"[{rational_text(lo)}, {rational_text(hi)}]")


# ---- JSON --------------------------------------------------------------------------------

def to_json(s: Scenario) -> dict:
    def enc(v: Value):
        return v if isinstance(v, bool) else rational_text(v)
    return {"params": {k: enc(v) for k, v in s.params.items()},
            "init": {k: enc(v) for k, v in s.init.items()},
            "disturbances": {k: [enc(v) for v in vs] for k, vs in s.disturbances.items()}}


class _JsonNumber(str):
    """A number of a JSON file, kept as its text so that it is read exactly (0.1 is 1/10)."""


def load_json(domain: Domain, path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file."""
    p = existing_file(path, "scenario file", "scenario file")
    data = read_bounded(p, MAX_SCENARIO_BYTES, "a scenario file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: scenario file is not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                         f"at offset {exc.start})") from None
    try:
        obj = json.loads(text, parse_float=_JsonNumber, parse_int=_JsonNumber, parse_constant=_JsonNumber)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{p}: not valid JSON: {str(exc)[:200]}") from None
    return from_json(domain, obj, str(p))


def from_json(domain: Domain, data, origin: str) -> Scenario:
    """A validated scenario from decoded JSON (DESIGN.md: numbers as strings like "-7/2", or JSON
    numbers read from their decimal text; bools as true/false). A section may be left out when
    the domain has nothing of its kind."""
    if not isinstance(data, dict):
        raise InputError(f"{origin}: a scenario must be a JSON object with keys params, init, disturbances")
    _keys(data, {"params", "init", "disturbances"}, set(), origin, "scenario")
    params = _section(data.get("params", {}), domain.params, origin, "params")
    init = _section(data.get("init", {}), domain.uncertain_states, origin, "init")
    dists = data.get("disturbances", {})
    if not isinstance(dists, dict):
        raise InputError(f"{origin}: 'disturbances' must be an object")
    _keys(dists, set(), {d.name for d in domain.disturbances}, origin, "disturbances")
    seqs = {}
    for d in domain.disturbances:
        seq = dists[d.name]
        if not isinstance(seq, list) or len(seq) != domain.horizon:
            got = f"{len(seq)} values" if isinstance(seq, list) else _json_kind(seq)
            raise InputError(f"{origin}: disturbances.{d.name} must be a list of {domain.horizon} values "
                             f"(one per step), got {got}")
        seqs[d.name] = tuple(_value(d, x, origin, f"{d.name}@{t}") for t, x in enumerate(seq))
    return validate(domain, Scenario(params, init, seqs), origin)


def _keys(obj: dict, allowed: set, required: set, origin: str, where: str) -> None:
    extra = set(obj) - allowed - required
    if extra:
        raise InputError(f"{origin}: unknown key {sorted(extra)[0]!r} in {where}")
    missing = required - set(obj)
    if missing:
        raise InputError(f"{origin}: {where} is missing {sorted(missing)[0]!r}")


def _section(obj, variables, origin: str, where: str) -> dict:
    if not isinstance(obj, dict):
        raise InputError(f"{origin}: '{where}' must be an object")
    _keys(obj, set(), {v.name for v in variables}, origin, where)
    return {v.name: _value(v, obj[v.name], origin, v.name) for v in variables}


def _value(v: Var, x, origin: str, label: str) -> Value:
    if v.vtype == "bool":
        if not isinstance(x, bool):
            raise InputError(f"{origin}: {label} must be true or false, got {_shown(x)}")
        return x
    if isinstance(x, float) and math.isfinite(x):
        x = repr(x)              # a float from a caller's json.loads: its shortest decimal text
    if isinstance(x, bool) or not isinstance(x, (str, int)):
        raise InputError(f"{origin}: {label} must be a number or a string like \"-7/2\", got {_shown(x)}")
    return parse_rational(str(x), f"{origin}: {label}")


def _json_kind(x) -> str:
    if isinstance(x, bool):
        return "a boolean"
    if isinstance(x, (_JsonNumber, int, float)):
        return "a number"
    return {str: "a string", list: "a list", dict: "an object"}.get(type(x), "null")


def _shown(x) -> str:
    """A JSON value for a message, cut short."""
    text = str(x) if isinstance(x, _JsonNumber) else json.dumps(x)
    return text if len(text) <= 40 else text[:37] + "..."
