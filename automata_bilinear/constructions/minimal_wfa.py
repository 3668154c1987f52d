"""The minimal exact-valued model on the full rung: dimension = Hankel rank, exact rationals
(Schützenberger reduction; docs/theory.md §6)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..automata.machine import MooreMachine
from ..automata.minimization import minimize
from ..errors import ConstructionUnavailableError
from ..exact.arithmetic import Echelon
from ..exact.wfa import Vector, observable_basis
from ..io.formats import automaton_hash
from ..model import BilinearModel
from ..rungs import Structure, get_rung

__all__ = ["minimal_exact_valued_model"]


def _invert(M: list[Vector]) -> list[Vector]:
    n = len(M)
    aug = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(M)]
    for c in range(n):
        p = next(r for r in range(c, n) if aug[r][c])
        aug[c], aug[p] = aug[p], aug[c]
        inv = 1 / aug[c][c]
        aug[c] = [x * inv for x in aug[c]]
        for r in range(n):
            if r != c and aug[r][c]:
                f = aug[r][c]
                aug[r] = [x - f * y for x, y in zip(aug[r], aug[c])]
    return [row[n:] for row in aug]


def _matvec_rows(coef: list[Vector], rows: list[Vector]) -> list[Vector]:
    return [[sum((c * r[j] for c, r in zip(cs, rows)), Fraction(0)) for j in range(len(rows[0]))]
            for cs in coef]


def minimal_exact_valued_model(machine: MooreMachine, rung: str = "full") -> BilinearModel:
    """Minimal exact-valued model on ``full``: dimension = Hankel rank, exact rationals.

    With ``B`` (r × n) a basis of the observable functionals and ``J`` pivot columns with
    ``B_J`` invertible: ``A'_σ = (B A_σ)_J B_J⁻¹``, ``h0' = B e_{q0}``, ``C' = C_J B_J⁻¹``.
    """
    if get_rung(rung).structure is not Structure.DENSE:
        raise ConstructionUnavailableError(f"the minimal WFA needs a dense rung, not {rung}")
    machine = minimize(machine).machine
    B = observable_basis(machine)
    r, n = len(B), machine.n_states
    echelon = Echelon(n)
    for row in B:
        echelon.add(row)
    J = sorted(echelon.rows)  # pivot columns: B_J is invertible
    BJ_inv = _invert([[row[j] for j in J] for row in B])
    table = machine.transitions.tolist()
    mats = []
    for a in range(machine.n_symbols):
        BA_J = [[row[table[j][a]] for j in J] for row in B]  # (B A_a)[i, j] = B[i, δ(j, a)]
        mats.append(_matvec_rows(BA_J, BJ_inv))
    h0 = [row[machine.start] for row in B]
    Y = len(machine.output_labels)
    C_J = [[Fraction(int(machine.output_codes[j] == y)) for j in J] for y in range(Y)]
    C = _matvec_rows(C_J, BJ_inv)
    # z = B h evolves by z' = M_a z because B A_a = M_a B (rows of B A_a lie in span B)
    A = np.array([[[float(x) for x in row] for row in m] for m in mats])
    exact = {
        "method": "wfa_equivalence",
        "transitions": [[[str(x) for x in row] for row in m] for m in mats],
        "h0": [str(x) for x in h0],
        "readout": [[str(x) for x in row] for row in C],
    }
    C_float = np.array([[float(x) for x in row] for row in C])
    return BilinearModel(
        rung=rung, params={"W": np.moveaxis(A, 0, 2)},
        h0=np.array([float(x) for x in h0]), readout=C_float,
        alphabet=machine.alphabet, output_labels=machine.output_labels,
        construction=f"minimal exact-valued WFA (Hankel rank {r})", exact=exact,
        metadata={"automaton": machine.name, "automaton_hash": automaton_hash(machine),
                  "minimal_states": n, "hankel_rank": r},
    )
