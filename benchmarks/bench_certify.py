"""Certifying trained-looking models for every length, against brute force measured in the
same run.

Usage: python benchmarks/bench_certify.py [--quick]

1. The contracting shift register of ``last_letters:2,symbols=5`` (25 states) hidden in
   H = 64 and 256 by a random rotation, with weight noise 10⁻²: ``certify`` (extraction,
   radii, rigorous check) against the brute-force evaluation of *all* words up to length L
   on the float64 forward pass — what a length-L test would do — for L = 5, 6, 7. The proof
   covers every length; the ratio says how many brute-force lengths it costs.
2. The region checker alone (re-checking a saved certificate) against the extraction +
   radii that produced it.
3. A drifting Z_5 rotation (δ = 2·10⁻⁴): the drift search's shortest wrong word (length 786,
   hand value ⌊π/(m(m−1)δ)⌋ + 1) against brute force over all words, which at these lengths
   is out of reach (5^786): reported as the number of words brute force would need.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time

import numpy as np

import automata_bilinear as ab


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def brute_force(model, task, length: int) -> tuple[int, float]:
    """All words of length ≤ L through the forward pass, compared with the DFA."""
    t = time.perf_counter()
    words = 0
    D = model.n_symbols
    for n in range(1, length + 1):
        x = np.array(list(itertools.product(range(D), repeat=n)), dtype=np.int64)
        out = ab.forward(model, x, final_only=True)
        want = task.output_codes[ab.run_batch(task, x, final_only=True)]
        assert np.array_equal(out.predictions, want)
        words += len(x)
    return words, time.perf_counter() - t


def shift_register(quick: bool) -> None:
    print("1. certify vs brute force over all words up to length L (same model, same run)")
    task = ab.last_letters(2, 5)
    for H in (64,) if quick else (64, 256):
        model = ab.perturb(ab.shift_register_model(2, 5, hidden=H, seed=0), 1e-2, seed=1)
        rep, t_cert = timed(lambda model=model: ab.certify(model, task))
        t = rep.timings
        print(f"   H = {H}: {rep.verdict} (float: {', '.join(rep.float_proved)}) in {t_cert:.2f} s"
              f" — extraction {t.get('extraction', 0):.3f} s, radii {t.get('radii', 0):.2f} s,"
              f" check {t.get('check', 0):.2f} s; {rep.extracted_states} regions")
        for L in (5,) if quick else (5, 6, 7):
            words, t_brute = brute_force(model, task, L)
            print(f"      brute force, all {words} words of length ≤ {L}: {t_brute:.2f} s "
                  f"(= {t_brute / t_cert:.2f}x the proof, which covers every length)")


def recheck(quick: bool) -> None:
    print("2. re-checking a saved certificate vs finding it")
    task = ab.last_letters(2, 5)
    H = 64 if quick else 256
    model = ab.perturb(ab.shift_register_model(2, 5, hidden=H, seed=0), 1e-2, seed=1)
    rep, t_find = timed(lambda: ab.certify(model, task))
    check, t_check = timed(lambda: ab.check_region_certificate(rep.certificate, model, task))
    print(f"   H = {H}: certify {t_find:.2f} s, check alone {t_check:.2f} s (valid: {check.ok})")


def drift(quick: bool) -> None:
    print("3. drifting rotation: shortest wrong word by the drift search")
    m, delta = 5, 2e-4
    task = ab.build(f"cyclic:{m}")
    lam = [[np.exp(1j * int(s) * (2 * np.pi / m + delta))] for s in task.alphabet]
    C = [[math.cos(2 * math.pi * j / m), math.sin(2 * math.pi * j / m)] for j in range(m)]
    model = ab.BilinearModel("rotation", {"complex_eigenvalues": lam,
                                          "real_eigenvalues": np.zeros((m, 0))},
                             h0=[1.0, 0.0], readout=C, alphabet=task.alphabet,
                             output_labels=tuple(str(j) for j in range(m)))
    rep, t = timed(lambda: ab.certify(model, task))
    hand = math.floor(math.pi / (m * (m - 1) * delta)) + 1
    _, t_brute = brute_force(model, task, 5 if quick else 7)
    per_word = t_brute / sum(m ** n for n in range(1, (5 if quick else 7) + 1))
    log10_words = rep.length * math.log10(m)
    print(f"   {rep.verdict} at length {rep.length} (hand value {hand}) in {t:.2f} s; brute "
          f"force to that length: ~10^{log10_words:.0f} words at {per_word * 1e6:.2f} µs each")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    with ab.budget(max_work=10**12):
        shift_register(args.quick)
        recheck(args.quick)
        drift(args.quick)


if __name__ == "__main__":
    main()
