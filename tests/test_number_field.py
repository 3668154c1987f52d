"""Exact arithmetic in Q(θ) against sympy: products and reductions (sympy's polynomial
remainder), inverses (the field law x·x⁻¹ = 1 and sympy's inverse), signs (60-digit evaluation
of the element at θ = cos 2π/n, far from 0 for these elements)."""

from fractions import Fraction

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from automata_bilinear.exact.number_field import RealNumberField, cosine_field

X = sympy.Symbol("x")
FIELDS = {n: cosine_field(n) for n in (5, 7, 12, 50)}
rationals = st.fractions(min_value=-5, max_value=5, max_denominator=50)


def _element(data, K):
    return K.element([data.draw(rationals) for _ in range(K.degree)])


def _sympy_poly(coefficients):
    return sympy.Poly([sympy.Rational(c.numerator, c.denominator)
                       for c in reversed(coefficients)], X, domain="QQ")


def _coefficients(poly, degree):
    out = [Fraction(int(c.p), int(c.q)) for c in reversed(poly.all_coeffs())]
    return tuple(out + [Fraction(0)] * (degree - len(out)))


@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from(sorted(FIELDS)))
def test_products_are_sympys_remainders(data, n):
    K, _ = FIELDS[n]
    x, y = _element(data, K), _element(data, K)
    modulus = sympy.Poly(list(reversed(K.polynomial)), X, domain="QQ")
    expected = sympy.rem(_sympy_poly(x) * _sympy_poly(y), modulus)
    assert K.mul(x, y) == _coefficients(expected, K.degree)
    assert K.dot([x, y], [y, x]) == K.add(K.mul(x, y), K.mul(y, x))


@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from(sorted(FIELDS)))
def test_inverses_and_signs(data, n):
    K, _ = FIELDS[n]
    x = _element(data, K)
    theta = sympy.cos(2 * sympy.pi / n)
    value = sum(sympy.Rational(c.numerator, c.denominator) * theta**i
                for i, c in enumerate(x))
    if not any(x):
        assert K.sign(x) == 0
        with pytest.raises(ZeroDivisionError):
            K.inverse(x)
        return
    assert K.mul(x, K.inverse(x)) == K.one
    assert K.sign(x) == (1 if sympy.N(value, 60) > 0 else -1)


def test_signs_of_elements_closer_to_zero_than_a_float_ball_resolves():
    # √2 − p/q for a convergent p/q of √2: |x| ≈ 1/(2√2 q²) ≈ 1e-40, far below a 53-bit ball's
    # radius, so the sign must come from the exact bisection
    K = RealNumberField.from_root((-2, 0, 1), 2**0.5)
    p, q = 1, 1
    for _ in range(52):
        p, q = p + 2 * q, p + q
    x = K.sub(K.generator(), K.rational(Fraction(p, q)))
    assert abs(Fraction(p, q) ** 2 - 2) < Fraction(1, 10**38)
    assert K.sign(x) == (1 if p * p < 2 * q * q else -1)
    assert K.sign(K.neg(x)) == -K.sign(x)
