"""The householder rung (A_σ = Π (I − β v vᵀ/vᵀv)): storage, the exact factorisation, the
fewest factors per letter, proofs and the forward pass — against explicit matrix products,
brute force over eigenvalue multisets, the literature's values and direct DFA simulation."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import automata_bilinear as ab
from automata_bilinear import errors as E
from automata_bilinear.checker.certificates import Certificate, fixed_space_bound
from automata_bilinear.checker.proof import exact_prediction, prove
from automata_bilinear.constructions.reflections import factor_reflections
from automata_bilinear.exact.number_field import RealNumberField, cosine_field
from automata_bilinear.model import BilinearModel


def _model(vectors, betas, h0, C, alphabet=("a", "b"), labels=(0, 1)) -> BilinearModel:
    return BilinearModel("householder", {"vectors": np.asarray(vectors, float),
                                         "betas": np.asarray(betas, float)},
                         np.asarray(h0, float), np.asarray(C, float), alphabet, labels)


def _factors(model: BilinearModel) -> int:
    return int(model.params["betas"].shape[1])


# -- the parameterisation ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_transitions_are_the_product_of_the_factors_first_factor_first(D, n, H, seed):
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(D, n, H)) + 0.1
    beta = rng.uniform(0, 2, size=(D, n))
    model = _model(v, beta, np.ones(H), np.eye(2, H), tuple("abc"[:D]), (0, 1))
    for d in range(D):
        expected = np.eye(H)
        for i in range(n):  # factor 1 acts first: A = H_n ⋯ H_1
            u = v[d, i] / np.linalg.norm(v[d, i])
            expected = (np.eye(H) - beta[d, i] * np.outer(u, u)) @ expected
        np.testing.assert_allclose(model.transitions[d], expected, atol=1e-12)
    x = rng.integers(0, D, size=(3, 9))
    out = ab.forward(model, x, return_hidden=True)
    dense = ab.forward_matrices(model.transitions, model.h0, model.readout, x)
    np.testing.assert_allclose(out.final_hidden, dense.final_hidden, atol=1e-12)


def test_factor_roles_reflection_projection_identity():
    # β = 2 reflects, β = 1 projects onto v⊥, β = 0 is the identity (unnormalised v)
    A = _model([[[0.0, 3.0]], [[0.0, 3.0]]], [[2.0], [1.0]], [1, 1], np.eye(2)).transitions
    np.testing.assert_array_equal(A[0], np.diag([1.0, -1.0]))
    np.testing.assert_array_equal(A[1], np.diag([1.0, 0.0]))


@pytest.mark.parametrize(("params", "culprit"), [
    ({"vectors": np.ones((2, 1, 2)), "betas": np.full((2, 1), 2.5)}, "betas"),
    ({"vectors": np.ones((2, 1, 2)), "betas": np.full((2, 1), -0.1)}, "betas"),
    ({"vectors": np.zeros((2, 1, 2)), "betas": np.ones((2, 1))}, "zero"),
    ({"vectors": np.ones((2, 0, 2)), "betas": np.ones((2, 0))}, "vectors"),
    ({"vectors": np.ones((3, 1, 2)), "betas": np.ones((3, 1))}, "vectors"),
    ({"vectors": np.ones((2, 1, 2)), "betas": np.ones((2, 2))}, "betas"),
    ({"vector_coefficients": np.ones((2, 1, 2, 2)), "betas": np.ones((2, 1)),
      "field_polynomial": np.array([-4.0, 0, 1]), "field_root": np.array(2.0)},
     "irreducible"),
    ({"vector_coefficients": np.ones((2, 1, 2, 2)), "betas": np.ones((2, 1)),
      "field_polynomial": np.array([-2.0, 0, 1]), "field_root": np.array(1.0)}, "root"),
    ({"vector_coefficients": np.full((2, 1, 2, 2), 0.5), "betas": np.ones((2, 1)),
      "field_polynomial": np.array([-2.0, 0, 1]), "field_root": np.array(math.sqrt(2))},
     "integers"),
    ({"vectors": np.ones((2, 1, 2))}, "missing"),
])
def test_bad_parameters_get_one_clear_error(params, culprit):
    with pytest.raises(E.ModelError, match=culprit):
        BilinearModel("householder", params, np.ones(2), np.eye(2), ("a", "b"), (0, 1))


def test_factor_options_are_checked():
    m = ab.build("cyclic:3")
    with pytest.raises(E.InvalidArgumentError, match="factors"):
        ab.compile_bilinear(m, "householder", factors=0)
    with pytest.raises(E.InvalidArgumentError, match="factors applies only"):
        ab.compile_bilinear(m, "pd", factors=2)


# -- exact arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 7, 9, 12, 20])
def test_cosine_field_values_and_sign_against_floats(n):
    K, cos = cosine_field(n)
    for k in range(n):
        assert abs(K.to_float(cos[k]) - math.cos(2 * math.pi * k / n)) < 1e-12
    # T_2(c) = 2c² − 1 exactly, and signs agree with the floats wherever they are clear
    assert K.sub(cos[2 % n], K.sub(K.scale(Fraction(2), K.mul(cos[1], cos[1])), K.one)) \
        == K.zero
    for k in range(n):
        x = math.cos(2 * math.pi * k / n)
        if abs(x) > 1e-9:
            assert K.sign(cos[k]) == (1 if x > 0 else -1)
        assert K.mul(cos[k], K.inverse(cos[k])) == K.one if abs(x) > 1e-9 else True


def _brute_force_bound(k: int, powers: list[int]) -> int:
    """Smallest set of nonzero exponents e mod k closed under e ↦ ±j·e with lcm of the
    orders k/gcd(e, k) equal to k (the eigenvalues ζ^e ≠ 1), by enumeration."""
    gens = [j % k for j in powers] + [k - 1]
    best = k
    for size in range(1, k):
        for subset in itertools.combinations(range(1, k), size):
            s = set(subset)
            if any((e * j) % k not in s for e in s for j in gens):
                continue
            if math.lcm(*(k // math.gcd(e, k) for e in s)) == k:
                best = min(best, size)
        if best < k:
            return best
    return best


@pytest.mark.parametrize("k", range(2, 13))
def test_fixed_space_bound_against_brute_force(k):
    units = [j for j in range(2, k) if math.gcd(j, k) == 1]
    for r in range(len(units) + 1):
        for powers in itertools.combinations(units, r):
            assert fixed_space_bound(k, list(powers)) == _brute_force_bound(k, list(powers))


@settings(max_examples=30, deadline=None)
@given(st.permutations(range(6)), st.lists(st.sampled_from([1, -1]), min_size=6, max_size=6))
def test_cartan_dieudonne_uses_rank_of_m_minus_i_reflections(perm, signs):
    K = RealNumberField.from_root((0, 1), 0.0)
    M = [[K.rational(signs[c] if perm[c] == r else 0) for c in range(6)] for r in range(6)]
    ys = factor_reflections(K, M)
    dense = np.array([[float(x[0]) for x in row] for row in M])
    assert len(ys) == np.linalg.matrix_rank(dense - np.eye(6))
    prod = [[Fraction(int(r == c)) for c in range(6)] for r in range(6)]
    for y in ys:  # y_1 first: M = R_{y_r} ⋯ R_{y_1}, in exact rationals
        yv = [e[0] for e in y]
        norm = sum(a * a for a in yv)
        ry = [[Fraction(int(r == c)) - 2 * yv[r] * yv[c] / norm for c in range(6)]
              for r in range(6)]
        prod = [[sum(ry[r][k] * prod[k][c] for k in range(6)) for c in range(6)]
                for r in range(6)]
    assert prod == [[x[0] for x in row] for row in M]


def test_non_orthogonal_matrices_are_not_factored():
    K = RealNumberField.from_root((0, 1), 0.0)
    assert factor_reflections(K, [[K.rational(2)]]) is None


# -- the literature's values (docs/theory.md §10) ----------------------------------------------


@pytest.mark.parametrize(("spec", "factors", "hidden"), [
    ("parity", 1, 1),                # a sign flip is one reflection
    ("cyclic:3", 2, 2), ("cyclic:4", 2, 2), ("cyclic:5", 2, 2), ("cyclic:7", 2, 2),
    ("cyclic:6,letters=generators", 2, 2),
    ("symmetric:3", 2, 2),           # DeltaProduct: one Householder fails, two succeed
    ("dihedral:5", 2, 2), ("alternating:4", 2, 3), ("symmetric:4", 2, 3),
    ("flipflop", 1, 2),              # a projection onto one of two acute rays
])
def test_least_factors_and_hidden_size(spec, factors, hidden):
    machine = ab.build(spec)
    model = ab.compile_bilinear(machine, "householder")
    assert (_factors(model), model.hidden_size) == (factors, hidden)
    assert prove(model, machine).proved
    rng = np.random.default_rng(0)  # direct DFA simulation against the float forward pass
    words = rng.integers(0, machine.n_symbols, size=(16, 300))
    pred = ab.forward(model, words).predictions
    for w, p in zip(words, pred):
        outs = ab.output_trace(machine, [machine.alphabet[a] for a in w])
        assert [model.output_labels[i] for i in p] == outs
    if factors > 1:
        with pytest.raises(ab.NotRepresentableError, match="FIXED_SPACE"):
            ab.compile_bilinear(machine, "householder", factors=factors - 1)


def test_s5_needs_four_factors():
    # Siems, Grazzi et al. 2026: three factors cannot track S_5 in one layer; the 5-cycle
    # is conjugate to all its powers, so all four primitive 5th roots are eigenvalues
    report = ab.classify(ab.build("symmetric:5,letters=generators"))
    row = report.rungs["householder"]
    assert row.verdict == "yes" and row.factors == 4
    assert row.bounds["factors"] == (4, 4) and row.bounds["H"] == (4, 4)
    machine = ab.build("symmetric:5,letters=generators")
    cert = row.bound_certificate
    assert cert.check(machine).rules_out == ("householder(1)", "householder(2)",
                                             "householder(3)")
    # without the conjugations the bound falls to 2, so the claimed 4 is rejected
    doc = cert.to_json()
    assert not Certificate.from_json(dict(doc, data={**doc["data"], "powers": []})
                                     ).check(machine).ok


def test_quaternion_bounds_are_reported_as_a_range():
    row = ab.classify(ab.build("quaternion")).rungs["householder"]
    assert row.factors == 4 and row.bounds["factors"] == (2, 4)


def test_beyond_groups_only_an_upper_bound_is_claimed():
    row = ab.classify(ab.build("flipflop")).rungs["householder"]
    assert row.bounds["factors"] == (1, 1) and row.bounds["H"] == (2, 2)
    assert "open" in row.note
    with pytest.raises(ab.ConstructionUnavailableError):
        ab.compile_bilinear(ab.build("threshold:3"), "householder")


# -- certificates and soundness -------------------------------------------------------------


def test_fixed_space_certificate_rejects_edits():
    machine = ab.build("symmetric:3")
    cert = ab.classify(machine).rungs["householder"].bound_certificate
    assert cert.check(machine).ok
    doc = cert.to_json()
    for key, value in (("bound", 3), ("order", 2), ("powers", [5])):
        edited = dict(doc, data={**doc["data"], key: value})
        assert not Certificate.from_json(edited).check(machine).ok, key
    word = next(k for k in doc["words"] if k.startswith("c"))
    edited = dict(doc, words={**doc["words"], word: []})
    assert not Certificate.from_json(edited).check(machine).ok
    # a permutation automaton that is not a word problem (S_3 acting on 3 points)
    points = ab.MooreMachine([[1, 0], [2, 2], [0, 1]], 0, [0, 1, 2], ["r", "s"])
    bad = Certificate("fixed_space", {"g": ("r",)}, {"order": 3, "powers": [], "bound": 2},
                      ("householder(1)",))
    assert not bad.check(points).ok


def test_rounded_irrational_vectors_are_not_proved():
    # the float form of a Z_5 rotation (reflections at angle π/5, rounded) generates an
    # infinite group: the checker must not call it proved
    machine = ab.build("cyclic:5,letters=generators")
    exact = ab.compile_bilinear(machine, "householder")
    from automata_bilinear.rungs.householder import stored_factors

    vectors, betas = stored_factors(exact.params)
    rounded = BilinearModel("householder", {"vectors": vectors, "betas": betas}, exact.h0,
                            exact.readout, exact.alphabet, exact.output_labels)
    proof = prove(rounded, machine, max_pairs=20_000)
    assert not proof.proved and proof.counterexample is None


def test_exact_prediction_agrees_with_the_automaton_on_the_number_field_model():
    machine = ab.build("cyclic:5,letters=generators")
    model = ab.compile_bilinear(machine, "householder")
    for k in range(12):
        row = exact_prediction(model, [0] * k)
        assert model.output_labels[row] == ab.final_output(machine, ["1"] * k)


def test_save_load_round_trip_and_version(tmp_path):
    machine = ab.build("symmetric:3")
    model = ab.compile_bilinear(machine, "householder")
    path = tmp_path / "s3.npz"
    ab.save_model(model, path)
    back = ab.load_model(path)
    assert set(back.params) == set(model.params)
    assert prove(back, machine).proved
    import json
    import zipfile

    with zipfile.ZipFile(path) as z:
        meta = json.loads(str(np.load(z.open("metadata.npy"))))
        assert meta["version"] == 4 and "A.npy" not in z.namelist()
    # a file claiming version 3 cannot hold a householder model
    arrays = dict(np.load(path))
    meta["version"] = 3
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(E.FormatError, match="version 4"):
        ab.load_model(tmp_path / "old.npz")


def test_projection_model_by_hand():
    # flip-flop: states on rays (1, 0) and (1, 1/2)... whatever the construction picks, the
    # exact model must follow the DFA; checked here by exact rational evaluation
    machine = ab.build("flipflop")
    model = ab.compile_bilinear(machine, "householder")
    assert np.array_equal(np.unique(model.params["betas"]), [0.0, 1.0])
    for word in itertools.product(range(machine.n_symbols), repeat=5):
        row = exact_prediction(model, list(word))
        assert model.output_labels[row] == \
            ab.final_output(machine, [machine.alphabet[a] for a in word])


def test_cli_compile_householder_with_factors(tmp_path, capsys):
    from automata_bilinear.cli import main

    assert main(["compile", "symmetric:3", "--rung", "householder", "--factors", "2",
                 "--steps", "50", "-o", str(tmp_path / "m.npz")]) in (0, None)
    assert "2 factors per letter" in capsys.readouterr().out
    assert main(["compile", "symmetric:3", "--rung", "householder", "--factors", "1"]) != 0
    assert "FIXED_SPACE" in capsys.readouterr().err
    assert main(["compile", "parity", "--rung", "pd", "--factors", "1"]) != 0
    assert "--factors applies only" in capsys.readouterr().err


def test_npz_with_inconsistent_factors_is_refused(tmp_path):
    model = ab.compile_bilinear(ab.build("flipflop"), "householder")
    path = tmp_path / "ff.npz"
    ab.save_model(model, path)
    arrays = dict(np.load(path))
    for name, value in (("param__betas", np.ones((3, 2))),           # n differs from vectors
                        ("param__betas", np.full((3, 1), 3.0)),      # β outside [0, 2]
                        ("param__vectors", np.zeros((3, 1, 2)))):    # no direction
        bad = dict(arrays, **{name: value})
        np.savez(tmp_path / "bad.npz", **bad)
        with pytest.raises(E.FormatError, match="householder"):
            ab.load_model(tmp_path / "bad.npz")


# (least factors, least H) over faithful real representations, by hand from the groups' real
# irreducibles: Q_8's only faithful one is 4-dim with no vector fixed by i; Z_3 × Z_3 over all
# elements needs two rotation planes and some element moves both; Z_2^3 needs three signs and
# some element flips all three; S_6's standard representation twisted by the outer
# automorphism sends 6-cycles to (3-cycle)(transposition), so only 5-cycles move 4 dimensions
CHARACTER_VALUES = {"parity": (1, 1), "cyclic:5": (2, 2), "symmetric:3": (2, 2),
                    "dihedral:4": (2, 2), "quaternion": (4, 4), "cyclic:3*cyclic:3": (4, 4),
                    "cyclic:2*cyclic:2*cyclic:2": (3, 3), "alternating:4": (2, 3),
                    "symmetric:4": (2, 3), "alternating:5": (2, 3), "symmetric:5": (4, 4),
                    "symmetric:6": (4, 5)}


@pytest.mark.parametrize(("spec", "expected"), CHARACTER_VALUES.items())
def test_fewest_factors_from_the_real_character_table(spec, expected):
    from automata_bilinear.algebra.character_table import fewest_factors, real_characters
    from automata_bilinear.algebra.profile import algebraic_profile
    from automata_bilinear.algebra.representations import (
        find_isomorphism,
        named_representations,
        transition_group,
    )

    group = transition_group(algebraic_profile(ab.minimize(ab.build(spec)).machine))
    assert fewest_factors(group.table, [int(g) for g in group.letter]) == expected
    # independent check: every named representation we hold decomposes into the computed
    # real irreducibles with non-negative integer multiplicities (traces of its matrices)
    chars = real_characters(group.table)
    assert chars is not None and int((chars.dims ** 2).sum()) >= 1
    for rep in named_representations(group.order):
        mapping = find_isomorphism(group, rep)
        if mapping is None:
            continue
        trace = np.array([np.trace(rep.floats[int(mapping[g])]) for g in range(group.order)])
        per_class = np.array([trace[chars.class_of == k].mean()
                              for k in range(len(chars.sizes))])
        # ⟨χ_rep, χ_ρ⟩ / ⟨χ_ρ, χ_ρ⟩ with the class sizes as weights
        norms = (chars.values ** 2 * chars.sizes).sum(axis=1)
        mult = (chars.values * per_class * chars.sizes).sum(axis=1) / norms
        assert np.allclose(mult, np.round(mult), atol=1e-6) and (np.round(mult) >= 0).all()
        assert int(np.round(mult) @ chars.dims) == rep.dim


@pytest.mark.parametrize("beta", [2.0, 1.5])
def test_forward_with_a_bias_follows_the_true_scale(beta):
    # h0 = 2, one factor on letter "1" (β = 2: h ↦ −h; β = 1.5: h ↦ −h/2), readout
    # (h, −h) + bias (0, 3): the prediction depends on the size of h, not only its direction
    model = BilinearModel("householder", {"vectors": np.ones((2, 1, 1)),
                                          "betas": np.array([[0.0], [beta]])},
                          np.array([2.0]), np.array([[1.0], [-1.0]]), ("0", "1"), (0, 1),
                          bias=np.array([0.0, 3.0]))
    rng = np.random.default_rng(1)
    words = rng.integers(0, 2, size=(6, 40))
    pred = ab.forward(model, words).predictions
    for w, p in zip(words, pred):
        exact = [exact_prediction(model, list(w[:t])) for t in range(len(w) + 1)]
        assert p.tolist() == exact


@pytest.mark.parametrize("seed", range(4))
def test_exact_products_of_float_factors_against_sympy(seed):
    import sympy

    from automata_bilinear.checker.proof import _householder_matrices

    rng = np.random.default_rng(seed)
    D, n, H = 2, 3, 3
    vectors = rng.normal(size=(D, n, H))
    betas = rng.choice([0.0, 1.0, 2.0, 0.5], size=(D, n))
    model = _model(vectors, betas, np.eye(H)[0], np.eye(2, H))
    _, mats = _householder_matrices(model)
    for d in range(D):
        A = sympy.eye(H)
        for i in range(n):
            v = sympy.Matrix([sympy.Rational(*float(x).as_integer_ratio()) for x in vectors[d, i]])
            beta = sympy.Rational(*float(betas[d, i]).as_integer_ratio())
            A = (sympy.eye(H) - beta * v * v.T / (v.T * v)[0, 0]) * A  # first factor first
        got = sympy.Matrix([[sympy.Rational(x[0].numerator, x[0].denominator) for x in row]
                            for row in mats[d]])
        assert got == A
