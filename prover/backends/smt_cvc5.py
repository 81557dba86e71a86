"""cvc5 as a second, independent SMT solver, reading warrant's SMT-LIB2 exports.

Optional: `available()` says whether the `cvc5` package is installed. Every call has a time
limit (cvc5 can run forever on nonlinear real arithmetic).
"""
from __future__ import annotations


def available() -> bool:
    try:
        import cvc5  # noqa: F401
    except ImportError:
        return False
    return True


def check_smt2(text: str, seconds: float) -> str:
    """cvc5's answer to the script's last `(check-sat)`: "sat", "unsat" or "unknown"."""
    import cvc5
    solver = cvc5.Solver(cvc5.TermManager())
    solver.setOption("tlimit-per", str(max(1, int(min(seconds, 4e6) * 1000))))
    parser = cvc5.InputParser(solver)
    parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "warrant")
    symbols = parser.getSymbolManager()
    answer = "unknown"
    while True:
        command = parser.nextCommand()
        if command.isNull():
            return answer
        out = command.invoke(solver, symbols).strip()
        if out in ("sat", "unsat", "unknown"):
            answer = out
