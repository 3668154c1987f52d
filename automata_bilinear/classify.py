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

The lowest rung is the first ``yes`` in :data:`automata_bilinear.compilation.RUNG_ORDER`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .algebra import AlgebraicProfile, algebraic_profile
from .automaton import MooreMachine, check_machine
from .certificates import (
    Certificate,
    hankel_certificate,
    parikh_certificate,
    period_certificate,
    recur_certificate,
)
from .compilation import (
    RUNG_ORDER,
    ConstructionUnavailableError,
    compile_bilinear,
    dihedral_cp_model,
)
from .errors import NotRepresentableError, ResourceLimitError
from .limits import check_memory
from .minimization import minimize
from .model import BilinearModel
from .representations import identify_group, kernel_certificate, transition_group
from .verify import verify
from .wfa import MAX_EXACT_STATES

__all__ = ["ClassificationReport", "RungVerdict", "classify", "cp_term_count"]

COMPILE_LIMIT = 400  # one-hot constructions are compiled and verified up to this many states


@dataclass(frozen=True)
class RungVerdict:
    """The classifier's answer for one rung."""

    rung: str
    verdict: str
    method: str
    hidden: int | None = None
    params: int | None = None
    block_size: int | None = None
    construction: str | None = None
    certificate: Certificate | None = None
    bounds: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    bound_certificate: Certificate | None = None

    def to_json(self) -> dict[str, Any]:
        cert = None
        if self.certificate is not None:
            cert = {"kind": self.certificate.kind,
                    **{k: list(v) for k, v in self.certificate.words.items()},
                    **self.certificate.data, "description": self.certificate.describe()}
        return {"verdict": self.verdict, "hidden": self.hidden, "params": self.params,
                "block_size": self.block_size, "method": self.method,
                "construction": self.construction, "certificate": cert,
                "bounds": self.bounds or None, "note": self.note or None,
                "bound_certificate": None if self.bound_certificate is None
                else self.bound_certificate.to_json()}


@dataclass(frozen=True)
class ClassificationReport:
    """Result of :func:`classify`; ``to_json`` gives the documented CLI object."""

    automaton: dict[str, Any]
    minimal_states: int
    lowest_rung: str
    rungs: dict[str, RungVerdict]
    algebra: dict[str, Any]
    group: dict[str, Any] | None
    hankel: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "automaton": self.automaton, "minimal_states": self.minimal_states,
            "lowest_rung": self.lowest_rung,
            "rungs": {r: v.to_json() for r, v in self.rungs.items()},
            "algebra": self.algebra, "group": self.group, "hankel": self.hankel,
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
    return RungVerdict(rung, "no", f"certificate ({cert.kind.upper()}), re-checked on the "
                                   "automaton", certificate=cert)


def _yes(rung: str, model: BilinearModel, machine: MooreMachine, **extra: Any) -> RungVerdict:
    report = verify(model, machine, numerical=False)
    if not report.proved:  # pragma: no cover - would be a bug in a construction
        raise AssertionError(f"{model.construction} on {rung} failed: {report.detail}")
    block = None
    if "block_sizes" in model.params:
        block = int(model.params["block_sizes"].max())
    return RungVerdict(rung, "yes", f"compiled and proved by {report.method}",
                       hidden=model.hidden_size, params=model.parameter_count,
                       block_size=block, construction=model.construction, **extra)


def _diagonal_verdict(rung: str, profile: AlgebraicProfile, machine: MooreMachine
                      ) -> RungVerdict:
    if profile.non_commuting is not None:
        return _no(rung, parikh_certificate(profile), machine)
    if rung in ("rotation", "sign_diagonal") and not profile.is_group:
        return _no(rung, recur_certificate(profile), machine)
    if rung in ("real_diagonal", "sign_diagonal") and not profile.letter_cycles_at_most_two:
        return _no(rung, period_certificate(profile), machine)
    if rung == "positive_diagonal" and any(d.period > 1 for d in profile.letters):
        return _no(rung, period_certificate(profile, positive_only=True), machine)
    try:
        model = compile_bilinear(machine, rung)
    except (ConstructionUnavailableError, ResourceLimitError) as exc:
        # THEORY §4 says "yes" here; our constructions hit a limit (size, float range)
        return RungVerdict(rung, "unknown", "representable by THEORY §4, but no construction "
                                            "within the limits could be proved", note=str(exc))
    return _yes(rung, model, machine)


def _orthogonal_verdict(profile: AlgebraicProfile, machine: MooreMachine) -> RungVerdict:
    rung = "orthogonal_block"
    if not profile.is_group:
        return _no(rung, recur_certificate(profile), machine)
    try:
        model = compile_bilinear(machine, rung)
    except (ConstructionUnavailableError, NotRepresentableError, ResourceLimitError) as exc:
        return RungVerdict(rung, "unknown", "no construction available", note=str(exc))
    bounds: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    block = int(model.params["block_sizes"].max())
    if block > 1:
        cert = None
        if not profile.is_commutative:
            for b in range(min(block - 1, 4), 1, -1):  # KERNEL covers b ≤ 3 (Q_8, S_5)
                cert = kernel_certificate(profile, b)
                if cert is not None:
                    break
        elif not profile.letter_cycles_at_most_two:  # abelian, not elementary: ±1 blocks fail
            cert = period_certificate(profile)
        if cert is not None:
            ruled = int(cert.data.get("block_size", block - 1))
            extra["bound_certificate"] = _certified(cert, machine)
            bounds["block_size"] = [ruled + 1, block]
            extra["note"] = (f"{cert.describe()} rules out block size {ruled}"
                             + (f"; least block size {block}" if ruled + 1 == block else
                                f"; between {ruled + 1} and the proved {block}"))
        elif profile.is_commutative or block == 2:  # non-commutative: 1×1 blocks commute
            bounds["block_size"] = [block, block]
        else:
            bounds["block_size"] = [2, block]
            extra["note"] = "least block size unknown below the one constructed"
    return _yes(rung, model, machine, bounds=bounds, **extra)


def classify(automaton: MooreMachine, *, compile_limit: int = COMPILE_LIMIT
             ) -> ClassificationReport:
    """Classify the task of ``automaton`` on every rung of the hierarchy.

    Examples
    --------
    >>> from automata_bilinear.specs import build
    >>> report = classify(build("flipflop"))
    >>> report.lowest_rung, report.rungs["rotation"].certificate.kind
    ('block', 'parikh')
    >>> classify(build("cyclic:5")).rungs["real_diagonal"].certificate.data["period"]
    5
    """
    automaton = check_machine(automaton, "automaton")
    minimal = minimize(automaton).machine
    n, D = minimal.n_states, minimal.n_symbols
    # the one-hot models (full, block, orthogonal_block, cp) are dense (D, H, H) arrays
    # today, a few alive at once: refuse up front rather than swap for minutes
    check_memory(f"the classification of {automaton.name or 'the automaton'} ({n} minimal states, "
                 f"{D} symbols; dense one-hot models of {D}×{n}×{n})", 3 * 8 * D * n * n)
    profile = algebraic_profile(minimal)
    machine = profile.machine
    rungs: dict[str, RungVerdict] = {}
    for rung in ("positive_diagonal", "sign_diagonal", "real_diagonal", "rotation",
                 "complex_diagonal"):
        rungs[rung] = _diagonal_verdict(rung, profile, machine)
    rungs["orthogonal_block"] = _orthogonal_verdict(profile, machine)

    # block: the smallest construction found; below it THEORY leaves the question open
    small = n <= compile_limit
    real_no = rungs["real_diagonal"].verdict == "no"
    if small:
        block_model = compile_bilinear(machine, "block")
        block_row = _yes("block", block_model, machine)
    else:
        block_row = RungVerdict("block", "yes", "Prop. 1 (one-hot transition matrices as one "
                                "block reproduce the DFA exactly)", hidden=n, params=n * n * D,
                                block_size=n, construction="one-hot (Prop. 1) as one block")
    lower = 2 if real_no else 1
    if block_row.block_size is not None and lower < block_row.block_size:
        block_row = RungVerdict(**{**block_row.__dict__,
                                   "bounds": {"block_size": [lower, block_row.block_size]},
                                   "note": "least block size: open below the construction "
                                           "(docs/theory.md §4, conjecture)"})
    rungs["block"] = block_row

    # cp: always representable; the exact CP rank is open
    terms = cp_term_count(machine)
    upper = terms
    if small:
        cp_model = compile_bilinear(machine, "cp")
        upper = int(cp_model.params["U"].shape[1])
        cp_row = _yes("cp", cp_model, machine)
    else:
        cp_row = RungVerdict("cp", "yes", "Prop. 1 (shared rank-one terms of the one-hot "
                             "matrices are exact)", hidden=n, params=terms * (2 * n + D),
                             construction=f"shared rank-one terms (R = {terms})")
    lower_r = 1 if profile.is_commutative else 2  # R = 1 gives commuting matrices
    note = "exact CP rank is open; R upper bound from the proved construction"
    if profile.is_group and D == 2 and dihedral_cp_model(profile) is not None and upper > 2:
        note += ("; THEORY's dihedral construction has R = 2, but its rotation entries are "
                 "irrational and its stored floats are not proved here")
    cp_row = RungVerdict(**{**cp_row.__dict__, "bounds": {"R": [lower_r, upper]},
                            "note": note})
    rungs["cp"] = cp_row

    if small:
        rungs["full"] = _yes("full", compile_bilinear(machine, "full"), machine)
    else:
        rungs["full"] = RungVerdict("full", "yes", "Prop. 1 (one-hot model is the DFA's "
                                    "transition table)", hidden=n, params=n * n * D,
                                    construction="one-hot (Prop. 1)")

    hankel = None
    if n <= MAX_EXACT_STATES:
        cert = _certified(hankel_certificate(machine), machine)
        hankel = {"rank": cert.data["rank"], "certificate": cert.to_json(),
                  "meaning": "an exact-valued readout (C h = onehot(output)) needs H ≥ rank on "
                             "every rung; the minimal exact-valued model has H = rank"}
        rungs["cp"].bounds["R_lower_for_exact_valued_readout"] = cert.data["rank"]

    lowest = next(r for r in RUNG_ORDER if rungs[r].verdict == "yes")
    algebra = {
        "group": profile.is_group, "commutative": profile.is_commutative,
        "aperiodic_commutative": profile.is_aperiodic_commutative,
        "letter_cycles_at_most_two": profile.letter_cycles_at_most_two,
        "letters": [{"symbol": d.symbol, "index": d.index, "period": d.period}
                    for d in profile.letters],
    }
    return ClassificationReport(
        automaton={"name": automaton.name, "states": automaton.n_states, "symbols": D},
        minimal_states=n, lowest_rung=lowest,
        rungs={r: rungs[r] for r in ("full", "cp", "block", "orthogonal_block",
                                     "complex_diagonal", "rotation", "real_diagonal",
                                     "sign_diagonal", "positive_diagonal")},
        algebra=algebra, group=group_facts(profile), hankel=hankel,
    )


def group_facts(profile: AlgebraicProfile, max_order: int = 5040) -> dict[str, Any] | None:
    """Order, abelian invariants and solvability via sympy, cross-checked with the automaton
    analysis (transition group order, commutativity). None when not a group automaton."""
    if not profile.is_group:
        return None
    from sympy.combinatorics import Permutation, PermutationGroup

    try:
        group = transition_group(profile, max_order=max_order)
    except NotRepresentableError:
        return {"order": None, "note": f"more than {max_order} elements"}
    perms = [Permutation(group.perms[g].tolist()) for g in group.letter]
    G = PermutationGroup(perms)
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
