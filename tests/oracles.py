"""Independent reference implementations used as test oracles.

Nothing here imports the algorithms under test: machines are read through their raw
transition tables and outputs only.
"""

from __future__ import annotations

import itertools

from automata_bilinear import MooreMachine


def simulate(machine: MooreMachine, word: list[int]) -> list:
    """Outputs after every prefix, by a plain Python loop over the table."""
    rows = machine.transitions.tolist()
    q = machine.start
    outs = [machine.outputs[q]]
    for a in word:
        q = rows[q][a]
        outs.append(machine.outputs[q])
    return outs


def state_output(machine: MooreMachine, q: int, word: tuple[int, ...]):
    rows = machine.transitions.tolist()
    for a in word:
        q = rows[q][a]
    return machine.outputs[q]


def words_up_to(k: int, length: int):
    for n in range(length + 1):
        yield from itertools.product(range(k), repeat=n)


def reachable(machine: MooreMachine) -> set[int]:
    rows = machine.transitions.tolist()
    seen = {machine.start}
    stack = [machine.start]
    while stack:
        q = stack.pop()
        for r in rows[q]:
            if r not in seen:
                seen.add(r)
                stack.append(r)
    return seen


def brute_equivalent_states(machine: MooreMachine, p: int, q: int) -> bool:
    """p ~ q iff they agree on all words of length <= n - 1 (Moore's bound is n - 2)."""
    n = machine.n_states
    return all(
        state_output(machine, p, w) == state_output(machine, q, w)
        for w in words_up_to(machine.n_symbols, max(n - 1, 0))
    )


def brute_shortest_separator(machine: MooreMachine, p: int, q: int, limit: int):
    for w in words_up_to(machine.n_symbols, limit):
        if state_output(machine, p, w) != state_output(machine, q, w):
            return w
    return None


def brute_counterexample(m1: MooreMachine, m2: MooreMachine, limit: int):
    """Shortest shortlex word (indices over m1's alphabet order) with different outputs."""
    cols = [m2.alphabet.index(s) for s in m1.alphabet]
    for w in words_up_to(m1.n_symbols, limit):
        if state_output(m1, m1.start, w) != state_output(m2, m2.start, tuple(cols[a] for a in w)):
            return w
    return None
