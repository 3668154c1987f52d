"""Linear algebra modulo a prime, fast enough for machines with thousands of states.

An exact rank over the rationals is expensive (entries of an eliminated 0/1 matrix grow like
its minors); the same elimination modulo a prime ``p`` costs one machine word per entry. The
two are related by one fact used everywhere here: **vectors independent modulo p are
independent over Q** (a non-zero minor modulo ``p`` is a non-zero integer). So a basis
chosen modulo ``p`` is a genuine rational basis; what ``p`` can get wrong is only a vector
it calls dependent although it is not ("unlucky" primes divide some minor). Callers
therefore verify spans exactly (:mod:`automata_bilinear.exact.wfa`) and retry with another
prime on failure.

Storage is NumPy ``float64`` holding integers in ``[0, p)``: with ``p² · width < 2^53`` every
matrix product is computed exactly by BLAS (all partial sums are integers below 2^53), so a
block elimination by recursive halving runs at matrix-product speed. :func:`modular_rank`
of a whole matrix uses FLINT (python-flint's ``nmod_mat``).

References: FLINT, Fast Library for Number Theory (https://flintlib.org); the
"independent modulo p ⇒ independent over Q" argument is standard (e.g. von zur Gathen &
Gerhard, *Modern Computer Algebra*, §5.5).
"""

from __future__ import annotations

import numpy as np
from flint import fmpz

__all__ = ["ModularEchelon", "modular_primes", "modular_rank"]

_LOOP_ROWS = 32  # blocks up to this many rows are eliminated row by row


def modular_primes(width: int, count: int = 8) -> list[int]:
    """``count`` primes, largest first, for which products of ``width``-long rows are exact.

    Examples
    --------
    >>> p = modular_primes(5000, 2)
    >>> p[0] > p[1] and p[0] ** 2 * 5000 < 2**53
    True
    """
    bound = int((2**53 / max(width, 1)) ** 0.5)
    primes: list[int] = []
    while len(primes) < count:
        bound -= 1
        while not fmpz(bound).is_prime():  # FLINT's test is deterministic below 2^64
            bound -= 1
        primes.append(bound)
    return primes


def _eliminate(block: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy in-order elimination of a block modulo ``p``.

    Returns which rows are independent of the rows before them, and the reduced row echelon
    form (rows, pivot columns) of those rows. Recursive halving keeps the work in matrix
    products (BLAS): eliminate the first half, reduce the second half against it in one
    product, eliminate that, then clear the second half's pivots from the first.
    """
    c = block.shape[0]
    if c <= _LOOP_ROWS:
        kept = np.zeros(c, dtype=bool)
        rows: list[np.ndarray] = []
        pivots: list[int] = []
        for i in range(c):
            v = block[i]
            if rows:
                coef = v[pivots]
                if coef.any():
                    v = np.mod(v - coef @ np.array(rows), p)
            nz = np.flatnonzero(v)
            if nz.size == 0:
                continue
            piv = int(nz[0])
            v = np.mod(v * pow(int(v[piv]), -1, p), p)
            for j, row in enumerate(rows):  # keep the earlier rows reduced at the new pivot
                if row[piv]:
                    rows[j] = np.mod(row - row[piv] * v, p)
            rows.append(v)
            pivots.append(piv)
            kept[i] = True
        width = block.shape[1]
        return (kept, np.array(rows).reshape(len(rows), width),
                np.array(pivots, dtype=np.int64))
    half = c // 2
    kept1, rows1, piv1 = _eliminate(block[:half], p)
    rest = block[half:]
    if piv1.size:
        rest = np.mod(rest - rest[:, piv1] @ rows1, p)
    kept2, rows2, piv2 = _eliminate(rest, p)
    if piv2.size and piv1.size:
        rows1 = np.mod(rows1 - rows1[:, piv2] @ rows2, p)
    return (np.concatenate([kept1, kept2]), np.vstack([rows1, rows2]),
            np.concatenate([piv1, piv2]))


class ModularEchelon:
    """A growing basis modulo ``p``, kept in reduced row echelon form.

    Parameters
    ----------
    width
        Length of the vectors.
    p
        A prime with ``p² · width < 2^53`` (see :func:`modular_primes`).

    Examples
    --------
    >>> e = ModularEchelon(3, 101)
    >>> e.add_block(np.array([[1, 1, 0], [2, 2, 0], [0, 1, 1]])).tolist()
    [True, False, True]
    >>> e.rank, e.pivots.tolist()
    (2, [0, 1])
    """

    def __init__(self, width: int, p: int) -> None:
        if p * p * max(width, 1) >= 2**53:
            raise ValueError(f"prime {p} too large for exact float64 products of width {width}")
        self.width = width
        self.p = p
        self._rows = np.zeros((min(width, 64), width))  # grown by doubling
        self._pivots = np.zeros(min(width, 64), dtype=np.int64)
        self._rank = 0

    @property
    def rank(self) -> int:
        """Number of basis vectors."""
        return self._rank

    @property
    def rows(self) -> np.ndarray:
        """The basis in reduced row echelon form (``rows[:, pivots]`` is the identity)."""
        return self._rows[:self._rank]

    @property
    def pivots(self) -> np.ndarray:
        """Pivot column of each basis row."""
        return self._pivots[:self._rank]

    def reduce(self, block: np.ndarray) -> np.ndarray:
        """``block`` minus its projection on the basis (rows in the span become zero)."""
        block = np.mod(np.asarray(block, dtype=np.float64), self.p)
        if block.ndim != 2 or block.shape[1] != self.width:
            raise ValueError(f"expected rows of width {self.width}, got shape {block.shape}")
        if self._rank == 0 or block.size == 0:
            return block
        coef = block[:, self.pivots]
        used = np.flatnonzero(coef.any(axis=0))  # sparse vectors touch few pivots
        if used.size:
            block = np.mod(block - coef[:, used] @ self.rows[used], self.p)
        return block

    def add_block(self, block: np.ndarray) -> np.ndarray:
        """Add the rows of ``block`` in order, each if independent of the basis and of the
        rows kept before it; return which rows were kept."""
        block = self.reduce(block)
        kept = np.zeros(block.shape[0], dtype=bool)
        live = np.flatnonzero(block.any(axis=1))
        if live.size == 0:
            return kept
        support = block[live] != 0
        if support.sum(axis=0).max() <= 1:
            # rows of disjoint support (e.g. output indicators, permuted copies): each is
            # independent, and scaled to a leading 1 they are already in reduced form
            kept[live] = True
            new_pivots = support.argmax(axis=1).astype(np.int64)
            lead = block[live, new_pivots].astype(np.int64)
            inverse = np.array([pow(int(x), -1, self.p) for x in lead.tolist()], dtype=float)
            new_rows = np.mod(block[live] * inverse[:, None], self.p)
        else:
            kept_live, new_rows, new_pivots = _eliminate(block[live], self.p)
            kept[live[kept_live]] = True
        if self._rank:  # clear the new pivot columns from the old rows
            coef = self.rows[:, new_pivots]
            touched = np.flatnonzero(coef.any(axis=1))
            if touched.size:
                self._rows[touched] = np.mod(
                    self._rows[touched] - coef[touched] @ new_rows, self.p)
        r, c = self._rank, new_pivots.size
        if r + c > self._rows.shape[0]:
            size = min(self.width, max(2 * self._rows.shape[0], r + c))
            rows = np.zeros((size, self.width))
            rows[:r] = self.rows
            pivots = np.zeros(size, dtype=np.int64)
            pivots[:r] = self.pivots
            self._rows, self._pivots = rows, pivots
        self._rows[r:r + c] = new_rows
        self._pivots[r:r + c] = new_pivots
        self._rank = r + c
        return kept


def modular_rank(matrix: np.ndarray, p: int) -> int:
    """Rank of an integer matrix modulo the prime ``p`` (a lower bound of its rank over Q).

    Examples
    --------
    >>> modular_rank(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]]), 2)  # rank 3 over Q
    2
    """
    from flint import nmod_mat

    matrix = np.asarray(matrix)
    if matrix.size == 0:
        return 0
    return int(nmod_mat(np.mod(matrix.astype(np.int64), p).tolist(), p).rank())
