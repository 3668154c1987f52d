"""Moore-machine minimisation with access words and shortest separating suffixes.

Algorithm: two partition refinements, the fast one first.

1. Moore's refinement, vectorised with numpy. Round ``r`` splits states by their outputs on
   all words of length ``<= r``; a round is one hash and one sort (``O(n k + n log n)``), and
   random machines stabilise after about ``log n`` rounds. The refinement records, for every
   state, the rounds at which its class id changed (the largest part of every split keeps the
   old id, so each state changes id at most ``log2 n`` times); a shortest separating suffix
   for ``(p, q)`` is then rebuilt on demand in ``O(|suffix| · k · log n)``: find the first
   round ``r`` where they differ, pick a symbol whose successors already differed at round
   ``r - 1``, and recurse.
2. Moore needs ``n`` rounds on a chain distinguished only at its end, which is quadratic. Once
   the rounds spent exceed ``MOORE_ROUNDS + 2 log2 n`` (:data:`MOORE_ROUNDS`), Hopcroft's
   algorithm finishes from the partition reached so
   far: the coarsest stable refinement of any partition between the output partition and the
   Nerode partition is the Nerode partition, and Hopcroft's "process the smaller half" rule
   bounds the work by ``O(k n log n)``. Shortest separating suffixes then come from a
   breadth-first search over pairs of minimal states, run when a pair is asked for.

References: E. F. Moore, "Gedanken-experiments on sequential machines" (1956);
J. Hopcroft, "An n log n algorithm for minimizing states in a finite automaton" (1971);
A. Valmari and P. Lehtinen, "Efficient minimization of DFAs with partial transition
functions" (STACS 2008), whose refinable-partition arrays :func:`hopcroft_refine` uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import InvalidArgumentError, ResourceLimitError
from ..progress import progress_bar
from .machine import MooreMachine, check_machine
from .reachability import ShortlexSearch, shortlex_search

__all__ = [
    "MOORE_HISTORY_WORK",
    "MOORE_ROUNDS",
    "Minimization",
    "RefinementHistory",
    "hopcroft_refine",
    "minimize",
    "refine_partition",
    "shortest_separating_word",
]

MOORE_ROUNDS = 8
"""Moore rounds allowed before Hopcroft takes over are ``MOORE_ROUNDS + 2 log2 n``: random
machines are distinguished within about ``log_k n`` rounds, so they keep the full round
history; a chain (``n`` rounds) switches early."""

MOORE_HISTORY_WORK = 2_000_000
"""When Hopcroft finished, the distinguishing depth is recomputed by Moore refinement of the
minimal machine on request if ``m² ≤`` this (at most ``m`` rounds of ``m`` states)."""

MAX_PAIR_SEARCH = 20_000_000
"""Pairs of states a separating-word search may visit before it refuses."""


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
    stable
        False when the refinement stopped at its work budget before the partition was stable.
    change_state, change_round, change_id
        Records ``(state, round, new id)``, sorted by state then round.
    offsets
        ``change_*[offsets[s]:offsets[s+1]]`` are the records of state ``s``.
    """

    initial: np.ndarray
    final: np.ndarray
    rounds: int
    stable: bool
    change_state: np.ndarray
    change_round: np.ndarray
    change_id: np.ndarray
    offsets: np.ndarray

    def __post_init__(self) -> None:  # shared through cached profiles: read-only
        for name in ("initial", "final", "change_state", "change_round", "change_id",
                     "offsets"):
            getattr(self, name).flags.writeable = False

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


def refine_partition(table: np.ndarray, initial: np.ndarray,
                     max_work: int | None = None) -> RefinementHistory:
    """Moore refinement of the partition ``initial`` under the transition ``table``.

    Parameters
    ----------
    table
        ``(n, k)`` transition table.
    initial
        ``(n,)`` non-negative int class ids of round 0 (usually the output codes).
    max_work
        Stop once ``rounds · n`` exceeds this (None: run until stable). The history is then
        not stable (``history.stable`` is False) and ``final`` is the partition reached.

    Returns
    -------
    RefinementHistory
        The partition (states are equivalent iff their ``final`` ids are equal, when
        ``stable``) and the per-round history needed for shortest separating suffixes.

    Examples
    --------
    >>> import numpy as np
    >>> h = refine_partition(np.array([[1], [2], [2]]), np.array([0, 0, 1]))
    >>> h.final.tolist(), h.rounds, h.stable
    ([0, 2, 1], 1, True)
    """
    n = table.shape[0]
    cls = np.asarray(initial, dtype=np.int64).copy()
    next_id = int(cls.max()) + 1 if n else 0
    n_classes = np.unique(cls).size
    records_state: list[np.ndarray] = []
    records_round: list[np.ndarray] = []
    records_id: list[np.ndarray] = []
    rounds = 0
    stable = True
    # at most n − 1 rounds; a bar (on a terminal) shows the classes found so far
    bar = progress_bar(desc="minimising: state classes", total=n, unit="class")
    bar.update(n_classes)
    try:
        while True:
            key = _signature_groups(cls, table, next_id)
            n_groups = int(key.max()) + 1 if n else 0
            if n_groups == n_classes:
                break
            if max_work is not None and (rounds + 1) * n > max_work:
                stable = False
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
        stable=stable,
        change_state=st,
        change_round=rd,
        change_id=ids,
        offsets=offsets,
    )


def hopcroft_refine(table: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """Coarsest partition refining ``initial`` that is stable under ``table`` (Hopcroft).

    Parameters
    ----------
    table
        ``(n, k)`` transition table of a complete deterministic machine.
    initial
        ``(n,)`` non-negative int class ids to refine (e.g. output codes, or any partition
        between those and the Nerode partition).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int64 block id per state; two states share a block iff no word separates
        them starting from ``initial``.

    Notes
    -----
    Blocks are contiguous ranges of one permutation of the states (Valmari–Lehtinen's
    refinable partition), so marking a state and splitting a block are O(1) per state. Every
    block but the largest starts on the worklist; a split always turns the *smaller* part
    into the new block and queues it, which is Hopcroft's rule (if the old block was queued
    both parts are; if not, one part suffices because the preimages of a block and of one
    part determine those of the other). Each state is then in a queued splitter at most
    ``log2 n`` times, so the work is ``O(k n log n)``.

    Examples
    --------
    >>> import numpy as np
    >>> chain = np.array([[1], [2], [3], [3]])
    >>> hopcroft_refine(chain, np.array([0, 0, 0, 1])).tolist()  # four distinct states
    [0, 3, 2, 1]
    >>> hopcroft_refine(np.array([[1], [0]]), np.array([0, 0])).tolist()  # one class
    [0, 0]
    """
    table = np.asarray(table, dtype=np.int64)
    n, k = table.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    cls = np.asarray(initial, dtype=np.int64)
    order = np.argsort(cls, kind="stable")
    ranked = cls[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], n]
    block = np.empty(n, dtype=np.int64)
    block[order] = np.repeat(np.arange(starts.size), ends - starts)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    # preimages δ_a⁻¹(s) as CSR lists, one per letter
    preimages = []
    for a in range(k):
        by_target = np.argsort(table[:, a], kind="stable")
        ptr = np.searchsorted(table[by_target, a], np.arange(n + 1))
        preimages.append((ptr.tolist(), by_target.tolist()))
    elems, blk, loc = order.tolist(), block.tolist(), position.tolist()
    first, end = starts.tolist(), ends.tolist()
    mid = list(first)  # elems[first[b]:mid[b]] are the marked states of block b
    largest = int(np.argmax(ends - starts))
    work = [b for b in range(len(first)) if b != largest]
    while work:
        b = work.pop()
        splitter = elems[first[b]:end[b]]
        for ptr, sources in preimages:
            touched = []
            for s in splitter:
                for j in range(ptr[s], ptr[s + 1]):
                    p = sources[j]
                    c = blk[p]
                    m = mid[c]
                    if m == first[c]:
                        touched.append(c)
                    i = loc[p]
                    other = elems[m]
                    elems[i], loc[other] = other, i
                    elems[m], loc[p] = p, m
                    mid[c] = m + 1
            for c in touched:
                lo, m, hi = first[c], mid[c], end[c]
                if m == hi:  # every state of c is in the preimage: no split
                    mid[c] = lo
                    continue
                if m - lo <= hi - m:  # the marked part is the smaller one
                    new_lo, new_hi = lo, m
                    first[c] = m
                else:
                    new_lo, new_hi = m, hi
                    end[c] = m
                mid[c] = first[c]
                new = len(first)
                first.append(new_lo)
                end.append(new_hi)
                mid.append(new_lo)
                for j in range(new_lo, new_hi):
                    blk[elems[j]] = new
                work.append(new)
    return np.asarray(blk, dtype=np.int64)


def shortest_separating_word(table: np.ndarray, codes: np.ndarray, p: int, q: int,
                             max_pairs: int = MAX_PAIR_SEARCH) -> tuple[int, ...] | None:
    """A shortest word (symbol indices) after which ``p`` and ``q`` output differently.

    Breadth-first search over pairs ``(δ(p, w), δ(q, w))``; pairs that meet are dropped (they
    can never separate again) and unordered pairs are visited once.

    Parameters
    ----------
    table
        ``(n, k)`` transition table.
    codes
        ``(n,)`` output code per state.
    p, q
        The two states.
    max_pairs
        Refuse (:class:`~automata_bilinear.errors.ResourceLimitError`) after visiting this
        many pairs.

    Returns
    -------
    tuple of int or None
        The word, or None if ``p`` and ``q`` are equivalent.

    Examples
    --------
    >>> import numpy as np
    >>> shortest_separating_word(np.array([[1], [2], [2]]), np.array([0, 0, 1]), 0, 1)
    (0,)
    """
    codes_list = np.asarray(codes).tolist()
    rows = np.asarray(table).tolist()
    start = (min(p, q), max(p, q))
    parent: dict[tuple[int, int], tuple[tuple[int, int], int] | None] = {start: None}
    frontier = [start] if p != q else []
    found = start if p != q and codes_list[p] != codes_list[q] else None
    while frontier and found is None:
        nxt = []
        for pair in frontier:
            rp, rq = rows[pair[0]], rows[pair[1]]
            for a in range(len(rp)):
                x, y = rp[a], rq[a]
                if x == y:
                    continue
                key = (x, y) if x < y else (y, x)
                if key in parent:
                    continue
                parent[key] = (pair, a)
                if codes_list[x] != codes_list[y]:
                    found = key
                    break
                nxt.append(key)
            if found is not None:
                break
        if len(parent) > max_pairs:
            raise ResourceLimitError(
                f"a shortest separating word for states {p} and {q} has visited "
                f"{len(parent)} pairs of states, over the limit of {max_pairs}")
        frontier = nxt
    if found is None:
        return None
    word: list[int] = []
    step = parent[found]
    while step is not None:
        word.append(step[1])
        step = parent[step[0]]
    return tuple(reversed(word))


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
    def rounds(self) -> int | None:
        """Depth of distinguishability: rounds of Moore refinement that split a class (every
        two inequivalent states differ on a word of at most this length).

        When Hopcroft's algorithm finished the minimisation (more than
        :data:`MOORE_ROUNDS` ``+ 2 log2 n`` rounds were needed), the depth is recomputed by
        Moore refinement of the minimal machine if that is affordable (``m² ≤``
        :data:`MOORE_HISTORY_WORK`), and is None otherwise; it then exceeds
        :attr:`depth_lower_bound`.
        """
        if self._history.stable:
            return self._history.rounds
        history = self._minimal_history
        return None if history is None else history.rounds

    @cached_property
    def _minimal_history(self) -> RefinementHistory | None:
        m = self.machine.n_states
        if m * m > MOORE_HISTORY_WORK:
            return None
        return refine_partition(self.machine.transitions, self.machine.output_codes)

    @property
    def depth_lower_bound(self) -> int:
        """The distinguishing depth is at least this (exact when :attr:`rounds` is known)."""
        rounds = self.rounds
        return self._history.rounds + 1 if rounds is None else rounds

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
        if self._history.stable:
            tp, tq = int(self._trimmed_of_minimal[p]), int(self._trimmed_of_minimal[q])
            word = self._history.separating_suffix(self._trimmed_table, tp, tq)
        else:  # Hopcroft finished: search pairs of minimal states
            word = shortest_separating_word(self.machine.transitions,
                                            self.machine.output_codes, p, q)
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
    max_rounds = MOORE_ROUNDS + 2 * int(np.log2(max(m, 2)))
    history = refine_partition(trimmed_table, machine.output_codes[order],
                               max_work=max_rounds * m)
    final = history.final if history.stable else hopcroft_refine(trimmed_table, history.final)

    # Minimal states in order of first appearance in the shortlex order = canonical order.
    _, first, inverse = np.unique(final, return_index=True, return_inverse=True)
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
