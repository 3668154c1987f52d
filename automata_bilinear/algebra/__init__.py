"""Algebra of automata: letter profiles and the transition monoid, finite groups and their
representations."""
