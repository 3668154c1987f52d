"""Stacks of bilinear layers with the discrete cascade interface (docs/theory.md §12).

A k-layer :class:`StackedModel` reads a token x_t. Layer 0 is an ordinary bilinear model
over the stack's alphabet; it updates its state and predicts a label ``y⁰_t``. Layer l ≥ 1
reads, as its letter, ``interfaces[l−1][y⁰_t, …, y^{l−1}_t, x_t]`` — an index into its own
alphabet computed from the labels of all lower layers *after* the current token and the
token itself (a residual stream, discretised). The task output is
``output[y⁰_t, …, y^{k−1}_t]``, an index into ``output_labels``. At t = 0 (the empty
prefix) every layer predicts from its h0. This is the cascade product of the layers'
automata, which is what makes depth add power: commutative layers stacked k deep track
exactly the groups of derived length ≤ k.

Examples
--------
>>> import numpy as np
>>> from automata_bilinear import build, compile_bilinear
>>> parity = compile_bilinear(build("parity"), "sign_diagonal")
>>> stack = StackedModel((parity,), parity.alphabet, (), np.array([0, 1]), (0, 1))
>>> stack.depth, stack.output_labels
(1, (0, 1))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .automata.machine import OutputLabel, check_output_label, check_symbol_labels, label_key
from .errors import AutomatonError, InvalidArgumentError, ModelError
from .frozen import freeze
from .model import BilinearModel

__all__ = ["StackedModel", "check_stack"]


def _index_array(name: str, value: Any, shape: tuple[int, ...], high: int, what: str
                 ) -> np.ndarray:
    try:
        arr = np.array(value, copy=True)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} is not an array: {exc}") from None
    if arr.shape != shape:
        raise ModelError(f"{name} has shape {arr.shape}, expected {shape} (one entry per "
                         f"combination of {what})")
    if arr.size and (arr.dtype.kind not in "iuf" or not np.all(np.isfinite(arr))
                     or np.any(arr != np.round(arr))):
        raise ModelError(f"{name} must hold finite integer indices")
    out = arr.astype(np.int64)
    if out.size and (out.min() < 0 or out.max() >= high):
        bad = tuple(int(i) for i in np.argwhere((out < 0) | (out >= high))[0])
        raise ModelError(f"{name}: entry {int(out[bad])} at {bad} is outside 0..{high - 1}")
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class StackedModel:
    """k bilinear layers joined by the cascade interface (see the module docstring).

    Attributes
    ----------
    layers
        The layer models, bottom first (any rungs).
    alphabet
        The stack's tokens; layer 0's alphabet must be exactly this.
    interfaces
        k − 1 integer arrays; ``interfaces[l−1]`` has shape ``(Y_0, …, Y_{l−1}, D)`` (Y_i the
        number of output labels of layer i) and gives layer l's letter index.
    output
        Integer array of shape ``(Y_0, …, Y_{k−1})``: the task output's index.
    output_labels
        The task's output labels.
    construction, metadata
        Free text and information (read-only).
    """

    layers: tuple[BilinearModel, ...]
    alphabet: tuple[str, ...]
    interfaces: tuple[np.ndarray, ...]
    output: np.ndarray
    output_labels: tuple[OutputLabel, ...]
    construction: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        layers = tuple(self.layers) if isinstance(self.layers, Sequence) else None
        if not layers or not all(isinstance(m, BilinearModel) for m in layers):
            raise ModelError("layers must be a non-empty sequence of BilinearModel (k ≥ 1)")
        try:
            alphabet = check_symbol_labels(self.alphabet)
            labels = tuple(check_output_label(y, f"output_labels[{i}]")
                           for i, y in enumerate(self.output_labels))
        except AutomatonError as exc:
            raise ModelError(f"stack {exc}") from None
        if layers[0].alphabet != alphabet:
            raise ModelError(f"layer 0 reads {list(layers[0].alphabet)[:6]}…, but the stack's "
                             f"alphabet is {list(alphabet)[:6]}…: they must be the same")
        given = self.interfaces
        if not isinstance(given, Sequence) or len(given) != len(layers) - 1:
            count = len(given) if isinstance(given, Sequence) else repr(given)
            raise ModelError(f"{len(layers)} layers need {len(layers) - 1} interface arrays, "
                             f"got {count}")
        sizes = [len(m.output_labels) for m in layers]
        interfaces = tuple(
            _index_array(f"interfaces[{i}] (letters of layer {i + 1})", arr,
                         (*sizes[:i + 1], len(alphabet)), layers[i + 1].n_symbols,
                         "lower-layer labels and token")
            for i, arr in enumerate(self.interfaces))
        output = _index_array("output", self.output, tuple(sizes), len(labels),
                              "the layers' labels")
        if len({label_key(y) for y in labels}) != len(labels):
            raise ModelError("stack output_labels has a repeated label")
        if not isinstance(self.metadata, dict):
            raise ModelError(f"metadata must be a mapping, got {type(self.metadata).__name__}")
        object.__setattr__(self, "layers", layers)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "output_labels", labels)
        object.__setattr__(self, "interfaces", interfaces)
        object.__setattr__(self, "output", output)
        object.__setattr__(self, "metadata", freeze(self.metadata))

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def n_symbols(self) -> int:
        return len(self.alphabet)

    @property
    def hidden_size(self) -> int:
        """Total hidden units over the layers."""
        return sum(m.hidden_size for m in self.layers)

    @property
    def parameter_count(self) -> int:
        return sum(m.parameter_count for m in self.layers)

    def __repr__(self) -> str:
        sizes = "+".join(str(m.hidden_size) for m in self.layers)
        rungs = ", ".join(m.rung for m in self.layers)
        return (f"<StackedModel {self.depth} layers ({rungs}): H={sizes}, D={self.n_symbols}, "
                f"Y={len(self.output_labels)}, {self.construction or 'user stack'}>")


def check_stack(value: Any, argument: str = "model") -> StackedModel:
    """``value`` if it is a :class:`StackedModel`, else an :class:`InvalidArgumentError`."""
    if isinstance(value, StackedModel):
        return value
    raise InvalidArgumentError(f"{argument}: expected a StackedModel, got "
                               f"{type(value).__name__}")
