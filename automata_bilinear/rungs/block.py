"""The block-diagonal rung: real blocks of size ≤ b per letter (docs/theory.md §3); block
size 1 is the real diagonal."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import (
    BLOCKS,
    PHASE_BLOCKS,
    QUADRATIC_BLOCKS,
    MaterializeFn,
    Rung,
    Structure,
    block_matrices,
    phase_block_matrices,
    quadratic_block_matrices,
)

__all__ = ["BLOCK", "block_build", "block_parameter_count"]


def block_build(*, orthogonal: bool) -> MaterializeFn:
    """The materialisation of the block rungs; ``orthogonal`` demands orthogonal blocks
    (exact phase blocks are orthogonal by construction)."""
    def build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
              ) -> np.ndarray:
        if form == PHASE_BLOCKS:
            return phase_block_matrices(rung, params, D)
        if form == QUADRATIC_BLOCKS:
            return quadratic_block_matrices(rung, params, D, orthogonal=orthogonal)
        return block_matrices(rung, params, D, orthogonal=orthogonal)

    return build


def block_parameter_count(params: Mapping[str, np.ndarray], hidden: int, n_symbols: int
                          ) -> int:
    """Σ b_i² · D: every entry of every block, per letter."""
    return int((params["block_sizes"].astype(int) ** 2).sum()) * n_symbols


BLOCK = Rung(
    name="block", label="block",
    summary="blocks (D, nb, b, b), block_sizes (nb,): block-diagonal A_σ",
    structure=Structure.BLOCKS, forms=(BLOCKS, PHASE_BLOCKS, QUADRATIC_BLOCKS),
    build=block_build(orthogonal=False),
    commuting=False, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("characters", "character_basis", "threshold", "decay",
                   "homogeneous_reset", "irreps", "one_hot"),
    sized_blocks=True, count=block_parameter_count,
)
