"""Prover: goals, tactics, proof search, interval evaluation, the Z3 backend, certificates."""
