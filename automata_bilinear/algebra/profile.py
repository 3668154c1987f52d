"""Algebraic facts about a task, computed on its minimal automaton without the monoid.

Every representability question depends only on the task ``f``, so everything here is
computed on the minimal machine ``A_f`` (docs/theory.md §2). The rung decisions use only the
polynomial tests of docs/theory.md §5: letters commuting on every state, the cycle structure of
each letter's map, and whether letters permute the states. The transition monoid itself
(which can have up to ``n^n`` elements) is available separately, with a size cap, for
small machines and for cross-checking.

Facts used (for the minimal machine, whose transition monoid acts faithfully on states):

- the monoid is commutative iff every two letters commute on every state;
- it is a group iff every letter is a permutation of the states;
- a letter's index is the longest tail of its functional graph and its period is the lcm
  of its cycle lengths; a commutative monoid is aperiodic iff every letter has period 1,
  and all its subgroups have exponent ≤ 2 iff every letter's cycles have length 1 or 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import Minimization, minimize
from ..errors import ResourceLimitError

__all__ = [
    "AlgebraicProfile",
    "LetterDynamics",
    "TransitionMonoid",
    "algebraic_profile",
    "functional_graph",
    "letter_dynamics",
    "non_commuting_pair",
    "transition_monoid",
]


@dataclass(frozen=True)
class LetterDynamics:
    """Index, period and cycle lengths of one letter's map on the states.

    ``index`` and ``period`` are the least numbers with ``σ^(index + period) = σ^index``.
    """

    symbol: str
    index: int
    period: int
    cycle_lengths: tuple[int, ...]

    @property
    def is_permutation(self) -> bool:
        return self.index == 0


def functional_graph(f: object) -> tuple[list[int], list[int]]:
    """For a map f on 0..n-1 (a sequence): the number of steps from each state to the cycle
    it falls into (0 on a cycle), and the length of that cycle. O(n).

    Examples
    --------
    >>> functional_graph([1, 2, 2, 0])
    ([2, 1, 0, 3], [1, 1, 1, 1])
    """
    g = [int(x) for x in f]  # type: ignore[attr-defined]
    n = len(g)
    depth, length = [-1] * n, [0] * n
    state = [0] * n  # 0 new, 1 on the current path, 2 done
    for s0 in range(n):
        path, x = [], s0
        while state[x] == 0:
            state[x] = 1
            path.append(x)
            x = g[x]
        if state[x] == 1:  # a new cycle through x
            i = path.index(x)
            for c in path[i:]:
                depth[c], length[c], state[c] = 0, len(path) - i, 2
            path = path[:i]
        for p in reversed(path):
            depth[p], length[p], state[p] = depth[g[p]] + 1, length[g[p]], 2
    return depth, length


def letter_dynamics(machine: MooreMachine, symbol: int) -> LetterDynamics:
    """Index, period and cycle lengths of letter ``symbol`` (an index) on ``machine``.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import threshold
    >>> letter_dynamics(threshold(3), 0)
    LetterDynamics(symbol='a', index=3, period=1, cycle_lengths=(1,))
    """
    depth, length = functional_graph(machine.transitions[:, symbol])
    cycles = sorted({c for d, c in zip(depth, length) if d == 0})
    return LetterDynamics(
        symbol=machine.alphabet[symbol],
        index=max(depth, default=0),
        period=math.lcm(*cycles) if cycles else 1,
        cycle_lengths=tuple(cycles),
    )


def non_commuting_pair(machine: MooreMachine) -> tuple[int, int, int] | None:
    """A state ``q`` and letters ``a < b`` with ``δ(q, ab) != δ(q, ba)``, or None.

    Returns the first such triple in (a, b, q) order; vectorised over states.
    """
    t = machine.transitions
    for a in range(machine.n_symbols):
        for b in range(a + 1, machine.n_symbols):
            diff = np.flatnonzero(t[t[:, a], b] != t[t[:, b], a])
            if diff.size:
                return int(diff[0]), a, b
    return None


@dataclass(frozen=True, eq=False)
class AlgebraicProfile:
    """Algebraic profile of a task (computed on its minimal automaton).

    Attributes
    ----------
    minimization
        The minimisation result (minimal machine, access words, separating suffixes).
    letters
        :class:`LetterDynamics` per letter of the minimal machine.
    non_commuting
        ``(q, a, b)`` witnessing non-commutativity, or None when the monoid is commutative.
    """

    minimization: Minimization
    letters: tuple[LetterDynamics, ...]
    non_commuting: tuple[int, int, int] | None

    @property
    def machine(self) -> MooreMachine:
        """The minimal machine ``A_f``."""
        return self.minimization.machine

    @property
    def n_states(self) -> int:
        return self.machine.n_states

    @property
    def is_group(self) -> bool:
        """Every letter permutes the states: the transition monoid is a group."""
        return all(d.is_permutation for d in self.letters)

    @property
    def is_commutative(self) -> bool:
        return self.non_commuting is None

    @property
    def is_aperiodic_commutative(self) -> bool:
        """Commutative and every letter has period 1 (so the monoid is aperiodic)."""
        return self.is_commutative and all(d.period == 1 for d in self.letters)

    @property
    def letter_cycles_at_most_two(self) -> bool:
        """Every letter's cycles have length 1 or 2.

        For a *commutative* monoid this is equivalent to every subgroup having exponent ≤ 2
        (``x^(ω+2) = x^ω``); in general it is weaker (a word may have a long cycle although
        no letter does), so rung decisions always combine it with commutativity.
        """
        return all(set(d.cycle_lengths) <= {1, 2} for d in self.letters)

    @property
    def is_abelian_group(self) -> bool:
        return self.is_group and self.is_commutative

    @property
    def is_elementary_abelian_2_group(self) -> bool:
        return self.is_abelian_group and self.letter_cycles_at_most_two

    @cached_property
    def transition_group_order(self) -> int | None:
        """Order of the transition group when the monoid is a group (else None).

        For a group acting transitively on the minimal machine's states, the order is
        ``|Q_f| · |stabiliser|``; computed by closing the letters' permutations (capped).
        """
        if not self.is_group:
            return None
        return transition_monoid(self.machine, max_elements=1_000_000).size


def algebraic_profile(machine: MooreMachine) -> AlgebraicProfile:
    """Minimise ``machine`` and compute the per-letter dynamics and commutativity.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> p = algebraic_profile(build("cyclic:3*cyclic:3"))
    >>> p.is_abelian_group, [d.period for d in p.letters][:4]
    (True, [1, 3, 3, 3])
    >>> algebraic_profile(build("flipflop")).is_commutative
    False
    """
    machine = check_machine(machine, "machine")
    result = minimize(machine)
    minimal = result.machine
    letters = tuple(letter_dynamics(minimal, a) for a in range(minimal.n_symbols))
    return AlgebraicProfile(
        minimization=result, letters=letters, non_commuting=non_commuting_pair(minimal)
    )


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
    n, k = machine.n_states, machine.n_symbols
    t = machine.transitions
    identity = np.arange(n, dtype=np.int64)
    index = {identity.tobytes(): 0}
    elements = [identity]
    words: list[tuple[int, ...]] = [()]
    table_rows: list[list[int]] = []
    i = 0
    while i < len(elements):
        row = []
        for a in range(k):
            nxt = t[elements[i], a]
            key = nxt.tobytes()
            j = index.get(key)
            if j is None:
                if len(elements) >= max_elements:
                    raise ResourceLimitError(
                        f"the transition monoid has more than {max_elements} elements "
                        f"(machine with {n} states); raise max_elements to enumerate it"
                    )
                j = index[key] = len(elements)
                elements.append(nxt)
                words.append((*words[i], a))
            row.append(j)
        table_rows.append(row)
        i += 1
    return TransitionMonoid(
        elements=np.array(elements, dtype=np.int64).reshape(-1, n),
        words=tuple(words),
        table=np.array(table_rows, dtype=np.int64).reshape(-1, k),
    )
