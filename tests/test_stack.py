"""Stacks of layers (the cascade interface): the derived-series construction, the joint
finite-image proof, the forward pass, the file format, PERFECT / DERIVED_LENGTH and bad
input — against hand-computed derived lengths, sympy and direct DFA simulation."""

from __future__ import annotations

import json

import numpy as np
import pytest

import automata_bilinear as ab
from automata_bilinear import errors as E
from automata_bilinear.checker.certificates import Certificate

# derived lengths by hand (docs/theory.md §12): abelian 1; S_3, D_n, A_4, Q_8 2; S_4 3
DEPTH = {"parity": 1, "cyclic:5": 1, "cyclic:2*cyclic:3": 1, "symmetric:3": 2,
         "dihedral:4": 2, "dihedral:5,letters=generators": 2, "alternating:4": 2,
         "quaternion": 2, "symmetric:4": 3, "symmetric:4,letters=generators": 3}


def _simulates(stack: ab.StackedModel, machine: ab.MooreMachine, seed: int = 0) -> bool:
    rng = np.random.default_rng(seed)
    words = rng.integers(0, machine.n_symbols, size=(12, 400))
    letters = np.array([[stack.alphabet.index(machine.alphabet[a]) for a in w] for w in words])
    pred = ab.forward(stack, letters).predictions
    return all([stack.output_labels[i] for i in p]
               == ab.output_trace(machine, [machine.alphabet[a] for a in w])
               for w, p in zip(words, pred))


@pytest.mark.parametrize(("spec", "depth"), DEPTH.items())
def test_derived_series_stack_has_derived_length_layers_and_is_proved(spec, depth):
    machine = ab.build(spec)
    stack = ab.compile_stack(machine)
    assert stack.depth == depth
    assert all(layer.rung == "rotation" for layer in stack.layers)
    assert ab.prove_stack(stack, machine).proved
    assert _simulates(stack, machine)
    if depth > 1:
        with pytest.raises(ab.NotRepresentableError, match="DERIVED_LENGTH"):
            ab.compile_stack(machine, layers=depth - 1)
    # sympy's derived series as the independent oracle
    from sympy.combinatorics import Permutation, PermutationGroup

    m = ab.minimize(machine).machine
    G = PermutationGroup([Permutation(m.transitions[:, a].tolist())
                          for a in range(m.n_symbols)])
    assert len(G.derived_series()) - 1 == depth


@pytest.mark.parametrize("spec", ["alternating:5", "symmetric:5,letters=generators"])
def test_non_solvable_groups_never_stack_and_get_a_perfect_certificate(spec):
    machine = ab.build(spec)
    with pytest.raises(ab.NotRepresentableError, match="PERFECT"):
        ab.compile_stack(machine, layers=10)
    depth = ab.classify(machine).depth
    assert depth["least_layers"] is None
    cert = Certificate.from_json(depth["certificate"])
    assert cert.kind == "perfect" and cert.check(machine).ok
    # editing a generator to the identity or to a non-perfect subgroup is rejected
    doc = cert.to_json()
    doc["words"] = {"h1": doc["words"]["h1"]}
    assert not Certificate.from_json(doc).check(machine).ok


def test_derived_length_certificate_rejects_edits():
    machine = ab.build("symmetric:4")
    cert = Certificate.from_json(ab.classify(machine).depth["certificate"])
    assert cert.check(machine).rules_out[:2] == ("stack(complex_diagonal,1)",
                                                 "stack(complex_diagonal,2)")
    doc = cert.to_json()
    for d in (2, 4):
        assert not Certificate.from_json(dict(doc, data={"derived_length": d})
                                         ).check(machine).ok
    assert not Certificate.from_json(doc).check(ab.build("flipflop")).ok  # not a group
    over = dict(doc, rules_out=[*doc["rules_out"], "stack(rotation,3)"])
    assert not Certificate.from_json(over).check(machine).ok


def test_classify_reports_the_depth():
    report = ab.classify(ab.build("quaternion"))
    assert report.depth["least_layers"] == 2 and report.depth["proved"]
    assert report.to_json()["depth"]["least_layers"] == 2
    assert ab.classify(ab.build("flipflop")).depth["least_layers"] is None


def test_save_load_round_trip_and_version(tmp_path):
    machine = ab.build("symmetric:3")
    stack = ab.compile_stack(machine)
    path = tmp_path / "s3.npz"
    ab.save_model(stack, path)
    back = ab.load_model(path)
    assert isinstance(back, ab.StackedModel) and back.depth == 2
    assert ab.prove_stack(back, machine).proved
    arrays = dict(np.load(path))
    meta = json.loads(str(arrays["metadata"]))
    assert meta["version"] == 5 and set(meta) == {"format", "version", "stack"}
    meta["version"] = 4  # an older version cannot hold a stack
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(E.FormatError, match="version 5"):
        ab.load_model(tmp_path / "old.npz")
    meta["version"] = 6  # a newer one is rejected clearly
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "new.npz", **arrays)
    with pytest.raises(E.FormatError, match=r"newer|version"):
        ab.load_model(tmp_path / "new.npz")


def test_a_wrong_interface_is_caught_by_the_proof():
    machine = ab.build("symmetric:3")
    stack = ab.compile_stack(machine)
    bad = np.array(stack.interfaces[0])
    bad[...] = 0  # layer 1 always reads its first letter
    broken = ab.StackedModel(stack.layers, stack.alphabet, (bad,), stack.output,
                             stack.output_labels)
    proof = ab.prove_stack(broken, machine)
    assert not proof.proved and proof.counterexample is not None
    # the counterexample is real: direct simulation disagrees on it
    word = list(proof.counterexample)
    x = np.array([[broken.alphabet.index(s) for s in word]])
    got = broken.output_labels[ab.forward(broken, x).predictions[0, -1]]
    assert got != ab.final_output(machine, word)


@pytest.mark.parametrize("mutate", ["no layers", "alphabet", "interfaces", "shape", "range",
                                    "output"])
def test_bad_stacks_get_one_clear_error(mutate):
    stack = ab.compile_stack(ab.build("symmetric:3"))
    layers, alphabet = stack.layers, stack.alphabet
    interfaces, output = list(stack.interfaces), np.array(stack.output)
    if mutate == "no layers":
        layers = ()
    elif mutate == "alphabet":
        alphabet = tuple(reversed(alphabet))
    elif mutate == "interfaces":
        interfaces = []
    elif mutate == "shape":
        interfaces = [np.zeros((5, 5), dtype=int)]
    elif mutate == "range":
        interfaces = [np.full(interfaces[0].shape, 99)]
    else:
        output = output[:1]
    with pytest.raises(E.ModelError):
        ab.StackedModel(layers, alphabet, tuple(interfaces), output, stack.output_labels)


def test_stack_options_are_checked():
    m = ab.build("symmetric:3")
    with pytest.raises(E.InvalidArgumentError, match="layers"):
        ab.compile_stack(m, layers=0)
    with pytest.raises(E.InvalidArgumentError, match="rotation or complex_diagonal"):
        ab.compile_stack(m, "pd")
    with pytest.raises(ab.NotRepresentableError, match="not a permutation"):
        ab.compile_stack(ab.build("flipflop"))


def test_complex_diagonal_layers_work_too():
    machine = ab.build("dihedral:4")
    stack = ab.compile_stack(machine, "complex_diagonal")
    assert stack.depth == 2 and ab.verify(stack, machine, steps=200).proved


def test_cli_compile_layers(tmp_path, capsys):
    from automata_bilinear.cli import main

    out = tmp_path / "s4.npz"
    assert main(["compile", "symmetric:4", "--layers", "3", "--steps", "50", "-o",
                 str(out)]) in (0, None)
    assert "3 rotation layer(s)" in capsys.readouterr().out
    assert main(["show-model", str(out)]) in (0, None)
    assert "stack of 3 layers" in capsys.readouterr().out
    assert main(["verify", str(out), "symmetric:4", "--steps", "50"]) == 0
    assert main(["compile", "symmetric:4", "--layers", "2"]) != 0
    assert "DERIVED_LENGTH" in capsys.readouterr().err
    assert main(["compile", "parity", "--layers", "1", "--factors", "1"]) != 0
    assert main(["commute", str(out)]) != 0
    assert "stack" in capsys.readouterr().err
