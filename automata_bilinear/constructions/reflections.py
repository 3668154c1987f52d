"""Householder constructions (docs/theory.md §11): exact orthogonal representations factored
into reflections, and projections for reset tasks.

**Reflections.** An orthogonal matrix M with r = rank(M − I) is a product of exactly r
reflections (Cartan–Dieudonné in its minimal form). Constructively: while M ≠ I pick a
column j with ``M e_j ≠ e_j``; the reflection along ``y = M e_j − e_j`` maps ``M e_j`` to
``e_j`` (both have norm 1) and fixes ``Fix(M)`` (orthogonal to y), so ``R_y M`` fixes one
more dimension. With the factor normalised inside the rung (``I − 2 y yᵀ/yᵀy``) every step
stays in the field of M's entries, so the factorisation is exact — rational for permutation
matrices, in ``Q(cos 2π/N)`` for rotations by multiples of 2π/N, in Q(√5) for the
icosahedral A_5. The sources tried, for a group automaton: the abelian characters (2×2
rotations), the named exact representations of the transition group (dihedral, cube and
tetrahedral rotations, quaternion, icosahedral, natural permutations of S_n / A_n), and the
permutation matrices of the automaton itself. The one with the fewest factors (then the
smallest H) wins.

**Projections.** A reset task (every letter of the minimal automaton is the identity or a
constant map) needs one factor on two units: state q is the ray of ``w_q = (1, t_q)``
(t_q ≥ 0, so the rays are pairwise at acute angles), "reset to q" is the orthogonal
projection onto that ray (β = 1 along ``(−t_q, 1)``), which maps every state ray to the
positive ray of w_q; the readout row of output y is ``(−m_y², 2m_y)``, whose score
``t² − (t − m_y)²`` (per unit of scale) is largest for the m_y nearest t. The flip-flop is
the two-state case (docs/theory.md §11).

References
----------
J. Siems et al., "DeltaProduct: improving state-tracking in linear RNNs via Householder
products" (2025); R. Grazzi et al., "Unlocking state-tracking in linear RNNs through
negative eigenvalues", ICLR 2025.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from ..algebra.profile import AlgebraicProfile
from ..algebra.representations import find_isomorphism, named_representations, transition_group
from ..automata.machine import MooreMachine
from ..errors import NotRepresentableError, ResourceLimitError
from ..exact.number_field import FieldElement, RealNumberField, cosine_field
from ..model import BilinearModel
from ..rungs.base import PHASE_UNITS
from .assembly import assemble_model
from .characters import characters_model
from .readout import fit_readout

__all__ = ["factor_reflections", "projection_model", "reflection_model"]

Matrix = list[list[FieldElement]]

_MAX_IMAGE = 20_000  # (state, vector) pairs walked exactly to fit a readout


def _rationals() -> RealNumberField:
    return RealNumberField.from_root((0, 1), 0.0)


def factor_reflections(field: RealNumberField, M: Matrix) -> list[list[FieldElement]] | None:
    """Vectors ``y_1, …, y_r`` (r = rank(M − I)) with ``M = R_{y_r} ⋯ R_{y_1}`` (R_y the
    reflection along y; y_1 acts first), or None when M is not exactly orthogonal.

    Examples
    --------
    >>> K = RealNumberField.from_root((0, 1), 0.0)
    >>> one, zero = K.one, K.zero
    >>> cycle = [[zero, zero, one], [one, zero, zero], [zero, one, zero]]  # a 3-cycle
    >>> len(factor_reflections(K, cycle))
    2
    """
    H = len(M)
    eye = [[field.rational(int(r == c)) for c in range(H)] for r in range(H)]
    perm = _as_permutation(field, M)
    if perm is not None:  # the same steps on the permutation: transpositions e_p(j) − e_j
        found = []
        for j in range(H):
            while perm[j] != j:
                i = perm[j]
                found.append([field.rational(int(r == i) - int(r == j)) for r in range(H)])
                perm = [j if x == i else i if x == j else x for x in perm]
        return found[::-1]
    gram = [[field.dot([M[k][i] for k in range(H)], [M[k][j] for k in range(H)])
             for j in range(H)] for i in range(H)]
    if gram != eye:
        return None
    A = [list(row) for row in M]
    found = []
    while A != eye:
        j = next(c for c in range(H) if any(A[r][c] != eye[r][c] for r in range(H)))
        y = [field.sub(A[r][j], eye[r][j]) for r in range(H)]
        coef = field.scale(Fraction(2), field.inverse(field.dot(y, y)))
        yt_a = [field.dot(y, [A[r][c] for r in range(H)]) for c in range(H)]
        A = [[field.sub(A[r][c], field.mul(field.mul(coef, y[r]), yt_a[c])) for c in range(H)]
             for r in range(H)]
        found.append(y)
    # R_{y_k} ⋯ R_{y_1} M = I, so M = R_{y_1} ⋯ R_{y_k}: y_k acts first
    return found[::-1]


def _as_permutation(field: RealNumberField, M: Matrix) -> list[int] | None:
    """p with M e_j = e_{p(j)}, when M is a permutation matrix."""
    one, zero = field.one, field.zero
    perm = []
    for c in range(len(M)):
        rows = [r for r in range(len(M)) if M[r][c] != zero]
        if len(rows) != 1 or M[rows[0]][c] != one:
            return None
        perm.append(rows[0])
    return perm if sorted(perm) == list(range(len(M))) else None


# -- exact orthogonal sources ----------------------------------------------------------------


def _phase_unit_matrices(model: BilinearModel) -> tuple[RealNumberField, list[Matrix]] | None:
    """2×2 rotations by 2πt/N then ±1 units, exactly over Q(cos 2π/M) with M = 4·lcm(N)."""
    p = model.params
    if set(p) != set(PHASE_UNITS) or np.any(p["complex_moduli"] != 1.0):
        return None
    turns, periods, real = p["phase_turns"], p["phase_periods"], p["real_eigenvalues"]
    M = 4 * math.lcm(*(int(n) for n in periods)) if periods.size else 4
    field, cos = cosine_field(M)
    c, r = turns.shape[1], real.shape[1]
    H = 2 * c + r
    mats = []
    for d in range(turns.shape[0]):
        A = [[field.zero] * H for _ in range(H)]
        for i in range(c):
            k = int(turns[d, i]) * (M // int(periods[i])) % M
            cs, sn = cos[k], cos[(M // 4 - k) % M]
            A[2 * i][2 * i], A[2 * i][2 * i + 1] = cs, field.neg(sn)
            A[2 * i + 1][2 * i], A[2 * i + 1][2 * i + 1] = sn, cs
        for i in range(r):
            A[2 * c + i][2 * c + i] = field.rational(int(real[d, i]))
        mats.append(A)
    return field, mats


def _representation_matrices(rep: object, per_letter: list) -> tuple[RealNumberField,
                                                                      list[Matrix]] | None:
    """Exact matrices of a named representation's letter elements: dihedral phases
    ``(s, a)`` mod N = 4m, or Q(√d) matrices without a change of basis."""
    name = getattr(rep, "name", "")
    if name.startswith("D_"):
        N = 4 * (rep.order // 2)  # type: ignore[attr-defined]
        field, cos = cosine_field(N)
        mats = []
        for s, a in per_letter:
            cs, sn = cos[a % N], cos[(N // 4 - a) % N]
            f = field.rational(s)  # R(2πa/N) · diag(1, s)
            mats.append([[cs, field.neg(field.mul(sn, f))], [sn, field.mul(cs, f)]])
        return field, mats
    first = per_letter[0]
    if not isinstance(first, tuple) or getattr(rep, "make_dynamics", None) is None:
        return None
    d = max(x.d for m in per_letter for row in m for x in row)
    dyn = rep.make_dynamics(per_letter)  # type: ignore[attr-defined]
    if getattr(dyn, "basis", None) is not None:
        return None  # orthonormal only in a rounded basis: not exact
    field = _rationals() if d == 1 else RealNumberField.from_root((-d, 0, 1), math.sqrt(d))
    mats = [[[field.element([x.a, x.b]) if d > 1 else field.rational(x.a) for x in row]
             for row in m] for m in per_letter]
    return field, mats


def _permutation_matrices(machine: MooreMachine) -> tuple[RealNumberField, list[Matrix]]:
    field = _rationals()
    n = machine.n_states
    mats = []
    for a in range(machine.n_symbols):
        A = [[field.zero] * n for _ in range(n)]
        for q in range(n):
            A[int(machine.transitions[q, a])][q] = field.one
        mats.append(A)
    return field, mats


def _sources(profile: AlgebraicProfile) -> list[tuple[str, RealNumberField, list[Matrix],
                                                     BilinearModel | None]]:
    """(name, field, exact letter matrices, model giving h0 and readout or None)."""
    machine = profile.machine
    found: list = []
    if profile.is_abelian_group:
        try:
            chars = characters_model(profile, "rotation")
        except (NotRepresentableError, ResourceLimitError):
            chars = None
        exact = _phase_unit_matrices(chars) if chars is not None else None
        if exact is not None:
            found.append(("characters", *exact, chars))
    elif profile.is_group:
        try:
            group = transition_group(profile)
        except ResourceLimitError:
            group = None
        for rep in named_representations(group.order) if group is not None else []:
            mapping = find_isomorphism(group, rep)
            if mapping is None:
                continue
            exact = _representation_matrices(rep, [rep.exact[int(mapping[g])]
                                                   for g in group.letter])
            if exact is not None:
                found.append((f"irrep {rep.name}", *exact, None))
    if profile.is_group and machine.n_states <= 64:
        found.append(("permutation matrices of the automaton",
                      *_permutation_matrices(machine), None))
    return found


def _walk_image(machine: MooreMachine, field: RealNumberField, mats: list[Matrix],
                h0: list[FieldElement]) -> tuple[np.ndarray, np.ndarray] | None:
    """Model vectors and output codes of every reachable (state, exact vector) pair, or
    None past the image or size limits."""
    integral = field.degree == 1 and all(x[0].denominator == 1 for m in [*mats, [h0]]
                                         for row in m for x in row)
    if integral:  # integer matrices (permutations, signed permutations): int64 arithmetic
        ints = np.array([[[int(x[0]) for x in row] for row in m] for m in mats],
                        dtype=np.int64)

        def images(v: tuple) -> list[tuple] | None:
            out = ints @ np.array(v, dtype=np.int64)  # every letter at once
            return None if np.abs(out).max(initial=0) > 2**40 else \
                [tuple(w) for w in out.tolist()]

        start: tuple = tuple(int(x[0]) for x in h0)
    else:
        def images(v: tuple) -> list[tuple] | None:
            return [tuple(field.dot(row, v) for row in m) for m in mats]

        start = tuple(h0)
    order = _reachable_pairs(machine, start, images)
    if order is None:
        return None
    X = np.array([[float(x) if integral else field.to_float(x) for x in v]
                  for _, v in order], dtype=np.float64)
    return X, machine.output_codes[[q for q, _ in order]]


def _reachable_pairs(machine: MooreMachine, start: tuple,
                     images: Callable[[tuple], list[tuple] | None]) -> list[tuple] | None:
    """Breadth-first (state, vector) pairs from (q0, start); ``images(v)`` lists the next
    vector per letter (None: too large)."""
    first = (machine.start, start)
    seen, order = {first}, [first]
    i = 0
    while i < len(order):
        q, v = order[i]
        nexts = images(v)
        if nexts is None:
            return None
        for a, w in enumerate(nexts):
            nxt = (int(machine.transitions[q, a]), w)
            if nxt not in seen:
                if len(order) >= _MAX_IMAGE:
                    return None
                seen.add(nxt)
                order.append(nxt)
        i += 1
    return order


def _integer_coefficients(field: RealNumberField, y: list[FieldElement]) -> list[list[int]]:
    """y scaled by a positive rational to integer coefficients (the direction is kept)."""
    den = math.lcm(*(x.denominator for e in y for x in e))
    big = [[int(x * den) for x in e] for e in y]
    g = math.gcd(*(x for e in big for x in e))
    return [[x // g for x in e] for e in big]


def reflection_model(profile: AlgebraicProfile, rung: str, factors: int | None = None
                     ) -> BilinearModel | None:
    """The group task as exact reflections: the source with the fewest factors per letter
    (then the smallest H), with at most ``factors`` factors; None when no source fits."""
    machine = profile.machine
    best = None
    for name, field, mats, source in _sources(profile):
        vectors = [factor_reflections(field, m) for m in mats]
        if any(v is None for v in vectors):
            continue
        n = max(1, max(len(v) for v in vectors))  # type: ignore[arg-type]
        key = (n, len(mats[0]))
        if (factors is None or n <= factors) and (best is None or key < best[0]):
            best = (key, name, field, mats, vectors, source)
    if best is None:
        return None
    (n, H), name, field, mats, vectors, source = best
    if source is not None:
        h0_float, C = source.h0, source.readout
    else:
        if name.startswith("permutation"):
            h0 = [field.rational(int(q == machine.start)) for q in range(H)]
        else:  # a generic rational start: distinct group elements give distinct points
            h0 = [field.rational(x) for x in (1, 3, 7, 15, 31, 63, 127, 255)[:H]] + \
                 [field.rational(1)] * max(0, H - 8)
        walked = _walk_image(machine, field, mats, h0)
        if walked is None:
            return None
        X, targets = walked
        C = fit_readout(X, targets, len(machine.output_labels))
        h0_float = X[0]
    D, d = machine.n_symbols, field.degree
    coeffs = np.zeros((D, n, H, d))
    betas = np.zeros((D, n))
    coeffs[:, :, 0, 0] = 1.0  # the padding factors: β = 0 along e_1
    for a, ys in enumerate(vectors):
        for i, y in enumerate(ys):  # type: ignore[arg-type]
            ints = _integer_coefficients(field, y)
            if max(abs(x) for e in ints for x in e) >= 2**53:
                return None
            coeffs[a, i] = np.array(ints, dtype=np.float64)
            betas[a, i] = 2.0
    params = {"vector_coefficients": coeffs, "betas": betas,
              "field_polynomial": np.array(field.polynomial, dtype=np.float64),
              "field_root": np.array(field.approximation)}
    return assemble_model(machine, rung, params, np.asarray(h0_float, dtype=np.float64), C,
                          f"reflections: {name} (≤ {n} per letter)", None)


def _reset_targets(machine: MooreMachine) -> list[int | None] | None:
    """Per letter: None for the identity, q for the constant map to q; None overall when
    some letter is neither."""
    out: list[int | None] = []
    ident = np.arange(machine.n_states)
    for a in range(machine.n_symbols):
        col = machine.transitions[:, a]
        if np.array_equal(col, ident):
            out.append(None)
        elif np.all(col == col[0]):
            out.append(int(col[0]))
        else:
            return None
    return out


def projection_model(profile: AlgebraicProfile, rung: str) -> BilinearModel | None:
    """A reset task with one projection factor on two units (module docstring); None when
    some letter is neither the identity nor a constant map."""
    machine = profile.machine
    targets = _reset_targets(machine)
    if targets is None:
        return None
    labels = machine.output_codes
    n_out = len(machine.output_labels)
    # states of output y get t in [2y, 2y + 1/2), dyadic so the floats are the exact values
    per_label: dict[int, list[int]] = {}
    for q in range(machine.n_states):
        per_label.setdefault(int(labels[q]), []).append(q)
    t = np.zeros(machine.n_states)
    for y, states in per_label.items():
        step = 2.0 ** -math.ceil(math.log2(2 * len(states)))
        for i, q in enumerate(states):
            t[q] = 2 * y + i * step
    D = machine.n_symbols
    vectors = np.zeros((D, 1, 2))
    betas = np.zeros((D, 1))
    vectors[:, 0, 0] = 1.0
    for a, q in enumerate(targets):
        if q is not None:
            vectors[a, 0] = (-t[q], 1.0)
            betas[a, 0] = 1.0
    m = 2.0 * np.arange(n_out)
    C = np.stack([-m * m, 2 * m], axis=1)
    h0 = np.array([1.0, t[machine.start]])
    return assemble_model(machine, rung, {"vectors": vectors, "betas": betas}, h0, C,
                          "projections onto rays (reset task, one factor)", None)
