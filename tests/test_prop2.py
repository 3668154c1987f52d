"""Proposition 2: shared eigenbasis ⇒ commuting ⇒ Parikh invariance, and the check."""

from fractions import Fraction

import numpy as np
import pytest

from automata_bilinear import (
    AutomatonError,
    InvalidArgumentError,
    VerificationError,
    build,
    commutation_check,
    compile_bilinear,
    prop2_obstruction,
)


def test_matrices_built_from_a_shared_eigenbasis_commute_and_are_recognised():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((4, 4))
    A = np.array([P @ np.diag(rng.standard_normal(4)) @ np.linalg.inv(P) for _ in range(3)])
    report = commutation_check(A)
    assert report.commute and report.shared_eigenbasis


def test_generic_matrices_do_not_commute():
    A = np.random.default_rng(1).standard_normal((3, 3, 3))
    report = commutation_check(A)
    assert not report.commute and report.max_commutator > 0.1 and report.worst_pair


def test_exact_rational_checks():
    J = [[1, 1], [0, 1]]  # a Jordan block commutes with 2I but is not diagonalisable
    report = commutation_check([J, [[2, 0], [0, 2]]])
    assert report.commute and not report.shared_eigenbasis and report.method.startswith("exact")
    half = Fraction(1, 2)
    assert commutation_check([[[half, 0], [0, 3]], [[1, 0], [0, -1]]]).shared_eigenbasis


def test_every_compiled_diagonal_model_commutes():
    for spec, rung in [("cyclic:5", "rotation"), ("threshold:3", "positive_diagonal"),
                       ("cyclic:3*occurred", "complex_diagonal")]:
        assert commutation_check(compile_bilinear(build(spec), rung)).commute
    assert not commutation_check(compile_bilinear(build("dihedral:3"), "orthogonal_block")
                                 ).commute


@pytest.mark.parametrize("spec", ["symmetric:3", "dihedral:4", "quaternion", "flipflop",
                                  "random:states=8,symbols=2,seed=2"])
def test_commuting_models_cannot_represent_non_commutative_tasks(spec):
    task = build(spec)
    rng = np.random.default_rng(0)
    # one commuting (diagonal) matrix per letter of the task, in the task's letter order
    matrices = np.stack([np.diag(rng.choice([-1.0, 1.0, 0.5], size=3)) for _ in task.alphabet])
    result = prop2_obstruction(matrices, task)
    assert result["commutation"]["commute"]
    assert result["certificate"]["kind"] == "parikh"
    assert "cannot represent" in result["conclusion"]


def test_matrices_and_task_must_share_letters():
    model = compile_bilinear(build("cyclic:2"), "sign_diagonal")
    with pytest.raises(VerificationError, match="2 matrices for a task with 6 letters"):
        prop2_obstruction(model.transitions, build("symmetric:3"))
    with pytest.raises(VerificationError, match="different alphabets"):
        prop2_obstruction(model, build("flipflop"))
    with pytest.raises(InvalidArgumentError, match="tol"):
        prop2_obstruction(model, build("cyclic:2"), tol=float("nan"))


def test_bad_matrices_are_refused():
    with pytest.raises(AutomatonError, match="shape"):
        commutation_check(np.zeros((2, 3)))
    with pytest.raises(AutomatonError, match="NaN"):
        commutation_check(np.full((2, 2, 2), np.nan))
