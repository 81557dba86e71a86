"""Bound engines: interval, mean-value and LP enclosures (float and exact twins)."""
