"""The Hankel rank of a task and the observable basis behind its minimal exact-valued model.

With the exact-valued readout (E) the model must satisfy ``C h_t = onehot(out_t)`` exactly,
i.e. it is a vector-output weighted automaton. Its least dimension is the Hankel rank of the
task (Fliess 1974; Carlyle & Paz 1971), reached by Schützenberger's reduction of the one-hot
model: keep a basis of the *observable* functionals ``c_y A_{u_k} ⋯ A_{u_1}`` (the one-hot
model of a minimal automaton is already reachable; the model itself is built by
:mod:`automata_bilinear.constructions.minimal_wfa`). Equivalence of two such automata is
decided by a breadth-first basis search over the difference automaton (Tzeng 1992), which
returns a shortest distinguishing word on failure. Everything is exact (``fractions``).
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import minimize
from ..errors import ResourceLimitError
from .arithmetic import Echelon

__all__ = [
    "Vector",
    "hankel_rank",
    "observable_basis",
    "observable_basis_words",
]

MAX_EXACT_STATES = 250

Vector = list[Fraction]


def observable_basis(machine: MooreMachine) -> list[Vector]:
    """Basis of span{c_y A_u}: indicator functionals q ↦ [out(δ(q, u)) = y], by BFS on u."""
    return _observable_basis_with_words(machine)[0]


def observable_basis_words(machine: MooreMachine) -> tuple[int, list[tuple[str, ...]]]:
    """Hankel rank and the distinct suffixes u of the basis functionals ``c_y A_u``
    (shortlex, ε first): the Hankel block on all access words × these suffixes has rank
    equal to the Hankel rank."""
    basis, words = _observable_basis_with_words(machine)
    unique = list(dict.fromkeys(words))
    return len(basis), [tuple(machine.alphabet[a] for a in w) for w in unique]


def _observable_basis_with_words(machine: MooreMachine
                                 ) -> tuple[list[Vector], list[tuple[int, ...]]]:
    n = machine.n_states
    if n > MAX_EXACT_STATES:
        raise ResourceLimitError(
            f"exact Hankel-rank reduction is limited to {MAX_EXACT_STATES} states "
            f"(got {n}): it runs in exact rationals")
    echelon = Echelon(n)
    basis: list[Vector] = []
    words: list[tuple[int, ...]] = []
    queue: deque[tuple[Vector, tuple[int, ...]]] = deque()
    for y in range(len(machine.output_labels)):
        f = [Fraction(int(c == y)) for c in machine.output_codes.tolist()]
        if echelon.add(f):
            basis.append(f)
            words.append(())
            queue.append((f, ()))
    table = machine.transitions.tolist()
    while queue and len(basis) < n:  # at full rank nothing more can be independent
        f, u = queue.popleft()
        for a in range(machine.n_symbols):
            g = [f[table[q][a]] for q in range(n)]  # (f A_a)(q) = f(δ(q, a)): suffix a·u
            if echelon.add(g):
                basis.append(g)
                words.append((a, *u))
                queue.append((g, (a, *u)))
    return basis, words


def hankel_rank(machine: MooreMachine) -> int:
    """Rank of the task's (vector-valued) Hankel matrix = least exact-valued dimension.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> hankel_rank(build("parity")), hankel_rank(build("threshold:3"))
    (2, 4)
    """
    machine = check_machine(machine, "machine")
    return len(observable_basis(minimize(machine).machine))
