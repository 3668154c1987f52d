"""The PD rung: ``A_σ = P_σ D_σ``, a column one-hot P (a map [H] → [H]) times a nonzero real
diagonal, as in PD-SSM (Terzić et al., NeurIPS 2025; docs/theory.md §10).

Stored sparsely as ``index`` (D, H) — column j of ``A_σ`` has its one nonzero in row
``index[σ, j]`` — and ``scale`` (D, H), that nonzero. The forward pass is a gather-and-add
per step and the checker walks (unit, sign) pairs; the dense (D, H, H) matrices are built
only when asked for (``model.transitions``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .base import MONOMIAL_FACTORS, Rung, Structure, integer_entries, shape_error

__all__ = ["ONE_UNIT", "PD"]

ONE_UNIT = "real_diagonal"
"""The rung a one-unit PD model is (a nonzero real scalar per letter): its refutations give
H ≥ 2, and its constructions are PD models with the identity unit map."""


def _validate(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
              ) -> int:
    index, scale = params["index"], params["scale"]
    if index.ndim != 2 or index.shape[0] != D:
        raise shape_error(rung, "index", index, f"({D}, H)")
    H = index.shape[1]
    if scale.shape != (D, H):
        raise shape_error(rung, "scale", scale, f"({D}, {H})")
    integer_entries(rung, "index", index, 0, H - 1)
    if np.any(scale == 0):
        bad = tuple(int(i) for i in np.argwhere(scale == 0)[0])
        raise ModelError(f"{rung}: parameter 'scale' must be nonzero (zero at {bad})")
    return H


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    H = _validate(rung, form, params, D)
    A = np.zeros((D, H, H))
    rows = params["index"].astype(np.int64)
    A[np.arange(D)[:, None], rows, np.arange(H)[None, :]] = params["scale"]
    return A


PD = Rung(
    name="pd", label="pd",
    summary="index (D, H) integers, scale (D, H) nonzero: A_σ[index[σ, j], j] = scale[σ, j]",
    structure=Structure.MONOMIAL, forms=(MONOMIAL_FACTORS,), build=_build,
    commuting=False, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("diagonal_pd", "signed_pd", "one_hot"), validate=_validate,
)
