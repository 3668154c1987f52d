"""Orthogonal real irreducible representations of named groups, the transition group of a
group automaton, and the isomorphism search between them.

The irrep construction (:mod:`automata_bilinear.constructions.irreps`) finds the transition
group G, matches it against these exact representations, and makes each letter the orthogonal
matrix of its group element (docs/theory.md §6, "irreps"):

==================  =====  =========================================================
representation      dim    exact form
==================  =====  =========================================================
dihedral D_m        2      rotations/reflections as phases ``z ↦ ζ^a z`` or ``ζ^a z̄``
S_n standard        n − 1  integer matrices in the basis ``e_i − e_n``, orthonormalised
A_n standard        n − 1  restriction of the above (n ≥ 4)
icosahedral A_5     3      rotation matrices over Q(√5)
quaternion Q_8      4      left multiplication on (1, i, j, k), integer matrices
==================  =====  =========================================================

Known minimal faithful block sizes (docs/theory.md §4, KERNEL): D_m and S_3: 2; A_4, S_4, A_5: 3;
Q_8, S_5: 4. Below them the rung is impossible: a non-identity element acts trivially in
every real irrep of dimension ≤ b.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from ..automata.machine import MooreMachine
from ..errors import ResourceLimitError
from ..exact.dynamics import MatrixDynamics, PhaseDynamics, QuadraticNumber, exact_matmul
from .closure import (
    Closure,
    cayley_table,
    closure,
    element_orders,
    generated_size,
    map_closure,
    permutation_table,
)
from .profile import AlgebraicProfile

__all__ = [
    "ExactRepresentation",
    "identify_group",
    "letter_closure",
    "named_representations",
    "transition_group",
]


@dataclass(frozen=True, eq=False)
class ExactRepresentation:
    """A finite group of exact orthogonal transformations (closed under composition).

    Attributes
    ----------
    name, dim
        Display name and real dimension.
    minimal_faithful_block
        docs/theory.md's least block size for the word problem of this group, or None if THEORY
        does not state it.
    floats
        (N, dim, dim) model-coordinate matrices of all elements (element 0 = identity).
    table
        (N, N) ``table[g, h]`` = index of ``g·h`` (apply g first; for matrices ``H @ G``).
    exact
        Exact element per index (a phase pair or an exact matrix).
    make_dynamics
        Builds the exact dynamics given one exact element per letter.
    """

    name: str
    dim: int
    minimal_faithful_block: int | None
    floats: np.ndarray
    table: np.ndarray
    exact: tuple[Any, ...]
    make_dynamics: Callable[[list[Any]], Any]

    def __post_init__(self) -> None:  # shared through caches: read-only
        self.floats.flags.writeable = False
        self.table.flags.writeable = False

    @property
    def order(self) -> int:
        return len(self.exact)


def _float_table(floats: np.ndarray) -> np.ndarray:
    """Multiplication table of matrices acting on column vectors (g·h = H @ G), matched by
    rounding the floats to 6 decimals; one matrix product per row of the table."""
    n = len(floats)
    flat = floats.reshape(n, -1)

    def keys(mats: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.rint(mats.reshape(len(mats), -1) * 1e6), dtype=np.int64)

    index = {row.tobytes(): i for i, row in enumerate(keys(flat))}
    table = np.empty((n, n), dtype=np.int64)
    for a in range(n):
        products = floats @ floats[a]            # products[b] = F_b @ F_a, i.e. a·b
        table[a] = [index[row.tobytes()] for row in keys(products)]
    return table


@lru_cache(maxsize=32)
def dihedral_representation(m: int) -> ExactRepresentation:
    """D_m on the plane as exact phases mod 4m: ``(s, a)`` is ``z ↦ ζ_m^(a/4)·z^(s)``."""
    N = 4 * m

    def compose(f2: tuple[int, int], f1: tuple[int, int]) -> tuple[int, int]:
        return (f2[0] * f1[0], (f2[1] + f2[0] * f1[1]) % N)

    elements = closure([(1, 4), (-1, 0)], lambda x, g: compose(g, x), (1, 0), lambda e: e,
                       limit=2 * m).elements

    def to_float(e: tuple[int, int]) -> np.ndarray:
        t = 2 * np.pi * e[1] / N
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        return rot if e[0] == 1 else rot @ np.diag([1.0, -1.0])

    def dynamics(per_letter: list[tuple[int, int]]) -> PhaseDynamics:
        return PhaseDynamics(moduli=(N,), initial_exponents=(1,),
                             signs=tuple((e[0],) for e in per_letter),
                             shifts=tuple((e[1],) for e in per_letter),
                             resets=(None,) * len(per_letter))

    floats = np.array([to_float(e) for e in elements])
    table = cayley_table(elements, lambda x, g: compose(g, x), lambda e: e)
    return ExactRepresentation(f"D_{m} (2-dim)", 2, 2, floats, table, tuple(elements),
                               dynamics)


def _exact(m: list[list[Any]], d: int = 1) -> tuple[tuple[QuadraticNumber, ...], ...]:
    def conv(x: Any) -> QuadraticNumber:
        if isinstance(x, QuadraticNumber):
            return x
        return QuadraticNumber(Fraction(x), Fraction(0), d)

    return tuple(tuple(conv(x) for x in row) for row in m)


class _LargeEntries(Exception):
    """An int64 closure met entries past 2^20: redone in Fractions."""


def _bounded_product(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``g @ x`` in int64, stopping at entries past 2^20 (so no product can overflow)."""
    out = g @ x
    if np.abs(out).max() > 1 << 20:
        raise _LargeEntries
    return out


def _matrix_representation(name: str, gens: list[tuple], d: int, basis: np.ndarray | None,
                           minimal_block: int | None, limit: int) -> ExactRepresentation:
    dim = len(gens[0])
    identity = _exact([[int(i == j) for j in range(dim)] for i in range(dim)], d)

    elements: list[Any] | None = None
    if d == 1 and all(x.b == 0 and x.a.denominator == 1 for m in gens for row in m for x in row):
        # integer generators: close in exact int64 (entries of a finite matrix group stay
        # small; checked) and convert once, instead of Fraction products
        ints = [np.array([[int(x.a) for x in row] for row in m], dtype=np.int64) for m in gens]
        try:
            found = closure(ints, _bounded_product, np.eye(dim, dtype=np.int64),
                            lambda x: x.tobytes(), limit=limit).elements
            elements = [_exact(m.tolist()) for m in found]
        except _LargeEntries:
            elements = None
    if elements is None:
        def key(mat: tuple) -> tuple:
            return tuple(x.key() for row in mat for x in row)

        elements = list(closure(gens, lambda x, g: exact_matmul(g, x), identity, key,
                                limit=limit).elements)
    root = np.sqrt(d)
    raw = np.array([[[float(x.a) + float(x.b) * root for x in row] for row in mat]
                    for mat in elements])
    if basis is None:
        floats = raw
    else:
        inv = np.linalg.inv(basis)
        floats = np.einsum("ij,ajk,kl->ail", basis, raw, inv)
    table = _float_table(raw)
    h0 = tuple(QuadraticNumber(Fraction(v), Fraction(0), d)
               for v in [1, 3, 7, 15, 31, 63][:dim])

    def dynamics(per_letter: list[tuple]) -> MatrixDynamics:
        return MatrixDynamics(matrices=tuple(per_letter), initial_vector=h0, basis=basis,
                              field_d=d)

    return ExactRepresentation(name, dim, minimal_block, floats, table, tuple(elements),
                               dynamics)


@lru_cache(maxsize=32)
def standard_representation(n: int, alternating: bool = False) -> ExactRepresentation:
    """The (n−1)-dim standard representation of S_n (or A_n), integer in the basis
    ``f_i = e_i − e_{n−1}`` and orthonormalised for the model."""
    dim = n - 1

    def perm_matrix(perm: list[int]) -> tuple:
        # column i: image of f_i = e_perm(i) - e_perm(n-1), with f_{n-1} := 0
        cols = []
        for i in range(dim):
            col = [0] * dim
            if perm[i] < dim:
                col[perm[i]] += 1
            if perm[n - 1] < dim:
                col[perm[n - 1]] -= 1
            cols.append(col)
        return _exact([[cols[j][i] for j in range(dim)] for i in range(dim)])

    if alternating:
        gens = []
        for x in range(2, n):
            p = list(range(n))
            p[0], p[1], p[x] = 1, x, 0
            gens.append(perm_matrix(p))
        order = int(np.prod(range(1, n + 1))) // 2
        minimal = {4: 3}.get(n)
        name = f"A_{n} standard ({dim}-dim)"
    else:
        gens = [perm_matrix([(i + 1) % n for i in range(n)]), perm_matrix([1, 0, *range(2, n)])]
        order = int(np.prod(range(1, n + 1)))
        minimal = {3: 2, 4: 3, 5: 4}.get(n)
        name = f"S_{n} standard ({dim}-dim)"
    F = np.zeros((n, dim))
    F[:dim] = np.eye(dim)
    F[n - 1] = -1.0
    Q, _ = np.linalg.qr(F)
    return _matrix_representation(name, gens, 1, Q.T @ F, minimal, order)


@lru_cache(maxsize=32)
def natural_representation(n: int, alternating: bool = False) -> ExactRepresentation:
    """S_n (or A_n) permuting the coordinates of R^n: permutation matrices, exact as stored
    (the standard representation plus the trivial one)."""
    def perm_matrix(perm: list[int]) -> tuple:
        return _exact([[int(perm[j] == i) for j in range(n)] for i in range(n)])

    if alternating:
        gens = [perm_matrix(_three_cycle(n, x)) for x in range(2, n)]
        order = math.factorial(n) // 2
        name = f"A_{n} natural ({n}-dim permutations)"
    else:
        gens = [perm_matrix([(i + 1) % n for i in range(n)]), perm_matrix([1, 0, *range(2, n)])]
        order = math.factorial(n)
        name = f"S_{n} natural ({n}-dim permutations)"
    return _matrix_representation(name, gens, 1, None, None, order)


def _three_cycle(n: int, x: int) -> list[int]:
    """The 3-cycle (0 1 x) in array form."""
    p = list(range(n))
    p[0], p[1], p[x] = 1, x, 0
    return p


@lru_cache(maxsize=32)
def standard_representation_sqrt5() -> ExactRepresentation:
    """The 4-dim standard representation of S_5, orthonormal and exact over Q(√5).

    The sum-zero subspace of R^5 has the orthonormal basis ``(1, 1, −1, −1, 0)/2``,
    ``(1, −1, 1, −1, 0)/2``, ``(1, −1, −1, 1, 0)/2`` and ``(1, 1, 1, 1, −4)/(2√5)``
    (Witt cancellation guarantees one over Q(√5): the form has determinant 5 there, a
    square); in it the permutation ``P`` acts by ``Bᵀ P B`` with entries in Q(√5)."""
    half = Fraction(1, 2)
    d = 5
    rows = [[half, half, -half, -half, 0], [half, -half, half, -half, 0],
            [half, -half, -half, half, 0]]
    basis = [[QuadraticNumber(Fraction(x), Fraction(0), d) for x in r] for r in rows]
    basis.append([QuadraticNumber(Fraction(0), Fraction(x, 10), d) for x in (1, 1, 1, 1, -4)])
    zero = QuadraticNumber(Fraction(0), Fraction(0), d)

    def perm_matrix(perm: list[int]) -> tuple:
        # (Bᵀ P B)[i][j] = Σ_b B_i[perm(b)] · B_j[b]
        out = []
        for i in range(4):
            row = []
            for j in range(4):
                acc = zero
                for b in range(5):
                    acc = acc + basis[i][perm[b]] * basis[j][b]
                row.append(acc)
            out.append(tuple(row))
        return tuple(out)

    gens = [perm_matrix([1, 2, 3, 4, 0]), perm_matrix([1, 0, 2, 3, 4])]
    return _matrix_representation("S_5 standard (4-dim, exact over Q(√5))", gens, d, None, 4,
                                  120)


@lru_cache(maxsize=32)
def icosahedral_representation() -> ExactRepresentation:
    """A_5 as the rotation group of the icosahedron, exact over Q(√5)."""
    half = Fraction(1, 2)
    phi = QuadraticNumber(half, half, 5)             # (1 + √5)/2
    phi_inv = QuadraticNumber(-half, half, 5)        # φ − 1 = 1/φ
    one = QuadraticNumber(Fraction(1), Fraction(0), 5)
    zero = QuadraticNumber(Fraction(0), Fraction(0), 5)
    h = QuadraticNumber(half, Fraction(0), 5)

    def neg(x: QuadraticNumber) -> QuadraticNumber:
        return QuadraticNumber(-x.a, -x.b, 5)

    a = ((zero, zero, one), (one, zero, zero), (zero, one, zero))
    b = tuple(tuple(h * x for x in row) for row in
              ((one, neg(phi), phi_inv), (phi, phi_inv, neg(one)), (phi_inv, one, phi)))
    return _matrix_representation("A_5 icosahedral (3-dim)", [a, b], 5, None, 3, 60)


@lru_cache(maxsize=32)
def cube_representation(alternating: bool = False) -> ExactRepresentation:
    """S_4 as the rotation group of the cube (A_4: of the tetrahedron): 3×3 signed
    permutation matrices, so the stored floats are the exact matrices."""
    cyc = [[0, 0, 1], [1, 0, 0], [0, 1, 0]]          # 120° about the diagonal
    if alternating:
        other = [[1, 0, 0], [0, -1, 0], [0, 0, -1]]  # 180° about an axis
        return _matrix_representation("A_4 tetrahedral (3-dim, signed permutations)",
                                      [_exact(cyc), _exact(other)], 1, None, 3, 12)
    quarter = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]     # 90° about an axis
    return _matrix_representation("S_4 cube rotations (3-dim, signed permutations)",
                                  [_exact(cyc), _exact(quarter)], 1, None, 3, 24)


@lru_cache(maxsize=32)
def quaternion_representation() -> ExactRepresentation:
    """Q_8 acting on R^4 = H by left multiplication (integer signed permutation matrices)."""
    i_mat = [[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, -1], [0, 0, 1, 0]]
    j_mat = [[0, 0, -1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, -1, 0, 0]]
    return _matrix_representation("Q_8 (4-dim)", [_exact(i_mat), _exact(j_mat)], 1, None, 4, 8)


@lru_cache(maxsize=32)
def named_representations(order: int) -> tuple[ExactRepresentation, ...]:
    """Exact representations of named groups of this order, smallest dimension first."""
    reps: list[ExactRepresentation] = []
    if order % 2 == 0 and order >= 6:
        reps.append(dihedral_representation(order // 2))
    if order == 60:
        reps.append(icosahedral_representation())
    if order in (12, 24):  # rational before the orthonormalised standard representation
        reps.append(cube_representation(alternating=order == 12))
    for n in range(3, 8):
        if order == math.factorial(n):
            reps += [standard_representation(n), natural_representation(n)]
        if n >= 4 and order == math.factorial(n) // 2:
            reps += [standard_representation(n, alternating=True),
                     natural_representation(n, alternating=True)]
    if order == 120:  # before the rounded orthonormal form of the same representation
        reps.insert(0, standard_representation_sqrt5())
    if order == 8:
        reps.append(quaternion_representation())
    return tuple(sorted(reps, key=lambda r: r.dim))


@dataclass(frozen=True, eq=False)
class TransitionGroup:
    """The group generated by the letters' permutations of the minimal automaton's states.

    ``perms[g]`` is element g as a map on states; ``table[g, h] = g·h`` (g first); ``letter[a]`` is
    the element of letter a.
    """

    perms: np.ndarray
    table: np.ndarray
    letter: np.ndarray

    def __post_init__(self) -> None:  # shared through a cache: read-only
        for arr in (self.perms, self.table, self.letter):
            arr.flags.writeable = False

    @property
    def order(self) -> int:
        return len(self.perms)


def transition_group(profile: AlgebraicProfile, max_order: int = 5040) -> TransitionGroup:
    """Enumerate the transition group of a group automaton (refusing beyond ``max_order``).

    Cached per minimal machine (profiles of equal machines share one group): classify,
    compile and the certificate checks all ask for it.
    """
    group = _transition_group(profile.machine, max(max_order, 5040))
    if group.order > max_order:
        raise ResourceLimitError(f"transition group has more than {max_order} elements; no "
                                 "named representation is available")
    return group


@lru_cache(maxsize=32)
def letter_closure(machine: MooreMachine, limit: int = 5040) -> Closure:
    """Everything the letters' maps on states generate, breadth-first with a shortest word per
    element (:func:`~automata_bilinear.algebra.closure.map_closure`), cached per machine:
    the transition group and the FIXED_SPACE and depth certificates share one search.

    Raises
    ------
    ResourceLimitError
        Past ``limit`` elements.
    """
    return map_closure(machine.transitions.T, limit=limit)


@lru_cache(maxsize=32)
def _transition_group(machine: MooreMachine, max_order: int) -> TransitionGroup:
    try:
        found = letter_closure(machine, max_order)
    except ResourceLimitError:
        raise ResourceLimitError(f"transition group has more than {max_order} elements; no "
                                 "named representation is available") from None
    perms = np.array(found.elements)
    return TransitionGroup(perms, permutation_table(perms), found.right[0].copy())


def _generating_sets(group: TransitionGroup, max_sets: int = 40) -> list[list[int]]:
    """Small sets of letters whose elements generate the group (pairs first)."""
    letters = sorted({int(x) for x in group.letter.tolist() if x != 0})
    found: list[list[int]] = []

    def generates(elems: list[int]) -> bool:
        return generated_size(group.table, elems) == group.order

    for size in (1, 2, 3):
        for combo in itertools.combinations(letters, size):
            if generates(list(combo)):
                found.append(list(combo))
                if len(found) >= max_sets:
                    return found
        if found:
            return found
    return found


def find_isomorphism(group: TransitionGroup, rep: ExactRepresentation) -> np.ndarray | None:
    """An isomorphism group → rep as an index map (None if there is none)."""
    if group.order != rep.order:
        return None
    g_orders = element_orders(group.table)
    r_orders = element_orders(rep.table)
    best = None
    for gens in _generating_sets(group):
        choices = [np.flatnonzero(r_orders == g_orders[g]) for g in gens]
        size = int(np.prod([len(c) for c in choices]))
        if best is None or size < best[0]:
            best = (size, gens, choices)
    if best is None:
        return None
    _, gens, choices = best
    for images in itertools.product(*choices):
        mapping = np.full(group.order, -1, dtype=np.int64)
        mapping[0] = 0
        frontier = [0]
        ok = True
        while frontier and ok:
            nxt = []
            for x in frontier:
                for g, im in zip(gens, images):
                    y = int(group.table[x, g])          # x·g
                    t = int(rep.table[mapping[x], im])
                    if mapping[y] < 0:
                        mapping[y] = t
                        nxt.append(y)
                    elif mapping[y] != t:
                        ok = False
                        break
                if not ok:
                    break
            frontier = nxt
        if ok and len(set(mapping.tolist())) == group.order:
            return mapping
    return None


def identify_group(profile: AlgebraicProfile) -> tuple[str, TransitionGroup] | None:
    """Name of the transition group among the named groups with KERNEL facts (else None)."""
    group = transition_group(profile)
    reps = {"Q_8": quaternion_representation, "A_4": lambda: standard_representation(4, True),
            "S_4": lambda: standard_representation(4), "A_5": icosahedral_representation,
            "S_5": lambda: standard_representation(5)}
    orders = {"Q_8": 8, "A_4": 12, "S_4": 24, "A_5": 60, "S_5": 120}
    for name, make in reps.items():
        if group.order == orders[name] and find_isomorphism(group, make()) is not None:
            return name, group
    return None
