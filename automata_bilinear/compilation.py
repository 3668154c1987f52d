"""Compiling an automaton into bilinear weights on a rung of the hierarchy.

:func:`compile_bilinear` minimises the automaton, decides from its algebraic profile whether
the rung can represent it (docs/theory.md §4; a "no" raises :class:`NotRepresentableError` with the
reason), and builds the smallest of the constructions of docs/theory.md §6 that fits:

==================  ====================================================  ===============
construction        rungs                                                 hidden size
==================  ====================================================  ===============
one-hot (Prop. 1)   full, pd (index arrays), block/orthogonal_block with  |Q_f|
                    b ≥ |Q_f|
signed automaton    pd, from a one-hot h0 (docs/theory.md §10)            ≥ ⌈|Q_f|/2⌉
diagonal as pd      pd: a real-diagonal model, identity unit map          its H
shared rank-one     cp (terms ``e_p 1_Sᵀ`` deduplicated across letters)   |Q_f|, R terms
dihedral            cp (R = 2): ``M = rot(2π/n)``, d = (1,1) / (1,−1)     2
characters          rotation, complex/real/sign diagonal, block rungs     2r − s
                    (Smith normal form of the abelian transition group)
character basis     the same rungs, any output function of the group      ≤ |G|
homogeneous         block: abelian group letters plus reset letters       2r − s + 1
envelope            complex/real/positive diagonal, block (commutative)   Π (i_σ+p_σ)
irreps              orthogonal_block/block (named groups)                 Σ dims
reflections         householder: an exact orthogonal representation       its dimension
                    factored into rank(ρ(σ) − I) reflections
projections         householder: reset tasks, one projection per letter   2
minimal WFA         full with ``exact_valued=True``                       Hankel rank
==================  ====================================================  ===============

Each rung lists the constructions to try by name (:attr:`Rung.constructions`, looked up in
:data:`CONSTRUCTIONS`).

Every candidate is handed to the trusted checker (:func:`automata_bilinear.checker.proof.prove`),
which proves it from its stored arrays alone; only proved candidates are returned, the
smallest first. A construction whose floats cannot be proved (a rotation by 2π/5 stored as
rounded cos/sin in a dense block, say) is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from .algebra.profile import AlgebraicProfile, algebraic_profile
from .automata.machine import MooreMachine, check_machine
from .checker.certificates import CertificateKind
from .checker.proof import prove, prove_stack
from .constructions.cascade import cascade_stack
from .constructions.characters import (
    character_basis_model,
    characters_model,
    homogeneous_reset_model,
)
from .constructions.decay import decay_model
from .constructions.dihedral import dihedral_cp_model
from .constructions.irreps import irrep_model
from .constructions.minimal_wfa import minimal_exact_valued_model
from .constructions.one_hot import one_hot_model
from .constructions.reflections import projection_model, reflection_model
from .constructions.signed_pd import signed_pd_model
from .constructions.threshold import threshold_model
from .errors import (
    ConstructionUnavailableError,
    InternalConsistencyError,
    InvalidArgumentError,
    KernelObstruction,
    NotRepresentableError,
    ResourceLimitError,
    SpecError,
)
from .model import BilinearModel
from .refutations import depth_certificate, fixed_space_certificate, refutation_kind
from .rungs import RUNG_ORDER, RUNGS, get_rung
from .rungs.pd import ONE_UNIT as PD_ONE_UNIT
from .stack import StackedModel

__all__ = [
    "CONSTRUCTIONS",
    "CompilationTask",
    "Construction",
    "compile_bilinear",
    "compile_lowest",
    "compile_stack",
    "not_representable_reason",
]


# -- rung decisions (docs/theory.md §4, tests of §5) -----------------------------------------------


def _word(profile: AlgebraicProfile, q: int) -> str:
    return " ".join(profile.minimization.access_word(q)) or "ε"


def not_representable_reason(profile: AlgebraicProfile, rung: str,
                             block_size: int | None = None) -> str | None:
    """Why ``rung`` (with blocks of size ≤ ``block_size``) cannot represent the task, or None
    when docs/theory.md §4 does not rule it out.

    Reads the rung's facts (:meth:`Rung.obstructions`) and applies the polynomial tests of
    docs/theory.md §5: non-commuting letters (PARIKH), a letter that is not a permutation
    (RECUR), a letter cycle of the wrong length (PERIOD). The classifier builds the exact
    certificates from the same facts
    (:func:`~automata_bilinear.checker.certificates.refuting_certificate`).
    """
    facts = get_rung(rung).obstructions(block_size)
    kind = refutation_kind(profile, facts)
    alphabet = profile.machine.alphabet
    if kind is CertificateKind.PARIKH:
        assert profile.non_commuting is not None
        q, a, b = profile.non_commuting
        return (f"PARIKH: letters {alphabet[a]!r} and {alphabet[b]!r} do not commute after "
                f"'{_word(profile, q)}', but every commuting (diagonal) model depends only on "
                "letter counts")
    if kind is CertificateKind.RECUR:
        d = next(d for d in profile.letters if not d.is_permutation)
        return (f"RECUR: letter {d.symbol!r} is not a permutation of the minimal "
                "automaton's states, but powers of an orthogonal matrix return "
                "arbitrarily close to the identity")
    if kind is CertificateKind.PERIOD:
        cycle = facts.max_letter_cycle
        assert cycle is not None
        d, bad = next((d, c) for d in profile.letters for c in d.cycle_lengths if cycle % c)
        sign = ("a positive exponential sum has an eventually constant sign" if cycle == 1
                else f"a real exponential sum has an eventually {cycle}-periodic sign")
        return f"PERIOD: letter {d.symbol!r} has a cycle of length {bad}, but {sign}"
    return None



# -- the constructions by name, as the rung descriptions list them --------------------------


@dataclass(frozen=True)
class CompilationTask:
    """What a construction is asked to do: the task's profile, the automaton to compile (the
    minimal one unless ``minimal=False``), the rung and its options."""

    profile: AlgebraicProfile
    source: MooreMachine
    rung: str
    block_size: int | None
    exact_valued: bool
    factors: int | None = None


@dataclass(frozen=True)
class Construction:
    """A named construction: when it applies, and how it builds (None: not this task)."""

    name: str
    applies: Callable[[CompilationTask], bool]
    build: Callable[[CompilationTask], BilinearModel | None]
    least_hidden: Callable[[CompilationTask], int] | None = None
    """A lower bound on the hidden size it builds: once a proved candidate is at least as
    small, the construction is skipped (the one-hot model of a large group is gigabytes)."""


def _abelian(task: CompilationTask) -> bool:
    return task.profile.is_abelian_group


def _commutative_monoid(task: CompilationTask) -> bool:
    # the trivial group too: rungs without characters (positive) still need a model
    profile = task.profile
    return profile.is_commutative and (not profile.is_abelian_group
                                       or profile.machine.n_states == 1)


def _always(task: CompilationTask) -> bool:
    return True


# a real-diagonal model with nonzero eigenvalues is a PD model with the identity unit map
_DIAGONAL_SOURCE = PD_ONE_UNIT


def _diagonal_fits(task: CompilationTask) -> bool:
    facts = get_rung(_DIAGONAL_SOURCE).obstructions()
    return refutation_kind(task.profile, facts) is None


def _diagonal_as_pd(task: CompilationTask) -> BilinearModel | None:
    """The real-diagonal construction, rewritten as ``index = j``, ``scale = λ`` (None when
    some eigenvalue is 0, which a PD scale cannot be)."""
    model = compile_bilinear(task.profile.machine, _DIAGONAL_SOURCE)
    if "eigenvalues" not in model.params or not np.all(model.params["eigenvalues"]):
        return None
    eig = model.params["eigenvalues"]
    index = np.tile(np.arange(eig.shape[1], dtype=float), (eig.shape[0], 1))
    return BilinearModel(task.rung, {"index": index, "scale": eig}, model.h0, model.readout,
                         model.alphabet, model.output_labels, model.bias,
                         f"{model.construction}, as permutation × diagonal", None,
                         model.metadata)


CONSTRUCTIONS: Mapping[str, Construction] = MappingProxyType({c.name: c for c in (
    Construction("one_hot", lambda t: not t.exact_valued,
                 lambda t: one_hot_model(t.source, t.rung),
                 lambda t: t.profile.machine.n_states),
    Construction("minimal_wfa", lambda t: t.exact_valued,
                 lambda t: minimal_exact_valued_model(t.profile.machine, t.rung)),
    Construction("dihedral_cp", _always, lambda t: dihedral_cp_model(t.profile, t.rung)),
    Construction("diagonal_pd", _diagonal_fits, _diagonal_as_pd),
    Construction("signed_pd", _always, lambda t: signed_pd_model(t.profile.machine, t.rung)),
    Construction("characters", _abelian, lambda t: characters_model(t.profile, t.rung)),
    Construction("character_basis", _abelian,
                 lambda t: character_basis_model(t.profile, t.rung)),
    Construction("threshold", lambda t: not t.profile.is_abelian_group,
                 lambda t: threshold_model(t.profile, t.rung)),
    Construction("decay", _commutative_monoid, lambda t: decay_model(t.profile, t.rung)),
    Construction("homogeneous_reset", _always,
                 lambda t: homogeneous_reset_model(t.profile, t.rung)),
    Construction("irreps", lambda t: t.profile.is_group and not t.profile.is_commutative,
                 lambda t: irrep_model(t.profile, t.rung, t.block_size)),
    Construction("reflections", lambda t: t.profile.is_group,
                 lambda t: reflection_model(t.profile, t.rung, t.factors)),
    Construction("projections", _always, lambda t: projection_model(t.profile, t.rung)),
)})
"""Every construction a rung can list (:attr:`Rung.constructions`), by name."""



# -- the entry point ---------------------------------------------------------------------


def compile_bilinear(automaton: MooreMachine, rung: str = "full", *,
                     block_size: int | None = None, exact_valued: bool = False,
                     minimal: bool = True, factors: int | None = None) -> BilinearModel:
    """Compile ``automaton`` into a bilinear model on ``rung``.

    Parameters
    ----------
    automaton
        The task. Its minimal automaton is compiled (unless ``minimal=False``, which keeps
        the given states for the one-hot and CP constructions).
    rung
        One of :data:`automata_bilinear.model.RUNGS`.
    block_size
        Largest block for ``block`` / ``orthogonal_block`` (default: no limit).
    exact_valued
        On ``full``: build the minimal exact-valued model ``C h_t = onehot(out_t)`` of
        dimension equal to the Hankel rank (Schützenberger reduction in exact rationals).
    minimal
        Compile the minimal automaton (default).
    factors
        Most Householder factors per letter for ``householder`` (default: no limit; the
        construction with the fewest factors is returned).

    Returns
    -------
    BilinearModel
        The smallest construction that fits, with an exact description for :func:`verify`.

    Raises
    ------
    NotRepresentableError
        When docs/theory.md proves the rung cannot represent the task; the message names the
        reason (PARIKH, PERIOD, RECUR, KERNEL, or FIXED_SPACE for too few Householder
        factors) and where it comes from.
    ConstructionUnavailableError
        When no implemented construction fits but impossibility is not proven (e.g. general
        ``block`` below |Q_f|, an open question).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> compile_bilinear(build("cyclic:5"), "rotation").hidden_size
    2
    >>> compile_bilinear(build("cyclic:3*cyclic:3"), "rotation").hidden_size
    4
    >>> compile_bilinear(build("flipflop"), "real_diagonal")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.NotRepresentableError: real_diagonal cannot represent ...
    """
    automaton = check_machine(automaton, "automaton")
    if not isinstance(rung, str) or rung not in RUNGS:
        raise SpecError(f"unknown rung {rung!r}; valid rungs: {', '.join(RUNGS)}")
    description = get_rung(rung)
    if block_size is not None and (not isinstance(block_size, int) or block_size < 1):
        raise SpecError(f"block_size must be a positive integer, got {block_size!r}")
    if block_size is not None and not description.sized_blocks:
        sized = [r for r in RUNGS if get_rung(r).sized_blocks]
        raise InvalidArgumentError(f"block_size applies only to the block rungs "
                                   f"({', '.join(sized)}), not to {rung}")
    if factors is not None and (isinstance(factors, bool) or not isinstance(factors, int)
                                or factors < 1):
        raise InvalidArgumentError(f"factors must be a positive integer, got {factors!r}")
    if factors is not None and not description.sized_factors:
        sized = [r for r in RUNGS if get_rung(r).sized_factors]
        raise InvalidArgumentError(f"factors applies only to {', '.join(sized)}, not to "
                                   f"{rung}")
    if exact_valued and "minimal_wfa" not in description.constructions:
        raise InvalidArgumentError(f"exact_valued applies only to the full rung, not to {rung}")
    profile = algebraic_profile(automaton)
    machine = profile.machine
    name = automaton.name or "automaton"
    reason = not_representable_reason(profile, rung, block_size)
    if reason is not None:
        raise NotRepresentableError(f"{rung} cannot represent {name}: {reason}")
    if factors is not None:
        cert = fixed_space_certificate(profile)
        if cert is not None and f"{rung}({factors})" in cert.rules_out:
            raise NotRepresentableError(f"{rung}({factors}) cannot represent {name}: "
                                        f"{cert.describe()}")
    task = CompilationTask(profile, machine if minimal else automaton, rung, block_size,
                           exact_valued, factors)
    # the rung's constructions that apply; the smallest one the checker proves wins
    candidates = [CONSTRUCTIONS[c] for c in description.constructions
                  if CONSTRUCTIONS[c].applies(task)]
    built: list[BilinearModel] = []
    notes: list[str] = []
    for construction in candidates:
        if built and construction.least_hidden is not None and \
                min(m.hidden_size for m in built) <= construction.least_hidden(task):
            continue
        try:
            model = construction.build(task)
        except KernelObstruction:
            raise
        except (NotRepresentableError, ConstructionUnavailableError,
                ResourceLimitError) as exc:
            notes.append(str(exc))
            continue
        if model is None:
            continue
        if model.rung != rung:  # a construction must build the rung it is listed on
            raise InternalConsistencyError(f"construction {construction.name!r} built a "
                                           f"{model.rung} model for the {rung} rung")
        if description.sized_factors and factors is not None and \
                model.params["betas"].shape[1] > factors:
            notes.append(f"{model.construction}: {model.params['betas'].shape[1]} factors "
                         f"> {factors}")
            continue
        if description.sized_blocks and block_size is not None:
            if int(model.params["block_sizes"].max()) > block_size:
                notes.append(f"{model.construction}: blocks of size "
                             f"{int(model.params['block_sizes'].max())} > {block_size}")
                continue
        proof = prove(model, task.source)
        if not proof.proved:
            notes.append(f"{model.construction}: its stored arrays are not proved "
                         f"({proof.method}: {proof.detail})")
            continue
        built.append(model)
        if len(built) == 1 and built[0].hidden_size <= 2:
            break  # nothing on a rung is smaller than the first proved H ≤ 2 candidate
    if not built:
        detail = "; ".join(notes) if notes else "no construction applies"
        if description.sized_blocks and block_size == 1:
            raise NotRepresentableError(f"{rung}(1) cannot represent {name}: {detail}")
        size = block_size or factors
        raise ConstructionUnavailableError(
            f"no implemented construction puts {name} on {rung}"
            + (f"({size})" if size else "") + f": {detail}")
    if description.sized_factors:  # fewest factors first, then the smallest H
        return min(built, key=lambda m: (m.params["betas"].shape[1], m.hidden_size))
    return min(built, key=lambda m: (m.hidden_size, m.parameter_count))


def compile_lowest(automaton: MooreMachine) -> BilinearModel:
    """Compile on the first rung of :data:`RUNG_ORDER` that fits (narrowest first).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> compile_lowest(build("parity")).rung, compile_lowest(build("dihedral:3")).rung
    ('sign_diagonal', 'orthogonal_block')
    """
    automaton = check_machine(automaton, "automaton")
    notes = []
    for rung in RUNG_ORDER:
        try:
            return compile_bilinear(automaton, rung)
        except (NotRepresentableError, ConstructionUnavailableError) as exc:
            notes.append(f"{rung}: {exc}")
    raise AssertionError("full always fits: " + "; ".join(notes))  # pragma: no cover


STACK_RUNGS = ("rotation", "complex_diagonal")
"""Commutative rungs whose character constructions make the layers of a stack."""


def compile_stack(automaton: MooreMachine, rung: str = "rotation", *,
                  layers: int | None = None) -> StackedModel:
    """Compile a group task into a stack of commutative layers along the derived series of
    its transition group (docs/theory.md §12), proved by a finite-image search over the
    joint layer states.

    Parameters
    ----------
    automaton
        The task; its minimal automaton must be a group automaton with a solvable group.
    rung
        The layers' rung: ``rotation`` or ``complex_diagonal``.
    layers
        Most layers allowed (default: as many as the derived length needs).

    Raises
    ------
    NotRepresentableError
        PERFECT (the group is not solvable), DERIVED_LENGTH (more layers are needed than
        allowed), or — for rotation layers, which are permutations — a task that is not a
        group automaton.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> compile_stack(build("symmetric:4")).depth
    3
    >>> compile_stack(build("symmetric:3"), layers=1)
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.NotRepresentableError: 1 rotation layer(s) cannot represent ...
    """
    automaton = check_machine(automaton, "automaton")
    if rung not in STACK_RUNGS:
        raise InvalidArgumentError(f"stacks are built from {' or '.join(STACK_RUNGS)} layers, "
                                   f"not {rung!r}")
    if layers is not None and (isinstance(layers, bool) or not isinstance(layers, int)
                               or layers < 1):
        raise InvalidArgumentError(f"layers must be a positive integer, got {layers!r}")
    profile = algebraic_profile(automaton)
    name = automaton.name or "automaton"
    if not profile.is_group:
        if get_rung(rung).orthogonal:
            raise NotRepresentableError(
                f"{rung} stacks cannot represent {name}: its minimal automaton has a letter "
                "that is not a permutation, and a cascade of orthogonal (permutation) layers "
                "only follows permutations")
        raise ConstructionUnavailableError(
            f"no implemented stack construction for {name} on {rung}: stacks are built for "
            "group tasks (the derived series); beyond groups it is open here")
    cert = depth_certificate(profile, layers)
    if cert is not None and (layers is not None or cert.kind is CertificateKind.PERFECT):
        count = "any number of" if layers is None else str(layers)
        raise NotRepresentableError(f"{count} {rung} layer(s) cannot represent {name}: "
                                    f"{cert.describe()}")
    stack = cascade_stack(profile, lambda layer: compile_bilinear(layer, rung), rung)
    proof = prove_stack(stack, automaton)
    if not proof.proved:  # pragma: no cover - would be a bug in the construction
        raise InternalConsistencyError(f"the derived-series stack is not proved: "
                                       f"{proof.detail}")
    return stack
