"""Semantic equivalence of Moore machines, with a shortest counterexample.

Two machines over the same alphabet are equivalent when they give the same output on every
word (the empty word included). The search is a breadth-first walk over reachable pairs of
states, vectorised level by level, so the first pair with different outputs yields a
shortest (and, among those, shortlex-least) distinguishing word.
"""

from __future__ import annotations

import numpy as np

from ..errors import AutomatonError
from .machine import MooreMachine, check_machine, label_key

__all__ = ["are_equivalent", "find_counterexample"]


def _aligned_tables(m1: MooreMachine, m2: MooreMachine) -> tuple[np.ndarray, np.ndarray]:
    """Transition tables with the columns of ``m2`` reordered to ``m1``'s alphabet."""
    if set(m1.alphabet) != set(m2.alphabet):
        only1 = sorted(set(m1.alphabet) - set(m2.alphabet))
        only2 = sorted(set(m2.alphabet) - set(m1.alphabet))
        raise AutomatonError(
            "cannot compare machines over different alphabets: "
            f"only in the first: {only1 or 'none'}; only in the second: {only2 or 'none'}"
        )
    columns = [m2.symbol_index[s] for s in m1.alphabet]
    return m1.transitions, m2.transitions[:, columns]


def find_counterexample(m1: MooreMachine, m2: MooreMachine) -> tuple[str, ...] | None:
    """Shortest word on which the two machines' outputs differ, or None if equivalent.

    The alphabets must contain the same symbols (their order may differ). Outputs are
    compared by label equality.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import counter_mod, parity
    >>> find_counterexample(parity(), counter_mod(2)) is None
    True
    >>> find_counterexample(counter_mod(2), counter_mod(4))
    ('1', '1')
    """
    m1 = check_machine(m1, "m1")
    m2 = check_machine(m2, "m2")
    t1, t2 = _aligned_tables(m1, m2)
    labels = {label_key(lab): i for i, lab in enumerate(m1.output_labels)}
    for lab in m2.output_labels:
        labels.setdefault(label_key(lab), len(labels))
    out1 = np.array([labels[label_key(lab)] for lab in m1.output_labels],
                    dtype=np.int64)[m1.output_codes]
    out2 = np.array([labels[label_key(lab)] for lab in m2.output_labels],
                    dtype=np.int64)[m2.output_codes]

    n2 = m2.n_states
    k = m1.n_symbols
    frontier_p = np.array([m1.start], dtype=np.int64)
    frontier_q = np.array([m2.start], dtype=np.int64)
    visited = np.array([m1.start * n2 + m2.start], dtype=np.int64)  # sorted pair codes
    # Per level: index of each pair's parent in the previous level, and the symbol taken.
    parents: list[np.ndarray] = []
    symbols: list[np.ndarray] = []
    while frontier_p.size:
        bad = np.flatnonzero(out1[frontier_p] != out2[frontier_q])
        if bad.size:
            return _backtrack(m1, parents, symbols, int(bad[0]))
        cand_p = t1[frontier_p].ravel()
        cand_q = t2[frontier_q].ravel()
        codes = cand_p * n2 + cand_q
        uniq, first = np.unique(codes, return_index=True)
        fresh = ~np.isin(uniq, visited, assume_unique=True)
        positions = np.sort(first[fresh])  # keep queue (shortlex) order
        if positions.size == 0:
            break
        visited = np.union1d(visited, uniq[fresh])
        parents.append(positions // k)
        symbols.append(positions % k)
        frontier_p, frontier_q = cand_p[positions], cand_q[positions]
    return None


def _backtrack(
    machine: MooreMachine, parents: list[np.ndarray], symbols: list[np.ndarray], index: int
) -> tuple[str, ...]:
    word: list[int] = []
    for level in range(len(parents) - 1, -1, -1):
        word.append(int(symbols[level][index]))
        index = int(parents[level][index])
    return tuple(machine.alphabet[a] for a in reversed(word))


def are_equivalent(m1: MooreMachine, m2: MooreMachine) -> bool:
    """True when the machines give the same output on every word.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import counter_mod, parity
    >>> are_equivalent(parity(), counter_mod(2)), are_equivalent(parity(), counter_mod(3))
    (True, False)
    """
    m1 = check_machine(m1, "m1")
    m2 = check_machine(m2, "m2")
    return find_counterexample(m1, m2) is None
