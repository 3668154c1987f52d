"""The CP rung: ``A_σ = U diag(d_σ) Vᵀ``, R rank-one terms shared by all letters
(docs/theory.md §3)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import CP_FACTORS, Rung, Structure, shape_error

__all__ = ["CP"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    U, V, d = params["U"], params["V"], params["d"]
    if U.ndim != 2:
        raise shape_error(rung, "U", U, "(H, R)")
    H, R = U.shape
    if V.shape != (H, R):
        raise shape_error(rung, "V", V, f"({H}, {R})")
    if d.shape != (D, R):
        raise shape_error(rung, "d", d, f"({D}, {R})")
    A = np.empty((D, H, H))
    for k in range(D):  # only the terms a letter uses (d is sparse for shared terms)
        nz = np.flatnonzero(d[k])
        A[k] = (U[:, nz] * d[k, nz]) @ V[:, nz].T
    return A


CP = Rung(
    name="cp", label="cp", summary="U (H, R), V (H, R), d (D, R): A_σ = U diag(d_σ) Vᵀ",
    structure=Structure.FACTORED, forms=(CP_FACTORS,), build=_build,
    commuting=False, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("dihedral_cp", "one_hot"),
    count=lambda params, hidden, n_symbols: params["U"].shape[1] * (2 * hidden + n_symbols),
)
