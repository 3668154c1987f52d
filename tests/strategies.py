"""Hypothesis strategies for random small machines."""

from __future__ import annotations

from hypothesis import strategies as st

from automata_bilinear import MooreMachine


@st.composite
def machines(draw, max_states: int = 6, max_symbols: int = 3, max_outputs: int = 3,
             min_states: int = 1):
    n = draw(st.integers(min_states, max_states))
    k = draw(st.integers(1, max_symbols))
    table = draw(st.lists(st.lists(st.integers(0, n - 1), min_size=k, max_size=k),
                          min_size=n, max_size=n))
    outputs = draw(st.lists(st.integers(0, max_outputs - 1), min_size=n, max_size=n))
    start = draw(st.integers(0, n - 1))
    alphabet = [chr(ord("a") + i) for i in range(k)]
    return MooreMachine(table, start, outputs, alphabet, name="hypothesis")


@st.composite
def machine_pairs(draw, max_states: int = 4, max_symbols: int = 2):
    """Two machines over the same alphabet, often related (one a mutation of the other)."""
    a = draw(machines(max_states=max_states, max_symbols=max_symbols, max_outputs=2))
    if draw(st.booleans()):
        b = draw(machines(max_states=max_states, max_symbols=a.n_symbols, max_outputs=2)
                 .filter(lambda m: m.n_symbols == a.n_symbols))
        return a, b
    table = a.transitions.copy()
    outputs = list(a.outputs)
    q = draw(st.integers(0, a.n_states - 1))
    if draw(st.booleans()):
        table[q, draw(st.integers(0, a.n_symbols - 1))] = draw(st.integers(0, a.n_states - 1))
    else:
        outputs[q] = 1 - outputs[q]
    return a, MooreMachine(table, a.start, outputs, a.alphabet)
