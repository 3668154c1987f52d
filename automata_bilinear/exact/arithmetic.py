"""Exact arithmetic for proofs: rationals from floats, an exact echelon basis, and rigorous
enclosures of cos/sin at rational turns.

Every float64 is a rational number, so ``Fraction(x)`` is the exact value a stored array
holds. The trusted checker (:mod:`automata_bilinear.checker.proof`) and the certificate checks
compute only with these rationals, with integers, and with the intervals of
:func:`turn_enclosure` (mpmath's interval arithmetic with outward rounding).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = ["Echelon", "exact_rank", "fractions", "turn_enclosure"]


def fractions(values: Iterable[float] | np.ndarray) -> list[Fraction]:
    """The exact rational values of floats (``Fraction(float)`` is exact).

    Examples
    --------
    >>> fractions([0.5, 0.1])[1] == Fraction(1, 10)
    False
    """
    return [Fraction(float(x)) for x in np.asarray(values, dtype=np.float64).ravel()]


class Echelon:
    """Incremental exact row echelon basis over the rationals (pivot column → row).

    Examples
    --------
    >>> e = Echelon(2)
    >>> e.add([Fraction(1), Fraction(2)]), e.add([Fraction(2), Fraction(4)])
    (True, False)
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[int, list[Fraction]] = {}

    def reduce(self, v: list[Fraction]) -> list[Fraction]:
        """``v`` minus its projection on the basis rows (zero iff ``v`` is in the span)."""
        v = list(v)
        for col, row in self.rows.items():
            if v[col]:
                f = v[col]
                v = [x - f * y for x, y in zip(v, row)]
        return v

    def add(self, v: list[Fraction]) -> bool:
        """Add ``v`` if it is independent of the basis; return whether it was."""
        r = self.reduce(v)
        pivot = next((i for i, x in enumerate(r) if x), None)
        if pivot is None:
            return False
        inv = 1 / r[pivot]
        r = [x * inv for x in r]
        for col, row in self.rows.items():  # keep every row reduced at the new pivot
            if row[pivot]:
                f = row[pivot]
                self.rows[col] = [x - f * y for x, y in zip(row, r)]
        self.rows[pivot] = r
        return True

    def __len__(self) -> int:
        return len(self.rows)


def exact_rank(rows: list[list[Fraction]]) -> int:
    """Exact rank of a rational matrix given by rows.

    Examples
    --------
    >>> exact_rank([[Fraction(1), Fraction(1)], [Fraction(1), Fraction(1)]])
    1
    """
    if not rows:
        return 0
    echelon = Echelon(len(rows[0]))
    return sum(echelon.add(r) for r in rows)


def _mpf_fraction(raw: tuple) -> Fraction:
    sign, man, exp, _ = raw
    value = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -value if sign else value


@lru_cache(maxsize=65536)
def turn_enclosure(k: int, n: int) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """Rational bounds ``(cos_lo, cos_hi, sin_lo, sin_hi)`` of ``cos, sin(2π k / n)``.

    Exact (lo = hi) at multiples of a quarter turn; elsewhere intervals of width about
    2^-110 from mpmath's interval arithmetic, which rounds outward.

    Examples
    --------
    >>> turn_enclosure(1, 4)[:2], turn_enclosure(1, 4)[2:]
    ((Fraction(0, 1), Fraction(0, 1)), (Fraction(1, 1), Fraction(1, 1)))
    >>> lo, hi, _, _ = turn_enclosure(1, 6)
    >>> lo <= Fraction(1, 2) <= hi
    True
    """
    k %= n
    if (4 * k) % n == 0:
        quarter = (4 * k) // n
        cos = (1, 0, -1, 0)[quarter]
        sin = (0, 1, 0, -1)[quarter]
        return (Fraction(cos), Fraction(cos), Fraction(sin), Fraction(sin))
    from mpmath import iv

    old = iv.prec
    try:
        iv.prec = 120
        angle = 2 * iv.pi * k / n
        c, s = iv.cos(angle)._mpi_, iv.sin(angle)._mpi_
        return (_mpf_fraction(c[0]), _mpf_fraction(c[1]), _mpf_fraction(s[0]),
                _mpf_fraction(s[1]))
    finally:
        iv.prec = old
