"""Building new machines from old: direct products and relabelling.

Canonical numbering lives in :mod:`automata_bilinear.automata.reachability`
(:func:`~automata_bilinear.automata.reachability.canonical_form`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import AutomatonError
from ..limits import check_allocation, check_machine_size
from .machine import MooreMachine, OutputLabel, check_machine
from .reachability import trim

__all__ = ["direct_product", "relabel"]


def direct_product(*machines: MooreMachine, letters: str = "product",
                   name: str | None = None) -> MooreMachine:
    """Direct product of machines; only the part reachable from the joint start is kept.

    Parameters
    ----------
    machines
        Two or more machines (one is returned unchanged).
    letters
        ``"product"``: letters are tuples ``(a1, …, am)`` labelled ``"(a1,...,am)"``, each
        component reads its own symbol at every step (for group word problems over all
        elements this is the word problem of the product group). ``"union"``: the alphabet is
        the disjoint union, a letter moves only its own component (for generator alphabets,
        the Cayley automaton of the product group); labels are kept when distinct across
        components, otherwise prefixed ``"i:"`` (1-based component).
    name
        Name of the result; defaults to the components' names joined by ``*`` or ``+``.

    Returns
    -------
    MooreMachine
        Outputs are tuples of the components' outputs.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import cyclic
    >>> z2z3 = direct_product(cyclic(2), cyclic(3))
    >>> z2z3.n_states, z2z3.n_symbols, z2z3.alphabet[5]
    (6, 6, '(1,2)')
    """
    if not machines:
        raise AutomatonError("direct_product needs at least one machine")
    if letters not in ("product", "union"):
        raise AutomatonError(f"letters must be 'product' or 'union', got {letters!r}")
    machines = tuple(check_machine(m, f"machines[{i}]") for i, m in enumerate(machines))
    if len(machines) == 1:
        return machines[0]
    sizes = [m.n_states for m in machines]
    n_total = math.prod(sizes)
    strides = [math.prod(sizes[i + 1:]) for i in range(len(machines))]
    if letters == "product":
        n_letters = math.prod(m.n_symbols for m in machines)
        check_machine_size("the product machine", n_total, n_letters)
        check_allocation("product transition table", (n_total, n_letters))
        r = len(machines)
        ks = [m.n_symbols for m in machines]
        # axis i carries the state digit of component i, axis r + i its symbol digit
        acc = np.zeros([*sizes, *ks], dtype=np.int64)
        for i, m in enumerate(machines):
            shape = [1] * (2 * r)
            shape[i], shape[r + i] = m.n_states, m.n_symbols
            acc += (m.transitions * strides[i]).reshape(shape)
        table = acc.reshape(n_total, n_letters)
        symbol_tuples = np.array(np.unravel_index(np.arange(n_letters),
                                                  [m.n_symbols for m in machines])).T
        alphabet = tuple(
            "(" + ",".join(m.alphabet[a] for m, a in zip(machines, row)) + ")"
            for row in symbol_tuples.tolist()
        )
    else:
        n_letters = sum(m.n_symbols for m in machines)
        check_machine_size("the product machine", n_total, n_letters)
        check_allocation("product transition table", (n_total, n_letters))
        digits = np.array(np.unravel_index(np.arange(n_total), sizes)).T
        columns = []
        for i, m in enumerate(machines):
            base = (np.arange(n_total) - digits[:, i] * strides[i])[:, None]
            columns.append(base + m.transitions[digits[:, i]] * strides[i])
        table = np.concatenate(columns, axis=1)
        labels = [a for m in machines for a in m.alphabet]
        if len(set(labels)) == len(labels):
            alphabet = tuple(labels)
        else:
            alphabet = tuple(f"{i + 1}:{a}" for i, m in enumerate(machines) for a in m.alphabet)
    digits = np.array(np.unravel_index(np.arange(n_total), sizes)).T.tolist()
    outputs = tuple(tuple(m.outputs[d] for m, d in zip(machines, row)) for row in digits)
    start = sum(m.start * s for m, s in zip(machines, strides))
    joiner = " * " if letters == "product" else " + "
    product = MooreMachine(
        transitions=table, start=start, outputs=outputs, alphabet=alphabet,
        name=name if name is not None else joiner.join(m.name or "?" for m in machines),
    )
    return trim(product)


def relabel(
    machine: MooreMachine,
    *,
    symbols: Mapping[str, str] | Callable[[str], str] | None = None,
    outputs: Mapping[Any, OutputLabel] | Callable[[Any], OutputLabel] | None = None,
    states: Mapping[int, str] | Callable[[int], str] | None = None,
    name: str | None = None,
) -> MooreMachine:
    """A copy of ``machine`` with symbols, outputs and/or state labels renamed.

    Each argument is a mapping (missing keys keep their label) or a function. Merging two
    symbols into one label is refused (the result would not be deterministic); merging output
    labels is allowed (it coarsens the task).

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> m = relabel(parity(), symbols={"0": "a", "1": "b"}, outputs=lambda o: o == 1)
    >>> m.alphabet, m.outputs
    (('a', 'b'), (False, True))
    """
    machine = check_machine(machine, "machine")
    def mapper(spec: Any) -> Callable[[Any], Any]:
        if spec is None:
            return lambda x: x
        if callable(spec):
            return spec
        if isinstance(spec, Mapping):
            return lambda x: spec.get(x, x)
        raise AutomatonError(f"expected a mapping or a function, got {type(spec).__name__}")

    sym_f, out_f, state_f = mapper(symbols), mapper(outputs), mapper(states)
    alphabet = tuple(sym_f(a) for a in machine.alphabet)
    labels = None
    if states is not None:
        labels = tuple(state_f(q) for q in range(machine.n_states))
    elif machine.state_labels is not None:
        labels = machine.state_labels
    return MooreMachine(
        transitions=machine.transitions,
        start=machine.start,
        outputs=tuple(out_f(o) for o in machine.outputs),
        alphabet=alphabet,
        state_labels=labels,
        name=machine.name if name is None else name,
    )
