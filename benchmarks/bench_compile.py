"""Compile + exact verification vs brute-force checking of all words up to length 8.

Usage: python benchmarks/bench_compile.py [--quick]

For each task we time (a) compile_bilinear and (b) verify(..., numerical=False), which proves
the model on *all* lengths, and compare with (c) the brute-force alternative that only covers
words of length <= 8: run the float model on every such word and compare with the DFA. When
(c) has too many words to run, it is timed on a random sample of words of length 8 and
extrapolated to the full count; those rows say "estimated".
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from automata_bilinear import build, compile_bilinear, run_batch, verify


def brute_force_seconds(model, machine, max_length: int = 8, budget_words: int = 2000,
                        seed: int = 0) -> tuple[float, int, bool]:
    """Seconds to check every word of length <= max_length (estimated when sampled)."""
    k = machine.n_symbols
    total = sum(k**L for L in range(max_length + 1))
    letter = np.array([model.alphabet.index(s) for s in machine.alphabet])
    rows = np.array([model.output_labels.index(o) for o in machine.output_labels])
    A = model.transitions[letter]
    rng = np.random.default_rng(seed)
    sampled = total > budget_words
    if sampled:
        words = rng.integers(0, k, size=(budget_words, max_length))
    else:
        words = np.array([np.unravel_index(i, (k,) * max_length) for i in range(k**max_length)])
    t = time.perf_counter()
    h = np.tile(model.h0, (len(words), 1))
    for step in range(words.shape[1]):
        x = words[:, step]
        new = np.empty_like(h)
        for a in np.unique(x):
            sel = x == a
            new[sel] = h[sel] @ A[a].T
        h = new
    pred = np.argmax(h @ model.readout.T, axis=1)
    states = run_batch(machine, words, final_only=True)
    assert np.array_equal(pred, rows[machine.output_codes[states]])
    elapsed = time.perf_counter() - t
    if sampled:  # every word of length <= 8 costs at most one length-8 run
        return elapsed / len(words) * total, total, True
    return elapsed, total, False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI smoke run)")
    args = parser.parse_args()
    tasks = [(f"random:states={n},symbols=3,seed=0", "full")
             for n in ((10, 100) if args.quick else (10, 100, 1000, 5000))]
    tasks += [(f"cyclic:{m}", "rotation") for m in ((5, 50) if args.quick
                                                     else (5, 50, 500, 1000))]
    header = (f"{'task':38s} {'rung':9s} {'H':>5s} {'compile s':>10s} {'verify s':>9s} "
              f"{'proved':>6s} {'words<=8':>10s} {'brute s':>11s} {'brute/ours':>11s}")
    print(header)
    print("-" * len(header))
    for spec, rung in tasks:
        machine = build(spec)
        t = time.perf_counter()
        model = compile_bilinear(machine, rung)
        t_compile = time.perf_counter() - t
        t = time.perf_counter()
        report = verify(model, machine, numerical=False)
        t_verify = time.perf_counter() - t
        brute, count, estimated = brute_force_seconds(model, machine)
        ours = t_compile + t_verify
        mark = "~" if estimated else " "
        print(f"{spec:38s} {rung:9s} {model.hidden_size:5d} {t_compile:10.3f} {t_verify:9.3f} "
              f"{report.proved!s:>6s} {count:10.3g} {mark}{brute:10.3g} "
              f"{mark}{brute / ours:10.3g}x")
    print("\n~ = estimated from a random sample of length-8 words (the full set is too large "
          "to run). The brute force covers lengths <= 8 only; verify covers every length.")


if __name__ == "__main__":
    main()
