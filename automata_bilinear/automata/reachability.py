"""Reachable states, shortest access words, trimming and the canonical numbering.

The breadth-first search is vectorised level by level and visits states in *shortlex* order
of their access words (shorter first, then lexicographic by symbol index), so the access word
it records for each state is the shortlex-least word reaching it. Every certificate the
toolkit builds later starts from these words (docs/theory.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidArgumentError
from .machine import MooreMachine, check_machine

__all__ = [
    "ShortlexSearch",
    "access_words",
    "canonical_form",
    "reachable_states",
    "shortlex_search",
    "trim",
]

_SMALL_LEVEL = 256  # candidates per BFS level below which a plain loop beats numpy


@dataclass(frozen=True, eq=False)
class ShortlexSearch:
    """Result of a shortlex breadth-first search from the start state.

    Attributes
    ----------
    order
        Reachable states in shortlex order of their access words (``order[0]`` is the start).
    parent, parent_symbol
        For every state of the machine: the state and symbol index through which it was first
        reached (``-1`` for the start state and for unreachable states).
    depth
        Length of the shortest access word per state (``-1`` when unreachable).
    """

    order: np.ndarray
    parent: np.ndarray
    parent_symbol: np.ndarray
    depth: np.ndarray

    def __post_init__(self) -> None:  # shared through cached profiles: read-only
        for arr in (self.order, self.parent, self.parent_symbol, self.depth):
            arr.flags.writeable = False

    def access_word(self, state: int) -> tuple[int, ...]:
        """Shortlex-least word (as symbol indices) leading from the start state to ``state``."""
        if self.depth[state] < 0:
            raise InvalidArgumentError(f"state {state} is not reachable")
        word: list[int] = []
        q = int(state)
        while self.parent[q] >= 0:
            word.append(int(self.parent_symbol[q]))
            q = int(self.parent[q])
        return tuple(reversed(word))


def shortlex_search(machine: MooreMachine) -> ShortlexSearch:
    """Breadth-first search from the start state in shortlex order (vectorised per level).

    Examples
    --------
    >>> from automata_bilinear.catalog.families import cyclic
    >>> search = shortlex_search(cyclic(4))
    >>> search.order.tolist(), search.access_word(3)
    ([0, 1, 2, 3], (3,))
    """
    table = machine.transitions
    n, k = table.shape
    seen = np.zeros(n, dtype=bool)
    parent = np.full(n, -1, dtype=np.int64)
    parent_symbol = np.full(n, -1, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)
    seen[machine.start] = True
    depth[machine.start] = 0
    order: list[int] = [machine.start]
    # Levels with few candidates (a chain has n levels of one state) run as plain Python
    # loops, whose cost per level is a few hundred ns instead of a dozen numpy calls; their
    # discoveries are written to the arrays once, at the end.
    rows: list[list[int]] | None = None
    small_states: list[int] = []
    small_parents: list[int] = []
    small_symbols: list[int] = []
    small_depths: list[int] = []
    frontier: list[int] | np.ndarray = [machine.start]
    level = 0
    while len(frontier):
        level += 1
        if len(frontier) * k <= _SMALL_LEVEL:
            if rows is None:
                rows = table.tolist()
            fresh_states: list[int] = []
            for q in (frontier.tolist() if isinstance(frontier, np.ndarray) else frontier):
                for a, r in enumerate(rows[q]):
                    if not seen[r]:
                        seen[r] = True
                        fresh_states.append(r)
                        small_parents.append(q)
                        small_symbols.append(a)
            small_states.extend(fresh_states)
            small_depths.extend([level] * len(fresh_states))
            order.extend(fresh_states)
            frontier = fresh_states
            continue
        frontier = np.asarray(frontier, dtype=np.int64)
        # Row-major ravel enumerates (state, symbol) in lexicographic order of the extended
        # access words, because the frontier itself is in shortlex order.
        candidates = table[frontier].ravel()
        fresh = np.flatnonzero(~seen[candidates])
        if fresh.size == 0:
            break
        _, first = np.unique(candidates[fresh], return_index=True)
        positions = fresh[np.sort(first)]
        new = candidates[positions]
        parent[new] = frontier[positions // k]
        parent_symbol[new] = positions % k
        depth[new] = level
        seen[new] = True
        order.extend(new.tolist())
        frontier = new
    if small_states:
        index = np.asarray(small_states, dtype=np.int64)
        parent[index] = small_parents
        parent_symbol[index] = small_symbols
        depth[index] = small_depths
    return ShortlexSearch(
        order=np.asarray(order, dtype=np.int64), parent=parent, parent_symbol=parent_symbol,
        depth=depth,
    )


def reachable_states(machine: MooreMachine) -> np.ndarray:
    """Sorted indices of the states reachable from the start state."""
    machine = check_machine(machine, "machine")
    return np.sort(shortlex_search(machine).order)


def access_words(machine: MooreMachine) -> dict[int, tuple[str, ...]]:
    """Shortlex-least access word (as symbol labels) for every reachable state.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import threshold
    >>> access_words(threshold(2))
    {0: (), 1: ('a',), 2: ('a', 'a')}
    """
    machine = check_machine(machine, "machine")
    search = shortlex_search(machine)
    return {
        int(q): tuple(machine.alphabet[a] for a in search.access_word(int(q)))
        for q in search.order
    }


def _renumbered(machine: MooreMachine, keep: np.ndarray, *, keep_labels: bool) -> MooreMachine:
    """The sub-machine on the states ``keep`` (closed under transitions), in that order."""
    new_index = np.full(machine.n_states, -1, dtype=np.int64)
    new_index[keep] = np.arange(keep.size)
    labels = None
    if keep_labels and machine.state_labels is not None:
        labels = tuple(machine.state_labels[q] for q in keep.tolist())
    return MooreMachine(
        transitions=new_index[machine.transitions[keep]],
        start=int(new_index[machine.start]),
        outputs=tuple(machine.outputs[q] for q in keep.tolist()),
        alphabet=machine.alphabet,
        state_labels=labels,
        name=machine.name,
    )


def trim(machine: MooreMachine) -> MooreMachine:
    """Drop unreachable states, keeping the relative order and labels of the others.

    Examples
    --------
    >>> m = MooreMachine([[0], [0]], start=0, outputs=[0, 1], alphabet=["a"])
    >>> trim(m).n_states
    1
    """
    machine = check_machine(machine, "machine")
    return _renumbered(machine, reachable_states(machine), keep_labels=True)


def canonical_form(machine: MooreMachine) -> MooreMachine:
    """The reachable part, renumbered in shortlex order of access words, state labels dropped.

    Two machines whose reachable parts are isomorphic (same alphabet order) have equal
    canonical forms, so ``canonical_form(minimize(a).machine) == canonical_form(minimize(b)
    .machine)`` decides equivalence.
    """
    machine = check_machine(machine, "machine")
    return _renumbered(machine, shortlex_search(machine).order, keep_labels=False)
