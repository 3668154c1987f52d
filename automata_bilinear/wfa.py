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
from typing import Any

import numpy as np

from .automaton import MooreMachine
from .errors import ResourceLimitError
from .model import BilinearModel
from .model_io import automaton_hash
from .verify import VerificationReport

__all__ = [
    "hankel_rank",
    "minimal_exact_valued_model",
    "observable_basis_words",
    "verify_exact_valued",
]

MAX_EXACT_STATES = 250

Vector = list[Fraction]


class _Echelon:
    """Incremental exact row echelon basis (pivot column → normalised row)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[int, Vector] = {}

    def reduce(self, v: Vector) -> Vector:
        v = list(v)
        for col, row in self.rows.items():
            if v[col]:
                f = v[col]
                v = [x - f * y for x, y in zip(v, row)]
        return v

    def add(self, v: Vector) -> bool:
        """Add ``v`` if it is independent; return whether it was."""
        r = self.reduce(v)
        pivot = next((i for i, x in enumerate(r) if x), None)
        if pivot is None:
            return False
        inv = 1 / r[pivot]
        r = [x * inv for x in r]
        for col, row in self.rows.items():  # keep rows reduced at every pivot
            if row[pivot]:
                f = row[pivot]
                self.rows[col] = [x - f * y for x, y in zip(row, r)]
        self.rows[pivot] = r
        return True


def _one_hot(machine: MooreMachine) -> tuple[list[np.ndarray], np.ndarray]:
    return [machine.transitions[:, a] for a in range(machine.n_symbols)], machine.output_codes


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
    echelon = _Echelon(n)
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
    >>> from automata_bilinear.specs import build
    >>> hankel_rank(build("parity")), hankel_rank(build("threshold:3"))
    (2, 4)
    """
    from .minimization import minimize

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
    from .minimization import minimize

    machine = minimize(machine).machine
    B = _observable_basis(machine)
    r, n = len(B), machine.n_states
    echelon = _Echelon(n)
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


def _parse(rows: Any) -> list[Vector]:
    return [[Fraction(x) for x in row] for row in rows]


def verify_exact_valued(model: BilinearModel, automaton: MooreMachine) -> VerificationReport:
    """Exact weighted-automaton equivalence between ``model`` (its exact description) and the
    one-hot automaton: ``C' A'_w h0' = onehot(out(δ(q0, w)))`` for every word ``w``."""
    from .verify import _alignment

    method = "weighted-automaton equivalence"
    exact = model.exact or {}
    letter, rows = _alignment(model, automaton)
    mats = [_parse(m) for m in exact["transitions"]]
    h0 = [Fraction(x) for x in exact["h0"]]
    C = _parse(exact["readout"])
    r = len(h0)
    dev = max(
        float(np.abs(np.array([[[float(x) for x in row] for row in m] for m in mats])
                     - model.transitions).max()),
        float(np.abs(np.array([[float(x) for x in row] for row in C]) - model.readout).max()),
        float(np.abs(np.array([float(x) for x in h0]) - model.h0).max()),
    )
    if dev > 1e-9:
        return VerificationReport(method, False,
                                  f"stored floats differ from the exact model by {dev:.3g}")
    n = automaton.n_states
    if n + r > 2 * MAX_EXACT_STATES:
        raise ResourceLimitError(f"exact equivalence limited to {2 * MAX_EXACT_STATES} "
                                 f"combined states (got {n + r})")
    table = automaton.transitions.tolist()
    Y = len(model.output_labels)

    def output(z: Vector, q: int) -> list[Fraction]:
        """Difference functional on basis vector (z, e_q): C'z − onehot(out(q))."""
        target = rows[automaton.output_codes[q]]
        return [sum((c * x for c, x in zip(C[y], z)), Fraction(0)) - (1 if y == target else 0)
                for y in range(Y)]

    # Basis words of the difference automaton in breadth-first order; since outputs are
    # linear, the first basis word with a non-zero difference is a shortest counterexample.
    echelon = _Echelon(r + n)
    unit = [Fraction(0)] * n
    queue: deque[tuple[Vector, int, tuple[int, ...]]] = deque([(h0, automaton.start, ())])
    echelon.add(h0 + [Fraction(int(q == automaton.start)) for q in range(n)])
    while queue:
        z, q, word = queue.popleft()
        if any(output(z, q)):
            return VerificationReport(
                method, False, "C h differs from onehot(output)",
                counterexample=tuple(automaton.alphabet[a] for a in word))
        for a in range(automaton.n_symbols):
            M = mats[int(letter[a])]
            z2 = [sum((M[i][j] * z[j] for j in range(r)), Fraction(0)) for i in range(r)]
            q2 = table[q][a]
            e = list(unit)
            e[q2] = Fraction(1)
            if echelon.add(z2 + e):
                queue.append((z2, q2, (*word, a)))
    return VerificationReport(
        method, True,
        f"difference automaton of dimension {r} + {n}: all {len(echelon.rows)} basis words "
        "give C h = onehot(output) exactly (exact rationals, Tzeng's basis search)",
        min_margin=1.0)
