"""A solvable group task as a stack of commutative layers along the derived series
(Kaloujnine–Krasner; docs/theory.md §12).

Let ``G = G⁽⁰⁾ ⊳ G⁽¹⁾ ⊳ … ⊳ G⁽ᵈ⁾ = 1`` be the derived series of the transition group, with
transversals ``s_i`` of the abelian quotients ``G⁽ⁱ⁻¹⁾/G⁽ⁱ⁾`` (``s_i`` of the trivial coset
is 1). Products read left to right (``g·σ``: g first). Write the prefix element as
``g = n_1 · s_1(c_1)`` with ``c_1 = gG′`` and ``n_1 ∈ G′``; a token σ gives
``c_1' = c_1 σ̄`` and ``n_1' = n_1 · t_2`` with the correction
``t_2 = s_1(c_1) · σ · s_1(c_1')⁻¹ ∈ G′``. So layer 1 tracks ``c_1`` in an abelian group (a
rotation model of the quotient automaton), and layer 2 tracks ``n_1`` — the word problem of
``G′`` over the letters t_2 — in the same way, one level down. Layer i+1's letter depends
on ``c_i`` before the token, which it recovers from the label ``c_i'`` after it:
``c_i = c_i' · t̄_i⁻¹`` — so the interface (all lower labels after the token, plus the
token) suffices. At the top ``g = s_d(c_d) ⋯ s_1(c_1)``, and the task output is the
automaton's output at ``g`` applied to the start state.

References
----------
L. Kaloujnine and M. Krasner, "Produit complet des groupes de permutations et problème
d'extension de groupes" (1951); Shakerinava, Khavari et al., ICLR 2026 (depth of diagonal
stacks equals derived length).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..algebra.closure import sympy_permutation_group
from ..algebra.profile import AlgebraicProfile
from ..algebra.representations import transition_group
from ..automata.machine import MooreMachine
from ..errors import NotRepresentableError
from ..model import BilinearModel
from ..stack import StackedModel

__all__ = ["cascade_stack", "derived_series"]


def derived_series(profile: AlgebraicProfile) -> tuple[np.ndarray, list[np.ndarray]]:
    """The transition group's multiplication table (g·h, g first) and its derived series as
    sorted arrays of element indices, ``G`` first, down to the trivial group or to the
    first perfect term."""
    group = transition_group(profile)
    index = {p.tobytes(): i for i, p in enumerate(group.perms)}
    G = sympy_permutation_group([group.perms[g].tolist() for g in group.letter])
    series = []
    for term in G.derived_series():
        series.append(np.array(sorted(index[np.array(p.array_form, dtype=group.perms.dtype)
                                            .tobytes()] for p in term.generate())))
    return group.table, series


def cascade_stack(profile: AlgebraicProfile,
                  compile_layer: Callable[[MooreMachine], BilinearModel],
                  rung: str = "rotation") -> StackedModel:
    """The derived-series stack of a solvable group task; one layer per derived quotient,
    each the quotient automaton compiled by ``compile_layer`` (an abelian group task: a
    ``rotation`` or ``complex_diagonal`` model by characters; ``rung`` names it).

    Raises :class:`NotRepresentableError` for a task that is not a group automaton or a
    group that is not solvable.
    """
    machine = profile.machine
    if not profile.is_group:
        raise NotRepresentableError(f"{machine.name or 'the task'} is not a group automaton: "
                                    "commutative group layers only stack to groups")
    group = transition_group(profile)
    table, series = derived_series(profile)
    if len(series[-1]) > 1:
        raise NotRepresentableError(f"the transition group of {machine.name or 'the task'} is "
                                    "not solvable (its derived series stops at a perfect "
                                    f"subgroup of order {len(series[-1])})")
    N = len(table)
    if N == 1:  # the trivial group: one layer that never moves
        model = compile_layer(machine)
        return StackedModel((model,), machine.alphabet, (), np.arange(1), model.output_labels,
                            construction=f"one {rung} layer (trivial group)")
    inverse = np.argmax(table == 0, axis=1)  # element 0 is the identity
    layers, cosets, reps = [], [], []
    for top, bottom in itertools.pairwise(series):
        # cosets of the normal subgroup `bottom` in `top`; the representative is the least
        # index, so the trivial coset's representative is the identity
        coset_of = np.full(N, -1)
        rep_list: list[int] = []
        for x in top.tolist():
            if coset_of[x] < 0:
                members = table[x, bottom]
                coset_of[members] = len(rep_list)
                rep_list.append(int(members.min()))
        cosets.append(coset_of)
        reps.append(np.array(rep_list))
    letters_of = []  # per layer: the group element of each of its letters
    for i in range(len(cosets)):
        if i == 0:
            elems = np.array([int(g) for g in group.letter])
            alphabet = machine.alphabet
        else:
            elems = series[i]
            alphabet = tuple(f"g{int(g)}" for g in elems)
        letters_of.append(elems)
        coset_of, rep = cosets[i], reps[i]
        trans = [[int(coset_of[table[rep[c], e]]) for e in elems] for c in range(len(rep))]
        quotient = MooreMachine(trans, int(coset_of[0]), list(range(len(rep))), alphabet,
                                name=f"{machine.name or 'task'} layer {i + 1}")
        layers.append(compile_layer(quotient))
    coset_by_label = [np.array([int(y) for y in m.output_labels]) for m in layers]
    # letter index in each upper layer's model alphabet (names "g<element>")
    position = [{}] + [{int(name[1:]): j for j, name in enumerate(m.alphabet)}
                       for m in layers[1:]]

    def letter_chain(ys: tuple[int, ...], x: int) -> list[int]:
        """The group element each layer reads, from the labels after the token."""
        t = int(letters_of[0][x])
        chain = [t]
        for i, y in enumerate(ys):
            after = int(coset_by_label[i][y])
            before = int(cosets[i][table[reps[i][after], inverse[t]]])
            t = int(table[table[reps[i][before], t], inverse[reps[i][after]]])
            chain.append(t)
        return chain

    sizes = [len(m.output_labels) for m in layers]
    D = machine.n_symbols
    interfaces = []
    for level in range(1, len(layers)):
        arr = np.zeros((*sizes[:level], D), dtype=np.int64)
        for combo in np.ndindex(*sizes[:level], D):
            *ys, x = combo
            arr[combo] = position[level][letter_chain(tuple(ys), x)[level]]
        interfaces.append(arr)
    output = np.zeros(sizes, dtype=np.int64)
    for ys in np.ndindex(*sizes):
        g = 0
        for i in reversed(range(len(layers))):  # g = s_d(c_d) ⋯ s_1(c_1)
            g = int(table[g, reps[i][int(coset_by_label[i][ys[i]])]])
        state = int(group.perms[g][machine.start])
        output[ys] = int(machine.output_codes[state])
    return StackedModel(tuple(layers), machine.alphabet, tuple(interfaces), output,
                        machine.output_labels,
                        construction=f"derived series, {len(layers)} {rung} layer(s) "
                                     "(Kaloujnine–Krasner)",
                        metadata={"automaton": machine.name,
                                  "derived_series_orders": [len(s) for s in series]})
