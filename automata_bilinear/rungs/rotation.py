"""The rotation rung: complex diagonal with every eigenvalue of modulus 1 (docs/theory.md
§3): the abelian group tasks, nothing else (PARIKH, RECUR)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .base import (
    FLOAT_UNITS,
    PHASE_UNITS,
    Rung,
    Structure,
    complex_unit_matrices,
    phase_unit_matrices,
)

__all__ = ["ROTATION"]

_TOL = 1e-9


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    if form == PHASE_UNITS:
        return phase_unit_matrices(rung, params, D, unit_modulus=True)
    lam, real = params["complex_eigenvalues"], params["real_eigenvalues"]
    A = complex_unit_matrices(rung, lam, real, D)
    worst = max(np.abs(np.abs(lam) - 1).max(initial=0), np.abs(np.abs(real) - 1).max(initial=0))
    if worst > _TOL:
        raise ModelError(f"{rung}: eigenvalues must have modulus 1 (off by {worst:.2e})")
    return A


ROTATION = Rung(
    name="rotation", label="rot",
    summary="as complex_diagonal with every |λ| = 1 (exact: integer phase turns)",
    structure=Structure.COMPLEX_DIAGONAL, forms=(FLOAT_UNITS, PHASE_UNITS), build=_build,
    commuting=True, orthogonal=True, max_letter_cycle=None, orthogonal_block_bound=2,
    constructions=("characters", "character_basis"),
    complex_parameters=frozenset({"complex_eigenvalues"}),
)
