"""The orthogonal block rung: orthogonal blocks of size ≤ b per letter (docs/theory.md §3);
only group tasks fit (RECUR), and block sizes below a group's faithful dimension fail
(KERNEL)."""

from __future__ import annotations

from .base import BLOCKS, PHASE_BLOCKS, QUADRATIC_BLOCKS, Rung, Structure
from .block import block_build, block_parameter_count

__all__ = ["ORTHOGONAL_BLOCK"]


ORTHOGONAL_BLOCK = Rung(
    name="orthogonal_block", label="orth",
    summary="as block, every block orthogonal (or exact phase blocks R(2πt/N)·diag(1, −1)^f)",
    structure=Structure.BLOCKS, forms=(BLOCKS, PHASE_BLOCKS, QUADRATIC_BLOCKS),
    build=block_build(orthogonal=True),
    commuting=False, orthogonal=True, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("characters", "character_basis", "irreps", "one_hot"),
    sized_blocks=True, count=block_parameter_count,
)
