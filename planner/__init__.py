"""Planner: nominal graph search, candidate plans, selection by proven bound, and the CLI."""
