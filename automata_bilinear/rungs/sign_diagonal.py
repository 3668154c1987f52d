"""The sign diagonal rung: ``A_σ = diag(±1)`` (docs/theory.md §3): the elementary abelian
2-group tasks (parity and its products)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .base import EIGENVALUES, Rung, Structure, diagonal_matrices

__all__ = ["SIGN_DIAGONAL"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    lam = params["eigenvalues"]
    A = diagonal_matrices(rung, lam, D)
    if not np.all(np.isin(lam, (-1.0, 1.0))):
        raise ModelError(f"{rung}: eigenvalues must be exactly -1 or +1")
    return A


SIGN_DIAGONAL = Rung(
    name="sign_diagonal", label="sign", summary="eigenvalues (D, H) in {−1, +1}",
    structure=Structure.DIAGONAL, forms=(EIGENVALUES,), build=_build,
    commuting=True, orthogonal=True, max_letter_cycle=2, orthogonal_block_bound=1,
    constructions=("characters", "character_basis"),
)
