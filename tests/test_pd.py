"""The pd rung (A_σ = P_σ D_σ): sparse storage, the fewest units, proofs and the forward pass,
against closed forms, brute force over all small PD models and direct DFA simulation."""

from __future__ import annotations

import io
import itertools
import json
import zipfile

import numpy as np
import pytest

import automata_bilinear as ab
from automata_bilinear import errors as E
from automata_bilinear.constructions.signed_pd import minimal_signed_automaton


def _minimal(spec: str) -> ab.MooreMachine:
    return ab.minimize(ab.build(spec)).machine


@pytest.mark.parametrize("m", range(2, 13))
def test_cyclic_groups_need_half_their_order_when_even_else_all(m):
    # closed form (docs/theory.md §10): the flip of a unit's sign is a rotation by L/2 of the
    # one orbit, so Z_m fits on m/2 units for even m and needs m units for odd m
    found = minimal_signed_automaton(_minimal(f"cyclic:{m},letters=generators"))
    assert found.exact and found.hidden == (m // 2 if m % 2 == 0 else m)


def test_parity_is_one_unit_and_z4_two():
    assert ab.compile_bilinear(ab.build("parity"), "pd").hidden_size == 1
    assert ab.compile_bilinear(ab.build("cyclic:4"), "pd").hidden_size == 2


def _fits_by_brute_force(machine: ab.MooreMachine, H: int) -> bool:
    """Every PD structure on H units from e_0: is the minimal automaton a quotient of its
    reachable signed states, with both signs of a unit on different outputs?"""
    T, out, D = machine.transitions, machine.output_codes, machine.n_symbols
    per_letter = list(itertools.product(itertools.product(range(H), repeat=H),
                                        itertools.product((1, -1), repeat=H)))
    for choice in itertools.product(per_letter, repeat=D):
        seen = {(0, 1): machine.start}
        stack = [(0, 1)]
        ok = True
        while stack and ok:
            j, s = stack.pop()
            q = seen[(j, s)]
            for a, (index, sign) in enumerate(choice):
                state, q2 = (index[j], s * sign[j]), int(T[q, a])
                if state in seen:
                    ok = seen[state] == q2
                else:
                    other = seen.get((state[0], -state[1]))
                    ok = other is None or out[other] != out[q2]
                    seen[state] = q2
                    stack.append(state)
                if not ok:
                    break
        if ok:
            return True
    return False


def test_the_search_agrees_with_brute_force_on_small_machines():
    rng = np.random.default_rng(7)
    checked, smaller = 0, 0
    for n, D in ((2, 1), (2, 2), (3, 1), (3, 2), (4, 1), (4, 2)):
        for _ in range(40 if n < 4 else 15):
            table = rng.integers(0, n, size=(n, D))
            outputs = rng.integers(0, 2, size=n)
            machine = ab.minimize(ab.MooreMachine(table, 0, outputs.tolist(),
                                                  [str(a) for a in range(D)])).machine
            if machine.n_states < 2:
                continue
            found = minimal_signed_automaton(machine)
            brute = next(H for H in range(1, machine.n_states + 1)
                         if H == machine.n_states or _fits_by_brute_force(machine, H))
            assert found.exact and found.hidden == brute, (table.tolist(), outputs.tolist())
            checked += 1
            smaller += brute < machine.n_states
    assert checked > 60 and smaller > 10  # both answers occur


@pytest.mark.parametrize("spec", ["parity", "cyclic:6", "flipflop", "dihedral:4",
                                  "threshold:3", "reset_cyclic:4", "even_pairs",
                                  "random:states=9,symbols=3,seed=2,outputs=binary"])
def test_compiled_pd_models_are_proved_and_follow_the_automaton(spec):
    machine = ab.build(spec)
    model = ab.compile_bilinear(machine, "pd")
    n = ab.minimize(machine).machine.n_states
    assert model.hidden_size <= n
    if np.count_nonzero(model.h0) == 1:  # the signed-automaton bound holds from e_i
        assert model.hidden_size >= -(-n // 2)
    report = ab.verify(model, machine, numerical=False)
    assert report.proved
    x = ab.random_words(machine, 32, 60, seed=1)
    predicted = np.array(model.output_labels, dtype=object)[ab.forward(model, x).predictions]
    states = ab.run_batch(machine, x)
    expected = np.array(machine.outputs, dtype=object)[states]
    assert (predicted == expected).all()
    # the gather engine and the dense engine on the materialised matrices agree
    dense = ab.BilinearModel("full", {"W": model.tensor}, model.h0, model.readout,
                             model.alphabet, model.output_labels)
    assert np.array_equal(ab.forward(dense, x).predictions, ab.forward(model, x).predictions)


def test_large_pd_models_never_build_dense_matrices(tmp_path):
    # 3 × 20,000² float64 would be 9.6 GB: far over the budget, so any dense path would raise
    machine = ab.build("random:states=20000,symbols=3,seed=1,outputs=binary")
    model = ab.compile_bilinear(machine, "pd")
    assert model.hidden_size == 20000 and model.parameter_count == 60000
    assert ab.verify(model, machine, numerical=False).proved
    x = ab.random_words(machine, 4, 30, seed=0)
    predicted = np.array(model.output_labels, dtype=object)[ab.forward(model, x).predictions]
    assert (predicted == np.array(machine.outputs, dtype=object)[ab.run_batch(machine, x)]).all()
    path = tmp_path / "big.npz"
    ab.save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        assert "A.npy" not in archive.namelist()
    loaded = ab.load_model(path)
    assert np.array_equal(loaded.params["index"], model.params["index"])
    with pytest.raises(E.ResourceLimitError, match="pd transition matrices"):
        model.transitions  # noqa: B018 - asking for A is the one way to build it


def test_pd_files_are_version_3_and_others_stay_version_2(tmp_path):
    for rung, version in (("pd", 3), ("full", 2), ("rotation", 2)):
        path = tmp_path / f"{rung}.npz"
        ab.save_model(ab.compile_bilinear(ab.build("cyclic:4"), rung), path)
        meta = json.loads(str(np.load(path)["metadata"]))
        assert meta["version"] == version
        assert ab.load_model(path).rung == rung


def test_a_pd_file_with_a_dense_a_must_agree(tmp_path):
    model = ab.compile_bilinear(ab.build("cyclic:4"), "pd")
    path = tmp_path / "pd.npz"
    ab.save_model(model, path)
    arrays = dict(np.load(path))
    arrays["A"] = np.zeros_like(model.transitions)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(E.FormatError, match="disagrees"):
        ab.load_model(path)


@pytest.mark.parametrize(("params", "match"), [
    ({"index": [[0.5, 1.0]], "scale": [[1.0, 1.0]]}, "'index' must hold integers"),
    ({"index": [[0.0, 2.0]], "scale": [[1.0, 1.0]]}, "'index' must be ≤ 1"),
    ({"index": [[0.0, -1.0]], "scale": [[1.0, 1.0]]}, "'index' must be ≥ 0"),
    ({"index": [[0.0, 1.0]], "scale": [[1.0, 0.0]]}, "'scale' must be nonzero"),
    ({"index": [[0.0, 1.0]], "scale": [[1.0]]}, "'scale' has shape"),
    ({"index": [0.0, 1.0], "scale": [[1.0, 1.0]]}, "'index' has shape"),
    ({"index": [[0.0, 1.0]]}, "missing parameter"),
    ({"index": [[0.0, 1.0]], "scale": [[1j, 1.0]]}, "must be real"),
])
def test_bad_pd_parameters_name_the_culprit(params, match):
    with pytest.raises(E.ModelError, match=match):
        ab.BilinearModel("pd", params, [1.0, 0.0], [[1.0, 0.0]], ("a",), (0,))


def test_classify_reports_the_least_number_of_units_from_a_one_hot_start():
    row = ab.classify(ab.build("cyclic:6")).rungs["pd"]
    assert row.verdict == "yes" and row.hidden == 3
    assert row.bounds["H_from_one_hot_h0"] == (3, 3) and row.bounds["H"] == (3, 3)
    assert "exhaustive" in row.note and "PERIOD" in row.note
    big = ab.classify(ab.build("random:states=80,symbols=2,seed=3,outputs=binary"))
    n = big.minimal_states
    assert n > 64 and big.rungs["pd"].bounds["H_from_one_hot_h0"] == (-(-n // 2), n)
    assert "not run" in big.rungs["pd"].note


def _least_cycle_sum(r: int) -> int:
    """Brute force: the least total length of cycles on some units whose lcm r divides."""
    best = None
    for sizes in itertools.chain.from_iterable(
            itertools.combinations_with_replacement(range(1, 2 * r + 1), k) for k in (1, 2, 3)):
        if np.lcm.reduce(sizes) % r == 0:
            best = sum(sizes) if best is None else min(best, sum(sizes))
    return best


@pytest.mark.parametrize("period", range(1, 31))
def test_units_for_a_period_against_brute_force(period):
    r = period // np.gcd(period, 2)
    from automata_bilinear.classify import pd_units_for_period

    assert pd_units_for_period(period) == _least_cycle_sum(r)


@pytest.mark.parametrize(("spec", "least"), [("cyclic:5", 5), ("cyclic:4", 2),
                                             ("symmetric:3", 3), ("cyclic:7", 7),
                                             ("flipflop", 2)])
def test_certificates_bound_pd_for_any_start(spec, least):
    row = ab.classify(ab.build(spec)).rungs["pd"]
    assert row.hidden == least and row.bounds["H"] == (least, least)
    assert f"least H = {least} for any h0" in row.note


@pytest.mark.parametrize(("spec", "hidden", "one_hot"), [
    ("parity*parity*parity*parity", 4, 8),  # four sign units from h0 = (1, 1, 1, 1)
    ("threshold:20", 2, 11),                 # the two-unit positive threshold
])
def test_a_general_start_beats_the_one_hot_bound(spec, hidden, one_hot):
    """Diagonal models with nonzero eigenvalues are PD models: the signed-automaton bound
    is about one-hot starts only (the review found the rung reported as needing more)."""
    machine = ab.build(spec)
    model = ab.compile_bilinear(machine, "pd")
    assert model.hidden_size == hidden and np.count_nonzero(model.h0) > 1
    assert ab.verify(model, machine, numerical=False).proved
    row = ab.classify(machine).rungs["pd"]
    assert row.hidden == hidden and row.bounds["H"] == (1, hidden)
    assert row.bounds["H_from_one_hot_h0"][0] == one_hot


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # float32 overflows, on purpose
def test_overflowing_scales_get_no_float32_claim():
    machine = ab.build("parity")
    model = ab.BilinearModel("pd", {"index": [[0.0], [0.0]], "scale": [[1e300], [-1e300]]},
                             [1.0], [[1.0], [-1.0]], machine.alphabet, machine.output_labels)
    report = ab.verify(model, machine, steps=200)
    claims = {c.dtype: c for c in report.float_claims}
    assert report.proved and claims["float64"].all_lengths
    assert not claims["float32"].all_lengths


def test_many_letters_stay_within_the_search_limits():
    machine = ab.build("random:states=2,symbols=1500,seed=0")
    found = minimal_signed_automaton(ab.minimize(machine).machine)
    assert not found.exact or found.hidden == 1
    assert ab.compile_bilinear(machine, "pd").hidden_size <= 2


def test_identity_map_pd_models_run_and_are_bounded_like_diagonal_ones():
    machine = ab.build("threshold:20")
    pd = ab.compile_bilinear(machine, "pd")
    diagonal = ab.compile_bilinear(machine, "positive_diagonal")
    assert pd.acts_diagonally and not ab.compile_bilinear(ab.build("cyclic:6"), "pd") \
        .acts_diagonally
    x = ab.random_words(machine, 16, 80, seed=3)
    assert np.array_equal(ab.forward(pd, x).predictions, ab.forward(diagonal, x).predictions)
    claims = {c.dtype: c for c in ab.verify(pd, machine, steps=100).float_claims}
    expected = {c.dtype: c for c in ab.verify(diagonal, machine, steps=100).float_claims}
    assert claims["float64"].up_to == expected["float64"].up_to is not None
