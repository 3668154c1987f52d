"""The Hankel rank of a task and the observable basis behind its minimal exact-valued model.

With the exact-valued readout (E) the model must satisfy ``C h_t = onehot(out_t)`` exactly,
i.e. it is a vector-output weighted automaton. Its least dimension is the Hankel rank of the
task (Fliess 1974; Carlyle & Paz 1971), reached by Schützenberger's reduction of the one-hot
model: keep a basis of the *observable* functionals ``c_y A_{u_k} ⋯ A_{u_1}`` (the one-hot
model of a minimal automaton is already reachable; the model itself is built by
:mod:`automata_bilinear.constructions.minimal_wfa`).

On the one-hot model these functionals are 0/1 vectors, ``(c_y A_u)(q) = [out(δ(q, u)) = y]``.
:func:`observable_space` finds a basis by a breadth-first search on ``u`` (shortest words
first), testing independence modulo a prime (:mod:`automata_bilinear.exact.modular`), and
then proves over the rationals (python-flint's exact ``fmpz_mat``/``fmpq_mat``) that the
span it found contains every ``c_y`` and is invariant under every ``A_a``; an unlucky prime
fails that proof and the search is repeated with the next one. The proof also yields the
span's reduced row echelon basis ``R = [I | X]``, the coordinates the minimal model is
written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import fmpz

from ..automata.machine import MooreMachine, check_machine
from ..automata.minimization import minimize
from ..errors import InvalidArgumentError
from ..limits import check_memory, check_work
from ..progress import progress_bar
from .modular import ModularEchelon, modular_primes

__all__ = [
    "ObservableSpace",
    "hankel_rank",
    "observable_basis_words",
    "observable_space",
]

_CHUNK_ENTRIES = 1 << 24  # candidate entries generated at once (16 MiB of int8)


@dataclass(frozen=True, eq=False)
class ObservableSpace:
    """A proved basis of span{c_y A_u} for the one-hot model of a machine.

    Attributes
    ----------
    functionals
        ``(r, n)`` int8 array of 0/1 basis functionals ``q ↦ [out(δ(q, u)) = y]``.
    words
        The suffix ``u`` (symbol indices) of each basis functional, shortlex order.
    outputs
        The output code ``y`` of each basis functional.
    pivots
        ``r`` state columns ``J`` on which the basis is invertible (ascending).
    free
        The other ``n - r`` columns ``F`` (ascending).
    coordinates
        ``X`` with ``R = B_J⁻¹ B``: ``R[:, J] = I`` and ``R[:, F] = X`` (a python-flint
        ``fmpq_mat`` of shape ``(r, n - r)``).
    prime
        The prime the search used.
    """

    functionals: np.ndarray
    words: tuple[tuple[int, ...], ...]
    outputs: tuple[int, ...]
    pivots: np.ndarray
    free: np.ndarray
    coordinates: object
    prime: int

    @property
    def rank(self) -> int:
        """The Hankel rank (dimension of the span)."""
        return len(self.words)

    def reduced_basis(self) -> list[list[Fraction]]:
        """``R`` as exact rationals (``r`` rows of length ``n``)."""
        r, n = self.functionals.shape
        rows = [[Fraction(0)] * n for _ in range(r)]
        for i, j in enumerate(self.pivots.tolist()):
            rows[i][j] = Fraction(1)
        if self.free.size:
            X = self.coordinates.tolist()  # type: ignore[attr-defined]
            for i in range(r):
                for k, j in enumerate(self.free.tolist()):
                    x = X[i][k]
                    rows[i][j] = Fraction(int(x.p), int(x.q))
        return rows


def _search(machine: MooreMachine, p: int) -> tuple[np.ndarray, list[tuple[int, ...]],
                                                      list[int], ModularEchelon]:
    """Breadth-first search of independent functionals modulo ``p``, level by level.

    A level's candidates are ``f A_a`` for the functionals ``f`` kept at the level before,
    in order of ``(a, f)`` (shortlex order of the suffixes ``a·u``); they are generated in
    chunks of at most :data:`_CHUNK_ENTRIES` entries, and the search stops at full rank.
    """
    n, k = machine.n_states, machine.n_symbols
    codes = machine.output_codes
    table = machine.transitions
    echelon = ModularEchelon(n, p)
    chunk = max(1, _CHUNK_ENTRIES // max(n, 1))
    kept_rows: list[np.ndarray] = []
    words: list[tuple[int, ...]] = []
    outputs: list[int] = []
    indicators = (np.arange(len(machine.output_labels))[:, None] == codes[None, :])
    # a level: (candidate generator, word of each candidate, output of each candidate)
    parents = indicators.astype(np.int8)
    parent_words: list[tuple[int, ...]] = [()] * parents.shape[0]
    parent_outputs = list(range(parents.shape[0]))
    first = True
    seen: set[bytes] = set()
    bar = progress_bar(desc="Hankel rank: basis functionals", total=n, unit="vector")
    try:
        while parents.shape[0] and echelon.rank < n:
            level_rows: list[np.ndarray] = []
            level_words: list[tuple[int, ...]] = []
            level_outputs: list[int] = []
            letters = [None] if first else range(k)
            for a in letters:
                for lo in range(0, parents.shape[0], chunk):
                    if echelon.rank == n:
                        break
                    sl = slice(lo, lo + chunk)
                    # (f A_a)(q) = f(δ(q, a)): the functional of the suffix a·u
                    block = parents[sl] if a is None else parents[sl][:, table[:, a]]
                    # a repeat of an earlier candidate lies in the span already: skip it
                    fresh = []
                    for i, row in enumerate(block):
                        key = row.tobytes()
                        if key not in seen:
                            seen.add(key)
                            fresh.append(i)
                    fresh_index = np.asarray(fresh, dtype=np.int64)
                    kept = fresh_index[echelon.add_block(block[fresh_index])]
                    bar.update(kept.size)
                    level_rows.append(block[kept])
                    for i in (lo + kept).tolist():
                        level_words.append(parent_words[i] if a is None
                                           else (a, *parent_words[i]))
                        level_outputs.append(parent_outputs[i])
            first = False
            parents = (np.concatenate(level_rows) if level_rows
                       else np.zeros((0, n), dtype=np.int8))
            kept_rows.append(parents)
            words += level_words
            outputs += level_outputs
            parent_words, parent_outputs = level_words, level_outputs
    finally:
        bar.close()
    basis = np.concatenate(kept_rows) if kept_rows else np.zeros((0, n), dtype=np.int8)
    return basis, words, outputs, echelon


def _fmpz(matrix: np.ndarray):
    from flint import fmpz_mat

    r, c = matrix.shape
    return fmpz_mat(r, c, matrix.astype(np.int64).ravel().tolist())


def _prove_span(machine: MooreMachine, basis: np.ndarray, pivots: np.ndarray):
    """Exact coordinates ``X = B_J⁻¹ B_F`` if span(B) contains every ``c_y`` and is
    ``A_a``-invariant, else None (the prime was unlucky)."""
    n = machine.n_states
    free = np.setdiff1d(np.arange(n), pivots)
    r = basis.shape[0]
    if free.size == 0:  # r = n: the span is the whole space
        return free, None
    check_work(f"the exact reduction of a rank-{r} observable space of {n} states",
               float(r) * r * free.size * (machine.n_symbols + 2))
    BJ = _fmpz(basis[:, pivots])
    X = BJ.solve(_fmpz(basis[:, free]))  # fmpq_mat (r, n - r)
    # v is in span(B) iff v_F = v_J X (B_J is invertible, so the coefficients are v_J B_J⁻¹)
    codes = machine.output_codes
    indicators = (np.arange(len(machine.output_labels))[:, None] == codes[None, :]
                  ).astype(np.int8)
    checks = [indicators] + [basis[:, machine.transitions[:, a]]
                             for a in range(machine.n_symbols)]
    for block in checks:
        if _fmpz(block[:, free]) != _fmpz(block[:, pivots]) * X:
            return free, False
    return free, X


def observable_space(machine: MooreMachine, primes: list[int] | None = None
                     ) -> ObservableSpace:
    """A proved basis of the observable functionals of a minimal machine's one-hot model.

    Parameters
    ----------
    machine
        A minimal Moore machine (see :func:`~automata_bilinear.automata.minimization.minimize`).
    primes
        Primes to search modulo, tried in turn until the exact proof succeeds (default:
        the largest primes with exact float64 products at this width).

    Raises
    ------
    ResourceLimitError
        When the dense ``n × n`` search storage or the exact reduction is over budget.
    InvalidArgumentError
        When the exact proof rejects the basis found modulo every prime given.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> space = observable_space(minimize(build("threshold:3")).machine)
    >>> space.rank, space.words[:3]
    (4, ((), (), (0,)))
    """
    n = machine.n_states
    check_memory(f"the Hankel-rank search on {n} states (an {n} × {n} basis in float64)",
                 8.0 * n * n * 3)
    tried = list(primes or modular_primes(n))
    for p in tried:
        if isinstance(p, bool) or not isinstance(p, int) or not fmpz(p).is_prime() or \
                p * p * max(n, 1) >= 2**53:
            raise InvalidArgumentError(
                f"primes must be primes p with p² · {n} < 2^53 (exact float64 products), "
                f"got {p!r}")
    for p in tried:
        basis, words, outputs, echelon = _search(machine, p)
        pivots = np.sort(echelon.pivots)
        free, X = _prove_span(machine, basis, pivots)
        if X is False:
            continue
        # B_J is invertible modulo p, hence over Q; the pivots of the echelon are such J
        return ObservableSpace(functionals=basis, words=tuple(words), outputs=tuple(outputs),
                               pivots=pivots, free=free, coordinates=X, prime=p)
    raise InvalidArgumentError(
        f"the exact check rejected the basis found modulo each of the primes {tried}: pass "
        "other primes (the default ones are large enough that this does not happen)")


def observable_basis_words(machine: MooreMachine) -> tuple[int, list[tuple[str, ...]]]:
    """Hankel rank and the distinct suffixes u of the basis functionals ``c_y A_u``
    (shortlex, ε first): the Hankel block on all access words × these suffixes has rank
    equal to the Hankel rank.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> observable_basis_words(minimize(build("parity")).machine)
    (2, [()])
    """
    space = observable_space(machine)
    unique = list(dict.fromkeys(space.words))
    return space.rank, [tuple(machine.alphabet[a] for a in w) for w in unique]


def hankel_rank(machine: MooreMachine) -> int:
    """Rank of the task's (vector-valued) Hankel matrix = least exact-valued dimension.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> hankel_rank(build("parity")), hankel_rank(build("threshold:3"))
    (2, 4)
    """
    machine = check_machine(machine, "machine")
    return observable_space(minimize(machine).machine).rank
