"""The Householder rung: each ``A_σ`` a product of n generalised Householder factors, as in
DeltaNet (n = 1) and DeltaProduct (Siems et al. 2025; Grazzi et al., ICLR 2025;
docs/theory.md §11):

    A_σ = H_{σ,n} ⋯ H_{σ,2} H_{σ,1},    H_{σ,i} = I − β_{σ,i} v v ᵀ / (vᵀv),  v = v_{σ,i},

with β ∈ [0, 2] (factor 1 acts first, as in DeltaProduct's inner loop). β = 2 is a
reflection, β = 1 the orthogonal projection onto v⊥, β = 0 the identity. The vectors need
not have unit length: each factor uses the direction of v, which lets exact models store
unnormalised vectors with entries in a number field.

Two forms:

- ``vectors`` (D, n, H) and ``betas`` (D, n), floats;
- exactly, ``vector_coefficients`` (D, n, H, d) integers — entry ``Σ_k c_k θ^k`` of the
  number field ``Q(θ)`` — with ``field_polynomial`` (d + 1,) integers (θ's minimal
  polynomial, lowest degree first), ``field_root`` (a float naming the real root) and
  ``betas``. The checker (:mod:`automata_bilinear.checker.proof`) computes with exactly
  these numbers; the float matrices are their rounding.

Nothing but the factors is stored; the forward pass applies them one by one (O(nH) per
step) and ``A`` is built only on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from ..errors import FormatError, ModelError
from ..exact.number_field import RealNumberField
from .base import (
    EXACT_HOUSEHOLDER,
    HOUSEHOLDER_FACTORS,
    Rung,
    Structure,
    integer_entries,
    shape_error,
)

__all__ = ["HOUSEHOLDER", "factor_directions", "number_field", "stored_factors"]


@lru_cache(maxsize=64)
def _field(polynomial: tuple[int, ...], root: float) -> RealNumberField:
    return RealNumberField.from_root(polynomial, root)


def number_field(rung: str, params: Mapping[str, np.ndarray]) -> RealNumberField:
    """The number field of an exact Householder model (validated: irreducible polynomial,
    one real root named by ``field_root``)."""
    poly = params["field_polynomial"]
    if poly.ndim != 1 or poly.shape[0] < 2:
        raise shape_error(rung, "field_polynomial", poly, "(d + 1,) with d ≥ 1")
    coeffs = tuple(int(c) for c in integer_entries(rung, "field_polynomial", poly))
    root = params["field_root"]
    if root.shape != ():
        raise shape_error(rung, "field_root", root, "() (one number)")
    try:
        return _field(coeffs, float(root))
    except FormatError as exc:
        raise ModelError(f"{rung}: {exc}") from None


def stored_factors(params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Float factor vectors (D, n, H) — the exact form evaluated at θ — and betas (D, n)."""
    if "vectors" in params:
        return params["vectors"], params["betas"]
    coeffs = params["vector_coefficients"]
    theta = float(params["field_root"])
    powers = theta ** np.arange(coeffs.shape[-1])
    return coeffs @ powers, params["betas"]


def factor_directions(params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Unit factor vectors u = v/‖v‖ (D, n, H) and betas: ``H = I − β u uᵀ``."""
    vectors, betas = stored_factors(params)
    # scale by the largest entry first, so 1e-200 or 1e200 entries neither underflow nor
    # overflow when squared
    peak = np.abs(vectors).max(axis=-1, keepdims=True)
    scaled = vectors / peak
    return scaled / np.linalg.norm(scaled, axis=-1, keepdims=True), betas


def _validate(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
              ) -> int:
    exact = form == EXACT_HOUSEHOLDER
    name = "vector_coefficients" if exact else "vectors"
    vectors = params[name]
    if vectors.ndim != (4 if exact else 3) or vectors.shape[0] != D or vectors.shape[1] < 1 \
            or vectors.shape[2] < 1:
        raise shape_error(rung, name, vectors, f"({D}, n, H{', d' if exact else ''}) with "
                                               "n, H ≥ 1")
    n, H = vectors.shape[1], vectors.shape[2]
    betas = params["betas"]
    if betas.shape != (D, n):
        raise shape_error(rung, "betas", betas, f"({D}, {n})")
    if np.any((betas < 0) | (betas > 2)):
        bad = tuple(int(i) for i in np.argwhere((betas < 0) | (betas > 2))[0])
        raise ModelError(f"{rung}: parameter 'betas' must lie in [0, 2] ({float(betas[bad])} "
                         f"at {bad})")
    if exact:
        field = number_field(rung, params)
        if vectors.shape[3] != field.degree:
            raise shape_error(rung, name, vectors, f"({D}, {n}, {H}, {field.degree}): one "
                                                   "coefficient per power of θ below the "
                                                   "field degree")
        integer_entries(rung, name, vectors)
    if exact and np.any(np.abs(vectors) >= 2**53):
        raise ModelError(f"{rung}: parameter {name!r} must hold integers below 2^53")
    zero = ~np.any(vectors.reshape(D, n, -1) != 0, axis=-1)
    if np.any(zero):
        bad = tuple(int(i) for i in np.argwhere(zero)[0])
        raise ModelError(f"{rung}: factor vector {bad} (letter, factor) is zero; a factor "
                         "needs a direction (use β = 0 for the identity)")
    return H


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    H = _validate(rung, form, params, D)
    units, betas = factor_directions(params)
    A = np.broadcast_to(np.eye(H), (D, H, H)).copy()
    for i in range(units.shape[1]):  # A ← H_i A: factor i acts after factors < i
        u = units[:, i, :]
        A -= betas[:, i, None, None] * u[:, :, None] * np.einsum("dj,djk->dk", u, A)[:, None]
    return A


def _count(params: Mapping[str, np.ndarray], hidden: int, n_symbols: int) -> int:
    n = params["betas"].shape[1]
    return n_symbols * n * (hidden + 1)


HOUSEHOLDER = Rung(
    name="householder", label="hh",
    summary="vectors (D, n, H), betas (D, n) in [0, 2]: A_σ = Π_i (I − β v vᵀ/vᵀv)",
    structure=Structure.REFLECTIONS, forms=(HOUSEHOLDER_FACTORS, EXACT_HOUSEHOLDER),
    build=_build, commuting=False, orthogonal=False, max_letter_cycle=None,
    orthogonal_block_bound=None, constructions=("projections", "reflections"),
    sized_factors=True, count=_count, validate=_validate,
)
