"""Building the certificates that refute a rung, from the minimal automaton's profile
(docs/theory.md §4–§5): PARIKH, PERIOD, RECUR, KERNEL and HANKEL.

The builders are untrusted: every certificate they return is re-checked by
:meth:`automata_bilinear.checker.certificates.Certificate.check` before it is reported.
Words are short: shortest access words and shortest separating suffixes from the
minimisation.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .algebra.closure import sympy_permutation_group
from .algebra.profile import AlgebraicProfile, functional_graph
from .algebra.representations import TransitionGroup, identify_group, letter_closure
from .automata.machine import MooreMachine
from .automata.minimization import minimize
from .checker.certificates import (
    KERNEL_FACTS,
    Certificate,
    CertificateKind,
    derived_rules,
    fixed_space_bound,
)
from .errors import ResourceLimitError
from .exact.wfa import observable_basis_words
from .rungs import Obstructions

__all__ = [
    "depth_certificate",
    "fixed_space_certificate",
    "hankel_certificate",
    "kernel_certificate",
    "parikh_certificate",
    "period_certificate",
    "recur_certificate",
    "refutation_kind",
    "refuting_certificate",
]


def parikh_certificate(profile: AlgebraicProfile) -> Certificate | None:
    """From letters a, b with δ(q, ab) ≠ δ(q, ba): w1 = acc(q)·a·b·sep, w2 = acc(q)·b·a·sep."""
    if profile.non_commuting is None:
        return None
    q, a, b = profile.non_commuting
    m, res = profile.machine, profile.minimization
    t = m.transitions
    p1, p2 = int(t[t[q, a], b]), int(t[t[q, b], a])
    acc, sep = res.access_word(q), res.separating_suffix(p1, p2)
    la, lb = m.alphabet[a], m.alphabet[b]
    return Certificate(CertificateKind.PARIKH,
                       {"w1": (*acc, la, lb, *sep), "w2": (*acc, lb, la, *sep)},
                       rules_out=derived_rules(CertificateKind.PARIKH, {}))


def period_certificate(profile: AlgebraicProfile, *, max_letter_cycle: int = 2
                       ) -> Certificate | None:
    """From a letter σ with a cycle of length ℓ not dividing ``max_letter_cycle`` m (2 for
    the real rungs, 1 for the positive one): w = acc(q) for q on the cycle, u = σ,
    v = sep(q, σ^m(q)) — the two differ since ℓ ∤ m."""
    m, res = profile.machine, profile.minimization
    step = max_letter_cycle
    for a, d in enumerate(profile.letters):
        bad = [c for c in d.cycle_lengths if step % c]
        if not bad:
            continue
        length = bad[0]
        f = m.transitions[:, a]
        depth, cyc = functional_graph(f)
        q = next(s for s in range(m.n_states) if depth[s] == 0 and cyc[s] == length)
        target = q
        for _ in range(step):
            target = int(f[target])
        sep = res.separating_suffix(q, target)
        words = {"w": res.access_word(q), "u": (m.alphabet[a],), "v": sep}
        period, _ = Certificate(CertificateKind.PERIOD, words).eventual_period(m)
        return Certificate(CertificateKind.PERIOD, words, {"period": period},
                           derived_rules(CertificateKind.PERIOD, {}, period))
    return None


def recur_certificate(profile: AlgebraicProfile) -> Certificate | None:
    """From a non-permutation letter σ: a state q off σ's cycles, entering a cycle C after
    ``depth`` steps; u = σ^m with m the least multiple of |C| that is ≥ depth, so that
    u^k(q) = c for all k ≥ 1; w = acc(q), v = sep(q, c)."""
    m, res = profile.machine, profile.minimization
    best = None
    for a, d in enumerate(profile.letters):
        if d.is_permutation:
            continue
        f = m.transitions[:, a]
        depths, cycles = functional_graph(f)
        for q in range(m.n_states):
            if depths[q] == 0:
                continue
            size = cycles[q]
            power = size * -(-depths[q] // size)
            if best is None or power < best[0]:
                c = q
                for _ in range(power):
                    c = int(f[c])
                best = (power, a, q, c)
    if best is None:
        return None
    power, a, q, c = best
    return Certificate(CertificateKind.RECUR,
                       {"w": res.access_word(q), "u": (m.alphabet[a],) * power,
                        "v": res.separating_suffix(q, c)},
                       rules_out=derived_rules(CertificateKind.RECUR, {}))


def hankel_certificate(machine: MooreMachine) -> Certificate:
    """Prefixes = access words of the minimal states, suffixes = the words whose output
    functionals form the basis of the Schützenberger reduction; rank = Hankel rank."""
    res = minimize(machine)
    rank, suffixes = observable_basis_words(res.machine)
    prefixes = [list(res.access_word(q)) for q in range(res.machine.n_states)]
    return Certificate(CertificateKind.HANKEL, data={"prefixes": prefixes,
                                       "suffixes": [list(s) for s in suffixes],
                                       "rank": rank},
                       rules_out=("exact_valued",))


# -- which certificate refutes a rung (docs/theory.md §4) -----------------------------------


def refutation_kind(profile: AlgebraicProfile, obstructions: Obstructions
                    ) -> CertificateKind | None:
    """The first §4 fact the task violates, as the kind of certificate that shows it:
    non-commuting letters (PARIKH) on a commuting rung, a non-permutation letter (RECUR) on
    an orthogonal one, a letter cycle that does not divide the rung's ``max_letter_cycle``
    (PERIOD); None when the facts allow the task.

    Examples
    --------
    >>> from automata_bilinear import algebraic_profile, build
    >>> from automata_bilinear.rungs import get_rung
    >>> refutation_kind(algebraic_profile(build("cyclic:3")), get_rung("real_diagonal")
    ...                 .obstructions())
    <CertificateKind.PERIOD: 'period'>
    """
    if obstructions.commuting and profile.non_commuting is not None:
        return CertificateKind.PARIKH
    if obstructions.orthogonal and not profile.is_group:
        return CertificateKind.RECUR
    cycle = obstructions.max_letter_cycle
    if cycle is not None and any(cycle % c for d in profile.letters for c in d.cycle_lengths):
        return CertificateKind.PERIOD
    return None


def refuting_certificate(profile: AlgebraicProfile, obstructions: Obstructions
                         ) -> Certificate | None:
    """The certificate of :func:`refutation_kind`, built from the minimal automaton."""
    kind = refutation_kind(profile, obstructions)
    if kind is CertificateKind.PARIKH:
        return parikh_certificate(profile)
    if kind is CertificateKind.RECUR:
        return recur_certificate(profile)
    if kind is CertificateKind.PERIOD:
        assert obstructions.max_letter_cycle is not None
        return period_certificate(profile, max_letter_cycle=obstructions.max_letter_cycle)
    return None


# -- KERNEL ------------------------------------------------------------------------------


def _kernel_group(group: TransitionGroup, depth: int) -> Any:

    G = sympy_permutation_group([p.tolist() for p in group.perms[group.letter]])
    for _ in range(depth):
        G = G.derived_subgroup()
    return G


def kernel_certificate(profile: AlgebraicProfile, block_size: int) -> Any:
    """A KERNEL certificate against orthogonal_block(block_size), or None."""
    from sympy.combinatorics import Permutation

    found = identify_group(profile)
    if found is None:
        return None
    name, group = found
    bmax, depth = KERNEL_FACTS[name]
    if block_size > bmax:
        return None
    K = _kernel_group(group, depth)
    machine = profile.machine
    # shortest word whose element is a non-identity element of K (BFS on the Cayley graph)
    ident = tuple(range(machine.n_states))
    seen = {ident: ()}
    frontier = [ident]
    g_word = None
    while frontier and g_word is None:
        nxt = []
        for perm in frontier:
            for a in range(machine.n_symbols):
                p2 = tuple(int(machine.transitions[q, a]) for q in perm)
                if p2 in seen:
                    continue
                seen[p2] = (*seen[perm], a)
                if p2 != ident and K.contains(Permutation(list(p2))):
                    g_word = seen[p2]
                    perm_g = p2
                    break
                nxt.append(p2)
            if g_word is not None:
                break
        frontier = nxt
    if g_word is None:
        return None
    q = next(s for s in range(machine.n_states) if perm_g[s] != s)
    res = profile.minimization
    return Certificate(
        CertificateKind.KERNEL,
        {"w": res.access_word(q), "g": tuple(machine.alphabet[a] for a in g_word),
         "v": res.separating_suffix(q, perm_g[q])},
        {"block_size": block_size, "group": name},
        rules_out=derived_rules(CertificateKind.KERNEL, {"block_size": block_size}))


# -- FIXED_SPACE -------------------------------------------------------------------------

MAX_FIXED_SPACE_ORDER = 5040  # the group is enumerated with a shortest word per element


def fixed_space_certificate(profile: AlgebraicProfile) -> Certificate | None:
    """A FIXED_SPACE certificate for the letter whose bound is largest (docs/theory.md §11),
    or None when the task is not a group word problem (the transition group must act
    regularly on the minimal automaton's states) or the group is too large.

    For each letter g of order k: the powers j prime to k with g^j conjugate to g, each with
    a shortest conjugating word c (``c⁻¹ g c = g^j``, maps composed left to right), and the
    bound of :func:`~automata_bilinear.checker.certificates.fixed_space_bound`.
    """
    if not profile.is_group:
        return None
    m = profile.machine
    n = m.n_states
    if n > MAX_FIXED_SPACE_ORDER:
        return None
    found = _elements_with_words(m, limit=n)
    if found is None or len(found[0]) != n:
        return None  # not regular: the group is larger than the state set
    elements, words = found
    letters = [m.transitions[:, a].astype(np.int64) for a in range(m.n_symbols)]
    ident = np.arange(n)
    E = np.array(elements)                         # (N, n): element c as a map
    E_inv = np.argsort(E, axis=1)                  # c⁻¹, row by row
    rows = np.arange(len(E))[:, None]
    best = None
    covered: set[bytes] = set()  # conjugates of letters already scored share their bound
    for a, g in enumerate(letters):
        if g.tobytes() in covered:
            continue
        k, power = 1, g.copy()
        while not np.array_equal(power, ident):
            power, k = g[power], k + 1
        conjugates = E[rows, g[E_inv]]             # x ↦ c(g(c⁻¹(x))) for every c at once
        covered.update(row.tobytes() for row in conjugates)
        powers, conjugators = [], {}
        gj = g
        for j in range(2, k):
            gj = g[gj]
            if math.gcd(j, k) != 1:
                continue
            hit = np.flatnonzero((conjugates == gj).all(axis=1))
            if hit.size:
                powers.append(j)
                conjugators[f"c{j}"] = tuple(m.alphabet[b] for b in words[int(hit[0])])
        bound = fixed_space_bound(k, powers)
        if best is None or bound > best[0]:
            best = (bound, a, k, powers, conjugators)
    assert best is not None
    bound, a, k, powers, conjugators = best
    if bound < 2:
        return None  # rules out no factor count
    data = {"order": k, "powers": powers, "bound": bound}
    return Certificate(CertificateKind.FIXED_SPACE, {"g": (m.alphabet[a],), **conjugators},
                       data, rules_out=derived_rules(CertificateKind.FIXED_SPACE, data))


def _elements_with_words(m: MooreMachine, limit: int
                         ) -> tuple[list[np.ndarray], list[tuple[int, ...]]] | None:
    """The transition group's elements (maps on states) with a shortest word each, by
    breadth-first search; None beyond ``limit`` elements."""
    try:
        found = letter_closure(m, MAX_FIXED_SPACE_ORDER)
    except ResourceLimitError:  # raised only by the element limit
        return None
    if len(found.elements) > limit:
        return None
    return list(found.elements), [found.word(i) for i in range(len(found.elements))]


# -- depth: PERFECT and DERIVED_LENGTH -------------------------------------------------------


def depth_certificate(profile: AlgebraicProfile, layers: int | None = None
                      ) -> Certificate | None:
    """For a group task: PERFECT when the transition group is not solvable (words for
    generators of the last term of its derived series), else DERIVED_LENGTH when its derived
    length exceeds ``layers`` (always, when ``layers`` is None and the length is ≥ 2).
    None otherwise, or when the group has more than 5040 elements."""
    from sympy.combinatorics import Permutation, PermutationGroup

    if not profile.is_group:
        return None
    m = profile.machine
    found = _elements_with_words(m, limit=MAX_FIXED_SPACE_ORDER)
    if found is None:
        return None
    elements, words = found
    G = sympy_permutation_group([m.transitions[:, a].tolist() for a in range(m.n_symbols)])
    series = G.derived_series()
    core = series[-1]
    if core.order() > 1:
        index = {e.tobytes(): i for i, e in enumerate(elements)}
        inside = [i for i, e in enumerate(elements) if i and core.contains(Permutation(e.tolist()))]
        # two elements generate a perfect group with high probability: seeded random pairs
        # (shortest words first among the candidates), sympy's generators as the fallback
        rng = np.random.default_rng(0)
        gens = None
        for _ in range(200):
            x, y = sorted(rng.choice(len(inside), size=2, replace=False).tolist())
            pair = [inside[x], inside[y]]
            if PermutationGroup([Permutation(elements[g].tolist()) for g in pair]).order() \
                    == core.order():
                gens = pair
                break
        if gens is None:
            gens = [index[np.array(g.array_form, dtype=np.int64).tobytes()]
                    for g in core.generators]
        named = {f"h{i + 1}": tuple(m.alphabet[a] for a in words[g])
                 for i, g in enumerate(gens)}
        return Certificate(CertificateKind.PERFECT, named,
                           rules_out=derived_rules(CertificateKind.PERFECT, {}))
    d = len(series) - 1
    if d < 2 or (layers is not None and layers >= d):
        return None
    data = {"derived_length": d}
    return Certificate(CertificateKind.DERIVED_LENGTH, {}, data,
                       rules_out=derived_rules(CertificateKind.DERIVED_LENGTH, data))
