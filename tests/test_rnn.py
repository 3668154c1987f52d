"""The NumPy forward pass: equals the DFA on long words, scale invariance, bad input."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from automata_bilinear import (
    BilinearModel,
    build,
    compile_bilinear,
    random_words,
    run_batch,
)
from automata_bilinear.errors import InvalidArgumentError, ModelError
from automata_bilinear.rnn import RNNInputError, forward, forward_affine

CASES = [("parity", "sign_diagonal"), ("cyclic:5", "rotation"),
         ("threshold:3", "positive_diagonal"), ("occurred", "real_diagonal"),
         ("cyclic:3*occurred", "complex_diagonal"), ("quaternion", "orthogonal_block"),
         ("alternating:5,letters=generators", "orthogonal_block"),
         ("random:states=20,symbols=3,seed=0", "full"), ("dihedral:5,letters=generators", "cp"),
         ("reset_cyclic:3", "block"), ("even_pairs", "full"), ("flipflop", "cp")]


@pytest.fixture(params=["compiled", "numpy"])
def diagonal_engine(request, monkeypatch):
    """Runs a test on both versions of the diagonal engine's product runs: the compiled
    loop (the default) and the NumPy passes (``AUTOMATA_BILINEAR_NO_JIT=1``)."""
    from automata_bilinear import rnn

    if request.param == "numpy":
        monkeypatch.setenv("AUTOMATA_BILINEAR_NO_JIT", "1")
        assert rnn.compiled_runs() is None
    else:
        monkeypatch.delenv("AUTOMATA_BILINEAR_NO_JIT", raising=False)
        assert rnn.compiled_runs() is not None  # numba is a dependency: never skipped
    return request.param


def expected(model, machine, x):
    states = run_batch(machine, x)
    rows = np.array([model.output_labels.index(o) for o in machine.output_labels])
    return rows[machine.output_codes[states]]


@pytest.mark.parametrize(("spec", "rung"), CASES)
def test_forward_equals_the_dfa_on_10k_step_words(spec, rung):
    machine = build(spec)
    model = compile_bilinear(machine, rung)
    x = random_words(machine, 4, 10_000, seed=3)
    letter = np.array([model.alphabet.index(s) for s in machine.alphabet])
    out = forward(model, letter[x])
    assert out.predictions.shape == (4, 10_001)
    assert np.array_equal(out.predictions, expected(model, machine, x))
    assert np.all(out.margins > 0) and np.all(np.isfinite(out.log_norm))
    final = forward(model, letter[x], final_only=True)
    assert np.array_equal(final.predictions, out.predictions[:, -1])


def test_float32_is_reported_not_hidden():
    machine = build("cyclic:7")
    model = compile_bilinear(machine, "rotation")
    x = random_words(machine, 8, 5_000, seed=0)
    out32 = forward(model, x, dtype="float32")
    assert out32.final_hidden.dtype == np.float32
    # float32 rounding moves the angle by about T·2^-24 ≈ 3e-4 rad after T = 5000 steps, far
    # below half the gap 2π/7 between outputs: every prediction must still be right, and
    # the smallest margin stays near its exact value 1 − cos(2π/7) ≈ 0.377
    assert np.array_equal(out32.predictions, expected(model, machine, x))
    assert abs(float(out32.margins.min()) - (1 - np.cos(2 * np.pi / 7))) < 1e-3


def test_million_steps_without_overflow_or_nan():
    machine = build("threshold:3")
    model = compile_bilinear(machine, "positive_diagonal")
    x = np.zeros((2, 1_000_000), dtype=np.int64)  # a million 'a': counts saturate
    out = forward(model, x, final_only=True)
    assert np.all(np.isfinite(out.final_hidden)) and np.abs(out.final_hidden).max() == 1.0
    assert model.output_labels[out.predictions[0]] is True
    # every unit decays: the unnormalised state would underflow, the log-norm keeps it
    decaying = BilinearModel("real_diagonal", {"eigenvalues": [[0.5, -0.25]]}, [1.0, 1.0],
                             [[1.0, 0.0], [0.0, 1.0]], ["a"], ["x", "y"])
    out = forward(decaying, x[:, :1_000_000] * 0, final_only=True)
    np.testing.assert_allclose(out.log_norm, 1_000_000 * np.log(0.5))
    assert decaying.output_labels[out.predictions[0]] == "x"
    full = BilinearModel("full", {"W": decaying.tensor}, decaying.h0, decaying.readout,
                         decaying.alphabet, decaying.output_labels)
    out_full = forward(full, x[:, :20_000] * 0, final_only=True)
    np.testing.assert_allclose(out_full.log_norm, 20_000 * np.log(0.5))
    z5 = compile_bilinear(build("cyclic:5"), "orthogonal_block")
    rng = np.random.default_rng(0)
    out = forward(z5, rng.integers(0, 5, size=(1, 200_000)), final_only=True)
    assert np.all(np.isfinite(out.final_hidden))


def test_hidden_states_and_log_norm_reconstruct_the_unnormalised_run():
    machine = build("random:states=5,symbols=2,seed=1")
    model = compile_bilinear(machine, "full")
    x = random_words(machine, 3, 12, seed=2)
    out = forward(model, x, return_hidden=True)
    h = np.tile(model.h0, (3, 1))
    for t in range(12):
        h = np.einsum("bij,bj->bi", model.transitions[x[:, t]], h)
    np.testing.assert_allclose(out.hidden[:, -1] * np.exp(out.log_norm)[:, None], h)


def test_scale_invariance_and_its_failure_with_an_additive_term():
    from automata_bilinear.algebra.profile import algebraic_profile
    from automata_bilinear.constructions.dihedral import dihedral_cp_model

    machine = build("dihedral:4,letters=generators")
    model = dihedral_cp_model(algebraic_profile(machine))
    x = random_words(machine, 16, 60, seed=5)
    normalised = forward(model, x)
    raw = forward_affine(model, np.zeros((2, model.hidden_size)), x)  # no additive term
    assert np.array_equal(normalised.predictions, raw.predictions)
    b = np.full((2, model.hidden_size), 0.3)
    affine = forward_affine(model, b, x)
    affine_norm = forward_affine(model, b, x, normalize=True)
    assert not np.array_equal(affine.predictions, affine_norm.predictions)


def test_diagonal_engine_matches_the_matrix_engine():
    model = compile_bilinear(build("cyclic:3*occurred"), "complex_diagonal")
    full = BilinearModel("full", {"W": model.tensor}, model.h0, model.readout, model.alphabet,
                         model.output_labels)
    x = np.random.default_rng(1).integers(0, model.n_symbols, size=(5, 700))
    a, b = forward(model, x, chunk=64), forward(full, x)
    assert np.array_equal(a.predictions, b.predictions)
    np.testing.assert_allclose(a.log_norm, b.log_norm, rtol=1e-9)


@pytest.mark.parametrize(
    ("tokens", "fragment"),
    [(np.array([[0, 5]]), "token 5 at (batch 0, step 1)"),
     (np.array([[0.5, 1.0]]), "integer dtype"),
     (np.zeros((0, 3), dtype=int), "empty batch"),
     (np.zeros((2, 2, 2), dtype=int), "(batch, time)")],
)
def test_bad_tokens(tokens, fragment):
    model = compile_bilinear(build("parity"), "full")
    with pytest.raises(RNNInputError) as info:
        forward(model, tokens)
    assert fragment in str(info.value)
    with pytest.raises(RNNInputError, match="dtype"):
        forward(model, [[0]], dtype="float16")


# -- the letter-count engine on blocks (per-step outputs) ----------------------------------

def plain_diagonal_loop(lam, h0, C, x):
    """Oracle: h ← λ_x ⊙ h in exact rationals, then normalised scores in float."""
    from fractions import Fraction

    B, T = x.shape
    preds = np.empty((B, T + 1), dtype=np.int64)
    margins = np.empty((B, T + 1))
    lam_q = [[Fraction(float(v)) for v in row] for row in lam]
    for b in range(B):
        h = [Fraction(float(v)) for v in h0]
        for t in range(T + 1):
            if t:
                h = [a * v for a, v in zip(lam_q[x[b, t - 1]], h)]
            peak = max(abs(v) for v in h)
            s = C @ np.array([float(v / peak) for v in h])
            top = np.sort(s)
            preds[b, t], margins[b, t] = np.argmax(s), top[-1] - top[-2]
    return preds, margins


@pytest.mark.parametrize(("D", "dtype"), [(3, "float64"), (3, "float32"), (12, "float64")])
def test_blocked_count_engine_matches_exact_evaluation(D, dtype, diagonal_engine):
    # D = 12 is above the sign table's letters: the parity path
    rng = np.random.default_rng(D)
    H, B, T = 5, 133, 19  # B over one block and not a multiple of it
    lam = rng.uniform(0.5, 1.6, (D, H)) * rng.choice([-1.0, 1.0], (D, H))
    h0 = rng.standard_normal(H) * 3
    model = BilinearModel("real_diagonal", {"eigenvalues": lam}, h0,
                          rng.standard_normal((3, H)), [f"l{i}" for i in range(D)], [0, 1, 2])
    x = rng.integers(0, D, size=(B, T))
    out = forward(model, x, dtype=dtype, return_hidden=True)
    preds, margins = plain_diagonal_loop(lam, h0, model.readout, x)
    tol = 1e-9 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(out.margins, margins, atol=tol)
    clear = margins > 10 * tol
    assert np.array_equal(out.predictions[clear], preds[clear])
    assert np.allclose(np.abs(out.hidden).max(axis=2), 1.0)
    one = forward(model, x[:1], dtype=dtype)  # a single sequence, unblocked
    assert np.array_equal(one.predictions, out.predictions[:1])


def test_units_far_below_the_peak_come_back_exactly(diagonal_engine):
    # unit 0 falls to 1e-600 of unit 1 under a^200 and recovers under b^200: the count
    # engine recomputes it from the letter counts (a running product would have lost it)
    lam = np.array([[1e-3, 1.0], [1e3, 1.0]])
    model = BilinearModel("real_diagonal", {"eigenvalues": lam}, np.array([1.0, 0.5]),
                          np.array([[1.0, 0.0], [0.0, 1.0]]), ["a", "b"], ["u0", "u1"])
    x = np.array([[0] * 200 + [1] * 200])
    out = forward(model, x)
    assert out.predictions[0, 0] == out.predictions[0, -1] == 0
    assert out.margins[0, -1] == pytest.approx(out.margins[0, 0]) == pytest.approx(0.5)
    assert out.predictions[0, 200] == 1


# -- the product runs between exact anchors (per-step outputs) -----------------------------

def exact_diagonal_loop(lam_c, lam_r, h0, C, bias, x):
    """Oracle: h ← λ_x ⊙ h in exact rationals (complex units as pairs of Fractions), then
    the state normalised to its largest coordinate, its scores in float64 and their top-two
    gap. With a bias the scores are those of the true state, ``C h + bias``, divided by
    ``max(1, max|h|)`` (the engine's units). Shares no code with the engine."""
    from fractions import Fraction

    B, T = x.shape
    nc = lam_c.shape[1]
    lc = [[(Fraction(float(v.real)), Fraction(float(v.imag))) for v in row] for row in lam_c]
    lr = [[Fraction(float(v)) for v in row] for row in lam_r]
    preds = np.empty((B, T + 1), dtype=np.int64)
    margins = np.empty((B, T + 1))
    hidden = np.empty((B, T + 1, len(h0)))
    for b in range(B):
        z = [(Fraction(float(h0[2 * i])), Fraction(float(h0[2 * i + 1]))) for i in range(nc)]
        r = [Fraction(float(v)) for v in h0[2 * nc:]]
        for t in range(T + 1):
            if t:
                a = x[b, t - 1]
                z = [(p * c - q * d, p * d + q * c) for (p, q), (c, d) in zip(z, lc[a])]
                r = [v * m for v, m in zip(r, lr[a])]
            flat = [c for pair in z for c in pair] + r
            peak = max(abs(v) for v in flat)
            h = np.array([float(v / peak) if peak else 0.0 for v in flat])
            if bias is None:
                s = C @ h
            else:
                s = (C @ np.array([float(v) for v in flat]) + bias) / max(1.0, float(peak))
            hidden[b, t] = h
            top = np.sort(s)
            preds[b, t], margins[b, t] = np.argmax(s), top[-1] - top[-2]
    return preds, margins, hidden


def complex_model(rng, D, nc, nr, *, h0=None, bias=None):
    lam_c = (rng.uniform(0.7, 1.3, (D, nc))
             * np.exp(1j * rng.uniform(-np.pi, np.pi, (D, nc))))
    lam_r = rng.uniform(0.5, 1.6, (D, nr)) * rng.choice([-1.0, 1.0], (D, nr))
    H = 2 * nc + nr
    h0 = rng.standard_normal(H) if h0 is None else h0
    model = BilinearModel("complex_diagonal",
                          {"complex_eigenvalues": lam_c, "real_eigenvalues": lam_r}, h0,
                          rng.standard_normal((3, H)), [f"l{i}" for i in range(D)],
                          [0, 1, 2], bias=bias)
    return model, lam_c, lam_r


@pytest.mark.parametrize(("nc", "nr", "dtype", "with_bias"),
                         [(3, 2, "float64", False), (3, 2, "float32", False),
                          (4, 0, "float64", False), (0, 4, "float64", True),
                          (2, 3, "float64", True)])
def test_product_runs_match_exact_evaluation(nc, nr, dtype, with_bias, diagonal_engine):
    from automata_bilinear.rnn import product_run_length

    rng = np.random.default_rng(10 * nc + nr)
    bias = rng.standard_normal(3) if with_bias else None
    model, lam_c, lam_r = complex_model(rng, 3, nc, nr, bias=bias)
    assert product_run_length(model, 16) == 16  # the runs are what is tested here
    x = rng.integers(0, 3, size=(70, 37))  # 37 = two whole runs of 16 and a part
    preds, margins, hidden = exact_diagonal_loop(lam_c, lam_r, model.h0, model.readout,
                                                 bias, x)
    tol = 1e-9 if dtype == "float64" else 1e-4
    for threads in (1, 2):
        out = forward(model, x, dtype=dtype, threads=threads, chunk=16)
        np.testing.assert_allclose(out.margins, margins, atol=tol, rtol=tol)
        clear = margins > 10 * tol
        assert np.array_equal(out.predictions[clear], preds[clear])
    with_hidden = forward(model, x, dtype=dtype, return_hidden=True)
    np.testing.assert_allclose(with_hidden.hidden, hidden, atol=tol)
    np.testing.assert_allclose(with_hidden.final_hidden, hidden[:, -1], atol=tol)


def test_product_runs_agree_with_the_count_engine_on_long_words(diagonal_engine):
    # runs of 64 (the default) against runs of 1 (an anchor from the counts before every
    # position): over 2,000 steps the products may drift only by their 64 roundings
    rng = np.random.default_rng(5)
    model, *_ = complex_model(rng, 4, 3, 3)
    x = rng.integers(0, 4, size=(300, 2000))
    a = forward(model, x)
    b = forward(model, x, chunk=1)
    clear = np.minimum(a.margins, b.margins) > 1e-9
    assert clear.mean() > 0.99
    assert np.array_equal(a.predictions[clear], b.predictions[clear])
    np.testing.assert_allclose(a.margins, b.margins, atol=1e-9)
    np.testing.assert_allclose(a.log_norm, b.log_norm, rtol=1e-12)


def test_product_run_length_guards():
    from automata_bilinear.rnn import product_run_length

    def real(lam, readout=None):
        lam = np.asarray(lam, dtype=float)
        C = np.eye(2) if readout is None else readout
        return BilinearModel("real_diagonal", {"eigenvalues": lam}, np.ones(2), C,
                             ["a", "b"], [0, 1])

    assert product_run_length(real([[1.0, -1.0], [-1.0, 1.0]])) == 64  # no growth at all
    assert product_run_length(real([[1.0, -1.0], [-1.0, 1.0]]), 5) == 5
    assert product_run_length(real([[0.0, 1.0], [1.0, 1.0]])) == 0  # a zero eigenvalue
    assert product_run_length(real([[1e200, 1.0], [1.0, 1.0]])) == 0  # 460 per letter
    assert product_run_length(real([[1e-100, 1.0], [1e100, 1.0]])) == 1  # 230 + 230 ≤ 600
    # e^{10} growth per step: at most 30 steps before e^{300}
    assert product_run_length(real([[np.exp(10.0), 1.0], [1.0, 1.0]])) == 30
    with pytest.raises(ModelError, match="diagonal models"):
        product_run_length(compile_bilinear(build("parity"), "full"))
    with pytest.raises(InvalidArgumentError, match="chunk"):
        product_run_length(real([[1.0, -1.0], [-1.0, 1.0]]), 0)


@pytest.mark.parametrize("readout_power", [-300, -900, 300, 900])
def test_tiny_and_huge_readouts_score_like_unit_ones(readout_power, diagonal_engine):
    # powers of two are exact: scaling λ by 2^-13 and C by 2^k must scale the margins by
    # exactly 2^k and change no prediction (an unscaled C·h on the unnormalised run would
    # underflow to ties, or overflow)
    base = compile_bilinear(build("parity"), "real_diagonal")
    params = {"eigenvalues": base.params["eigenvalues"] * 2.0**-13}
    scaled = BilinearModel("real_diagonal", params, base.h0,
                           base.readout * 2.0**readout_power, base.alphabet,
                           base.output_labels)
    x = np.random.default_rng(3).integers(0, 2, size=(5, 300))
    a, b = forward(base, x), forward(scaled, x)
    assert np.array_equal(a.predictions, b.predictions)
    assert np.array_equal(a.margins * 2.0**readout_power, b.margins)
    assert np.all(b.margins > 0)


def test_threads_and_blocks_give_the_same_outputs_and_restore_blas(diagonal_engine):
    import threading

    from threadpoolctl import threadpool_info

    from automata_bilinear import rnn

    rng = np.random.default_rng(8)
    model, lam_c, lam_r = complex_model(rng, 3, 12, 8)  # H = 32
    x = rng.integers(0, 3, size=(700, 100))  # 3 blocks of 256 sequences
    assert 700 * 100 * 32 >= rnn._THREADED_ENTRIES
    assert rnn._BLOCK_ENTRIES // (32 * 32) < 700
    forward(model, x[:2])  # loads the compiled kernel first (numba loads more libraries)
    before = sorted((i["filepath"], i["num_threads"]) for i in threadpool_info())
    one = forward(model, x, threads=1)
    results = []
    workers = [threading.Thread(target=lambda: results.append(forward(model, x, threads=2)))
               for _ in range(2)]  # two overlapping threaded calls share one BLAS hold
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # sorted: importing numba reorders the libraries
    assert sorted((i["filepath"], i["num_threads"]) for i in threadpool_info()) == before
    for two in results:
        assert np.array_equal(one.predictions, two.predictions)
        assert np.array_equal(one.margins, two.margins)
        assert np.array_equal(one.final_hidden, two.final_hidden)
    _, margins, _ = exact_diagonal_loop(lam_c, lam_r, model.h0, model.readout, None,
                                        x[::97, :40])
    np.testing.assert_allclose(one.margins[::97, :41], margins, atol=1e-9)


def test_zero_states_and_zero_units_in_runs(diagonal_engine):
    rng = np.random.default_rng(2)
    h0 = rng.standard_normal(7)
    h0[[0, 1, 5]] = 0.0  # a complex unit and a real unit that stay zero
    model, lam_c, lam_r = complex_model(rng, 2, 2, 3, h0=h0)
    x = rng.integers(0, 2, size=(9, 40))
    out = forward(model, x, return_hidden=True)
    assert np.all(out.hidden[:, :, [0, 1, 5]] == 0.0)
    _, margins, _ = exact_diagonal_loop(lam_c, lam_r, h0, model.readout, None, x)
    np.testing.assert_allclose(out.margins, margins, atol=1e-9)
    # a letter that kills every unit: counts at every position (no runs), state exactly 0
    lam = np.array([[0.9, -1.1], [0.0, 0.0]])
    reset = BilinearModel("real_diagonal", {"eigenvalues": lam}, np.ones(2),
                          np.array([[1.0, 0.0], [0.0, 1.0]]), ["a", "z"], [0, 1])
    dead = forward(reset, np.array([[0, 0, 1, 0], [0, 0, 0, 0]]))
    assert dead.margins[0, 3:].tolist() == [0.0, 0.0] and np.isneginf(dead.log_norm[0])
    assert dead.margins[1, -1] > 0 and np.isfinite(dead.log_norm[1])


# -- the compiled runs against the NumPy runs and the flush below the normal range ---------

def both_engines(monkeypatch, model, x, **options):
    monkeypatch.delenv("AUTOMATA_BILINEAR_NO_JIT", raising=False)
    compiled = forward(model, x, **options)
    monkeypatch.setenv("AUTOMATA_BILINEAR_NO_JIT", "1")
    plain = forward(model, x, **options)
    monkeypatch.delenv("AUTOMATA_BILINEAR_NO_JIT")
    return compiled, plain


def test_the_engine_switch_and_a_missing_numba(monkeypatch):
    import sys

    from automata_bilinear import rnn

    monkeypatch.delenv("AUTOMATA_BILINEAR_NO_JIT", raising=False)
    assert rnn.compiled_runs() is not None
    for off in ("1", "yes"):
        monkeypatch.setenv("AUTOMATA_BILINEAR_NO_JIT", off)
        assert rnn.compiled_runs() is None
    monkeypatch.setenv("AUTOMATA_BILINEAR_NO_JIT", "0")
    assert rnn.compiled_runs() is not None
    # without numba the kernel module cannot be imported: the NumPy runs, same predictions
    model = compile_bilinear(build("cyclic:3*occurred"), "complex_diagonal")
    x = np.random.default_rng(0).integers(0, model.n_symbols, size=(20, 150))
    compiled = forward(model, x)
    from automata_bilinear import diagonal_kernels

    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.setattr(diagonal_kernels, "_COMPILED", [])
    assert rnn.compiled_runs() is None
    plain = forward(model, x)
    assert np.array_equal(compiled.predictions, plain.predictions)
    np.testing.assert_allclose(compiled.margins, plain.margins, atol=1e-12)


def test_compiled_runs_flush_entries_below_the_smallest_normal(monkeypatch):
    # unit 1 starts at 1e-300 of unit 0 and halves every step: the exact normalised value
    # 1e-300·2^-t leaves float64's normal range (2^-1022 ≈ 2.2e-308) at t = 27
    lam = np.array([[1.0, 0.5]])
    model = BilinearModel("real_diagonal", {"eigenvalues": lam}, np.array([1.0, 1e-300]),
                          np.array([[1.0, 0.0], [0.0, 1.0]]), ["a"], [0, 1])
    x = np.zeros((1, 60), dtype=np.int64)
    exact = 1e-300 * 0.5 ** np.arange(61)  # powers of two: exact in float64 until subnormal
    compiled, plain = both_engines(monkeypatch, model, x, return_hidden=True)
    normal = exact >= 2.0**-1022
    np.testing.assert_allclose(compiled.hidden[0, normal, 1], exact[normal], rtol=1e-12)
    assert np.all(compiled.hidden[0, ~normal, 1] == 0.0)  # flushed
    assert np.all(plain.hidden[0, ~normal, 1] > 0.0)  # the NumPy runs keep the subnormals
    assert np.all(np.abs(compiled.hidden[0, :, 1] - exact) < 2.0**-1022)  # the bound's term
    assert np.array_equal(compiled.predictions, plain.predictions)
    # float32 outputs: normalised entries below 2^-126 ≈ 1.2e-38 become 0
    lam = np.array([[1.0, 0.25]])
    model = BilinearModel("real_diagonal", {"eigenvalues": lam}, np.array([1.0, 1e-30]),
                          np.array([[1.0, 0.0], [0.0, 1.0]]), ["a"], [0, 1])
    exact = 1e-30 * 0.25 ** np.arange(61)
    compiled, plain = both_engines(monkeypatch, model, x, dtype="float32", return_hidden=True)
    assert compiled.hidden.dtype == np.float32
    normal = exact >= 2.0**-126
    np.testing.assert_allclose(compiled.hidden[0, normal, 1], exact[normal], rtol=1e-6)
    assert np.all(compiled.hidden[0, ~normal, 1] == 0.0)
    assert np.all(np.abs(compiled.hidden[0, :, 1] - exact) < 2.0**-126)


def test_compiled_runs_agree_with_the_numpy_runs_on_every_diagonal_rung(monkeypatch):
    cases = [("parity", "sign_diagonal"), ("cyclic:5", "rotation"),
             ("threshold:3", "positive_diagonal"), ("occurred", "real_diagonal"),
             ("cyclic:3*occurred", "complex_diagonal")]
    rng = np.random.default_rng(4)
    for spec, rung in cases:
        model = compile_bilinear(build(spec), rung)
        x = rng.integers(0, model.n_symbols, size=(70, 300))
        for options in ({}, {"dtype": "float32"}, {"return_hidden": True}, {"threads": 2}):
            compiled, plain = both_engines(monkeypatch, model, x, **options)
            assert np.array_equal(compiled.predictions, plain.predictions), (spec, options)
            tol = 1e-5 if options.get("dtype") == "float32" else 1e-12
            np.testing.assert_allclose(compiled.margins, plain.margins, atol=tol)
            if options.get("return_hidden"):
                np.testing.assert_allclose(compiled.hidden, plain.hidden, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), nc=st.integers(0, 4), nr=st.integers(0, 4),
       dtype=st.sampled_from(["float64", "float32"]), with_bias=st.booleans(),
       n_outputs=st.integers(1, 4))
def test_compiled_runs_agree_with_exact_evaluation(seed, nc, nr, dtype, with_bias,
                                                   n_outputs):
    from automata_bilinear import rnn

    assume(nc + nr > 0)
    assert rnn.compiled_runs() is not None
    rng = np.random.default_rng(seed)
    D, H = 3, 2 * nc + nr
    lam_c = rng.uniform(0.6, 1.4, (D, nc)) * np.exp(1j * rng.uniform(-np.pi, np.pi, (D, nc)))
    lam_r = rng.uniform(0.5, 1.6, (D, nr)) * rng.choice([-1.0, 1.0], (D, nr))
    bias = rng.standard_normal(n_outputs) if with_bias else None
    model = BilinearModel("complex_diagonal",
                          {"complex_eigenvalues": lam_c, "real_eigenvalues": lam_r},
                          rng.standard_normal(H), rng.standard_normal((n_outputs, H)),
                          ["a", "b", "c"], list(range(n_outputs)), bias=bias)
    x = rng.integers(0, D, size=(4, 45))
    out = forward(model, x, dtype=dtype, chunk=16)
    if n_outputs == 1:
        assert np.all(out.predictions == 0) and np.all(np.isinf(out.margins))
        return
    preds, margins, _ = exact_diagonal_loop(lam_c, lam_r, model.h0, model.readout, bias, x)
    tol = 1e-9 if dtype == "float64" else 1e-4
    np.testing.assert_allclose(out.margins, margins, atol=tol, rtol=tol)
    clear = margins > 10 * tol
    assert np.array_equal(out.predictions[clear], preds[clear])
