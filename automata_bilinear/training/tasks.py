"""Tasks for training: any automaton spec, sampled words with per-step labels, and metrics.

A task is a Moore machine (:func:`automata_bilinear.catalog.specs.build`); its label after
reading a prefix is the machine's output there, so every family is a sequence-labelling
task: ``cyclic:m`` is the source paper's modular addition, ``random:states=m`` its random
state machines, ``parity`` parity. Words are drawn letter by letter, uniformly from the
alphabet, with lengths uniform in a range (an assumption where a paper's generator is
unknown — for ``modular_arithmetic`` this means most words are malformed and end in the
machine's error state; the DeepMind generator alternates numbers and operators).

Metrics (see TASKS.md's definitions, restated in docs/theory.md §15):

- per-token accuracy: the fraction of positions 1..T predicted right;
- per-sequence accuracy: the fraction of words whose final label is right;
- chance-normalised: ``(acc − 1/|Y|) / (1 − 1/|Y|)`` for |Y| output labels (0 = chance,
  1 = perfect; exact for equiprobable labels, a convention otherwise).

Examples
--------
>>> import numpy as np
>>> task = Task.from_spec("cyclic:3")
>>> tokens, lengths = task.sample(np.random.default_rng(0), 2, 2, 4)
>>> labels = task.labels(tokens)
>>> int(labels[0, 1]) == (int(tokens[0, 0]) + int(tokens[0, 1])) % 3
True
>>> accuracy_report(labels, labels, lengths, n_labels=3)["per_sequence"]
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..automata.simulate import run_batch
from ..catalog.specs import build
from ..errors import InvalidArgumentError

__all__ = ["Task", "accuracy_report", "chance_normalised", "loss_weights", "majority_baseline"]


@dataclass(frozen=True)
class Task:
    """A sequence-labelling task read off a Moore machine.

    Attributes
    ----------
    spec
        The spec it was built from (or the machine's name).
    machine
        The machine; label codes index ``machine.output_labels``.
    """

    spec: str
    machine: MooreMachine

    @classmethod
    def from_spec(cls, spec: str | MooreMachine) -> Task:
        """Build the task of a spec string (raises :class:`~automata_bilinear.errors.SpecError`
        for an unknown family) or wrap a machine."""
        machine = check_machine(build(spec), "task")
        return cls(spec if isinstance(spec, str) else machine.name, machine)

    @property
    def n_symbols(self) -> int:
        return self.machine.n_symbols

    @property
    def n_labels(self) -> int:
        return len(self.machine.output_labels)

    def sample(self, rng: np.random.Generator, count: int, min_length: int, max_length: int
               ) -> tuple[np.ndarray, np.ndarray]:
        """``count`` words with lengths uniform in [min_length, max_length] and letters
        uniform over the alphabet: tokens (count, max_length) padded with letter 0, and the
        lengths (count,)."""
        if min_length > max_length:
            raise InvalidArgumentError(f"lengths: min {min_length} > max {max_length}")
        lengths = rng.integers(min_length, max_length + 1, count)
        tokens = rng.integers(0, self.n_symbols, (count, max_length))
        tokens[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
        return tokens, lengths

    def labels(self, tokens: np.ndarray) -> np.ndarray:
        """(B, T) label codes: entry t is the output after reading ``tokens[:, :t + 1]``."""
        return self.machine.output_codes[run_batch(self.machine, tokens)[:, 1:]]


def loss_weights(lengths: np.ndarray, width: int, final_only: bool) -> np.ndarray:
    """(B, width) loss weights summing to 1: every real position equally (per-token loss),
    or only each word's last position (final-only loss)."""
    positions = np.arange(width)[None, :]
    if final_only:
        mask = positions == (lengths[:, None] - 1)
    else:
        mask = positions < lengths[:, None]
    return mask / mask.sum()


def chance_normalised(accuracy: float, n_labels: int) -> float:
    """``(acc − 1/|Y|) / (1 − 1/|Y|)``; with one label every prediction is right (1.0)."""
    if n_labels <= 1:
        return 1.0
    chance = 1.0 / n_labels
    return (accuracy - chance) / (1 - chance)


def accuracy_report(predictions: np.ndarray, labels: np.ndarray, lengths: np.ndarray, *,
                    n_labels: int) -> dict[str, float]:
    """Per-token, per-sequence and chance-normalised accuracies of (B, T) predictions
    against labels, counting positions before each word's length."""
    real = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    right = predictions == labels
    per_token = float(right[real].mean())
    last = lengths - 1
    per_sequence = float(right[np.arange(len(lengths)), last].mean())
    return {"per_token": per_token, "per_sequence": per_sequence,
            "per_token_normalised": chance_normalised(per_token, n_labels),
            "per_sequence_normalised": chance_normalised(per_sequence, n_labels)}


def majority_baseline(labels: np.ndarray, lengths: np.ndarray) -> dict[str, float]:
    """The accuracies of the best constant predictor on these words (the most frequent label
    among the real positions, and among the final labels), raw and chance-normalised.

    Chance normalisation assumes equiprobable labels; where they are not (random machines,
    flip-flops), this baseline is above 0 and is the number a learned model must beat.

    Examples
    --------
    >>> import numpy as np
    >>> majority_baseline(np.array([[0, 0], [0, 1]]), np.array([2, 2]))["majority_per_token"]
    0.75
    """
    n_labels = int(labels.max()) + 1 if labels.size else 1
    real = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    tokens = np.bincount(labels[real], minlength=n_labels)
    finals = np.bincount(labels[np.arange(len(lengths)), lengths - 1], minlength=n_labels)
    per_token = float(tokens.max() / tokens.sum())
    per_sequence = float(finals.max() / finals.sum())
    return {"majority_per_token": per_token, "majority_per_sequence": per_sequence}
