""""At least t of one letter" with two units on every diagonal rung (docs/theory.md §8)."""

from __future__ import annotations

import math

import numpy as np

from ..algebra.profile import AlgebraicProfile
from ..errors import ConstructionUnavailableError
from ..model import BilinearModel
from ..rungs import Structure, get_rung
from .assembly import assemble_model, blocks_from_matrices

__all__ = ["threshold_model"]


def _threshold_structure(profile: AlgebraicProfile) -> tuple[int, int, int, int] | None:
    """(letter, threshold t, output code below, output code from t on) when the task is
    "at least t of one letter" (every other letter acts as the identity), else None."""
    machine = profile.machine
    if not profile.is_aperiodic_commutative or len(machine.output_labels) != 2:
        return None
    ident = np.arange(machine.n_states)
    moving = [a for a in range(machine.n_symbols)
              if not np.array_equal(machine.transitions[:, a], ident)]
    if len(moving) != 1:
        return None
    a = moving[0]
    t = profile.letters[a].index
    chain = [machine.start]
    for _ in range(t):
        chain.append(int(machine.transitions[chain[-1], a]))
    codes = machine.output_codes[chain].tolist()
    if len(set(chain)) != machine.n_states or codes[:-1] != [codes[0]] * t \
            or codes[-1] == codes[0]:
        return None
    return a, t, codes[0], codes[-1]


def threshold_model(profile: AlgebraicProfile, rung: str) -> BilinearModel | None:
    """"At least t of letter a": units (1, λ^(n_a)) and readout sign(λ^(n_a) − θ) with θ
    between λ^t and λ^(t−1), H = 2 on every diagonal rung (docs/theory.md §8). λ = 1/2 while 2^-t
    is a normal float; beyond, λ = 1 − 2^-k with 2^k ≥ 4t, so that λ^t stays near e^(-1/4)."""
    found = _threshold_structure(profile)
    if found is None:
        return None
    a, t, below, _ = found
    machine = profile.machine
    if t <= 1000:
        lam, theta = 0.5, 1.5 * 2.0 ** (-t)
    else:
        k = math.ceil(math.log2(4 * t))
        lam = 1.0 - 2.0 ** (-k)
        theta = float(np.exp((t - 0.5) * np.log(lam)))
    eig = np.ones((machine.n_symbols, 2))
    eig[a, 1] = lam
    C = np.zeros((2, 2))
    C[below] = (-theta, 1.0)  # score(below) − score(above) = λ^n − θ
    structure = get_rung(rung).structure
    if structure is Structure.COMPLEX_DIAGONAL:
        params = {"complex_eigenvalues": np.zeros((machine.n_symbols, 0)),
                  "real_eigenvalues": eig}
    elif structure is Structure.BLOCKS:
        A = np.zeros((machine.n_symbols, 2, 2))
        A[:, 0, 0], A[:, 1, 1] = eig[:, 0], eig[:, 1]
        params = blocks_from_matrices(A, [1, 1])
    elif structure is Structure.DIAGONAL:
        params = {"eigenvalues": eig}
    else:
        raise ConstructionUnavailableError(f"no unit layout for the {rung} rung's structure")
    return assemble_model(machine, rung, params, np.ones(2), C, f"single threshold (at least "
                          f"{t} '{machine.alphabet[a]}', 2 units)", None)
