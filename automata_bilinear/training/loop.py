"""Train one configuration: sample, BPTT, Adam, validate, stop, test at long lengths.

:func:`train` is the whole protocol of one run (docs/theory.md §15):

1. build the task and the rung's parameterisation; initialise ``theta``, ``h0`` and the
   readout ``C`` (and the additive term, zero, in the ablation) from the seed;
2. for each step: sample ``batch`` words with lengths in ``train_lengths``, compute the
   per-letter matrices, the loss and its gradient (one engine for every rung), pull the
   gradient back to the rung's parameters, clip, and take an Adam step;
3. every ``eval_every`` steps: the validation loss on a fixed set from the training
   distribution; stop early below ``early_stop``; a non-finite loss stops the run with
   status ``"diverged"`` and the reason;
4. export the parameters as an ordinary model of the rung (an additive term is lifted into
   one more dimension, which makes the model linear again) and test it with the normalised
   inference engine (:func:`automata_bilinear.rnn.forward`) at every test length, beside
   the majority-label baseline of the same words.

Examples
--------
>>> from automata_bilinear.training import TrainConfig, train
>>> result = train(TrainConfig(task="parity", rung="real_diagonal", hidden=4, steps=300,
...                            lr=0.05, eval_lengths=(50,), eval_sequences=64))
>>> result.record["status"], result.model.rung
('ok', 'real_diagonal')
>>> result.record["test"]["50"]["per_sequence"] > 0.9
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import AutomataBilinearError, InvalidArgumentError
from ..limits import check_memory
from ..model import BilinearModel
from ..progress import progress_bar
from ..rnn import forward
from .config import RECORD_FORMAT, RESULTS_VERSION, TrainConfig
from .engine import Adam, clip_by_global_norm, loss_and_gradients
from .parameterisations import FROZEN, get_parameterisation
from .tasks import Task, accuracy_report, chance_normalised, loss_weights, majority_baseline

__all__ = ["TrainResult", "train"]

@dataclass(frozen=True)
class TrainResult:
    """The outcome of one run.

    Attributes
    ----------
    config
        The configuration.
    record
        The JSON-ready record a sweep stores (status, losses, test metrics, timing,
        learning curve).
    model
        The trained model as an ordinary model of its rung (None when the run diverged).
        With an additive term it is the equivalent *linear* model on the full rung in
        H + 1 dimensions, ``A'_σ = [[A_σ, b_σ], [0, 1]]``, ``h'_0 = (h_0, 1)``,
        ``C' = [C, 0]``: the same predictions, and scale invariant, so it is tested with
        the normalised engine like every other model and saved like one.
    additive
        The trained additive term (D, H) in the ablation, else None.
    """

    config: TrainConfig
    record: dict[str, Any]
    model: BilinearModel | None
    additive: np.ndarray | None = None


def _finite(value: float) -> float | None:
    """JSON has no NaN or infinity: a non-finite number is recorded as null."""
    return float(value) if math.isfinite(value) else None


def _streams(seed: int) -> tuple[np.random.Generator, ...]:
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))


def _init_head(rng: np.random.Generator, hidden: int, n_labels: int, n_symbols: int,
               additive: bool) -> dict[str, np.ndarray]:
    head = {"h0": rng.standard_normal(hidden) / math.sqrt(hidden),
            "readout": rng.standard_normal((n_labels, hidden)) / math.sqrt(hidden)}
    if additive:
        head["additive"] = np.zeros((n_symbols, hidden))
    return head


def _lifted(A: np.ndarray, additive: np.ndarray, h0: np.ndarray, readout: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The affine recurrence ``h ← A_σ h + b_σ`` as a linear one in H + 1 dimensions:
    ``A'_σ = [[A_σ, b_σ], [0, 1]]``, ``h'_0 = (h_0, 1)``, ``C' = [C, 0]``. It is exactly the
    same model, and it is scale invariant, so the normalised engine runs it without
    overflow."""
    D, H, _ = A.shape
    lifted = np.zeros((D, H + 1, H + 1))
    lifted[:, :H, :H] = A
    lifted[:, :H, H] = additive
    lifted[:, H, H] = 1.0
    return lifted, np.append(h0, 1.0), np.hstack([readout, np.zeros((readout.shape[0], 1))])


def _export(config: TrainConfig, task: Task, theta: dict[str, np.ndarray],
            head: dict[str, np.ndarray]) -> BilinearModel:
    """The trained model as an ordinary model of its rung; with an additive term, the
    equivalent linear model on the full rung in H + 1 dimensions (:func:`_lifted`)."""
    param = get_parameterisation(config.rung)
    h0 = head["h0"].astype(np.float64)
    readout = head["readout"].astype(np.float64)
    metadata = {"task": config.task, "training": config.to_dict(), "run_key": config.key()}
    if "additive" in head:
        A, h0, readout = _lifted(param.matrices(theta).astype(np.float64),
                                 head["additive"].astype(np.float64), h0, readout)
        rung = "full"
        native = {"W": np.ascontiguousarray(np.moveaxis(A, 0, 2))}
        metadata["additive_lifted"] = ("h ← A_σ h + b_σ in H + 1 dimensions: "
                                       "A' = [[A_σ, b_σ], [0, 1]], h0' = (h0, 1), C' = [C, 0]")
    else:
        rung = config.rung
        native = {k: np.asarray(v, dtype=np.complex128 if np.iscomplexobj(v) else np.float64)
                  for k, v in param.export(theta).items()}
    return BilinearModel(
        rung=rung, params=native, h0=h0, readout=readout, alphabet=task.machine.alphabet,
        output_labels=task.machine.output_labels, construction="trained", metadata=metadata)


def _validation_loss(param: Any, theta: dict[str, np.ndarray], head: dict[str, np.ndarray],
                     val: tuple[np.ndarray, np.ndarray, np.ndarray]) -> float:
    tokens, labels, weights = val
    return loss_and_gradients(param.matrices(theta), head["h0"], head["readout"], tokens,
                              labels, weights, head.get("additive")).loss


def _evaluate(config: TrainConfig, task: Task, model: BilinearModel,
              rng: np.random.Generator) -> dict[str, dict[str, float]]:
    out = {}
    for length in config.eval_lengths:
        tokens, lengths = task.sample(rng, config.eval_sequences, length, length)
        labels = task.labels(tokens)
        preds = forward(model, tokens, dtype=config.dtype).predictions[:, 1:]
        report = accuracy_report(preds, labels, lengths, n_labels=task.n_labels)
        baseline = majority_baseline(labels, lengths)
        baseline["majority_per_sequence_normalised"] = chance_normalised(
            baseline["majority_per_sequence"], task.n_labels)
        out[str(length)] = {**report, **baseline}
    return out


def _estimated_bytes(config: TrainConfig, task: Task) -> int:
    """Peak memory of a run, roughly: the matrices and their gradient, the stacked copies of
    the letter products, the parameters with Adam's two moments, Householder factors, and
    the states of a batch, of the validation set and of one test batch."""
    D, H = task.n_symbols, config.hidden
    factors = (config.factors or 1) if config.rung == "householder" else 0
    matrices = D * H * H * (8 + 3 * factors) + 3 * (config.rank or H) * (2 * H + D)
    width = config.train_lengths[1] + 1
    states = (config.batch + config.val_sequences) * width * (2 * H + 3 * task.n_labels)
    test = 128 * (H + 2) + config.eval_sequences * (max(config.eval_lengths) + 1) * 3
    return 8 * (matrices + states + test)


def train(config: TrainConfig, *, show_progress: bool = False) -> TrainResult:
    """Run one configuration; see the module docstring.

    Parameters
    ----------
    config
        The run (:class:`~automata_bilinear.training.config.TrainConfig`).
    show_progress
        A progress bar over the steps (on an interactive terminal).

    Returns
    -------
    TrainResult
        ``record["status"]`` is ``"ok"``, ``"diverged"`` (a non-finite loss; ``reason`` says
        at which step) or ``"invalid_model"`` (the trained parameters violate the rung's
        stored form; ``reason`` quotes it).
    """
    if not isinstance(config, TrainConfig):
        raise InvalidArgumentError(f"config must be a TrainConfig, got "
                                   f"{type(config).__name__}")
    started = time.perf_counter()
    task = Task.from_spec(config.task)
    check_memory(f"training {config.rung} with H = {config.hidden} on {config.task}",
                 _estimated_bytes(config, task))
    param = get_parameterisation(config.rung)
    dt = np.dtype(config.dtype)
    init_rng, data_rng, val_rng, test_rng = _streams(config.seed)
    theta = {k: v.astype(dt) for k, v in
             param.init(init_rng, config.hidden, task.n_symbols, config.rung_options).items()}
    head = {k: v.astype(dt) for k, v in
            _init_head(init_rng, config.hidden, task.n_labels, task.n_symbols,
                       config.additive).items()}
    final_only = config.loss == "final"
    lo, hi = config.train_lengths
    val_tokens, val_lengths = task.sample(val_rng, config.val_sequences, lo, hi)
    val = (val_tokens, task.labels(val_tokens),
           loss_weights(val_lengths, hi, final_only).astype(dt))
    optimiser = Adam(config.lr)
    curve: list[list[float]] = []
    status, reason, early, step = "ok", "", False, 0
    recent: list[float] = []
    val_loss = _validation_loss(param, theta, head, val)
    curve.append([0, float("nan"), val_loss])
    bar = progress_bar(desc=f"train {config.rung} on {config.task}", total=config.steps,
                       unit="step") if show_progress else None
    for step in range(1, config.steps + 1):
        tokens, lengths = task.sample(data_rng, config.batch, lo, hi)
        labels = task.labels(tokens)
        weights = loss_weights(lengths, hi, final_only).astype(dt)
        out = loss_and_gradients(param.matrices(theta), head["h0"], head["readout"], tokens,
                                 labels, weights, head.get("additive"))
        if not math.isfinite(out.loss):
            status, reason = "diverged", f"non-finite training loss at step {step}"
            step -= 1   # the update of this step never happened
            break
        grads = {f"theta.{k}": v for k, v in
                 param.pullback(theta, out.gradients["A"]).items() if k not in FROZEN}
        grads.update({f"head.{k}": v for k, v in out.gradients.items() if k != "A"})
        if not all(np.all(np.isfinite(g)) for g in grads.values()):
            status, reason = "diverged", f"non-finite gradient at step {step}"
            step -= 1
            break
        clip_by_global_norm(grads, config.clip)
        named = {f"theta.{k}": v for k, v in theta.items() if k not in FROZEN}
        named.update({f"head.{k}": v for k, v in head.items()})
        optimiser.step(named, grads)
        recent.append(out.loss)
        if bar is not None:
            bar.update(1)
        if step % config.eval_every == 0 or step == config.steps:
            val_loss = _validation_loss(param, theta, head, val)
            curve.append([step, float(np.mean(recent)), val_loss])
            recent = []
            if not math.isfinite(val_loss):
                status, reason = "diverged", f"non-finite validation loss at step {step}"
                break
            if config.early_stop is not None and val_loss < config.early_stop:
                early = True
                break
    if bar is not None:
        bar.close()
    trained_seconds = time.perf_counter() - started
    model, test = None, None
    if status == "ok":
        try:
            model = _export(config, task, theta, head)
        except AutomataBilinearError as exc:
            status, reason = "invalid_model", str(exc)
    if model is not None:
        test = _evaluate(config, task, model, test_rng)
    record = {
        "format": RECORD_FORMAT, "version": RESULTS_VERSION, "key": config.key(),
        "package_version": __version__, "config": config.to_dict(), "status": status,
        "reason": reason, "steps_run": step, "early_stopped": early,
        "val_loss": _finite(val_loss), "test": test,
        "n_labels": task.n_labels, "train_seconds": round(trained_seconds, 3),
        "seconds": round(time.perf_counter() - started, 3),
        "curve": [[int(s), _finite(a), _finite(b)] for s, a, b in curve],
    }
    additive = head["additive"].astype(np.float64) if config.additive else None
    return TrainResult(config, record, model, additive)
