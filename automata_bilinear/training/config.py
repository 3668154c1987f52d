"""One training run's configuration, validated and hashable; and the two presets.

A :class:`TrainConfig` fixes everything a run depends on, so its :meth:`~TrainConfig.key`
(a hash of the canonical JSON) identifies the run in a results file: a sweep that meets a
key it already holds skips that run (resume).

Presets (:data:`PRESETS`) fill in the protocol. The source paper (Ebrahimi & Memisevic 2025)
states hidden size 256, batch 64, 100,000 steps, lengths 2–10 for training and 500 for
testing, and the best of three learning rates; everything else is an assumption, and each
preset lists its assumed fields in ``assumed``.

Examples
--------
>>> cfg = TrainConfig(task="cyclic:3", rung="block", block_size=2, hidden=8, steps=10)
>>> cfg.key() == TrainConfig(task="cyclic:3", rung="block", block_size=2, hidden=8,
...                          steps=10).key()
True
>>> TrainConfig(task="parity", rung="full", lr=0.0)
Traceback (most recent call last):
...
automata_bilinear.errors.InvalidArgumentError: lr must be a finite number > 0, got 0.0
>>> sorted(PRESETS)
['paper', 'reduced']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import InvalidArgumentError
from ..validation import check_integer
from .parameterisations import get_parameterisation

__all__ = ["PRESETS", "RECORD_FORMAT", "RESULTS_VERSION", "Preset", "TrainConfig", "preset_config"]

RESULTS_VERSION = 1
"""Version of the training-results format; part of every run key, so a changed protocol
never silently resumes from old runs."""

RECORD_FORMAT = "automata-bilinear-training-run"
"""The ``format`` field of every run record (one JSON line of a results file)."""

_RUNG_OPTIONS = ("rank", "block_size", "factors", "beta_max")


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    return check_integer(value, name, minimum=minimum)


def _positive_float(value: Any, name: str, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise InvalidArgumentError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _lengths(value: Any, name: str) -> tuple[int, ...]:
    try:
        out = tuple(value)
    except TypeError:
        raise InvalidArgumentError(f"{name} must be a sequence of lengths, got "
                                   f"{value!r}") from None
    for v in out:
        _positive_int(v, f"{name} entries")
    return out


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run depends on (validated on construction).

    Attributes
    ----------
    task
        A spec string (``"cyclic:5"``, ``"random:states=10,symbols=2,seed=0"``, ``"parity"``).
    rung
        A trainable rung (:data:`~automata_bilinear.training.parameterisations.TRAINABLE_RUNGS`).
    hidden
        Hidden size H ≥ 1.
    lr
        Adam's learning rate, finite and > 0.
    seed
        Seeds initialisation, training data, validation and test words (one
        ``numpy.random.SeedSequence`` split four ways; the data streams do not depend on
        the rung, so all rungs of a seed see the same words).
    steps, batch
        Optimiser steps and words per step.
    train_lengths
        (min, max) word lengths for training and validation, min ≤ max.
    eval_lengths
        Test lengths (one test set of ``eval_sequences`` words per length).
    loss
        ``"per_token"`` (every position supervised) or ``"final"`` (the last label only).
    additive
        Add a trained input term ``b_{x_t}`` (the ablation). The trained model is saved and
        tested as the equivalent linear model in H + 1 dimensions, on the full rung.
    dtype
        ``"float64"`` or ``"float32"`` for training and evaluation.
    clip
        Largest global gradient norm (None: no clipping).
    early_stop
        Stop once the validation loss falls below this (None: run all steps).
    eval_every
        Steps between validation checks (and learning-curve points).
    rank, block_size, factors, beta_max
        Rung options: CP rank (default H), block size (default 2), Householder factors per
        letter (default 1) and β_max (2: eigenvalues in [−1, 1], default; 1: in [0, 1]).
        An option another rung does not read is an error.
    """

    task: str
    rung: str
    hidden: int = 64
    lr: float = 1e-3
    seed: int = 0
    steps: int = 2_000
    batch: int = 64
    train_lengths: tuple[int, int] = (2, 10)
    eval_lengths: tuple[int, ...] = (500,)
    eval_sequences: int = 256
    val_sequences: int = 256
    loss: str = "per_token"
    additive: bool = False
    dtype: str = "float64"
    clip: float | None = 1.0
    early_stop: float | None = 1e-4
    eval_every: int = 100
    rank: int | None = None
    block_size: int | None = None
    factors: int | None = None
    beta_max: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.task, str) or not self.task.strip():
            raise InvalidArgumentError(f"task must be a non-empty spec string, got "
                                       f"{self.task!r}")
        param = get_parameterisation(self.rung)
        object.__setattr__(self, "hidden", _positive_int(self.hidden, "hidden"))
        object.__setattr__(self, "lr", _positive_float(self.lr, "lr"))
        object.__setattr__(self, "seed", _positive_int(self.seed, "seed", minimum=0))
        object.__setattr__(self, "steps", _positive_int(self.steps, "steps", minimum=0))
        object.__setattr__(self, "batch", _positive_int(self.batch, "batch"))
        lengths = _lengths(self.train_lengths, "train_lengths")
        if len(lengths) != 2:
            raise InvalidArgumentError(f"train_lengths must be (min, max), got {lengths!r}")
        if lengths[0] > lengths[1]:
            raise InvalidArgumentError(f"train_lengths: min {lengths[0]} > max {lengths[1]}")
        object.__setattr__(self, "train_lengths", lengths)
        evals = _lengths(self.eval_lengths, "eval_lengths")
        if not evals:
            raise InvalidArgumentError("eval_lengths must name at least one test length")
        object.__setattr__(self, "eval_lengths", evals)
        for name in ("eval_sequences", "val_sequences"):
            object.__setattr__(self, name, _positive_int(getattr(self, name), name))
        if self.loss not in ("per_token", "final"):
            raise InvalidArgumentError(f"loss must be 'per_token' or 'final', got {self.loss!r}")
        if not isinstance(self.additive, bool):
            raise InvalidArgumentError(f"additive must be True or False, got {self.additive!r}")
        if self.dtype not in ("float64", "float32"):
            raise InvalidArgumentError(f"dtype must be 'float64' or 'float32', got "
                                       f"{self.dtype!r}")
        object.__setattr__(self, "clip", _positive_float(self.clip, "clip", allow_none=True))
        object.__setattr__(self, "early_stop",
                           _positive_float(self.early_stop, "early_stop", allow_none=True))
        object.__setattr__(self, "eval_every", _positive_int(self.eval_every, "eval_every"))
        for name in _RUNG_OPTIONS:
            if getattr(self, name) is not None and name not in param.option_names:
                raise InvalidArgumentError(
                    f"option {name} does not apply to rung {self.rung!r}"
                    + (f" (it reads: {', '.join(param.option_names)})" if param.option_names
                       else " (it takes no options)"))
        param.check(self.hidden, self.rung_options)
        # one spelling per run: the defaults are written out, so block and block:2 (or
        # cp and cp:H) are the same configuration with the same key
        defaults = {"block": {"block_size": 2}, "cp": {"rank": self.hidden},
                    "householder": {"factors": 1, "beta_max": 2.0}}.get(self.rung, {})
        for name, value in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        if self.beta_max is not None:
            object.__setattr__(self, "beta_max", float(self.beta_max))

    @property
    def rung_options(self) -> dict[str, Any]:
        """The rung options that are set."""
        return {k: getattr(self, k) for k in _RUNG_OPTIONS if getattr(self, k) is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (tuples as lists)."""
        out = dataclasses.asdict(self)
        out["train_lengths"] = list(self.train_lengths)
        out["eval_lengths"] = list(self.eval_lengths)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Rebuild from :meth:`to_dict` output; unknown fields are an error."""
        if not isinstance(data, Mapping):
            raise InvalidArgumentError(f"a configuration must be a mapping, got "
                                       f"{type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidArgumentError(f"unknown configuration field(s) {unknown}")
        values = dict(data)
        for name in ("train_lengths", "eval_lengths"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        try:
            return cls(**values)
        except TypeError as exc:  # a missing required field
            raise InvalidArgumentError(f"configuration: {exc}") from None

    def key(self) -> str:
        """A 16-hex-digit hash of the canonical JSON and :data:`RESULTS_VERSION`."""
        text = json.dumps({"v": RESULTS_VERSION, **self.to_dict()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Preset:
    """A named protocol: field values, the learning-rate grid and seeds, and which of
    them are assumptions (not stated by the source paper)."""

    name: str
    values: Mapping[str, Any]
    learning_rates: tuple[float, ...]
    seeds: tuple[int, ...]
    assumed: tuple[str, ...]
    notes: str


PRESETS: Mapping[str, Preset] = MappingProxyType({
    "paper": Preset(
        name="paper",
        values=MappingProxyType({"hidden": 256, "batch": 64, "steps": 100_000,
                                 "train_lengths": (2, 10), "eval_lengths": (500,),
                                 "eval_sequences": 500, "val_sequences": 512,
                                 "loss": "per_token", "clip": 1.0, "early_stop": 1e-4,
                                 "eval_every": 500}),
        learning_rates=(1e-3, 1e-4, 1e-5),
        seeds=(10, 20, 30),
        assumed=("learning_rates", "seeds", "loss", "clip", "early_stop", "eval_sequences",
                 "val_sequences", "eval_every", "optimiser Adam(0.9, 0.999)",
                 "initialisation", "one-hot input", "cp rank = H",
                 "random machines: 2 letters, output = state"),
        notes="Stated by the paper: H = 256, batch 64, 100k steps, train 2–10, test 500, "
              "best of 3 learning rates. The learning-rate values, seeds, per-token loss "
              "and early stopping below 1e-4 follow the authors' follow-up (Dense-SSM, "
              "arXiv 2602.18333); clipping at 1 and the initialisations are ours.",
    ),
    "reduced": Preset(
        name="reduced",
        values=MappingProxyType({"hidden": 64, "batch": 64, "steps": 3_000,
                                 "train_lengths": (2, 10), "eval_lengths": (20, 500),
                                 "eval_sequences": 256, "val_sequences": 256,
                                 "loss": "per_token", "clip": 1.0, "early_stop": 1e-6,
                                 "eval_every": 100}),
        learning_rates=(1e-2, 3e-3, 1e-3),
        seeds=(0, 1, 2),
        assumed=("hidden", "steps", "learning_rates", "seeds", "loss", "clip", "early_stop",
                 "eval_sequences", "val_sequences", "eval_every",
                 "optimiser Adam(0.9, 0.999)", "initialisation", "one-hot input",
                 "cp rank = H", "random machines: 2 letters, output = state"),
        notes="Runs on two cores: H = 64 and 3,000 steps instead of 256 and 100k, so the "
              "learning-rate grid moves up a decade (1e-5 barely moves in 3,000 steps). "
              "Early stopping waits for a validation loss of 1e-6 (stopping at 1e-4 left "
              "models that fit lengths 2–10 and failed at 20), and length 20 (2× the "
              "training length, Dense-SSM's test) is tested besides 500. Lengths, batch "
              "and the test length 500 are the paper's.",
    ),
})
"""The protocols by name (see :class:`Preset`)."""


def preset_config(preset: str, task: str, rung: str, *, lr: float | None = None,
                  seed: int | None = None, **overrides: Any) -> TrainConfig:
    """A :class:`TrainConfig` from a preset, with ``overrides`` on top (default: the grid's
    first learning rate and first seed).

    Examples
    --------
    >>> preset_config("reduced", "cyclic:5", "full").hidden
    64
    """
    chosen = PRESETS.get(preset) if isinstance(preset, str) else None
    if chosen is None:
        raise InvalidArgumentError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    values = {**chosen.values, **overrides}
    return TrainConfig(task=task, rung=rung,
                       lr=chosen.learning_rates[0] if lr is None else lr,
                       seed=chosen.seeds[0] if seed is None else seed, **values)
