"""The automaton families of the state-tracking literature, as Moore machines.

Every function documents its alphabet (token order = symbol index order), its outputs, whether
labels are per step (always: a Moore machine has an output after every prefix; a task with one
label per sequence reads the last one) and its valid parameter range. Sources are in
the task definitions of the cited papers (see docs/theory.md); citations are given per family.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..algebra.groups import (
    alternating_group,
    cayley_automaton,
    cyclic_group,
    dihedral_group,
    quaternion_group,
    symmetric_group,
)
from ..automata.machine import MooreMachine, machine_from_function
from ..automata.reachability import trim
from ..errors import SpecError
from ..limits import check_allocation, check_machine_size

__all__ = [
    "alternating",
    "counter_mod",
    "cycle_navigation",
    "cyclic",
    "dihedral",
    "even_pairs",
    "flipflop",
    "last_letters",
    "modular_arithmetic",
    "occurred",
    "parity",
    "quaternion",
    "random_dfa",
    "reset_cyclic",
    "symmetric",
    "threshold",
]

BITS = ("0", "1")


def _int_param(family: str, name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SpecError(f"{family}: {name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        rng = f"at least {low}" if high is None else f"between {low} and {high}"
        raise SpecError(f"{family}: {name} must be {rng}, got {value}")
    return int(value)


def _order_or_cap(order: int | None) -> int:
    # n! for n > 20 exceeds any budget; skip computing huge factorials just to refuse them
    return 10**19 if order is None else order


def _check_group_size(family: str, order: int | None) -> None:
    # the group's multiplication table is order × order whatever the alphabet
    order = _order_or_cap(order)
    check_machine_size(family, order, order)


def parity() -> MooreMachine:
    """Parity of the number of 1s: alphabet ``0, 1``; output ``(#1s) mod 2`` as an int.

    The DeepMind ``parity_check`` task (Delétang et al., ICLR 2023) reads the final output;
    Liu et al. (ICLR 2023) read every step.

    Examples
    --------
    >>> from automata_bilinear.automata.simulate import final_output
    >>> final_output(parity(), "1101")
    1
    """
    return machine_from_function(0, BITS, lambda s, x: s ^ (x == "1"), lambda s: s,
                                 name="parity")


def counter_mod(m: int) -> MooreMachine:
    """Count the 1s modulo m over the alphabet ``0, 1``; output the count as an int. m ≥ 1."""
    m = _int_param("counter_mod", "m", m, 1)
    check_machine_size(f"counter_mod:{m}", m, 2)
    return machine_from_function(0, BITS, lambda s, x: (s + (x == "1")) % m, lambda s: s,
                                 name=f"counter_mod:{m}")


def cyclic(m: int, letters: str = "elements") -> MooreMachine:
    """Z_m word problem = the source paper's modular addition task. m ≥ 1.

    Alphabet ``0 … m-1`` (token i adds i); output the running sum mod m as the element label
    ``"0" … "m-1"`` (Ebrahimi & Memisevic 2025; Liu et al.'s cyclic(n)). With
    ``letters="generators"`` the only letter is ``"1"`` (a counter mod m).

    Examples
    --------
    >>> from automata_bilinear.automata.simulate import output_trace
    >>> output_trace(cyclic(5), "3 4 1")
    ['0', '3', '2', '3']
    """
    m = _int_param("cyclic", "m", m, 1)
    _check_group_size(f"cyclic:{m}", m)
    machine = cayley_automaton(cyclic_group(m), letters)
    return _renamed(machine, f"cyclic:{m}" + ("" if letters == "elements" else f",{letters}"))


def dihedral(n: int, letters: str = "elements") -> MooreMachine:
    """D_n word problem (order 2n). n ≥ 1. See
    :func:`~automata_bilinear.algebra.groups.dihedral_group`.

    With ``letters="generators"`` the alphabet is ``r`` (step) and ``s`` (toggle direction):
    Liu et al.'s dihedral(n) task.
    """
    n = _int_param("dihedral", "n", n, 1)
    _check_group_size(f"dihedral:{n}", 2 * n)
    machine = cayley_automaton(dihedral_group(n), letters)
    return _renamed(machine, f"dihedral:{n}" + ("" if letters == "elements" else f",{letters}"))


def symmetric(n: int, letters: str = "elements") -> MooreMachine:
    """S_n word problem (order n!). n ≥ 1; all-elements alphabet needs n!² table entries.

    Elements are array forms (``"102"`` swaps 0 and 1); generators ``shift`` and ``swap``.
    Merrill et al. (ICML 2024) use all elements as tokens.
    """
    n = _int_param("symmetric", "n", n, 1)
    _check_group_size(f"symmetric:{n}", math.factorial(n) if n <= 20 else None)
    machine = cayley_automaton(symmetric_group(n), letters)
    return _renamed(machine, f"symmetric:{n}" + ("" if letters == "elements" else f",{letters}"))


def alternating(n: int, letters: str = "elements") -> MooreMachine:
    """A_n word problem (order n!/2 for n ≥ 2). Generators: 3-cycles ``(0,1,x)``."""
    n = _int_param("alternating", "n", n, 1)
    _check_group_size(f"alternating:{n}", max(1, math.factorial(n) // 2) if n <= 20 else None)
    machine = cayley_automaton(alternating_group(n), letters)
    return _renamed(machine,
                    f"alternating:{n}" + ("" if letters == "elements" else f",{letters}"))


def quaternion(letters: str = "elements") -> MooreMachine:
    """Q_8 word problem (8 states). Generators ``i`` and ``j`` (Liu et al.'s quaternion)."""
    machine = cayley_automaton(quaternion_group(), letters)
    return _renamed(machine, "quaternion" + ("" if letters == "elements" else f":{letters}"))


def cycle_navigation(m: int = 5) -> MooreMachine:
    """DeepMind ``cycle_navigation`` (Delétang et al., ICLR 2023). m ≥ 1 (paper: 5).

    Alphabet ``0, 1, 2`` meaning move −1, stay, +1 on a cycle of length m, starting at 0;
    output the position (int). The paper labels only the final position.
    """
    m = _int_param("cycle_navigation", "m", m, 1)
    check_machine_size(f"cycle_navigation:{m}", m, 3)
    moves = {"0": -1, "1": 0, "2": 1}
    return machine_from_function(0, ("0", "1", "2"), lambda s, x: (s + moves[x]) % m,
                                 lambda s: s, name=f"cycle_navigation:{m}")


def modular_arithmetic(m: int = 5) -> MooreMachine:
    """DeepMind ``modular_arithmetic`` without brackets (Delétang et al., ICLR 2023). m ≥ 1.

    Alphabet: the numbers ``0 … m-1`` then the operators ``+``, ``-``, ``*``. A valid input
    alternates number, operator, number, … (odd length) and is evaluated *with precedence*
    (``*`` before ``+`` and ``-``), modulo m. Outputs: the value (int) after every complete
    expression; ``"incomplete"`` on the empty word and after an operator; ``"invalid"`` once
    two numbers or two operators are adjacent or an operator comes first (absorbing).

    Examples
    --------
    >>> from automata_bilinear.automata.simulate import final_output
    >>> final_output(modular_arithmetic(5), "2 + 3 * 4 - 1")  # 2 + 12 - 1 = 13
    3
    >>> final_output(modular_arithmetic(5), "2 + * 4")
    'invalid'
    """
    m = _int_param("modular_arithmetic", "m", m, 1)
    check_machine_size(f"modular_arithmetic:{m}", 2 * m * m + m + 20, m + 3)
    numbers = tuple(str(i) for i in range(m))
    ops = ("+", "-", "*")

    # ("op", S, T, op): after an operator; S = finished terms, T = current term (for "*").
    # ("num", S, T): after a number; value = S + T. The empty word behaves like "0 +".
    def step(state: tuple, x: str) -> tuple:
        kind = state[0]
        if kind == "invalid":
            return state
        if kind == "op":
            if x in ops:
                return ("invalid",)
            _, s, t, op = state
            n = int(x)
            if op == "+":
                return ("num", s, n % m)
            if op == "-":
                return ("num", s, (-n) % m)
            return ("num", s, (t * n) % m)
        _, s, t = state
        if x not in ops:
            return ("invalid",)
        if x == "*":
            return ("op", s, t, "*")
        return ("op", (s + t) % m, 0, x)

    def output(state: tuple) -> Any:
        if state[0] == "num":
            return (state[1] + state[2]) % m
        return "incomplete" if state[0] == "op" else "invalid"

    return machine_from_function(("op", 0, 0, "+"), numbers + ops, step, output,
                                 name=f"modular_arithmetic:{m}")


def even_pairs() -> MooreMachine:
    """DeepMind ``even_pairs``: parity of the number of unequal adjacent pairs of bits.

    Equals ``[first bit != last bit]`` (0 on the empty word); output an int. Aperiodic.
    """
    def step(state: Any, x: str) -> Any:
        return (x, x) if state == "start" else (state[0], x)

    return machine_from_function(
        "start", BITS, step, lambda s: 0 if s == "start" else int(s[0] != s[1]),
        name="even_pairs",
    )


def flipflop(n: int = 2) -> MooreMachine:
    """Set-reset flip-flop with n values. n ≥ 1.

    Alphabet ``read``, ``w0`` … ``w{n-1}``: ``wi`` stores i, ``read`` keeps the state;
    output the stored value (int), 0 initially. With n = 2 this is the classic flip-flop
    (2 states). Liu et al.'s flipflop(n) differs only in encoding: their token 0 is
    ``read``, tokens 1..n write, and "nothing written yet" is an extra label 0.
    """
    n = _int_param("flipflop", "n", n, 1)
    check_machine_size(f"flipflop:{n}", n, n + 1)
    alphabet = ("read", *(f"w{i}" for i in range(n)))
    return machine_from_function(0, alphabet, lambda s, x: s if x == "read" else int(x[1:]),
                                 lambda s: s, name=f"flipflop:{n}")


def last_letters(k: int, symbols: int = 2) -> MooreMachine:
    """The last k letters read (a definite automaton): output them as a string.

    Alphabet ``0`` … ``{symbols-1}``; the word is read as if preceded by k letters ``0``, so
    the machine has ``symbols**k`` states, all distinguishable (k ≥ 1, symbols ≥ 1). Every
    word of length k is synchronising, which is what lets a contracting model compute it
    robustly (docs/theory.md §13).

    Examples
    --------
    >>> m = last_letters(2, 5)
    >>> m.n_states, m.outputs[0]
    (25, '00')
    """
    k = _int_param("last_letters", "k", k, 1)
    symbols = _int_param("last_letters", "symbols", symbols, 1, 10)
    check_machine_size(f"last_letters:{k}", symbols ** k, symbols)
    alphabet = tuple(str(i) for i in range(symbols))
    return machine_from_function("0" * k, alphabet, lambda s, x: s[1:] + x, lambda s: s,
                                 name=f"last_letters:{k},symbols={symbols}")


def occurred() -> MooreMachine:
    """"Symbol a occurred": alphabet ``a, b``; output True once an ``a`` has been read."""
    return machine_from_function(False, ("a", "b"), lambda s, x: s or x == "a", lambda s: s,
                                 name="occurred")


def threshold(k: int) -> MooreMachine:
    """Threshold counting: alphabet ``a, b``; output True once at least k ``a``s were read.

    k ≥ 1; the machine has k + 1 states.
    """
    k = _int_param("threshold", "k", k, 1)
    check_machine_size(f"threshold:{k}", k + 1, 2)
    return machine_from_function(0, ("a", "b"), lambda s, x: min(s + (x == "a"), k),
                                 lambda s: s >= k, name=f"threshold:{k}")


def reset_cyclic(m: int) -> MooreMachine:
    """Z_m with reset: alphabet ``0 … m-1`` (add i mod m) and ``R`` (back to 0); output the
    state (int). m ≥ 1."""
    m = _int_param("reset_cyclic", "m", m, 1)
    check_machine_size(f"reset_cyclic:{m}", m, m + 1)
    alphabet = (*(str(i) for i in range(m)), "R")
    return machine_from_function(0, alphabet, lambda s, x: 0 if x == "R" else (s + int(x)) % m,
                                 lambda s: s, name=f"reset_cyclic:{m}")


def random_dfa(
    states: int,
    symbols: int = 2,
    seed: int = 0,
    *,
    outputs: str | int = "state",
    reachable: str = "tree",
) -> MooreMachine:
    """A random DFA as in the source paper's random state machine task.

    Parameters
    ----------
    states, symbols
        Number of states (≥ 1) and symbols (≥ 1); symbols are ``"0" … "k-1"``.
    seed
        Seed of ``numpy.random.default_rng``; the same arguments always give the same machine.
    outputs
        ``"state"`` (default; output = state index, the paper's state-tracking label, which
        makes every reachable machine minimal), ``"binary"`` (each state accepts with
        probability 1/2; booleans), or an int c ≥ 1 (uniform labels ``0 … c-1``).
    reachable
        ``"tree"`` (default): a uniformly random spanning tree from state 0 is laid first
        (each new state hangs from a random still-free (state, symbol) slot of an earlier
        state), the remaining transitions are uniform, so exactly ``states`` states are
        reachable; ``"trim"``: fully uniform transitions, unreachable states removed (fewer
        states); ``"none"``: fully uniform, nothing removed.

    Notes
    -----
    The paper's exact generator is not public (TASKS.md); uniform i.i.d. transitions with
    output = state is our documented choice. Use
    :func:`~automata_bilinear.automata.minimization.minimize`
    to obtain a minimal machine when ``outputs`` is not ``"state"``.

    Examples
    --------
    >>> m = random_dfa(10, 3, seed=0)
    >>> m.n_states, m.n_symbols, m == random_dfa(10, 3, seed=0)
    (10, 3, True)
    """
    n = _int_param("random", "states", states, 1)
    k = _int_param("random", "symbols", symbols, 1)
    seed = _int_param("random", "seed", seed, 0)
    check_machine_size(f"random:states={n},symbols={k}", n, k)
    check_allocation("transition table", (n, k))
    rng = np.random.default_rng(seed)
    table = rng.integers(0, n, size=(n, k), dtype=np.int64)
    if reachable == "tree":
        # Free (state, symbol) slots of states already placed; state i takes a random one.
        free = list(range(k))
        picks = rng.random(n)
        for i in range(1, n):
            j = int(picks[i] * len(free))
            slot = free[j]
            free[j] = free[-1]
            free.pop()
            table[slot // k, slot % k] = i
            free.extend(range(i * k, i * k + k))
    elif reachable not in ("trim", "none"):
        raise SpecError(f"random: reachable must be 'tree', 'trim' or 'none', got {reachable!r}")
    if outputs == "state":
        labels: list[Any] = list(range(n))
    elif outputs == "binary":
        labels = [bool(b) for b in rng.integers(0, 2, size=n)]
    elif isinstance(outputs, (int, np.integer)) and not isinstance(outputs, bool):
        c = _int_param("random", "outputs", outputs, 1)
        labels = [int(v) for v in rng.integers(0, c, size=n)]
    else:
        raise SpecError(
            f"random: outputs must be 'state', 'binary' or a positive int, got {outputs!r}"
        )
    machine = MooreMachine(
        transitions=table, start=0, outputs=labels,
        alphabet=tuple(str(a) for a in range(k)),
        name=f"random:states={n},symbols={k},seed={seed}"
        + ("" if outputs == "state" else f",outputs={outputs}")
        + ("" if reachable == "tree" else f",reachable={reachable}"),
    )
    return trim(machine) if reachable == "trim" else machine


def _renamed(machine: MooreMachine, name: str) -> MooreMachine:
    return MooreMachine(machine.transitions, machine.start, machine.outputs, machine.alphabet,
                        machine.state_labels, name)
