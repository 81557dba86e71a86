"""Families of procedurally generated domains: one function per family, a seeded `random.Random`
in, `.rwd` source text out (`corpus.generate` checks, probes and splits what they make).

Every family has the nonlinearity that makes branching matter — a product of uncertain
quantities, `v*abs(v)`, a cube, `min`/`max` kinks — and draws its coefficients, ranges,
horizon and action set at random. Coefficients are short decimals (exact rationals in the
DSL), ranges are generous so that most random plans stay valid nominally; the generator drops
any domain whose source does not parse and type-check, and any plan the interpreter rejects.
"""
from __future__ import annotations

import random


def _d(x: float, places: int = 2) -> str:
    """A short decimal literal (the DSL reads decimals as exact rationals)."""
    s = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _span(rng: random.Random, mid: float, rel: float, places: int = 2) -> tuple[str, str]:
    """An interval [mid·(1 − r), mid·(1 + r)] with r drawn up to `rel` (never empty)."""
    r = rng.uniform(0.3, 1.0) * rel
    lo, hi = round(mid * (1 - r), places), round(mid * (1 + r), places)
    return _d(lo, places), _d(hi if hi > lo else lo + 10 ** -places, places)


def logistic(rng: random.Random, name: str) -> str:
    """Logistic growth of a stock with harvest: x' = x + r·x·(1 − x/K) − h·q + noise."""
    k = rng.choice((50, 80, 100, 120))
    r_lo, r_hi = _span(rng, rng.uniform(0.2, 0.5), 0.4)
    h = _d(rng.uniform(0.04, 0.1) * k, 1)
    x0 = rng.uniform(0.35, 0.6) * k
    noise = _d(rng.uniform(0.005, 0.03) * k, 1)
    return f"""domain {name}
horizon {rng.randint(4, 7)}
param growth : real in [{r_lo}, {r_hi}]
disturbance shock : real in [-{noise}, {noise}]
state x : real in [0, {2 * k}] init in [{_d(x0 * 0.95, 1)}, {_d(x0 * 1.05, 1)}]
action harvest(q : int in 0..{rng.randint(2, 3)}) {{
  x' = x + growth * x * (1 - x / {k}) - {h} * q + shock
  reward {_d(rng.uniform(0.5, 2))} * q
}}
reward step = -{_d(rng.uniform(0.001, 0.01), 3)} * (x - {_d(0.5 * k, 1)})^2
safe x >= {_d(0.1 * k, 1)}
"""


def oscillator(rng: random.Random, name: str) -> str:
    """A damped nonlinear oscillator (Duffing): p' = p + dt·v, v' = v − dt·(k·p + c·p³ + b·v) + dt·u."""
    dt = rng.choice(("0.1", "0.2", "0.25"))
    k_lo, k_hi = _span(rng, rng.uniform(0.5, 2.0), 0.5)
    c_lo, c_hi = _span(rng, rng.uniform(0.05, 0.5), 0.5)
    b = _d(rng.uniform(0.05, 0.3))
    p0 = rng.uniform(0.5, 1.5)
    push = _d(rng.uniform(0.3, 1.0))
    return f"""domain {name}
horizon {rng.randint(4, 7)}
param stiff : real in [{k_lo}, {k_hi}]
param cubic : real in [{c_lo}, {c_hi}]
disturbance kick : real in [-{_d(rng.uniform(0.05, 0.2))}, {_d(rng.uniform(0.05, 0.2))}]
state p : real in [-10, 10] init in [{_d(p0 - 0.1)}, {_d(p0 + 0.1)}]
state v : real in [-20, 20] init 0
action push(u : int in 0..2) {{
  p' = p + {dt} * v
  v' = v - {dt} * (stiff * p + cubic * p^3 + {b} * v) + {dt} * {push} * (u - 1) + kick
  reward -{_d(rng.uniform(0.05, 0.2))} * (u - 1)^2
}}
reward step = -(p^2 + {_d(rng.uniform(0.05, 0.3))} * v^2)
safe p <= 8 and p >= -8
"""


def mixing(rng: random.Random, name: str) -> str:
    """Two tanks mixing an inflow of uncertain concentration: bilinear flow × concentration terms."""
    cin_lo, cin_hi = _span(rng, rng.uniform(0.5, 1.5), 0.6)
    leak_lo, leak_hi = _span(rng, rng.uniform(0.02, 0.1), 0.5, 3)
    rate = _d(rng.uniform(0.05, 0.2))
    ex_lo, ex_hi = _span(rng, rng.uniform(0.1, 0.3), 0.5)
    target = _d(rng.uniform(0.4, 1.0))
    return f"""domain {name}
horizon {rng.randint(4, 7)}
param cin : real in [{cin_lo}, {cin_hi}]
param leak : real in [{leak_lo}, {leak_hi}]
param exchange : real in [{ex_lo}, {ex_hi}]
state a : real in [0, 5] init in [{_d(rng.uniform(0.1, 0.3))}, {_d(rng.uniform(0.35, 0.5))}]
state b : real in [0, 5] init 0
action valve(q : int in 0..{rng.randint(2, 3)}) {{
  a' = a + {rate} * q * (cin - a) - exchange * a * (a - b) - leak * a
  b' = b + exchange * a * (a - b) - leak * b
  reward -{_d(rng.uniform(0.02, 0.1))} * q
}}
reward step = -(b - {target})^2 - {_d(rng.uniform(0.1, 0.5))} * (a - {target})^2
"""


def drag(rng: random.Random, name: str) -> str:
    """A vehicle with quadratic drag `drag·v·abs(v)` and gusts, tracking a height or a speed."""
    d_lo, d_hi = _span(rng, rng.uniform(0.05, 0.15), 0.5, 3)
    g = _d(rng.uniform(0.5, 1.2))
    target = rng.randint(6, 12)
    wind = _d(rng.uniform(0.2, 0.6))
    h0 = rng.uniform(3, 6)
    return f"""domain {name}
horizon {rng.randint(4, 7)}
param drag : real in [{d_lo}, {d_hi}]
disturbance wind : real in [-{wind}, {wind}]
state h : real in [0, 60] init in [{_d(h0 - 0.5)}, {_d(h0 + 0.5)}]
state v : real in [-15, 15] init 0
action thrust(p : int in 0..3) {{
  h' = h + v
  v' = v + {_d(rng.uniform(0.5, 1.0))} * p - {g} - drag * v * abs(v) + wind
  reward -{_d(rng.uniform(0.05, 0.2))} * p
}}
reward step = -(h - {target})^2 / {rng.choice((5, 10, 20))}
safe h >= 0.5
"""


def queue(rng: random.Random, name: str) -> str:
    """A service queue: backlog with `max`/`min` kinks, servers bought per step, uncertain rates."""
    s_lo, s_hi = _span(rng, rng.uniform(2, 4), 0.3)
    arr = rng.randint(3, 8)
    cost = _d(rng.uniform(0.5, 2.0))
    q0 = rng.randint(2, 8)
    cap = rng.randint(4, 9)
    return f"""domain {name}
horizon {rng.randint(4, 7)}
param service : real in [{s_lo}, {s_hi}]
disturbance arrivals : real in [0, {arr}]
state q : real in [0, 200] init in [{q0}, {q0 + 2}]
state served : real in [0, 1000] init 0
action staff(k : int in 1..3) {{
  q' = max(q - min(q, service * k), 0) + arrivals
  served' = served + min(q, service * k)
  reward -{cost} * k
}}
reward step = -{_d(rng.uniform(0.2, 1.0))} * q - {_d(rng.uniform(0.01, 0.05), 3)} * max(q - {cap}, 0)^2
"""


def inventory(rng: random.Random, name: str) -> str:
    """Stock with lost sales and spoilage: `max(s − demand, 0)` and the lost-sales penalty
    `max(demand − s, 0)` share their operands, so intervals lose the kink's correlation."""
    sp_lo, sp_hi = _span(rng, rng.uniform(0.05, 0.15), 0.5, 3)
    dem = rng.randint(3, 8)
    lot = _d(rng.uniform(1.5, 3.5), 1)
    s0 = rng.randint(3, 9)
    return f"""domain {name}
horizon {rng.randint(5, 9)}
param spoil : real in [{sp_lo}, {sp_hi}]
disturbance demand : real in [0, {dem}]
state s : real in [0, 200] init in [{s0}, {s0 + 2}]
action order(k : int in 0..3) {{
  s' = max(s - demand, 0) * (1 - spoil) + {lot} * k
  reward -{_d(rng.uniform(0.3, 1.0))} * k - {_d(rng.uniform(1.0, 3.0))} * max(demand - s, 0)
}}
reward step = -{_d(rng.uniform(0.05, 0.3))} * s
"""


def reservoir(rng: random.Random, name: str) -> str:
    """A reservoir that spills at its capacity: the release is limited by the water there is
    (`v − min(v, eff·u·r)`, uncertain turbine efficiency), evaporation, a capped level, energy
    from what is released and a quadratic shortfall penalty below a level."""
    ev_lo, ev_hi = _span(rng, rng.uniform(0.02, 0.08), 0.5, 3)
    eff_lo, eff_hi = _span(rng, rng.uniform(0.7, 0.9), 0.2)
    flow = rng.randint(4, 10)
    cap = rng.randint(30, 60)
    unit = _d(rng.uniform(3.0, 6.0), 1)
    v0 = rng.uniform(0.2, 0.4) * cap
    return f"""domain {name}
horizon {rng.randint(5, 8)}
param evap : real in [{ev_lo}, {ev_hi}]
param eff : real in [{eff_lo}, {eff_hi}]
disturbance inflow : real in [0, {flow}]
state v : real in [0, {cap}] init in [{_d(v0, 1)}, {_d(v0 + 2, 1)}]
action release(r : int in 0..3) {{
  v' = min((v - min(v, eff * {unit} * r)) * (1 - evap) + inflow, {cap})
  reward {_d(rng.uniform(0.2, 0.8))} * min(v, eff * {unit} * r)
}}
reward step = -{_d(rng.uniform(0.01, 0.05), 3)} * max({_d(0.5 * cap, 1)} - v, 0)^2
"""


def epidemic(rng: random.Random, name: str) -> str:
    """SIR with uncertain transmission, recovery and initial infections: the bilinear term beta·s·i."""
    b_lo, b_hi = _span(rng, rng.uniform(0.4, 0.7), 0.6)
    g_lo, g_hi = _span(rng, rng.uniform(0.1, 0.2), 0.5)
    i0 = rng.uniform(0.05, 0.12)
    s0 = 1 - i0 - 0.02
    return f"""domain {name}
horizon {rng.randint(7, 10)}
param beta : real in [{b_lo}, {b_hi}]
param gamma : real in [{g_lo}, {g_hi}]
state s : real in [0, 1] init in [{_d(s0 - 0.04)}, {_d(s0)}]
state i : real in [0, 1] init in [{_d(i0 * 0.8, 3)}, {_d(i0 * 1.2, 3)}]
state r : real in [0, 1] init 0
action distance(level : int in 0..2) {{
  s' = s - beta * s * i / (1 + level)
  i' = i + beta * s * i / (1 + level) - gamma * i
  r' = r + gamma * i
  reward -{_d(rng.uniform(0.05, 0.3))} * level
}}
reward step = -{rng.randint(5, 20)} * i - {rng.randint(5, 30)} * i^2
safe i <= {_d(rng.uniform(0.35, 0.5))}
"""


FAMILIES = {"logistic": logistic, "oscillator": oscillator, "mixing": mixing, "drag": drag,
            "queue": queue, "inventory": inventory, "reservoir": reservoir, "epidemic": epidemic}
