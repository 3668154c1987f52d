"""The orthogonal block rung: orthogonal blocks of size ≤ b per letter (docs/theory.md §3);
only group tasks fit (RECUR), and block sizes below a group's faithful dimension fail
(KERNEL)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import (
    BLOCKS,
    PHASE_BLOCKS,
    QUADRATIC_BLOCKS,
    Rung,
    Structure,
    block_matrices,
    phase_block_matrices,
    quadratic_block_matrices,
)
from .block import block_parameter_count

__all__ = ["ORTHOGONAL_BLOCK"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    if form == PHASE_BLOCKS:
        return phase_block_matrices(rung, params, D)  # orthogonal by construction
    if form == QUADRATIC_BLOCKS:
        return quadratic_block_matrices(rung, params, D, orthogonal=True)
    return block_matrices(rung, params, D, orthogonal=True)


ORTHOGONAL_BLOCK = Rung(
    name="orthogonal_block", label="orth",
    summary="as block, every block orthogonal (or exact phase blocks R(2πt/N)·diag(1, −1)^f)",
    structure=Structure.BLOCKS, forms=(BLOCKS, PHASE_BLOCKS, QUADRATIC_BLOCKS), build=_build,
    commuting=False, orthogonal=True, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("characters", "character_basis", "irreps", "one_hot"),
    sized_blocks=True, count=block_parameter_count,
)
