"""Exact arithmetic: rationals and enclosures, exact dynamics, weighted automata."""
