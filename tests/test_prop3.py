"""Proposition 3: criterion, formula, Monte Carlo, learned readout, finite precision."""

import numpy as np
import pytest

from automata_bilinear.propositions.prop3 import (
    Prop3Error,
    finite_precision_success,
    good_units,
    learned_readout_success,
    monte_carlo_existence,
    plot_prop3,
    prop3_table,
    readout_exists,
    sample_eigenvalues,
    success_probability,
    symbolic_derivation,
    wilson_interval,
)


def test_formula_closed_forms():
    assert success_probability(1, "scalar") == 0.5
    assert success_probability(10, "scalar") == 1 - 2.0**-10
    assert success_probability(2, "onehot") == 1 - 0.75**2


def test_criterion_on_hand_made_units():
    lam = np.array([[[1.0, -2.0], [0.5, 0.5]], [[-1.0, -1.0], [2.0, 3.0]]])
    assert good_units(lam).tolist() == [[True, False], [False, False]]
    assert readout_exists(lam).tolist() == [True, False]


def test_good_unit_readout_is_exact_on_every_count_vector():
    # sufficiency: weight only on a good unit gives the parity sign for all (n0, n1)
    a, b = 0.7, 1.9
    for n0 in range(30):
        for n1 in range(30):
            h = a**n0 * (-b) ** n1
            assert np.sign(h) == (-1) ** n1


def test_scalar_encoding_ties_the_two_letters():
    lam = sample_eigenvalues(np.random.default_rng(0), 5, 3, "scalar")
    assert np.array_equal(lam[..., 1], -lam[..., 0])


@pytest.mark.parametrize(("H", "encoding"), [(1, "scalar"), (3, "scalar"), (2, "onehot"),
                                             (6, "onehot")])
def test_monte_carlo_interval_contains_the_formula(H, encoding):
    r = monte_carlo_existence(H, encoding, 200_000, seed=H)
    assert r["contains_formula"] and abs(r["estimate"] - r["formula"]) < 0.01


def test_wilson_interval_is_sane():
    lo, hi = wilson_interval(50, 100)
    assert lo < 0.5 < hi and 0 <= lo and hi <= 1
    with pytest.raises(Prop3Error):
        wilson_interval(0, 0)


def test_learned_readout_and_finite_precision_match_the_caveats():
    learned = learned_readout_success(8, "scalar", 1500, seed=1)
    assert abs(learned["rate"] - 0.5) < 0.06  # dominant unit good: probability 1/2
    finite = finite_precision_success(8, "scalar", 600, seed=2, steps=500)
    assert abs(finite["all_length_limit"] - 0.5) < 0.07
    assert finite["rate"] >= finite["all_length_limit"] - 0.05
    onehot = [finite_precision_success(H, "onehot", 600, seed=H, steps=200)["all_length_limit"]
              for H in (2, 16)]
    assert onehot[1] < onehot[0]  # falls with H


def test_symbolic_derivation():
    sym = symbolic_derivation()
    assert sym["per_unit_ok"] and sym["formula_scalar_ok"] and sym["formula_onehot_ok"]
    assert sym["identity_ok"]


def test_table_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    rows = prop3_table((1, 2), "onehot", trials=20_000, learned_trials=200, finite_trials=100,
                       steps=100)
    path = tmp_path / "p3.png"
    plot_prop3(rows, str(path))
    assert path.stat().st_size > 1000
    assert rows[1].to_json()["existence"]["contains_formula"]


@pytest.mark.parametrize("call", [lambda: success_probability(0), lambda: success_probability(
    2, "binary"), lambda: monte_carlo_existence(2, trials=0)])
def test_bad_arguments(call):
    with pytest.raises(Prop3Error):
        call()


@pytest.mark.parametrize("encoding", ["scalar", "onehot"])
def test_learned_readout_rate_matches_exact_evaluation_of_every_count_vector(encoding):
    # oracle: the least-squares readout's score on every (n0, n1) in exact rationals
    from fractions import Fraction

    trials, H, lengths = 60, 4, (3, 8, 15)
    rng = np.random.default_rng(7)
    lam = sample_eigenvalues(rng, trials, H, encoding)
    X = lam.transpose(0, 2, 1)
    c = np.einsum("tij,j->ti", np.linalg.pinv(X), np.array([1.0, -1.0]))
    right = 0
    for t in range(trials):
        ok = True
        for L in lengths:
            for n0 in range(L + 1):
                n1 = L - n0
                score = sum(Fraction(float(c[t, i])) * Fraction(float(lam[t, i, 0])) ** n0
                            * Fraction(float(lam[t, i, 1])) ** n1 for i in range(H))
                ok &= score * (1 if n1 % 2 == 0 else -1) > 0
        right += ok
    got = learned_readout_success(H, encoding, trials, seed=np.random.default_rng(7),
                                  lengths=lengths)
    assert got["rate"] == right / trials
