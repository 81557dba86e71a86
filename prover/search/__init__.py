"""Proof search: the best-first loop, its tree, cut search, worst-case tracking, verify."""
