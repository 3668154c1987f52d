"""The fewest PD units from a one-hot start: a search for the smallest signed automaton that
the minimal automaton is a quotient of (docs/theory.md §10).

A PD model started from ``h0 = e_i`` only ever holds ``c·e_j``; after normalisation what
matters is the pair (j, sign c). So a PD model with H units is a deterministic *signed
automaton* on [H] × {+, −}: letter σ sends (j, s) to (index[σ, j], s · sign(scale[σ, j])),
the same index move for both signs. A task f fits on H units from a one-hot start iff its
minimal automaton A_f is a quotient of the reachable part of such an automaton whose two
signs of one unit, when both are reached, carry different outputs (the readout column of
unit j is +1 on the first output and −1 on the second). Hence ⌈|Q_f|/2⌉ ≤ H ≤ |Q_f| from a
one-hot start. A general ``h0`` can need fewer units (a real-diagonal model with nonzero
eigenvalues is a PD model), so this is not a lower bound for the rung.

The search tries H = ⌈n/2⌉, …, n − 1 in turn and, for each, assigns the index and sign of
every (letter, unit) pair as the breadth-first exploration of reachable signed states needs
it, backtracking on a conflict; new units are introduced in order (no relabelled duplicates).
It is exact when it finishes within ``max_nodes`` assignments; otherwise it reports the
bounds it proved.

Examples
--------
>>> from automata_bilinear.catalog.specs import build
>>> from automata_bilinear.automata.minimization import minimize
>>> [minimal_signed_automaton(minimize(build(s)).machine).hidden
...  for s in ("parity", "cyclic:4", "cyclic:5", "cyclic:6")]
[1, 2, 5, 3]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..automata.machine import MooreMachine, check_machine
from ..model import BilinearModel
from ..validation import check_integer
from .assembly import assemble_model

__all__ = ["MAX_SEARCH_PAIRS", "MAX_SEARCH_STATES", "SignedSearch", "minimal_signed_automaton",
           "signed_pd_model"]

MAX_SEARCH_STATES = 64
MAX_SEARCH_PAIRS = 300  # |Q_f|·|Σ|: the search recurses up to twice per (state, letter)


@dataclass(frozen=True, eq=False)
class SignedSearch:
    """The outcome of :func:`minimal_signed_automaton`.

    Attributes
    ----------
    hidden
        The fewest units found (|Q_f| when nothing smaller was found).
    lower
        A proved lower bound: ⌈|Q_f|/2⌉, raised to every H the search excluded completely.
    exact
        ``lower == hidden``: the minimum is decided.
    index, sign
        (D, hidden) arrays of the signed automaton found below |Q_f|, else None.
    nodes
        Assignments tried.
    """

    hidden: int
    lower: int
    exact: bool
    index: np.ndarray | None
    sign: np.ndarray | None
    nodes: int


class _OutOfBudget(Exception):
    pass


def _search(T: np.ndarray, out: np.ndarray, start: int, H: int, budget: list[int]
            ) -> tuple[np.ndarray, np.ndarray] | None:
    """A signed automaton on H units that A_f (table T, outputs out) is a quotient of."""
    D = T.shape[1]
    pi = np.full((D, H), -1, dtype=np.int64)
    sg = np.zeros((D, H), dtype=np.int64)
    phi = np.full(2 * H, -1, dtype=np.int64)   # signed state 2j (+) / 2j+1 (−) → state of A_f
    order = [0]
    phi[0] = start
    used = [1]

    def place(code: int, q: int) -> int:  # 0 known and consistent, 1 new, −1 conflict
        if phi[code] >= 0:
            return 0 if phi[code] == q else -1
        other = phi[code ^ 1]
        if other >= 0 and out[other] == out[q]:
            return -1  # both signs of a unit would need the same readout answer
        return 1

    def rec(k: int, a: int) -> bool:
        while True:
            if k == len(order):
                return True
            if a == D:
                k, a = k + 1, 0
                continue
            code = order[k]
            j, neg = code >> 1, code & 1
            q2 = int(T[phi[code], a])
            if pi[a, j] < 0:
                break
            target = 2 * int(pi[a, j]) + (neg ^ int(sg[a, j] < 0))
            verdict = place(target, q2)
            if verdict < 0:
                return False
            if verdict == 1:
                phi[target] = q2
                order.append(target)
                if rec(k, a + 1):
                    return True
                order.pop()
                phi[target] = -1
                return False
            a += 1
        for j2 in range(min(used[0] + 1, H)):
            for flip in (0, 1):
                budget[0] -= 1
                if budget[0] < 0:
                    raise _OutOfBudget
                fresh = j2 == used[0]
                pi[a, j], sg[a, j] = j2, (-1 if flip else 1)
                used[0] += fresh
                target = 2 * j2 + (neg ^ flip)
                verdict = place(target, q2)
                if verdict == 0 and rec(k, a + 1):
                    return True
                if verdict == 1:
                    phi[target] = q2
                    order.append(target)
                    if rec(k, a + 1):
                        return True
                    order.pop()
                    phi[target] = -1
                used[0] -= fresh
        pi[a, j], sg[a, j] = -1, 0
        return False

    return (pi, sg) if rec(0, 0) else None


def minimal_signed_automaton(machine: MooreMachine, *, max_nodes: int = 200_000
                             ) -> SignedSearch:
    """The fewest PD units for the task of the *minimal* automaton ``machine``.

    Exact when the search finishes within ``max_nodes`` assignments, ``machine`` has at most
    :data:`MAX_SEARCH_STATES` states and states × letters ≤ :data:`MAX_SEARCH_PAIRS`;
    otherwise the proved bounds. Only PD models started from a one-hot ``h0`` are covered:
    with a general ``h0`` a PD model can do more (every real-diagonal model with nonzero
    eigenvalues is one).
    """
    machine = check_machine(machine, "machine")
    max_nodes = check_integer(max_nodes, "max_nodes", minimum=1)
    n = machine.n_states
    lower = -(-n // 2)
    if n == 1:
        return SignedSearch(1, 1, True, None, None, 0)
    if n > MAX_SEARCH_STATES or n * machine.n_symbols > MAX_SEARCH_PAIRS:
        return SignedSearch(n, lower, False, None, None, 0)
    T, out = machine.transitions, machine.output_codes
    # compile and classify both ask for the same machine: search once
    return _cached_search(T.astype(np.int64).tobytes(), T.shape,
                          out.astype(np.int64).tobytes(), machine.start, max_nodes)


@functools.lru_cache(maxsize=64)
def _cached_search(table: bytes, shape: tuple[int, int], outputs: bytes, start: int,
                   max_nodes: int) -> SignedSearch:
    T = np.frombuffer(table, dtype=np.int64).reshape(shape)
    out = np.frombuffer(outputs, dtype=np.int64)
    n = shape[0]
    lower = -(-n // 2)
    budget = [max_nodes]
    for H in range(lower, n):
        try:
            found = _search(T, out, start, H, budget)
        except _OutOfBudget:
            return SignedSearch(n, H, False, None, None, max_nodes)
        if found is not None:
            pi, sg = found
            used = int(pi.max()) + 1
            index, sign = pi[:, :used].copy(), sg[:, :used].copy()
            index.flags.writeable = sign.flags.writeable = False
            return SignedSearch(used, used, True, index, sign, max_nodes - budget[0])
        lower = H + 1
    return SignedSearch(n, n, True, None, None, max_nodes - budget[0])


def signed_pd_model(machine: MooreMachine, rung: str = "pd", *, max_nodes: int = 200_000
                    ) -> BilinearModel | None:
    """The PD model of the smallest signed automaton below |Q_f| (None when the search finds
    none): index and ±1 scales from the search, h0 = e_0, readout ±1 on each unit's outputs."""
    found = minimal_signed_automaton(machine, max_nodes=max_nodes)
    if found.index is None:
        return None
    index, sign, H = found.index, found.sign, found.hidden
    # walk the signed automaton alongside A_f to read off the readout
    C = np.zeros((len(machine.output_labels), H))
    seen = {(0, 1, machine.start)}
    stack = [(0, 1, machine.start)]
    while stack:
        j, s, q = stack.pop()
        C[machine.output_codes[q], j] = s
        for a in range(machine.n_symbols):
            nxt = (int(index[a, j]), s * int(sign[a, j]), int(machine.transitions[q, a]))
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    h0 = np.zeros(H)
    h0[0] = 1.0
    return assemble_model(machine, rung, {"index": index.astype(float),
                                          "scale": sign.astype(float)}, h0, C,
                          f"signed automaton ({H} units for {machine.n_states} states)", None)
