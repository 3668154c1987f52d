"""The pd rung's sparse storage against the dense one-hot model of the same automaton.

Usage: python benchmarks/bench_pd.py [--quick]

A random 1,000-state automaton (3 letters, binary outputs) compiled on ``pd`` (index and
scale arrays) and on ``full`` (the (D, H, H) one-hot tensor), in the same run: forward pass
time (B = 64, T = 200), memory of the stored transition parameters, and the exact proof
time. Also the fewest-units search on the cyclic groups against its closed form.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import automata_bilinear as ab
from automata_bilinear.constructions.signed_pd import minimal_signed_automaton


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, B, T = (300, 32, 50) if args.quick else (1000, 64, 200)
    machine = ab.build(f"random:states={n},symbols=3,seed=5,outputs=binary")
    pd, t_pd = timed(lambda: ab.compile_bilinear(machine, "pd"))
    full, t_full = timed(lambda: ab.compile_bilinear(machine, "full"))
    x = ab.random_words(machine, B, T, seed=0)
    f_pd, s_pd = timed(lambda: ab.forward(pd, x))
    f_full, s_full = timed(lambda: ab.forward(full, x))
    assert np.array_equal(f_pd.predictions, f_full.predictions)
    bytes_pd = sum(a.nbytes for a in pd.params.values())
    bytes_full = full.params["W"].nbytes
    _, p_pd = timed(lambda: ab.verify(pd, machine, numerical=False))
    _, p_full = timed(lambda: ab.verify(full, machine, numerical=False))
    print(f"H = |Q| = {pd.hidden_size}, D = 3, B = {B}, T = {T} (same run, same automaton)\n")
    print(f"{'':22s} {'pd':>10s} {'full':>10s} {'full / pd':>10s}")
    for name, a, b in (("compile + proof (s)", t_pd, t_full), ("forward (s)", s_pd, s_full),
                       ("verify (s)", p_pd, p_full), ("parameters (MB)", bytes_pd / 1e6,
                                                      bytes_full / 1e6)):
        print(f"{name:22s} {a:10.3f} {b:10.3f} {b / a:9.1f}x")
    print("\nfewest pd units for Z_m (closed form: m/2 for even m, m for odd m):")
    for m in range(2, 17 if not args.quick else 9):
        found, t = timed(lambda m=m: minimal_signed_automaton(
            ab.minimize(ab.build(f"cyclic:{m},letters=generators")).machine))
        closed = m // 2 if m % 2 == 0 else m
        print(f"  Z_{m:<3d} H = {found.hidden:3d} (closed form {closed:3d}, "
              f"{'exact' if found.exact else 'bounds'}, {found.nodes} assignments, {t:.3f} s)")


if __name__ == "__main__":
    main()
