"""Non-abelian group tasks through a named orthogonal irreducible representation as one block,
stored exactly (integers, Q(√d), or phase blocks; docs/theory.md §6)."""

from __future__ import annotations

import numpy as np

from ..algebra.profile import AlgebraicProfile
from ..algebra.representations import find_isomorphism, named_representations, transition_group
from ..errors import KernelObstruction
from ..model import BilinearModel
from ..rungs import get_rung
from .assembly import assemble_model, blocks_from_matrices, finite_image_exact, reachable_image
from .readout import fit_readout

__all__ = ["irrep_model"]


def irrep_model(profile: AlgebraicProfile, rung: str, block_size: int | None
                ) -> BilinearModel | None:
    """Orthogonal irreducible representation of a non-abelian group automaton as one block.

    Tries the named representations of the transition group's order, smallest first; raises
    :class:`NotRepresentableError` with the KERNEL reason when the group is recognised and
    ``block_size`` is below its known minimal faithful block size.
    """
    group = transition_group(profile)
    machine = profile.machine
    limit = block_size if block_size is not None else 10**9
    fallback = None
    for rep in named_representations(group.order):
        mapping = find_isomorphism(group, rep)
        if mapping is None:
            continue
        if rep.dim > limit:
            facts = get_rung(rung)  # KERNEL: orthogonal blocks below the faithful size fail
            if (facts.orthogonal and facts.sized_blocks
                    and rep.minimal_faithful_block is not None
                    and limit < rep.minimal_faithful_block):
                raise KernelObstruction(
                    f"{rung}({limit}) cannot represent {machine.name or 'this task'}: KERNEL: "
                    f"its transition group is {rep.name.split(' ')[0]}, whose real irreducible "
                    f"representations of dimension ≤ {limit} share a non-trivial kernel "
                    f"(minimal faithful block size {rep.minimal_faithful_block})")
            continue
        per_letter = [rep.exact[int(mapping[g])] for g in group.letter]
        dyn = rep.make_dynamics(per_letter)
        if getattr(dyn, "basis", None) is not None:
            # orthonormal only in a rounded basis, so its floats cannot be proved: keep it
            # as the last resort and look for a representation stored exactly
            fallback = fallback or (rep, mapping, per_letter, dyn)
            continue
        X, targets = reachable_image(machine, dyn)
        C = fit_readout(X, targets, len(machine.output_labels))
        field = getattr(dyn, "field_d", 1)
        if field > 1:
            # entries in Q(√d), stored exactly as two rational arrays
            params = {"blocks": np.array([[[[float(x.a) for x in row] for row in e]]
                                          for e in per_letter]),
                      "blocks_sqrt": np.array([[[[float(x.b) for x in row] for row in e]]
                                               for e in per_letter]),
                      "sqrt_base": np.array(float(field)),
                      "block_sizes": np.array([float(rep.dim)])}
        elif rep.name.startswith("D_"):
            # exact phase block: element (s, a) is z ↦ ζ_N^a · z (conjugated first if s = −1)
            N = 4 * (rep.order // 2)
            params = {"block_turns": np.array([[float(e[1])] for e in per_letter]),
                      "block_reflections": np.array([[float(e[0] == -1)] for e in per_letter]),
                      "block_periods": np.array([float(N)]), "block_sizes": np.array([2.0])}
        else:
            A = np.array([rep.floats[int(mapping[g])] for g in group.letter])
            params = blocks_from_matrices(A, [rep.dim])
        kind = "representation" if "natural" in rep.name else "irrep"  # natural = std ⊕ 1
        return assemble_model(machine, rung, params, X[0], C, f"{kind}: {rep.name}",
                              finite_image_exact(dyn))
    if fallback is not None:  # only rounded orthonormal forms fit
        rep, mapping, per_letter, dyn = fallback
        X, targets = reachable_image(machine, dyn)
        C = fit_readout(X, targets, len(machine.output_labels))
        A = np.array([rep.floats[int(mapping[g])] for g in group.letter])
        return assemble_model(machine, rung, blocks_from_matrices(A, [rep.dim]), X[0], C,
                              f"irrep: {rep.name}", finite_image_exact(dyn))
    return None


# -- KERNEL certificates (docs/theory.md §5) ----------------------------------------------------
