"""Compiling an automaton into bilinear weights on a rung of the hierarchy.

:func:`compile_bilinear` minimises the automaton, decides from its algebraic profile whether
the rung can represent it (docs/theory.md §4; a "no" raises :class:`NotRepresentableError` with the
reason), and builds the smallest of the constructions of docs/theory.md §6 that fits:

==================  ====================================================  ===============
construction        rungs                                                 hidden size
==================  ====================================================  ===============
one-hot (Prop. 1)   full, block/orthogonal_block with b ≥ |Q_f|           |Q_f|
shared rank-one     cp (terms ``e_p 1_Sᵀ`` deduplicated across letters)   |Q_f|, R terms
dihedral            cp (R = 2): ``M = rot(2π/n)``, d = (1,1) / (1,−1)     2
characters          rotation, complex/real/sign diagonal, block rungs     2r − s
                    (Smith normal form of the abelian transition group)
character basis     the same rungs, any output function of the group      ≤ |G|
homogeneous         block: abelian group letters plus reset letters       2r − s + 1
envelope            complex/real/positive diagonal, block (commutative)   Π (i_σ+p_σ)
irreps              orthogonal_block/block (named groups)                 Σ dims
minimal WFA         full with ``exact_valued=True``                       Hankel rank
==================  ====================================================  ===============

Every candidate is handed to the trusted checker (:func:`automata_bilinear.checker.proof.prove`),
which proves it from its stored arrays alone; only proved candidates are returned, the
smallest first. A construction whose floats cannot be proved (a rotation by 2π/5 stored as
rounded cos/sin in a dense block, say) is skipped with the reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .algebra.profile import AlgebraicProfile, algebraic_profile
from .algebra.representations import KernelObstruction, irrep_model
from .automata.machine import MooreMachine, check_machine
from .checker.certificates import CertificateKind, refutation_kind
from .checker.proof import prove
from .constructions.assembly import (
    assemble_model,
    blocks_from_matrices,
    finite_image_exact,
    reachable_image,
)
from .constructions.readout import fit_readout
from .errors import (
    ConstructionUnavailableError,
    InvalidArgumentError,
    NotRepresentableError,
    ResourceLimitError,
    SpecError,
)
from .exact.dynamics import OneHotDynamics, PhaseDynamics
from .exact.wfa import minimal_exact_valued_model
from .limits import check_allocation
from .model import BilinearModel, materialize_transitions
from .rungs import RUNG_ORDER, RUNGS, Structure, get_rung

__all__ = [
    "CONSTRUCTIONS",
    "RUNG_ORDER",
    "CompilationTask",
    "Construction",
    "ConstructionUnavailableError",
    "character_basis_model",
    "characters_model",
    "compile_bilinear",
    "compile_lowest",
    "decay_model",
    "not_representable_reason",
    "threshold_model",
]



# -- rung decisions (docs/theory.md §4, tests of §5) -----------------------------------------------


def _word(profile: AlgebraicProfile, q: int) -> str:
    return " ".join(profile.minimization.access_word(q)) or "ε"


def not_representable_reason(profile: AlgebraicProfile, rung: str,
                             block_size: int | None = None) -> str | None:
    """Why ``rung`` (with blocks of size ≤ ``block_size``) cannot represent the task, or None
    when docs/theory.md §4 does not rule it out.

    Reads the rung's facts (:meth:`Rung.obstructions`) and applies the polynomial tests of
    docs/theory.md §5: non-commuting letters (PARIKH), a letter that is not a permutation
    (RECUR), a letter cycle of the wrong length (PERIOD). The classifier builds the exact
    certificates from the same facts
    (:func:`~automata_bilinear.checker.certificates.refuting_certificate`).
    """
    facts = get_rung(rung).obstructions(block_size)
    kind = refutation_kind(profile, facts)
    alphabet = profile.machine.alphabet
    if kind is CertificateKind.PARIKH:
        assert profile.non_commuting is not None
        q, a, b = profile.non_commuting
        return (f"PARIKH: letters {alphabet[a]!r} and {alphabet[b]!r} do not commute after "
                f"'{_word(profile, q)}', but every commuting (diagonal) model depends only on "
                "letter counts")
    if kind is CertificateKind.RECUR:
        d = next(d for d in profile.letters if not d.is_permutation)
        return (f"RECUR: letter {d.symbol!r} is not a permutation of the minimal "
                "automaton's states, but powers of an orthogonal matrix return "
                "arbitrarily close to the identity")
    if kind is CertificateKind.PERIOD:
        cycle = facts.max_letter_cycle
        assert cycle is not None
        d, bad = next((d, c) for d in profile.letters for c in d.cycle_lengths if cycle % c)
        sign = ("a positive exponential sum has an eventually constant sign" if cycle == 1
                else f"a real exponential sum has an eventually {cycle}-periodic sign")
        return f"PERIOD: letter {d.symbol!r} has a cycle of length {bad}, but {sign}"
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
    structure = get_rung(rung).structure
    if structure is Structure.DENSE:
        return assemble_model(machine, rung, {"W": np.moveaxis(A, 0, 2)}, h0, C,
                              "one-hot (Prop. 1)", exact)
    if structure is Structure.BLOCKS:
        return assemble_model(machine, rung, blocks_from_matrices(A, [n]), h0, C,
                              "one-hot (Prop. 1) as one block", exact)
    if structure is Structure.FACTORED:
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
    raise ConstructionUnavailableError(f"no one-hot layout for the {rung} rung's structure")


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
    ``M = rot(2π/m)``, ``d_r = (1, 1)``, ``d_s = (1, −1)`` (docs/theory.md §6).
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
        c, sn = _cos_sin(1, m)
        M = np.array([[c, -sn], [sn, c]])
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


def _character_params(rung: str, D: int, turns: np.ndarray, N: int, real_signs: np.ndarray
                      ) -> dict[str, np.ndarray]:
    """Native parameters of units with eigenvalues ``exp(2πi turns/N)`` (complex units,
    (D, c)) and ±1 (real units, (D, r)), in the exact phase schema of the rung."""
    c = turns.shape[1]
    structure = get_rung(rung).structure
    if structure is Structure.COMPLEX_DIAGONAL:
        return {"phase_turns": turns.astype(float), "phase_periods": np.full(c, float(N)),
                "complex_moduli": np.ones((D, c)), "real_eigenvalues": real_signs}
    if structure is Structure.DIAGONAL:
        if c:
            raise ConstructionUnavailableError("complex units on a real rung")
        return {"eigenvalues": real_signs}
    if structure is not Structure.BLOCKS:
        raise ConstructionUnavailableError(f"no unit layout for the {rung} rung's structure")
    r = real_signs.shape[1]
    return {"block_turns": np.concatenate([turns, (real_signs < 0).astype(np.int64)], axis=1
                                          ).astype(float),
            "block_reflections": np.zeros((D, c + r)),
            "block_periods": np.array([float(N)] * c + [2.0] * r),
            "block_sizes": np.array([2.0] * c + [1.0] * r)}


def characters_model(profile: AlgebraicProfile, rung: str) -> BilinearModel:
    """Abelian group: one unit per invariant factor d_j (complex 2×2 if d_j ≥ 3, ±1 if 2),
    eigenvalue ``exp(2πi φ_j(σ)/d_j)``; 2r − s real dimensions (docs/theory.md §6). The readout
    is fitted on the image; when no linear readout separates it (an output that is not the
    group element), see :func:`character_basis_model`."""
    machine = profile.machine
    structure = _abelian_structure(machine, list(range(machine.n_symbols)))
    if structure is None:
        raise ConstructionUnavailableError("the abelian transition group does not act "
                                           "regularly; no character construction")
    moduli, shifts, _ = structure
    moduli, shifts = _phase_layout(moduli, shifts)
    D = machine.n_symbols
    if not moduli:  # trivial group: one state, one real unit fixed at 1
        moduli, shifts = [1], np.zeros((D, 1), dtype=np.int64)
    dyn = PhaseDynamics(
        moduli=tuple(moduli), initial_exponents=(0,) * len(moduli),
        signs=tuple((1,) * len(moduli) for _ in range(D)),
        shifts=tuple(tuple(int(x) for x in row) for row in shifts),
        resets=(None,) * D,
    )
    X, targets = reachable_image(machine, dyn)
    C = fit_readout(X, targets, len(machine.output_labels))
    complex_idx = [j for j, d in enumerate(moduli) if d > 2]
    real_idx = [j for j, d in enumerate(moduli) if d <= 2]
    N = math.lcm(*[moduli[j] for j in complex_idx]) if complex_idx else 1
    turns = np.array([[int(shifts[a, j]) * (N // moduli[j]) for j in complex_idx]
                      for a in range(D)], dtype=np.int64).reshape(D, len(complex_idx))
    real = np.where(shifts[:, real_idx] % 2 == 0, 1.0, -1.0).reshape(D, len(real_idx))
    r, s = len(moduli), len(real_idx)
    name = f"characters (Smith normal form, invariant factors {moduli}, 2r − s = {2 * r - s})"
    params = _character_params(rung, D, turns, N, real)
    return assemble_model(machine, rung, params, X[0], C, name, None)


def character_basis_model(profile: AlgebraicProfile, rung: str, max_order: int = 4096
                          ) -> BilinearModel:
    """Abelian group, any output function f: G → Y: the characters χ of G as units (the
    regular representation diagonalised), readout ``score_y = Σ_{g ∈ f⁻¹(y)} Σ_χ
    conj χ(g) χ(·) / |G|`` — the exact indicator of each fibre, margin 1 (docs/theory.md §9).
    Characters on which every fibre indicator has zero coefficient are dropped, so an output
    that factors through G/K uses only the characters of G/K."""
    machine = profile.machine
    n, D = machine.n_states, machine.n_symbols
    if n > max_order:
        raise ResourceLimitError(f"character basis: |G| = {n} units exceeds {max_order}")
    structure = _abelian_structure(machine, list(range(D)))
    if structure is None:
        raise ConstructionUnavailableError("the abelian transition group does not act "
                                           "regularly; no character construction")
    moduli, shifts, exps = structure
    if not moduli:
        moduli, shifts, exps = [1], np.zeros((D, 1), dtype=np.int64), np.zeros((n, 1), int)
    N = math.lcm(*moduli)
    weights = np.array([N // d for d in moduli], dtype=np.int64)
    chars = np.array(list(itertools.product(*[range(d) for d in moduli])), dtype=np.int64)
    # χ_m(g) = exp(2πi Σ_j m_j e_j(g) / d_j) = exp(2πi (chars·weights) e / N)
    state_turns = (exps * weights) @ chars.T % N       # (n states, |G| characters)
    letter_turns = (shifts * weights) @ chars.T % N    # (D, |G|)
    values = np.exp(2j * np.pi * state_turns / N)
    codes = machine.output_codes
    Y = len(machine.output_labels)
    coef = np.stack([np.conj(values[codes == y]).sum(axis=0) / n for y in range(Y)])  # (Y, |G|)
    keep = np.flatnonzero(np.abs(coef).max(axis=0) > 1e-9)
    conj = {tuple(m): i for i, m in enumerate(chars.tolist())}
    conj_of = np.array([conj[tuple((-np.array(m)) % np.array(moduli))] for m in chars.tolist()])
    kept = set(keep.tolist())
    real_units = [u for u in sorted(kept) if conj_of[u] == u]
    complex_units = [u for u in sorted(kept) if conj_of[u] > u or
                     (conj_of[u] < u and conj_of[u] not in kept)]
    cols = []
    for u in complex_units:
        c = coef[:, u] + np.conj(coef[:, conj_of[u]])
        cols += [c.real, -c.imag]
    cols += [coef[:, u].real for u in real_units]
    C = np.stack(cols, axis=1)
    C = np.where(np.abs(C) < 1e-14, 0.0, C)
    h0 = np.concatenate([np.tile([1.0, 0.0], len(complex_units)), np.ones(len(real_units))])
    turns = letter_turns[:, complex_units]
    real = np.where(letter_turns[:, real_units] == 0, 1.0, -1.0).reshape(D, len(real_units))
    params = _character_params(rung, D, turns, N, real)
    name = (f"character basis ({len(complex_units)} complex + {len(real_units)} real of the "
            f"{n} characters of G)")
    return assemble_model(machine, rung, params, h0, C, name, None)


def _cos_sin(k: int, n: int) -> tuple[float, float]:
    """cos and sin of 2πk/n, exact (0, ±1) at quarter turns, where numpy gives 6e-17."""
    if (4 * k) % n == 0:
        quarter = (4 * k // n) % 4
        return float((1, 0, -1, 0)[quarter]), float((0, 1, 0, -1)[quarter])
    angle = 2 * np.pi * k / n
    return float(np.cos(angle)), float(np.sin(angle))


def homogeneous_reset_model(profile: AlgebraicProfile) -> BilinearModel | None:
    """Block rung: letters that are permutations generating an abelian group acting
    regularly, plus reset letters (constant maps). One block ``[[Λ, b], [0, 1]]`` of size
    2r − s + 1 (docs/theory.md §6, homogeneous coordinate)."""
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
                if d > 2:
                    c, sn = _cos_sin(int(shifts[a, j]), d)
                    A[a, col:col + 2, col:col + 2] = [[c, -sn], [sn, c]]
                    col += 2
                else:
                    A[a, col, col] = 1.0 if shifts[a, j] % 2 == 0 else -1.0
                    col += 1
    X, targets = reachable_image(machine, dyn)
    C = fit_readout(X, targets, len(machine.output_labels))
    return assemble_model(machine, "block", blocks_from_matrices(A, [H]), X[0], C,
                          f"homogeneous coordinate: characters {moduli} plus resets",
                          finite_image_exact(dyn))


# -- envelope indicators for commutative monoids --------------------------------------------


def _class_outputs(profile: AlgebraicProfile) -> np.ndarray:
    """Output code of the state reached by every joint class vector κ (row-major): per letter
    the classes are the counts 0 .. index + period − 1."""
    machine = profile.machine
    states = np.array([machine.start], dtype=np.int64)
    for a, d in enumerate(profile.letters):
        size = d.index + d.period
        check_allocation("letter-count class table", (states.size, size))
        powers = [np.arange(machine.n_states)]
        for _ in range(size - 1):
            powers.append(machine.transitions[powers[-1], a])
        states = np.stack([p[states] for p in powers], axis=-1).reshape(-1)
    return machine.output_codes[states]


def _envelope_sharpness(profile: AlgebraicProfile) -> int:
    """The exponent s of the envelope: off-peak units weigh at most (2 + p_a)·2^(1−s) per
    letter, and their sum over letters must stay below 0.4 (so every margin is ≥ 0.2)."""
    total = sum(2 + d.period for d in profile.letters if d.index + d.period > 1)
    return max(2, math.ceil(math.log2(2.5 * 2.02 * max(total, 1))))


def decay_model(profile: AlgebraicProfile, rung: str) -> BilinearModel:
    """Commutative monoid, any output: per letter a, units whose log-magnitude is the tangent
    line ``s(2cn − c²)`` of the parabola ``s n²`` at c = 0 … index_a (an *upper envelope*: at
    count n the unit ``c = min(n, index)`` dominates every other by a factor ≥ 2^s), the last
    one times the roots of unity of the letter's period; joint units are products across
    letters, so the normalised state is close to the one-hot vector of the joint letter-count
    class, and the readout adds the classes of each output (a discrete Fourier transform on
    the periodic part). Every eigenvalue and h0 entry is a power of two (times a root of
    unity, stored as an exact turn), so the stored arrays are the construction exactly.
    """
    machine = profile.machine
    letters = profile.letters
    s = _envelope_sharpness(profile)
    worst = max((d.index for d in letters), default=0)
    if s * worst * worst > 1000:
        raise ConstructionUnavailableError(
            f"envelope construction: a letter has index {worst}; 2^(−{s}·{worst}²) is below "
            "the float64 range")
    periods = [d.period for d in letters]
    N = math.lcm(*periods) if periods else 1
    structure = get_rung(rung).structure
    if structure is Structure.DIAGONAL and N > 2:
        raise ConstructionUnavailableError("a letter period > 2 needs complex units")
    F = _class_outputs(profile)
    per_letter_units = [[(c, 0) for c in range(d.index)] + [(d.index, k) for k in range(d.period)]
                        for d in letters]
    D = machine.n_symbols
    n_out = len(machine.output_labels)
    unit_shape = [len(u) for u in per_letter_units]
    n_units = math.prod(unit_shape)
    check_allocation("envelope readout", (n_out, n_units), itemsize=16)
    # per letter: class × unit coefficients of the class indicators
    mats = []
    for d, units in zip(letters, per_letter_units):
        M = np.zeros((d.index + d.period, len(units)), dtype=np.complex128)
        for u, (c, k) in enumerate(units):
            if c < d.index:
                M[c, u] = 1.0
            else:
                for r in range(d.period):
                    M[d.index + r, u] = np.exp(-2j * np.pi * k * (d.index + r) / d.period) \
                        / d.period
        mats.append(M)
    sizes = [M.shape[0] for M in mats]
    ind = F.reshape(sizes)
    readout_c = np.zeros((n_out, n_units), dtype=np.complex128)
    for y in range(n_out):
        tensor = (ind == y).astype(np.complex128)
        for ax, M in enumerate(mats):
            tensor = np.moveaxis(np.tensordot(tensor, M, axes=([ax], [0])), -1, ax)
        readout_c[y] = tensor.reshape(-1)
    grid = np.array(list(itertools.product(*[range(n) for n in unit_shape])),
                    dtype=np.int64).reshape(n_units, D)
    c_of = np.array([[per_letter_units[a][g][0] for a, g in enumerate(row)] for row in grid],
                    dtype=np.int64).reshape(n_units, D)
    k_of = np.array([[per_letter_units[a][g][1] for a, g in enumerate(row)] for row in grid],
                    dtype=np.int64).reshape(n_units, D)
    index = np.array([d.index for d in letters], dtype=np.int64)
    per = np.array(periods, dtype=np.int64)
    log2_mod = 2 * s * (c_of - index)            # (U, D): letter a acts on unit u
    turns = k_of * (N // per)                    # in units of 1/N of a turn
    log2_h0 = -s * (c_of ** 2).sum(axis=1)
    # conjugate pairs: unit with exponents −k
    strides = [math.prod(unit_shape[j + 1:]) for j in range(D)]
    conj = np.zeros(n_units, dtype=np.int64)
    for a, units in enumerate(per_letter_units):
        pos = {u: i for i, u in enumerate(units)}
        conj += np.array([pos[(c, (-k) % letters[a].period)] for c, k in
                          zip(c_of[:, a], k_of[:, a])], dtype=np.int64) * strides[a]
    real_units = [u for u in range(n_units) if conj[u] == u]
    complex_units = [u for u in range(n_units) if conj[u] > u]
    cols = []
    for u in complex_units:
        coef = readout_c[:, u] + np.conj(readout_c[:, conj[u]])
        cols += [coef.real, -coef.imag]
    cols += [readout_c[:, u].real for u in real_units]
    C = np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))
    C = np.where(np.abs(C) < 1e-14, 0.0, C)
    h0 = np.concatenate([np.stack([np.exp2(log2_h0[complex_units].astype(float)),
                                   np.zeros(len(complex_units))], axis=1).ravel(),
                         np.exp2(log2_h0[real_units].astype(float))])
    moduli = np.exp2(log2_mod.T.astype(float))   # (D, U)
    name = (f"envelope indicators (2^{s} separation, {len(complex_units)} complex + "
            f"{len(real_units)} real units)")
    real_eig = moduli[:, real_units] * np.where(turns.T[:, real_units] % N == 0, 1.0, -1.0) \
        if N > 1 else moduli[:, real_units]
    if complex_units and structure not in (Structure.COMPLEX_DIAGONAL, Structure.BLOCKS):
        raise ConstructionUnavailableError("complex units on a real rung")
    if structure is Structure.COMPLEX_DIAGONAL:
        params = {"phase_turns": turns.T[:, complex_units].astype(float),
                  "phase_periods": np.full(len(complex_units), float(N)),
                  "complex_moduli": moduli[:, complex_units],
                  "real_eigenvalues": real_eig}
    elif structure is Structure.DIAGONAL:
        params = {"eigenvalues": real_eig}
    elif structure is Structure.BLOCKS:
        A = materialize_transitions("complex_diagonal", {
            "phase_turns": turns.T[:, complex_units].astype(float),
            "phase_periods": np.full(len(complex_units), float(N)),
            "complex_moduli": moduli[:, complex_units], "real_eigenvalues": real_eig}, D)
        params = blocks_from_matrices(A, [2] * len(complex_units) + [1] * len(real_units))
    else:
        raise ConstructionUnavailableError(f"no unit layout for the {rung} rung's structure")
    return assemble_model(machine, rung, params, h0, C, name, None)


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


def threshold_model(profile: AlgebraicProfile, rung: str) -> BilinearModel | None:
    """"At least t of letter a": units (1, λ^(n_a)) and readout sign(λ^(n_a) − θ) with θ
    between λ^t and λ^(t−1), H = 2 on every diagonal rung (docs/theory.md §8). λ = 1/2 while 2^-t
    is a normal float; beyond, λ = 1 − 2^-k with 2^k ≥ 4t, so that λ^t stays near e^(-1/4)."""
    found = _threshold_structure(profile)
    if found is None:
        return None
    a, t, below, _ = found
    machine = profile.machine
    if t <= 1000:
        lam, theta = 0.5, 1.5 * 2.0 ** (-t)
    else:
        k = math.ceil(math.log2(4 * t))
        lam = 1.0 - 2.0 ** (-k)
        theta = float(np.exp((t - 0.5) * np.log(lam)))
    eig = np.ones((machine.n_symbols, 2))
    eig[a, 1] = lam
    C = np.zeros((2, 2))
    C[below] = (-theta, 1.0)  # score(below) − score(above) = λ^n − θ
    structure = get_rung(rung).structure
    if structure is Structure.COMPLEX_DIAGONAL:
        params = {"complex_eigenvalues": np.zeros((machine.n_symbols, 0)),
                  "real_eigenvalues": eig}
    elif structure is Structure.BLOCKS:
        A = np.zeros((machine.n_symbols, 2, 2))
        A[:, 0, 0], A[:, 1, 1] = eig[:, 0], eig[:, 1]
        params = blocks_from_matrices(A, [1, 1])
    elif structure is Structure.DIAGONAL:
        params = {"eigenvalues": eig}
    else:
        raise ConstructionUnavailableError(f"no unit layout for the {rung} rung's structure")
    return assemble_model(machine, rung, params, np.ones(2), C, f"single threshold (at least "
                          f"{t} '{machine.alphabet[a]}', 2 units)", None)


# -- the constructions by name, as the rung descriptions list them --------------------------


@dataclass(frozen=True)
class CompilationTask:
    """What a construction is asked to do: the task's profile, the automaton to compile (the
    minimal one unless ``minimal=False``), the rung and its options."""

    profile: AlgebraicProfile
    source: MooreMachine
    rung: str
    block_size: int | None
    exact_valued: bool


@dataclass(frozen=True)
class Construction:
    """A named construction: when it applies, and how it builds (None: not this task)."""

    name: str
    applies: Callable[[CompilationTask], bool]
    build: Callable[[CompilationTask], BilinearModel | None]


def _abelian(task: CompilationTask) -> bool:
    return task.profile.is_abelian_group


def _commutative_monoid(task: CompilationTask) -> bool:
    # the trivial group too: rungs without characters (positive) still need a model
    profile = task.profile
    return profile.is_commutative and (not profile.is_abelian_group
                                       or profile.machine.n_states == 1)


def _always(task: CompilationTask) -> bool:
    return True


CONSTRUCTIONS: Mapping[str, Construction] = MappingProxyType({c.name: c for c in (
    Construction("one_hot", lambda t: not t.exact_valued,
                 lambda t: one_hot_model(t.source, t.rung)),
    Construction("minimal_wfa", lambda t: t.exact_valued,
                 lambda t: minimal_exact_valued_model(t.profile.machine)),
    Construction("dihedral_cp", _always, lambda t: dihedral_cp_model(t.profile)),
    Construction("characters", _abelian, lambda t: characters_model(t.profile, t.rung)),
    Construction("character_basis", _abelian,
                 lambda t: character_basis_model(t.profile, t.rung)),
    Construction("threshold", lambda t: not t.profile.is_abelian_group,
                 lambda t: threshold_model(t.profile, t.rung)),
    Construction("decay", _commutative_monoid, lambda t: decay_model(t.profile, t.rung)),
    Construction("homogeneous_reset", _always, lambda t: homogeneous_reset_model(t.profile)),
    Construction("irreps", lambda t: t.profile.is_group and not t.profile.is_commutative,
                 lambda t: irrep_model(t.profile, t.rung, t.block_size)),
)})
"""Every construction a rung can list (:attr:`Rung.constructions`), by name."""


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
        When docs/theory.md proves the rung cannot represent the task; the message names the
        reason (PARIKH, PERIOD or RECUR) and where it comes from.
    ConstructionUnavailableError
        When no implemented construction fits but impossibility is not proven (e.g. general
        ``block`` below |Q_f|, an open question).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> compile_bilinear(build("cyclic:5"), "rotation").hidden_size
    2
    >>> compile_bilinear(build("cyclic:3*cyclic:3"), "rotation").hidden_size
    4
    >>> compile_bilinear(build("flipflop"), "real_diagonal")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.NotRepresentableError: real_diagonal cannot represent ...
    """
    automaton = check_machine(automaton, "automaton")
    if not isinstance(rung, str) or rung not in RUNGS:
        raise SpecError(f"unknown rung {rung!r}; valid rungs: {', '.join(RUNGS)}")
    description = get_rung(rung)
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise SpecError(f"block_size must be a positive integer, got {block_size!r}")
    if block_size is not None and not description.sized_blocks:
        sized = [r for r in RUNGS if get_rung(r).sized_blocks]
        raise InvalidArgumentError(f"block_size applies only to the block rungs "
                                   f"({', '.join(sized)}), not to {rung}")
    if exact_valued and "minimal_wfa" not in description.constructions:
        raise InvalidArgumentError(f"exact_valued applies only to the full rung, not to {rung}")
    profile = algebraic_profile(automaton)
    machine = profile.machine
    name = automaton.name or "automaton"
    reason = not_representable_reason(profile, rung, block_size)
    if reason is not None:
        raise NotRepresentableError(f"{rung} cannot represent {name}: {reason}")
    task = CompilationTask(profile, machine if minimal else automaton, rung, block_size,
                           exact_valued)
    # the rung's constructions that apply; the smallest one the checker proves wins
    candidates = [CONSTRUCTIONS[c] for c in description.constructions
                  if CONSTRUCTIONS[c].applies(task)]
    built: list[BilinearModel] = []
    notes: list[str] = []
    for construction in candidates:
        try:
            model = construction.build(task)
        except KernelObstruction:
            raise
        except (NotRepresentableError, ConstructionUnavailableError,
                ResourceLimitError) as exc:
            notes.append(str(exc))
            continue
        if model is None:
            continue
        if description.sized_blocks and block_size is not None:
            if int(model.params["block_sizes"].max()) > block_size:
                notes.append(f"{model.construction}: blocks of size "
                             f"{int(model.params['block_sizes'].max())} > {block_size}")
                continue
        proof = prove(model, task.source)
        if not proof.proved:
            notes.append(f"{model.construction}: its stored arrays are not proved "
                         f"({proof.method}: {proof.detail})")
            continue
        built.append(model)
        if len(built) == 1 and built[0].hidden_size <= 2:
            break  # nothing on a rung is smaller than the first proved H ≤ 2 candidate
    if not built:
        detail = "; ".join(notes) if notes else "no construction applies"
        if description.sized_blocks and block_size == 1:
            raise NotRepresentableError(f"{rung}(1) cannot represent {name}: {detail}")
        raise ConstructionUnavailableError(
            f"no implemented construction puts {name} on {rung}"
            + (f"({block_size})" if block_size else "") + f": {detail}")
    return min(built, key=lambda m: (m.hidden_size, m.parameter_count))


def compile_lowest(automaton: MooreMachine) -> BilinearModel:
    """Compile on the first rung of :data:`RUNG_ORDER` that fits (narrowest first).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> compile_lowest(build("parity")).rung, compile_lowest(build("dihedral:3")).rung
    ('sign_diagonal', 'orthogonal_block')
    """
    automaton = check_machine(automaton, "automaton")
    notes = []
    for rung in RUNG_ORDER:
        try:
            return compile_bilinear(automaton, rung)
        except (NotRepresentableError, ConstructionUnavailableError) as exc:
            notes.append(f"{rung}: {exc}")
    raise AssertionError("full always fits: " + "; ".join(notes))  # pragma: no cover
