"""Classification speed: polynomial tests vs enumerating the transition monoid, same run.

Usage: python benchmarks/bench_classify.py [--quick]

The classifier decides every rung from the minimal automaton with polynomial tests
(docs/theory.md §5) and never builds the transition monoid, which for random DFAs grows
explosively with the number of states. For each size we time ``classify`` and, while it is
still feasible (capped at 200,000 elements), the monoid enumeration a naive decision
procedure would need.
"""

from __future__ import annotations

import argparse
import time

from automata_bilinear import ResourceLimitError, build, classify, minimize, transition_monoid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (4, 6, 8, 1000) if args.quick else (4, 6, 8, 10, 12, 1000, 10_000)
    print(f"{'states':>7s} {'classify s':>11s} {'lowest rung':>12s} {'monoid size':>12s} "
          f"{'monoid s':>9s} {'monoid/classify':>16s}")
    for n in sizes:
        machine = build(f"random:states={n},symbols=4,seed=0")
        t = time.perf_counter()
        report = classify(machine)
        t_classify = time.perf_counter() - t
        size, t_monoid = "-", None
        if n <= 12:
            t = time.perf_counter()
            try:
                size = str(transition_monoid(minimize(machine).machine,
                                             max_elements=200_000).size)
            except ResourceLimitError:
                size = "> 200000"
            t_monoid = time.perf_counter() - t
        ratio = f"{t_monoid / t_classify:15.1f}x" if t_monoid is not None else f"{'-':>16s}"
        t_m = f"{t_monoid:9.3f}" if t_monoid is not None else f"{'-':>9s}"
        print(f"{n:7d} {t_classify:11.3f} {report.lowest_rung:>12s} {size:>12s} {t_m} {ratio}")


if __name__ == "__main__":
    main()
