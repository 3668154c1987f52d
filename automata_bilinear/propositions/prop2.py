"""Proposition 2 as a check on any set of transition matrices.

Prop. 2 (Ebrahimi & Memisevic 2025, our formulation): if the matrices ``A_σ`` share an
eigenbasis (``A_σ = P Λ_σ P⁻¹`` with one P), they commute; then ``A_w`` depends only on the
letter counts of ``w``, so the model cannot tell apart two words with equal letter counts.
Every task with a PARIKH certificate (non-commutative minimal automaton) is therefore out of
reach of such a model, whatever its readout.

:func:`commutation_check` decides commutation and a shared eigenbasis — exactly (Fractions and
sympy) for integer or rational matrices, numerically with a stated relative tolerance for
floats. :func:`prop2_obstruction` applies the conclusion to a task.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..algebra.profile import algebraic_profile
from ..automata.machine import MooreMachine, check_machine
from ..checker.certificates import Certificate
from ..errors import AutomatonError, InvalidArgumentError, VerificationError
from ..model import BilinearModel
from ..refutations import parikh_certificate

__all__ = ["CommutationReport", "commutation_check", "prop2_obstruction"]


@dataclass(frozen=True)
class CommutationReport:
    """Whether the matrices commute pairwise and share an eigenbasis, and how it was decided.

    ``worst_pair`` and ``max_commutator`` (relative Frobenius norm ``‖AB − BA‖ / (‖A‖‖B‖)``)
    locate the largest violation in numerical mode.
    """

    commute: bool
    shared_eigenbasis: bool
    method: str
    worst_pair: tuple[int, int] | None = None
    max_commutator: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"commute": self.commute, "shared_eigenbasis": self.shared_eigenbasis,
                "method": self.method, "worst_pair": list(self.worst_pair or []) or None,
                "max_commutator": self.max_commutator}


def _is_rational(matrices: Any) -> bool:
    arr = np.asarray(matrices, dtype=object)
    return all(isinstance(x, (int, Fraction, np.integer)) and not isinstance(x, bool)
               for x in arr.ravel())


def _check_tolerance(tol: Any) -> None:
    if (isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating))
            or not math.isfinite(tol) or not 0 <= tol < 1):
        raise InvalidArgumentError(f"tol must be a finite number in [0, 1), got {tol!r}")


def _check_same_letters(matrices: Any, automaton: MooreMachine) -> None:
    if isinstance(matrices, BilinearModel):
        if set(matrices.alphabet) != set(automaton.alphabet):
            only_model = sorted(set(matrices.alphabet) - set(automaton.alphabet))[:5]
            only_task = sorted(set(automaton.alphabet) - set(matrices.alphabet))[:5]
            raise VerificationError(
                "the model and the task have different alphabets (model only: "
                f"{', '.join(only_model) or '-'}; task only: {', '.join(only_task) or '-'}), "
                "so Prop. 2 says nothing about this pair")
        return
    D = np.shape(matrices)[0] if np.ndim(matrices) else 0
    if D != automaton.n_symbols:
        raise VerificationError(
            f"{D} matrices for a task with {automaton.n_symbols} letters: matrix k must be "
            "the task's letter k (alphabet order)")


def commutation_check(matrices: Any, *, tol: float = 1e-9) -> CommutationReport:
    """Decide whether the (D, H, H) matrices commute and share an eigenbasis.

    Integer or :class:`fractions.Fraction` entries are decided exactly (sympy's
    ``is_diagonalizable`` over the algebraic closure); float entries numerically with
    relative tolerance ``tol``.

    Examples
    --------
    >>> import numpy as np
    >>> commutation_check(np.array([[[1, 0], [0, -1]], [[2, 0], [0, 3]]])).shared_eigenbasis
    True
    >>> commutation_check([[[0, 1], [0, 0]], [[0, 0], [1, 0]]]).commute
    False
    """
    _check_tolerance(tol)
    if isinstance(matrices, BilinearModel):
        matrices = matrices.transitions
    if _is_rational(matrices):
        exact = np.asarray(matrices, dtype=object)
        if exact.ndim != 3 or exact.shape[1] != exact.shape[2]:
            raise AutomatonError(f"expected matrices of shape (D, H, H), got {exact.shape}")
        return _exact(exact)
    A = np.asarray(matrices, dtype=np.float64)
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise AutomatonError(f"expected matrices of shape (D, H, H), got {A.shape}")
    if not np.all(np.isfinite(A)):
        raise AutomatonError("matrices contain NaN or infinite values")
    D = A.shape[0]
    norms = np.linalg.norm(A, axis=(1, 2))
    worst, pair = 0.0, None
    for i in range(D):
        for j in range(i + 1, D):
            scale = max(norms[i] * norms[j], np.finfo(float).tiny)
            c = float(np.linalg.norm(A[i] @ A[j] - A[j] @ A[i]) / scale)
            if c > worst:
                worst, pair = c, (i, j)
    commute = bool(worst <= tol)
    shared = False
    if commute:
        rng = np.random.default_rng(0)
        M = np.tensordot(rng.standard_normal(D), A, axes=1)
        _, V = np.linalg.eig(M)
        if np.linalg.cond(V) < 1 / np.sqrt(tol):
            Vinv = np.linalg.inv(V)
            off = [np.abs(Vinv @ A[k] @ V - np.diag(np.diag(Vinv @ A[k] @ V))).max()
                   / max(norms[k], 1e-300) for k in range(D)]
            shared = bool(max(off, default=0.0) <= np.sqrt(tol))
    return CommutationReport(commute, shared,
                             f"numerical (relative tolerance {tol:g}; eigenbasis from a random "
                             "combination, condition number checked)", pair, worst)


def _exact(A: np.ndarray) -> CommutationReport:
    from sympy import Matrix, Rational

    D = A.shape[0]
    mats = [Matrix([[Rational(int(x.numerator), int(x.denominator)) if isinstance(x, Fraction)
                     else int(x) for x in row] for row in A[k]]) for k in range(D)]
    for i in range(D):
        for j in range(i + 1, D):
            if mats[i] * mats[j] != mats[j] * mats[i]:
                return CommutationReport(False, False, "exact (rational arithmetic)", (i, j),
                                         float("nan"))
    shared = all(m.is_diagonalizable() for m in mats)  # commuting + diagonalisable ⇔ shared
    return CommutationReport(True, shared, "exact (rational arithmetic; sympy diagonalisability"
                                           " over the algebraic closure)")


def prop2_obstruction(matrices: Any, automaton: MooreMachine, *, tol: float = 1e-9
                      ) -> dict[str, Any]:
    """What Prop. 2 says about these matrices and this task.

    Returns ``{"commutation": …, "conclusion": str, "certificate": PARIKH or None}``: when
    the matrices commute and the task has a PARIKH certificate (w1, w2), the model reaches
    the same hidden state on w1 and w2 (shown for a model by running it) but f(w1) ≠ f(w2).
    """
    check_machine(automaton, "automaton")
    _check_tolerance(tol)
    _check_same_letters(matrices, automaton)
    report = commutation_check(matrices, tol=tol)
    cert: Certificate | None = None
    conclusion = ("the matrices do not commute, so Prop. 2 does not restrict them"
                  if not report.commute else "")
    if report.commute:
        cert = parikh_certificate(algebraic_profile(automaton))
        if cert is None:
            conclusion = ("the matrices commute, but the task is commutative, so Prop. 2 "
                          "does not rule it out")
        else:
            assert cert.check(automaton).ok
            w1, w2 = (" ".join(cert.words[k]) or "ε" for k in ("w1", "w2"))
            conclusion = (f"the matrices commute, so every word's state depends only on its "
                          f"letter counts; '{w1}' and '{w2}' have the same counts but the task "
                          "gives them different outputs: this model cannot represent it, "
                          "whatever its readout")
            if isinstance(matrices, BilinearModel):
                conclusion += _same_state_note(matrices, cert)
    return {"commutation": report.to_json(), "conclusion": conclusion,
            "certificate": None if cert is None else cert.to_json()}


def _same_state_note(model: BilinearModel, cert: Certificate) -> str:
    states = []
    for key in ("w1", "w2"):
        h = model.h0.copy()
        for s in cert.words[key]:
            if s not in model.alphabet:
                return ""
            h = model.transitions[model.alphabet.index(s)] @ h
        states.append(h)
    diff = float(np.abs(states[0] - states[1]).max())
    return f" (running the model: max |h(w1) − h(w2)| = {diff:.2g})"
