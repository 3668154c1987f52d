"""The rotation rung: complex diagonal with every eigenvalue of modulus 1 (docs/theory.md
§3): the abelian group tasks, nothing else (PARIKH, RECUR)."""

from __future__ import annotations

from .base import FLOAT_UNITS, PHASE_UNITS, Rung, Structure
from .complex_diagonal import unit_build

__all__ = ["ROTATION"]


ROTATION = Rung(
    name="rotation", label="rot",
    summary="as complex_diagonal with every |λ| = 1 (exact: integer phase turns)",
    structure=Structure.COMPLEX_DIAGONAL, forms=(FLOAT_UNITS, PHASE_UNITS),
    build=unit_build(unit_modulus=True),
    commuting=True, orthogonal=True, max_letter_cycle=None, orthogonal_block_bound=2,
    constructions=("characters", "character_basis"),
    complex_parameters=frozenset({"complex_eigenvalues"}),
)
