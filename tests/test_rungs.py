"""The rung registry: one description per rung drives every layer, and the facts it states
hold on the arrays the constructions build."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import automata_bilinear as ab
from automata_bilinear import errors as E
from automata_bilinear.algebra.representations import named_representations, transition_group
from automata_bilinear.checker.certificates import CertificateKind, derived_rules
from automata_bilinear.classify import Verdict
from automata_bilinear.cli import build_parser
from automata_bilinear.compilation import CONSTRUCTIONS
from automata_bilinear.rungs import HIERARCHY, REGISTRY, RUNG_ORDER, RUNGS, Structure, get_rung

# docs/theory.md §3, written out independently of the registry
DOCUMENTED = ("full", "householder", "pd", "cp", "block", "orthogonal_block",
              "complex_diagonal", "rotation", "real_diagonal", "sign_diagonal",
              "positive_diagonal")
COMMUTING = {"complex_diagonal", "rotation", "real_diagonal", "sign_diagonal",
             "positive_diagonal"}
ORTHOGONAL = {"orthogonal_block", "rotation", "sign_diagonal"}

SPECS = ["parity", "cyclic:5", "counter:3", "flipflop", "threshold:3", "reset_cyclic:3",
         "dihedral:4", "symmetric:3", "quaternion", "even_pairs", "cyclic:2*cyclic:3",
         "random:states=6,symbols=2,seed=3"]


def test_registry_lists_the_documented_rungs_in_hierarchy_order():
    assert RUNGS == DOCUMENTED == ab.RUNGS
    assert RUNG_ORDER == tuple(reversed(DOCUMENTED)) == ab.RUNG_ORDER
    assert tuple(REGISTRY) == RUNGS and [r.name for r in HIERARCHY] == list(RUNG_ORDER)
    assert len({r.label for r in HIERARCHY}) == len(HIERARCHY)


def test_rung_facts_match_the_theory():
    for rung in HIERARCHY:
        assert rung.commuting == (rung.name in COMMUTING), rung.name
        assert rung.orthogonal == (rung.name in ORTHOGONAL), rung.name
    assert get_rung("real_diagonal").max_letter_cycle == 2
    assert get_rung("positive_diagonal").max_letter_cycle == 1
    # block size 1 is the real diagonal; orthogonal block size 1 is the sign diagonal
    assert get_rung("block").obstructions(1) == get_rung("real_diagonal").obstructions()
    assert get_rung("orthogonal_block").obstructions(1) == \
        get_rung("sign_diagonal").obstructions()
    assert get_rung("block").obstructions(2) == get_rung("block").obstructions()


def test_every_listed_construction_exists_and_every_construction_is_listed():
    listed = {c for rung in HIERARCHY for c in rung.constructions}
    assert listed == set(CONSTRUCTIONS)


def test_unknown_rungs_are_refused_by_name():
    with pytest.raises(E.ModelError, match="unknown rung 'banded'; valid rungs: full"):
        get_rung("banded")
    with pytest.raises(E.SpecError, match="unknown rung"):
        ab.compile_bilinear(ab.build("parity"), "banded")


@pytest.mark.parametrize(("kind", "data", "period", "expected"), [
    ("parikh", {}, None, COMMUTING),
    ("recur", {}, None, ORTHOGONAL),
    ("period", {}, 1, set()),
    ("period", {}, 2, {"positive_diagonal"}),
    ("period", {}, 3, {"real_diagonal", "sign_diagonal", "positive_diagonal"}),
    ("period", {}, 4, {"real_diagonal", "sign_diagonal", "positive_diagonal"}),
    ("kernel", {"block_size": 2}, None, {"orthogonal_block(2)", "rotation", "sign_diagonal"}),
    ("kernel", {"block_size": 3}, None, {"orthogonal_block(3)", "rotation", "sign_diagonal"}),
    ("kernel", {"block_size": 1}, None, {"orthogonal_block(1)", "sign_diagonal"}),
    ("hankel", {}, None, {"exact_valued"}),
])
def test_certificate_rules_follow_the_rung_facts(kind, data, period, expected):
    assert set(derived_rules(kind, data, period)) == expected


@pytest.mark.parametrize(("spec", "rung"), list(itertools.product(SPECS, DOCUMENTED)))
def test_compiled_arrays_have_the_structure_the_rung_claims(spec, rung):
    """Whatever compile builds satisfies the rung's stated facts on its own arrays."""
    machine = ab.build(spec)
    try:
        model = ab.compile_bilinear(machine, rung)
    except (E.NotRepresentableError, E.ConstructionUnavailableError):
        return
    A = model.transitions
    if get_rung(rung).commuting:
        for a, b in itertools.combinations(range(len(A)), 2):
            assert np.allclose(A[a] @ A[b], A[b] @ A[a], atol=1e-9)
    if get_rung(rung).orthogonal:
        eye = np.eye(model.hidden_size)
        assert all(np.allclose(m.T @ m, eye, atol=1e-9) for m in A)
    if get_rung(rung).structure.diagonal:  # 2×2 rotation-scaling blocks at most
        off = np.abs(A).sum(axis=0)
        band = np.abs(np.subtract.outer(np.arange(model.hidden_size),
                                        np.arange(model.hidden_size))) > 1
        assert not off[band].any()
    cycle = get_rung(rung).max_letter_cycle
    if cycle is not None:  # a letter's power of the allowed cycle length fixes every sign
        for m in A:
            power = np.linalg.matrix_power(m, 2 * cycle)
            assert np.all(np.diag(power) >= -1e-12)


def test_cli_rung_choices_and_plot_labels_come_from_the_registry(tmp_path):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    choices = next(a.choices for a in sub.choices["compile"]._actions if a.dest == "rung")
    assert tuple(choices) == ("auto", *DOCUMENTED)
    pytest.importorskip("matplotlib")
    from automata_bilinear import plotting

    fig = plotting.plot_hierarchy([ab.classify(ab.build("parity"))])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == [get_rung(r).label for r in reversed(DOCUMENTED)]


def test_forward_engine_follows_the_rung_structure(monkeypatch):
    import automata_bilinear.rnn as rnn

    def refuse(*args, **kwargs):
        raise AssertionError("the dense engine ran on a diagonal rung")

    x = np.array([[0, 1, 1, 0, 1]])
    dense = ab.forward(ab.compile_bilinear(ab.build("parity"), "full"), x).predictions
    monkeypatch.setattr(rnn, "_matrix_step", refuse)
    for rung in ("sign_diagonal", "rotation", "real_diagonal"):
        model = ab.compile_bilinear(ab.build("parity"), rung)
        assert get_rung(rung).structure.diagonal
        assert np.array_equal(ab.forward(model, x).predictions, dense)
    with pytest.raises(AssertionError, match="dense engine"):
        ab.forward(ab.compile_bilinear(ab.build("parity"), "block"), x)
    assert get_rung("block").structure is Structure.BLOCKS


def test_verdicts_and_kinds_are_enums_with_unchanged_json():
    report = ab.classify(ab.build("flipflop"))
    row = report.rungs["rotation"]
    assert row.verdict is Verdict.NO and row.certificate.kind is CertificateKind.PARIKH
    assert row.verdict == "no" and f"{row.certificate.kind}" == "parikh"
    doc = json.loads(json.dumps(report.to_json()))
    assert doc["rungs"]["rotation"]["verdict"] == "no"
    assert doc["rungs"]["rotation"]["certificate"]["kind"] == "parikh"
    assert type(report.to_json()["rungs"]["rotation"]["verdict"]) is str
    assert row.certificate.to_json()["kind"] == "parikh"
    assert type(row.certificate.to_json()["kind"]) is str


def test_classification_report_fields_are_read_only():
    report = ab.classify(ab.build("reset_cyclic:4"))
    with pytest.raises(TypeError):
        report.rungs["block"].bounds["block_size"] = (1, 1)
    with pytest.raises(TypeError):
        report.rungs["full"] = report.rungs["block"]
    with pytest.raises(TypeError):
        report.algebra["group"] = True
    with pytest.raises(TypeError):
        report.hankel["rank"] = 0
    assert report.to_json()["rungs"]["block"]["bounds"] == {"block_size": [2, 3]}


def test_one_composition_convention_for_groups_and_representations():
    machine = ab.build("symmetric:3")
    group = transition_group(ab.algebraic_profile(machine))
    index = {p.tobytes(): i for i, p in enumerate(group.perms)}
    for g, h in itertools.product(range(group.order), repeat=2):  # g·h: g first, then h
        assert group.table[g, h] == index[group.perms[h][group.perms[g]].tobytes()]
    for rep in named_representations(6):
        for g, h in itertools.product(range(rep.order), repeat=2):  # on columns: H @ G
            assert np.allclose(rep.floats[rep.table[g, h]], rep.floats[h] @ rep.floats[g])
    s3 = ab.symmetric_group(3)
    for g, h in itertools.product(range(s3.order), repeat=2):
        pg, ph = (np.array([int(c) for c in s3.labels[x]]) for x in (g, h))
        assert s3.labels[s3.table[g, h]] == "".join(str(i) for i in ph[pg])


@pytest.mark.parametrize(("call", "match"), [
    (lambda: derived_rules("bogus", {}), "unknown certificate kind"),
    (lambda: derived_rules("period", {}, 0), "positive integer"),
    (lambda: derived_rules("kernel", {}), "block_size"),
    (lambda: ab.RungVerdict("full", "maybe", "guess"), "verdict must be one of"),
])
def test_registry_helpers_refuse_bad_arguments_by_name(call, match):
    with pytest.raises(E.InvalidArgumentError, match=match):
        call()


def test_models_and_minimisations_are_read_only():
    model = ab.compile_bilinear(ab.build("cyclic:4"), "full")
    with pytest.raises(TypeError):
        model.params["W"] = model.params["W"] * 0
    with pytest.raises(ValueError):
        model.tensor[0, 0, 0] = 5.0
    result = ab.minimize(ab.build("cyclic:4"))
    with pytest.raises(ValueError):
        result.state_map[0] = 3


@pytest.mark.parametrize("order", [24, 120])
def test_representation_tables_are_the_exact_products(order):
    from automata_bilinear.exact.dynamics import exact_matmul

    def key(mat):
        return tuple(x.key() for row in mat for x in row)

    rng = np.random.default_rng(order)
    for rep in named_representations(order):
        keys = [key(e) for e in rep.exact] if isinstance(rep.exact[0][0], tuple) else None
        if keys is not None:
            assert len(set(keys)) == rep.order                  # distinct exact elements
        for g, h in rng.integers(0, rep.order, size=(300, 2)).tolist():  # on columns: H @ G
            assert np.allclose(rep.floats[rep.table[g, h]], rep.floats[h] @ rep.floats[g])
            if keys is not None:
                assert key(exact_matmul(rep.exact[h], rep.exact[g])) == keys[rep.table[g, h]]


def test_batched_exact_steps_equal_single_steps():
    from automata_bilinear.algebra.representations import natural_representation

    rep = natural_representation(4)
    dyn = rep.make_dynamics([rep.exact[i] for i in (1, 5, 7)])
    v = dyn.initial()
    for _ in range(4):
        batched = dyn.step_all(v, 3)
        assert batched == [dyn.step(v, a) for a in range(3)]
        v = batched[2]
