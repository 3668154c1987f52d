"""Forward-pass speed on the paper's evaluation shape, against same-run baselines.

Usage: python benchmarks/bench_forward.py [--quick]

Shape: H = 256, D = 10, T = 500, B = 64 and 1024 (Ebrahimi & Memisevic's length-500 test).
Baselines measured in the same run:
- a plain per-step ``einsum`` loop (gathers a (B, H, H) stack of matrices every step; on
  B = 1024 it is timed on a prefix of the sequence and scaled to T, marked "~");
- the machine's float32 matrix-multiply rate (a (B, H) @ (H, H) product repeated), to which
  the full rung's useful 2·B·H²·T flops are compared;
- the machine's memory bandwidth (a large array copy), to which the diagonal rung's minimal
  traffic (one 8-byte read of the multiplier and one 8-byte write per element) is compared.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from automata_bilinear import BilinearModel
from automata_bilinear.rnn import forward


def best(fn, repeat: int = 3) -> float:
    t_best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    H, D, T = 256, 10, (100 if args.quick else 500)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((D, H, H)) / np.sqrt(H)
    full = BilinearModel("full", {"W": np.moveaxis(A, 0, 2)}, rng.standard_normal(H),
                         rng.standard_normal((4, H)), [str(i) for i in range(D)],
                         list(range(4)))
    diag = BilinearModel("real_diagonal", {"eigenvalues": rng.uniform(-1.2, 1.2, (D, H))},
                         rng.standard_normal(H), rng.standard_normal((4, H)),
                         [str(i) for i in range(D)], list(range(4)))

    # machine rates
    X = rng.standard_normal((1024, H)).astype(np.float32)
    M = rng.standard_normal((H, H)).astype(np.float32)
    t = best(lambda: [X @ M for _ in range(50)])
    gemm = 2 * 1024 * H * H * 50 / t
    big = np.ones(50_000_000, dtype=np.float64)
    out = np.empty_like(big)
    t = best(lambda: np.copyto(out, big))
    bandwidth = 2 * big.nbytes / t  # read + write
    print(f"machine: float32 GEMM {gemm / 1e9:.1f} GFLOP/s, memory copy {bandwidth / 1e9:.1f} "
          f"GB/s (read + write)\n")
    print(f"{'rung':14s} {'B':>5s} {'dtype':8s} {'ours s':>8s} {'einsum s':>10s} "
          f"{'speed-up':>9s} {'of peak':>8s}")
    for B in (64, 1024):
        x = rng.integers(0, D, size=(B, T))
        for dtype in ("float32", "float64"):
            ours = best(lambda x=x, dtype=dtype: forward(full, x, dtype=dtype, final_only=True),
                        2)
            steps = T if B <= 64 else max(5, T // 25)
            A_dt = A.astype(dtype)

            def einsum_loop(x=x, steps=steps, A_dt=A_dt, dtype=dtype) -> None:
                h = np.tile(full.h0.astype(dtype), (x.shape[0], 1))
                for s in range(steps):
                    h = np.einsum("bij,bj->bi", A_dt[x[:, s]], h)
                    h /= np.abs(h).max(axis=1, keepdims=True)

            base = best(einsum_loop, 1) * T / steps
            mark = "~" if steps < T else " "
            frac = 2 * B * H * H * T / ours / gemm
            print(f"{'full':14s} {B:5d} {dtype:8s} {ours:8.3f} {mark}{base:9.3f} "
                  f"{mark}{base / ours:7.1f}x {100 * frac:7.1f}%")
        final = best(lambda x=x: forward(diag, x, final_only=True), 2)
        print(f"{'real_diagonal':14s} {B:5d} {'float64':8s} {final:8.3f} {'':>10s} {'':>9s} "
              f"  final state only (counts, no B·T·H work)")
        per_step = best(lambda x=x: forward(diag, x), 2)
        traffic = 16 * B * T * H
        print(f"{'real_diagonal':14s} {B:5d} {'float64':8s} {per_step:8.3f} {'':>10s} {'':>9s} "
              f"{100 * traffic / per_step / bandwidth:7.1f}% of bandwidth (per-step outputs)")
    print("\n'of peak': useful 2·B·H²·T flops of the full rung over the float32 GEMM rate "
          "(float64 runs are compared to the same float32 rate).")


if __name__ == "__main__":
    main()
