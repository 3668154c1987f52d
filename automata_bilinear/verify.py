"""Proving that a bilinear model computes an automaton on every word, and testing it.

:func:`verify` reports three separate things about the model the user holds:

1. **The exact claim** — :func:`automata_bilinear.checker.proof.prove` runs on the stored arrays
   read as exact rationals (or the stored integers of the exact phase schemas) and either
   proves "correct on every word" or says why not, with a counterexample when the exact
   model is wrong. Nothing a construction wrote into the model's ``exact`` or ``metadata``
   is read.
2. **The floating-point claim**, per dtype (float64, float32), for inference with per-step
   normalisation (:func:`automata_bilinear.rnn.forward`): "correct for all lengths" where
   that computation is exact (signed one-hot models), "correct up to length L" where a
   rounding-error bound shows the proved margin absorbs the error (diagonal engine,
   orthogonal phase blocks), otherwise no claim.
3. **Numerical evidence** — a float64/float32 run on random words, reporting the first
   failing length and the minimum margin. Evidence, never proof.

A disagreement between the lines (the numerical run fails inside the range a float claim
covers, or the exact model evaluated on a failing word disagrees with a proof) is a bug and
raises :class:`~automata_bilinear.errors.InternalConsistencyError` instead of printing a
verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .automata.machine import MooreMachine, check_machine
from .automata.simulate import random_words, run_batch
from .checker.proof import Proof, align, exact_prediction, prove, prove_stack
from .errors import InternalConsistencyError, VerificationError
from .model import BilinearModel, check_model
from .rnn import forward, product_run_length, readout_scale
from .rungs import Structure, get_rung
from .rungs.base import diagonal_eigenvalues
from .stack import StackedModel
from .validation import check_integer

__all__ = [
    "FloatClaim",
    "NumericalReport",
    "VerificationError",
    "VerificationReport",
    "float_claims",
    "numerical_check",
    "verify",
]

_UNIT = {"float64": 2.0**-53, "float32": 2.0**-24}


@dataclass(frozen=True)
class FloatClaim:
    """What is proved about floating-point inference (per-step normalisation) in ``dtype``.

    ``all_lengths`` — correct on every word; else ``up_to`` — correct on every word of length
    ≤ ``up_to`` (a rounding-error bound); both None/False — nothing is claimed.
    """

    dtype: str
    all_lengths: bool
    up_to: int | None
    reason: str

    def covers(self, length: int) -> bool:
        return self.all_lengths or (self.up_to is not None and length <= self.up_to)

    def describe(self) -> str:
        if self.all_lengths:
            return f"{self.dtype} inference: correct for all lengths ({self.reason})"
        if self.up_to is not None:
            return (f"{self.dtype} inference: correct up to length {self.up_to:.3g} "
                    f"({self.reason})")
        return f"{self.dtype} inference: no claim ({self.reason})"

    def to_json(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "all_lengths": self.all_lengths, "up_to": self.up_to,
                "reason": self.reason}


@dataclass(frozen=True)
class NumericalReport:
    """Floating-point run of the model against the automaton on random words (evidence)."""

    dtype: str
    steps: int
    batch: int
    first_failure: int | None
    min_margin: float
    failing_word: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "steps": self.steps, "batch": self.batch,
                "first_failure": self.first_failure, "min_margin": self.min_margin}


@dataclass(frozen=True)
class VerificationReport:
    """Outcome of :func:`verify`.

    ``proved`` is True only when an exact method succeeded on the stored arrays; the float
    claims and the numerical entries are separate statements.
    """

    method: str
    proved: bool
    detail: str
    counterexample: tuple[str, ...] | None = None
    image_size: int | None = None
    min_margin: float | None = None
    rounding_bound: float | None = None
    numerical: tuple[NumericalReport, ...] = field(default=())
    float_claims: tuple[FloatClaim, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method, "proved": self.proved, "detail": self.detail,
            "counterexample": None if self.counterexample is None else list(
                self.counterexample),
            "image_size": self.image_size, "min_margin": self.min_margin,
            "rounding_bound": self.rounding_bound,
            "float_claims": [c.to_json() for c in self.float_claims],
            "numerical": [r.to_json() for r in self.numerical],
        }

    def summary(self) -> str:
        head = (f"PROVED for all lengths (exact model of the stored arrays) by {self.method}"
                if self.proved else f"NOT proved ({self.method})")
        lines = [f"{head}: {self.detail}"]
        if self.counterexample is not None:
            word = " ".join(self.counterexample) or "ε"
            lines.append(f"  the exact model is wrong on '{word}' (length "
                         f"{len(self.counterexample)})")
        lines += [f"  {c.describe()}" for c in self.float_claims]
        for r in self.numerical:
            status = ("no failure" if r.first_failure is None
                      else f"first failure at length {r.first_failure}")
            lines.append(f"  numerical evidence, {r.dtype}: {r.batch} random words × "
                         f"{r.steps} steps, {status}, min margin {r.min_margin:.3g}")
        return "\n".join(lines)


# -- the floating-point claim --------------------------------------------------------------


def _diagonal_bound(model: BilinearModel, proof: Proof, dtype: str) -> FloatClaim | None:
    """Rounding bound for the diagonal engine of :mod:`automata_bilinear.rnn`.

    Anchors: the engine computes per unit ``t_i = n·log|λ_i| + log|h0_i| − max`` and the
    phase ``n·arg λ_i + arg h0_i`` (not reduced mod 2π: libm reduces exactly) in float64
    (libm ``log``/``exp``/``cos``/``sin`` within one ulp, assumed). With ``u`` the float64
    unit roundoff, ``ℓ`` the largest |log|λ|| and ``b`` the largest |log|h0||, the relative
    error of every unit after ``n`` letters is at most ``E_n = exp(κ(2nℓ + 2b + 2πn)) − 1 +
    4u`` with ``κ = (D + 4)u``.

    Runs: between anchors the engine multiplies by the letters' float eigenvalues for at
    most ``k =`` :func:`~automata_bilinear.rnn.product_run_length` steps. A real product adds
    one rounding, a complex one at most ``√5 u`` normwise (Brent, Percival & Zimmermann
    2007), and an eigenvalue stored in phase form was itself rounded (≤ 2u) when formed;
    ``(1 + 5u)`` per step covers all three. The divisions by the largest coordinate (of the
    anchor, of the run) add one rounding each, so every unit's relative error is at most
    ``(1 + E_n)(1 + ε_k) − 1`` with ``1 + ε_k = (1 + 5u)^k (1 + u)²``. Underflow inside a
    run, amplified by later growth and compared with the current peak, adds at most
    ``2(k + 1)·2^-1022·e^{2kℓ}`` (the engine keeps the exponent ≤ 600) to each unit in
    units of ``max|h|``; this also covers the compiled runs
    (:mod:`automata_bilinear.diagonal_kernels`), which set products below ``2^-1022`` to 0
    (an error below ``2^-1022`` per unit and step).

    Scores: ``γ_{H+1}`` of the dtype, in any order of summation, and the cast to ``dtype``
    one roundoff; normalised entries the compiled runs set to 0 (below the dtype's smallest
    normal number) are within the per-unit term ``2^-1022`` (float32: ``2^-126``). Underflowing
    products ``C_yj h_j`` add at most ``H·2^-1074`` (float32: ``H·2^-149``) in units of
    ``max|h|``; in float64 without a bias the engine scores the unnormalised run with
    ``C / R`` (:func:`~automata_bilinear.rnn.readout_scale`) and divides by a peak ≥
    ``e^{-600}/√2``, so there the term is ``H·2^-1074·R·e^{600}``. A float32 readout or bias
    outside float32's normal range gets no claim.

    Correct while the relative error stays below half the proved scale-free margin, and the
    absolute terms (underflow per unit times the readout weight, plus the scores' term)
    below half the normalised margin.
    """
    rho, mu = proof.relative_margin, proof.sup_margin
    if rho is None or mu is None or not (rho > 0 and mu > 0):
        return None
    if dtype == "float32":
        cast = np.concatenate([model.readout.ravel(),
                               [] if model.bias is None else model.bias.ravel()])
        cast = np.abs(cast[cast != 0])
        if cast.size and not (cast.min() >= 2.0**-126
                              and cast.max() <= float(np.finfo(np.float32).max)):
            return FloatClaim(dtype, False, None, "the readout or bias leaves float32's "
                                                  "normal range when cast")
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    mags = np.abs(np.concatenate([lam_c, lam_r.astype(np.complex128)], axis=1))
    nonzero = mags[mags > 0]
    ell = float(np.abs(np.log(nonzero)).max(initial=0.0))
    h0 = np.abs(model.h0[model.h0 != 0])
    b = float(np.abs(np.log(h0)).max(initial=0.0))
    u64, ud = _UNIT["float64"], _UNIT[dtype]
    D, H = model.n_symbols, model.hidden_size
    kappa = (D + 4) * u64
    run = product_run_length(model)  # the longest run any ``chunk`` gives
    eps_run = (1 + 5 * u64) ** run * (1 + u64) ** 2 - 1
    gamma = (H + 1) * ud / (1 - (H + 1) * ud)
    fixed = 4 * u64 * (1 + eps_run) + gamma + (ud if dtype == "float32" else 0.0) + 2 * ud
    tiny = 2.0**-126 if dtype == "float32" else 2.0**-1022
    if run:
        tiny += 2 * (run + 1) * 2.0**-1022 * math.exp(min(600.0, 2 * run * ell))
    if dtype == "float32":
        score_tiny = H * 2.0**-149
    elif run and model.bias is None:
        score_tiny = H * 2.0**-1074 * readout_scale(model.readout) * math.exp(600.0)
    else:
        score_tiny = H * 2.0**-1074
    weight = float(np.abs(model.readout[:, None, :] - model.readout[None, :, :]).sum(-1).max())
    if tiny * H * weight + score_tiny > mu / 2 or fixed >= rho / 2:
        return FloatClaim(dtype, False, None, "the proved margin does not absorb one "
                                              "rounding; no length is guaranteed")
    # (1 + E_n)(1 + ε_k) − 1 + (other terms) ≤ ρ/2 ⟸ exp(κ(2nℓ + 2b + 2πn)) ≤ e^budget
    budget = math.log1p(rho / 2 - fixed) - math.log1p(eps_run)
    per_letter = kappa * (2 * ell + 2 * math.pi)
    n = (budget / kappa - 2 * b) / (2 * ell + 2 * math.pi) if per_letter else math.inf
    if n < 0:
        return FloatClaim(dtype, False, None, "the rounding bound fails at length 0")
    if not math.isfinite(n) or n > 2**62:
        return FloatClaim(dtype, True, None, "rounding bound with no growth per letter")
    return FloatClaim(dtype, False, int(n), "rounding-error bound of the diagonal engine "
                                            "against the proved margin")


def _orthogonal_bound(model: BilinearModel, proof: Proof, dtype: str) -> FloatClaim | None:
    """Rounding bound for the matrix engine on exact orthogonal (phase) blocks: each step
    adds at most ``(2b + 4)u`` relative error in the 2-norm (rounded entries, the product,
    the normalisation) and orthogonal maps do not amplify it, so after ``n`` steps a score
    moves by at most ``n (2b + 4) u √H W`` (``W`` the largest ``Σ|C_y − C_y'|``) in units of
    ``max|h|``; correct while that is below half the proved normalised margin."""
    mu = proof.sup_margin
    exact_orthogonal = "block_turns" in model.params or proof.orthogonal
    if mu is None or not mu > 0 or not exact_orthogonal:
        return None
    u = _UNIT[dtype]
    H = model.hidden_size
    b = int(model.params["block_sizes"].max()) if "block_sizes" in model.params else H
    weight = float(np.abs(model.readout[:, None, :] - model.readout[None, :, :]).sum(-1).max())
    per_step = (2 * b + 4) * u * math.sqrt(H) * max(weight, 1e-300)
    n = (mu / 2) / per_step - 1
    if n < 0:
        return FloatClaim(dtype, False, None, "the proved margin does not absorb one step")
    return FloatClaim(dtype, False, int(min(n, 2**62)),
                      "rounding-error bound for orthogonal blocks against the proved margin")


def float_claims(model: BilinearModel, proof: Proof) -> tuple[FloatClaim, ...]:
    """The floating-point claims that follow from ``proof`` (see the module docstring)."""
    claims = []
    for dtype in ("float64", "float32"):
        if not proof.proved:
            claims.append(FloatClaim(dtype, False, None, "the exact model is not proved"))
            continue
        structure = get_rung(model.rung).structure
        if dtype in proof.float_exact and structure is not Structure.COMPLEX_DIAGONAL:
            claims.append(FloatClaim(dtype, True, None, "the normalised states are exactly "
                                                        "±e_j in floating point"))
            continue
        claim = None
        if model.acts_diagonally:
            claim = _diagonal_bound(model, proof, dtype)
        elif model.bias is None:
            claim = _orthogonal_bound(model, proof, dtype)
        claims.append(claim or FloatClaim(dtype, False, None,
                                          "no rounding-error bound for this structure"))
    return tuple(claims)


# -- numerical evidence --------------------------------------------------------------------


def numerical_check(model: BilinearModel | StackedModel, automaton: MooreMachine, *,
                    steps: int = 10_000, batch: int = 8, seed: int = 0,
                    dtype: str = "float64", max_flops: float = 4e9) -> NumericalReport:
    """Run the model in floating point on random words, normalising ``h`` every step.

    Runs :func:`automata_bilinear.rnn.forward`. Returns the first length at which a
    prediction differs from the automaton or ties (None if none), the word of that failure,
    and the minimum margin: the gap between the two best scores with ``max|h| = 1``, counted
    negative where the prediction is wrong. The number of steps is reduced so the run stays
    under ``max_flops`` (large one-hot models).
    """
    model = _check_model_or_stack(model)
    automaton = check_machine(automaton, "automaton")
    steps = check_integer(steps, "steps", minimum=1, maximum=10**8)
    batch = check_integer(batch, "batch", minimum=1)
    al = align(model, automaton)  # type: ignore[arg-type]  # a stack has the same fields
    H = model.hidden_size
    steps = int(max(1, min(steps, max_flops // max(1, batch * H * H))))
    words = random_words(automaton, batch, steps, seed)
    out = forward(model, al.letter[words], dtype=dtype)
    truth = al.rows[automaton.output_codes[run_batch(automaton, words)]]
    margins = np.nan_to_num(out.margins, nan=-np.inf)
    bad = (out.predictions != truth) | ~(margins > 0)
    failing = np.flatnonzero(bad.any(axis=0))
    signed = np.where(bad, -np.abs(margins), margins)  # negative where a prediction is wrong
    word = None
    if failing.size:
        length = int(failing[0])
        row = int(np.flatnonzero(bad[:, length])[0])
        word = tuple(automaton.alphabet[a] for a in words[row, :length].tolist())
    return NumericalReport(dtype=str(np.dtype(dtype)), steps=steps, batch=batch,
                           first_failure=int(failing[0]) if failing.size else None,
                           min_margin=float(signed.min()), failing_word=word)


def _check_model_or_stack(model: object) -> BilinearModel | StackedModel:
    return model if isinstance(model, StackedModel) else check_model(model, "model")


def _cross_check(model: BilinearModel | StackedModel, automaton: MooreMachine, proof: Proof,
                 claims: tuple[FloatClaim, ...], reports: tuple[NumericalReport, ...]) -> None:
    """Fail loudly when the lines of evidence contradict each other."""
    claim_of = {c.dtype: c for c in claims}
    for r in reports:
        if r.first_failure is None:
            continue
        claim = claim_of.get(r.dtype)
        if claim is not None and claim.covers(r.first_failure):
            raise InternalConsistencyError(
                f"{r.dtype} inference is claimed correct up to "
                f"{'every length' if claim.all_lengths else claim.up_to}, but the numerical "
                f"run fails at length {r.first_failure}; please report this bug")
        if proof.proved and r.failing_word is not None and len(r.failing_word) <= 400 \
                and model.hidden_size <= 64 and not isinstance(model, StackedModel):
            letters = [model.alphabet.index(s) for s in r.failing_word]
            q = automaton.start
            for s in r.failing_word:
                q = int(automaton.transitions[q, automaton.symbol_index[s]])
            want = align(model, automaton).rows[automaton.output_codes[q]]
            got = exact_prediction(model, letters)
            if got is not None and got != want:
                raise InternalConsistencyError(
                    f"the exact model is proved correct by {proof.method}, yet evaluated "
                    f"exactly on the failing word of length {len(letters)} it is wrong; "
                    "please report this bug")


def verify(model: BilinearModel | StackedModel, automaton: MooreMachine, *, numerical: bool = True,
           steps: int = 10_000, batch: int = 8, seed: int = 0,
           max_pairs: int = 2_000_000) -> VerificationReport:
    """Prove (or refute) that ``model`` computes ``automaton`` on every word.

    Parameters
    ----------
    model, automaton
        The model and the task (any machine with the same behaviour works; the minimal one
        is fastest).
    numerical
        Also run the float64 and float32 numerical line (evidence, not proof).
    steps, batch, seed
        Length, number and seed of the random words of the numerical line.
    max_pairs
        Cap on the finite-image searches.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> m = build("cyclic:5")
    >>> report = verify(compile_bilinear(m, "rotation"), m, numerical=False)
    >>> report.proved, report.method
    (True, 'finite-image search (exact phases, enclosed scores)')
    """
    model = _check_model_or_stack(model)
    automaton = check_machine(automaton, "automaton")
    steps = check_integer(steps, "steps", minimum=1, maximum=10**8)
    batch = check_integer(batch, "batch", minimum=1)
    if isinstance(model, StackedModel):
        proof = prove_stack(model, automaton, max_pairs=max_pairs)
        claims = tuple(FloatClaim(dt, False, None, "no rounding-error bound for stacks")
                       for dt in ("float64", "float32"))
    else:
        proof = prove(model, automaton, max_pairs=max_pairs)
        claims = float_claims(model, proof)
    report = VerificationReport(
        method=str(proof.method), proved=proof.proved, detail=proof.detail,
        counterexample=proof.counterexample, image_size=proof.image_size,
        min_margin=proof.sup_margin, float_claims=claims)
    if numerical:
        nums = tuple(numerical_check(model, automaton, steps=steps, batch=batch, seed=seed,
                                     dtype=dt) for dt in ("float64", "float32"))
        _cross_check(model, automaton, proof, claims, nums)
        report = replace(report, numerical=nums)
    return report
