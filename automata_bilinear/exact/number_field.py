"""Exact arithmetic in a real number field ``Q(θ)``, for proofs about irrational weights.

A rotation by 2π/5 or a reflection across the line at angle π/7 has no exact float entries,
but its entries lie in a number field ``K = Q(θ)`` with θ real algebraic. An element of K is a
tuple of d rationals, ``x = Σ_i x_i θ^i`` (d = [K : Q]); sums and products are polynomial
arithmetic modulo the minimal polynomial p of θ, inverses come from the extended Euclidean
algorithm, and the *sign* of a nonzero element is decided by evaluating it on an isolating
interval of θ with FLINT's ball arithmetic (Arb, rigorous enclosures), halving the interval and
doubling the precision while the ball contains 0 (with exact rational interval arithmetic as a
last resort) until the enclosure excludes 0 (it must, since a nonzero element of degree < d
cannot vanish at θ).
Products, reductions and inverses run on FLINT's exact rational polynomials (``fmpq_poly``);
elements are handed out as tuples of :class:`fractions.Fraction`.
Because p is irreducible, the coefficient tuple is a canonical name: two elements are equal
exactly when their tuples are.

The field is fixed by p (integer coefficients, checked irreducible with sympy) and a float
approximation of θ that picks one real root; :meth:`RealNumberField.from_root` isolates that
root exactly (sympy's real-root isolation), so a file that stores ``(p, θ≈)`` names its field
unambiguously.

Examples
--------
>>> K = RealNumberField.from_root((-3, 0, 4), 0.8660254037844386)   # θ = √3/2
>>> t = K.generator()
>>> K.mul(t, t) == K.rational(Fraction(3, 4))
True
>>> K.sign(K.sub(t, K.rational(Fraction(7, 8))))      # √3/2 < 7/8
-1
>>> K.mul(t, K.inverse(t)) == K.one
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from flint import arb, ctx, fmpq, fmpq_poly

from ..errors import FormatError

__all__ = ["FieldElement", "RealNumberField", "cosine_field"]

FieldElement = tuple[Fraction, ...]
"""Coefficients of ``Σ_i x_i θ^i``, lowest degree first, length [K : Q]."""

_MAX_BISECTIONS = 4000  # far beyond what any element of a stored model needs
_MAX_BALL_BITS = 1 << 14  # ball precision beyond which exact rational enclosures are tried too


def _trim(poly: list[Fraction]) -> list[Fraction]:
    while poly and poly[-1] == 0:
        poly.pop()
    return poly


def _evaluate(poly: Sequence[Fraction], x: Fraction) -> Fraction:
    acc = Fraction(0)
    for c in reversed(poly):
        acc = acc * x + c
    return acc


def _to_poly(coefficients: Sequence[Fraction | int]) -> fmpq_poly:
    # ints and Fractions both carry numerator/denominator
    return fmpq_poly([fmpq(c.numerator, c.denominator) for c in coefficients])


def _ball_sign(poly: Sequence[Fraction], lo: Fraction, hi: Fraction, bits: int) -> int:
    """The sign of poly on [lo, hi] when a ball enclosure (Arb, ``bits``-bit midpoints with
    rigorous radii) decides it, else 0. Arb balls contain every value they stand for, so a
    decided sign is the true sign at every point of the interval."""
    saved = ctx.prec
    ctx.prec = bits
    try:
        point = arb(fmpq(lo.numerator, lo.denominator)).union(
            arb(fmpq(hi.numerator, hi.denominator)))  # a ball containing [lo, hi]
        acc = arb(0)
        for c in reversed(poly):
            acc = acc * point + arb(fmpq(c.numerator, c.denominator))
        return 1 if acc > 0 else -1 if acc < 0 else 0
    finally:
        ctx.prec = saved


def _interval_evaluate(poly: Sequence[Fraction], lo: Fraction, hi: Fraction
                       ) -> tuple[Fraction, Fraction]:
    """An enclosure of {poly(t) : lo ≤ t ≤ hi} (Horner with exact interval arithmetic)."""
    a = b = Fraction(0)
    for c in reversed(poly):
        products = (a * lo, a * hi, b * lo, b * hi)
        a, b = min(products) + c, max(products) + c
    return a, b


@dataclass(frozen=True)
class RealNumberField:
    """``Q(θ)``: θ the unique root of ``polynomial`` in the open interval (lower, upper).

    Attributes
    ----------
    polynomial
        Integer coefficients of θ's minimal polynomial, lowest degree first (irreducible;
        degree 1 is Q itself).
    lower, upper
        An isolating interval of θ (exact; ``lower == upper`` when θ is rational).
    approximation
        θ as a float, for display and the float models.
    """

    polynomial: tuple[int, ...]
    lower: Fraction
    upper: Fraction
    approximation: float
    _refined: list[tuple[Fraction, Fraction]] = field(default_factory=list, compare=False,
                                                      repr=False)
    _modulus: fmpq_poly = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        p = [Fraction(c) for c in self.polynomial]
        if len(p) > 2 and not _evaluate(p, self.lower) * _evaluate(p, self.upper) < 0:
            raise FormatError("the interval does not enclose a root of the field polynomial")
        object.__setattr__(self, "_modulus", fmpq_poly([int(c) for c in self.polynomial]))

    @staticmethod
    def from_root(polynomial: Sequence[int], approximation: float) -> RealNumberField:
        """The field of the real root of ``polynomial`` nearest ``approximation``.

        Raises :class:`FormatError` when the polynomial is not an irreducible integer
        polynomial, or no real root lies within 1e-9 of the approximation, or two do.
        """
        import sympy

        coeffs = [int(c) for c in polynomial]
        if any(c != p for c, p in zip(coeffs, polynomial)) or len(coeffs) < 2 or \
                coeffs[-1] == 0:
            raise FormatError(f"field polynomial must be integers with a nonzero leading "
                              f"coefficient, degree ≥ 1, got {list(polynomial)}")
        x = sympy.Symbol("x")
        poly = sympy.Poly(list(reversed(coeffs)), x, domain="ZZ")
        if not poly.is_irreducible:
            raise FormatError(f"field polynomial {poly.as_expr()} is not irreducible over Q")
        near = []
        for (lo, hi), _ in poly.intervals():
            lo, hi = Fraction(int(lo.p), int(lo.q)), Fraction(int(hi.p), int(hi.q))
            while hi - lo > Fraction(1, 10**9):
                lo, hi = (Fraction(int(v.p), int(v.q))
                          for v in poly.refine_root(lo, hi, eps=Fraction(1, 10**10)))
            if abs(float(lo + hi) / 2 - approximation) < 1e-9:
                near.append((lo, hi))
        if len(near) != 1:
            raise FormatError(f"field root {approximation!r} is within 1e-9 of "
                              f"{len(near)} real roots of {poly.as_expr()} (need exactly one)")
        lo, hi = (Fraction(int(v.p), int(v.q))
                  for v in poly.refine_root(*near[0], eps=Fraction(1, 10**18)))
        if len(coeffs) == 2:
            lo = hi = Fraction(-coeffs[0], coeffs[1])
        return RealNumberField(tuple(coeffs), lo, hi, float((lo + hi) / 2))

    # -- elements -------------------------------------------------------------------------

    @property
    def degree(self) -> int:
        return len(self.polynomial) - 1

    def rational(self, q: Fraction | int) -> FieldElement:
        return (Fraction(q),) + (Fraction(0),) * (self.degree - 1)

    @property
    def zero(self) -> FieldElement:
        return self.rational(0)

    @property
    def one(self) -> FieldElement:
        return self.rational(1)

    def generator(self) -> FieldElement:
        """θ itself."""
        return self.element([0, 1]) if self.degree > 1 else self.rational(self.lower)

    def element(self, coefficients: Sequence[Fraction | int]) -> FieldElement:
        """``Σ c_i θ^i`` reduced modulo the minimal polynomial."""
        return self._from_poly(_to_poly(coefficients) % self._modulus)

    def _from_poly(self, poly: fmpq_poly) -> FieldElement:
        """The tuple of a polynomial of degree < d (already reduced)."""
        coeffs = poly.coeffs()
        return (tuple(Fraction(int(c.p), int(c.q)) for c in coeffs)
                + (Fraction(0),) * (self.degree - len(coeffs)))

    def add(self, x: FieldElement, y: FieldElement) -> FieldElement:
        return tuple(a + b for a, b in zip(x, y))

    def sub(self, x: FieldElement, y: FieldElement) -> FieldElement:
        return tuple(a - b for a, b in zip(x, y))

    def neg(self, x: FieldElement) -> FieldElement:
        return tuple(-a for a in x)

    def scale(self, q: Fraction, x: FieldElement) -> FieldElement:
        return tuple(q * a for a in x)

    def mul(self, x: FieldElement, y: FieldElement) -> FieldElement:
        if self.degree == 1:
            return (x[0] * y[0],)
        return self._from_poly((_to_poly(x) * _to_poly(y)) % self._modulus)

    def dot(self, xs: Sequence[FieldElement], ys: Sequence[FieldElement]) -> FieldElement:
        if self.degree == 1:
            return (sum((x[0] * y[0] for x, y in zip(xs, ys)), Fraction(0)),)
        acc = fmpq_poly(0)
        for x, y in zip(xs, ys):  # one reduction at the end, not one per product
            if any(x) and any(y):
                acc += _to_poly(x) * _to_poly(y)
        return self._from_poly(acc % self._modulus)

    def inverse(self, x: FieldElement) -> FieldElement:
        """``1/x`` (extended Euclid with the minimal polynomial); x must be nonzero."""
        if not any(x):
            raise ZeroDivisionError("inverse of 0 in a number field")
        if self.degree == 1:
            return (1 / x[0],)
        g, s, _ = _to_poly(x).xgcd(self._modulus)  # s·x + t·p = g, a nonzero constant
        return self._from_poly((s / g.coeffs()[0]) % self._modulus)

    def sign(self, x: FieldElement) -> int:
        """The exact sign (−1, 0 or 1) of x at θ."""
        if not any(x):
            return 0
        if self.degree == 1:
            return 1 if x[0] > 0 else -1
        if not self._refined:
            self._refined.append((self.lower, self.upper))
        p = [Fraction(c) for c in self.polynomial]
        bits = 64
        for _ in range(_MAX_BISECTIONS):
            lo, hi = self._refined[-1]  # the finest isolating interval so far
            ball = _ball_sign(x, lo, hi, bits)
            if ball:
                return ball
            if bits >= _MAX_BALL_BITS:  # exact rational enclosure, the last resort
                a, b = _interval_evaluate(x, lo, hi)
                if a > 0:
                    return 1
                if b < 0:
                    return -1
            # undecided: cancellation (more bits) or θ's interval too wide (halve it)
            bits = min(2 * bits, _MAX_BALL_BITS)
            mid = (lo + hi) / 2
            left = _evaluate(p, lo) * _evaluate(p, mid) < 0
            self._refined.append((lo, mid) if left else (mid, hi))
        raise ArithmeticError("sign not decided: the field description is inconsistent")

    def to_float(self, x: FieldElement) -> float:
        t = self.approximation
        return float(sum(float(c) * t**i for i, c in enumerate(x)))


def cosine_field(n: int) -> tuple[RealNumberField, list[FieldElement]]:
    """``Q(cos 2π/n)`` and the exact values ``cos(2πk/n)`` for k = 0..n−1 (Chebyshev
    polynomials ``T_k`` evaluated at the generator; sympy gives the minimal polynomial).

    Examples
    --------
    >>> K, cos = cosine_field(12)          # cos(π/6) = √3/2
    >>> K.polynomial, K.to_float(cos[1])
    ((-3, 0, 4), 0.8660254037844386)
    """
    import math

    import sympy

    x = sympy.Symbol("x")
    minimal = sympy.Poly(sympy.minimal_polynomial(sympy.cos(2 * sympy.pi / n), x), x)
    coeffs = [int(c) for c in reversed(minimal.all_coeffs())]
    K = RealNumberField.from_root(coeffs, math.cos(2 * math.pi / n))
    cheb = [[Fraction(1)], [Fraction(0), Fraction(1)]]  # T_{k+1} = 2x T_k − T_{k−1}
    for _ in range(2, n):
        nxt = [Fraction(0)] + [2 * c for c in cheb[-1]]
        for i, c in enumerate(cheb[-2]):
            nxt[i] -= c
        cheb.append(nxt)
    return K, [K.element(c) for c in cheb[:n]]
