"""Soundness: every PROVED is about the stored arrays, certificates re-derive what they rule
out, classify is complete on the commutative rungs, labels keep their types.

Oracles: the DFA run by a plain loop (tests/oracles.py), the saved ``.npz`` arrays evaluated
in exact rationals (or 60-digit mpmath for the exact phase schemas) by
``oracles.exact_model_prediction``, which does not use the package's checker.
"""

from __future__ import annotations

import copy
import functools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import exact_model_prediction, simulate

from automata_bilinear import (
    Certificate,
    MooreMachine,
    build,
    classify,
    compile_bilinear,
    compile_lowest,
    load_model,
    minimize,
    save_model,
    verify,
)
from automata_bilinear.automata.machine import label_key
from automata_bilinear.checker.certificates import KINDS
from automata_bilinear.checker.proof import prove
from automata_bilinear.model import BilinearModel

COMMUTATIVE_RUNGS = ("positive_diagonal", "sign_diagonal", "real_diagonal", "rotation",
                     "complex_diagonal")


# -- random commutative machines ---------------------------------------------------------------


@st.composite
def abelian_actions(draw):
    """Z_{d1} × … acting on itself by 1–3 random letters, with a random output map."""
    moduli = draw(st.lists(st.integers(2, 4), min_size=1, max_size=2))
    n = math.prod(moduli)
    elements = [tuple(x) for x in np.ndindex(*moduli)]
    index = {e: i for i, e in enumerate(elements)}
    k = draw(st.integers(1, 3))
    letters = [draw(st.sampled_from(elements)) for _ in range(k)]
    table = [[index[tuple((x + y) % m for x, y, m in zip(e, g, moduli))] for g in letters]
             for e in elements]
    outputs = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    return MooreMachine(table, 0, outputs, [f"g{i}" for i in range(k)], name="abelian")


@st.composite
def capped_counters(draw):
    """Per letter a counter capped at t_a (t_a ≥ 1), outputs a random function of the caps:
    a commutative aperiodic monoid with thresholds."""
    caps = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))
    states = [tuple(x) for x in np.ndindex(*[c + 1 for c in caps])]
    index = {s: i for i, s in enumerate(states)}
    table = [[index[tuple(min(x + (j == a), c) for j, (x, c) in enumerate(zip(s, caps)))]
              for a in range(len(caps))] for s in states]
    outputs = draw(st.lists(st.booleans(), min_size=len(states), max_size=len(states)))
    return MooreMachine(table, 0, outputs, [f"c{i}" for i in range(len(caps))], name="caps")


@st.composite
def commutative_machines(draw):
    kind = draw(st.sampled_from(["abelian", "caps", "mixed"]))
    if kind == "abelian":
        return draw(abelian_actions())
    if kind == "caps":
        return draw(capped_counters())
    # product on disjoint letters (each letter acts on one factor): still commutative; kept
    # small so that the exact letter-count proofs stay quick
    a, b = draw(abelian_actions()), draw(capped_counters())
    if a.n_symbols + b.n_symbols > 3 or a.n_states * b.n_states > 24:
        a, b = build("cyclic:2"), build("threshold:2")
    na, nb = a.n_states, b.n_states
    table = []
    for p in range(na):
        for q in range(nb):
            row = [int(a.transitions[p, x]) * nb + q for x in range(a.n_symbols)]
            row += [p * nb + int(b.transitions[q, y]) for y in range(b.n_symbols)]
            table.append(row)
    out = draw(st.lists(st.integers(0, 1), min_size=na * nb, max_size=na * nb))
    return MooreMachine(table, 0, out, list(a.alphabet) + list(b.alphabet), name="mixed")


def _check_saved_model(model, machine, tmp_path, rng, words=12, length=9):
    path = tmp_path / "m.npz"
    save_model(model, path)
    loaded = load_model(path)
    archive = dict(np.load(path, allow_pickle=False))
    row_of = {label_key(lab): i for i, lab in enumerate(loaded.output_labels)}
    for _ in range(words):
        w = rng.integers(0, machine.n_symbols, size=int(rng.integers(0, length + 1))).tolist()
        want = row_of[label_key(simulate(machine, w)[-1])]
        letters = [loaded.alphabet.index(machine.alphabet[a]) for a in w]
        assert exact_model_prediction(archive, letters) == want, (model.construction, w)
    return loaded


@settings(max_examples=60)
@given(commutative_machines(), st.integers(0, 2**31))
def test_commutative_machines_compile_and_prove_on_every_yes_rung(tmp_path_factory, machine,
                                                                 seed):
    tmp_path = tmp_path_factory.mktemp("m")
    rng = np.random.default_rng(seed)
    report = classify(machine)
    compile_lowest(machine)  # never raises on a valid automaton
    assert report.rungs["complex_diagonal"].verdict == "yes"  # THEORY §4: commutative
    for rung in COMMUTATIVE_RUNGS:
        row = report.rungs[rung]
        assert row.verdict in ("yes", "no")  # complete on these rungs
        if row.verdict == "no":
            assert row.certificate.check(machine).ok
            continue
        model = compile_bilinear(machine, rung)
        loaded = _check_saved_model(model, machine, tmp_path, rng)
        result = verify(loaded, machine, steps=60, batch=4, seed=seed % 1000)
        assert result.proved
        f64 = result.float_claims[0]
        assert f64.all_lengths or (f64.up_to or 0) >= 60  # the float claim covers the run
        assert result.numerical[0].first_failure is None


# -- regressions: false PROVED ---------------------------------------------------------------


@pytest.mark.parametrize("spec", ["threshold:5*threshold:3", "threshold:2*threshold:4",
                                  "threshold:3+threshold:2", "threshold:6*threshold:1"])
def test_decay_models_are_right_on_their_stored_arrays(spec, tmp_path):
    machine = build(spec)
    for rung in ("positive_diagonal", "real_diagonal", "complex_diagonal"):
        model = compile_bilinear(machine, rung)
        _check_saved_model(model, machine, tmp_path, np.random.default_rng(0), words=20,
                           length=14)
        report = verify(model, machine, steps=300)
        assert report.proved and report.numerical[0].first_failure is None


def test_large_threshold_is_not_lost_to_underflow(tmp_path):
    machine = build("threshold:1100")
    model = compile_bilinear(machine, "positive_diagonal")
    report = verify(model, machine, steps=2_500, batch=2)
    assert report.proved and report.numerical[0].first_failure is None
    archive = dict(np.load(_saved(model, tmp_path), allow_pickle=False))
    below, above = [0] * 1099, [0] * 1100
    row = {label_key(lab): i for i, lab in enumerate(model.output_labels)}
    assert exact_model_prediction(archive, below) == row[label_key(simulate(machine, below)[-1])]
    assert exact_model_prediction(archive, above) == row[label_key(simulate(machine, above)[-1])]


def _saved(model, tmp_path):
    path = tmp_path / "x.npz"
    save_model(model, path)
    return path


def test_a_wrong_model_is_never_proved():
    machine = build("threshold:4")
    model = compile_bilinear(machine, "positive_diagonal")
    params = {"eigenvalues": model.params["eigenvalues"].copy()}
    params["eigenvalues"][params["eigenvalues"] < 1] = 0.6  # threshold moves
    bad = BilinearModel(model.rung, params, model.h0, model.readout, model.alphabet,
                        model.output_labels, exact=model.exact)
    proof = prove(bad, machine)
    assert not proof.proved


def test_stored_rounding_cannot_be_proved_as_an_exact_rotation():
    machine = build("cyclic:5")
    m = compile_bilinear(machine, "orthogonal_block")  # exact phase blocks
    A = m.transitions
    floats = BilinearModel("orthogonal_block", {"blocks": A[:, None], "block_sizes": [2.0]},
                           m.h0, m.readout, m.alphabet, m.output_labels, exact=m.exact)
    assert verify(m, machine, numerical=False).proved
    assert not verify(floats, machine, numerical=False).proved


# -- regressions: classify completeness --------------------------------------------------------


@pytest.mark.parametrize(("table_spec", "rungs"), [
    ("z2z2_both_even", ("sign_diagonal", "real_diagonal", "rotation", "complex_diagonal")),
    ("z3z3_identity", ("rotation", "complex_diagonal")),
    ("z2z4_mixed", ("rotation", "complex_diagonal")),
    ("z5_residue_small", ("rotation", "complex_diagonal")),
])
def test_abelian_groups_with_non_element_outputs(table_spec, rungs):
    def group(moduli, out):
        elements = [tuple(x) for x in np.ndindex(*moduli)]
        index = {e: i for i, e in enumerate(elements)}
        gens = [tuple(int(i == j) for i in range(len(moduli))) for j in range(len(moduli))]
        table = [[index[tuple((x + y) % m for x, y, m in zip(e, g, moduli))] for g in gens]
                 for e in elements]
        return MooreMachine(table, 0, [out(e) for e in elements],
                            [f"g{j}" for j in range(len(moduli))])

    machine = {
        "z2z2_both_even": lambda: group((2, 2), lambda e: e == (0, 0)),
        "z3z3_identity": lambda: group((3, 3), lambda e: int(e == (0, 0))),
        "z2z4_mixed": lambda: group((2, 4), lambda e: e[0] == 0 and e[1] < 2),
        "z5_residue_small": lambda: group((5,), lambda e: "low" if e[0] < 2 else "high"),
    }[table_spec]()
    report = classify(machine)
    for rung in rungs:
        assert report.rungs[rung].verdict == "yes", (rung, report.rungs[rung].note)
        model = compile_bilinear(machine, rung)
        assert verify(model, machine, numerical=False).proved
    assert report.lowest_rung == rungs[0]
    assert compile_lowest(machine).rung == rungs[0]


def test_quaternion_with_a_sign_output_is_classified():
    q8 = build("quaternion")
    from automata_bilinear.automata.operations import relabel

    sign = relabel(q8, outputs=lambda o: str(o) in ("1", "-1"))
    report = classify(sign)
    assert report.lowest_rung in ("sign_diagonal", "real_diagonal", "rotation",
                                  "orthogonal_block")
    assert report.rungs[report.lowest_rung].verdict == "yes"


# -- regressions: labels -----------------------------------------------------------------------


def test_true_and_one_are_different_labels(tmp_path):
    m = MooreMachine([[1], [2], [0]], 0, [True, 1, True], ["a"])
    assert len(m.output_labels) == 2
    assert minimize(m).machine.n_states == 3
    other = MooreMachine([[1], [2], [0]], 0, [True, True, True], ["a"])
    from automata_bilinear import find_counterexample

    assert find_counterexample(m, other) == ("a",)
    model = compile_bilinear(m, "full")
    assert verify(model, m, numerical=False).proved
    from automata_bilinear.io.formats import automaton_from_json, automaton_to_json

    back = automaton_from_json(automaton_to_json(m))
    assert [type(o) for o in back.outputs] == [bool, int, bool]


# -- tampering ---------------------------------------------------------------------------------


@functools.cache
def _report(spec: str):
    return classify(build(spec))


def _certificates():
    out = []
    for spec in ("flipflop", "cyclic:5", "occurred", "quaternion", "alternating:4",
                 "parity", "threshold:3"):
        report = _report(spec)
        for row in report.rungs.values():
            for cert in (row.certificate, row.bound_certificate):
                if cert is not None:
                    out.append((spec, cert))
        if report.hankel is not None:
            out.append((spec, Certificate.from_json(report.hankel["certificate"])))
    return out


CERTS = _certificates()
ALL_RUNGS = ("full", "pd", "cp", "block", "orthogonal_block", "complex_diagonal", "rotation",
             "real_diagonal", "sign_diagonal", "positive_diagonal", "exact_valued",
             "orthogonal_block(3)", "orthogonal_block(9)", "householder", "householder(1)",
             "householder(3)", "householder(4)")

# the least Householder factors per letter (docs/theory.md §10, by hand: Q_8's only faithful
# real irrep is 4-dimensional with no fixed vector of i; an element of order > 2 needs two)
LEAST_FACTORS = {"cyclic:5": 2, "quaternion": 4, "alternating:4": 2, "parity": 1}


def _truly_rules_out(spec: str, rung: str) -> bool:
    """Ground truth from the classifier's verdicts (a "yes" row has a proved model)."""
    report = _report(spec)
    if rung == "exact_valued":
        return True
    if rung.startswith("householder("):
        return int(rung[len("householder("):-1]) < LEAST_FACTORS.get(spec, 1)
    if rung.startswith("orthogonal_block("):  # orthogonal_block with blocks ≤ b
        b = int(rung[len("orthogonal_block("):-1])
        row = report.rungs["orthogonal_block"]
        return row.verdict != "yes" or row.bounds["block_size"][0] > b
    return report.rungs[rung].verdict != "yes"


@pytest.mark.parametrize(("spec", "cert"), CERTS, ids=[f"{s}-{c.kind}" for s, c in CERTS])
def test_every_certificate_field_edit_is_valid_or_rejected(spec, cert):
    machine = build(spec)
    base = cert.to_json()
    assert cert.check(machine).ok
    edits = []
    for rung in ALL_RUNGS:  # over-claiming rules_out
        doc = copy.deepcopy(base)
        doc["rules_out"] = [*doc["rules_out"], rung]
        edits.append(doc)
    for kind in KINDS:
        doc = copy.deepcopy(base)
        doc["kind"] = kind
        edits.append(doc)
    for name, word in base["words"].items():
        for change in (word[:-1], [*word, machine.alphabet[0]], list(reversed(word))):
            doc = copy.deepcopy(base)
            doc["words"][name] = change
            edits.append(doc)
    for key, value in base["data"].items():
        for change in ((value + 1) if isinstance(value, int) else value,
                       "S_5" if isinstance(value, str) else value, None):
            doc = copy.deepcopy(base)
            doc["data"][key] = change
            edits.append(doc)
    for doc in edits:
        try:
            edited = Certificate.from_json(json.loads(json.dumps(doc)))
        except Exception as exc:  # a malformed file is rejected at load: fine
            assert "certificate" in str(exc) or "kind" in str(exc)
            continue
        result = edited.check(machine)
        if result.ok:
            # genuinely valid: everything it claims and everything derived is true
            for rung in set(edited.rules_out) | set(result.rules_out):
                assert _truly_rules_out(spec, rung), (doc, rung)
            assert set(edited.rules_out) <= set(result.rules_out)


def test_over_claiming_rules_out_is_always_rejected():
    for spec, cert in CERTS:
        machine = build(spec)
        derived = cert.check(machine).rules_out
        for rung in ALL_RUNGS:
            if rung in derived:
                continue
            claim = Certificate(cert.kind, cert.words, cert.data, (*cert.rules_out, rung))
            assert not claim.check(machine).ok, (spec, cert.kind, rung)


def test_frozen_fields_cannot_be_edited_in_place():
    """An edit that could change a verdict must build a new object."""
    import pytest

    import automata_bilinear as ab

    model = ab.compile_bilinear(ab.build("parity"), "sign_diagonal")
    with pytest.raises(TypeError):
        model.metadata["verification"] = {"proved": True}
    cert = ab.classify(ab.build("cyclic:5")).rungs["real_diagonal"].certificate
    with pytest.raises(TypeError):
        cert.data["period"] = 2
    with pytest.raises(TypeError):
        cert.words["u"] = ("1",)
    assert cert.check(ab.build("cyclic:5")).ok


@pytest.mark.parametrize(("spec", "rung"), [
    ("symmetric:4", "orthogonal_block"), ("quaternion", "orthogonal_block"),
    ("symmetric:5,letters=generators", "orthogonal_block"), ("flipflop", "householder"),
    ("alternating:4", "householder"), ("dihedral:4", "cp")])
def test_int64_fast_path_gives_the_exact_path_verdict_and_margins(spec, rung, monkeypatch):
    """The rational image search's int64 path against the exact object-integer path."""
    import automata_bilinear.checker.proof as proof_module

    machine = build(spec)
    model = compile_bilinear(machine, rung)
    fast = proof_module.prove(model, machine)
    monkeypatch.setattr(proof_module, "_max_abs", lambda m: 2**62)  # nothing is "small"
    slow = proof_module.prove(model, machine)
    assert (fast.proved, fast.method, fast.image_size) == (slow.proved, slow.method,
                                                           slow.image_size)
    assert fast.relative_margin == slow.relative_margin
    assert fast.sup_margin == slow.sup_margin


def test_int64_fast_path_finds_the_same_counterexample(monkeypatch):
    import automata_bilinear.checker.proof as proof_module

    machine = build("symmetric:4")
    good = compile_bilinear(machine, "orthogonal_block")
    C = np.array(good.readout)
    C[[3, 7]] = C[[7, 3]]  # two outputs swapped: wrong on the states of those labels
    bad = BilinearModel(good.rung, dict(good.params), good.h0, C, good.alphabet,
                        good.output_labels)
    fast = proof_module.prove(bad, machine)
    monkeypatch.setattr(proof_module, "_max_abs", lambda m: 2**62)
    slow = proof_module.prove(bad, machine)
    assert not fast.proved and fast.counterexample == slow.counterexample is not None


@pytest.mark.parametrize("readout_power", [-300, -900])
def test_diagonal_float_claims_hold_for_tiny_readouts(readout_power):
    # powers of two: the exact model is proved; float64 inference must stay right (verify
    # raises InternalConsistencyError if its run contradicts its own claim) and a readout
    # that float32 cannot hold gets no float32 claim
    from automata_bilinear import BilinearModel, build, compile_bilinear, verify

    base = compile_bilinear(build("parity"), "real_diagonal")
    model = BilinearModel("real_diagonal",
                          {"eigenvalues": base.params["eigenvalues"] * 2.0**-13}, base.h0,
                          base.readout * 2.0**readout_power, base.alphabet, base.output_labels)
    report = verify(model, build("parity"), steps=300, batch=4)
    claims = {c.dtype: c for c in report.float_claims}
    assert report.proved and claims["float64"].covers(300)
    assert not claims["float32"].covers(0)
    assert "float32's normal range" in claims["float32"].reason
    f64 = next(r for r in report.numerical if r.dtype == "float64")
    assert f64.first_failure is None and f64.min_margin > 0


# -- the same-sign argument on diagonal models (no unit dominates every letter) -------------


def _first_wrong_count_vector(model, machine, max_length):
    """Oracle: exact rational scores of a real-diagonal model on every letter-count vector
    (n0, n1) with n0 + n1 ≤ max_length; the first where the unique argmax is not the
    automaton's output (None when right on all). Independent of the checker."""
    from fractions import Fraction

    lam = [[Fraction(float(v)) for v in row] for row in model.params["eigenvalues"]]
    h0 = [Fraction(float(v)) for v in model.h0]
    C = [[Fraction(float(v)) for v in row] for row in model.readout]
    row_of = {label_key(lab): i for i, lab in enumerate(model.output_labels)}
    letter = [model.alphabet.index(s) for s in machine.alphabet]
    for length in range(max_length + 1):
        for n0 in range(length + 1):
            n1 = length - n0
            h = [h0[i] * lam[letter[0]][i] ** n0 * lam[letter[1]][i] ** n1
                 for i in range(len(h0))]
            scores = [sum(c * x for c, x in zip(row, h)) for row in C]
            best = max(scores)
            target = row_of[label_key(simulate(machine, [0] * n0 + [1] * n1)[-1])]
            if scores.count(best) != 1 or scores.index(best) != target:
                return n0, n1
    return None


def _two_unit_parity_model(readout):
    # the README tour's trained model: letter 0 grows unit 0, letter 1 grows unit 1, both
    # units flip sign on letter 1
    return BilinearModel("real_diagonal",
                         {"eigenvalues": np.array([[2.4957973, 0.87988995],
                                                   [-1.25394629, -1.94367997]])},
                         np.array([2.12746464, 1.37634555]), np.array(readout),
                         ("0", "1"), (0, 1))


def test_same_sign_units_prove_a_model_no_unit_dominates():
    machine = build("parity")
    model = _two_unit_parity_model([[2.09113137, 2.13736005], [-1.35794507, -0.8817262]])
    assert _first_wrong_count_vector(model, machine, 60) is None
    report = verify(model, machine, numerical=False)
    assert report.proved and "non-negative amount" in report.detail
    assert all(c.up_to and c.up_to > 10**6 for c in report.float_claims)


def test_units_of_opposite_signs_are_not_proved():
    machine = build("parity")
    model = _two_unit_parity_model([[2.09113137, -0.5], [-1.35794507, 0.5]])
    assert _first_wrong_count_vector(model, machine, 60) is not None  # wrong from n1 = 4
    assert not verify(model, machine, numerical=False).proved


_EIGENVALUES = st.sampled_from([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(lambda H: st.tuples(
    st.lists(st.lists(_EIGENVALUES, min_size=H, max_size=H), min_size=2, max_size=2),
    st.lists(st.sampled_from([-1.0, 0.5, 1.0, 2.0]), min_size=H, max_size=H),
    st.lists(st.lists(st.sampled_from([-2.0, -1.0, 0.0, 1.0, 2.0]), min_size=H, max_size=H),
             min_size=2, max_size=2))),
    st.sampled_from(["parity", "counter:2", "occurred"]))
def test_diagonal_count_proofs_agree_with_exact_scores(arrays, spec):
    eigenvalues, h0, readout = arrays
    machine = build(spec)
    labels = tuple(sorted({simulate(machine, w)[-1] for w in ([], [0], [1], [1, 1])},
                          key=repr))
    if len(labels) != 2:
        return
    model = BilinearModel("real_diagonal", {"eigenvalues": np.array(eigenvalues)},
                          np.array(h0), np.array(readout), machine.alphabet, labels)
    if verify(model, machine, numerical=False).proved:
        assert _first_wrong_count_vector(model, machine, 24) is None


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3).flatmap(lambda H: st.tuples(
    st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0]), min_size=H, max_size=H),
    st.lists(st.sampled_from([-2.0, -1.5, -1.0, -0.5]), min_size=H, max_size=H),
    st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=H, max_size=H),
    st.lists(st.sampled_from([-2.0, 0.0, 1.0]), min_size=H, max_size=H),
    st.lists(st.sampled_from([0.25, 1.0, 3.0]), min_size=H, max_size=H))))
def test_parity_models_whose_units_agree_in_sign_are_proved(arrays):
    # every unit flips on '1' and favours the parity-0 row: right on every word, whichever
    # unit dominates; the checker must prove it and the exact scores must agree
    grow0, grow1, h0, row1, lead = arrays
    machine = build("parity")
    model = BilinearModel("real_diagonal", {"eigenvalues": np.array([grow0, grow1])},
                          np.array(h0), np.array([np.add(row1, lead), row1]),
                          machine.alphabet, (0, 1))
    assert _first_wrong_count_vector(model, machine, 24) is None
    assert verify(model, machine, numerical=False).proved
