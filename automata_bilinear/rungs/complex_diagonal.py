"""The complex diagonal rung: one complex eigenvalue per unit and letter, stored as real 2×2
blocks ``[[a, −b], [b, a]]`` (the paper's complex diagonal; docs/theory.md §3)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from .base import (
    FLOAT_UNITS,
    PHASE_UNITS,
    MaterializeFn,
    Rung,
    Structure,
    complex_unit_matrices,
    phase_unit_matrices,
)

__all__ = ["COMPLEX_DIAGONAL", "unit_build"]

_TOL = 1e-9


def unit_build(*, unit_modulus: bool) -> MaterializeFn:
    """The materialisation of the complex-unit rungs; ``unit_modulus`` demands |λ| = 1
    (exactly in the phase form, within 1e-9 for stored floats)."""
    def build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
              ) -> np.ndarray:
        if form == PHASE_UNITS:
            return phase_unit_matrices(rung, params, D, unit_modulus=unit_modulus)
        lam, real = params["complex_eigenvalues"], params["real_eigenvalues"]
        A = complex_unit_matrices(rung, lam, real, D)
        if unit_modulus:
            worst = max(np.abs(np.abs(lam) - 1).max(initial=0),
                        np.abs(np.abs(real) - 1).max(initial=0))
            if worst > _TOL:
                raise ModelError(f"{rung}: eigenvalues must have modulus 1 (off by "
                                 f"{worst:.2e})")
        return A

    return build


COMPLEX_DIAGONAL = Rung(
    name="complex_diagonal", label="cplx",
    summary="complex_eigenvalues (D, c), real_eigenvalues (D, r): H = 2c + r",
    structure=Structure.COMPLEX_DIAGONAL, forms=(FLOAT_UNITS, PHASE_UNITS),
    build=unit_build(unit_modulus=False),
    commuting=True, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("threshold", "characters", "character_basis", "decay"),
    complex_parameters=frozenset({"complex_eigenvalues"}),
)
