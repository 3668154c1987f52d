"""BilinearModel validation, .npz round trips and bad files, verification catching errors."""

import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import machines

from automata_bilinear import (
    RUNGS,
    BilinearModel,
    FormatError,
    ModelError,
    build,
    compile_bilinear,
    load_model,
    save_model,
    verify,
)


def one_unit(**over):
    args = dict(rung="real_diagonal", params={"eigenvalues": [[1.0], [-1.0]]}, h0=[1.0],
                readout=[[1.0], [-1.0]], alphabet=["0", "1"], output_labels=[0, 1])
    args.update(over)
    return BilinearModel(**args)


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"rung": "diagonal"}, "unknown rung"),
        ({"params": {"eigenvalues": [[1.0, np.nan], [1.0, 1.0]]}}, "non-finite value"),
        ({"params": {"W": np.zeros((1, 1, 2))}}, "missing parameter(s) ['eigenvalues']"),
        ({"params": {"eigenvalues": [[1.0]]}}, "has shape (1, 1), expected (2, H)"),
        ({"params": {"eigenvalues": np.zeros((2, 0))}, "h0": np.zeros(0),
          "readout": np.zeros((2, 0))}, "H = 0"),
        ({"h0": [0.0]}, "all zero"),
        ({"h0": [1.0, 2.0]}, "h0 has shape"),
        ({"readout": [[1.0, 2.0]]}, "readout has shape"),
        ({"output_labels": [0]}, "1 output labels for a readout with 2 rows"),
        ({"bias": [1.0]}, "bias has shape"),
        ({"alphabet": ["0", "0"]}, "duplicate"),
        ({"rung": "sign_diagonal", "params": {"eigenvalues": [[0.5], [-1.0]]}}, "exactly -1"),
        ({"rung": "positive_diagonal"}, "must be > 0"),
        ({"rung": "rotation", "params": {"complex_eigenvalues": [[2j], [1]],
                                         "real_eigenvalues": np.zeros((2, 0))},
          "h0": [1.0, 0.0], "readout": np.eye(2)}, "modulus 1"),
        ({"rung": "orthogonal_block", "params": {"blocks": [[[[2.0]]], [[[1.0]]]],
                                                 "block_sizes": [1]}}, "not orthogonal"),
    ],
)
def test_model_validation_names_the_problem(override, fragment):
    with pytest.raises(ModelError) as info:
        one_unit(**override)
    assert fragment in str(info.value)


def test_materialisation_and_tensor():
    model = compile_bilinear(build("cyclic:5"), "rotation")
    A = model.transitions
    assert A.shape == (5, 2, 2)
    assert np.allclose(model.tensor[:, :, 3], A[3])
    # rotation blocks are orthogonal with determinant 1
    assert np.allclose(np.einsum("kji,kjl->kil", A, A), np.eye(2))
    assert model.parameter_count == 2 * 5


@pytest.mark.parametrize("rung", RUNGS)
def test_npz_round_trip_on_every_rung(rung, tmp_path):
    spec = {"orthogonal_block": "dihedral:4", "rotation": "cyclic:3", "sign_diagonal": "parity",
            "positive_diagonal": "threshold:2", "real_diagonal": "occurred",
            "complex_diagonal": "cyclic:3*occurred"}.get(rung, "flipflop")
    machine = build(spec)
    model = compile_bilinear(machine, rung)
    path = tmp_path / "m.npz"
    save_model(model, path)
    back = load_model(path)
    assert back.rung == rung and back.alphabet == model.alphabet
    assert back.output_labels == model.output_labels and back.exact == model.exact
    assert np.array_equal(back.transitions, model.transitions)
    assert verify(back, machine, numerical=False).proved
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


@settings(max_examples=15)
@given(machines(max_states=5, max_symbols=2))
def test_npz_round_trip_property(tmp_path_factory, machine):
    path = tmp_path_factory.mktemp("npz") / "m.npz"
    model = compile_bilinear(machine, "full")
    save_model(model, path)
    back = load_model(path)
    assert np.array_equal(back.params["W"], model.params["W"])
    assert np.array_equal(back.readout, model.readout)


def rewrite(path, **changes):
    data = dict(np.load(path, allow_pickle=False))
    for k, v in changes.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v
    np.savez(path, **data)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"h0": np.array([np.nan, 0.0])}, "'h0' contains NaN"),
        ({"C": None}, "missing array 'C'"),
        ({"A": np.zeros((3, 3, 3))}, "array 'A' has shape (3, 3, 3)"),
        ({"A": np.ones((3, 2, 2))}, "array 'A' disagrees with the native parameters"),
        ({"param__W": np.zeros((2, 2, 2))}, "has shape (2, 2, 2), expected (H, H, 3)"),
        ({"metadata": np.array("{not json")}, "not valid JSON"),
        ({"metadata": np.array(json.dumps({"format": "automata_bilinear.model",
                                           "version": 99}))}, "version 99 is newer"),
        ({"metadata": np.array(json.dumps({"format": "other"}))}, "'format'"),
        ({"h0": np.array(["a", "b"])}, "dtype"),
    ],
)
def test_bad_model_files_get_one_clear_error(tmp_path, change, fragment):
    path = tmp_path / "m.npz"
    save_model(compile_bilinear(build("flipflop"), "full"), path)
    rewrite(path, **change)
    with pytest.raises(FormatError) as info:
        load_model(path)
    assert fragment in str(info.value) and str(path) in str(info.value)


def test_pickled_and_non_archives_are_refused(tmp_path):
    path = tmp_path / "m.npz"
    save_model(compile_bilinear(build("parity"), "full"), path)
    data = dict(np.load(path, allow_pickle=False))
    data["h0"] = np.array([object(), object()], dtype=object)
    np.savez(path, **data)
    with pytest.raises(FormatError, match="without pickle"):
        load_model(path)
    junk = tmp_path / "junk.npz"
    junk.write_text("hello")
    with pytest.raises(FormatError, match=r"not a readable \.npz"):
        load_model(junk)
    with pytest.raises(FormatError, match="no such file"):
        load_model(tmp_path / "missing.npz")
    assert zipfile.is_zipfile(path)


def test_verification_finds_a_broken_readout():
    machine = build("threshold:2")
    model = compile_bilinear(machine, "full")
    C = model.readout.copy()
    C[:, 2] = C[::-1, 2]  # state 2 (two a's) now reads as "False"
    broken = BilinearModel(model.rung, model.params, model.h0, C, model.alphabet,
                           model.output_labels, exact=model.exact)
    report = verify(broken, machine, steps=200)
    assert not report.proved and report.counterexample == ("a", "a")
    assert report.numerical[0].first_failure == 2 or report.numerical[0].first_failure


def test_verification_finds_tampered_matrices():
    machine = build("cyclic:5")
    model = compile_bilinear(machine, "rotation")
    params = dict(model.params)
    params["phase_turns"] = params["phase_turns"].copy()
    params["phase_turns"][0, 0] += 1  # letter 0 now turns one step too far
    tampered = BilinearModel(model.rung, params, model.h0, model.readout, model.alphabet,
                             model.output_labels)
    report = verify(tampered, machine, numerical=False)
    assert not report.proved and report.counterexample is not None
    # rotations stored as rounded floats have no exact period: not proved either
    lam = np.exp(2j * np.pi * np.arange(5)[:, None] / 5)
    floats = BilinearModel("rotation", {"complex_eigenvalues": lam,
                                        "real_eigenvalues": np.zeros((5, 0))},
                           model.h0, model.readout, model.alphabet, model.output_labels)
    assert not verify(floats, machine, numerical=False).proved


def test_editing_the_exact_field_cannot_change_a_verdict():
    machine = build("threshold:5*threshold:3")
    model = compile_bilinear(machine, "positive_diagonal")
    for exact in (None, {"method": "finite_image"}, {"method": "decay_bound"}, {"x": 1}):
        edited = BilinearModel(model.rung, model.params, model.h0, model.readout,
                               model.alphabet, model.output_labels, exact=exact)
        assert verify(edited, machine, numerical=False).proved


def test_model_for_another_automaton_is_not_proved():
    model = compile_bilinear(build("cyclic:5"), "rotation")
    wrong = build("cycle_navigation:5")
    from automata_bilinear.verify import VerificationError

    with pytest.raises(VerificationError, match="alphabet"):
        verify(model, wrong)
    other = compile_bilinear(build("counter:5"), "rotation")
    report = verify(other, build("counter:5"), numerical=False)
    assert report.proved


def test_user_model_is_proved_from_its_arrays_alone():
    model = one_unit()
    report = verify(model, build("parity"), steps=500)
    assert report.proved and report.method != "no exact method applies"
    assert report.numerical[0].first_failure is None
    wrong = one_unit(readout=[[-1.0], [1.0]])
    report = verify(wrong, build("parity"), numerical=False)
    assert not report.proved and report.counterexample == ()
