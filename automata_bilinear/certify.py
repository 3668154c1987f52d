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
('proved', 'margin bound over letter-count vectors (exact)')
"""

from __future__ import annotations

import itertools
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
    LayeredView,
    RegionCertificate,
    RegionCheck,
    check_region_certificate,
    fingerprint,
    float_engine_covered,
    layered_view,
)
from .checker.rigorous import power_of_two_peak
from .errors import InvalidArgumentError, ResourceLimitError, VerificationError
from .limits import check_memory, check_work
from .model import BilinearModel, check_model, stored_exact_form
from .progress import progress
from .rnn import forward
from .stack import StackedModel
from .validation import check_integer

__all__ = ["CertificationReport", "Extraction", "certify", "extract_automaton", "word_text"]

DEFAULT_TOLERANCES = (1e-1, 1e-2, 1e-3, 1e-5)
EXACT_PAIRS = 50_000  # cap of the exact checker's search inside certify
REGION_METHOD = "region certificate (rigorous float64 enclosures)"


@dataclass(frozen=True, eq=False)
class Extraction:
    """The automaton read off a model's normalised states (see :func:`extract_automaton`).

    ``centres`` holds one (N, H_l) array per layer (one for a single model) and ``labels``
    the (N, L) readout rows at the centres. ``machine`` is None when the exploration stopped
    (``reason``): more than ``max_states`` clusters, or a state collapsed to zero
    (``collapse_word``). ``depth``: the longest access word explored. ``max_merge``: the
    largest distance of a state merged into a cluster.
    """

    tolerance: float
    centres: tuple[np.ndarray, ...]
    words: tuple[tuple[str, ...], ...]
    successors: np.ndarray | None
    labels: np.ndarray | None
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


def _joint_step(view: LayeredView, mats: list[np.ndarray], readouts: list[np.ndarray],
                states: list[np.ndarray], token: int
                ) -> tuple[list[np.ndarray], list[int]] | None:
    """One token on every layer from normalised states: the new normalised states and the
    layers' labels after the token (None if a layer's state collapses)."""
    new, labels = [], []
    for li, (C, A) in enumerate(zip(readouts, mats)):
        a = token if li == 0 else int(view.interfaces[li - 1][(*labels, token)])
        y = A[a] @ states[li]
        n = float(np.linalg.norm(y))
        if not (math.isfinite(n) and n > 0):
            return None
        y = y / n
        new.append(y)
        labels.append(int(np.argmax(C @ y)))
    return new, labels


def extract_automaton(model: BilinearModel | StackedModel, tolerance: float = 1e-2, *,
                      max_states: int = 2_000) -> Extraction:
    """Explore the model's normalised states breadth-first and merge close ones.

    Each state is ``h/‖h‖₂`` of the float64 dynamics (one per layer for a stack, which steps
    its layers through the interface as the forward pass does); a new state within
    ``tolerance`` (Euclidean, the largest over the layers) of an existing cluster centre joins
    it, and the search follows the centre from then on. The clusters with their successors
    and the output at each centre form a Moore machine over the model's alphabet and output
    labels.

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> ex = extract_automaton(compile_bilinear(build("cyclic:3"), "full"))
    >>> ex.machine.n_states, ex.max_merge
    (3, 0.0)
    """
    view = layered_view(model)
    tolerance = _check_positive(tolerance, "tolerance")
    max_states = check_integer(max_states, "max_states", minimum=1)
    D = len(view.alphabet)
    sizes = [layer.hidden_size for layer in view.layers]
    check_memory("the extraction's centres and matrices",
                 8.0 * (max_states + D) * sum(sizes) * 2
                 + 8.0 * sum(layer.n_symbols * h * h for layer, h in zip(view.layers, sizes)))
    check_work("the extraction",
               float(max_states) * D * (sum(h * h for h in sizes) + max_states * sum(sizes)))
    # each letter's matrix scaled by an exact power of two: the directions are the same and
    # neither 1e-200 nor 1e200 entries under- or overflow
    mats = [A / power_of_two_peak(A, axis=(1, 2))
            for A in (layer.transitions for layer in view.layers)]
    centres = [np.empty((max_states + 1, h)) for h in sizes]
    labels = np.empty((max_states + 1, len(sizes)), dtype=np.int64)
    readouts = [layer.readout / power_of_two_peak(layer.readout)
                for layer in view.layers]  # the same argmax, no overflow
    for li, layer in enumerate(view.layers):
        h0 = layer.h0 / power_of_two_peak(layer.h0)
        centres[li][0] = h0 / np.linalg.norm(h0)
        labels[0, li] = int(np.argmax(readouts[li] @ centres[li][0]))
    words: list[tuple[str, ...]] = [()]
    succ = np.full((max_states + 1, D), -1, dtype=np.int64)
    n, frontier, depth, max_merge = 1, [0], 0, 0.0

    def stopped(reason: str, word: tuple[str, ...] | None = None) -> Extraction:
        return Extraction(tolerance, tuple(c[:n].copy() for c in centres), tuple(words), None,
                          None, None, depth, max_merge, reason, word)

    while frontier:
        depth += 1
        new_frontier = []
        for i in frontier:
            for a in range(D):
                stepped = _joint_step(view, mats, readouts, [c[i] for c in centres], a)
                if stepped is None:
                    word = words[i] + (view.alphabet[a],)
                    return stopped(f"the state collapses to zero on a word of length "
                                   f"{len(word)}", word)
                ys, ls = stepped
                dist = np.max([np.linalg.norm(c[:n] - y, axis=1) for c, y in zip(centres, ys)],
                              axis=0)
                # merge only into a cluster whose labels agree: a merge must not hide a
                # wrong prediction of the state itself
                dist = np.where((labels[:n] == ls).all(axis=1), dist, np.inf)
                j = int(np.argmin(dist))
                if dist[j] <= tolerance:
                    succ[i, a] = j
                    max_merge = max(max_merge, float(dist[j]))
                    continue
                if n >= max_states:
                    return stopped(f"the extracted automaton keeps growing: more than "
                                   f"{max_states} states within distance {tolerance:g} "
                                   f"(explored to length {depth})")
                for c, y in zip(centres, ys):
                    c[n] = y
                labels[n] = ls
                words.append(words[i] + (view.alphabet[a],))
                succ[i, a] = n
                new_frontier.append(n)
                n += 1
        frontier = new_frontier
    outputs = tuple(view.output_labels[int(view.output[tuple(row)])] for row in labels[:n])
    machine = MooreMachine(succ[:n].copy(), 0, outputs, view.alphabet, name="extracted")
    return Extraction(tolerance, tuple(c[:n].copy() for c in centres), tuple(words),
                      succ[:n].copy(), labels[:n].copy(), machine, depth - 1, max_merge)


def _tied_nodes(model: BilinearModel | StackedModel, ex: Extraction) -> list[int]:
    """Nodes (shortest access word first) where some layer's two best scores tie at the
    centre: the prediction there is undefined."""
    tied = np.zeros(len(ex.words), dtype=bool)
    for li, layer in enumerate(layered_view(model).layers):
        if len(layer.output_labels) > 1:
            top = np.sort(ex.centres[li] @ layer.readout.T, axis=1)[:, -2:]
            tied |= top[:, 1] <= top[:, 0]
    return np.flatnonzero(tied).tolist()  # nodes are numbered in BFS (shortlex) order


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
        with np.errstate(all="ignore"):  # float32 may not hold extreme weights: that shows
            out = forward(model, x, dtype=dt, final_only=True)
        pred = model.output_labels[int(out.predictions[0])]
        tie = len(model.output_labels) > 1 and not out.margins[0] > 0
        if tie or label_key(pred) != want:
            wrong.append(dt)
    return tuple(wrong)


def _task_label_rows(model: BilinearModel | StackedModel, task: MooreMachine) -> np.ndarray:
    """Per task output code, the model's row for that label (−1 if it has none)."""
    rows = {label_key(y): k for k, y in enumerate(model.output_labels)}
    return np.array([rows.get(label_key(y), -1) for y in task.output_labels], dtype=np.int64)


def _exhaustive_search(model: BilinearModel | StackedModel, task: MooreMachine,
                       below: int, budget: float = 2e9) -> tuple[tuple[str, ...] | None, int]:
    """Every word shorter than ``below`` (as many lengths as ``budget`` multiply-adds allow)
    through the float64 forward pass: the shortest wrong or tied one, and the length up to
    which every word was run (−1 if none)."""
    D, H = model.n_symbols, model.hidden_size
    checked = -1
    sym = {s: i for i, s in enumerate(task.alphabet)}
    order = [sym[s] for s in model.alphabet]
    want_rows = _task_label_rows(model, task)
    for n in range(below):
        if D ** n * max(n, 1) * H * H > budget or D ** n > 10**6:
            break
        x = (np.array(list(itertools.product(range(D), repeat=n)), dtype=np.int64) if n
             else np.zeros((1, 0), dtype=np.int64))
        out = forward(model, x, dtype="float64", final_only=True)
        states = run_batch(task, np.array(order, dtype=np.int64)[x], final_only=True) \
            if n else np.full(1, task.start)
        bad = out.predictions != want_rows[task.output_codes[states]]
        if len(model.output_labels) > 1:
            bad |= ~(out.margins > 0)
        if bad.any():
            return tuple(model.alphabet[a] for a in x[int(np.argmax(bad))]), n - 1
        checked = n
    return None, checked


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
    # single letters before pairs, short prefixes first; as many as keep the full length
    combos = sorted(((p, u) for p in prefixes for u in loops),
                    key=lambda pu: (len(pu[1]), len(pu[0])))
    count = max(1, min(len(combos), int(4e9 // max(1, length * per_step))))
    combos = combos[:count]
    length = max(1, min(length, int(4e9 // max(1, count * per_step))))
    best: tuple[str, ...] | None = None
    longest = 0
    by_length: dict[int, list[tuple[str, ...]]] = {}
    for p, u in combos:
        body = (u * (length // len(u) + 1))[:length]
        by_length.setdefault(len(p), []).append(p + body)
    index = {s: i for i, s in enumerate(model.alphabet)}
    sym = {s: i for i, s in enumerate(task.alphabet)}
    task_rows = _task_label_rows(model, task)
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
    if model.acts_diagonally and model.bias is None:
        return True  # the letter-count bound's cost depends on the periods, not the values
    if model.n_symbols * model.hidden_size ** 2 > 5 * 10**7:
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
    """One layer's numbers per (node, token): distance of the normalised image of the centre
    to the successor's centre, ``a = ‖A c‖``, the projected gain g⊥, and the letter's ‖A‖
    and ‖|A|‖_F."""

    dist: np.ndarray
    a: np.ndarray
    gperp: np.ndarray
    a_norm: np.ndarray
    abs_norm: np.ndarray


def _layer_letters(view: LayeredView, ex: Extraction, li: int) -> np.ndarray:
    """(N, D) letters layer ``li`` reads on each transition (its interface at the
    successor's lower labels and the token)."""
    assert ex.successors is not None and ex.labels is not None
    N, D = ex.successors.shape
    tokens = np.broadcast_to(np.arange(D), (N, D))
    if li == 0:
        return tokens.copy()
    lower = ex.labels[ex.successors][..., :li]  # (N, D, li)
    return view.interfaces[li - 1][(*np.moveaxis(lower, -1, 0), tokens)]


def _transition_numbers(layer: BilinearModel, ex: Extraction, li: int, letters: np.ndarray
                        ) -> _Transitions:
    A = layer.transitions / power_of_two_peak(layer.transitions, axis=(1, 2))  # directions
    succ = ex.successors
    assert succ is not None
    centres = ex.centres[li]
    N, D = succ.shape
    dist, a, gperp = np.zeros((N, D)), np.zeros((N, D)), np.zeros((N, D))
    a_norm, abs_norm = np.zeros((N, D)), np.zeros((N, D))
    for letter in np.unique(letters):
        M_norm = _spectral_estimate(A[letter])
        absolute = float(np.linalg.norm(np.abs(A[letter])))
        rows, cols = np.nonzero(letters == letter)
        Z = centres[rows] @ A[letter].T
        a[rows, cols] = np.linalg.norm(Z, axis=1)
        W = Z / a[rows, cols, None]
        dist[rows, cols] = np.linalg.norm(W - centres[succ[rows, cols]], axis=1)
        WA = W @ A[letter]
        for k, (i, j) in enumerate(zip(rows, cols)):
            M = A[letter] - np.outer(W[k], WA[k])
            frob = float(np.linalg.norm(M))
            gperp[i, j] = frob if frob < 1e-3 * a[i, j] else min(frob, _spectral_estimate(M))
        a_norm[rows, cols] = M_norm
        abs_norm[rows, cols] = absolute
    return _Transitions(dist, a, gperp, a_norm, abs_norm)


def _radii(layer: BilinearModel, ex: Extraction, li: int, numbers: _Transitions,
           float_pad: float, iterations: int = 500) -> tuple[np.ndarray | None, str]:
    """One layer's radii from the monotone iteration ``r ← (1 + η) F(r) + ε`` (numerically;
    the checker re-derives everything rigorously), or why there is no fixed point."""
    C = layer.readout / power_of_two_peak(layer.readout)  # the same argmax
    succ, labels = ex.successors, ex.labels
    assert succ is not None and labels is not None
    centres = ex.centres[li]
    N = len(ex.words)
    dist, a, gperp = numbers.dist, numbers.a, numbers.gperp
    a_norm, abs_norm = numbers.a_norm, numbers.abs_norm
    gain = gperp / a
    worst = np.unravel_index(np.argmax(gain), gain.shape)
    where = f"largest gain {gain[worst]:.4g} at abstract state {worst[0]}, token index {worst[1]}"
    if len(ex.centres) > 1:
        where += f", layer {li}"
    # margins: the largest radius each region's readout allows
    S = centres @ C.T
    limit = np.full(N, np.inf)
    for i in range(N):
        y = labels[i, li]
        for k in range(C.shape[0]):
            if k != y:
                limit[i] = min(limit[i], (S[i, y] - S[i, k]) / np.linalg.norm(C[y] - C[k]))
    if np.any(limit <= 0):
        i = int(np.argmin(limit))
        return None, f"the readout ties at the centre of abstract state {i}"
    eps = 1e-12 + float_pad * 4
    r = np.zeros(N)
    for _ in range(iterations):
        denominator = a - a_norm * r[:, None]
        if np.any(denominator <= 0):
            break
        # 1.03: the checker's spectral bound may exceed the estimate by a few per cent
        bound = dist + 1.03 * gperp * r[:, None] / denominator + 2 * float_pad * (
            abs_norm / denominator + 1)
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
        return None, f"the radius iteration did not settle ({where})"
    if np.any(r >= limit) or np.any(a - a_norm * r[:, None] <= 0):
        if gain[worst] >= 1:
            return None, (f"the normalised dynamics does not contract ({where}): states "
                          "drift, so no invariant regions exist")
        return None, (f"the regions the contraction needs do not fit inside the readout's "
                      f"margins ({where})")
    return r * 1.05 + 1e-12, ""


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


def _attempt_regions(model: BilinearModel | StackedModel, task: MooreMachine,
                     tolerances: Sequence[float],
                     max_states: int, float_dtypes: Sequence[str],
                     timings: dict[str, float]) -> _RegionAttempt:
    """Extraction at each tolerance, then radii and the trusted check; stops at the first
    proof or confirmed wrong word."""
    got = _RegionAttempt()

    def clock(key: str, t0: float) -> None:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0

    for tol in tolerances:
        t0 = time.perf_counter()
        with np.errstate(all="ignore"):  # extreme weights: non-finite values are caught
            ex = extract_automaton(model, tol, max_states=max_states)
        clock("extraction", t0)
        got.extraction = ex
        if ex.collapse_word is not None:
            wrong_in = _confirm(model, task, ex.collapse_word)
            if "float64" in wrong_in:
                got.wrong_word, got.wrong_in = ex.collapse_word, wrong_in
                got.wrong_how = "extraction (the state collapses to zero: every score ties)"
            else:
                got.reason = (f"{ex.reason}, yet the forward pass predicts right there "
                              "(a loss of precision in the extraction)")
            return got
        if ex.machine is None:
            got.reason = ex.reason
            return got
        got.minimal = minimize(ex.machine).machine.n_states
        cex = find_counterexample(ex.machine, task)
        tied = _tied_nodes(model, ex)
        if tied and (cex is None or len(ex.words[tied[0]]) < len(cex)):
            wrong_in = _confirm(model, task, ex.words[tied[0]])
            if "float64" in wrong_in:
                got.wrong_word, got.wrong_in = ex.words[tied[0]], wrong_in
                got.wrong_how = "extraction (the readout ties on the state of this word)"
                return got
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
        t0 = time.perf_counter()
        view = layered_view(model)
        covered = all(float_engine_covered(layer) for layer in view.layers)
        all_radii, why, drifting = [], "", False
        for li, layer in enumerate(view.layers):
            pad = max((FLOAT_UNITS[d] for d in float_dtypes if covered), default=0.0) * (
                layer.hidden_size + 2) * 4
            numbers = _transition_numbers(layer, ex, li, _layer_letters(view, ex, li))
            radii, why = _radii(layer, ex, li, numbers, pad)
            if radii is None and pad:
                radii, why = _radii(layer, ex, li, numbers, 0.0)
            if radii is None:
                drifting = bool(np.max(numbers.gperp / numbers.a) >= 1)
                break
            all_radii.append(radii)
        clock("radii", t0)
        if len(all_radii) < len(view.layers):
            got.reason = why
            if drifting:  # no finer merge makes it contract
                return got
            continue
        cert = RegionCertificate(view.alphabet, ex.words, ex.successors, ex.centres,
                                 np.stack(all_radii, axis=1), fingerprint(model), tol)
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
    labels = {label_key(y) for y in model.output_labels}
    missing = [y for y in task.outputs if label_key(y) not in labels]
    if missing:
        shown = ", ".join(f"{y!r}" for y in list(model.output_labels)[:8])
        raise VerificationError(
            f"the task outputs {missing[0]!r} ({type(missing[0]).__name__}), which is not among "
            f"the model's output labels ({shown}); give the labels with their types (e.g. "
            "import-weights --labels '[\"0\", \"1\"]' for strings)")
    if isinstance(tolerances, (int, float)):
        tolerances = (tolerances,)
    if isinstance(float_dtypes, str):
        float_dtypes = (float_dtypes,)
    if not isinstance(tolerances, Sequence) or not isinstance(float_dtypes, Sequence):
        raise InvalidArgumentError("tolerances and float_dtypes must be numbers / names or "
                                   "sequences of them")
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
        if verdict == "wrong" and "float64" in kw.get("wrong_in", ()):
            # every shorter word through the forward pass, as far as is cheap: a shorter
            # wrong word replaces the one found; otherwise the found one is the shortest
            t0 = time.perf_counter()
            shorter, upto = _exhaustive_search(model, task, len(kw["word"]))
            timings["exhaustive"] = time.perf_counter() - t0
            if shorter is not None:
                notes.append(f"{method} found a wrong word of length {len(kw['word'])}; every "
                             f"word up to length {upto + 1} was then run and this one is the "
                             "shortest")
                method = "exhaustive search of the short words (float64 forward pass)"
                kw = {**kw, "word": shorter, "wrong_in": _confirm(model, task, shorter)}
                reason = f"wrong at length {len(shorter)}"
            elif upto == len(kw["word"]) - 1:
                notes.append("shortest: the empty word is the only shorter one" if upto < 0
                             else f"shortest: every word up to length {upto} is right")
            elif upto >= 0:
                notes.append(f"every word up to length {upto} is right; whether a wrong word "
                             f"of length {upto + 1} … {len(kw['word']) - 1} exists is not known")
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

    view = layered_view(model)
    regions_apply = not any(layer.bias is not None and np.any(layer.bias)
                            for layer in view.layers)
    covered = all(float_engine_covered(layer) for layer in view.layers)
    # 1. the exact checker, where the model has an exact description
    if all(_exactly_described(layer) for layer in view.layers):
        t0 = time.perf_counter()
        # opportunistic: a bounded search (compiled models have small images)
        proof = (prove_stack(model, task, max_pairs=EXACT_PAIRS)
                 if isinstance(model, StackedModel)
                 else prove(model, task, max_pairs=EXACT_PAIRS, max_points=EXACT_PAIRS))
        timings["exact"] = time.perf_counter() - t0
        if proof.proved:
            floats = tuple(proof.float_exact)
            extra: dict[str, Any] = {}
            missing = [d for d in float_dtypes if d not in floats]
            if missing and not covered:
                notes.append("float claims: a letter-count or reflection forward pass is not "
                             "covered by the regions' rounding bound (verify bounds the "
                             "diagonal engine's rounding up to a length)")
            if missing and regions_apply and covered:
                # the exact model is proved; regions may prove the float passes too
                try:
                    got = _attempt_regions(model, task, tolerances, max_states, missing,
                                           timings)
                except ResourceLimitError as exc:  # the proof stands; only the float claim
                    notes.append(f"float claim not attempted: {exc}")
                    got = _RegionAttempt()
                if got.check is not None:
                    floats += got.check.float_proved
                    extra = {"certificate": got.certificate, "check": got.check}
            return finish("proved", str(proof.method), proof.detail, float_proved=floats,
                          **extra)
        if proof.counterexample is not None:
            word = tuple(proof.counterexample)
            return finish("wrong", f"exact evaluation ({proof.method})",
                          f"wrong at length {len(word)}", word=word,
                          wrong_in=("exact", *_confirm(model, task, word)))
        notes.append(f"exact checker: {proof.detail}")
    depth = 0  # without an extraction, every word up to a short length is a prefix
    while len(view.alphabet) ** (depth + 1) <= 64:
        depth += 1
    prefixes: list[tuple[str, ...]] = [w for n in range(depth + 1)
                                       for w in itertools.product(view.alphabet, repeat=n)]
    fields: dict[str, Any] = {}
    if not regions_apply:
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
