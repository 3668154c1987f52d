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
from functools import cached_property, lru_cache

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import Minimization, minimize
from .monoid import transition_monoid

__all__ = [
    "AlgebraicProfile",
    "LetterDynamics",
    "algebraic_profile",
    "functional_graph",
    "letter_dynamics",
    "non_commuting_pair",
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

    Cached per machine (equal machines share one profile; profiles are immutable), so
    classify and the compilations it runs pay for it once.

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
    # equality ignores names and state labels; the key keeps them so a cached profile never
    # carries another machine's name
    return _algebraic_profile(machine, machine.name, machine.state_labels)


@lru_cache(maxsize=16)
def _algebraic_profile(machine: MooreMachine, name: object, labels: object
                       ) -> AlgebraicProfile:
    result = minimize(machine)
    minimal = result.machine
    letters = tuple(letter_dynamics(minimal, a) for a in range(minimal.n_symbols))
    return AlgebraicProfile(
        minimization=result, letters=letters, non_commuting=non_commuting_pair(minimal)
    )
