"""The complex diagonal rung: one complex eigenvalue per unit and letter, stored as real 2×2
blocks ``[[a, −b], [b, a]]`` (the paper's complex diagonal; docs/theory.md §3)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import (
    FLOAT_UNITS,
    PHASE_UNITS,
    Rung,
    Structure,
    complex_unit_matrices,
    phase_unit_matrices,
)

__all__ = ["COMPLEX_DIAGONAL"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    if form == PHASE_UNITS:
        return phase_unit_matrices(rung, params, D, unit_modulus=False)
    return complex_unit_matrices(rung, params["complex_eigenvalues"],
                                 params["real_eigenvalues"], D)


COMPLEX_DIAGONAL = Rung(
    name="complex_diagonal", label="cplx",
    summary="complex_eigenvalues (D, c), real_eigenvalues (D, r): H = 2c + r",
    structure=Structure.COMPLEX_DIAGONAL, forms=(FLOAT_UNITS, PHASE_UNITS), build=_build,
    commuting=True, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("threshold", "characters", "character_basis", "decay"),
    complex_parameters=frozenset({"complex_eigenvalues"}),
)
