"""Proving that a bilinear model computes an automaton on every word, and testing it.

:func:`verify` returns a :class:`VerificationReport` naming its method:

- ``finite-image search`` — breadth-first over pairs (automaton state, exact hidden vector)
  using the model's exact dynamics (:mod:`automata_bilinear.dynamics`). The walk is finite,
  every pair's readout margin exceeds the floating-point rounding bound, and the stored float
  matrices agree with the exact dynamics on the image: the model is right on all words.
- ``analytic margin bound`` — decay constructions: the readout error over *all* letter-count
  vectors is bounded in exact rational arithmetic below half the margin, and the automaton is
  checked to be commutative with the letter indices/periods the construction assumed.
- ``weighted-automaton equivalence`` — exact-valued models (``C h_t = onehot(out_t)``):
  Tzeng's basis search over the difference automaton in exact rationals; on failure it returns
  a shortest distinguishing word.

A model without an exact description can only get the ``numerical`` line: a float64/float32
run on long random words reporting the first failing length and the minimum margin. That line
is evidence, never proof, and the report says so.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .automaton import MooreMachine
from .dynamics import OneHotDynamics, dynamics_from_json
from .errors import AutomataBilinearError
from .model import BilinearModel
from .reachability import reachable_states
from .readout import readout_margins
from .simulate import random_words

__all__ = [
    "NumericalReport",
    "VerificationError",
    "VerificationReport",
    "numerical_check",
    "verify",
]

_EPS = np.finfo(np.float64).eps


class VerificationError(AutomataBilinearError):
    """A model and an automaton cannot be compared (alphabet or outputs do not match)."""


@dataclass(frozen=True)
class NumericalReport:
    """Floating-point run of the model against the automaton on random words (evidence)."""

    dtype: str
    steps: int
    batch: int
    first_failure: int | None
    min_margin: float

    def to_json(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "steps": self.steps, "batch": self.batch,
                "first_failure": self.first_failure, "min_margin": self.min_margin}


@dataclass(frozen=True)
class VerificationReport:
    """Outcome of :func:`verify`.

    ``proved`` is True only when ``method`` is an exact method that succeeded; the
    ``numerical`` entries never prove anything.
    """

    method: str
    proved: bool
    detail: str
    counterexample: tuple[str, ...] | None = None
    image_size: int | None = None
    min_margin: float | None = None
    rounding_bound: float | None = None
    numerical: tuple[NumericalReport, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method, "proved": self.proved, "detail": self.detail,
            "counterexample": None if self.counterexample is None else list(
                self.counterexample),
            "image_size": self.image_size, "min_margin": self.min_margin,
            "rounding_bound": self.rounding_bound,
            "numerical": [r.to_json() for r in self.numerical],
        }

    def summary(self) -> str:
        head = (f"PROVED for all lengths by {self.method}" if self.proved
                else f"NOT proved ({self.method})")
        lines = [f"{head}: {self.detail}"]
        for r in self.numerical:
            status = ("no failure" if r.first_failure is None
                      else f"first failure at length {r.first_failure}")
            lines.append(f"  numerical evidence, {r.dtype}: {r.batch} random words × "
                         f"{r.steps} steps, {status}, min margin {r.min_margin:.3g}")
        return "\n".join(lines)


def _alignment(model: BilinearModel, automaton: MooreMachine) -> tuple[np.ndarray, np.ndarray]:
    """Model letter index per automaton symbol, and readout row per automaton output code."""
    if set(model.alphabet) != set(automaton.alphabet):
        raise VerificationError(
            f"model alphabet {sorted(model.alphabet)[:10]} differs from the automaton's "
            f"{sorted(automaton.alphabet)[:10]}"
        )
    letter = np.array([model.alphabet.index(s) for s in automaton.alphabet], dtype=np.int64)
    rows = np.array([model.output_labels.index(lab) if lab in model.output_labels else -1
                     for lab in automaton.output_labels], dtype=np.int64)
    reachable = reachable_states(automaton)
    missing = np.flatnonzero(rows[automaton.output_codes[reachable]] < 0)
    if missing.size:
        lab = automaton.outputs[int(reachable[missing[0]])]
        raise VerificationError(
            f"the automaton outputs {lab!r}, which is not among the model's output labels")
    return letter, rows


def _rounding_bound(model: BilinearModel, vectors: np.ndarray) -> float:
    """Bound on the float error of the readout scores on exact vectors of this size."""
    H = model.hidden_size
    row_mass = np.abs(model.readout).sum(axis=1).max()
    scale = max(1.0, float(np.abs(vectors).max(initial=0.0)))
    bias = 0.0 if model.bias is None else float(np.abs(model.bias).max())
    return float(16 * (H + 2) * _EPS * (row_mass * scale + bias))


def _finite_image(model: BilinearModel, automaton: MooreMachine, max_pairs: int
                  ) -> VerificationReport:
    dyn = dynamics_from_json(model.exact["dynamics"])  # type: ignore[index]
    letter, rows = _alignment(model, automaton)
    table = automaton.transitions
    start = (automaton.start, dyn.initial())
    index = {start: 0}
    pairs = [start]
    parent = [(-1, -1)]
    successor = []
    queue = deque([0])
    while queue:
        i = queue.popleft()
        q, v = pairs[i]
        succ = []
        for a in range(automaton.n_symbols):
            nxt = (int(table[q, a]), dyn.step(v, int(letter[a])))
            j = index.get(nxt)
            if j is None:
                if len(pairs) >= max_pairs:
                    return VerificationReport(
                        "finite-image search", False,
                        f"more than {max_pairs} (state, hidden vector) pairs: the image is "
                        "not finite or too large to enumerate")
                j = index[nxt] = len(pairs)
                pairs.append(nxt)
                parent.append((i, a))
                queue.append(j)
            succ.append(j)
        successor.append(succ)
    succ_arr = np.array(successor, dtype=np.int64).reshape(len(pairs), automaton.n_symbols)
    X = dyn.to_model([v for _, v in pairs])
    if X.shape[1] != model.hidden_size:
        return VerificationReport("finite-image search", False,
                                  f"exact dynamics has dimension {X.shape[1]}, the model "
                                  f"{model.hidden_size}")
    # the stored float matrices must be the exact ones (up to rounding) on the image
    A = model.transitions
    if isinstance(dyn, OneHotDynamics):
        H = model.hidden_size
        ok = all(
            np.count_nonzero(A[i]) == H
            and np.all(A[i][dyn.table[:, i], np.arange(H)] == 1.0)
            for i in range(model.n_symbols)
        ) and np.array_equal(model.h0, X[0])
        worst = 0.0 if ok else np.inf
    else:
        worst = float(np.abs(model.h0 - X[0]).max())
        for a in range(automaton.n_symbols):
            diff = X @ A[letter[a]].T - X[succ_arr[:, a]]
            worst = max(worst, float(np.abs(diff).max()))
    tol = 1e-9 * max(1.0, float(np.abs(X).max()))
    if worst > tol:
        return VerificationReport(
            "finite-image search", False,
            f"the stored matrices differ from the exact dynamics by {worst:.3g} on the image")
    targets = rows[automaton.output_codes[[q for q, _ in pairs]]]
    margins = readout_margins(model.readout, X, targets)
    if model.bias is not None:
        s = X @ model.readout.T + model.bias
        r = np.arange(len(X))
        correct = s[r, targets]
        s[r, targets] = -np.inf
        margins = correct - s.max(axis=1)
    bound = _rounding_bound(model, X)
    worst_i = int(np.argmin(margins))
    min_margin = float(margins[worst_i])
    if min_margin <= bound:
        word = []
        i = worst_i
        while parent[i][0] >= 0:
            i, a = parent[i]
            word.append(automaton.alphabet[a])
        return VerificationReport(
            "finite-image search", False,
            f"readout margin {min_margin:.3g} is not above the rounding bound {bound:.3g}",
            counterexample=tuple(reversed(word)), image_size=len(pairs),
            min_margin=min_margin, rounding_bound=bound)
    return VerificationReport(
        "finite-image search", True,
        f"{len(pairs)} reachable (state, exact vector) pairs via {dyn.description}; "
        f"min readout margin {min_margin:.3g} > rounding bound {bound:.2g}",
        image_size=len(pairs), min_margin=min_margin, rounding_bound=bound)


def numerical_check(model: BilinearModel, automaton: MooreMachine, *, steps: int = 10_000,
                    batch: int = 8, seed: int = 0, dtype: str = "float64",
                    max_flops: float = 4e9) -> NumericalReport:
    """Run the model in floating point on random words, normalising ``h`` every step.

    Runs :func:`automata_bilinear.rnn.forward`. Returns the first length at which a
    prediction differs from the automaton or ties (None if none) and the minimum margin: the
    gap between the two best scores with ``max|h| = 1``, counted negative where the
    prediction is wrong. The number of
    steps is reduced so the run stays under ``max_flops`` (large one-hot models).
    """
    from .rnn import forward
    from .simulate import run_batch

    letter, rows = _alignment(model, automaton)
    H = model.hidden_size
    steps = int(max(1, min(steps, max_flops // max(1, batch * H * H))))
    words = random_words(automaton, batch, steps, seed)
    out = forward(model, letter[words], dtype=dtype)
    truth = rows[automaton.output_codes[run_batch(automaton, words)]]
    margins = np.nan_to_num(out.margins, nan=-np.inf)
    bad = (out.predictions != truth) | ~(margins > 0)
    failing = np.flatnonzero(bad.any(axis=0))
    signed = np.where(bad, -np.abs(margins), margins)  # negative where a prediction is wrong
    return NumericalReport(dtype=str(np.dtype(dtype)), steps=steps, batch=batch,
                           first_failure=int(failing[0]) if failing.size else None,
                           min_margin=float(signed.min()))


def verify(model: BilinearModel, automaton: MooreMachine, *, numerical: bool = True,
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
        Cap on the finite-image search.

    Examples
    --------
    >>> from automata_bilinear.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> m = build("cyclic:5")
    >>> report = verify(compile_bilinear(m, "rotation"), m, numerical=False)
    >>> report.proved, report.method
    (True, 'finite-image search')
    """
    exact = model.exact or {}
    method = exact.get("method")
    if method == "finite_image":
        report = _finite_image(model, automaton, max_pairs)
    elif method == "decay_bound":
        from .compilation import verify_decay

        report = verify_decay(model, automaton)
    elif method == "threshold_bound":
        from .compilation import verify_threshold

        report = verify_threshold(model, automaton)
    elif method == "wfa_equivalence":
        from .wfa import verify_exact_valued

        report = verify_exact_valued(model, automaton)
    else:
        _alignment(model, automaton)
        report = VerificationReport(
            "numerical only", False,
            "the model carries no exact description, so nothing is proved; see the "
            "numerical evidence")
    if numerical:
        nums = tuple(numerical_check(model, automaton, steps=steps, batch=batch, seed=seed,
                                     dtype=dt) for dt in ("float64", "float32"))
        report = VerificationReport(**{**report.__dict__, "numerical": nums})
    return report
