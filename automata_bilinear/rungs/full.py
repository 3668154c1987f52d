"""The full rung: any matrix per letter, the bilinear tensor ``W`` (Prop. 1 simulates every
automaton here; docs/theory.md §3)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .base import TENSOR, Rung, Structure, shape_error

__all__ = ["FULL"]


def _build(rung: str, form: tuple[str, ...], params: Mapping[str, np.ndarray], D: int
           ) -> np.ndarray:
    W = params["W"]
    if W.ndim != 3 or W.shape[0] != W.shape[1] or W.shape[2] != D:
        raise shape_error(rung, "W", W, f"(H, H, {D})")
    return np.ascontiguousarray(np.moveaxis(W, 2, 0))


FULL = Rung(
    name="full", label="full", summary="W (H, H, D): A_σ[i, j] = W[i, j, σ], any matrix",
    structure=Structure.DENSE, forms=(TENSOR,), build=_build,
    commuting=False, orthogonal=False, max_letter_cycle=None, orthogonal_block_bound=None,
    constructions=("minimal_wfa", "one_hot"),
    count=lambda params, hidden, n_symbols: hidden * hidden * n_symbols,
)
