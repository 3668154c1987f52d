"""The Moore machine: the one data type every task in the toolkit is expressed as.

A task is a deterministic Moore machine ``(Q, Σ, δ, q0, out)``; its value on a word ``w`` is
``out(δ(q0, w))`` (docs/theory.md §2). An acceptor is a Moore machine whose outputs are booleans.

States are the integers ``0 .. n_states-1`` (optionally with string labels), symbols are
non-empty strings without whitespace (so a word can always be written as a space-separated
string), and outputs are JSON-representable labels: ``str``, ``int``, ``bool`` or tuples of
those (products of machines output tuples).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import (
    AutomatonError,
    InvalidArgumentError,
    ResourceLimitError,
    UnknownSymbolError,
)
from ..limits import check_allocation

__all__ = [
    "MooreMachine",
    "OutputLabel",
    "Word",
    "check_machine",
    "check_output_label",
    "check_symbol_labels",
    "decode_word",
    "encode_word",
    "encode_words",
    "label_key",
    "machine_from_function",
]

OutputLabel = str | int | bool | tuple
"""An output label: a string, integer, boolean, or a tuple of output labels."""



def label_key(label: OutputLabel) -> tuple:
    """A key that compares output labels by type and value.

    Python says ``True == 1`` and ``hash(True) == hash(1)``, so a dict or a set merges
    those labels; every comparison of labels in the toolkit goes through this key instead.

    Examples
    --------
    >>> label_key(True) == label_key(1), label_key((1, "a")) == label_key((1, "a"))
    (False, True)
    """
    if isinstance(label, tuple):
        return ("tuple", tuple(label_key(x) for x in label))
    return (type(label).__name__, label)


Word = str | Sequence[Any] | np.ndarray
"""A word: a string, a sequence of symbol labels, or an integer array of symbol indices."""

_WHITESPACE = re.compile(r"\s")


def check_output_label(value: Any, where: str) -> OutputLabel:
    """Validate one output label, converting lists to tuples and numpy scalars to Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (tuple, list)):
        return tuple(check_output_label(v, f"{where}[{i}]") for i, v in enumerate(value))
    raise AutomatonError(
        f"{where}: output labels must be str, int, bool or tuples of those; got "
        f"{type(value).__name__} {value!r}"
    )


def _distinct(labels: Sequence[OutputLabel]) -> tuple[OutputLabel, ...]:
    """Distinct labels (by :func:`label_key`) in order of first appearance."""
    seen: dict[tuple, OutputLabel] = {}
    for lab in labels:
        seen.setdefault(label_key(lab), lab)
    return tuple(seen.values())


def check_symbol_labels(alphabet: Any) -> tuple[str, ...]:
    if isinstance(alphabet, str) or not isinstance(alphabet, Iterable):
        raise AutomatonError(
            f"alphabet must be a sequence of symbol labels, got {type(alphabet).__name__}"
        )
    labels: list[str] = []
    for i, sym in enumerate(alphabet):
        if isinstance(sym, np.generic):
            sym = sym.item()
        if isinstance(sym, bool) or not isinstance(sym, (str, int)):
            raise AutomatonError(
                f"alphabet[{i}]: symbol labels must be strings (or integers, converted to "
                f"strings); got {type(sym).__name__} {sym!r}"
            )
        sym = str(sym)
        if not sym or _WHITESPACE.search(sym):
            raise AutomatonError(
                f"alphabet[{i}]: symbol label {sym!r} must be non-empty and contain no whitespace"
            )
        labels.append(sym)
    if not labels:
        raise AutomatonError("alphabet is empty: a machine needs at least one symbol")
    seen: dict[str, int] = {}
    for i, sym in enumerate(labels):
        if sym in seen:
            raise AutomatonError(
                f"alphabet has duplicate symbol {sym!r} (positions {seen[sym]} and {i})"
            )
        seen[sym] = i
    return tuple(labels)


def _check_transitions(transitions: Any, n_symbols: int, alphabet: tuple[str, ...]) -> np.ndarray:
    if isinstance(transitions, np.ndarray):
        raw = transitions
    else:
        rows = list(transitions) if isinstance(transitions, Iterable) else None
        if rows is None:
            raise AutomatonError(
                "transitions must be a 2-d table of state indices, got "
                f"{type(transitions).__name__}"
            )
        if not rows:
            raise AutomatonError("transitions has no rows: a machine needs at least one state")
        for q, row in enumerate(rows):
            length = len(row) if hasattr(row, "__len__") else None
            if length != n_symbols:
                raise AutomatonError(
                    f"transitions row for state {q} has {length} entries, expected one per "
                    f"symbol ({n_symbols}: {', '.join(alphabet)})"
                )
        for q, row in enumerate(rows):
            for a, v in enumerate(row):
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                    raise AutomatonError(
                        f"transition from state {q} on symbol {alphabet[a]!r} is {v!r} "
                        f"({type(v).__name__}); transitions must hold integer state indices")
        try:
            raw = np.asarray(rows)
        except (ValueError, TypeError) as exc:
            raise AutomatonError(f"transitions could not be read as a table: {exc}") from None
    if raw.ndim != 2:
        raise AutomatonError(
            f"transitions must be 2-d (n_states, n_symbols), got shape {raw.shape}"
        )
    if raw.shape[0] == 0:
        raise AutomatonError("transitions has no rows: a machine needs at least one state")
    if raw.shape[1] != n_symbols:
        raise AutomatonError(
            f"transitions has {raw.shape[1]} columns but the alphabet has {n_symbols} symbols"
        )
    if raw.dtype.kind == "b" or raw.dtype.kind not in "iu":
        raise AutomatonError(
            f"transitions must hold integer state indices, got dtype {raw.dtype}"
        )
    table = np.array(raw, dtype=np.int64, copy=True)
    n_states = table.shape[0]
    bad = (table < 0) | (table >= n_states)
    if bad.any():
        q, a = (int(v) for v in np.argwhere(bad)[0])
        raise AutomatonError(
            f"transition from state {q} on symbol {alphabet[a]!r} goes to {int(table[q, a])}, "
            f"outside the states 0..{n_states - 1}"
        )
    table.flags.writeable = False
    return table


@dataclass(frozen=True, eq=False)
class MooreMachine:
    """A complete deterministic Moore machine, validated on construction and immutable.

    Parameters
    ----------
    transitions
        Table of shape ``(n_states, n_symbols)``: ``transitions[q, a]`` is the state reached
        from ``q`` on symbol ``alphabet[a]``. Copied and made read-only.
    start
        Index of the start state.
    outputs
        One output label per state (``str``, ``int``, ``bool`` or tuples of those).
    alphabet
        Symbol labels: distinct, non-empty strings without whitespace (integers are converted).
    state_labels
        Optional distinct string names for the states.
    name
        Free-form description (for example the spec the machine was built from). Not part of
        equality.

    Notes
    -----
    ``==`` is structural: same transition table, start, outputs, alphabet and state labels.
    Semantic equivalence (same output on every word) is
    :func:`automata_bilinear.automata.equivalence.are_equivalent`.

    Examples
    --------
    >>> parity = MooreMachine(transitions=[[0, 1], [1, 0]], start=0, outputs=[0, 1],
    ...                       alphabet=["0", "1"], name="parity")
    >>> parity.n_states, parity.n_symbols, parity.output_labels
    (2, 2, (0, 1))
    >>> MooreMachine(transitions=[[0, 2], [1, 0]], start=0, outputs=[0, 1], alphabet=["0", "1"])
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.AutomatonError: transition from state 0 on symbol '1' goes to 2, ...
    """

    transitions: np.ndarray
    start: int
    outputs: tuple[OutputLabel, ...]
    alphabet: tuple[str, ...]
    state_labels: tuple[str, ...] | None = None
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        alphabet = check_symbol_labels(self.alphabet)
        table = _check_transitions(self.transitions, len(alphabet), alphabet)
        n_states = table.shape[0]

        start = self.start
        if isinstance(start, np.integer):
            start = int(start)
        if isinstance(start, bool) or not isinstance(start, int):
            raise AutomatonError(f"start must be a state index (int), got {start!r}")
        if not 0 <= start < n_states:
            raise AutomatonError(f"start state {start} is outside the states 0..{n_states - 1}")

        raw_outputs = self.outputs
        if isinstance(raw_outputs, np.ndarray):
            raw_outputs = raw_outputs.tolist()
        if isinstance(raw_outputs, (str, bytes)) or not isinstance(raw_outputs, Iterable):
            raise AutomatonError("outputs must be a sequence with one output label per state")
        outputs = tuple(raw_outputs)
        if not {type(v) for v in outputs} <= {int, str, bool}:  # fast path for plain labels
            outputs = tuple(
                check_output_label(v, f"outputs[{q}]") for q, v in enumerate(outputs)
            )
        if len(outputs) != n_states:
            raise AutomatonError(
                f"outputs has {len(outputs)} labels but the machine has {n_states} states"
            )

        labels = self.state_labels
        if labels is not None:
            labels = tuple(labels)
            if len(labels) != n_states:
                raise AutomatonError(
                    f"state_labels has {len(labels)} entries but the machine has "
                    f"{n_states} states"
                )
            seen: dict[str, int] = {}
            for q, lab in enumerate(labels):
                if not isinstance(lab, str):
                    raise AutomatonError(
                        f"state_labels[{q}] must be a string, got {type(lab).__name__}"
                    )
                if lab in seen:
                    raise AutomatonError(
                        f"state label {lab!r} is used by states {seen[lab]} and {q}"
                    )
                seen[lab] = q
        if not isinstance(self.name, str):
            raise AutomatonError(f"name must be a string, got {type(self.name).__name__}")

        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "transitions", table)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "state_labels", labels)

    # -- sizes and derived views ------------------------------------------------------------

    @property
    def n_states(self) -> int:
        """Number of states."""
        return int(self.transitions.shape[0])

    @property
    def n_symbols(self) -> int:
        """Number of symbols in the alphabet."""
        return int(self.transitions.shape[1])

    @cached_property
    def output_labels(self) -> tuple[OutputLabel, ...]:
        """Distinct output labels, in order of first appearance over states 0, 1, ..."""
        return _distinct(self.outputs)

    @cached_property
    def output_codes(self) -> np.ndarray:
        """Per-state index into :attr:`output_labels` (read-only int64 array)."""
        index = {label_key(lab): i for i, lab in enumerate(self.output_labels)}
        codes = np.fromiter((index[label_key(o)] for o in self.outputs), dtype=np.int64,
                            count=self.n_states)
        codes.flags.writeable = False
        return codes

    @cached_property
    def symbol_index(self) -> dict[str, int]:
        """Map from symbol label to its column in :attr:`transitions`."""
        return {sym: i for i, sym in enumerate(self.alphabet)}

    @property
    def is_acceptor(self) -> bool:
        """True when every output is a boolean."""
        return all(isinstance(o, bool) for o in self.outputs)

    def state_name(self, q: int) -> str:
        """The label of state ``q`` (its index as a string when unlabelled)."""
        return self.state_labels[q] if self.state_labels is not None else str(q)

    # -- structural equality ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MooreMachine):
            return NotImplemented
        return (
            self.start == other.start
            and self.alphabet == other.alphabet
            and self.transitions.shape == other.transitions.shape
            and bool(np.array_equal(self.transitions, other.transitions))
            and [label_key(o) for o in self.outputs] == [label_key(o) for o in other.outputs]
            and self.state_labels == other.state_labels
        )

    def __hash__(self) -> int:
        return hash((self.start, self.alphabet, self.transitions.tobytes(),
                     tuple(label_key(o) for o in self.outputs)))

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return (
            f"<MooreMachine{name}: {self.n_states} states, {self.n_symbols} symbols, "
            f"{len(self.output_labels)} outputs>"
        )


# -- words ----------------------------------------------------------------------------------


def _tokens(machine: MooreMachine, word: str) -> list[str]:
    if _WHITESPACE.search(word):
        return word.split()
    if word == "":
        return []
    if all(len(s) == 1 for s in machine.alphabet):
        return list(word)
    return [word]


def encode_word(machine: MooreMachine, word: Word) -> np.ndarray:
    """Turn a word into an int64 array of symbol indices.

    A word may be

    - a string: split on whitespace if it contains any; otherwise, when every symbol label
      is a single character, one symbol per character; otherwise a single symbol;
    - a sequence of symbol labels (integers are matched as their decimal strings);
    - an integer numpy array, taken as symbol indices (checked against the alphabet size).

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> encode_word(parity(), "0110").tolist()
    [0, 1, 1, 0]
    >>> encode_word(parity(), ["1", 0]).tolist()
    [1, 0]
    >>> encode_word(parity(), "012")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.UnknownSymbolError: unknown symbol '2' at position 2 of the word; ...
    """
    machine = check_machine(machine, "machine")
    if isinstance(word, np.ndarray):
        if word.ndim != 1 or word.dtype.kind not in "iu":
            raise UnknownSymbolError(
                f"a word given as an array must be 1-d integer symbol indices, got shape "
                f"{word.shape} and dtype {word.dtype}"
            )
        out = word.astype(np.int64, copy=True)
        bad = np.nonzero((out < 0) | (out >= machine.n_symbols))[0]
        if bad.size:
            i = int(bad[0])
            raise UnknownSymbolError(
                f"symbol index {int(out[i])} at position {i} is outside 0..{machine.n_symbols - 1}"
            )
        return out
    if not isinstance(word, (str, Iterable)) or isinstance(word, (dict, set, frozenset, bytes)):
        raise InvalidArgumentError(
            "word: expected a string, a sequence of symbol labels or a 1-d integer array, "
            f"got {type(word).__name__}")
    tokens = _tokens(machine, word) if isinstance(word, str) else list(word)
    index = machine.symbol_index
    out = np.empty(len(tokens), dtype=np.int64)
    for i, tok in enumerate(tokens):
        key = tok.item() if isinstance(tok, np.generic) else tok
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        code = index.get(key) if isinstance(key, str) else None
        if code is None:
            who = f" of {machine.name!r}" if machine.name else ""
            shown = ", ".join(machine.alphabet[:20]) + (", ..." if machine.n_symbols > 20 else "")
            raise UnknownSymbolError(
                f"unknown symbol {tok!r} at position {i} of the word; the alphabet{who} is: "
                f"{shown}"
            )
        out[i] = code
    return out


def encode_words(machine: MooreMachine, words: Sequence[Word] | np.ndarray) -> np.ndarray:
    """Encode several words of equal length into a ``(batch, length)`` int64 array.

    A 2-d integer array is taken as symbol indices and range-checked.
    """
    machine = check_machine(machine, "machine")
    if isinstance(words, np.ndarray) and words.ndim != 2:
        raise InvalidArgumentError(
            f"words: expected a (batch, length) array, got shape {words.shape}; wrap a single "
            "word as words[None, :]")
    if isinstance(words, str) or not isinstance(words, Iterable):
        raise InvalidArgumentError(
            f"words: expected a (batch, length) integer array or a list of words, got "
            f"{type(words).__name__}")
    if isinstance(words, np.ndarray) and words.ndim == 2:
        if words.dtype.kind not in "iu":
            raise UnknownSymbolError(f"a batch of words must have integer dtype, got {words.dtype}")
        check_allocation("a batch of words as int64", words.shape)
        out = words.astype(np.int64, copy=True)
        bad = np.argwhere((out < 0) | (out >= machine.n_symbols))
        if bad.size:
            b, t = (int(v) for v in bad[0])
            raise UnknownSymbolError(
                f"symbol index {int(out[b, t])} in word {b} at position {t} is outside "
                f"0..{machine.n_symbols - 1}"
            )
        return out
    encoded = [encode_word(machine, w) for w in words]
    lengths = {len(e) for e in encoded}
    if len(lengths) > 1:
        raise UnknownSymbolError(
            f"words in a batch must have equal length, got lengths {sorted(lengths)}"
        )
    if not encoded:
        return np.zeros((0, 0), dtype=np.int64)
    return np.stack(encoded)


def decode_word(machine: MooreMachine, indices: Iterable[int]) -> tuple[str, ...]:
    """Turn symbol indices back into a tuple of symbol labels."""
    machine = check_machine(machine, "machine")
    if isinstance(indices, (str, bytes)) or not isinstance(indices, Iterable):
        raise InvalidArgumentError(f"indices: expected a sequence of symbol indices, got "
                                   f"{type(indices).__name__}")
    out = []
    for position, i in enumerate(indices):
        ok = isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))
        if not ok or not 0 <= int(i) < machine.n_symbols:
            raise UnknownSymbolError(f"symbol index {i!r} at position {position} is outside "
                                     f"0..{machine.n_symbols - 1}")
        out.append(machine.alphabet[int(i)])
    return tuple(out)


# -- building machines from a step function -------------------------------------------------


def machine_from_function(
    start: Hashable,
    alphabet: Sequence[str],
    step: Callable[[Any, str], Hashable],
    output: Callable[[Any], OutputLabel],
    *,
    state_label: Callable[[Any], str] | None = None,
    name: str = "",
    max_states: int = 1_000_000,
) -> MooreMachine:
    """Build the reachable part of a machine given by Python functions.

    States are arbitrary hashable values explored breadth-first from ``start``; they are
    numbered in the order they are discovered (so ``start`` is state 0).

    Parameters
    ----------
    start
        The start state (any hashable value).
    alphabet
        Symbol labels.
    step
        ``step(state, symbol) -> state``.
    output
        ``output(state) -> label``.
    state_label
        Optional ``state -> str`` naming states (defaults to no labels).
    name
        Name of the machine.
    max_states
        Refuse (with :class:`ResourceLimitError`) to explore more states than this.

    Examples
    --------
    >>> m = machine_from_function(0, ["a", "b"], lambda s, x: min(s + (x == "a"), 2),
    ...                           lambda s: s >= 2, name="at least two a")
    >>> m.n_states, m.outputs
    (3, (False, False, True))
    """
    alphabet = check_symbol_labels(alphabet)
    if not isinstance(start, Hashable):
        raise InvalidArgumentError(f"start state must be hashable, got {type(start).__name__}")
    index: dict[Hashable, int] = {start: 0}
    order: list[Hashable] = [start]
    rows: list[list[int]] = []
    queue = deque([start])
    while queue:
        state = queue.popleft()
        row = []
        for sym in alphabet:
            nxt = step(state, sym)
            if not isinstance(nxt, Hashable):
                raise InvalidArgumentError(
                    f"step({state!r}, {sym!r}) returned an unhashable {type(nxt).__name__}; "
                    "states must be hashable (use tuples, not lists)")
            code = index.get(nxt)
            if code is None:
                if len(order) >= max_states:
                    raise ResourceLimitError(
                        f"machine {name or 'from function'} has more than {max_states} "
                        "reachable states; raise max_states to build it anyway"
                    )
                code = index[nxt] = len(order)
                order.append(nxt)
                queue.append(nxt)
            row.append(code)
        rows.append(row)
    check_allocation("transition table", (len(order), len(alphabet)))
    labels = tuple(state_label(s) for s in order) if state_label is not None else None
    return MooreMachine(
        transitions=np.array(rows, dtype=np.int64),
        start=0,
        outputs=tuple(output(s) for s in order),
        alphabet=alphabet,
        state_labels=labels,
        name=name,
    )


def check_machine(value: Any, argument: str = "automaton") -> MooreMachine:
    """Return ``value`` if it is a :class:`MooreMachine`, else refuse naming ``argument``.

    Functions take machines, never spec strings; a string gets the hint to build it first.

    Examples
    --------
    >>> check_machine("parity")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.InvalidArgumentError: automaton: expected a MooreMachine, got ...
    """
    if isinstance(value, MooreMachine):
        return value
    hint = (f"; build it first: ab.build({value!r})" if isinstance(value, str) else "")
    raise InvalidArgumentError(
        f"{argument}: expected a MooreMachine, got {type(value).__name__}{hint}")
