"""The one-hot construction of Prop. 1: the transition table as 0/1 matrices, on the dense,
block and CP layouts (docs/theory.md §6)."""

from __future__ import annotations

import numpy as np

from ..automata.machine import MooreMachine
from ..errors import ConstructionUnavailableError
from ..exact.dynamics import OneHotDynamics
from ..limits import check_allocation
from ..model import BilinearModel
from ..rungs import Structure, get_rung
from .assembly import assemble_model, blocks_from_matrices, finite_image_exact

__all__ = ["one_hot_model"]


def one_hot_model(machine: MooreMachine, rung: str = "full") -> BilinearModel:
    """Prop. 1: ``A_σ[q', q] = [δ(q, σ) = q']``, ``h0 = e_{q0}``, ``C[y, q] = [out(q) = y]``.

    On ``full`` the tensor W; on ``pd`` the table itself as index arrays (scale 1); on block
    rungs a single block of size |Q|; on ``cp`` the deduplicated rank-one terms ``e_p 1_Sᵀ``
    (``S = σ⁻¹(p)``) shared across letters.
    """
    n, D = machine.n_states, machine.n_symbols
    h0 = np.zeros(n)
    h0[machine.start] = 1.0
    labels, codes = machine.output_labels, machine.output_codes
    C = np.zeros((len(labels), n))
    C[codes, np.arange(n)] = 1.0
    exact = finite_image_exact(OneHotDynamics(machine.transitions.copy(), machine.start))
    structure = get_rung(rung).structure
    if structure is Structure.MONOMIAL:  # the table itself: no (D, n, n) array
        return assemble_model(machine, rung, {"index": machine.transitions.T.astype(float),
                                              "scale": np.ones((D, n))}, h0, C,
                              "one-hot (Prop. 1) as permutation × diagonal", exact)
    check_allocation("one-hot transition matrices", (D, n, n))
    A = np.zeros((D, n, n))
    for a in range(D):
        A[a, machine.transitions[:, a], np.arange(n)] = 1.0
    if structure is Structure.DENSE:
        return assemble_model(machine, rung, {"W": np.moveaxis(A, 0, 2)}, h0, C,
                              "one-hot (Prop. 1)", exact)
    if structure is Structure.BLOCKS:
        return assemble_model(machine, rung, blocks_from_matrices(A, [n]), h0, C,
                              "one-hot (Prop. 1) as one block", exact)
    if structure is Structure.FACTORED:
        terms: dict[tuple[int, bytes], int] = {}
        uses: list[list[int]] = []
        for a in range(D):
            col = machine.transitions[:, a]
            mine = []
            for p in np.unique(col).tolist():
                support = (col == p)
                key = (p, np.packbits(support).tobytes())
                mine.append(terms.setdefault(key, len(terms)))
            uses.append(mine)
        R = len(terms)
        check_allocation("CP factors", (n, R))
        U, V, d = np.zeros((n, R)), np.zeros((n, R)), np.zeros((D, R))
        for (p, _), r in terms.items():
            U[p, r] = 1.0
        for a in range(D):
            col = machine.transitions[:, a]
            for r in uses[a]:
                d[a, r] = 1.0
                p = int(np.flatnonzero(U[:, r])[0])
                V[:, r] = (col == p)
        return assemble_model(machine, rung, {"U": U, "V": V, "d": d}, h0, C,
                              f"shared rank-one terms (R = {R})", exact)
    raise ConstructionUnavailableError(f"no one-hot layout for the {rung} rung's structure")
