"""Certify a (trained) model for every length, or find a word it gets wrong.

:func:`certify` answers, for any model — compiled, perturbed, trained, imported — whether it
computes a task on *every* word (docs/theory.md §13):

* **proved**: an exact method of :mod:`automata_bilinear.checker.proof` succeeded (models with
  an exact description), or a *region certificate* was found and accepted by the trusted
  checker :func:`~automata_bilinear.checker.regions.check_region_certificate` (rigorous float64
  enclosures on the stored arrays). The report says whether the float64 / float32 forward pass
  is proved as well.
* **wrong**: a word on which the model's own forward pass (float64) gives a wrong or tied
  prediction; the float32 result on it is reported too.
* **inconclusive**: no finite abstraction within the budget, with the reason (the extracted
  automaton keeps growing, the normalised dynamics does not contract, a bias) and the
  lengths that were searched.

The pipeline: *extraction* explores normalised states breadth-first from ``h0`` and merges
states within a tolerance into a candidate automaton; it is minimised and compared with the
task exactly. A shortest distinguishing word is confirmed on the forward pass (a merge
artefact is not: the tolerance is then tightened). An equivalent candidate gets radii by the
monotone iteration ``r ← F(r)`` from ``r = 0`` and the certificate goes to the checker.
Otherwise a *drift search* runs the forward pass along long lassos ``w u^k`` (w an access
word, u a letter or a pair of letters) and reports the shortest wrong word found.

Examples
--------
>>> import numpy as np
>>> from automata_bilinear import BilinearModel, build
>>> model = BilinearModel("real_diagonal", {"eigenvalues": [[0.9], [-1.1]]}, h0=[1.0],
...                       readout=[[1.0], [-1.0]], alphabet=("0", "1"), output_labels=(0, 1))
>>> report = certify(model, build("parity"))
>>> report.verdict, report.method
('proved', 'region certificate (rigorous float64 enclosures)')
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .automata.equivalence import find_counterexample
from .automata.machine import MooreMachine, check_machine, label_key
from .automata.minimization import minimize
from .automata.simulate import run_batch
from .checker.proof import prove, prove_stack
from .checker.regions import (
    FLOAT_UNITS,
    RegionCertificate,
    RegionCheck,
    check_region_certificate,
    float_engine_covered,
)
from .errors import InvalidArgumentError, VerificationError
from .limits import check_memory, check_work
from .model import BilinearModel, check_model, model_fingerprint, stored_exact_form
from .progress import progress
from .rnn import forward
from .stack import StackedModel
from .validation import check_integer

__all__ = ["CertificationReport", "Extraction", "certify", "extract_automaton", "word_text"]

DEFAULT_TOLERANCES = (1e-1, 1e-2, 1e-3, 1e-5)
REGION_METHOD = "region certificate (rigorous float64 enclosures)"


@dataclass(frozen=True, eq=False)
class Extraction:
    """The automaton read off a model's normalised states (see :func:`extract_automaton`).

    ``machine`` is None when the exploration stopped (``reason``): more than ``max_states``
    clusters, or a state collapsed to zero (``collapse_word``). ``depth``: the longest access
    word explored. ``max_merge``: the largest distance of a state merged into a cluster.
    """

    tolerance: float
    centres: np.ndarray
    words: tuple[tuple[str, ...], ...]
    successors: np.ndarray | None
    machine: MooreMachine | None
    depth: int
    max_merge: float
    reason: str = ""
    collapse_word: tuple[str, ...] | None = None


@dataclass(frozen=True, eq=False)
class CertificationReport:
    """Outcome of :func:`certify`; ``to_json()`` gives the CLI's ``--json`` payload."""

    verdict: str
    method: str
    reason: str
    word: tuple[str, ...] | None = None
    wrong_in: tuple[str, ...] = ()
    float_proved: tuple[str, ...] = ()
    certificate: RegionCertificate | None = None
    check: RegionCheck | None = None
    extracted_states: int | None = None
    minimal_extracted_states: int | None = None
    tolerance: float | None = None
    max_merge: float | None = None
    explored_depth: int | None = None
    searched_length: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def length(self) -> int | None:
        """Length of the wrong word, when there is one."""
        return None if self.word is None else len(self.word)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verdict": self.verdict, "method": self.method, "reason": self.reason,
            "word": None if self.word is None else list(self.word), "length": self.length,
            "wrong_in": list(self.wrong_in), "float_proved": list(self.float_proved),
            "extracted_states": self.extracted_states,
            "minimal_extracted_states": self.minimal_extracted_states,
            "tolerance": self.tolerance, "max_merge_distance": self.max_merge,
            "explored_depth": self.explored_depth, "searched_length": self.searched_length,
            "timings_seconds": dict(self.timings), "notes": list(self.notes),
        }
        if self.check is not None:
            out["check"] = {"ok": self.check.ok, "reason": self.check.reason,
                            "least_slack": self.check.least_slack,
                            "least_margin": self.check.least_margin}
        return out


def word_text(word: Sequence[str]) -> str:
    """A word with runs written as powers: ``0 1^5 0``; ``ε`` for the empty word.

    Examples
    --------
    >>> word_text(["4"] * 786), word_text(["a", "b", "b"]), word_text([])
    ('4^786', 'a b^2', 'ε')
    """
    parts: list[str] = []
    i = 0
    while i < len(word):
        j = i
        while j < len(word) and word[j] == word[i]:
            j += 1
        parts.append(word[i] if j - i == 1 else f"{word[i]}^{j - i}")
        i = j
    return " ".join(parts) or "ε"


def _check_positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0):
        raise InvalidArgumentError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _normalise_rows(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    norms = np.linalg.norm(Y, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return Y / np.where(norms > 0, norms, 1.0)[..., None], norms


def extract_automaton(model: BilinearModel, tolerance: float = 1e-2, *,
                      max_states: int = 2_000) -> Extraction:
    """Explore the model's normalised states breadth-first and merge close ones.

    Each state is ``h/‖h‖₂`` of the float64 forward dynamics; a new state within
    ``tolerance`` (Euclidean) of an existing cluster centre joins it, so the search follows
    the centre from then on. The clusters with their successors and the readout's argmax at
    each centre form a Moore machine over the model's alphabet and output labels.

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> ex = extract_automaton(compile_bilinear(build("cyclic:3"), "full"))
    >>> ex.machine.n_states, ex.max_merge
    (3, 0.0)
    """
    model = check_model(model, "model")
    tolerance = _check_positive(tolerance, "tolerance")
    max_states = check_integer(max_states, "max_states", minimum=1)
    H, D = model.hidden_size, model.n_symbols
    check_memory("the extraction's centres", 8.0 * (max_states + D) * H * 2
                 + 8.0 * D * H * H)
    check_work("the extraction", float(max_states) * D * (H * H + max_states * H))
    A = model.transitions
    centres = np.empty((max_states + 1, H))
    x0 = model.h0 / np.linalg.norm(model.h0)
    centres[0] = x0
    words: list[tuple[str, ...]] = [()]
    succ = np.full((max_states + 1, D), -1, dtype=np.int64)
    n, frontier, depth, max_merge = 1, [0], 0, 0.0
    while frontier:
        depth += 1
        Y = np.einsum("dij,nj->ndi", A, centres[frontier])  # (F, D, H)
        Y, norms = _normalise_rows(Y)
        dead = ~(np.isfinite(norms) & (norms > 0))
        if dead.any():
            f, a = map(int, np.argwhere(dead)[0])
            word = words[frontier[f]] + (model.alphabet[a],)
            return Extraction(tolerance, centres[:n].copy(), tuple(words), None, None, depth,
                              max_merge, f"the state collapses to zero on a word of length "
                                         f"{len(word)}", word)
        new_frontier = []
        for f, i in enumerate(frontier):
            for a in range(D):
                y = Y[f, a]
                dist = np.linalg.norm(centres[:n] - y, axis=1)
                j = int(np.argmin(dist))
                if dist[j] <= tolerance:
                    succ[i, a] = j
                    max_merge = max(max_merge, float(dist[j]))
                    continue
                if n >= max_states:
                    return Extraction(tolerance, centres[:n].copy(), tuple(words), None, None,
                                      depth, max_merge,
                                      f"the extracted automaton keeps growing: more than "
                                      f"{max_states} states within distance {tolerance:g} "
                                      f"(explored to length {depth})")
                centres[n] = y
                words.append(words[i] + (model.alphabet[a],))
                succ[i, a] = n
                new_frontier.append(n)
                n += 1
        frontier = new_frontier
    scores = centres[:n] @ model.readout.T
    if model.bias is not None:
        scores = scores + model.bias
    outputs = tuple(model.output_labels[int(k)] for k in np.argmax(scores, axis=1))
    machine = MooreMachine(succ[:n].copy(), 0, outputs, model.alphabet, name="extracted")
    return Extraction(tolerance, centres[:n].copy(), tuple(words), succ[:n].copy(), machine,
                      depth - 1, max_merge)


def _confirm(model: BilinearModel | StackedModel, task: MooreMachine, word: Sequence[str]
             ) -> tuple[str, ...]:
    """The dtypes whose forward pass is wrong (or tied) on ``word``."""
    x = np.array([[model.alphabet.index(s) for s in word]], dtype=np.int64)
    q = task.start
    for s in word:
        q = int(task.transitions[q, task.alphabet.index(s)])
    want = label_key(task.outputs[q])
    wrong = []
    for dt in ("float64", "float32"):
        out = forward(model, x, dtype=dt, final_only=True)
        pred = model.output_labels[int(out.predictions[0])]
        tie = len(model.output_labels) > 1 and not out.margins[0] > 0
        if tie or label_key(pred) != want:
            wrong.append(dt)
    return tuple(wrong)


def _lasso_search(model: BilinearModel | StackedModel, task: MooreMachine,
                  prefixes: Sequence[tuple[str, ...]], length: int
                  ) -> tuple[tuple[str, ...] | None, int]:
    """Run ``w u^k`` (u a letter, or a pair of letters when there are few) on the forward
    pass and return the shortest word with a wrong or tied float64 prediction, and the
    longest length searched."""
    letters = list(model.alphabet)
    loops = [(a,) for a in letters]
    if len(letters) <= 6:
        loops += [(a, b) for a in letters for b in letters if a != b]
    H = model.hidden_size
    per_step = H * H if isinstance(model, BilinearModel) else 4 * H * H
    count = len(prefixes) * len(loops)
    length = max(1, min(length, int(4e9 // max(1, count * per_step))))
    best: tuple[str, ...] | None = None
    longest = 0
    by_length: dict[int, list[tuple[str, ...]]] = {}
    for p in prefixes:
        for u in loops:
            body = (u * (length // len(u) + 1))[:length]
            by_length.setdefault(len(p), []).append(p + body)
    index = {s: i for i, s in enumerate(model.alphabet)}
    sym = {s: i for i, s in enumerate(task.alphabet)}
    want_rows = {label_key(y): k for k, y in enumerate(model.output_labels)}
    task_rows = np.array([want_rows.get(label_key(y), -1) for y in task.outputs])
    for _, batch in progress(sorted(by_length.items()), desc="drift search", unit="batch"):
        x = np.array([[index[s] for s in w] for w in batch], dtype=np.int64)
        out = forward(model, x, dtype="float64")
        states = run_batch(task, np.array([[sym[s] for s in w] for w in batch]))
        want = task_rows[task.output_codes[states]]
        bad = (out.predictions != want)
        if len(model.output_labels) > 1:
            bad |= ~(out.margins > 0)
        longest = max(longest, x.shape[1])
        for b in np.flatnonzero(bad.any(axis=1)):
            t = int(np.argmax(bad[b]))
            if best is None or t < len(best):
                best = batch[b][:t]
    return best, longest


def _exactly_described(model: BilinearModel) -> bool:
    """Worth trying the exact checker: an exact schema, or small dyadic matrices (compiled
    models), for which the finite-image search terminates quickly."""
    if stored_exact_form(model) != "the stored floats, read as exact rationals":
        return True
    if model.hidden_size > 64 or model.n_symbols * model.hidden_size ** 2 > 10**6:
        return False
    A = model.transitions * 256.0
    return bool(np.all(A == np.round(A)) and np.all(np.abs(A) <= 2**20))


def _spectral_estimate(M: np.ndarray, steps: int = 60) -> float:
    """‖M‖₂ by power iteration on MᵀM, enlarged by 2 % (an estimate for choosing radii;
    the checker bounds the norm rigorously)."""
    v = np.ones(M.shape[1]) / np.sqrt(M.shape[1])
    v = v + 1e-3 * np.sin(np.arange(M.shape[1]))  # no exact orthogonality to the top vector
    est = 0.0
    for _ in range(steps):
        w = M.T @ (M @ v)
        n = float(np.linalg.norm(w))
        if n == 0.0:
            return 0.0
        est, v = math.sqrt(n), w / n
    return 1.02 * est


@dataclass(frozen=True)
class _Transitions:
    """Per (node, letter): distance of the normalised image of the centre to the successor's
    centre, ``a = ‖A c‖``, the projected gain g⊥, and per letter ‖A‖ and ‖|A|‖_F."""

    dist: np.ndarray
    a: np.ndarray
    gperp: np.ndarray
    a_norm: np.ndarray
    abs_norm: np.ndarray


def _transition_numbers(model: BilinearModel, ex: Extraction) -> _Transitions:
    A = model.transitions
    N, D = len(ex.words), model.n_symbols
    succ = ex.successors
    assert succ is not None
    centres = ex.centres
    dist, a, gperp = np.zeros((N, D)), np.zeros((N, D)), np.zeros((N, D))
    for k in range(D):
        Z = centres @ A[k].T  # (N, H)
        a[:, k] = np.linalg.norm(Z, axis=1)
        W = Z / a[:, k, None]
        dist[:, k] = np.linalg.norm(W - centres[succ[:, k]], axis=1)
        WA = W @ A[k]
        for i in range(N):
            M = A[k] - np.outer(W[i], WA[i])
            frob = float(np.linalg.norm(M))
            gperp[i, k] = frob if frob < 1e-3 * a[i, k] else min(frob, _spectral_estimate(M))
    a_norm = np.array([_spectral_estimate(A[k]) for k in range(D)])
    abs_norm = np.array([np.linalg.norm(np.abs(A[k])) for k in range(D)])
    return _Transitions(dist, a, gperp, a_norm, abs_norm)


def _radii(model: BilinearModel, ex: Extraction, rows: np.ndarray, numbers: _Transitions,
           float_pad: float, iterations: int = 500) -> tuple[np.ndarray | None, str]:
    """Radii from the monotone iteration ``r ← (1 + η) F(r) + ε`` (numerically; the
    checker re-derives everything rigorously), or why there is no fixed point."""
    C = model.readout
    N = len(ex.words)
    succ = ex.successors
    assert succ is not None
    centres = ex.centres
    dist, a, gperp = numbers.dist, numbers.a, numbers.gperp
    a_norm, abs_norm = numbers.a_norm, numbers.abs_norm
    gain = gperp / a
    worst = np.unravel_index(np.argmax(gain), gain.shape)
    # margins: the largest radius each region's readout allows
    S = centres @ C.T
    limit = np.full(N, np.inf)
    for i in range(N):
        y = rows[i]
        for k in range(C.shape[0]):
            if k != y:
                d = C[y] - C[k]
                limit[i] = min(limit[i], (S[i, y] - S[i, k]) / np.linalg.norm(d))
    if np.any(limit <= 0):
        i = int(np.argmin(limit))
        return None, f"the readout ties or is wrong at the centre of abstract state {i}"
    eps = 1e-12 + float_pad * 4
    r = np.zeros(N)
    for _ in range(iterations):
        denominator = a - a_norm[None, :] * r[:, None]
        if np.any(denominator <= 0):
            break
        # 1.03: the checker's spectral bound may exceed the SVD's norm by up to 2 %
        bound = dist + 1.03 * gperp * r[:, None] / denominator + 2 * float_pad * (
            abs_norm[None, :] / denominator + 1)
        new = np.zeros(N)
        np.maximum.at(new, succ.ravel(), bound.ravel())
        new = new * 1.01 + eps
        new[0] = max(new[0], 2 * float_pad + eps)
        new = np.maximum(new, r)
        if np.all(new <= r * (1 + 1e-9)):
            r = new
            break
        r = new
        if np.any(r >= limit):
            break
    else:
        return None, (f"the radius iteration did not settle (largest normalised gain "
                      f"{gain[worst]:.4g} at abstract state {worst[0]}, letter "
                      f"{model.alphabet[worst[1]]!r})")
    if np.any(r >= limit) or np.any(a - a_norm[None, :] * r[:, None] <= 0):
        where = (f"largest gain {gain[worst]:.4g} at abstract state {worst[0]}, letter "
                 f"{model.alphabet[worst[1]]!r}")
        if gain[worst] >= 1:
            return None, (f"the normalised dynamics does not contract ({where}): states "
                          "drift, so no invariant regions exist")
        return None, (f"the regions the contraction needs do not fit inside the readout's "
                      f"margins ({where})")
    return r * 1.05 + 1e-12, ""


def _task_rows(model: BilinearModel, task: MooreMachine, words: Sequence[tuple[str, ...]]
               ) -> np.ndarray | None:
    rows = {label_key(y): k for k, y in enumerate(model.output_labels)}
    sym = {s: i for i, s in enumerate(task.alphabet)}
    out = []
    for w in words:
        q = task.start
        for s in w:
            q = int(task.transitions[q, sym[s]])
        k = rows.get(label_key(task.outputs[q]))
        if k is None:
            return None
        out.append(k)
    return np.array(out, dtype=np.int64)


@dataclass
class _RegionAttempt:
    certificate: RegionCertificate | None = None
    check: RegionCheck | None = None
    extraction: Extraction | None = None
    minimal: int | None = None
    wrong_word: tuple[str, ...] | None = None
    wrong_in: tuple[str, ...] = ()
    wrong_how: str = ""
    reason: str = ""


def _attempt_regions(model: BilinearModel, task: MooreMachine, tolerances: Sequence[float],
                     max_states: int, float_dtypes: Sequence[str],
                     timings: dict[str, float]) -> _RegionAttempt:
    """Extraction at each tolerance, then radii and the trusted check; stops at the first
    proof or confirmed wrong word."""
    got = _RegionAttempt()

    def clock(key: str, t0: float) -> None:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0

    for tol in tolerances:
        t0 = time.perf_counter()
        ex = extract_automaton(model, tol, max_states=max_states)
        clock("extraction", t0)
        got.extraction = ex
        if ex.collapse_word is not None:
            got.wrong_word, got.wrong_how = ex.collapse_word, "extraction (the state " \
                                                              "collapses to zero)"
            got.wrong_in = _confirm(model, task, ex.collapse_word)
            return got
        if ex.machine is None:
            got.reason = ex.reason
            return got
        got.minimal = minimize(ex.machine).machine.n_states
        cex = find_counterexample(ex.machine, task)
        if cex is not None:
            wrong_in = _confirm(model, task, cex)
            if "float64" in wrong_in:
                got.wrong_word, got.wrong_in = tuple(cex), wrong_in
                got.wrong_how = ("extraction (shortest distinguishing word of the extracted "
                                 "automaton)")
                return got
            got.reason = (f"at tolerance {tol:g} the extracted automaton differs from the task "
                          "on a word the model gets right (a merge artefact)")
            continue
        rows = _task_rows(model, task, ex.words)
        if rows is None:
            got.reason = "a task output has no readout row"
            return got
        t0 = time.perf_counter()
        covered = float_engine_covered(model)
        pad = max((FLOAT_UNITS[d] for d in float_dtypes if covered), default=0.0) * (
            model.hidden_size + 2) * 4
        numbers = _transition_numbers(model, ex)
        radii, why = _radii(model, ex, rows, numbers, pad)
        if radii is None and pad:
            radii, why = _radii(model, ex, rows, numbers, 0.0)
        clock("radii", t0)
        if radii is None:
            got.reason = why
            if np.max(numbers.gperp / numbers.a) >= 1:  # no finer merge makes it contract
                return got
            continue
        cert = RegionCertificate(model.alphabet, ex.words, ex.successors, ex.centres, radii,
                                 model_fingerprint(model), tol)
        t0 = time.perf_counter()
        check = check_region_certificate(cert, model, task, float_dtypes=float_dtypes)
        clock("check", t0)
        if check.ok:
            got.certificate, got.check = cert, check
            return got
        got.reason = f"the checker refused the regions: {check.reason}"
    return got


def certify(model: BilinearModel | StackedModel, task: MooreMachine, *,
            tolerances: Sequence[float] = DEFAULT_TOLERANCES, max_states: int = 2_000,
            search_length: int = 2_000, float_dtypes: Sequence[str] = ("float64", "float32"),
            ) -> CertificationReport:
    """Prove ``model`` computes ``task`` on every word, or find a word it gets wrong.

    Parameters
    ----------
    model
        Any model (one rung, or a stack); its stored arrays are what is certified.
    task
        The task's automaton, over the same alphabet.
    tolerances
        Merge tolerances tried in turn by the extraction (loosest first).
    max_states
        Most abstract states an extraction may create.
    search_length
        Length of the lassos ``w u^k`` of the drift search.
    float_dtypes
        Dtypes whose forward pass the region certificate should also prove.

    Returns
    -------
    CertificationReport
        ``verdict`` is ``"proved"``, ``"wrong"`` or ``"inconclusive"``.

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> certify(compile_bilinear(build("cyclic:5"), "rotation"), build("cyclic:5")).verdict
    'proved'
    """
    started = time.perf_counter()
    task = minimize(check_machine(task, "task")).machine
    if not isinstance(model, StackedModel):
        model = check_model(model, "model")
    if set(model.alphabet) != set(task.alphabet):
        raise VerificationError(
            f"model alphabet {sorted(model.alphabet)[:10]} differs from the task's "
            f"{sorted(task.alphabet)[:10]}")
    tolerances = tuple(_check_positive(t, "tolerance") for t in tolerances)
    if not tolerances:
        raise InvalidArgumentError("tolerances: give at least one merge tolerance")
    max_states = check_integer(max_states, "max_states", minimum=1)
    search_length = check_integer(search_length, "search_length", minimum=1)
    for dt in float_dtypes:
        if dt not in FLOAT_UNITS:
            raise InvalidArgumentError(f"float_dtypes: unknown dtype {dt!r}")
    timings: dict[str, float] = {}
    notes: list[str] = []

    def finish(verdict: str, method: str, reason: str, **kw: Any) -> CertificationReport:
        timings["total"] = time.perf_counter() - started
        return CertificationReport(verdict, method, reason, timings=timings,
                                   notes=tuple(notes), **kw)

    def extraction_fields(got: _RegionAttempt) -> dict[str, Any]:
        ex = got.extraction
        if ex is None:
            return {}
        return {"tolerance": ex.tolerance, "explored_depth": ex.depth,
                "max_merge": ex.max_merge, "minimal_extracted_states": got.minimal,
                "extracted_states": None if ex.machine is None else ex.machine.n_states}

    regions_apply = isinstance(model, BilinearModel) and not (
        model.bias is not None and np.any(model.bias))
    # 1. the exact checker, where the model has an exact description
    if isinstance(model, StackedModel) or _exactly_described(model):
        t0 = time.perf_counter()
        proof = (prove_stack(model, task) if isinstance(model, StackedModel)
                 else prove(model, task))
        timings["exact"] = time.perf_counter() - t0
        if proof.proved:
            floats = tuple(proof.float_exact)
            extra: dict[str, Any] = {}
            missing = [d for d in float_dtypes if d not in floats]
            if missing and regions_apply and float_engine_covered(model):
                # the exact model is proved; regions may prove the float passes too
                got = _attempt_regions(model, task, tolerances, max_states, missing, timings)
                if got.check is not None:
                    floats += got.check.float_proved
                    extra = {"certificate": got.certificate, "check": got.check}
            return finish("proved", str(proof.method), proof.detail, float_proved=floats,
                          **extra)
        if proof.counterexample is not None:
            word = tuple(proof.counterexample)
            return finish("wrong", f"exact evaluation ({proof.method})",
                          f"wrong at length {len(word)}", word=word,
                          wrong_in=_confirm(model, task, word))
        notes.append(f"exact checker: {proof.detail}")
    prefixes: list[tuple[str, ...]] = [()]
    fields: dict[str, Any] = {}
    if isinstance(model, StackedModel):
        reason = "region certificates for stacks are not built"
    elif not regions_apply:
        reason = ("the readout has a bias, which breaks scale invariance: normalised states "
                  "do not determine the predictions, so no region certificate applies")
    else:
        got = _attempt_regions(model, task, tolerances, max_states, float_dtypes, timings)
        fields = extraction_fields(got)
        if got.check is not None:
            notes.extend(got.check.float_notes)
            return finish("proved", REGION_METHOD, got.check.reason,
                          float_proved=got.check.float_proved, certificate=got.certificate,
                          check=got.check, **fields)
        if got.wrong_word is not None:
            return finish("wrong", got.wrong_how, f"wrong at length {len(got.wrong_word)}",
                          word=got.wrong_word, wrong_in=got.wrong_in, **fields)
        reason = got.reason
        if got.extraction is not None:
            prefixes = list(got.extraction.words[:64])
    # 2. no proof: look for drift along long lassos
    t0 = time.perf_counter()
    word, longest = _lasso_search(model, task, prefixes, search_length)
    timings["drift_search"] = time.perf_counter() - t0
    if word is not None:
        wrong_in = _confirm(model, task, word)
        if "float64" in wrong_in:
            notes.append(f"no proof: {reason}")
            return finish("wrong", "drift search (shortest wrong word among the lassos w·u^k)",
                          f"wrong at length {len(word)}", word=word, wrong_in=wrong_in,
                          searched_length=longest, **fields)
    return finish("inconclusive", "", reason or "no method concluded", searched_length=longest,
                  **fields)
