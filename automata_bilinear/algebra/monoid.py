"""The transition monoid of an automaton: its elements as maps on states with shortest words,
the right-multiplication table, idempotents, element index and period, and Green's R and L
classes (for small machines and for cross-checking the profile's facts)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..errors import ResourceLimitError
from .closure import closure

__all__ = ["TransitionMonoid", "transition_monoid"]


@dataclass(frozen=True, eq=False)
class TransitionMonoid:
    """The transition monoid of a machine: every map ``δ(·, w)`` on states, with a word.

    Attributes
    ----------
    elements
        ``(size, n_states)`` array; row ``i`` is the map of element ``i`` (row 0: identity).
    words
        A shortest word (symbol indices) for every element.
    table
        ``(size, n_symbols)`` right action of the letters: ``table[i, a]`` is element
        ``i`` followed by letter ``a``.
    """

    elements: np.ndarray
    words: tuple[tuple[int, ...], ...]
    table: np.ndarray

    @property
    def size(self) -> int:
        return int(self.elements.shape[0])

    def multiply(self, i: int, j: int) -> int:
        """Index of element ``i`` followed by element ``j``."""
        k = i
        for a in self.words[j]:
            k = int(self.table[k, a])
        return k

    @cached_property
    def idempotents(self) -> tuple[int, ...]:
        """Elements ``e`` with ``e·e = e``."""
        e = self.elements
        return tuple(i for i in range(self.size) if np.array_equal(e[i][e[i]], e[i]))

    @cached_property
    def is_commutative(self) -> bool:
        return all(
            self.multiply(i, j) == self.multiply(j, i)
            for i in range(self.size)
            for j in range(i + 1, self.size)
        )

    @cached_property
    def left_table(self) -> np.ndarray:
        """``left_table[i, a]`` is letter ``a`` followed by element ``i`` (left action)."""
        index = {e.tobytes(): k for k, e in enumerate(self.elements)}
        letters = self.elements[[self.table[0, a] for a in range(self.table.shape[1])]]
        return np.array([[index[self.elements[i][letters[a]].tobytes()]
                          for a in range(self.table.shape[1])] for i in range(self.size)],
                        dtype=np.int64).reshape(self.size, self.table.shape[1])

    def green_classes(self) -> dict[str, list[list[int]]]:
        """Green's R-, L- and H-classes, as sorted lists of element indices.

        x R y iff xM = yM (mutually reachable by right multiplication), x L y iff Mx = My (by
        left multiplication), H = R ∩ L; computed as strongly connected components of the
        right and left Cayley graphs (networkx).

        Examples
        --------
        >>> from automata_bilinear.catalog.families import flipflop
        >>> classes = transition_monoid(flipflop()).green_classes()
        >>> len(classes["R"]), len(classes["L"]), len(classes["H"])
        (2, 3, 3)
        """
        import networkx as nx

        def components(table: np.ndarray) -> list[list[int]]:
            graph = nx.DiGraph()
            graph.add_nodes_from(range(self.size))
            graph.add_edges_from((i, int(j)) for i in range(self.size) for j in table[i])
            return sorted(sorted(c) for c in nx.strongly_connected_components(graph))

        R, L = components(self.table), components(self.left_table)
        r_of = {x: k for k, c in enumerate(R) for x in c}
        l_of = {x: k for k, c in enumerate(L) for x in c}
        H: dict[tuple[int, int], list[int]] = {}
        for x in range(self.size):
            H.setdefault((r_of[x], l_of[x]), []).append(x)
        return {"R": R, "L": L, "H": sorted(H.values())}

    def index_period(self, i: int) -> tuple[int, int]:
        """Least ``(index, period)`` with ``x^(index+period) = x^index`` for element ``i``."""
        seen: dict[int, int] = {0: 0}
        k, power = 0, 0
        while True:
            k = self.multiply(k, i)
            power += 1
            if k in seen:
                return seen[k], power - seen[k]
            seen[k] = power


def transition_monoid(machine: MooreMachine, *, max_elements: int = 100_000) -> TransitionMonoid:
    """Enumerate the transition monoid (breadth-first, shortest words), refusing to grow
    beyond ``max_elements`` elements.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import flipflop, dihedral
    >>> transition_monoid(flipflop()).size  # identity, read, w0, w1 -> {id, w0, w1}
    3
    >>> transition_monoid(dihedral(5, "generators")).size
    10
    """
    machine = check_machine(machine, "machine")
    n, t = machine.n_states, machine.transitions

    def too_many(limit: int) -> Exception:
        return ResourceLimitError(f"the transition monoid has more than {limit} elements "
                                  f"(machine with {n} states); raise max_elements to "
                                  "enumerate it")

    found = closure([t[:, a] for a in range(machine.n_symbols)], lambda x, g: g[x],
                    np.arange(n, dtype=np.int64), lambda x: x.tobytes(), limit=max_elements,
                    too_many=too_many)
    return TransitionMonoid(
        elements=np.array(found.elements, dtype=np.int64).reshape(-1, n),
        words=tuple(found.word(i) for i in range(len(found.elements))),
        table=found.right,
    )
