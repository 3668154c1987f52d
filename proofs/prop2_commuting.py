"""Proposition 2: a shared eigenbasis forces commuting matrices, hence Parikh invariance.

Run:  python proofs/prop2_commuting.py    (exit status 0 iff every step holds)
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from transcript import Transcript, run

import automata_bilinear as ab

STATEMENT = """
Our statement: if A_σ = P Λ_σ P⁻¹ for one invertible P and diagonal Λ_σ (all diagonal,
complex-diagonal and rotation rungs are of this form), then the A_σ commute, so A_w depends
only on the letter counts of w (Parikh invariance) and the model gives equal outputs on two
words with equal letter counts, whatever its readout. Therefore a task whose minimal automaton
has two letters a, b and a state q with δ(q, ab) ≠ δ(q, ba) is not representable: the words
acc(q)·ab·sep and acc(q)·ba·sep (a PARIKH certificate) separate it. The converse of the first
implication fails (commuting matrices need not be diagonalisable).
"""


def main() -> int:
    t = Transcript("Proposition 2 (shared eigenbasis ⇒ commuting ⇒ Parikh invariance)",
                   STATEMENT)
    t.section("1. Symbolic (sympy): P Λ1 P⁻¹ and P Λ2 P⁻¹ commute for generic P, Λ1, Λ2")
    for n in (2, 3):
        P = sp.Matrix(n, n, lambda r, c: sp.Symbol(f"p{r}{c}"))
        L1 = sp.diag(*sp.symbols(f"a0:{n}"))
        L2 = sp.diag(*sp.symbols(f"b0:{n}"))
        Pinv = P.inv()
        A1, A2 = P * L1 * Pinv, P * L2 * Pinv
        t.step(f"n = {n}: A1 A2 − A2 A1 = 0", sp.simplify(A1 * A2 - A2 * A1) == sp.zeros(n, n))
    a, b, c = sp.symbols("a b c")
    t.step("Parikh invariance: for commuting diagonal letters, A_a A_b A_a = A_a A_a A_b",
           sp.simplify(sp.diag(a, b) * sp.diag(c, a) * sp.diag(a, b)
                       - sp.diag(a, b) * sp.diag(a, b) * sp.diag(c, a)) == sp.zeros(2, 2))
    J = ab.commutation_check([[[1, 1], [0, 1]], [[2, 0], [0, 2]]])
    t.step("the converse fails: a Jordan block commutes with 2I but shares no eigenbasis",
           J.commute and not J.shared_eigenbasis, J.method)

    t.section("2. PARIKH certificates for non-commutative families, re-checked on the DFA")
    rng = np.random.default_rng(0)
    for spec in ["symmetric:3", "dihedral:4", "quaternion", "flipflop",
                 "random:states=20,symbols=3,seed=1"]:
        machine = ab.build(spec)
        report = ab.classify(machine)
        cert = report.rungs["complex_diagonal"].certificate
        check = cert.check(machine)
        t.step(f"{spec}: {cert.describe()}", cert.kind == "parikh" and check.ok, check.reason)
        # a random commuting (real diagonal) model over the same alphabet: equal states
        lam = rng.uniform(-1.5, 1.5, size=(machine.n_symbols, 4))
        model = ab.BilinearModel("real_diagonal", {"eigenvalues": lam}, np.ones(4),
                                 np.eye(4), machine.alphabet, list(range(4)))
        result = ab.prop2_obstruction(model, machine)
        t.step(f"{spec}: a random diagonal model cannot represent it",
               result["commutation"]["commute"] and "cannot represent" in result["conclusion"],
               result["conclusion"].split("(")[-1].rstrip(")"))
    return t.finish("Proposition 2")


if __name__ == "__main__":
    run(main)
