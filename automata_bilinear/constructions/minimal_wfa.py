"""The minimal exact-valued model on the full rung: dimension = Hankel rank, exact rationals
(Schützenberger reduction; docs/theory.md §6)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..automata.machine import MooreMachine
from ..automata.minimization import minimize
from ..errors import ConstructionUnavailableError
from ..exact.wfa import ObservableSpace, observable_space
from ..io.formats import automaton_hash
from ..limits import check_allocation
from ..model import BilinearModel
from ..rungs import Structure, get_rung

__all__ = ["minimal_exact_valued_model"]

MAX_EXACT_STRINGS = 250_000
"""Entries up to which the model records its exact rational matrices as strings."""


def _reduced_basis_floats(space: ObservableSpace, n: int) -> np.ndarray:
    """``R = [I | X]`` (columns in state order) in float64."""
    R = np.zeros((space.rank, n))
    R[np.arange(space.rank), space.pivots] = 1.0
    if space.free.size:
        X = space.coordinates.tolist()  # type: ignore[attr-defined]
        R[:, space.free] = [[int(x.p) / int(x.q) for x in row] for row in X]
    return R


def minimal_exact_valued_model(machine: MooreMachine, rung: str = "full") -> BilinearModel:
    """Minimal exact-valued model on ``full``: dimension = Hankel rank, exact rationals.

    The hidden coordinates are those of the observable space's reduced row echelon basis
    ``R`` (``R_J = I`` on pivot states ``J``; :func:`~automata_bilinear.exact.wfa.
    observable_space`): ``z = R h`` for the one-hot state ``h``, so ``A'_σ = (R A_σ)_J``
    (column ``j`` is column ``δ(J_j, σ)`` of ``R``), ``h0' = R e_{q0}`` and ``C' = C_J``.
    These identities hold because span(R) contains every output indicator and is invariant
    under every ``A_σ``, which :func:`observable_space` proves exactly.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> model = minimal_exact_valued_model(build("threshold:3"))
    >>> model.hidden_size, model.metadata["hankel_rank"]
    (4, 4)
    """
    if get_rung(rung).structure is not Structure.DENSE:
        raise ConstructionUnavailableError(f"the minimal WFA needs a dense rung, not {rung}")
    machine = minimize(machine).machine
    n, D = machine.n_states, machine.n_symbols
    space = observable_space(machine)
    r = space.rank
    check_allocation(f"the minimal exact-valued model (H = {r}, {D} letters)", (D, r, r))
    J = space.pivots
    R = _reduced_basis_floats(space, n)
    A = np.stack([R[:, machine.transitions[J, a]] for a in range(D)])  # (D, r, r)
    h0 = R[:, machine.start].copy()
    Y = len(machine.output_labels)
    C = (np.arange(Y)[:, None] == machine.output_codes[J][None, :]).astype(np.float64)
    exact: dict = {"method": "wfa_equivalence", "basis": "reduced row echelon (R_J = I)",
                   "pivot_states": J.tolist()}
    if D * r * r <= MAX_EXACT_STRINGS:
        rows = space.reduced_basis()
        table = machine.transitions
        exact["transitions"] = [[[str(row[int(table[j, a])]) for j in J.tolist()]
                                 for row in rows] for a in range(D)]
        exact["h0"] = [str(row[machine.start]) for row in rows]
        exact["readout"] = [[str(x) for x in row] for row in C.astype(int).tolist()]
        exact["floats_exact"] = all(Fraction(float(x)) == x for row in rows for x in row)
    return BilinearModel(
        rung=rung, params={"W": np.moveaxis(A, 0, 2)},
        h0=h0, readout=C,
        alphabet=machine.alphabet, output_labels=machine.output_labels,
        construction=f"minimal exact-valued WFA (Hankel rank {r})", exact=exact,
        metadata={"automaton": machine.name, "automaton_hash": automaton_hash(machine),
                  "minimal_states": n, "hankel_rank": r},
    )
