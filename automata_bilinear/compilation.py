"""Compiling an automaton into bilinear weights on a rung of the hierarchy.

:func:`compile_bilinear` minimises the automaton, decides from its algebraic profile whether
the rung can represent it (THEORY.md §4; a "no" raises :class:`NotRepresentableError` with the
reason), and builds the smallest of the constructions of THEORY.md §6 that fits:

==================  ====================================================  ===============
construction        rungs                                                 hidden size
==================  ====================================================  ===============
one-hot (Prop. 1)   full, block/orthogonal_block with b ≥ |Q_f|           |Q_f|
shared rank-one     cp (terms ``e_p 1_Sᵀ`` deduplicated across letters)   |Q_f|, R terms
dihedral            cp (R = 2): ``M = rot(2π/n)``, d = (1,1) / (1,−1)     2
characters          rotation, complex/real/sign diagonal, block rungs     2r − s
                    (Smith normal form of the abelian transition group)
homogeneous         block: abelian group letters plus reset letters       2r − s + 1
decay indicators    complex/real/positive diagonal, block rungs           Π (i_σ+1)p_σ
irreps              orthogonal_block/block (named groups)                 Σ dims
minimal WFA         full with ``exact_valued=True``                       Hankel rank
==================  ====================================================  ===============

Every model carries an exact description so that :func:`automata_bilinear.verify.verify`
proves it on all lengths (finite-image search, analytic margin bound, or weighted-automaton
equivalence).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from .algebra import AlgebraicProfile, algebraic_profile
from .assembly import assemble_model, blocks_from_matrices, finite_image_exact, reachable_image
from .automaton import MooreMachine
from .dynamics import OneHotDynamics, PhaseDynamics
from .errors import (
    AutomataBilinearError,
    NotRepresentableError,
    ResourceLimitError,
    SpecError,
)
from .limits import check_allocation
from .model import RUNGS, BilinearModel, materialize_transitions
from .readout import fit_readout
from .representations import KernelObstruction, irrep_model
from .verify import VerificationReport
from .wfa import minimal_exact_valued_model

__all__ = [
    "RUNG_ORDER",
    "ConstructionUnavailableError",
    "compile_bilinear",
    "compile_lowest",
    "not_representable_reason",
    "verify_decay",
    "verify_threshold",
]

_BLOCK_RUNGS = ("block", "orthogonal_block")

RUNG_ORDER = (
    "positive_diagonal",
    "sign_diagonal",
    "real_diagonal",
    "rotation",
    "complex_diagonal",
    "orthogonal_block",
    "block",
    "cp",
    "full",
)
"""Rungs from the narrowest to the widest, the order in which :func:`compile_lowest` tries
them (sign ⊂ rotation and positive ⊂ real are side branches of THEORY.md §3's containments)."""


class ConstructionUnavailableError(AutomataBilinearError):
    """No implemented construction fits, although the rung is not proven impossible."""


# -- rung decisions (THEORY.md §4, tests of §5) ------------------------------------------------


def _word(profile: AlgebraicProfile, q: int) -> str:
    return " ".join(profile.minimization.access_word(q)) or "ε"


def not_representable_reason(profile: AlgebraicProfile, rung: str,
                             block_size: int | None = None) -> str | None:
    """Why ``rung`` cannot represent the task (None when THEORY.md does not rule it out).

    Uses only the polynomial tests of THEORY.md §5: non-commuting letters (PARIKH), a letter
    that is not a permutation (RECUR), a letter cycle of the wrong length (PERIOD). Exact
    certificates are built from the same data by the classifier.
    """
    alphabet = profile.machine.alphabet
    commuting_needed = rung in ("complex_diagonal", "rotation", "real_diagonal",
                                "sign_diagonal", "positive_diagonal")
    if rung in _BLOCK_RUNGS and block_size == 1:
        commuting_needed = True
    if commuting_needed and profile.non_commuting is not None:
        q, a, b = profile.non_commuting
        return (f"PARIKH: letters {alphabet[a]!r} and {alphabet[b]!r} do not commute after "
                f"'{_word(profile, q)}', but every commuting (diagonal) model depends only on "
                "letter counts")
    group_needed = rung in ("rotation", "sign_diagonal", "orthogonal_block")
    if group_needed:
        for d in profile.letters:
            if not d.is_permutation:
                return (f"RECUR: letter {d.symbol!r} is not a permutation of the minimal "
                        "automaton's states, but powers of an orthogonal matrix return "
                        "arbitrarily close to the identity")
    small = rung in ("real_diagonal", "sign_diagonal") or (
        rung in _BLOCK_RUNGS and block_size == 1)
    if small:
        for d in profile.letters:
            bad = [c for c in d.cycle_lengths if c > 2]
            if bad:
                return (f"PERIOD: letter {d.symbol!r} has a cycle of length {bad[0]}, but a "
                        "real exponential sum has an eventually 2-periodic sign")
    if rung == "positive_diagonal":
        for d in profile.letters:
            bad = [c for c in d.cycle_lengths if c > 1]
            if bad:
                return (f"PERIOD: letter {d.symbol!r} has a cycle of length {bad[0]}, but a "
                        "positive exponential sum has an eventually constant sign")
    return None


# -- helpers -------------------------------------------------------------------------------


# -- one-hot and CP ------------------------------------------------------------------------


def one_hot_model(machine: MooreMachine, rung: str = "full") -> BilinearModel:
    """Prop. 1: ``A_σ[q', q] = [δ(q, σ) = q']``, ``h0 = e_{q0}``, ``C[y, q] = [out(q) = y]``.

    On ``full`` the tensor W; on block rungs a single block of size |Q|; on ``cp`` the
    deduplicated rank-one terms ``e_p 1_Sᵀ`` (``S = σ⁻¹(p)``) shared across letters.
    """
    n, D = machine.n_states, machine.n_symbols
    check_allocation("one-hot transition matrices", (D, n, n))
    A = np.zeros((D, n, n))
    for a in range(D):
        A[a, machine.transitions[:, a], np.arange(n)] = 1.0
    h0 = np.zeros(n)
    h0[machine.start] = 1.0
    labels, codes = machine.output_labels, machine.output_codes
    C = np.zeros((len(labels), n))
    C[codes, np.arange(n)] = 1.0
    exact = finite_image_exact(OneHotDynamics(machine.transitions.copy(), machine.start))
    if rung == "full":
        return assemble_model(machine, rung, {"W": np.moveaxis(A, 0, 2)}, h0, C,
                              "one-hot (Prop. 1)", exact)
    if rung in _BLOCK_RUNGS:
        return assemble_model(machine, rung, blocks_from_matrices(A, [n]), h0, C,
                      "one-hot (Prop. 1) as one block", exact)
    if rung == "cp":
        terms: dict[tuple[int, bytes], int] = {}
        uses: list[list[int]] = []
        for a in range(D):
            col = machine.transitions[:, a]
            mine = []
            for p in np.unique(col).tolist():
                support = (col == p)
                key = (p, np.packbits(support).tobytes())
                mine.append(terms.setdefault(key, len(terms)))
            uses.append(mine)
        R = len(terms)
        check_allocation("CP factors", (n, R))
        U, V, d = np.zeros((n, R)), np.zeros((n, R)), np.zeros((D, R))
        for (p, _), r in terms.items():
            U[p, r] = 1.0
        for a in range(D):
            col = machine.transitions[:, a]
            for r in uses[a]:
                d[a, r] = 1.0
                p = int(np.flatnonzero(U[:, r])[0])
                V[:, r] = (col == p)
        return assemble_model(machine, rung, {"U": U, "V": V, "d": d}, h0, C,
                      f"shared rank-one terms (R = {R})", exact)
    raise ValueError(rung)


def _permutation_order(perm: np.ndarray) -> int:
    ident = np.arange(perm.size)
    p, k = perm.copy(), 1
    while not np.array_equal(p, ident):
        p = perm[p]
        k += 1
    return k


def dihedral_cp_model(profile: AlgebraicProfile) -> BilinearModel | None:
    """CP with R = 2 for a dihedral group over a rotation and a reflection letter.

    Applies when the minimal automaton has two permutation letters ``r`` of order m ≥ 3 and
    ``s`` of order 2 with ``s r s = r⁻¹`` and 2m states. Then ``A_σ = diag(d_σ) M`` with
    ``M = rot(2π/m)``, ``d_r = (1, 1)``, ``d_s = (1, −1)`` (THEORY.md §6).
    """
    machine = profile.machine
    if machine.n_symbols != 2 or not profile.is_group or machine.n_states % 2:
        return None
    m = machine.n_states // 2
    if m < 3:
        return None
    perms = [machine.transitions[:, a] for a in range(2)]
    orders = [_permutation_order(p) for p in perms]
    for r_idx in (0, 1):
        r, s = perms[r_idx], perms[1 - r_idx]
        if orders[r_idx] != m or orders[1 - r_idx] != 2:
            continue
        r_inv = np.argsort(r)
        if not np.array_equal(s[r[s]], r_inv):  # s r s = r^-1 as maps (s applied last)
            continue
        theta = 2 * np.pi / m
        M = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        d = np.zeros((2, 2))
        d[r_idx] = (1.0, 1.0)
        d[1 - r_idx] = (1.0, -1.0)
        # exact phases mod 4m: h0 = ζ_{4m}; r: z ↦ ζ_m z; s: z ↦ conj(ζ_m z) = ζ_m⁻¹ z̄
        signs = [(1,), (1,)]
        shifts = [(4,), (4,)]
        signs[1 - r_idx], shifts[1 - r_idx] = (-1,), (-4,)
        dyn = PhaseDynamics(moduli=(4 * m,), initial_exponents=(1,), signs=tuple(signs),
                            shifts=tuple(shifts), resets=(None, None))
        X, targets = reachable_image(machine, dyn)
        C = fit_readout(X, targets, len(machine.output_labels))
        return assemble_model(machine, "cp", {"U": np.eye(2), "V": M.T, "d": d}, X[0], C,
                      f"dihedral D_{m} (CP rank 2)", finite_image_exact(dyn))
    return None


# -- characters of an abelian group (Smith normal form) ----------------------------------------


def _abelian_structure(machine: MooreMachine, letters: list[int]) -> tuple[
        list[int], np.ndarray, np.ndarray] | None:
    """Invariant factors and characters of the group generated by commuting permutation
    ``letters``, when it acts regularly on the states (else None).

    Returns ``(moduli d_j > 1, shifts (D_letters, r) = φ_j(letter), exponents (n, r) of each
    state)`` with ``φ: Z^k → ⊕ Z_{d_j}`` from the Smith normal form of the relation lattice.
    """
    from sympy import Matrix
    from sympy.matrices.normalforms import smith_normal_decomp

    n = machine.n_states
    t = machine.transitions
    # generating subset, greedily, and Parikh vectors of access words over it
    gens: list[int] = []
    parikh = None
    for a in letters:
        trial = [*gens, a]
        vec = np.full((n, len(trial)), -1, dtype=np.int64)
        vec[machine.start] = 0
        frontier = [machine.start]
        reached = 1
        while frontier:
            nxt = []
            for q in frontier:
                for j, g in enumerate(trial):
                    r = int(t[q, g])
                    if vec[r, 0] < 0:
                        vec[r] = vec[q]
                        vec[r, j] += 1
                        nxt.append(r)
                        reached += 1
            frontier = nxt
        if parikh is None or reached > int((parikh[:, 0] >= 0).sum()):
            gens, parikh = trial, vec
        if reached == n:
            break
    if parikh is None or (parikh[:, 0] < 0).any():
        return None
    k = len(gens)
    # regular action: group order must equal n (commuting + transitive => regular)
    # relation lattice L ⊂ Z^k, reduced modulo n (n·Z^k ⊂ L), Hermite-style accumulation
    basis = [[n if i == j else 0 for j in range(k)] for i in range(k)]
    for q in range(n):
        for j, g in enumerate(gens):
            row = [int(x) for x in parikh[q]]
            row[j] += 1
            row = [(x - y) % n for x, y in zip(row, parikh[int(t[q, g])])]
            for c in range(k):
                if row[c] == 0:
                    continue
                b = basis[c]
                g_, x, y = _ext_gcd(b[c], row[c])
                new_b = [(x * u + y * v) for u, v in zip(b, row)]
                new_r = [((row[c] // g_) * u - (b[c] // g_) * v) % n for u, v in zip(b, row)]
                basis[c] = [v % n if i > c else v for i, v in enumerate(new_b)]
                row = new_r
    S, _, V = smith_normal_decomp(Matrix(basis))
    diag = [abs(int(S[i, i])) for i in range(k)]
    Vn = np.array(V.tolist(), dtype=object)
    keep = [j for j in range(k) if diag[j] > 1]
    moduli = [diag[j] for j in keep]
    if math.prod(moduli) != n:
        return None
    phi_gens = np.array([[int(Vn[g, j]) % diag[j] for j in keep] for g in range(k)],
                        dtype=np.int64).reshape(k, len(keep))
    exps = (parikh @ phi_gens) % np.array(moduli, dtype=np.int64) if keep else \
        np.zeros((n, 0), dtype=np.int64)
    # every letter's shift = exponents of the state it moves the start state to
    shifts = np.array([exps[int(t[machine.start, a])] for a in range(machine.n_symbols)],
                      dtype=np.int64).reshape(machine.n_symbols, len(keep))
    return moduli, shifts, exps


def _ext_gcd(a: int, b: int) -> tuple[int, int, int]:
    x0, y0, x1, y1 = 1, 0, 0, 1
    while b:
        q, a, b = a // b, b, a % b
        x0, x1 = x1, x0 - q * x1
        y0, y1 = y1, y0 - q * y1
    if a < 0:
        a, x0, y0 = -a, -x0, -y0
    return a, x0, y0


def _phase_layout(moduli: list[int], shifts: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Order units complex (modulus ≥ 3) first, then real (modulus 2)."""
    order = [j for j, d in enumerate(moduli) if d > 2] + [j for j, d in enumerate(moduli)
                                                           if d <= 2]
    return [moduli[j] for j in order], shifts[:, order]


def characters_model(profile: AlgebraicProfile, rung: str) -> BilinearModel:
    """Abelian group: one unit per invariant factor d_j (complex 2×2 if d_j ≥ 3, ±1 if 2),
    eigenvalue ``exp(2πi φ_j(σ)/d_j)``; 2r − s real dimensions (THEORY.md §6)."""
    machine = profile.machine
    structure = _abelian_structure(machine, list(range(machine.n_symbols)))
    if structure is None:
        raise ConstructionUnavailableError("the abelian transition group does not act "
                                           "regularly; no character construction")
    moduli, shifts, _ = structure
    moduli, shifts = _phase_layout(moduli, shifts)
    D = machine.n_symbols
    dyn = PhaseDynamics(
        moduli=tuple(moduli), initial_exponents=(0,) * len(moduli),
        signs=tuple((1,) * len(moduli) for _ in range(D)),
        shifts=tuple(tuple(int(x) for x in row) for row in shifts),
        resets=(None,) * D,
    )
    if not moduli:  # trivial group: one state, one real unit fixed at 1
        dyn = PhaseDynamics((1,), (0,), ((1,),) * D, ((0,),) * D, (None,) * D)
        moduli, shifts = [1], np.zeros((D, 1), dtype=np.int64)
    X, targets = reachable_image(machine, dyn)
    C = fit_readout(X, targets, len(machine.output_labels))
    complex_idx = [j for j, d in enumerate(moduli) if d > 2]
    real_idx = [j for j, d in enumerate(moduli) if d <= 2]
    lam = np.exp(2j * np.pi * shifts[:, complex_idx] / np.array([moduli[j] for j in complex_idx]
                                                                 or [1]))
    lam = lam.reshape(D, len(complex_idx))
    real = np.where(shifts[:, real_idx] % 2 == 0, 1.0, -1.0).reshape(D, len(real_idx))
    r, s = len(moduli), len(real_idx)
    name = f"characters (Smith normal form, invariant factors {moduli}, 2r − s = {2 * r - s})"
    exact = finite_image_exact(dyn)
    if rung in ("rotation", "complex_diagonal"):
        params = {"complex_eigenvalues": lam, "real_eigenvalues": real}
    elif rung in ("real_diagonal", "sign_diagonal"):
        if complex_idx:
            raise ValueError("complex units on a real rung")
        params = {"eigenvalues": real}
    else:  # block rungs: 2×2 rotation blocks and 1×1 signs
        A = materialize_transitions("complex_diagonal", {"complex_eigenvalues": lam,
                                                         "real_eigenvalues": real}, D)
        params = blocks_from_matrices(A, [2] * len(complex_idx) + [1] * len(real_idx))
    return assemble_model(machine, rung, params, X[0], C, name, exact)


def homogeneous_reset_model(profile: AlgebraicProfile) -> BilinearModel | None:
    """Block rung: letters that are permutations generating an abelian group acting
    regularly, plus reset letters (constant maps). One block ``[[Λ, b], [0, 1]]`` of size
    2r − s + 1 (THEORY.md §6, homogeneous coordinate)."""
    machine = profile.machine
    t = machine.transitions
    perm_letters = [a for a, d in enumerate(profile.letters) if d.is_permutation]
    resets = {a: int(t[0, a]) for a in range(machine.n_symbols)
              if np.all(t[:, a] == t[0, a])}
    if not resets or len(perm_letters) + len(resets) != machine.n_symbols:
        return None
    for a, b in itertools.combinations(perm_letters, 2):
        if not np.array_equal(t[t[:, a], b], t[t[:, b], a]):
            return None
    structure = _abelian_structure(machine, perm_letters)
    if structure is None:
        return None
    moduli, shifts, exps = structure
    order = [j for j, d in enumerate(moduli) if d > 2] + [j for j, d in enumerate(moduli)
                                                           if d <= 2]
    moduli = [moduli[j] for j in order]
    shifts, exps = shifts[:, order], exps[:, order]
    D = machine.n_symbols
    dyn = PhaseDynamics(
        moduli=tuple(moduli), initial_exponents=tuple(int(e) for e in exps[machine.start]),
        signs=tuple((1,) * len(moduli) for _ in range(D)),
        shifts=tuple(tuple(int(x) for x in row) for row in shifts),
        resets=tuple(tuple(int(e) for e in exps[resets[a]]) if a in resets else None
                     for a in range(D)),
        homogeneous=True,
    )
    H = dyn.hidden_size
    A = np.zeros((D, H, H))
    for a in range(D):
        A[a, H - 1, H - 1] = 1.0
        if a in resets:
            A[a, :H - 1, H - 1] = dyn.to_model([dyn.resets[a]])[0, :H - 1]
        else:
            col = 0
            for j, d in enumerate(moduli):
                angle = 2 * np.pi * shifts[a, j] / d
                if d > 2:
                    A[a, col:col + 2, col:col + 2] = [[np.cos(angle), -np.sin(angle)],
                                                      [np.sin(angle), np.cos(angle)]]
                    col += 2
                else:
                    A[a, col, col] = 1.0 if shifts[a, j] % 2 == 0 else -1.0
                    col += 1
    X, targets = reachable_image(machine, dyn)
    C = fit_readout(X, targets, len(machine.output_labels))
    return assemble_model(machine, "block", blocks_from_matrices(A, [H]), X[0], C,
                          f"homogeneous coordinate: characters {moduli} plus resets",
                          finite_image_exact(dyn))


# -- decay indicators for commutative monoids ------------------------------------------------


def _lagrange_basis(nodes: list[Fraction]) -> list[list[Fraction]]:
    """Coefficients (increasing degree) of the Lagrange basis polynomials on ``nodes``."""
    basis = []
    for j, xj in enumerate(nodes):
        poly = [Fraction(1)]
        denom = Fraction(1)
        for m, xm in enumerate(nodes):
            if m == j:
                continue
            poly = [Fraction(0), *poly]  # multiply by x
            for e in range(len(poly) - 1):
                poly[e] -= xm * poly[e + 1]
            denom *= xj - xm
        basis.append([c / denom for c in poly])
    return basis


def _decay_tables(profile: AlgebraicProfile, beta_exponent: int) -> dict[str, Any]:
    """Per-letter Lagrange coefficients and the exact error bound E of the decay construction
    with base β = 2^beta_exponent (THEORY.md §6)."""
    beta = Fraction(2) ** beta_exponent
    per_letter = []
    total = Fraction(1)
    for d in profile.letters:
        i = d.index
        nodes = [beta ** (-m) for m in range(i)] + [Fraction(0)]
        basis = _lagrange_basis(nodes)
        xmax = beta ** (-i)
        s_err = Fraction(0)
        for poly in basis:
            s_err += sum(abs(c) * xmax ** e for e, c in enumerate(poly) if e >= 1)
        per_letter.append((i, d.period, basis))
        total *= 1 + (s_err if i > 0 else 0)
    return {"letters": per_letter, "error": total - 1}


def _class_outputs(profile: AlgebraicProfile) -> np.ndarray:
    """Output code of the state reached by every joint class vector κ (row-major)."""
    machine = profile.machine
    states = np.array([machine.start], dtype=np.int64)
    for a, d in enumerate(profile.letters):
        size = d.index + d.period
        check_allocation("decay class table", (states.size, size))
        powers = [np.arange(machine.n_states)]
        for _ in range(size - 1):
            powers.append(machine.transitions[powers[-1], a])
        states = np.stack([p[states] for p in powers], axis=-1).reshape(-1)
    return machine.output_codes[states]


def _decay_parameters(profile: AlgebraicProfile, beta_exponent: int, class_outputs: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Eigenvalues (complex units, real units), h0 and readout of the decay construction."""
    tables = _decay_tables(profile, beta_exponent)
    beta = 2.0 ** beta_exponent
    letter_units, letter_coef = [], []
    for i, p, basis in tables["letters"]:
        units = [(e, k) for e in range(i + 1) for k in range(p)]
        M = np.zeros((i + p, len(units)), dtype=np.complex128)
        for u, (e, k) in enumerate(units):
            for c in range(i):  # transient classes: Lagrange basis, k = 0 part only
                if k == 0:
                    M[c, u] = float(basis[c][e]) if e < len(basis[c]) else 0.0
            for r in range(p):  # periodic classes: saturating polynomial × residue indicator
                sat = basis[i]
                coef = float(sat[e]) if e < len(sat) else 0.0
                M[i + r, u] = coef * np.exp(-2j * np.pi * k * (i + r) / p) / p
        letter_units.append(units)
        letter_coef.append(M)
    sizes = [M.shape[0] for M in letter_coef]
    n_out = int(class_outputs.max()) + 1 if class_outputs.size else 1
    unit_shape = [len(u) for u in letter_units]
    n_units = math.prod(unit_shape)
    check_allocation("decay readout", (n_out, n_units), itemsize=16)
    readout_c = np.zeros((n_out, n_units), dtype=np.complex128)
    ind = class_outputs.reshape(sizes)
    for y in range(n_out):
        tensor = (ind == y).astype(np.complex128)
        for ax, M in enumerate(letter_coef):
            tensor = np.moveaxis(np.tensordot(tensor, M, axes=([ax], [0])), -1, ax)
        readout_c[y] = tensor.reshape(-1)
    # eigenvalue of letter a on joint unit u: β^(-e_a) ω_{p_a}^(k_a)
    grids = np.array(list(itertools.product(*[range(s) for s in unit_shape])),
                     dtype=np.int64).reshape(n_units, len(unit_shape))
    D = len(letter_units)
    eig = np.ones((D, n_units), dtype=np.complex128)
    conj_index = np.zeros(n_units, dtype=np.int64)
    strides = [math.prod(unit_shape[j + 1:]) for j in range(D)]
    for a, units in enumerate(letter_units):
        e = np.array([units[g][0] for g in grids[:, a]])
        k = np.array([units[g][1] for g in grids[:, a]])
        p = tables["letters"][a][1]
        eig[a] = beta ** (-e.astype(float)) * np.exp(2j * np.pi * k / p)
        k_conj = (-k) % p
        conj_index += np.array([units.index((ee, kk)) for ee, kk in zip(e, k_conj)]) * strides[a]
    reps = [u for u in range(n_units) if u <= conj_index[u]]
    is_real = [bool(conj_index[u] == u) for u in reps]
    complex_units = [u for u, real in zip(reps, is_real) if not real]
    real_units = [u for u, real in zip(reps, is_real) if real]
    lam_c = eig[:, complex_units].reshape(D, len(complex_units))
    lam_r = eig[:, real_units].real.reshape(D, len(real_units))
    cols = []
    for u in complex_units:
        c = readout_c[:, u] + np.conj(readout_c[:, conj_index[u]])
        cols += [c.real, -c.imag]
    for u in real_units:
        cols.append(readout_c[:, u].real)
    C = np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))
    h0 = np.concatenate([np.tile([1.0, 0.0], len(complex_units)), np.ones(len(real_units))])
    return lam_c, lam_r, h0, C, [len(complex_units), len(real_units)]


def decay_model(profile: AlgebraicProfile, rung: str, *, max_beta_exponent: int = 60
                ) -> BilinearModel:
    """Commutative monoid: per-letter indicators of (count < index, count mod period) from
    decaying units ``β^(−e n)`` and roots of unity, multiplied across letters; β = 2^s is the
    least power of two whose exact error bound E satisfies E ≤ 1/4 (margin ≥ 1/2)."""
    worst = max((d.index for d in profile.letters), default=0)
    if worst > 40:
        raise ConstructionUnavailableError(
            f"decay construction: a letter has index {worst} > 40; its Lagrange indicators "
            "would not be representable in float64")
    s = 1
    while _decay_tables(profile, s)["error"] > Fraction(1, 4):
        s += 1
        if s > max_beta_exponent:
            raise ConstructionUnavailableError("decay construction: no base up to "
                                               f"2^{max_beta_exponent} meets the bound")
    F = _class_outputs(profile)
    lam_c, lam_r, h0, C, (nc, nr) = _decay_parameters(profile, s, F)
    machine = profile.machine
    D = machine.n_symbols
    if rung in ("real_diagonal", "positive_diagonal") and nc:
        raise ValueError("complex units on a real rung")
    exact = {
        "method": "decay_bound", "beta_exponent": s,
        "letters": [{"symbol": d.symbol, "index": d.index, "period": d.period}
                    for d in profile.letters],
        "class_outputs": F.tolist(),
    }
    name = f"decay indicators (β = 2^{s}, {nc} complex + {nr} real units)"
    if rung in ("complex_diagonal", "rotation"):
        params = {"complex_eigenvalues": lam_c, "real_eigenvalues": lam_r}
    elif rung in ("real_diagonal", "positive_diagonal", "sign_diagonal"):
        params = {"eigenvalues": lam_r}
    else:
        A = materialize_transitions("complex_diagonal", {"complex_eigenvalues": lam_c,
                                                         "real_eigenvalues": lam_r}, D)
        params = blocks_from_matrices(A, [2] * nc + [1] * nr)
    return assemble_model(machine, rung, params, h0, C, name, exact)


def verify_decay(model: BilinearModel, automaton: MooreMachine) -> VerificationReport:
    """Analytic margin bound for a decay-construction model (see :mod:`verify`)."""
    exact = model.exact or {}
    profile = algebraic_profile(automaton)
    method = "analytic margin bound"
    if not profile.is_commutative:
        return VerificationReport(method, False, "the automaton is not commutative")
    stored = [(x["symbol"], x["index"], x["period"]) for x in exact.get("letters", [])]
    actual = [(d.symbol, d.index, d.period) for d in profile.letters]
    if stored != actual:
        return VerificationReport(method, False,
                                  f"letter (index, period) of the automaton {actual} differ "
                                  f"from the construction's {stored}")
    F = _class_outputs(profile)
    labels = profile.machine.output_labels
    F_labels = [labels[c] for c in F.tolist()]
    stored_F = [model.output_labels[c] for c in exact.get("class_outputs", [])]
    if F_labels != stored_F:
        return VerificationReport(method, False,
                                  "the automaton's output on some letter-count class differs "
                                  "from the construction's table")
    s = int(exact["beta_exponent"])
    E = _decay_tables(profile, s)["error"]
    lam_c, lam_r, h0, C, _ = _decay_parameters(profile, s, F)
    expected = BilinearModel(model.rung, _params_like(model, lam_c, lam_r), h0, C,
                             model.alphabet, model.output_labels)
    dev = max(float(np.abs(expected.transitions - model.transitions).max()),
              float(np.abs(expected.readout - model.readout).max()),
              float(np.abs(expected.h0 - model.h0).max()))
    if dev > 1e-9:
        return VerificationReport(method, False,
                                  f"stored parameters differ from the construction by {dev:.3g}")
    if E >= Fraction(1, 2):
        return VerificationReport(method, False, f"error bound E = {float(E):.3g} ≥ 1/2")
    return VerificationReport(
        method, True,
        f"every letter-count vector: readout error ≤ E = {float(E):.3g} < 1/2 (exact "
        f"rationals, β = 2^{s}), so margin ≥ {float(1 - 2 * E):.3g}",
        min_margin=float(1 - 2 * E))


def _params_like(model: BilinearModel, lam_c: np.ndarray, lam_r: np.ndarray
                 ) -> dict[str, np.ndarray]:
    if model.rung in ("complex_diagonal", "rotation"):
        return {"complex_eigenvalues": lam_c, "real_eigenvalues": lam_r}
    if model.rung in ("real_diagonal", "positive_diagonal", "sign_diagonal"):
        return {"eigenvalues": lam_r}
    A = materialize_transitions("complex_diagonal", {"complex_eigenvalues": lam_c,
                                                     "real_eigenvalues": lam_r},
                                model.n_symbols)
    return blocks_from_matrices(A, [2] * lam_c.shape[1] + [1] * lam_r.shape[1])


# -- a single threshold with two units ------------------------------------------------------


def _threshold_structure(profile: AlgebraicProfile) -> tuple[int, int, int, int] | None:
    """(letter, threshold t, output code below, output code from t on) when the task is
    "at least t of one letter" (every other letter acts as the identity), else None."""
    machine = profile.machine
    if not profile.is_aperiodic_commutative or len(machine.output_labels) != 2:
        return None
    ident = np.arange(machine.n_states)
    moving = [a for a in range(machine.n_symbols)
              if not np.array_equal(machine.transitions[:, a], ident)]
    if len(moving) != 1:
        return None
    a = moving[0]
    t = profile.letters[a].index
    chain = [machine.start]
    for _ in range(t):
        chain.append(int(machine.transitions[chain[-1], a]))
    codes = machine.output_codes[chain].tolist()
    if len(set(chain)) != machine.n_states or codes[:-1] != [codes[0]] * t \
            or codes[-1] == codes[0]:
        return None
    return a, t, codes[0], codes[-1]


def _threshold_parameters(n_symbols: int, letter: int, t: int, below: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eig = np.ones((n_symbols, 2))
    eig[letter, 1] = 0.5
    theta = 1.5 * 2.0 ** (-t)
    C = np.zeros((2, 2))
    C[below] = (-theta, 1.0)  # score(below) − score(above) = 2^(−n) − θ
    return eig, np.ones(2), C


def threshold_model(profile: AlgebraicProfile, rung: str) -> BilinearModel | None:
    """"At least t of letter a": units (1, 2^(−n_a)) and readout sign(2^(−n_a) − 1.5·2^(−t)),
    H = 2 on every diagonal rung (THEORY.md §8)."""
    found = _threshold_structure(profile)
    if found is None:
        return None
    a, t, below, _ = found
    machine = profile.machine
    eig, h0, C = _threshold_parameters(machine.n_symbols, a, t, below)
    if rung in ("complex_diagonal", "rotation"):
        params = {"complex_eigenvalues": np.zeros((machine.n_symbols, 0)),
                  "real_eigenvalues": eig}
    elif rung in _BLOCK_RUNGS:
        A = np.zeros((machine.n_symbols, 2, 2))
        A[:, 0, 0], A[:, 1, 1] = eig[:, 0], eig[:, 1]
        params = blocks_from_matrices(A, [1, 1])
    else:
        params = {"eigenvalues": eig}
    exact = {"method": "threshold_bound", "letter": machine.alphabet[a], "threshold": t}
    return assemble_model(machine, rung, params, h0, C, f"single threshold (at least {t} "
                  f"'{machine.alphabet[a]}', 2 units)", exact)


def verify_threshold(model: BilinearModel, automaton: MooreMachine) -> VerificationReport:
    """Analytic bound for :func:`threshold_model`: 2^(−n) − 1.5·2^(−t) is ≥ 2^(−t−1) for
    n < t and ≤ −2^(−t−1) for n ≥ t, exactly."""
    method = "analytic margin bound"
    exact = model.exact or {}
    profile = algebraic_profile(automaton)
    found = _threshold_structure(profile)
    if found is None:
        return VerificationReport(method, False, "the automaton is not a single threshold")
    a, t, below, above = found
    labels = profile.machine.output_labels
    if (profile.machine.alphabet[a], t) != (exact.get("letter"), exact.get("threshold")):
        return VerificationReport(method, False, "the automaton's threshold letter or count "
                                                 "differs from the model's")
    from .verify import _alignment

    letter, rows = _alignment(model, profile.machine)
    eig, h0, C = _threshold_parameters(profile.machine.n_symbols, a, t, below)
    expected = np.zeros((2, 2))
    expected[rows[below]], expected[rows[above]] = C[below], C[above]
    A = model.transitions[letter]
    dev = max(float(np.abs(A - np.einsum("ki,ij->kij", eig, np.eye(2))).max()),
              float(np.abs(model.readout - expected).max()), float(np.abs(model.h0 - h0).max()))
    if dev > 1e-12:
        return VerificationReport(method, False, f"parameters differ from the construction "
                                                 f"by {dev:.3g}")
    margin = Fraction(1, 2 ** (t + 1))
    return VerificationReport(
        method, True,
        f"for every count n of {labels and profile.machine.alphabet[a]!r}: |2^(−n) − 1.5·2^(−{t})| "
        f"≥ 2^(−{t + 1}) with the sign of the right output (exact)", min_margin=float(margin))


# -- the entry point ---------------------------------------------------------------------


def compile_bilinear(automaton: MooreMachine, rung: str = "full", *,
                     block_size: int | None = None, exact_valued: bool = False,
                     minimal: bool = True) -> BilinearModel:
    """Compile ``automaton`` into a bilinear model on ``rung``.

    Parameters
    ----------
    automaton
        The task. Its minimal automaton is compiled (unless ``minimal=False``, which keeps
        the given states for the one-hot and CP constructions).
    rung
        One of :data:`automata_bilinear.model.RUNGS`.
    block_size
        Largest block for ``block`` / ``orthogonal_block`` (default: no limit).
    exact_valued
        On ``full``: build the minimal exact-valued model ``C h_t = onehot(out_t)`` of
        dimension equal to the Hankel rank (Schützenberger reduction in exact rationals).
    minimal
        Compile the minimal automaton (default).

    Returns
    -------
    BilinearModel
        The smallest construction that fits, with an exact description for :func:`verify`.

    Raises
    ------
    NotRepresentableError
        When THEORY.md proves the rung cannot represent the task; the message names the
        reason (PARIKH, PERIOD or RECUR) and where it comes from.
    ConstructionUnavailableError
        When no implemented construction fits but impossibility is not proven (e.g. general
        ``block`` below |Q_f|, an open question).

    Examples
    --------
    >>> from automata_bilinear.specs import build
    >>> compile_bilinear(build("cyclic:5"), "rotation").hidden_size
    2
    >>> compile_bilinear(build("cyclic:3*cyclic:3"), "rotation").hidden_size
    4
    >>> compile_bilinear(build("flipflop"), "real_diagonal")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.NotRepresentableError: real_diagonal cannot represent ...
    """
    if rung not in RUNGS:
        raise SpecError(f"unknown rung {rung!r}; valid rungs: {', '.join(RUNGS)}")
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise SpecError(f"block_size must be a positive integer, got {block_size!r}")
    profile = algebraic_profile(automaton)
    machine = profile.machine
    name = automaton.name or "automaton"
    reason = not_representable_reason(profile, rung, block_size)
    if reason is not None:
        raise NotRepresentableError(f"{rung} cannot represent {name}: {reason}")
    source = machine if minimal else automaton
    if rung == "full":
        if exact_valued:
            return minimal_exact_valued_model(machine)
        return one_hot_model(source, "full")
    if rung == "cp":
        return dihedral_cp_model(profile) or one_hot_model(source, "cp")

    # Candidate constructions for the rung; the smallest one that builds wins.
    candidates: list[Callable[[], BilinearModel | None]] = []
    if rung in ("rotation", "sign_diagonal"):
        candidates.append(lambda: characters_model(profile, rung))
    elif rung in ("complex_diagonal", "real_diagonal", "positive_diagonal"):
        candidates.append(lambda: threshold_model(profile, rung))
        if profile.is_abelian_group and rung != "positive_diagonal":
            candidates.append(lambda: characters_model(profile, rung))
        else:
            candidates.append(lambda: decay_model(profile, rung))
    else:  # block rungs
        if profile.is_abelian_group:
            candidates.append(lambda: characters_model(profile, rung))
        elif profile.is_commutative and rung == "block":
            candidates.append(lambda: threshold_model(profile, rung))
            candidates.append(lambda: decay_model(profile, rung))
        if rung == "block":
            candidates.append(lambda: homogeneous_reset_model(profile))
        if profile.is_group and not profile.is_commutative:
            candidates.append(lambda: irrep_model(profile, rung, block_size))
        candidates.append(lambda: one_hot_model(source, rung))
    built: list[BilinearModel] = []
    notes: list[str] = []
    for make in candidates:
        try:
            model = make()
        except NotRepresentableError as exc:
            if isinstance(exc, KernelObstruction):
                raise
            notes.append(str(exc))
            continue
        except (ConstructionUnavailableError, ResourceLimitError, ValueError,
                ArithmeticError) as exc:
            notes.append(str(exc))
            continue
        if model is None:
            continue
        if rung in _BLOCK_RUNGS and block_size is not None:
            if int(model.params["block_sizes"].max()) > block_size:
                notes.append(f"{model.construction}: blocks of size "
                             f"{int(model.params['block_sizes'].max())} > {block_size}")
                continue
        built.append(model)
    if not built:
        detail = "; ".join(notes) if notes else "no construction applies"
        if rung in _BLOCK_RUNGS and block_size == 1:
            raise NotRepresentableError(f"{rung}(1) cannot represent {name}: {detail}")
        raise ConstructionUnavailableError(
            f"no implemented construction puts {name} on {rung}"
            + (f"({block_size})" if block_size else "") + f": {detail}")
    return min(built, key=lambda m: (m.hidden_size, m.parameter_count))


def compile_lowest(automaton: MooreMachine) -> BilinearModel:
    """Compile on the first rung of :data:`RUNG_ORDER` that fits (narrowest first).

    Examples
    --------
    >>> from automata_bilinear.specs import build
    >>> compile_lowest(build("parity")).rung, compile_lowest(build("dihedral:3")).rung
    ('sign_diagonal', 'orthogonal_block')
    """
    notes = []
    for rung in RUNG_ORDER:
        try:
            return compile_bilinear(automaton, rung)
        except (NotRepresentableError, ConstructionUnavailableError) as exc:
            notes.append(f"{rung}: {exc}")
    raise AssertionError("full always fits: " + "; ".join(notes))  # pragma: no cover
