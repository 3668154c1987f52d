"""Shared plumbing of the constructions: packing blocks, the exact-image walk, wrapping
a construction's arrays into a :class:`~automata_bilinear.model.BilinearModel`."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..automata.machine import MooreMachine
from ..errors import ResourceLimitError
from ..io.formats import automaton_hash
from ..model import BilinearModel

__all__ = [
    "assemble_model",
    "blocks_from_matrices",
    "exact_cos_sin",
    "finite_image_exact",
    "permutation_order",
    "reachable_image",
]


def finite_image_exact(dynamics: Any) -> dict[str, Any]:
    """The ``exact`` entry of a model proved by finite-image search."""
    return {"method": "finite_image", "dynamics": dynamics.to_json()}


def assemble_model(machine: MooreMachine, rung: str, params: dict[str, np.ndarray],
                   h0: np.ndarray, readout: np.ndarray, construction: str,
                   exact: dict[str, Any] | None) -> BilinearModel:
    """A model over ``machine``'s alphabet and outputs, with the automaton's name and hash."""
    return BilinearModel(
        rung=rung, params=params, h0=h0, readout=readout, alphabet=machine.alphabet,
        output_labels=machine.output_labels, construction=construction, exact=exact,
        metadata={"automaton": machine.name, "automaton_hash": automaton_hash(machine),
                  "minimal_states": machine.n_states},
    )


def blocks_from_matrices(A: np.ndarray, sizes: list[int]) -> dict[str, np.ndarray]:
    """Pack block-diagonal matrices (D, H, H) with the given block sizes into native form."""
    D = A.shape[0]
    b = max(sizes)
    blocks = np.zeros((D, len(sizes), b, b))
    offset = 0
    for i, s in enumerate(sizes):
        blocks[:, i, :s, :s] = A[:, offset:offset + s, offset:offset + s]
        offset += s
    return {"blocks": blocks, "block_sizes": np.array(sizes, dtype=np.float64)}


def reachable_image(machine: MooreMachine, dyn: Any) -> tuple[np.ndarray, np.ndarray]:
    """Model vectors and output codes of every (state, exact vector) pair reachable."""
    start = (machine.start, dyn.initial())
    seen = {start}
    order = [start]
    i = 0
    while i < len(order):
        q, v = order[i]
        targets = machine.transitions[q].tolist()
        for target, image in zip(targets, dyn.step_all(v, machine.n_symbols)):
            nxt = (target, image)
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
                if len(order) > 2_000_000:
                    raise ResourceLimitError("construction image exceeds 2,000,000 pairs")
        i += 1
    X = dyn.to_model([v for _, v in order])
    return X, machine.output_codes[[q for q, _ in order]]


def exact_cos_sin(k: int, n: int) -> tuple[float, float]:
    """cos and sin of 2πk/n, exact (0, ±1) at quarter turns, where numpy gives 6e-17."""
    if (4 * k) % n == 0:
        quarter = (4 * k // n) % 4
        return float((1, 0, -1, 0)[quarter]), float((0, 1, 0, -1)[quarter])
    angle = 2 * np.pi * k / n
    return float(np.cos(angle)), float(np.sin(angle))


def permutation_order(perm: np.ndarray) -> int:
    """The order of a permutation in array form (the least k ≥ 1 with perm^k = id)."""
    ident = np.arange(perm.size)
    p, k = perm.copy(), 1
    while not np.array_equal(p, ident):
        p = perm[p]
        k += 1
    return k
