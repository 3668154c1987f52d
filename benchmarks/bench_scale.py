"""Scale: the rows of the scaling issue, each against a baseline measured in the same run.

Usage: python benchmarks/bench_scale.py [--quick]

Rows:
- minimisation of chains (letter a: i → i+1, b: i → 0, the last state accepts) and random
  DFAs, ours vs automata-lib's Hopcroft ``minify`` (when installed; same process);
- exact Hankel rank and minimal exact-valued model vs the time python-flint takes for the
  rank of one random n × n 0/1 matrix modulo a prime (conversion included) — the cost of a
  single dense modular rank of that size — and, at 200 states, vs a plain Python
  ``Fraction`` echelon (the engine the old 250-state cap protected);
- classify ``symmetric:6`` vs building its 720 × 720 table; ``symmetric:7`` refused up front
  (the time to refuse, including building its 5040 × 5040 table);
- a large spec refused before allocating (``cyclic:20000``), vs building ``cyclic:2000``.

The diagonal-engine and full-rung forward rows are printed by ``bench_forward.py``.
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np

from automata_bilinear import (
    MooreMachine,
    ResourceLimitError,
    build,
    classify,
    hankel_rank,
    minimize,
    random_dfa,
)
from automata_bilinear.constructions.minimal_wfa import minimal_exact_valued_model


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def chain(n: int) -> MooreMachine:
    table = np.stack([np.minimum(np.arange(n) + 1, n - 1), np.zeros(n, dtype=np.int64)], 1)
    return MooreMachine(table, 0, [0] * (n - 1) + [1], ["a", "b"], name=f"chain:{n}")


def automata_lib_minify(machine: MooreMachine):
    try:
        from automata.fa.dfa import DFA
    except ImportError:
        return None
    T = machine.transitions.tolist()
    dfa = DFA(states=set(range(machine.n_states)), input_symbols=set(machine.alphabet),
              transitions={q: {s: T[q][a] for a, s in enumerate(machine.alphabet)}
                           for q in range(machine.n_states)},
              initial_state=machine.start,
              final_states={q for q in range(machine.n_states) if machine.output_codes[q]})
    seconds, small = timed(dfa.minify)
    return seconds, len(small.states)


def fraction_rank(rows: list[list[int]]) -> int:
    """Plain exact Gaussian elimination in Python Fractions (the baseline engine)."""
    pivots: dict[int, list[Fraction]] = {}
    for row in rows:
        v = [Fraction(x) for x in row]
        for col, p in pivots.items():
            if v[col]:
                f = v[col]
                v = [a - f * b for a, b in zip(v, p)]
        lead = next((i for i, x in enumerate(v) if x), None)
        if lead is not None:
            pivots[lead] = [x / v[lead] for x in v]
    return len(pivots)


def minimisation_rows(sizes: list[int]) -> None:
    print(f"{'minimise':10s} {'states':>9s} {'minimal':>8s} {'ours s':>8s} "
          f"{'automata-lib s':>15s} {'ratio':>7s}")
    for kind, make in (("chain", chain),
                       ("random", lambda n: random_dfa(n, 2, seed=0, outputs="binary"))):
        for n in sizes:
            machine = make(n)
            ours, result = min(timed(lambda m=machine: minimize(m)) for _ in range(3)
                               ) if n <= 100_000 else timed(lambda m=machine: minimize(m))
            base = automata_lib_minify(machine)  # once: 26–71 s and 2.2 GB at 10^6
            if base is None:
                print(f"{kind:10s} {n:9d} {result.machine.n_states:8d} {ours:8.3f} "
                      f"{'-':>15s} {'-':>7s}")
                continue
            assert base[1] == result.machine.n_states, "minimal sizes differ"
            print(f"{kind:10s} {n:9d} {result.machine.n_states:8d} {ours:8.3f} "
                  f"{base[0]:15.3f} {base[0] / ours:6.1f}x")


def exact_rows(sizes: list[int]) -> None:
    from flint import nmod_mat

    print(f"\n{'exact':16s} {'states':>7s} {'rank':>6s} {'rank s':>8s} {'model s':>8s} "
          f"{'flint rank s':>13s} {'ratio':>7s}")
    rng = np.random.default_rng(0)
    for spec, make in (("random binary", lambda n: random_dfa(n, 2, seed=0,
                                                              outputs="binary")),
                       ("chain", chain)):
        for n in sizes:
            machine = minimize(make(n)).machine
            t_rank, rank = timed(lambda m=machine: hankel_rank(m))
            t_model, _ = timed(lambda m=machine: minimal_exact_valued_model(m))
            dense = rng.integers(0, 2, size=(n, n)).tolist()
            t_flint, _ = timed(lambda d=dense: nmod_mat(d, 1_000_003).rank())
            print(f"{spec:16s} {n:7d} {rank:6d} {t_rank:8.2f} {t_model:8.2f} {t_flint:13.2f} "
                  f"{t_flint / t_rank:6.1f}x")
    n = 120
    machine = minimize(random_dfa(n, 2, seed=1, outputs="binary")).machine
    rows = [[int(machine.output_codes[q] == 1) for q in range(n)]]
    level = rows
    while len(rows) < 2 * n:  # the BFS functionals f∘δ_a, as the old search built them
        level = [[r[int(machine.transitions[q, a])] for q in range(n)]
                 for r in level for a in range(2)]
        rows += level
    t_frac, r_frac = timed(lambda: fraction_rank(rows[:2 * n]))
    t_ours, r_ours = timed(lambda: hankel_rank(machine))
    print(f"{'vs Fractions':16s} {n:7d} {r_ours:6d} {t_ours:8.3f} {'':>8s} {'':>13s} "
          f"Fraction echelon of {2 * n} functionals (rank {r_frac}): {t_frac:.2f} s "
          f"({t_frac / t_ours:.0f}x)")


def classify_rows(quick: bool) -> None:
    print(f"\n{'classify':14s} {'seconds':>8s}  baseline")
    t_table, machine = timed(lambda: build("symmetric:6"))
    if not quick:
        t, report = timed(lambda: classify(machine))
        print(f"{'symmetric:6':14s} {t:8.1f}  building its 720 × 720 table: {t_table:.2f} s "
              f"({t / t_table:.0f}x); lowest rung {report.lowest_rung}")
    t_build, big = timed(lambda: build("symmetric:7"))
    try:
        t, _ = timed(lambda: classify(big))
        print(f"{'symmetric:7':14s} {t:8.1f}  finished")
    except ResourceLimitError as exc:
        t = time.perf_counter()
        try:
            classify(big)
        except ResourceLimitError:
            pass
        t_refuse = time.perf_counter() - t
        print(f"{'symmetric:7':14s} {t_refuse:8.2f}  refused up front after building the "
              f"5040 × 5040 table ({t_build:.1f} s): {str(exc)[:90]}…")


def spec_rows() -> None:
    print(f"\n{'large spec':14s} {'seconds':>8s}  baseline")
    t_small, _ = timed(lambda: build("cyclic:2000"))
    t = time.perf_counter()
    try:
        build("cyclic:20000")
        outcome = "built"
    except ResourceLimitError:
        outcome = "refused before allocating"
    t_big = time.perf_counter() - t
    print(f"{'cyclic:20000':14s} {t_big:8.3f}  {outcome}; building cyclic:2000 takes "
          f"{t_small:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    minimisation_rows([1_000, 10_000] if args.quick else [2_000, 20_000, 100_000, 1_000_000])
    exact_rows([500] if args.quick else [1_000, 2_000, 5_000])
    classify_rows(args.quick)
    spec_rows()


if __name__ == "__main__":
    main()
