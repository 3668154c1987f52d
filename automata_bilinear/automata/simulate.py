"""Running Moore machines on words, one at a time or a whole batch at once.

A run over a word of length ``T`` visits ``T + 1`` states (the start state first), so the
output at every step includes the output on the empty prefix. The batch runner loops over
time only: each step is one fancy-indexing gather over the whole batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..limits import check_allocation
from ..validation import as_generator, check_integer
from .machine import MooreMachine, OutputLabel, Word, check_machine, encode_word, encode_words

__all__ = [
    "final_output",
    "output_trace",
    "random_words",
    "run",
    "run_batch",
]


def run(machine: MooreMachine, word: Word) -> np.ndarray:
    """States visited on ``word``, start state included: an int64 array of length ``T + 1``.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> run(parity(), "0110").tolist()
    [0, 0, 1, 0, 0]
    """
    machine = check_machine(machine, "machine")
    return run_batch(machine, encode_word(machine, word)[None, :])[0]


def run_batch(
    machine: MooreMachine,
    words: np.ndarray | Sequence[Word],
    *,
    final_only: bool = False,
) -> np.ndarray:
    """Run a batch of equal-length words.

    Parameters
    ----------
    machine
        The machine to run.
    words
        A ``(batch, length)`` integer array of symbol indices, or a sequence of words of equal
        length (see :func:`~automata_bilinear.automata.machine.encode_word`).
    final_only
        Return only the last state of each word, shape ``(batch,)``.

    Returns
    -------
    numpy.ndarray
        States of shape ``(batch, length + 1)`` (column 0 is the start state), or
        ``(batch,)`` with ``final_only``. Use ``machine.output_codes[states]`` for outputs.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import cyclic
    >>> z3 = cyclic(3)
    >>> run_batch(z3, [["1", "1", "1"], ["2", "2", "0"]]).tolist()
    [[0, 1, 2, 0], [0, 2, 1, 1]]
    """
    machine = check_machine(machine, "machine")
    x = encode_words(machine, words)
    batch, length = x.shape
    table = machine.transitions
    state = np.full(batch, machine.start, dtype=np.int64)
    if final_only:
        for t in range(length):
            state = table[state, x[:, t]]
        return state
    check_allocation("state trace", (batch, length + 1))
    trace = np.empty((batch, length + 1), dtype=np.int64)
    trace[:, 0] = state
    for t in range(length):
        state = table[state, x[:, t]]
        trace[:, t + 1] = state
    return trace


def output_trace(machine: MooreMachine, word: Word) -> list[OutputLabel]:
    """Output labels after every prefix of ``word`` (``T + 1`` of them, empty prefix first).

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> output_trace(parity(), "0110")
    [0, 0, 1, 0, 0]
    """
    machine = check_machine(machine, "machine")
    return [machine.outputs[q] for q in run(machine, word).tolist()]


def final_output(machine: MooreMachine, word: Word) -> OutputLabel:
    """The task's value ``f(w) = out(δ(q0, w))`` on one word.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> final_output(parity(), "0111")
    1
    """
    machine = check_machine(machine, "machine")
    x = encode_word(machine, word)
    q = machine.start
    table = machine.transitions
    for a in x.tolist():
        q = int(table[q, a])
    return machine.outputs[q]


def random_words(
    n_symbols: int | MooreMachine,
    count: int,
    length: int,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Uniform random words as a ``(count, length)`` int64 array of symbol indices.

    ``n_symbols`` may be a machine, in which case its alphabet size is used.
    """
    k = (n_symbols.n_symbols if isinstance(n_symbols, MooreMachine)
         else check_integer(n_symbols, "n_symbols", minimum=1))
    count = check_integer(count, "count", minimum=0)
    length = check_integer(length, "length", minimum=0)
    check_allocation("random words", (count, length))
    rng = as_generator(seed)
    return rng.integers(0, k, size=(count, length), dtype=np.int64)
