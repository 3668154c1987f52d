"""Minimisation speed: our vectorised Moore refinement vs a plain Python one, same run.

Usage: python benchmarks/bench_minimize.py [--sizes 1000 10000 100000] [--symbols 4]

Machines are seeded random DFAs with binary outputs (random:states=n,symbols=k,...,
outputs=binary). The baseline is the textbook refinement with Python dicts and tuples as
signatures; both results are checked to induce the same partition, so the timing compares
two correct implementations.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from automata_bilinear import minimize, random_dfa


def python_moore(table: list[list[int]], outputs: list) -> list[int]:
    """Plain Python Moore refinement over all states; returns a class id per state."""
    ids = {o: i for i, o in enumerate(dict.fromkeys(outputs))}
    cls = [ids[o] for o in outputs]
    count = len(ids)
    while True:
        sigs: dict[tuple, int] = {}
        new = []
        for q, row in enumerate(table):
            sig = (cls[q], *(cls[r] for r in row))
            new.append(sigs.setdefault(sig, len(sigs)))
        if len(sigs) == count:
            return new
        cls, count = new, len(sigs)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--symbols", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'states':>8} {'minimal':>8} {'rounds':>6} {'ours (s)':>10} {'python (s)':>11} "
          f"{'speed-up':>9}")
    for n in args.sizes:
        m = random_dfa(n, args.symbols, seed=0, outputs="binary")
        ours, result = best_of(lambda m=m: minimize(m), args.repeat)
        table, outs = m.transitions.tolist(), list(m.outputs)
        base, classes = best_of(lambda t=table, o=outs: python_moore(t, o),
                                1 if n > 20_000 else 2)
        assert same_partition(result.state_map, np.array(classes)), "partitions differ"
        print(f"{n:>8} {result.machine.n_states:>8} {result.rounds:>6} {ours:>10.4f} "
              f"{base:>11.4f} {base / ours:>8.1f}x")
    # worst case for Moore refinement: a chain distinguished only at its end (n - 2 rounds)
    n = 2_000
    from automata_bilinear import MooreMachine

    chain = MooreMachine([[min(i + 1, n - 1)] for i in range(n)], 0, [0] * (n - 1) + [1],
                         ["a"])
    ours, result = best_of(lambda: minimize(chain), 1)
    base, _ = best_of(lambda: python_moore(chain.transitions.tolist(), list(chain.outputs)), 1)
    print(f"chain worst case, {n} states, {result.rounds} rounds: ours {ours:.3f}s, "
          f"python {base:.3f}s, speed-up {base / ours:.1f}x")


if __name__ == "__main__":
    main()
