"""Moore-machine minimisation with access words and shortest separating suffixes.

Algorithm: Moore's partition refinement, vectorised with numpy. Round ``r`` splits states by
their outputs on all words of length ``<= r``; a round costs ``O(n k log n)`` (one sort per
symbol) and random machines stabilise after about ``log n`` rounds. The worst case (a chain
distinguished only at its end) needs ``n`` rounds.

Separating suffixes are not stored per pair (there are ``n²/2`` pairs). Instead the
refinement records, for every state, the rounds at which its class id changed; class ids are
kept stable by letting the largest part of every split keep the old id, so each state changes
id at most ``log2 n`` times. A shortest separating suffix for ``(p, q)`` is then rebuilt on
demand in ``O(|suffix| · k · log n)``: find the first round ``r`` where ``p`` and ``q`` differ,
pick a symbol whose successors already differed at round ``r-1``, and recurse.

References: E. F. Moore, "Gedanken-experiments on sequential machines" (1956).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import InvalidArgumentError, ResourceLimitError
from ..progress import progress_bar
from .machine import MooreMachine, check_machine
from .reachability import ShortlexSearch, shortlex_search

__all__ = ["Minimization", "RefinementHistory", "minimize", "refine_partition"]


@dataclass(frozen=True, eq=False)
class RefinementHistory:
    """Class ids of every state at every round of Moore refinement, stored compactly.

    Attributes
    ----------
    initial
        Class id per state at round 0 (equal ids ⇔ equal outputs).
    final
        Class id per state once the partition is stable.
    rounds
        Number of rounds that split at least one class.
    change_state, change_round, change_id
        Records ``(state, round, new id)``, sorted by state then round.
    offsets
        ``change_*[offsets[s]:offsets[s+1]]`` are the records of state ``s``.
    """

    initial: np.ndarray
    final: np.ndarray
    rounds: int
    change_state: np.ndarray
    change_round: np.ndarray
    change_id: np.ndarray
    offsets: np.ndarray

    def class_at(self, state: int, round_: int) -> int:
        """Class id of ``state`` after ``round_`` rounds of refinement."""
        lo, hi = int(self.offsets[state]), int(self.offsets[state + 1])
        j = int(np.searchsorted(self.change_round[lo:hi], round_, side="right")) - 1
        return int(self.initial[state]) if j < 0 else int(self.change_id[lo + j])

    def split_round(self, p: int, q: int) -> int | None:
        """First round at which ``p`` and ``q`` are in different classes (None: never)."""
        if self.final[p] == self.final[q]:
            return None
        lo, hi = 0, self.rounds  # invariant: classes differ at round hi
        if self.class_at(p, 0) != self.class_at(q, 0):
            return 0
        while hi - lo > 1:  # classes equal at round lo
            mid = (lo + hi) // 2
            if self.class_at(p, mid) != self.class_at(q, mid):
                hi = mid
            else:
                lo = mid
        return hi

    def separating_suffix(self, table: np.ndarray, p: int, q: int) -> tuple[int, ...] | None:
        """Shortest word (symbol indices) on which ``p`` and ``q`` give different outputs."""
        r = self.split_round(p, q)
        if r is None:
            return None
        word: list[int] = []
        while r > 0:
            for a in range(table.shape[1]):
                pa, qa = int(table[p, a]), int(table[q, a])
                if self.class_at(pa, r - 1) != self.class_at(qa, r - 1):
                    break
            else:  # pragma: no cover - would contradict the refinement invariant
                raise AssertionError("refinement history is inconsistent")
            word.append(a)
            p, q, r = pa, qa, r - 1
        return tuple(word)


_HASH_MULTIPLIERS = np.random.default_rng(20251123).integers(
    1, 2**63, size=64, dtype=np.int64
).astype(np.uint64) | np.uint64(1)


def _signature_groups(cls: np.ndarray, table: np.ndarray, width: int) -> np.ndarray:
    """Dense group id per state of its signature (own class, classes of its successors).

    Fast path: one 64-bit hash per signature and a single sort; every group is then checked
    exactly against its first member, so a hash collision can never merge two different
    signatures (it only triggers the exact path). Exact path: compress the signature one
    column at a time, each step a 1-d sort.
    """
    k = table.shape[1]
    successors = cls[table]  # (n, k)
    if k + 1 <= _HASH_MULTIPLIERS.size:
        with np.errstate(over="ignore"):
            h = cls.astype(np.uint64) * _HASH_MULTIPLIERS[0]
            h += successors.astype(np.uint64) @ _HASH_MULTIPLIERS[1 : k + 1]
            h ^= h >> np.uint64(29)
        _, first, key = np.unique(h, return_index=True, return_inverse=True)
        key = key.ravel()
        rep = first[key]
        if np.array_equal(cls[rep], cls) and np.array_equal(successors[rep], successors):
            return key.astype(np.int64, copy=False)
    key = cls
    for a in range(k):
        _, key = np.unique(key * width + successors[:, a], return_inverse=True)
        key = key.ravel().astype(np.int64, copy=False)
    return key


def refine_partition(table: np.ndarray, initial: np.ndarray) -> RefinementHistory:
    """Moore refinement of the partition ``initial`` under the transition ``table``.

    Parameters
    ----------
    table
        ``(n, k)`` transition table.
    initial
        ``(n,)`` non-negative int class ids of round 0 (usually the output codes).

    Returns
    -------
    RefinementHistory
        The stable partition (states are equivalent iff their ``final`` ids are equal) and the
        per-round history needed for shortest separating suffixes.
    """
    n = table.shape[0]
    cls = np.asarray(initial, dtype=np.int64).copy()
    next_id = int(cls.max()) + 1 if n else 0
    n_classes = np.unique(cls).size
    records_state: list[np.ndarray] = []
    records_round: list[np.ndarray] = []
    records_id: list[np.ndarray] = []
    rounds = 0
    # at most n − 1 rounds; a bar (on a terminal) shows the classes found so far
    bar = progress_bar(desc="minimising: state classes", total=n, unit="class")
    bar.update(n_classes)
    try:
        while True:
            key = _signature_groups(cls, table, next_id)
            n_groups = int(key.max()) + 1 if n else 0
            if n_groups == n_classes:
                break
            bar.update(n_groups - n_classes)
            rounds += 1
            counts = np.bincount(key, minlength=n_groups)
            member = np.empty(n_groups, dtype=np.int64)
            member[key] = np.arange(n)
            old = cls[member]
            # Within each old class the largest new group keeps the old id (ties: lowest group).
            order = np.lexsort((np.arange(n_groups), -counts, old))
            old_sorted = old[order]
            keeps = np.ones(n_groups, dtype=bool)
            keeps[1:] = old_sorted[1:] != old_sorted[:-1]
            new_id = np.empty(n_groups, dtype=np.int64)
            new_id[order[keeps]] = old_sorted[keeps]
            fresh = order[~keeps]
            new_id[fresh] = next_id + np.arange(fresh.size)
            next_id += fresh.size
            new_cls = new_id[key]
            changed = np.flatnonzero(new_cls != cls)
            records_state.append(changed)
            records_round.append(np.full(changed.size, rounds, dtype=np.int64))
            records_id.append(new_cls[changed])
            cls = new_cls
            n_classes = n_groups
    finally:
        bar.close()
    if records_state:
        st = np.concatenate(records_state)
        rd = np.concatenate(records_round)
        ids = np.concatenate(records_id)
        order = np.lexsort((rd, st))
        st, rd, ids = st[order], rd[order], ids[order]
    else:
        st = rd = ids = np.zeros(0, dtype=np.int64)
    offsets = np.searchsorted(st, np.arange(n + 1))
    return RefinementHistory(
        initial=np.asarray(initial, dtype=np.int64).copy(),
        final=cls,
        rounds=rounds,
        change_state=st,
        change_round=rd,
        change_id=ids,
        offsets=offsets,
    )


@dataclass(frozen=True, eq=False)
class Minimization:
    """The minimal machine of a Moore machine, with the data certificates are built from.

    Attributes
    ----------
    machine
        The minimal machine ``A_f``: reachable, no two states with equal futures, states
        numbered in shortlex order of their access words (so it is canonical). A minimal
        state keeps the label of its first (shortlex) original state.
    source
        The machine that was minimised.
    state_map
        For every source state, its minimal state, or ``-1`` if it is unreachable.
    representatives
        For every minimal state, the source state reached by its access word.
    """

    machine: MooreMachine
    source: MooreMachine
    state_map: np.ndarray
    representatives: np.ndarray
    _search: ShortlexSearch
    _trimmed_table: np.ndarray
    _trimmed_of_minimal: np.ndarray
    _history: RefinementHistory

    def __post_init__(self) -> None:
        for name in ("state_map", "representatives", "_trimmed_table", "_trimmed_of_minimal"):
            getattr(self, name).flags.writeable = False  # shared with every caller

    @property
    def rounds(self) -> int:
        """Number of refinement rounds that split a class (the depth of distinguishability)."""
        return self._history.rounds

    def access_word(self, state: int) -> tuple[str, ...]:
        """Shortlex-least word reaching minimal ``state`` from the start state."""
        self._check_state(state)
        word = self._search.access_word(int(self.representatives[state]))
        return tuple(self.source.alphabet[a] for a in word)

    def separating_suffix(self, p: int, q: int) -> tuple[str, ...]:
        """A shortest word ``v`` with ``out(δ(p, v)) != out(δ(q, v))`` for minimal states.

        Examples
        --------
        >>> from automata_bilinear.catalog.families import threshold
        >>> result = minimize(threshold(3))
        >>> result.separating_suffix(0, 1)
        ('a', 'a')
        """
        self._check_state(p)
        self._check_state(q)
        if p == q:
            raise InvalidArgumentError(
                f"a state is never separated from itself (got p = q = {p})")
        tp, tq = int(self._trimmed_of_minimal[p]), int(self._trimmed_of_minimal[q])
        word = self._history.separating_suffix(self._trimmed_table, tp, tq)
        assert word is not None  # distinct minimal states are inequivalent
        return tuple(self.source.alphabet[a] for a in word)

    @cached_property
    def access_words(self) -> tuple[tuple[str, ...], ...]:
        """Access word of every minimal state."""
        return tuple(self.access_word(q) for q in range(self.machine.n_states))

    def separating_suffixes(self, max_states: int = 500) -> dict[tuple[int, int], tuple[str, ...]]:
        """Shortest separating suffix for every pair ``p < q`` of minimal states.

        Refuses machines with more than ``max_states`` states (the table is quadratic); use
        :meth:`separating_suffix` for single pairs there.
        """
        n = self.machine.n_states
        if n > max_states:
            raise ResourceLimitError(
                f"all-pairs separating suffixes for {n} states would be {n * (n - 1) // 2} "
                f"words; pass max_states={n} to compute them anyway"
            )
        return {(p, q): self.separating_suffix(p, q) for p in range(n) for q in range(p + 1, n)}

    def _check_state(self, q: int) -> None:
        if not 0 <= q < self.machine.n_states:
            raise InvalidArgumentError(
                f"minimal state {q} is outside 0..{self.machine.n_states - 1}"
            )


def minimize(machine: MooreMachine) -> Minimization:
    """Minimise a Moore machine: trim unreachable states and merge equivalent ones.

    Returns a :class:`Minimization` holding the canonical minimal machine, the map from
    source states, a shortest access word per minimal state and a shortest separating suffix
    per pair of minimal states (computed on demand).

    Examples
    --------
    >>> from automata_bilinear.automata.machine import MooreMachine
    >>> # parity with a redundant copy of each state: 4 states, 2 after minimisation
    >>> m = MooreMachine([[0, 1], [3, 2], [2, 1], [1, 0]], start=0, outputs=[0, 1, 0, 1],
    ...                  alphabet=["0", "1"])
    >>> result = minimize(m)
    >>> result.machine.n_states, result.state_map.tolist()
    (2, [0, 1, 0, 1])
    >>> result.access_word(1), result.separating_suffix(0, 1)
    (('1',), ())
    """
    machine = check_machine(machine, "machine")
    search = shortlex_search(machine)
    order = search.order
    m = order.size
    trimmed_index = np.full(machine.n_states, -1, dtype=np.int64)
    trimmed_index[order] = np.arange(m)
    trimmed_table = trimmed_index[machine.transitions[order]]
    history = refine_partition(trimmed_table, machine.output_codes[order])

    # Minimal states in order of first appearance in the shortlex order = canonical order.
    _, first, inverse = np.unique(history.final, return_index=True, return_inverse=True)
    canonical_rank = np.argsort(np.argsort(first))
    minimal_of_trimmed = canonical_rank[inverse.ravel()]
    trimmed_of_minimal = np.sort(first)
    representatives = order[trimmed_of_minimal]

    min_table = minimal_of_trimmed[trimmed_table[trimmed_of_minimal]]
    labels = None
    if machine.state_labels is not None:
        labels = tuple(machine.state_labels[q] for q in representatives.tolist())
    minimal = MooreMachine(
        transitions=min_table,
        start=0,
        outputs=tuple(machine.outputs[q] for q in representatives.tolist()),
        alphabet=machine.alphabet,
        state_labels=labels,
        name=machine.name,
    )
    state_map = np.full(machine.n_states, -1, dtype=np.int64)
    state_map[order] = minimal_of_trimmed
    return Minimization(
        machine=minimal,
        source=machine,
        state_map=state_map,
        representatives=representatives,
        _search=search,
        _trimmed_table=trimmed_table,
        _trimmed_of_minimal=trimmed_of_minimal,
        _history=history,
    )
