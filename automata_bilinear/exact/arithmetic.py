"""Exact arithmetic for proofs: rationals from floats and rigorous enclosures of cos/sin at
rational turns (exact linear algebra lives in :mod:`automata_bilinear.exact.modular` and on
python-flint).

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

__all__ = ["fractions", "turn_enclosure"]


def fractions(values: Iterable[float] | np.ndarray) -> list[Fraction]:
    """The exact rational values of floats (``Fraction(float)`` is exact).

    Examples
    --------
    >>> fractions([0.5, 0.1])[1] == Fraction(1, 10)
    False
    """
    return [Fraction(float(x)) for x in np.asarray(values, dtype=np.float64).ravel()]


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
