"""Proposition 3 (frozen random real-diagonal weights + trained readout solve parity).

Run:  python proofs/prop3_parity.py          (exit status 0 iff every step holds)

Our statement (the paper's full text was not available to us; see proofs/README.md):
  Parity over {0, 1} on the real_diagonal rung, frozen eigenvalues λ drawn i.i.d. from a
  distribution symmetric about 0 with no atom at 0, h0 with non-zero entries, only the
  linear readout trained. (i) An exact readout — right on every word — exists iff some unit
  is good: λ_{i,0} > 0 > λ_{i,1}. (ii) Hence P(exists) = 1 − (1 − 2^(−k))^H, k = number of
  letters whose multiplier has a random sign: k = 1 for the scalar ±1 encoding
  (the paper's 1 − 2^(−H)), k = 2 for one-hot inputs with both columns random.

Steps checked:
  1. sympy.stats derives P(good unit) = 1/2 (scalar) and 1/4 (one-hot) for two symmetric
     laws, and the formula 1 − (1 − p)^H;
  2. the sufficiency identity (−1)^n1 a^n0 (−b)^n1 = a^n0 b^n1 (a, b > 0) simplifies, so a
     good unit's sign is the parity character and a readout on it is exact;
  3. Monte Carlo of the criterion: the 99.99 % Wilson interval contains the formula for
     H ∈ {1, 2, 4, 8, 16} and both encodings;
  4. criterion vs linear programming: on random λ with |λ| ∈ [0.8, 1.25] (the criterion
     depends on signs only; moduli near 1 keep the LP well conditioned), a readout with a
     positive margin on every letter-count vector (n0, n1) ∈ [0, 12]^2 exists exactly when
     the criterion says so.
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
from scipy.optimize import linprog
from sympy import Rational

from automata_bilinear.propositions.prop3 import (
    monte_carlo_existence,
    readout_exists,
    success_probability,
    symbolic_derivation,
)

failures: list[str] = []


def step(name: str, ok: bool, detail: str = "") -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {name}" + (f": {detail}" if detail else ""))
    if not ok:
        failures.append(name)


def lp_margin(lam: np.ndarray, n_max: int) -> float:
    """Best margin of a readout |c| ≤ 1 classifying parity on every (n0, n1) ≤ n_max."""
    n0, n1 = (g.ravel() for g in np.meshgrid(np.arange(n_max + 1), np.arange(n_max + 1),
                                             indexing="ij"))
    logm = n0[:, None] * np.log(np.abs(lam[:, 0])) + n1[:, None] * np.log(np.abs(lam[:, 1]))
    sign = np.sign(lam[:, 0]) ** n0[:, None] * np.sign(lam[:, 1]) ** n1[:, None]
    v = sign * np.exp(logm - logm.max(axis=1, keepdims=True))
    y = np.where(n1 % 2 == 0, 1.0, -1.0)
    H = lam.shape[0]
    A = np.hstack([-(y[:, None] * v), np.ones((len(y), 1))])
    res = linprog(np.r_[np.zeros(H), -1.0], A_ub=A, b_ub=np.zeros(len(y)),
                  bounds=[(-1, 1)] * H + [(None, 1)], method="highs")
    return float(-res.fun)


def main() -> int:
    print(__doc__.split("Steps checked:")[0].strip())
    print("\n1. Symbolic derivation (sympy.stats)")
    sym = symbolic_derivation()
    for law in ("normal", "uniform"):
        step(f"P(good unit), {law} law", sym[law]["p_scalar"] == Rational(1, 2) and
             sym[law]["p_onehot"] == Rational(1, 4),
             f"scalar {sym[law]['p_scalar']}, one-hot {sym[law]['p_onehot']}")
    # compare the library's sympy results here (exactly, at H = 1..8), not its own flags
    def at(formula, h):
        return formula.subs({x: h for x in formula.free_symbols})
    step("scalar formula 1 − (1 − 1/2)^H = 1 − 2^(−H)",
         all(at(sym["formula_scalar"], h) == 1 - Rational(1, 2**h) for h in range(1, 9)),
         str(sym["formula_scalar"]))
    step("one-hot formula 1 − (3/4)^H",
         all(at(sym["formula_onehot"], h) == 1 - Rational(3, 4) ** h for h in range(1, 9)),
         str(sym["formula_onehot"]))

    print("\n2. Sufficiency identity")
    a, b = sp.Rational(3, 2), sp.Rational(2, 5)

    def at_identity(expr, n0, n1):
        values = {"a": a, "b": b, "n0": n0, "n1": n1}
        return expr.subs({x: values[str(x)] for x in expr.free_symbols})
    step("(−1)^n1 a^n0 (−b)^n1 = a^n0 b^n1 for a, b > 0",
         all((-1) ** n1 * a ** n0 * (-b) ** n1 == a ** n0 * b ** n1
               == at_identity(sym["identity"], n0, n1) for n0 in range(6) for n1 in range(6)),
         f"powsimp gives {sym['identity']}; checked exactly on n0, n1 < 6")

    print("\n3. Monte Carlo of the criterion (10^6 trials each, 99.99 % Wilson interval)")
    for encoding in ("scalar", "onehot"):
        for i, H in enumerate((1, 2, 4, 8, 16)):
            r = monte_carlo_existence(H, encoding, 1_000_000, seed=1000 * i + len(encoding))
            lo, hi = r["interval"]
            step(f"{encoding:6s} H = {H:2d}", r["contains_formula"],
                 f"formula {r['formula']:.6f} in [{lo:.6f}, {hi:.6f}] (estimate "
                 f"{r['estimate']:.6f})")

    print("\n4. Criterion vs linear programming on letter counts (n0, n1) ∈ [0, 12]^2")
    rng = np.random.default_rng(7)
    agree = total = yes = 0
    for _ in range(300):
        H = int(rng.integers(1, 5))
        mag = np.exp(rng.uniform(np.log(0.8), np.log(1.25), size=(H, 2)))
        lam = mag * rng.choice([-1.0, 1.0], size=(H, 2))
        criterion = bool(readout_exists(lam))
        lp = lp_margin(lam, 12) > 1e-7
        agree += criterion == lp
        yes += criterion
        total += 1
    step("criterion and LP agree on every draw", agree == total,
         f"{agree}/{total} ({yes} with a good unit, {total - yes} without)")

    print("\n" + ("Proposition 3 CHECKED: every step holds." if not failures else
                  f"FAILED steps: {failures}"))
    print(f"(For reference: P(exists) at H = 8 is {success_probability(8, 'scalar'):.6f} "
          f"(scalar) and {success_probability(8, 'onehot'):.6f} (one-hot).)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
