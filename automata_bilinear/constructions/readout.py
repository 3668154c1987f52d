"""Fitting an argmax readout to a finite set of hidden vectors with required outputs.

Given the (finite) image of a construction — hidden vectors, each with the output label it
must produce — find ``C`` with a positive margin ``min (C v)_{y*} − max_{y ≠ y*} (C v)_y``.

- Templates: when every output label owns exactly one vector and all vectors have the same
  norm, ``C = rows of those vectors`` has margin ``|v|² − max <v, v'> > 0`` (Cauchy–Schwarz).
- Otherwise a linear programme (scipy's HiGHS) maximises the margin with ``|C| ≤ 1``.
"""

from __future__ import annotations

import numpy as np

from ..errors import NotRepresentableError, ResourceLimitError

__all__ = ["fit_readout", "readout_margins"]


def readout_margins(C: np.ndarray, vectors: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-vector margin ``score[target] − max other score`` (``+inf`` with one output)."""
    scores = vectors @ C.T
    if C.shape[0] == 1:
        return np.full(len(vectors), np.inf)
    rows = np.arange(len(vectors))
    correct = scores[rows, targets]
    scores[rows, targets] = -np.inf
    return correct - scores.max(axis=1)


def fit_readout(vectors: np.ndarray, targets: np.ndarray, n_outputs: int,
                *, max_constraints: int = 300_000) -> np.ndarray:
    """Readout ``C`` (n_outputs, H) separating ``vectors`` by ``targets`` with a margin.

    Raises
    ------
    NotRepresentableError
        When two equal vectors need different outputs, or the LP finds no positive margin
        (no linear readout exists for this representation).
    ResourceLimitError
        When the LP would have more than ``max_constraints`` constraints.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    keys = np.round(vectors, 9)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    owner = np.full(len(uniq), -1)
    for i, t in zip(inverse.tolist(), targets.tolist()):
        if owner[i] not in (-1, t):
            raise NotRepresentableError(
                "two automaton states with different outputs share the same hidden vector"
            )
        owner[i] = t
    reps = np.array([vectors[np.flatnonzero(inverse == i)[0]] for i in range(len(uniq))])
    H = vectors.shape[1]
    if n_outputs == 1:
        return np.ones((1, H))
    norms = np.linalg.norm(reps, axis=1)
    if (len(reps) == n_outputs and len(set(owner.tolist())) == n_outputs
            and np.allclose(norms, norms[0])):
        C = np.zeros((n_outputs, H))
        C[owner] = reps
        if readout_margins(C, reps, owner).min() > 1e-9:
            return C
    n_cons = len(reps) * (n_outputs - 1)
    if n_cons > max_constraints:
        raise ResourceLimitError(
            f"readout LP would have {n_cons} constraints (over {max_constraints})"
        )
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    # variables: C (n_outputs * H, row-major), then t; maximise t
    n_var = n_outputs * H + 1
    rows, cols, vals = [], [], []
    r = 0
    for v, y in zip(reps, owner.tolist()):
        for z in range(n_outputs):
            if z == y:
                continue
            # t - (c_y - c_z) · v <= 0
            rows += [r] * (2 * H + 1)
            cols += [*range(y * H, y * H + H), *range(z * H, z * H + H), n_var - 1]
            vals += [*(-v), *v, 1.0]
            r += 1
    A_ub = coo_matrix((vals, (rows, cols)), shape=(r, n_var)).tocsr()
    cost = np.zeros(n_var)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * (n_var - 1) + [(None, 1.0)]
    res = linprog(cost, A_ub=A_ub, b_ub=np.zeros(r), bounds=bounds, method="highs")
    if res.status != 0 or -res.fun <= 1e-9:
        raise NotRepresentableError(
            "no linear readout separates the outputs on this representation's image "
            f"(best margin {(-res.fun if res.status == 0 else float('nan')):.3g})"
        )
    return res.x[:-1].reshape(n_outputs, H)
