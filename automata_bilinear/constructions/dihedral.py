"""CP rank 2 for a dihedral group over a rotation and a reflection letter (docs/theory.md §6)."""

from __future__ import annotations

import numpy as np

from ..algebra.profile import AlgebraicProfile
from ..errors import ConstructionUnavailableError
from ..exact.dynamics import PhaseDynamics
from ..model import BilinearModel
from ..rungs import Structure, get_rung
from .assembly import (
    assemble_model,
    exact_cos_sin,
    finite_image_exact,
    permutation_order,
    reachable_image,
)
from .readout import fit_readout

__all__ = ["dihedral_cp_model"]


def dihedral_cp_model(profile: AlgebraicProfile, rung: str = "cp") -> BilinearModel | None:
    """CP with R = 2 for a dihedral group over a rotation and a reflection letter.

    Applies when the minimal automaton has two permutation letters ``r`` of order m ≥ 3 and
    ``s`` of order 2 with ``s r s = r⁻¹`` and 2m states. Then ``A_σ = diag(d_σ) M`` with
    ``M = rot(2π/m)``, ``d_r = (1, 1)``, ``d_s = (1, −1)`` (docs/theory.md §6).
    """
    if get_rung(rung).structure is not Structure.FACTORED:
        raise ConstructionUnavailableError(f"the dihedral CP construction needs a factored "
                                           f"rung, not {rung}")
    machine = profile.machine
    if machine.n_symbols != 2 or not profile.is_group or machine.n_states % 2:
        return None
    m = machine.n_states // 2
    if m < 3:
        return None
    perms = [machine.transitions[:, a] for a in range(2)]
    orders = [permutation_order(p) for p in perms]
    for r_idx in (0, 1):
        r, s = perms[r_idx], perms[1 - r_idx]
        if orders[r_idx] != m or orders[1 - r_idx] != 2:
            continue
        r_inv = np.argsort(r)
        if not np.array_equal(s[r[s]], r_inv):  # s r s = r^-1 as maps (s applied last)
            continue
        c, sn = exact_cos_sin(1, m)
        M = np.array([[c, -sn], [sn, c]])
        d = np.zeros((2, 2))
        d[r_idx] = (1.0, 1.0)
        d[1 - r_idx] = (1.0, -1.0)
        # exact phases mod 4m: h0 = ζ_{4m}; r: z ↦ ζ_m z; s: z ↦ conj(ζ_m z) = ζ_m⁻¹ z̄
        signs = [(1,), (1,)]
        shifts = [(4,), (4,)]
        signs[1 - r_idx], shifts[1 - r_idx] = (-1,), (-4,)
        dyn = PhaseDynamics(moduli=(4 * m,), initial_exponents=(1,), signs=tuple(signs),
                            shifts=tuple(shifts), resets=(None, None))
        X, targets = reachable_image(machine, dyn)
        C = fit_readout(X, targets, len(machine.output_labels))
        return assemble_model(machine, rung, {"U": np.eye(2), "V": M.T, "d": d}, X[0], C,
                      f"dihedral D_{m} (CP rank 2)", finite_image_exact(dyn))
    return None
