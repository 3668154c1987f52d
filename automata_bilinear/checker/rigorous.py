"""Rigorous floating-point enclosures: NumPy arithmetic with a-priori rounding-error bounds.

The region certificates of :mod:`automata_bilinear.checker.regions` are proofs about the
stored float64 arrays read as exact rationals. Exact rational arithmetic at H = 256 is too
slow, so every quantity is computed in float64 together with an upper bound on its error,
and every bound is rounded outward (``numpy.nextafter``). The bounds are the classical ones
for floating-point inner products: for any summation order (BLAS blocking and fused
multiply-adds included),

    |fl(Σ_i a_i b_i) − Σ_i a_i b_i| ≤ γ_n Σ_i |a_i b_i|,   γ_n = n u / (1 − n u),

with u = 2^−53 (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Thm. 3.5
and Lemma 3.1), plus an absolute term for underflow. We enlarge γ_n by a factor 2 so that the
rounding of the bound's own computation (a sum of non-negative terms) is covered too, and we
scale vectors by exact powers of two before squaring so that nothing overflows.

Spectral norms are bounded through Gram powers: ``‖M‖₂^{2^{k+1}} = ‖(MᵀM)^{2^k}‖₂ ≤
‖(MᵀM)^{2^k}‖_F``, each product enclosed entrywise, so the bound exceeds ``‖M‖₂`` by at most
the factor ``rank^{1/2^{k+1}}``.

Examples
--------
>>> import numpy as np
>>> M = np.array([[3.0, 0.0], [0.0, 1.0]])
>>> 3.0 <= spectral_norm_upper(M) < 3.0 * 1.02
True
>>> lo, hi = norm_lower(np.array([3.0, 4.0])), norm_upper(np.array([3.0, 4.0]))
>>> lo <= 5.0 <= hi and hi - lo < 1e-12
True
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "UNIT_ROUNDOFF",
    "gamma",
    "matmul_enclosure",
    "matvec_enclosure",
    "norm_lower",
    "norm_upper",
    "power_of_two_peak",
    "round_down",
    "round_up",
    "spectral_norm_upper",
]

UNIT_ROUNDOFF = 2.0 ** -53
_TINY = 2.0 ** -1000  # covers H·2^−1074 of underflow per entry for any H below 2^70


def round_up(x: float | np.ndarray) -> float | np.ndarray:
    """The next float above ``x`` (elementwise): an upper bound of the exact value of a
    correctly rounded operation."""
    return np.nextafter(x, np.inf)


def round_down(x: float | np.ndarray) -> float | np.ndarray:
    """The next float below ``x`` (elementwise)."""
    return np.nextafter(x, -np.inf)


def gamma(n: int, unit: float = UNIT_ROUNDOFF) -> float:
    """``2 γ_n = 2 n u / (1 − n u)`` rounded up: the relative bound we use for an n-term
    inner product (the factor 2 covers the rounding of the bound itself).

    Examples
    --------
    >>> 0 < gamma(10) < 1e-14
    True
    """
    nu = n * unit
    if nu >= 0.5:
        raise ValueError(f"n = {n}: too many terms for the rounding bound")
    return float(round_up(round_up(2.0 * nu) / round_down(1.0 - nu)))


def matvec_enclosure(A: np.ndarray, x: np.ndarray, x_radius: np.ndarray | None = None,
                     unit: float = UNIT_ROUNDOFF, A_radius: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``y, r`` with ``|A* x* − y| ≤ r`` entrywise for every ``x*`` with ``|x* − x| ≤
    x_radius`` and ``A*`` with ``|A* − A| ≤ A_radius``.

    ``A`` (…, m, n) and ``x`` (…, n) are float arrays read as exact rationals.
    """
    A = np.asarray(A, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.einsum("...ij,...j->...i", A, x)
    absA = np.abs(A)
    s = np.einsum("...ij,...j->...i", absA, np.abs(x))
    r = round_up(gamma(A.shape[-1] + 1, unit) * s + _TINY)
    if A_radius is not None:
        absA = absA + np.asarray(A_radius, dtype=np.float64)
        t = np.einsum("...ij,...j->...i", np.asarray(A_radius, dtype=np.float64), np.abs(x))
        r = round_up(r + round_up(t * (1.0 + gamma(A.shape[-1] + 1, unit))))
    if x_radius is not None:
        t = np.einsum("...ij,...j->...i", absA, np.asarray(x_radius, dtype=np.float64))
        r = round_up(r + round_up(t * (1.0 + gamma(A.shape[-1] + 1, unit))))
    return y, r


def matmul_enclosure(A: np.ndarray, B: np.ndarray, A_radius: np.ndarray | None = None,
                     B_radius: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``C, R`` with ``|A* B* − C| ≤ R`` entrywise for all ``A*, B*`` within the radii."""
    C = A @ B
    g = gamma(A.shape[-1] + 1)
    absA, absB = np.abs(A), np.abs(B)
    R = g * (absA @ absB) + _TINY
    if A_radius is not None:
        R = R + (A_radius @ (absB + (B_radius if B_radius is not None else 0.0))) * (1 + g)
    if B_radius is not None:
        R = R + (absA @ B_radius) * (1 + g)
    return C, round_up(round_up(R) * (1 + g))


def power_of_two_peak(arr: np.ndarray, axis: int | tuple[int, ...] | None = None
                      ) -> float | np.ndarray:
    """The exact power of two ``2^e`` with ``max |arr| / 2^e`` in [0.5, 1): over the whole
    array (a float) or over ``axis`` (an array keeping those axes with size 1); 1 where the
    peak is 0 or not finite. Dividing by it is exact and changes no direction or argmax.

    Examples
    --------
    >>> power_of_two_peak(np.array([3.0, -0.5]))
    4.0
    >>> power_of_two_peak(np.array([[3.0, 0.0], [0.0, 0.0]]), axis=1).ravel().tolist()
    [4.0, 1.0]
    """
    arr = np.asarray(arr, dtype=np.float64)
    if axis is None:
        m = float(np.max(np.abs(arr))) if arr.size else 0.0
        return math.ldexp(1.0, math.frexp(m)[1]) if m > 0 and math.isfinite(m) else 1.0
    peak = np.max(np.abs(arr), axis=axis, keepdims=True)
    ok = np.isfinite(peak) & (peak > 0)
    return np.where(ok, np.ldexp(1.0, np.frexp(np.where(ok, peak, 1.0))[1]), 1.0)


def norm_upper(v: np.ndarray, radius: np.ndarray | None = None) -> float:
    """An upper bound of ``‖v*‖₂`` over every ``v*`` with ``|v* − v| ≤ radius`` (last axis
    summed; a scalar for a vector)."""
    v = np.asarray(v, dtype=np.float64).ravel()
    s = power_of_two_peak(v)
    w = v / s  # exact
    sq = float(np.dot(w, w))
    bound = float(round_up(math.sqrt(float(round_up(sq * (1.0 + gamma(v.size + 1)))))))
    out = float(round_up(bound * s))
    if radius is not None and np.any(radius):
        out = float(round_up(out + norm_upper(np.asarray(radius, dtype=np.float64))))
    return out


def norm_lower(v: np.ndarray, radius: np.ndarray | None = None) -> float:
    """A lower bound (possibly 0) of ``‖v*‖₂`` over every ``v*`` within ``radius`` of ``v``."""
    v = np.asarray(v, dtype=np.float64).ravel()
    s = power_of_two_peak(v)
    w = v / s
    sq = float(np.dot(w, w))
    low = float(round_down(sq * (1.0 - gamma(v.size + 1))))
    out = float(round_down(math.sqrt(max(low, 0.0)))) * s
    out = float(round_down(out))
    if radius is not None and np.any(radius):
        out = float(round_down(out - norm_upper(np.asarray(radius, dtype=np.float64))))
    return max(out, 0.0)


def spectral_norm_upper(M: np.ndarray, radius: np.ndarray | None = None, *,
                        squarings: int | None = None) -> float:
    """A rigorous upper bound of ``‖M*‖₂`` for every ``M*`` with ``|M* − M| ≤ radius``.

    ``‖M*‖₂ ≤ ‖M‖₂ + ‖radius‖_F``; ``‖M‖₂`` is bounded by Gram powers (module docstring)
    with ``squarings`` levels (default: enough for a factor ≤ 1.02 over the true norm). The
    error of each computed power is tracked as one Frobenius-norm bound ρ:
    ``‖X*² − fl(X²)‖_F ≤ ρ (2‖X‖_F + ρ) + γ_n ‖X‖_F²`` (since ``‖|X||X|‖_F ≤ ‖X‖_F²``), and
    every level is rescaled by an exact power of two.
    """
    M = np.asarray(M, dtype=np.float64)
    extra = 0.0 if radius is None else norm_upper(np.asarray(radius, dtype=np.float64))
    if not np.any(M):
        return extra
    n = min(M.shape)
    if squarings is None:
        squarings = max(0, math.ceil(math.log2(max(math.log(max(n, 2)) / math.log(1.02),
                                                   1.0))) - 1)
    s = power_of_two_peak(M)
    X = M / s  # exact
    if M.shape[0] < M.shape[1]:
        X = X.T  # ‖M‖ = ‖Mᵀ‖; the Gram matrix of the thinner side is smaller
    g = gamma(X.shape[0] + 1)
    G = X.T @ X
    fx = norm_upper(X)
    rho = float(round_up(g * fx * fx))  # ‖G* − G‖_F, G* = XᵀX exactly
    log_scale = 2.0 * math.log2(s)  # ‖M‖² = 2^{log_scale} ‖G*‖₂ (so far)
    exponent = 1.0
    for _ in range(squarings):
        t = power_of_two_peak(G)
        G, rho = G / t, float(round_up(rho / t))
        log_scale += math.log2(t) / exponent
        fg = norm_upper(G)
        G = G @ G  # G* symmetric: ‖G*²‖₂ = ‖G*‖₂²
        g = gamma(G.shape[0] + 1)
        rho = float(round_up(round_up(rho * round_up(2.0 * fg + rho)) + round_up(g * fg * fg)))
        exponent *= 2.0
    frob = float(round_up(norm_upper(G) + rho))
    if frob == 0.0:
        return extra
    # ‖M‖^{2·exponent} ≤ frob · 2^{log_scale·exponent}
    root = math.exp(math.log(frob) / (2.0 * exponent)) * 2.0 ** (log_scale / 2.0)
    return float(round_up(round_up(root * (1.0 + 1e-12)) + extra))
