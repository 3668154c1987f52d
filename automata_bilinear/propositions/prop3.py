"""Proposition 3: frozen random real-diagonal weights with a trained readout learn parity.

Setting (docs/theory.md §7): parity over {0, 1} on the ``real_diagonal`` rung with frozen random
eigenvalues λ (i.i.d., symmetric about 0, no atom at 0), ``h0`` with non-zero entries (we use
all ones), and only the linear readout trained. Two input encodings:

- ``scalar``: ``A_x = x·diag(w)`` with x = +1 for bit 0 and −1 for bit 1, i.e. λ_{i,0} = w_i,
  λ_{i,1} = −w_i (one random sign per unit, k = 1);
- ``onehot``: independent λ_{i,0}, λ_{i,1} (two random signs per unit, k = 2).

Existence theorem: an exact readout (right on every word) exists iff some unit is *good*:
λ_{i,0} > 0 > λ_{i,1}, i.e. its sign pattern is the parity character. Each unit is good with
probability 2^(−k) independently, so ``P = 1 − (1 − 2^(−k))^H`` (the paper's ``1 − 2^(−H)``
for k = 1).

The toolkit reports three numbers separately (docs/theory.md §7 caveats):

1. existence (Monte Carlo of the criterion, with a Wilson interval around the formula);
2. learned readout: least squares on the two one-letter words, judged on long words in
   exact sign arithmetic (log domain, float64) — right for all long lengths only when the
   dominant unit is good (1/2 for scalar, 1/4 for one-hot, independent of H);
3. finite precision: the criterion readout run in float32 with per-step normalisation on long
   random words, where units below the largest modulus underflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Prop3Error
from ..io.files import FIGURE_SUFFIXES, check_output_path, save_figure
from ..limits import check_memory, check_work
from ..plotting import pyplot
from ..progress import progress_bar
from ..validation import as_generator

__all__ = [
    "Prop3Row",
    "finite_precision_success",
    "good_units",
    "learned_readout_success",
    "monte_carlo_existence",
    "plot_prop3",
    "prop3_table",
    "readout_exists",
    "sample_eigenvalues",
    "success_probability",
    "symbolic_derivation",
    "wilson_interval",
]

ENCODINGS = {"scalar": 1, "onehot": 2}


def _check(hidden: int, encoding: str, trials: int | None = None) -> int:
    if encoding not in ENCODINGS:
        raise Prop3Error(f"encoding must be 'scalar' or 'onehot', got {encoding!r}")
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise Prop3Error(f"hidden size must be a positive integer, got {hidden!r}")
    if trials is not None and (not isinstance(trials, (int, np.integer)) or trials < 1):
        raise Prop3Error(f"trials must be a positive integer, got {trials!r}")
    return ENCODINGS[encoding]


def success_probability(hidden: int, encoding: str = "scalar") -> float:
    """``1 − (1 − 2^(−k))^H``: probability that an exact readout exists.

    Examples
    --------
    >>> success_probability(3, "scalar"), success_probability(1, "onehot")
    (0.875, 0.25)
    """
    k = _check(hidden, encoding)
    return 1.0 - (1.0 - 2.0 ** (-k)) ** hidden


def sample_eigenvalues(rng: np.random.Generator, trials: int, hidden: int, encoding: str
                       ) -> np.ndarray:
    """Frozen random eigenvalues, shape (trials, H, 2): [..., 0] for bit 0, [..., 1] for 1.

    Standard normal (symmetric, no atom at 0); the scalar encoding uses λ1 = −λ0.
    """
    _check(hidden, encoding, trials)
    if encoding == "scalar":
        w = rng.standard_normal((trials, hidden))
        return np.stack([w, -w], axis=-1)
    return rng.standard_normal((trials, hidden, 2))


def good_units(lam: np.ndarray) -> np.ndarray:
    """Units whose sign pattern is the parity character: λ0 > 0 > λ1 (…, H) booleans."""
    return (lam[..., 0] > 0) & (lam[..., 1] < 0)


def readout_exists(lam: np.ndarray) -> np.ndarray | bool:
    """The existence criterion: some unit is good (per trial for a batch)."""
    return good_units(lam).any(axis=-1)


def wilson_interval(successes: int, n: int, z: float = 3.89) -> tuple[float, float]:
    """Wilson score interval (default z = 3.89, about 99.99 % two-sided)."""
    if n <= 0:
        raise Prop3Error("Wilson interval needs n ≥ 1")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return centre - half, centre + half


def monte_carlo_existence(hidden: int, encoding: str = "scalar", trials: int = 100_000,
                          seed: int | np.random.Generator = 0, batch: int = 200_000
                          ) -> dict[str, Any]:
    """Estimate P(an exact readout exists) by sampling λ and applying the criterion.

    Returns ``{"estimate", "interval", "formula", "contains_formula", "trials"}``.
    """
    k = _check(hidden, encoding, trials)
    check_work(f"{trials} Monte Carlo trials at H = {hidden}", 20 * trials * hidden * k)
    check_memory(f"Monte Carlo batches of {min(batch, trials)} trials at H = {hidden}",
                 8 * min(batch, trials) * hidden * 2 * k * 4)
    rng = as_generator(seed)
    hits = 0
    done = 0
    bar = progress_bar(desc="Prop. 3 Monte Carlo", total=trials, unit="trial")
    try:
        while done < trials:
            n = min(batch, trials - done)
            hits += int(readout_exists(sample_eigenvalues(rng, n, hidden, encoding)).sum())
            done += n
            bar.update(n)
    finally:
        bar.close()
    lo, hi = wilson_interval(hits, trials)
    formula = success_probability(hidden, encoding)
    return {"estimate": hits / trials, "interval": (lo, hi), "formula": formula,
            "contains_formula": lo <= formula <= hi, "trials": trials}


def learned_readout_success(hidden: int, encoding: str = "scalar", trials: int = 2_000,
                            seed: int | np.random.Generator = 0,
                            lengths: tuple[int, ...] = (200, 401, 1000, 2001)
                            ) -> dict[str, Any]:
    """Least-squares readout from the two training words "0" (parity 0, target +1) and "1"
    (parity 1, target −1); success = right on every letter-count vector (n0, n1) with
    n0 + n1 in ``lengths`` (the state of a diagonal model depends only on the counts), judged
    in the log domain so no underflow interferes. Evidence on long lengths, not a proof."""
    _check(hidden, encoding, trials)
    check_memory(f"least-squares readouts for {trials} trials at H = {hidden}",
                 8 * trials * hidden * 2 * 6)
    check_work(f"least-squares readouts for {trials} trials at H = {hidden}",
               50 * trials * hidden * 4)
    rng = as_generator(seed)
    lam = sample_eigenvalues(rng, trials, hidden, encoding)
    X = lam.transpose(0, 2, 1)  # (trials, 2 examples, H): h("0") = λ0, h("1") = λ1
    y = np.array([1.0, -1.0])
    c = np.einsum("tij,j->ti", np.linalg.pinv(X), y)  # min-norm least squares, (trials, H)
    # unit-major layout (H, trials, count vectors): the max and the sum over units are then
    # elementwise operations between contiguous rows, not reductions over a short axis
    log0, log1 = np.log(np.abs(lam[:, :, 0])).T, np.log(np.abs(lam[:, :, 1])).T  # (H, trials)
    ratio = (log0 - log1)[:, :, None]
    sign0, sign1 = np.sign(lam[:, :, 0]).T, np.sign(lam[:, :, 1]).T
    ok = np.ones(trials, dtype=bool)
    rows = max(1, (1 << 22) // max(1, trials * hidden))  # count vectors per pass
    buffer = np.empty(hidden * trials * rows)
    for L in lengths:
        offset = (L * log1)[:, :, None]
        for odd0 in (0, 1):
            # n0 ≡ odd0 (mod 2) fixes every unit's sign: fold it into the readout once
            signed_c = c.T * (sign0 if odd0 else 1.0) * (sign1 if (L - odd0) % 2 else 1.0)
            target = 1.0 if (L - odd0) % 2 == 0 else -1.0  # parity of n1 = L − n0
            for first in range(odd0, L + 1, 2 * rows):
                n0 = np.arange(first, min(L + 1, first + 2 * rows), 2, dtype=np.float64)
                # log|h_i(n0, L − n0)| = L·log|λ1_i| + n0·(log|λ0_i| − log|λ1_i|)
                logm = buffer[:hidden * trials * n0.size].reshape(hidden, trials, n0.size)
                np.multiply(ratio, n0, out=logm)
                logm += offset
                logm -= logm.max(axis=0)
                np.exp(logm, out=logm)
                score = logm[0] * signed_c[0][:, None]
                for unit in range(1, hidden):
                    score += logm[unit] * signed_c[unit][:, None]
                ok &= np.all(score * target > 0, axis=1)
    k = ENCODINGS[encoding]
    return {"rate": float(ok.mean()), "trials": trials,
            "prediction": 0.5 if k == 1 else None,
            "note": "least squares on '0', '1'; right on all long lengths only if the "
                    "dominant unit is good (docs/theory.md §7a): 1/2 for scalar; for one-hot it "
                    "must dominate both all-0 and all-1 words, so it falls with H"}


def finite_precision_success(hidden: int, encoding: str = "scalar", trials: int = 500,
                             seed: int | np.random.Generator = 0, steps: int = 2_000,
                             dtype: str = "float32") -> dict[str, Any]:
    """The criterion readout (weight 1 on every good unit) run step by step in ``dtype``
    with per-step normalisation on one random word per trial; success = every prediction
    right. Only trials where a good unit exists are counted as possible successes."""
    _check(hidden, encoding, trials)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise Prop3Error(f"steps must be a positive integer, got {steps!r}")
    check_work(f"{trials} float runs of {steps} steps at H = {hidden}",
               10 * trials * steps * hidden)
    check_memory(f"{trials} float runs of {steps} steps at H = {hidden}",
                 8 * trials * (steps + 8 * hidden + 201 * hidden))
    rng = as_generator(seed)
    lam = sample_eigenvalues(rng, trials, hidden, encoding).astype(dtype)
    good = good_units(lam)
    c = good.astype(dtype)
    h = np.ones((trials, hidden), dtype=dtype)
    bits = rng.integers(0, 2, size=(trials, steps))
    parity = np.zeros(trials, dtype=np.int64)
    ok = good.any(axis=1)
    rows = np.arange(trials)
    for t in range(steps):
        h = h * lam[rows, :, bits[:, t]]
        peak = np.abs(h).max(axis=1, keepdims=True)
        h = h / np.where(peak == 0, 1, peak)
        parity ^= bits[:, t]
        score = (h * c).sum(axis=1)
        ok &= np.where(parity == 0, score > 0, score < 0)
    # All-length limit: with weight only on good units the sign is right until every good
    # unit has underflowed, so success on all words ⇔ for every letter mix p a good unit
    # attains the largest growth rate p·log|λ1| + (1−p)·log|λ0| (checked on a grid of p).
    mix = np.linspace(0.0, 1.0, 201)
    lg = np.log(np.abs(lam.astype(np.float64)))
    rate_all = (1 - mix)[None, :, None] * lg[:, None, :, 0] + mix[None, :, None] * lg[:, None,
                                                                                      :, 1]
    best_good = np.where(good[:, None, :], rate_all, -np.inf).max(axis=2)
    limit = float(np.all(best_good >= rate_all.max(axis=2), axis=1).mean())
    k = ENCODINGS[encoding]
    return {"rate": float(ok.mean()), "trials": trials, "steps": steps, "dtype": dtype,
            "all_length_limit": limit, "prediction": 0.5 if k == 1 else None,
            "note": "units below the largest modulus underflow after normalisation "
                    "(docs/theory.md §7b): tends to 1/2 for scalar, falls with H for one-hot"}


@dataclass(frozen=True)
class Prop3Row:
    hidden: int
    encoding: str
    formula: float
    existence: dict[str, Any]
    learned: dict[str, Any]
    finite: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"hidden": self.hidden, "encoding": self.encoding, "formula": self.formula,
                "existence": {**self.existence, "interval": list(self.existence["interval"])},
                "learned_readout": self.learned, "finite_precision": self.finite}


def prop3_table(hidden_sizes: tuple[int, ...] = (1, 2, 4, 8, 16), encoding: str = "scalar",
                *, trials: int = 100_000, learned_trials: int = 2_000,
                finite_trials: int = 500, steps: int = 2_000, seed: int = 0) -> list[Prop3Row]:
    """The three success rates against H, with the theory's predictions beside them."""
    rows = []
    for i, H in enumerate(hidden_sizes):
        rows.append(Prop3Row(
            H, encoding, success_probability(H, encoding),
            monte_carlo_existence(H, encoding, trials, seed=seed + i),
            learned_readout_success(H, encoding, learned_trials, seed=seed + 100 + i),
            finite_precision_success(H, encoding, finite_trials, seed=seed + 200 + i,
                                     steps=steps),
        ))
    return rows


def plot_prop3(rows: list[Prop3Row], path: str) -> None:
    """Plot the three rates and the formula against H (needs matplotlib)."""
    check_output_path(path, suffixes=FIGURE_SUFFIXES, what="figure")
    plt = pyplot()
    H = [r.hidden for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(H, [r.formula for r in rows], "k-", label="formula 1 − (1 − 2^−k)^H")
    est = np.array([r.existence["estimate"] for r in rows])
    lo = np.array([r.existence["interval"][0] for r in rows])
    hi = np.array([r.existence["interval"][1] for r in rows])
    ax.errorbar(H, est, yerr=[est - lo, hi - est], fmt="o", label="existence (Monte Carlo)")
    ax.plot(H, [r.learned["rate"] for r in rows], "s--", label="learned readout (LS, long words)")
    ax.plot(H, [r.finite["rate"] for r in rows], "^:",
            label=f"float32, normalised, {rows[0].finite['steps']} steps")
    ax.plot(H, [r.finite["all_length_limit"] for r in rows], "v-.",
            label="float32 all-length limit")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden size H")
    ax.set_ylabel("success rate")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Proposition 3, {rows[0].encoding} encoding")
    ax.legend(fontsize=8)
    fig.tight_layout()
    try:
        save_figure(fig, path)
    finally:
        plt.close(fig)


def symbolic_derivation() -> dict[str, Any]:
    """Derive the per-unit probabilities and the formula with sympy, and simplify the
    sufficiency identity; every entry is a sympy result (``*_ok`` flags compare them)."""
    import sympy as sp
    from sympy.stats import Normal, P, Uniform

    H = sp.Symbol("H", positive=True, integer=True)
    out: dict[str, Any] = {}
    for name, make in (("normal", lambda s: Normal(s, 0, 1)),
                       ("uniform", lambda s: Uniform(s, -1, 1))):
        w, a, b = make("w"), make("a"), make("b")
        p_scalar = sp.nsimplify(P(w > 0))
        p_onehot = sp.nsimplify(P(a > 0) * P(b < 0))  # independent marginals multiply
        out[name] = {"p_scalar": p_scalar, "p_onehot": p_onehot}
    p = out["normal"]["p_scalar"]
    formula = 1 - (1 - p) ** H
    out["formula_scalar"] = sp.simplify(formula)
    out["formula_onehot"] = sp.simplify(1 - (1 - out["normal"]["p_onehot"]) ** H)
    out["formula_scalar_ok"] = sp.simplify(out["formula_scalar"] - (1 - 2 ** (-H))) == 0
    out["formula_onehot_ok"] = sp.simplify(
        out["formula_onehot"] - (1 - sp.Rational(3, 4) ** H)) == 0
    out["per_unit_ok"] = all(v["p_scalar"] == sp.Rational(1, 2)
                             and v["p_onehot"] == sp.Rational(1, 4)
                             for k, v in out.items() if k in ("normal", "uniform"))
    n0, n1 = sp.symbols("n0 n1", integer=True, nonnegative=True)
    a_, b_ = sp.symbols("a b", positive=True)
    lhs = (-1) ** n1 * a_ ** n0 * (-b_) ** n1
    out["identity"] = sp.powsimp(sp.expand_power_base(lhs, force=True), force=True)
    out["identity_ok"] = sp.simplify(out["identity"] - a_ ** n0 * b_ ** n1) == 0
    return out
