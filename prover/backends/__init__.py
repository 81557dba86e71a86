"""Solver backends and exports: z3, cvc5, HiGHS, SMT-LIB2, Lean, SCIP/Gurobi peers."""
