"""The real diagonal rung: ``A_σ = diag(λ_σ)`` with real λ (docs/theory.md §3); letter
cycles longer than 2 are out of reach (PERIOD)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import EIGENVALUES, Rung, Structure, diagonal_matrices

__all__ = ["REAL_DIAGONAL"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    return diagonal_matrices(rung, params["eigenvalues"], D)


REAL_DIAGONAL = Rung(
    name="real_diagonal", label="real", summary="eigenvalues (D, H) real: A_σ = diag(λ_σ)",
    structure=Structure.DIAGONAL, forms=(EIGENVALUES,), build=_build,
    commuting=True, orthogonal=False, max_letter_cycle=2, orthogonal_block_bound=None,
    constructions=("threshold", "characters", "character_basis", "decay"),
)
