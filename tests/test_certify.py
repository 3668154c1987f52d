"""Certifying models for every length (docs/theory.md §13): proofs checked against
independent oracles, wrong words confirmed by a plain loop, hand-computed drift lengths,
tampered certificates refused, and imported weights equal to the arrays in the file."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import exact_model_prediction, simulate

import automata_bilinear as ab
from automata_bilinear.automata.machine import label_key
from automata_bilinear.checker.regions import RegionCertificate, check_region_certificate
from automata_bilinear.checker.rigorous import (
    matvec_enclosure,
    norm_lower,
    norm_upper,
    spectral_norm_upper,
)
from automata_bilinear.cli import main
from automata_bilinear.errors import (
    FormatError,
    InvalidArgumentError,
    ModelError,
    VerificationError,
)


def plain_float_predictions(model, letters, dtype=np.float64):
    """Per-step argmax by a plain loop over the dense matrices (2-norm normalisation), or
    None at a tie — an oracle independent of the package's forward engines."""
    A = model.transitions.astype(dtype)
    C = model.readout.astype(dtype)
    h = model.h0.astype(dtype)
    h = h / np.linalg.norm(h)
    preds = []
    for t in range(len(letters) + 1):
        s = C @ h
        top = np.sort(s)[-2:] if len(s) > 1 else s
        preds.append(None if len(s) > 1 and top[1] <= top[0] else int(np.argmax(s)))
        if t < len(letters):
            h = A[letters[t]] @ h
            h = h / np.linalg.norm(h)
    return preds


def rows_of(model, machine, word):
    row_of = {label_key(y): i for i, y in enumerate(model.output_labels)}
    return [row_of.get(label_key(y)) for y in simulate(machine, word)]


def drifting_rotation(m: int, delta: float) -> ab.BilinearModel:
    """Z_m with letter j rotating by j(2π/m + δ); readout row j points at angle 2πj/m."""
    task = ab.build(f"cyclic:{m}")
    lam = [[np.exp(1j * int(s) * (2 * np.pi / m + delta))] for s in task.alphabet]
    C = [[math.cos(2 * math.pi * j / m), math.sin(2 * math.pi * j / m)] for j in range(m)]
    return ab.BilinearModel("rotation", {"complex_eigenvalues": lam,
                                         "real_eigenvalues": np.zeros((m, 0))},
                            h0=[1.0, 0.0], readout=C, alphabet=task.alphabet,
                            output_labels=tuple(str(j) for j in range(m)))


# --- rigorous enclosures against exact arithmetic ------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.lists(finite, min_size=n, max_size=n), min_size=n, max_size=n),
    st.lists(finite, min_size=n, max_size=n))))
def test_matvec_and_norm_enclosures_contain_the_exact_values(data):
    A, x = np.array(data[0]), np.array(data[1])
    y, r = matvec_enclosure(A, x)
    exact = [sum(Fraction(a) * Fraction(b) for a, b in zip(row, x)) for row in A]
    for yi, ri, ei in zip(y, r, exact):
        assert abs(Fraction(yi) - ei) <= Fraction(ri)
    sq = sum(Fraction(v) ** 2 for v in x)
    assert Fraction(norm_lower(x)) ** 2 <= sq <= Fraction(norm_upper(x)) ** 2


@settings(max_examples=30)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**31))
def test_spectral_bound_is_above_the_norm_and_close_to_it(m, n, seed):
    M = np.random.default_rng(seed).standard_normal((m, n)) * 10.0 ** (seed % 7 - 3)
    true = np.linalg.svd(M, compute_uv=False)[0]
    bound = spectral_norm_upper(M)
    assert true * (1 - 1e-12) <= bound <= true * 1.02


def test_spectral_bound_of_rank_one_and_zero():
    u = np.arange(1.0, 6.0)
    assert np.linalg.norm(u) ** 2 <= spectral_norm_upper(np.outer(u, u)) <= \
        np.linalg.norm(u) ** 2 * 1.02
    assert spectral_norm_upper(np.zeros((3, 3))) == 0.0


# --- proved models agree with the task (independent oracles) ------------------------------

@pytest.mark.parametrize("noise", [0.0, 1e-3, 1e-2])
def test_perturbed_shift_register_is_proved_and_really_right(noise, tmp_path):
    task = ab.last_letters(2, 3)
    model = ab.perturb(ab.shift_register_model(2, 3, hidden=24, seed=1), noise, seed=2)
    report = ab.certify(model, task)
    assert report.verdict == "proved"
    assert report.method.startswith("region certificate")
    assert set(report.float_proved) == {"float64", "float32"}
    path = tmp_path / "m.npz"
    ab.save_model(model, path)
    archive = dict(np.load(path, allow_pickle=False))
    rng = np.random.default_rng(0)
    words = [list(w) for w in itertools.product(range(3), repeat=4)]
    words += [rng.integers(0, 3, size=300).tolist() for _ in range(4)]
    for w in words:
        want = rows_of(model, task, w)
        assert plain_float_predictions(model, w) == want
        assert plain_float_predictions(model, w, np.float32) == want
    for w in words[:30]:  # the exact rational model the arrays define
        assert exact_model_prediction(archive, w) == rows_of(model, task, w)[-1]


def test_large_noise_gives_a_confirmed_wrong_word():
    task = ab.last_letters(2, 3)
    model = ab.perturb(ab.shift_register_model(2, 3, hidden=24, seed=1), 1.5, seed=2)
    report = ab.certify(model, task)
    assert report.verdict == "wrong" and "float64" in report.wrong_in
    w = [model.alphabet.index(s) for s in report.word]
    assert plain_float_predictions(model, w)[-1] != rows_of(model, task, w)[-1]
    assert report.length == len(report.word)


def test_sign_parity_survives_noise_and_breaks_when_a_sign_flips():
    task = ab.build("parity")
    for a, b in [(1.0, -1.0), (0.3, -2.5), (1e-8, -1e8)]:
        m = ab.BilinearModel("full", {"W": [[[a, b]]]}, h0=[1.0], readout=[[1.0], [-1.0]],
                             alphabet=("0", "1"), output_labels=(0, 1))
        report = ab.certify(m, task)
        assert report.verdict == "proved", (a, b, report.reason)
    bad = ab.BilinearModel("full", {"W": [[[-0.5, -1.0]]]}, h0=[1.0], readout=[[1.0], [-1.0]],
                           alphabet=("0", "1"), output_labels=(0, 1))
    report = ab.certify(bad, task)
    assert report.verdict == "wrong" and report.word == ("0",)


# --- the drifting rotation: length by hand ----------------------------------------------

@pytest.mark.parametrize("m, delta", [(5, 2e-4), (3, 1e-3), (7, 5e-4)])
def test_drifting_rotation_fails_first_at_the_hand_computed_length(m, delta):
    task = ab.build(f"cyclic:{m}")
    model = drifting_rotation(m, delta)
    # the state after letters summing to S is at angle S(2π/m) + Sδ: right while Sδ < π/m;
    # the fastest drift is letter m − 1, so the first failure is at n = ⌊π/(m(m−1)δ)⌋ + 1
    n = math.floor(math.pi / (m * (m - 1) * delta)) + 1
    report = ab.certify(model, task)
    assert report.verdict == "wrong" and report.length == n
    assert set(report.word) == {str(m - 1)}
    w = [m - 1] * n
    preds = plain_float_predictions(model, w)
    assert preds[:-1] == rows_of(model, task, w)[:-1] and preds[-1] != rows_of(model, task, w)[-1]


def test_drifting_rotation_scores_perfectly_at_length_500():
    m, delta = 5, 2e-4
    task = ab.build(f"cyclic:{m}")
    model = drifting_rotation(m, delta)
    x = ab.random_words(task, 64, 500, seed=0)
    out = ab.forward(model, x)
    want = np.array([rows_of(model, task, row) for row in x.tolist()])
    assert np.array_equal(out.predictions, want)  # accuracy 1.00, yet wrong at length 786


def test_exact_rotation_is_proved_and_its_rounded_copy_is_not():
    task = ab.build("cyclic:5")
    exact = ab.compile_bilinear(task, "rotation")
    assert ab.certify(exact, task).verdict == "proved"
    rounded = ab.BilinearModel("full", {"W": exact.tensor}, exact.h0, exact.readout,
                               exact.alphabet, exact.output_labels)
    report = ab.certify(rounded, task, search_length=200)
    assert report.verdict == "inconclusive"
    assert "does not contract" in report.reason or "settle" in report.reason


# --- the certificate is checked, not trusted ---------------------------------------------

@pytest.fixture(scope="module")
def proved():
    task = ab.last_letters(2, 3)
    model = ab.perturb(ab.shift_register_model(2, 3, hidden=16, seed=3), 1e-3, seed=4)
    report = ab.certify(model, task)
    assert report.certificate is not None
    return task, model, report.certificate


def _edited(cert: RegionCertificate, **changes) -> RegionCertificate:
    fields = dict(alphabet=cert.alphabet, words=cert.words, successors=cert.successors,
                  centres=cert.centres, radii=cert.radii,
                  model_fingerprint=cert.model_fingerprint)
    fields.update(changes)
    return RegionCertificate(**fields)


def test_every_edit_of_a_region_certificate_is_refused(proved):
    task, model, cert = proved
    assert check_region_certificate(cert, model, task).ok
    succ = cert.successors.copy()
    succ[1, 0] = (succ[1, 0] + 1) % cert.n_nodes
    words = list(cert.words)
    words[2] = words[2] + (cert.alphabet[0],) * 3
    centres = cert.centres[0].copy()
    centres[3] = -centres[3]
    edits = {
        "smaller radius": _edited(cert, radii=cert.radii * np.where(
            np.arange(cert.n_nodes) == 4, 1e-3, 1.0)[:, None]),
        "moved centre": _edited(cert, centres=(centres,)),
        "wrong successor": _edited(cert, successors=succ),
        "wrong access word": _edited(cert, words=tuple(words)),
        "other model": _edited(cert, model_fingerprint="0" * 64),
        "huge radii": _edited(cert, radii=cert.radii * 1e6),
    }
    for what, bad in edits.items():
        check = check_region_certificate(bad, model, task)
        assert not check.ok, what
    assert not check_region_certificate(cert, model, ab.last_letters(2, 3).__class__(
        task.transitions, task.start, tuple(reversed(task.outputs)), task.alphabet)).ok


def test_a_wrong_model_is_never_proved_by_borrowed_regions(proved):
    task, good, cert = proved
    bad = ab.perturb(good, 2.0, seed=9)
    assert ab.certify(bad, task).verdict != "proved"
    stolen = _edited(cert, model_fingerprint=ab.model_fingerprint(bad))
    assert not check_region_certificate(stolen, bad, task).ok


def test_region_certificate_file_round_trip_and_versions(proved, tmp_path):
    task, model, cert = proved
    path = tmp_path / "c.json"
    ab.save_region_certificate(cert, path, automaton="last_letters:2,symbols=3")
    back = ab.load_any_certificate(path)
    assert isinstance(back, RegionCertificate)
    assert np.array_equal(back.centres[0], cert.centres[0])
    assert np.array_equal(back.radii, cert.radii)
    assert check_region_certificate(back, model, task).ok
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(FormatError, match="newer"):
        ab.load_any_certificate(path)
    doc["version"] = 1
    doc["certificate"]["nodes"][0]["regions"][0]["radius"] = "big"
    path.write_text(json.dumps(doc))
    with pytest.raises(FormatError, match="malformed"):
        ab.load_region_certificate(path)


def test_float_claims_are_not_made_for_engines_the_bound_does_not_cover():
    m = ab.BilinearModel("real_diagonal", {"eigenvalues": [[0.9], [-1.1]]}, h0=[1.0],
                         readout=[[1.0], [-1.0]], alphabet=("0", "1"), output_labels=(0, 1))
    report = ab.certify(m, ab.build("parity"))
    assert report.verdict == "proved" and report.float_proved == ()
    assert any("not covered" in n for n in report.notes)


# --- extraction -----------------------------------------------------------------------

def test_extraction_of_a_compiled_model_is_the_task():
    task = ab.build("random:states=8,symbols=3,seed=2")
    ex = ab.extract_automaton(ab.compile_bilinear(task, "full"))
    assert ex.machine is not None and ex.max_merge == 0.0
    assert ab.are_equivalent(ex.machine, task)


def test_extraction_reports_growth_and_collapse():
    model = drifting_rotation(5, 1e-3)
    ex = ab.extract_automaton(model, 1e-9, max_states=50)
    assert ex.machine is None and "keeps growing" in ex.reason
    zero = ab.BilinearModel("full", {"W": np.zeros((2, 2, 2))}, [1.0, 0.0], np.eye(2),
                            ("a", "b"), (0, 1))
    ex = ab.extract_automaton(zero)
    assert ex.collapse_word is not None and len(ex.collapse_word) == 1


# --- bad input: one clear error or a definite verdict ------------------------------------

def test_bad_inputs():
    task = ab.build("parity")
    model = ab.compile_bilinear(task, "sign_diagonal")
    with pytest.raises(VerificationError, match="alphabet"):
        ab.certify(model, ab.build("flipflop"))
    for kw in ({"tolerances": (0.0,)}, {"tolerances": (float("nan"),)}, {"tolerances": ()},
               {"max_states": 0}, {"search_length": -1}, {"float_dtypes": ("float16",)}):
        with pytest.raises(InvalidArgumentError):
            ab.certify(model, task, **kw)
    with pytest.raises(ModelError, match="zero"):
        ab.BilinearModel("full", {"W": np.ones((1, 1, 2))}, [0.0], [[1.0], [-1.0]],
                         ("0", "1"), (0, 1))
    zero = ab.BilinearModel("full", {"W": np.zeros((1, 1, 2))}, [1.0], [[1.0], [-1.0]],
                            ("0", "1"), (0, 1))
    report = ab.certify(zero, task)
    assert report.verdict == "wrong" and report.length == 1


def test_a_bias_is_reported_not_certified():
    task = ab.build("parity")
    exact = ab.BilinearModel("full", {"W": [[[1.0, -1.0]]]}, h0=[1.0],
                             readout=[[1.0], [-1.0]], alphabet=("0", "1"),
                             output_labels=(0, 1), bias=[0.5, 0.0])
    assert ab.certify(exact, task).verdict == "proved"  # exact checker: bias handled exactly
    # |h| shrinks on 0s: once an odd state is small, the bias wins and the model says 0
    m = ab.BilinearModel("full", {"W": [[[0.9, -1.1]]]}, h0=[1.0], readout=[[1.0], [-1.0]],
                         alphabet=("0", "1"), output_labels=(0, 1), bias=[0.5, 0.0])
    # words up to length 10 (prefixes ≤ 5, lassos of 5) never get |h| below 1.1·0.9⁹ > 0.25
    report = ab.certify(m, task, search_length=5)
    assert report.verdict == "inconclusive" and "bias" in report.reason
    report = ab.certify(m, task)
    assert report.verdict == "wrong"
    w = [int(s) for s in report.word]
    h = 1.1 ** w.count(1) * 0.9 ** w.count(0)  # the hand value of |h| on that word
    assert w.count(1) % 2 == 1 and h < 0.25
    # by hand the shortest wrong words have one 1 and 15 zeros (1.1·0.9^15 < 0.25 < 1.1·0.9^14)
    assert report.length == 16
    assert "shortest: every word up to length 15 is right" in report.notes


def test_stacks_are_certified_exactly():
    task = ab.build("symmetric:3")
    report = ab.certify(ab.compile_stack(task), task)
    assert report.verdict == "proved" and "stack" in report.method


def _relabelling_stack(noise: float) -> ab.StackedModel:
    """Layer 0 keeps the last letter; layer 1 reads the letter π(label of layer 0) and keeps
    the last two such letters; the output table maps them back through π⁻¹ — the stack
    computes last_letters:2 only if the interface really carries layer 0's label."""
    perm = [0, 2, 1]  # π(0) = 0: both layers start from "0"s
    l0 = ab.perturb(ab.shift_register_model(1, 3, hidden=8, seed=0), noise, seed=1)
    l1 = ab.perturb(ab.shift_register_model(2, 3, hidden=16, seed=2), noise, seed=3)
    interface = np.array([[perm[int(y)]] * 3 for y in l0.output_labels])
    inverse = {str(p): str(i) for i, p in enumerate(perm)}
    labels = ab.last_letters(2, 3).outputs
    output = np.array([[labels.index("".join(inverse[c] for c in y1)) for y1 in l1.output_labels]
                       for _ in l0.output_labels])
    return ab.StackedModel((l0, l1), l0.alphabet, (interface,), output, tuple(labels))


def test_a_noisy_stack_gets_a_region_certificate_per_layer(tmp_path):
    task = ab.last_letters(2, 3)
    stack = _relabelling_stack(1e-3)
    report = ab.certify(stack, task)
    assert report.verdict == "proved" and report.method.startswith("region")
    assert report.certificate.n_layers == 2
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(16, 200))
    want = np.array([[stack.output_labels.index(y) for y in simulate(task, w)]
                     for w in x.tolist()])
    assert np.array_equal(ab.forward(stack, x).predictions, want)
    path = tmp_path / "s.npz"
    ab.save_model(stack, path)
    assert check_region_certificate(report.certificate, ab.load_model(path), task).ok
    broken = ab.StackedModel(stack.layers, stack.alphabet,
                             (np.zeros_like(stack.interfaces[0]),), stack.output,
                             stack.output_labels)  # layer 1 always reads letter 0
    assert ab.certify(broken, task).verdict == "wrong"
    stolen = _edited(report.certificate, model_fingerprint=ab.fingerprint(broken))
    assert not check_region_certificate(stolen, broken, task).ok


# --- importing trained weights --------------------------------------------------------

def _pytorch_like(rng, H=4, D=3, embed=False):
    W = rng.standard_normal((H, H, D if not embed else 2))
    arrays = {"cell.W": W, "cell.h0": rng.standard_normal(H),
              "readout.weight": rng.standard_normal((2, H)), "readout.bias": np.array([0.5, 0.0])}
    if embed:
        arrays["embedding.weight"] = rng.standard_normal((D, 2))
    return arrays


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_import_weights_maps_names_layouts_and_embeddings(tmp_path, suffix):
    rng = np.random.default_rng(0)
    arrays = _pytorch_like(rng, embed=True)
    path = tmp_path / f"w{suffix}"
    if suffix == ".npz":
        np.savez(path, **arrays)
    else:
        from safetensors.numpy import save_file
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path))
    model = ab.import_weights(path, alphabet=("a", "b", "c"), output_labels=("x", "y"))
    E, W = arrays["embedding.weight"], arrays["cell.W"]
    for v in range(3):
        want = sum(E[v, k] * W[:, :, k] for k in range(2))
        np.testing.assert_allclose(model.transitions[v], want, rtol=1e-12)
    np.testing.assert_array_equal(model.h0, arrays["cell.h0"])
    np.testing.assert_array_equal(model.bias, arrays["readout.bias"])
    assert model.alphabet == ("a", "b", "c")
    arrays["readout.bias"] = np.zeros(2)  # an all-zero bias is dropped: no bias at all
    zero = path.with_name("zero_bias.npz")
    np.savez(zero, **arrays)
    assert ab.import_weights(zero).bias is None


def test_import_weights_layout_and_errors(tmp_path):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 4, 4))  # (D, H, H)
    path = tmp_path / "dhh.npz"
    np.savez(path, A=A, h0=np.ones(4), C=np.eye(2, 4))
    np.testing.assert_array_equal(ab.import_weights(path).transitions, A)
    np.testing.assert_array_equal(ab.import_weights(path, layout="dhh").transitions, A)
    with pytest.raises(FormatError, match="not \\(H, H, K\\)"):
        ab.import_weights(path, layout="hhd")
    square = tmp_path / "square.npz"
    np.savez(square, W=rng.standard_normal((4, 4, 4)), h0=np.ones(4), C=np.eye(2, 4))
    with pytest.raises(FormatError, match="both"):
        ab.import_weights(square)
    missing = tmp_path / "missing.npz"
    np.savez(missing, W=rng.standard_normal((4, 4, 2)), C=np.eye(2, 4))
    with pytest.raises(FormatError, match="no h0"):
        ab.import_weights(missing)
    zero = tmp_path / "zero.npz"
    np.savez(zero, W=rng.standard_normal((4, 4, 2)), h0=np.zeros(4), C=np.eye(2, 4))
    with pytest.raises(ModelError, match="zero"):
        ab.import_weights(zero)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a safetensors file")
    with pytest.raises(FormatError):
        ab.import_weights(broken)
    with pytest.raises(FormatError, match=r"expected a \.npz or \.safetensors"):
        ab.import_weights(tmp_path / "x.pt")
    with pytest.raises(InvalidArgumentError, match="unknown role"):
        ab.import_weights(path, names={"weights": "A"})


# --- the command line ---------------------------------------------------------------

def test_cli_certify_check_and_import(tmp_path, capsys):
    model = ab.perturb(ab.shift_register_model(2, 3, hidden=16, seed=5), 1e-3, seed=6)
    weights = tmp_path / "trained.npz"
    np.savez(weights, W=np.moveaxis(model.transitions, 0, 2), h0=model.h0, C=model.readout)
    out = tmp_path / "m.npz"
    labels = json.dumps(list(model.output_labels))
    assert main(["import-weights", str(weights), "-o", str(out), "--labels", labels]) == 0
    capsys.readouterr()
    cert = tmp_path / "c.json"
    spec = "last_letters:2,symbols=3"
    assert main(["certify", str(out), spec, "-o", str(cert), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "proved" and payload["saved_certificate"] == str(cert)
    assert main(["check-certificate", str(cert), spec, "--model", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True
    assert main(["check-certificate", str(cert), spec]) == 2  # --model is required
    assert "--model" in capsys.readouterr().err
    rot = tmp_path / "rot.npz"
    ab.save_model(drifting_rotation(5, 2e-4), rot)
    assert main(["certify", str(rot), "cyclic:5", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "wrong" and payload["length"] == 786
    assert main(["certify", str(rot), "cyclic:5", "--tolerance", "0"]) == 2


# --- exact matrices of structured rungs ------------------------------------------------

def _exact_cp(U, V, d, k):
    H, R = U.shape
    return [[sum(Fraction(U[i, r]) * Fraction(d[k, r]) * Fraction(V[j, r]) for r in range(R))
             for j in range(H)] for i in range(H)]


def _exact_householder(vectors, betas, k):
    _, n, H = vectors.shape
    A = [[Fraction(int(i == j)) for j in range(H)] for i in range(H)]
    for f in range(n):
        v = [Fraction(x) for x in vectors[k, f]]
        s = sum(x * x for x in v)
        b = Fraction(betas[k, f])
        F = [[Fraction(int(i == j)) - b * v[i] * v[j] / s for j in range(H)] for i in range(H)]
        A = [[sum(F[i][m] * A[m][j] for m in range(H)) for j in range(H)] for i in range(H)]
    return A


def test_structured_rungs_are_enclosed_around_their_exact_matrices():
    from automata_bilinear.checker.regions import stored_matrices
    rng = np.random.default_rng(0)
    cp = ab.BilinearModel("cp", {"U": rng.normal(size=(4, 3)), "V": rng.normal(size=(4, 3)),
                                 "d": rng.normal(size=(2, 3))}, rng.normal(size=4),
                          rng.normal(size=(2, 4)), ("a", "b"), (0, 1))
    hh = ab.BilinearModel("householder", {"vectors": rng.normal(size=(2, 3, 4)),
                                          "betas": rng.uniform(0, 2, size=(2, 3))},
                          rng.normal(size=4), rng.normal(size=(2, 4)), ("a", "b"), (0, 1))
    for model, exact in ((cp, lambda k: _exact_cp(*(cp.params[n] for n in "UVd"), k)),
                         (hh, lambda k: _exact_householder(hh.params["vectors"],
                                                           hh.params["betas"], k))):
        A, R = stored_matrices(model)
        for k in range(2):
            E = exact(k)
            for i in range(4):
                for j in range(4):
                    assert abs(E[i][j] - Fraction(A[k, i, j])) <= Fraction(R[k, i, j])
    assert isinstance(stored_matrices(ab.compile_bilinear(ab.build("cyclic:5"), "rotation")),
                      str)


def test_a_cp_model_is_certified_on_its_exact_products():
    full = ab.perturb(ab.shift_register_model(1, 3), 1e-3, seed=0)
    Us, Vs = [], []
    for A in full.transitions:  # per letter an SVD, terms selected by d
        u, s, vt = np.linalg.svd(A)
        Us.append(u * s)
        Vs.append(vt.T)
    R = sum(u.shape[1] for u in Us)
    d = np.zeros((3, R))
    for k in range(3):
        d[k, k * Us[0].shape[1]:(k + 1) * Us[0].shape[1]] = 1.0
    model = ab.BilinearModel("cp", {"U": np.hstack(Us), "V": np.hstack(Vs), "d": d}, full.h0,
                             full.readout, full.alphabet, full.output_labels)
    report = ab.certify(model, ab.last_letters(1, 3))
    assert report.verdict == "proved" and report.method.startswith("region")


@pytest.mark.parametrize("scale", [1e-300, 1e-40, 1e200, 1e300])
def test_extreme_weight_scales_are_certified_without_overflow(scale):
    base = ab.perturb(ab.shift_register_model(2, 3, hidden=12, seed=0), 1e-3, seed=1)
    task = ab.last_letters(2, 3)
    m = ab.BilinearModel("full", {"W": base.tensor * scale}, base.h0 * scale,
                         base.readout * scale, base.alphabet, base.output_labels)
    with np.errstate(over="raise", invalid="raise"):  # no silent overflow or NaN
        report = ab.certify(m, task, float_dtypes=("float64",))
    assert report.verdict == "proved"
    full = ab.certify(m, task)
    assert "float32" not in full.float_proved  # float32 cannot even hold these weights
    assert any("float32" in n for n in full.notes)
    x = np.random.default_rng(0).integers(0, 3, size=(8, 100))
    if "float64" in report.float_proved:
        want = np.array([[m.output_labels.index(y) for y in simulate(task, w)]
                         for w in x.tolist()])
        assert np.array_equal(ab.forward(m, x).predictions, want)


# --- found by a new-user trial --------------------------------------------------------

@pytest.mark.parametrize("what, factor", [("h0", 2.0 ** -150), ("A", 2.0 ** 130),
                                          ("C", 2.0 ** 128), ("C", 2.0 ** -149)])
def test_no_float32_claim_when_the_cast_cannot_hold_the_weights(what, factor):
    task = ab.last_letters(2, 3)
    b = ab.perturb(ab.shift_register_model(2, 3, hidden=16), 1e-2)
    m = ab.BilinearModel("full", {"W": b.tensor * (factor if what == "A" else 1.0)},
                         b.h0 * (factor if what == "h0" else 1.0),
                         b.readout * (factor if what == "C" else 1.0), b.alphabet,
                         b.output_labels)
    report = ab.certify(m, task)
    assert report.verdict == "proved" and "float32" not in report.float_proved
    assert "float64" in report.float_proved


def test_a_huge_model_is_not_called_wrong_and_one_output_never_ties():
    parity = ab.build("parity")
    huge = ab.BilinearModel("full", {"W": [[[1e300, -1e300]]]}, [1.0], [[1.0], [-1.0]],
                            ("0", "1"), (0, 1))
    assert ab.certify(huge, parity).verdict == "proved"
    const = ab.machine_from_function(0, ("a", "b"), lambda s, x: 0, lambda s: "c")
    dead = ab.BilinearModel("full", {"W": [[[1.0, 0.0]]]}, [1.0], [[1.0]], ("a", "b"),
                            ("c",))  # letter b sends the state to 0; one row never ties
    assert ab.certify(dead, const).verdict != "wrong"


def test_a_tie_at_the_empty_word_is_wrong_at_length_zero():
    m = ab.BilinearModel("full", {"W": [[[1.0, -1.0]]]}, [1.0], [[1.0], [1.0]], ("0", "1"),
                         (0, 1))
    report = ab.certify(m, ab.build("parity"))
    assert report.verdict == "wrong" and report.length == 0


def test_a_merge_does_not_hide_a_wrong_state():
    task = ab.build("flipflop")  # letters read, w0, w1; outputs 0/1, 0 at first
    toward = np.array([0.95, 1.0]) / np.linalg.norm([0.95, 1.0])  # label 1: wrong after w0
    A = {"read": np.eye(2), "w0": np.outer(toward, [1.0, 1.0]),
         "w1": np.outer([0.0, 1.0], [1.0, 1.0])}
    W = np.stack([A[s] for s in task.alphabet], axis=2)
    m = ab.BilinearModel("full", {"W": W}, [1.0, 0.95], [[1.0, -1.0], [-1.0, 1.0]],
                         task.alphabet, (0, 1))
    report = ab.certify(m, task)
    assert report.verdict == "wrong" and report.word == ("w0",)


def test_label_types_must_match():
    m = ab.compile_bilinear(ab.build("parity"), "sign_diagonal")  # integer labels
    strings = ab.relabel(ab.build("parity"), outputs=str)
    with pytest.raises(VerificationError, match="types"):
        ab.certify(m, strings)


def test_malformed_region_files_are_one_clear_error(proved, tmp_path):
    cert = proved[2]
    path = tmp_path / "c.json"
    ab.save_region_certificate(cert, path)
    doc = json.loads(path.read_text())
    edits = [("radius", lambda d: d["nodes"][0]["regions"][0].update(radius=10**400)),
             ("successor", lambda d: d["nodes"][0].update(successors=[10**30] * 3)),
             ("word string", lambda d: d["nodes"][1].update(word="1")),
             ("tolerance", lambda d: d.update(tolerance=-1.0)),
             ("short centre", lambda d: d["nodes"][1]["regions"][0]["centre"].pop())]
    for what, edit in edits:
        bad = json.loads(json.dumps(doc))
        edit(bad["certificate"])
        path.write_text(json.dumps(bad))
        with pytest.raises(FormatError, match="malformed"):
            ab.load_any_certificate(path)
        assert main(["check-certificate", str(path), "last_letters:2,symbols=3", "--model",
                     "x.npz"]) == 2, what


def test_api_arguments_are_normalised_or_refused(tmp_path):
    task = ab.build("parity")
    m = ab.BilinearModel("full", {"W": [[[0.9, -1.1]]]}, [1.0], [[1.0], [-1.0]], ("0", "1"),
                         (0, 1))
    assert ab.certify(m, task, tolerances=0.1, float_dtypes="float64").verdict == "proved"
    with pytest.raises(InvalidArgumentError):
        ab.import_weights(None)
    rng = np.random.default_rng(0)
    path = tmp_path / "w.npz"
    np.savez(path, W=rng.normal(size=(2, 2, 3)), h0=np.ones(2), C=np.zeros((0, 2)))
    with pytest.raises(FormatError, match="Y ≥ 1"):
        ab.import_weights(path)
    np.savez(path, W=rng.normal(size=(2, 2, 3)), h0=np.ones(2), C=np.eye(2))
    with pytest.raises(InvalidArgumentError, match="repeated"):
        ab.import_weights(path, output_labels=(1, 1))


# --- the law: a verdict is never contradicted by independent evaluation ------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(1, 2), st.integers(2, 3), st.sampled_from([None, 10]),
       st.floats(0.0, 0.8), st.integers(0, 2**31))
def test_verdicts_agree_with_exact_and_plain_float_evaluation(k, D, hidden, noise, seed):
    import tempfile
    from pathlib import Path
    task = ab.last_letters(k, D)
    if hidden is not None and hidden < k * (1 + D):
        hidden = None
    model = ab.perturb(ab.shift_register_model(k, D, hidden=hidden, seed=seed % 97), noise,
                       seed=seed)
    report = ab.certify(model, task, search_length=300)
    if report.verdict == "proved":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "m.npz"
            ab.save_model(model, path)
            archive = dict(np.load(path, allow_pickle=False))
        words = [list(w) for n in range(5) for w in itertools.product(range(D), repeat=n)]
        for w in words:  # the exact rational model the file defines
            assert exact_model_prediction(archive, w) == rows_of(model, task, w)[-1], w
        rng = np.random.default_rng(seed)
        for dt, np_dt in (("float64", np.float64), ("float32", np.float32)):
            if dt in report.float_proved:
                for _ in range(3):
                    w = rng.integers(0, D, size=200).tolist()
                    assert plain_float_predictions(model, w, np_dt) == rows_of(model, task, w)
    elif report.verdict == "wrong" and "float64" in report.wrong_in:
        w = [model.alphabet.index(s) for s in report.word]
        assert plain_float_predictions(model, w)[-1] != rows_of(model, task, w)[-1]


@pytest.mark.parametrize("spec", ["random:states=300,symbols=6,seed=1", "cyclic:50"])
def test_large_compiled_models_go_to_the_exact_checker(spec):
    task = ab.build(spec)
    report = ab.certify(ab.compile_bilinear(task, "full"), task)
    assert report.verdict == "proved" and report.method.startswith("finite-image")
    assert set(report.float_proved) == {"float64", "float32"}


def test_run_explains_non_finite_margins(tmp_path, capsys):
    m = ab.BilinearModel("full", {"W": [[[1e300, -1e300]]]}, [1.0], [[1e300], [-1e300]],
                         ("0", "1"), (0, 1))
    path = tmp_path / "huge.npz"
    ab.save_model(m, path)
    assert main(["run", str(path), "--input", "0 1", "--dtype", "float32"]) == 0
    captured = capsys.readouterr()
    assert "non-finite margins" in captured.out and "RuntimeWarning" not in captured.err
    assert main(["run", str(path), "--input", "0 1"]) == 0  # float64 holds these values
    assert "non-finite" not in capsys.readouterr().out


def test_the_searches_compare_with_the_task_label_of_each_state():
    # threshold:3's states carry False, False, False, True: label codes are not state numbers
    from automata_bilinear.certify import _exhaustive_search, _lasso_search
    task = ab.minimize(ab.build("threshold:3")).machine
    always_false = ab.BilinearModel("full", {"W": [[[0.9, 0.9]]]}, [1.0], [[1.0], [-1.0]],
                                    ("a", "b"), (False, True))
    word, upto = _exhaustive_search(always_false, task, 10)
    assert word == ("a", "a", "a") and upto == 2
    word, _ = _lasso_search(always_false, task, [()], 20)
    assert word == ("a", "a", "a")
