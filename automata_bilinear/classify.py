"""Which rungs can represent a task: a proven "yes" or a checkable "no" per rung.

:func:`classify` works on the minimal automaton and never enumerates the transition monoid
for its decisions (docs/theory.md §4–§5). For every rung it reports

- ``yes``: with the hidden size and parameter count of the construction, proven either by
  compiling and running :func:`automata_bilinear.verify.verify` (small machines) or, for the
  one-hot family on large machines, by Prop. 1 (the one-hot model *is* the transition table);
- ``no``: with a certificate (PARIKH, PERIOD, RECUR, KERNEL) that has been re-checked by
  running the automaton;
- ``unknown``: only where docs/theory.md marks the question open (the least block size for
  ``block``, the exact CP rank), together with the best bounds.

The lowest rung is the first ``yes`` in :data:`automata_bilinear.rungs.RUNG_ORDER`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .algebra.character_table import fewest_factors
from .algebra.closure import sympy_permutation_group
from .algebra.profile import AlgebraicProfile, algebraic_profile
from .algebra.representations import identify_group, transition_group
from .automata.machine import MooreMachine, check_machine
from .automata.minimization import minimize
from .checker.certificates import Certificate
from .compilation import compile_bilinear, compile_stack
from .constructions.dihedral import dihedral_cp_model
from .constructions.signed_pd import (
    MAX_SEARCH_PAIRS,
    MAX_SEARCH_STATES,
    minimal_signed_automaton,
)
from .errors import (
    ConstructionUnavailableError,
    InvalidArgumentError,
    NotRepresentableError,
    ResourceLimitError,
)
from .frozen import TextEnum, freeze, thaw
from .limits import check_memory, check_work
from .model import BilinearModel
from .refutations import (
    depth_certificate,
    fixed_space_certificate,
    hankel_certificate,
    kernel_certificate,
    period_certificate,
    refutation_kind,
    refuting_certificate,
)
from .rungs import HIERARCHY, RUNG_ORDER, RUNGS, Obstructions, Rung, Structure, get_rung
from .rungs.pd import ONE_UNIT as PD_ONE_UNIT
from .verify import verify

__all__ = ["ClassificationReport", "RungVerdict", "Verdict", "classify", "cp_term_count",
           "group_facts", "pd_units_for_period", "stack_depth"]

COMPILE_LIMIT = 400  # one-hot constructions are compiled and verified up to this many states
STACK_RUNG = "rotation"  # the rung whose stacks classify reports


class Verdict(TextEnum):
    """The classifier's answer for one rung; the value is the JSON ``verdict``."""

    YES = "yes"          # a construction, proved exactly (or Prop. 1 on large machines)
    NO = "no"            # a certificate, re-checked on the automaton
    UNKNOWN = "unknown"  # representable by docs/theory.md §4, but no construction proved


@dataclass(frozen=True)
class RungVerdict:
    """The classifier's answer for one rung (every field read-only).

    ``bounds`` maps a quantity the theory leaves open (``block_size``, ``R``) to a pair
    ``(lower, upper)``, plus ``R_lower_for_exact_valued_readout`` (the Hankel rank).
    """

    rung: str
    verdict: Verdict
    method: str
    hidden: int | None = None
    params: int | None = None
    block_size: int | None = None
    construction: str | None = None
    certificate: Certificate | None = None
    factors: int | None = None
    bounds: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    bound_certificate: Certificate | None = None

    def __post_init__(self) -> None:
        if self.verdict not in tuple(Verdict):
            raise InvalidArgumentError(f"verdict must be one of {[v.value for v in Verdict]}, "
                                       f"got {self.verdict!r}")
        object.__setattr__(self, "verdict", Verdict(self.verdict))
        object.__setattr__(self, "bounds", freeze(self.bounds))

    def to_json(self) -> dict[str, Any]:
        cert = None
        if self.certificate is not None:
            cert = {"kind": self.certificate.kind.value,
                    **{k: list(v) for k, v in self.certificate.words.items()},
                    **thaw(self.certificate.data), "description": self.certificate.describe()}
        return {"verdict": self.verdict.value, "hidden": self.hidden, "params": self.params,
                "block_size": self.block_size, "factors": self.factors, "method": self.method,
                "construction": self.construction, "certificate": cert,
                "bounds": thaw(self.bounds) or None, "note": self.note or None,
                "bound_certificate": None if self.bound_certificate is None
                else self.bound_certificate.to_json()}


@dataclass(frozen=True)
class ClassificationReport:
    """Result of :func:`classify` (every field read-only); ``to_json`` gives the documented
    CLI object."""

    automaton: Mapping[str, Any]
    minimal_states: int
    lowest_rung: str
    rungs: Mapping[str, RungVerdict]
    algebra: Mapping[str, Any]
    group: Mapping[str, Any] | None
    hankel: Mapping[str, Any] | None
    depth: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("automaton", "rungs", "algebra", "group", "hankel", "depth"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    def to_json(self) -> dict[str, Any]:
        return {
            "automaton": thaw(self.automaton), "minimal_states": self.minimal_states,
            "lowest_rung": self.lowest_rung,
            "rungs": {r: v.to_json() for r, v in self.rungs.items()},
            "algebra": thaw(self.algebra), "group": thaw(self.group),
            "hankel": thaw(self.hankel), "depth": thaw(self.depth),
        }


def cp_term_count(machine: MooreMachine) -> int:
    """Number of distinct rank-one terms ``e_p 1_Sᵀ`` (S = σ⁻¹(p)) over all letters."""
    terms = set()
    for a in range(machine.n_symbols):
        col = machine.transitions[:, a]
        order = np.argsort(col, kind="stable")
        values, starts = np.unique(col[order], return_index=True)
        for p, group in zip(values.tolist(), np.split(order, starts[1:])):
            terms.add((p, np.sort(group).tobytes()))
    return len(terms)


def _certified(cert: Certificate | None, machine: MooreMachine) -> Certificate:
    if cert is None:
        raise AssertionError("a certificate was expected")  # pragma: no cover
    check = cert.check(machine)
    if not check.ok:  # pragma: no cover - would be a bug in the builders
        raise AssertionError(f"certificate failed its own check: {check.reason}")
    return cert


def _no(rung: str, cert: Certificate, machine: MooreMachine) -> RungVerdict:
    cert = _certified(cert, machine)
    return RungVerdict(rung, Verdict.NO, f"certificate ({cert.kind.upper()}), re-checked on "
                                         "the automaton", certificate=cert)


def _yes(rung: str, model: BilinearModel, machine: MooreMachine) -> RungVerdict:
    report = verify(model, machine, numerical=False)
    if not report.proved:  # pragma: no cover - would be a bug in a construction
        raise AssertionError(f"{model.construction} on {rung} failed: {report.detail}")
    block = factors = None
    if "block_sizes" in model.params:
        block = int(model.params["block_sizes"].max())
    if get_rung(rung).sized_factors:
        factors = int(model.params["betas"].shape[1])
    return RungVerdict(rung, Verdict.YES, f"compiled and proved by {report.method}",
                       hidden=model.hidden_size, params=model.parameter_count,
                       block_size=block, construction=model.construction, factors=factors)


_UNIVERSAL = Obstructions(commuting=False, orthogonal=False, max_letter_cycle=None)


def _prop1_verdict(rung: Rung, machine: MooreMachine) -> RungVerdict:
    """A "yes" by Prop. 1 without building the model: the one-hot matrices are the DFA."""
    n, D = machine.n_states, machine.n_symbols
    if rung.structure is Structure.FACTORED:
        terms = cp_term_count(machine)
        return RungVerdict(rung.name, Verdict.YES, "Prop. 1 (shared rank-one terms of the "
                           "one-hot matrices are exact)", hidden=n, params=terms * (2 * n + D),
                           construction=f"shared rank-one terms (R = {terms})")
    if rung.structure is Structure.MONOMIAL:
        return RungVerdict(rung.name, Verdict.YES, "Prop. 1 (the transition table as index "
                           "arrays with unit scales)", hidden=n, params=n * D,
                           construction="one-hot (Prop. 1) as permutation × diagonal")
    if rung.structure is Structure.BLOCKS:
        return RungVerdict(rung.name, Verdict.YES, "Prop. 1 (one-hot transition matrices as "
                           "one block reproduce the DFA exactly)", hidden=n, params=n * n * D,
                           block_size=n, construction="one-hot (Prop. 1) as one block")
    return RungVerdict(rung.name, Verdict.YES, "Prop. 1 (one-hot model is the DFA's "
                       "transition table)", hidden=n, params=n * n * D,
                       construction="one-hot (Prop. 1)")


def _orthogonal_block_bounds(row: RungVerdict, profile: AlgebraicProfile,
                             machine: MooreMachine) -> RungVerdict:
    """The least orthogonal block size: a KERNEL (non-abelian) or PERIOD (abelian, not
    elementary) certificate below the construction's block size, where one exists."""
    block = row.block_size
    if block is None or block <= 1:
        return row
    cert = None
    if not profile.is_commutative:
        for b in range(min(block - 1, 4), 1, -1):  # KERNEL covers b ≤ 3 (Q_8, S_5)
            try:
                cert = kernel_certificate(profile, b)
            except ResourceLimitError:  # a group too large to enumerate has no KERNEL facts
                break
            if cert is not None:
                break
    elif not profile.letter_cycles_at_most_two:  # abelian, not elementary: ±1 blocks fail
        cert = period_certificate(profile)
    if cert is not None:
        ruled = int(cert.data.get("block_size", block - 1))
        return replace(row, bound_certificate=_certified(cert, machine),
                       bounds={"block_size": (ruled + 1, block)},
                       note=f"{cert.describe()} rules out block size {ruled}"
                       + (f"; least block size {block}" if ruled + 1 == block else
                          f"; between {ruled + 1} and the proved {block}"))
    if profile.is_commutative or block == 2:  # non-commutative: 1×1 blocks commute
        return replace(row, bounds={"block_size": (block, block)})
    return replace(row, bounds={"block_size": (2, block)},
                   note="least block size unknown below the one constructed")


def _block_bounds(rung: Rung, row: RungVerdict, profile: AlgebraicProfile) -> RungVerdict:
    """Below the construction the least block size is open (docs/theory.md §4); block size
    1 is the real diagonal, so its refutation lifts the lower bound to 2."""
    lower = 2 if refutation_kind(profile, rung.obstructions(block_size=1)) else 1
    if row.block_size is None or lower >= row.block_size:
        return row
    return replace(row, bounds={"block_size": (lower, row.block_size)},
                   note="least block size: open below the construction (docs/theory.md §4, "
                        "conjecture)")


def _cp_bounds(row: RungVerdict, profile: AlgebraicProfile, machine: MooreMachine,
               hankel_rank: int | None) -> RungVerdict:
    """The exact CP rank is open: R = 1 gives commuting matrices, so non-commutative tasks
    need R ≥ 2; the upper bound is the proved construction's."""
    assert row.hidden is not None and row.params is not None
    upper = row.params // (2 * row.hidden + machine.n_symbols)  # params = R (2H + D)
    lower = 1 if profile.is_commutative else 2
    note = "exact CP rank is open; R upper bound from the proved construction"
    if profile.is_group and machine.n_symbols == 2 and upper > 2 and \
            dihedral_cp_model(profile) is not None:
        note += ("; the dihedral construction has R = 2, but its rotation entries are "
                 "irrational and its stored floats are not proved here")
    bounds: dict[str, Any] = {"R": (lower, upper)}
    if hankel_rank is not None:
        bounds["R_lower_for_exact_valued_readout"] = hankel_rank
    return replace(row, bounds=bounds, note=note)


def pd_units_for_period(period: int) -> int:
    """The fewest PD units whose letter powers can show eventual period ``period``.

    On H units a letter's unit map has cycles of lengths summing to at most H; with L their
    lcm, ``A_u^L`` is diagonal on the units the cycles reach, so along each residue class of
    k mod L the scores are real exponential sums with an eventually 2-periodic sign, and the
    eventual period of k ↦ f(w u^k v) divides 2L (docs/theory.md §10). L must therefore be a
    multiple of r = period / gcd(period, 2), and the least sum of cycle lengths with lcm
    divisible by r is the sum of r's prime-power factors.

    Examples
    --------
    >>> [pd_units_for_period(p) for p in (1, 2, 3, 4, 5, 6, 12)]
    [1, 1, 3, 2, 5, 3, 5]
    """
    r = period // math.gcd(period, 2)
    total, p = 0, 2
    while r > 1:
        if r % p == 0:
            q = 1
            while r % p == 0:
                r //= p
                q *= p
            total += q
        p += 1
    return max(total, 1)


def _pd_bounds(row: RungVerdict, profile: AlgebraicProfile, machine: MooreMachine
               ) -> RungVerdict:
    """The fewest PD units (docs/theory.md §10). Lower bounds for any h0: one unit is a real
    diagonal, so a refutation of that rung gives H ≥ 2, and a re-checked PERIOD certificate
    of period p gives H ≥ :func:`pd_units_for_period` (p). From a one-hot h0 the
    signed-automaton search decides the least H on small machines."""
    upper = row.hidden if row.hidden is not None else machine.n_states
    lower, reasons = 1, []
    kind = refutation_kind(profile, get_rung(PD_ONE_UNIT).obstructions())
    if kind is not None:
        lower = 2
        reasons.append(f"one unit is a real diagonal, ruled out by {kind.upper()}")
    cert = period_certificate(profile)
    if cert is not None:
        period = int(_certified(cert, machine).data["period"])
        need = pd_units_for_period(period)
        if need > lower:
            lower = need
            reasons.append(f"a re-checked PERIOD certificate of period {period} needs a "
                           f"letter cycle structure on at least {need} units")
    found = minimal_signed_automaton(machine)
    one_hot = (found.hidden, found.hidden) if found.exact else (max(found.lower, lower),
                                                                 found.hidden)
    if found.exact:
        search = (f"from a one-hot h0 the least H is {found.hidden} (exhaustive signed-"
                  f"automaton search, {found.nodes} assignments)")
    elif one_hot[0] == one_hot[1]:
        search = f"from a one-hot h0 it is {found.hidden} as well"
    elif found.nodes == 0:
        search = (f"from a one-hot h0 the least H is between {one_hot[0]} and {found.hidden} "
                  f"(signed-automaton search not run: it covers |Q_f| ≤ {MAX_SEARCH_STATES} "
                  f"and |Q_f|·|Σ| ≤ {MAX_SEARCH_PAIRS})")
    else:
        search = (f"from a one-hot h0 the least H is between {one_hot[0]} and {found.hidden} "
                  f"(the signed-automaton search stopped after {found.nodes} assignments)")
    if lower >= upper:
        general = f"least H = {upper} for any h0 ({'; '.join(reasons)})"
    else:
        general = (f"for any h0, {lower} ≤ least H ≤ {upper}"
                   + (f" ({'; '.join(reasons)})" if reasons else "") + "; open in between")
    return replace(row, bounds={"H": (lower, upper), "H_from_one_hot_h0": one_hot},
                   note=f"{general}; {search}")


def _householder_bounds(row: RungVerdict, profile: AlgebraicProfile, machine: MooreMachine
                        ) -> RungVerdict:
    """The fewest Householder factors per letter (docs/theory.md §11): for a group word
    problem a re-checked FIXED_SPACE certificate bounds it below (and H ≥ n, since a factor
    product moves at most H dimensions); the proved construction bounds both above. Beyond
    group word problems only the construction's values are known."""
    if row.verdict is not Verdict.YES or row.factors is None or row.hidden is None:
        return row
    n, H = row.factors, row.hidden
    cert = fixed_space_certificate(profile)
    lower = 1
    if cert is not None:
        lower = int(_certified(cert, machine).data["bound"])
    # one unit is a scalar in [−1, 1]: a real diagonal, so its refutation needs H ≥ 2
    one_unit = refutation_kind(profile, get_rung(PD_ONE_UNIT).obstructions()) is not None
    h_lower = max(lower, 2 if one_unit else 1)
    if cert is not None:  # KERNEL(b): a faithful representation needs an irrep above b
        for b in (3, 2):
            try:
                kernel = kernel_certificate(profile, b)
            except ResourceLimitError:
                kernel = None
            if kernel is not None and _certified(kernel, machine):
                h_lower = max(h_lower, b + 1)
                break
    bounds: dict[str, Any] = {"factors": (lower, n), "H": (min(h_lower, H), H)}
    computed = _factors_from_characters(profile) if cert is not None else None
    if computed is not None:
        bounds["computed_from_characters"] = computed
    where = "least factors per letter"
    if cert is None:
        scope = ("" if profile.is_group else "; beyond group word problems a lower bound is "
                 "open (docs/theory.md §11): the construction is an upper bound")
        note = f"{where} ≤ {n} (construction, H = {H}){scope}"
    elif lower == n:
        note = (f"{where} = {n}: {cert.describe()} (re-checked) and a proved construction "
                f"with {n} on H = {H}" + ("" if H == n else f"; least H for {n} factors "
                                            f"between {n} and {H}"))
    else:
        note = (f"{lower} ≤ {where} ≤ {n}: {cert.describe()} (re-checked); the proved "
                f"construction has {n} on H = {H}")
    if computed is not None:
        cn, cH = computed
        note += (f"; the real character table (computed numerically, not a certificate) "
                 f"gives least n = {cn} on least H = {cH} over faithful representations"
                 + (" — the construction attains it" if (cn, cH) == (n, H) else
                    " — not constructed here" if cn < n or (cn == n and cH < H) else ""))
    return replace(row, bounds=bounds, note=note, bound_certificate=cert)


def _factors_from_characters(profile: AlgebraicProfile) -> tuple[int, int] | None:
    """(least factors, least H) over faithful real representations of a word problem's
    group, from its real character table (:mod:`automata_bilinear.algebra.character_table`),
    or None (not a word problem, too large, or the numerical checks failed)."""
    try:
        group = transition_group(profile)
    except ResourceLimitError:
        return None
    if group.order != profile.machine.n_states:
        return None
    return fewest_factors(group.table, [int(g) for g in group.letter])


def _rung_verdict(rung: Rung, profile: AlgebraicProfile, machine: MooreMachine, small: bool,
                  hankel_rank: int | None) -> RungVerdict:
    """One row: the §4 facts refute (NO), or a construction is proved (YES), or neither
    within the limits (UNKNOWN); then the open quantities' bounds for the rung's structure."""
    facts = rung.obstructions()
    cert = refuting_certificate(profile, facts)
    if cert is not None:
        return _no(rung.name, cert, machine)
    if not small and facts == _UNIVERSAL and "one_hot" in rung.constructions:
        row = _prop1_verdict(rung, machine)
    else:
        try:
            row = _yes(rung.name, compile_bilinear(machine, rung.name), machine)
        except (ConstructionUnavailableError, NotRepresentableError,
                ResourceLimitError) as exc:
            method = ("open beyond group word problems and reset tasks (docs/theory.md §11); "
                      "no construction within the limits" if rung.sized_factors else
                      "representable by docs/theory.md §4, but no construction within the "
                      "limits could be proved")
            return RungVerdict(rung.name, Verdict.UNKNOWN, method, note=str(exc))
    if rung.sized_blocks:
        if rung.orthogonal:
            return _orthogonal_block_bounds(row, profile, machine)
        return _block_bounds(rung, row, profile)
    if rung.structure is Structure.FACTORED:
        return _cp_bounds(row, profile, machine, hankel_rank)
    if rung.structure is Structure.MONOMIAL:
        return _pd_bounds(row, profile, machine)
    if rung.sized_factors:
        return _householder_bounds(row, profile, machine)
    return row


def classify(automaton: MooreMachine, *, compile_limit: int = COMPILE_LIMIT
             ) -> ClassificationReport:
    """Classify the task of ``automaton`` on every rung of the hierarchy.

    Every rung of the registry (:mod:`automata_bilinear.rungs`) gets a row, decided from the
    rung's facts: a certificate when they refute the task, else the smallest proved
    construction (or Prop. 1 on machines above ``compile_limit`` states).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> report = classify(build("flipflop"))
    >>> report.lowest_rung, report.rungs["rotation"].certificate.kind.value
    ('block', 'parikh')
    >>> classify(build("cyclic:5")).rungs["real_diagonal"].certificate.data["period"]
    5
    """
    automaton = check_machine(automaton, "automaton")
    minimal = minimize(automaton).machine
    n, D = minimal.n_states, minimal.n_symbols
    if n <= compile_limit:
        # below the limit the one-hot models (full, block, orthogonal_block, cp) are built as
        # dense (D, H, H) arrays, a few alive at once: refuse up front rather than swap
        check_memory(f"the classification of {automaton.name or 'the automaton'} ({n} minimal "
                     f"states, {D} symbols; dense one-hot models of {D}×{n}×{n})",
                     3 * 8 * D * n * n)
    table = minimal.transitions
    if n and (np.sort(table, axis=0) == np.arange(n)[:, None]).all():
        # a group automaton: its transition group (≥ n elements, the states are one orbit)
        # is enumerated by composing every element with every letter, n points each
        check_work(f"the classification of {automaton.name or 'the automaton'}: enumerating "
                   f"the transition group of a group automaton ({n} minimal states, {D} "
                   f"letters: at least {n} elements × {D} letters × {n} points)",
                   float(n) * n * D)
    profile = algebraic_profile(minimal)
    machine = profile.machine

    hankel = None
    try:  # the exact Hankel rank: a modular search proved over Q (exact/wfa.py)
        cert = _certified(hankel_certificate(machine), machine)
        hankel = {"rank": cert.data["rank"], "certificate": cert.to_json(),
                  "meaning": "an exact-valued readout (C h = onehot(output)) needs H ≥ rank on "
                             "every rung; the minimal exact-valued model has H = rank"}
    except ResourceLimitError:  # over budget: the report goes on without the bound
        hankel = None
    rank = None if hankel is None else hankel["rank"]
    small = n <= compile_limit
    rows = {rung.name: _rung_verdict(rung, profile, machine, small, rank) for rung in HIERARCHY}
    lowest = next(r for r in RUNG_ORDER if rows[r].verdict is Verdict.YES)
    algebra = {
        "group": profile.is_group, "commutative": profile.is_commutative,
        "aperiodic_commutative": profile.is_aperiodic_commutative,
        "letter_cycles_at_most_two": profile.letter_cycles_at_most_two,
        "letters": [{"symbol": d.symbol, "index": d.index, "period": d.period}
                    for d in profile.letters],
    }
    return ClassificationReport(
        automaton={"name": automaton.name, "states": automaton.n_states, "symbols": D},
        minimal_states=n, lowest_rung=lowest, rungs={r: rows[r] for r in RUNGS},
        algebra=algebra, group=group_facts(profile), hankel=hankel,
        depth=stack_depth(profile, small),
    )


def stack_depth(profile: AlgebraicProfile, build: bool = True) -> dict[str, Any]:
    """The fewest rotation layers of a stack (docs/theory.md §12): for a group task, the
    derived length of its transition group — a DERIVED_LENGTH certificate below it, the
    derived-series stack (compiled and proved when ``build``) at it; never, with a PERFECT
    certificate, when the group is not solvable. Rotation layers are permutations, so a
    task whose minimal automaton has a non-permutation letter has no stack at all."""
    machine = profile.machine
    out: dict[str, Any] = {"rung": STACK_RUNG, "least_layers": None, "certificate": None,
                           "construction": None, "proved": False}
    if not profile.is_group:
        out["note"] = ("not a group automaton: rotation layers are permutations, so no stack "
                       "of them follows a non-permutation letter")
        return out
    try:
        cert = depth_certificate(profile)
    except ResourceLimitError:
        cert = None
    if cert is not None:
        out["certificate"] = _certified(cert, machine).to_json()
    if cert is not None and cert.kind.value == "perfect":
        out["note"] = f"never: {cert.describe()} (re-checked)"
        return out
    layers = int(cert.data["derived_length"]) if cert is not None else 1
    out["least_layers"] = layers
    if build:
        try:
            stack = compile_stack(machine, STACK_RUNG)
        except (ResourceLimitError, NotRepresentableError,
                ConstructionUnavailableError) as exc:
            out["note"] = f"derived length {layers}; the stack was not built ({exc})"
            return out
        out.update(construction=stack.construction, proved=True,
                   hidden=[m.hidden_size for m in stack.layers])
    below = (f"; {cert.describe()} rules out {layers - 1} (re-checked)" if cert is not None
             else "")
    out["note"] = (f"least layers = {layers} (the derived length{below})"
                   + ("; the derived-series stack is proved" if out["proved"] else ""))
    return out


def group_facts(profile: AlgebraicProfile, max_order: int = 5040) -> dict[str, Any] | None:
    """Order, abelian invariants and solvability via sympy, cross-checked with the automaton
    analysis (transition group order, commutativity). None when not a group automaton."""
    if not profile.is_group:
        return None
    try:
        group = transition_group(profile, max_order=max_order)
    except ResourceLimitError:
        return {"order": None, "note": f"more than {max_order} elements"}
    G = sympy_permutation_group([group.perms[g].tolist() for g in group.letter])
    order = int(G.order())
    if order != group.order or G.is_abelian != profile.is_commutative:
        raise AssertionError("sympy and the automaton analysis disagree")  # pragma: no cover
    facts: dict[str, Any] = {"order": order, "abelian": bool(G.is_abelian),
                             "solvable": bool(G.is_solvable)}
    if G.is_abelian:
        facts["abelian_invariants"] = [int(x) for x in G.abelian_invariants()]
    found = identify_group(profile) if order in (8, 12, 24, 60, 120) else None
    if found is not None:
        facts["name"] = found[0]
    return facts
