"""The positive diagonal rung: ``A_σ = diag(λ_σ)`` with λ > 0, the Mamba-style
parameterisation (docs/theory.md §3); no letter can cycle (PERIOD with period ≥ 2)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .base import EIGENVALUES, Rung, Structure, diagonal_matrices

__all__ = ["POSITIVE_DIAGONAL"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    lam = params["eigenvalues"]
    A = diagonal_matrices(rung, lam, D)
    if not np.all(lam > 0):
        raise ModelError(f"{rung}: eigenvalues must be > 0")
    return A


POSITIVE_DIAGONAL = Rung(
    name="positive_diagonal", label="pos", summary="eigenvalues (D, H) > 0",
    structure=Structure.DIAGONAL, forms=(EIGENVALUES,), build=_build,
    commuting=True, orthogonal=False, max_letter_cycle=1, orthogonal_block_bound=None,
    constructions=("threshold", "decay"),
)
