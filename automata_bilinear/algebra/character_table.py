"""The real character table of a finite group, numerically, and the fewest Householder factors
it implies (docs/theory.md §11).

Burnside's method: the class sums multiply as ``C_j C_k = Σ_l c_jkl C_l``; for each complex
irreducible character χ the vector ``ω(C_k) = |C_k| χ(g_k)/χ(1)`` is a common right
eigenvector of the matrices ``(A_j)_{kl} = c_jkl`` with ``ω(C_1) = 1``, so one random
combination of the A_j, diagonalised, gives every ω; then ``χ(1)² = |G| / Σ_k |ω_k|²/|C_k|``
and ``χ(g_k) = ω_k χ(1)/|C_k|``. The Frobenius–Schur indicator ``(1/|G|) Σ χ(g²)`` (1, 0 or
−1) turns complex characters into real irreducible ones (χ, χ + χ̄ or 2χ).

From the real irreducibles ρ: ``dim Fix ρ(g) = (1/|⟨g⟩|) Σ_t χ_ρ(g^t)``, an integer, and
``ker ρ = {g : χ_ρ(g) = dim ρ}``. The least factors per letter over faithful real
representations is the least, over sets S of real irreducibles whose kernels meet in {1}, of
``max_σ Σ_{ρ∈S} codim Fix ρ(σ)`` (a larger multiplicity never helps), and among those sets the
least total dimension is the hidden size.

This is floating-point linear algebra whose outputs are integers (degrees, fixed-space
dimensions, indicators) rounded after checks (integrality within 1e-6, Σ χ(1)² = |G|, the
first orthogonality relation); the result is reported as *computed*, never as a re-checkable
certificate.

Examples
--------
>>> import numpy as np
>>> from automata_bilinear.algebra.closure import permutation_table
>>> s3 = np.array([[0, 1, 2], [1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1]])
>>> table = permutation_table(s3)
>>> fewest_factors(table, list(range(6)))
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["RealCharacters", "fewest_factors", "real_characters"]

_TOL = 1e-6


@dataclass(frozen=True)
class RealCharacters:
    """Real irreducible characters on the conjugacy classes.

    Attributes
    ----------
    class_of
        (N,) the class index of every element (class 0 holds the identity).
    sizes
        (r,) class sizes.
    values
        (m, r) the real irreducible characters (real numbers) per class.
    dims
        (m,) their dimensions.
    """

    class_of: np.ndarray
    sizes: np.ndarray
    values: np.ndarray
    dims: np.ndarray


def _classes(table: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    N = len(table)
    class_of = np.full(N, -1)
    count = 0
    for g in range(N):
        if class_of[g] < 0:
            conj = table[table[inverse, g], np.arange(N)]  # x⁻¹ g x for every x
            class_of[conj] = count
            count += 1
    return class_of


def real_characters(table: np.ndarray, *, seed: int = 0) -> RealCharacters | None:
    """The real irreducible characters of the group with multiplication table ``table``
    (``table[g, h] = g·h``, element 0 the identity), or None when a consistency check fails.
    """
    N = len(table)
    inverse = np.argmax(table == 0, axis=1)
    class_of = _classes(table, inverse)
    r = int(class_of.max()) + 1
    sizes = np.bincount(class_of, minlength=r)
    reps = np.array([int(np.flatnonzero(class_of == k)[0]) for k in range(r)])
    members = [np.flatnonzero(class_of == k) for k in range(r)]
    # c[j, k, l] = #{x ∈ C_j : x⁻¹ z_l ∈ C_k} for the representative z_l of C_l
    c = np.zeros((r, r, r))
    for j in range(r):
        ys = table[inverse[members[j]][:, None], reps[None, :]]  # (|C_j|, r): x⁻¹ z_l
        for target in range(r):
            c[j, :, target] = np.bincount(class_of[ys[:, target]], minlength=r)
    rng = np.random.default_rng(seed)
    M = np.einsum("j,jkl->kl", rng.normal(size=r), c)
    _, vectors = np.linalg.eig(M)
    omegas = vectors / vectors[0]                    # ω(C_1) = 1
    chars = []
    for i in range(r):
        w = omegas[:, i]
        degree2 = N / float(np.sum(np.abs(w) ** 2 / sizes))
        chars.append(w * np.sqrt(degree2) / sizes)
    chi = np.array(chars)                            # (r, r): irreducible × class
    degrees = chi[:, 0].real
    if np.abs(degrees - np.round(degrees)).max() > _TOL or \
            round(float(np.sum(np.round(degrees) ** 2))) != N:
        return None
    gram = (chi * sizes) @ chi.conj().T / N          # first orthogonality: the identity
    if np.abs(gram - np.eye(r)).max() > _TOL:
        return None
    squares = class_of[table[np.arange(N), np.arange(N)]]
    indicator = (chi[:, squares].sum(axis=1) / N).real
    if np.abs(indicator - np.round(indicator)).max() > _TOL:
        return None
    real, used = [], set()
    for i in range(r):
        if i in used:
            continue
        nu = round(indicator[i])
        if nu == 1:
            real.append(chi[i].real)
        elif nu == -1:
            real.append(2 * chi[i].real)
        else:  # χ and its conjugate make one real irreducible of twice the dimension
            partner = int(np.argmin(np.abs(chi - chi[i].conj()).sum(axis=1)))
            used.add(partner)
            real.append(2 * chi[i].real)
        used.add(i)
    values = np.array(real)
    return RealCharacters(class_of, sizes, values, np.round(values[:, 0]).astype(int))


def fewest_factors(table: np.ndarray, letters: Sequence[int], *, max_irreps: int = 16
                   ) -> tuple[int, int] | None:
    """(least factors per letter, least hidden size for it) over faithful real
    representations of the group, for the letter elements ``letters``; None when the
    character computation fails its checks or there are more than ``max_irreps`` real
    irreducibles (2^m subsets are searched)."""
    chars = real_characters(table)
    if chars is None or len(chars.dims) > max_irreps:
        return None
    codim = np.zeros((len(chars.dims), len(letters)))
    for a, g in enumerate(letters):
        powers, x = [0], int(g)
        while x != 0:
            powers.append(x)
            x = int(table[x, g])
        fix = chars.values[:, chars.class_of[powers]].mean(axis=1)
        if np.abs(fix - np.round(fix)).max() > _TOL:
            return None
        codim[:, a] = chars.dims - np.round(fix)
    kernels = np.abs(chars.values - chars.dims[:, None]) < _TOL      # (m, r) classes in ker
    best = None
    m = len(chars.dims)
    for mask in range(1, 2**m):
        chosen = [i for i in range(m) if mask >> i & 1]
        if kernels[chosen].all(axis=0)[1:].any():  # a nontrivial class in every kernel
            continue
        n = int(codim[chosen].sum(axis=0).max()) if len(letters) else 0
        H = int(chars.dims[chosen].sum())
        if best is None or (n, H) < best:
            best = (n, H)
    return best
