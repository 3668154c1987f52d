"""The classifier: docs/theory.md §8 reproduced, certificates re-check, tampering is caught."""

import json

import pytest
from hypothesis import given, settings
from strategies import machines

from automata_bilinear import (
    Certificate,
    FormatError,
    build,
    classify,
    compile_bilinear,
    load_certificate,
    minimize,
    save_certificate,
    transition_monoid,
    verify,
)
from automata_bilinear.cli import main
from automata_bilinear.refutations import parikh_certificate, period_certificate

# docs/theory.md §8, written out: (spec, lowest rung, its hidden size,
#   {rung below: certificate kind that rules it out})
SECTION_8 = [
    ("parity", "sign_diagonal", 1, {"positive_diagonal": "period"}),
    ("cyclic:3", "rotation", 2, {"real_diagonal": "period"}),
    ("cyclic:7", "rotation", 2, {"real_diagonal": "period"}),
    ("cyclic:2*cyclic:2*cyclic:2", "sign_diagonal", 3, {}),
    ("cyclic:3*cyclic:3", "rotation", 4, {"real_diagonal": "period"}),
    ("cyclic:2*cyclic:4", "rotation", 3, {"real_diagonal": "period"}),
    ("occurred", "positive_diagonal", 2, {"rotation": "recur"}),
    ("threshold:4", "positive_diagonal", 2, {"rotation": "recur"}),
    ("flipflop", "block", 2, {r: "parikh" for r in ("complex_diagonal", "rotation",
                                                    "real_diagonal", "sign_diagonal",
                                                    "positive_diagonal")}),
    ("dihedral:5", "orthogonal_block", 2, {"complex_diagonal": "parikh"}),
    ("symmetric:3", "orthogonal_block", 2, {"complex_diagonal": "parikh"}),
    ("quaternion", "orthogonal_block", 4, {"complex_diagonal": "parikh"}),
    ("alternating:4", "orthogonal_block", 3, {"complex_diagonal": "parikh"}),
    ("symmetric:4", "orthogonal_block", 3, {"complex_diagonal": "parikh"}),
    ("alternating:5,letters=generators", "orthogonal_block", 3, {"complex_diagonal": "parikh"}),
    # the 4-dim orthogonal S_5 is stored exactly over Q(√5) (orthonormal basis (1,1,−1,−1,0)/2,
    # …, (1,1,1,1,−4)/(2√5)); KERNEL bounds b ≥ 4, so 4 is the least block size
    ("symmetric:5,letters=generators", "orthogonal_block", 4, {"complex_diagonal": "parikh"}),
    ("reset_cyclic:3", "block", 3, {"complex_diagonal": "parikh"}),
    ("reset_cyclic:5", "block", 5, {"complex_diagonal": "parikh"}),  # Z_5 needs √5 entries
    ("random:states=12,symbols=3,seed=4", "block", 12, {"complex_diagonal": "parikh"}),
]


@pytest.mark.parametrize(("spec", "lowest", "hidden", "below"), SECTION_8,
                         ids=[row[0] for row in SECTION_8])
def test_section_8_table(spec, lowest, hidden, below):
    machine = build(spec)
    report = classify(machine)
    assert report.lowest_rung == lowest
    assert report.rungs[lowest].hidden == hidden
    for rung, kind in below.items():
        row = report.rungs[rung]
        assert row.verdict == "no" and row.certificate.kind == kind
    for row in report.rungs.values():
        if row.certificate is not None:
            assert row.certificate.check(machine).ok
        if row.bound_certificate is not None:
            assert row.bound_certificate.check(machine).ok
    json.dumps(report.to_json())  # serialisable


@pytest.mark.parametrize(("spec", "block", "group"),
                         [("quaternion", 4, "Q_8"), ("alternating:4", 3, "A_4"),
                          ("symmetric:4", 3, "S_4"), ("alternating:5,letters=generators", 3,
                                                      "A_5")])
def test_kernel_certificates_bound_the_block_size(spec, block, group):
    row = classify(build(spec)).rungs["orthogonal_block"]
    assert row.block_size == block and row.bounds["block_size"] == (block, block)
    cert = row.bound_certificate
    assert cert.kind == "kernel" and cert.data["group"] == group
    assert cert.data["block_size"] == block - 1


def test_quaternion_kernel_element_is_minus_one():
    cert = classify(build("quaternion")).rungs["orthogonal_block"].bound_certificate
    assert cert.words["g"] == ("-1",)


def test_flipflop_parikh_words_are_the_textbook_pair():
    cert = classify(build("flipflop")).rungs["rotation"].certificate
    assert {cert.words["w1"], cert.words["w2"]} == {("w0", "w1"), ("w1", "w0")}


def test_cp_and_block_report_bounds_where_theory_is_open():
    report = classify(build("dihedral:4,letters=generators"))
    assert report.rungs["cp"].verdict == "yes" and report.rungs["cp"].hidden == 2
    assert report.rungs["cp"].bounds["R"] == (2, 2)
    report = classify(build("reset_cyclic:4"))
    assert report.rungs["block"].bounds["block_size"] == (2, 3)
    assert "open" in report.rungs["block"].note


def test_group_facts_cross_checked_with_sympy():
    facts = classify(build("cyclic:2*cyclic:4")).group
    assert facts["order"] == 8 and facts["abelian"] and sorted(facts["abelian_invariants"]) == \
        [2, 4]
    facts = classify(build("alternating:5,letters=generators")).group
    assert facts == {"order": 60, "abelian": False, "solvable": False, "name": "A_5"}
    assert classify(build("flipflop")).group is None


def test_large_random_dfa_classifies_quickly_without_compiling_one_hot():
    report = classify(build("random:states=3000,symbols=4,seed=1"))
    assert report.rungs["full"].hidden == 3000 and "Prop. 1" in report.rungs["full"].method
    assert report.lowest_rung == "block"
    assert report.rungs["complex_diagonal"].certificate.kind == "parikh"


def brute(machine):
    """Commutative / group / letter periods from the enumerated monoid (independent)."""
    minimal = minimize(machine).machine
    monoid = transition_monoid(minimal)
    n = minimal.n_states
    group = all(sorted(e.tolist()) == list(range(n)) for e in monoid.elements)
    periods = {monoid.index_period(i)[1] for i in range(monoid.size)}
    return monoid.is_commutative, group, periods


@settings(max_examples=40)
@given(machines(max_states=5, max_symbols=2))
def test_random_machines_certificates_recheck_and_yes_rows_verify(machine):
    report = classify(machine)
    comm, group, periods = brute(machine)
    expected = {
        "complex_diagonal": comm, "rotation": comm and group,
        "real_diagonal": comm and periods <= {1, 2},
        "sign_diagonal": comm and group and periods <= {1, 2},
        "positive_diagonal": comm and periods == {1},
    }
    for rung, fits in expected.items():
        row = report.rungs[rung]
        assert (row.verdict == "yes") == fits
        if row.verdict == "no":
            assert row.certificate.check(machine).ok
        else:
            model = compile_bilinear(machine, rung)
            assert verify(model, machine, numerical=False).proved
    assert (report.rungs["orthogonal_block"].verdict != "no") == group


def test_tampered_and_foreign_certificates_are_rejected(tmp_path):
    flip = build("flipflop")
    cert = parikh_certificate(classify(flip) and __import__(
        "automata_bilinear").algebraic_profile(flip))
    assert cert.check(flip).ok
    tampered = Certificate("parikh", {"w1": ("w0", "w1"), "w2": ("w1", "w1")}, {},
                           cert.rules_out)
    assert not tampered.check(flip).ok
    assert "same letter counts" in tampered.check(flip).reason
    # a certificate for another automaton: symbols it lacks, or outputs that agree
    assert not cert.check(build("parity")).ok
    z5 = build("cyclic:5")
    per = period_certificate(__import__("automata_bilinear").algebraic_profile(z5))
    assert per.check(z5).ok and not per.check(build("cyclic:4")).ok
    lying = Certificate("period", per.words, {"period": 4}, per.rules_out)
    assert "period 5, not 4" in lying.check(z5).reason
    path = tmp_path / "c.json"
    save_certificate(cert, path, automaton="flipflop")
    assert load_certificate(path) == cert
    path.write_text('{"format": "other"}')
    with pytest.raises(FormatError, match="'format'"):
        load_certificate(path)


def test_cli_classify_and_check_certificate(tmp_path, capsys):
    code = main(["classify", "quaternion", "--json", "--save-certificates", str(tmp_path)])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["lowest_rung"] == "orthogonal_block"
    assert data["rungs"]["rotation"]["certificate"]["kind"] == "parikh"
    assert set(data["rungs"]) == {"full", "householder", "pd", "cp", "block", "orthogonal_block",
                                  "complex_diagonal",
                                  "rotation", "real_diagonal", "sign_diagonal",
                                  "positive_diagonal"}
    path = tmp_path / "rotation.parikh.json"
    assert main(["check-certificate", str(path), "quaternion"]) == 0
    assert "VALID PARIKH" in capsys.readouterr().out
    assert main(["check-certificate", str(path), "dihedral:4"]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_cli_commute(tmp_path, capsys):
    from automata_bilinear import save_model

    path = tmp_path / "z5.npz"
    save_model(compile_bilinear(build("cyclic:5"), "rotation"), path)
    code = main(["commute", str(path), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["commutation"]["commute"] and data["commutation"][
        "shared_eigenbasis"]


def test_group_automata_beyond_the_work_budget_are_refused_up_front():
    from automata_bilinear.errors import ResourceLimitError
    from automata_bilinear.limits import budget

    machine = build("symmetric:5")  # 120 states × 120 letters × 120 points = 1.7e6 steps
    with budget(max_work=10**6), pytest.raises(ResourceLimitError,
                                               match=r"transition group.*1\.73e\+06"):
        classify(machine)


def test_profiles_and_transition_groups_are_computed_once_per_machine():
    from automata_bilinear import algebraic_profile
    from automata_bilinear.algebra.representations import transition_group

    a, b = build("dihedral:5"), build("dihedral:5")
    assert a is not b and algebraic_profile(a) is algebraic_profile(b)
    assert transition_group(algebraic_profile(a)) is transition_group(algebraic_profile(b))
