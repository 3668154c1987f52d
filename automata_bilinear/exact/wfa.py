"""Exact-valued models as weighted automata: minimal realisation and equivalence over Q.

With the exact-valued readout (E) the model must satisfy ``C h_t = onehot(out_t)`` exactly,
i.e. it is a vector-output weighted automaton. Its least dimension is the Hankel rank of the
task (Fliess 1974; Carlyle & Paz 1971), reached by Schützenberger's reduction of the one-hot
model: keep a basis of the *observable* functionals ``c_y A_{u_k} ⋯ A_{u_1}`` (the one-hot
model of a minimal automaton is already reachable). Equivalence of two such automata is
decided by a breadth-first basis search over the difference automaton (Tzeng 1992), which
returns a shortest distinguishing word on failure. Everything is exact (``fractions``).
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import minimize
from ..errors import ResourceLimitError
from ..io.model_file import automaton_hash
from ..model import BilinearModel
from .arithmetic import Echelon

__all__ = [
    "hankel_rank",
    "minimal_exact_valued_model",
    "observable_basis_words",
]

MAX_EXACT_STATES = 250

Vector = list[Fraction]


def _observable_basis(machine: MooreMachine) -> list[Vector]:
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
    return len(_observable_basis(minimize(machine).machine))


def _invert(M: list[Vector]) -> list[Vector]:
    n = len(M)
    aug = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(M)]
    for c in range(n):
        p = next(r for r in range(c, n) if aug[r][c])
        aug[c], aug[p] = aug[p], aug[c]
        inv = 1 / aug[c][c]
        aug[c] = [x * inv for x in aug[c]]
        for r in range(n):
            if r != c and aug[r][c]:
                f = aug[r][c]
                aug[r] = [x - f * y for x, y in zip(aug[r], aug[c])]
    return [row[n:] for row in aug]


def _matvec_rows(coef: list[Vector], rows: list[Vector]) -> list[Vector]:
    return [[sum((c * r[j] for c, r in zip(cs, rows)), Fraction(0)) for j in range(len(rows[0]))]
            for cs in coef]


def minimal_exact_valued_model(machine: MooreMachine) -> BilinearModel:
    """Minimal exact-valued model on ``full``: dimension = Hankel rank, exact rationals.

    With ``B`` (r × n) a basis of the observable functionals and ``J`` pivot columns with
    ``B_J`` invertible: ``A'_σ = (B A_σ)_J B_J⁻¹``, ``h0' = B e_{q0}``, ``C' = C_J B_J⁻¹``.
    """
    machine = minimize(machine).machine
    B = _observable_basis(machine)
    r, n = len(B), machine.n_states
    echelon = Echelon(n)
    for row in B:
        echelon.add(row)
    J = sorted(echelon.rows)  # pivot columns: B_J is invertible
    BJ_inv = _invert([[row[j] for j in J] for row in B])
    table = machine.transitions.tolist()
    mats = []
    for a in range(machine.n_symbols):
        BA_J = [[row[table[j][a]] for j in J] for row in B]  # (B A_a)[i, j] = B[i, δ(j, a)]
        mats.append(_matvec_rows(BA_J, BJ_inv))
    h0 = [row[machine.start] for row in B]
    Y = len(machine.output_labels)
    C_J = [[Fraction(int(machine.output_codes[j] == y)) for j in J] for y in range(Y)]
    C = _matvec_rows(C_J, BJ_inv)
    # z = B h evolves by z' = M_a z because B A_a = M_a B (rows of B A_a lie in span B)
    A = np.array([[[float(x) for x in row] for row in m] for m in mats])
    exact = {
        "method": "wfa_equivalence",
        "transitions": [[[str(x) for x in row] for row in m] for m in mats],
        "h0": [str(x) for x in h0],
        "readout": [[str(x) for x in row] for row in C],
    }
    C_float = np.array([[float(x) for x in row] for row in C])
    return BilinearModel(
        rung="full", params={"W": np.moveaxis(A, 0, 2)},
        h0=np.array([float(x) for x in h0]), readout=C_float,
        alphabet=machine.alphabet, output_labels=machine.output_labels,
        construction=f"minimal exact-valued WFA (Hankel rank {r})", exact=exact,
        metadata={"automaton": machine.name, "automaton_hash": automaton_hash(machine),
                  "minimal_states": n, "hankel_rank": r},
    )
