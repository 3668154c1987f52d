"""A short factual description of a machine, shared by the CLI and notebooks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import minimize
from ..validation import check_integer

__all__ = ["machine_summary", "permutation_letters"]


def permutation_letters(machine: MooreMachine) -> list[str]:
    """Symbols whose transition map is a bijection of the states.

    On a minimal machine, all letters permuting the states means the transition monoid is a
    group (docs/theory.md §2).
    """
    ident = np.arange(machine.n_states)
    return [
        machine.alphabet[a]
        for a in range(machine.n_symbols)
        if np.array_equal(np.sort(machine.transitions[:, a]), ident)
    ]


def machine_summary(machine: MooreMachine, *, table_limit: int = 12) -> dict[str, Any]:
    """Facts about ``machine`` and its minimal machine, as a JSON-ready dictionary.

    Keys: ``name``, ``states``, ``symbols``, ``alphabet`` (first 50), ``output_labels``
    (first 50), ``acceptor``, ``minimal_states``, ``reachable_states``,
    ``distinguishing_depth`` (rounds of Moore refinement: every two inequivalent states are
    told apart by a word of at most this length; None for very deep machines of more than
    ~1,400 minimal states, where Hopcroft's algorithm finished and
    ``distinguishing_depth_at_least`` is a lower bound), ``group_automaton`` (every letter permutes
    the minimal states), and ``transitions`` (the minimal machine's table with state and
    symbol labels) when the minimal machine has at most ``table_limit`` states and symbols.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import threshold
    >>> s = machine_summary(threshold(2))
    >>> s["minimal_states"], s["group_automaton"], s["distinguishing_depth"]
    (3, False, 1)
    """
    machine = check_machine(machine, "machine")
    table_limit = check_integer(table_limit, "table_limit", minimum=0)
    result = minimize(machine)
    minimal = result.machine
    perms = permutation_letters(minimal)

    def jsonable(x: Any) -> Any:
        return [jsonable(v) for v in x] if isinstance(x, tuple) else x

    summary: dict[str, Any] = {
        "name": machine.name,
        "states": machine.n_states,
        "symbols": machine.n_symbols,
        "alphabet": list(machine.alphabet[:50]),
        "output_labels": [jsonable(o) for o in machine.output_labels[:50]],
        "acceptor": machine.is_acceptor,
        "reachable_states": int((result.state_map >= 0).sum()),
        "minimal_states": minimal.n_states,
        "distinguishing_depth": result.rounds,
        "distinguishing_depth_at_least": result.depth_lower_bound,
        "group_automaton": len(perms) == minimal.n_symbols,
    }
    if minimal.n_states <= table_limit and minimal.n_symbols <= table_limit:
        summary["transitions"] = {
            "states": [minimal.state_name(q) for q in range(minimal.n_states)],
            "outputs": [jsonable(o) for o in minimal.outputs],
            "access_words": [list(w) for w in result.access_words],
            "rows": {
                minimal.state_name(q): {
                    minimal.alphabet[a]: minimal.state_name(int(minimal.transitions[q, a]))
                    for a in range(minimal.n_symbols)
                }
                for q in range(minimal.n_states)
            },
        }
    return summary
