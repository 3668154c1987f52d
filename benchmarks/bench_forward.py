"""Forward-pass speed on the paper's evaluation shape, against same-run baselines.

Usage: python benchmarks/bench_forward.py [--quick]

Shape: H = 256, D = 10, T = 500, B = 64 and 1024 (Ebrahimi & Memisevic's length-500 test).
Baselines measured in the same run:
- a plain per-step ``einsum`` loop (gathers a (B, H, H) stack of matrices every step; on
  B = 1024 it is timed on a prefix of the sequence and scaled to T, marked "~");
- the machine's float32 matrix-multiply rate (a (B, H) @ (H, H) product repeated), to which
  the full rung's useful 2·B·H²·T flops are compared;
- the machine's memory bandwidth (a 400 MB array copy, on one thread and split over two), to
  which the diagonal rungs' minimal traffic (one 8-byte read of the multiplier and one 8-byte
  write per element of the (B, T, H) states) is compared, engine threads against copy threads;
- for the diagonal rungs, a plain per-step loop (``h ← λ_x ⊙ h``, normalise, score), and the
  engine's own NumPy runs (``AUTOMATA_BILINEAR_NO_JIT=1``, what runs without numba), both
  timed in the same run against the compiled runs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import threading
import time

import numpy as np

from automata_bilinear import BilinearModel
from automata_bilinear.rnn import forward
from automata_bilinear.rungs.base import diagonal_eigenvalues


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
    turns = rng.uniform(-np.pi, np.pi, (D, H // 2))
    complex_diag = BilinearModel(
        "complex_diagonal",
        {"complex_eigenvalues": rng.uniform(0.8, 1.2, (D, H // 2)) * np.exp(1j * turns),
         "real_eigenvalues": np.zeros((D, 0))},
        rng.standard_normal(H), rng.standard_normal((4, H)), [str(i) for i in range(D)],
        list(range(4)))

    # machine rates
    X = rng.standard_normal((1024, H)).astype(np.float32)
    M = rng.standard_normal((H, H)).astype(np.float32)
    t = best(lambda: [X @ M for _ in range(50)])
    gemm = 2 * 1024 * H * H * 50 / t
    big = np.ones(50_000_000, dtype=np.float64)
    out = np.empty_like(big)

    def copy_on(threads: int) -> None:
        cuts = np.linspace(0, big.size, threads + 1).astype(int)
        workers = [threading.Thread(target=np.copyto, args=(out[lo:hi], big[lo:hi]))
                   for lo, hi in itertools.pairwise(cuts)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    bandwidth = {n: 2 * big.nbytes / best(lambda n=n: copy_on(n), 5) for n in (1, 2)}
    print(f"machine: float32 GEMM {gemm / 1e9:.1f} GFLOP/s, memory copy "
          f"{bandwidth[1] / 1e9:.1f} GB/s on 1 thread, {bandwidth[2] / 1e9:.1f} GB/s on 2 "
          f"(read + write)\n")
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
    print(f"\n{'rung':16s} {'B':>5s} {'dtype':8s} {'threads':>7s} {'ours s':>8s} "
          f"{'loop s':>8s} {'speed-up':>9s} {'numpy s':>8s} {'speed-up':>9s} "
          f"{'of bandwidth':>13s}")
    for name, model in (("real_diagonal", diag), ("complex_diagonal", complex_diag)):
        for dtype in ("float64", "float32"):  # compile (or load) the kernels before timing
            forward(model, rng.integers(0, D, size=(2, 70)), dtype=dtype)
        for B in (64, 1024):
            x = rng.integers(0, D, size=(B, T))
            final = best(lambda x=x, model=model: forward(model, x, final_only=True), 3)
            print(f"{name:16s} {B:5d} {'float64':8s} {'':>7s} {final:8.3f} {'':>8s} {'':>9s}"
                  f"   final state only (letter counts)")
            steps = T if B <= 64 else T // 5
            loop = best(lambda x=x, model=model, steps=steps: diagonal_loop(model, x, steps),
                        2) * T / steps
            mark = " " if steps == T else "~"
            for dtype in ("float64", "float32"):
                for threads in (1, 2):
                    # the machine is shared: time the copy and the engine back to back,
                    # five times, and report the median of the ratios
                    fractions, times = [], []
                    for _ in range(5):
                        copy_rate = 2 * big.nbytes / best(lambda t=threads: copy_on(t), 1)
                        per_step = best(lambda x=x, model=model, dtype=dtype, t=threads:
                                        forward(model, x, dtype=dtype, threads=t), 1)
                        fractions.append(16 * B * T * H / per_step / copy_rate)
                        times.append(per_step)
                    per_step = min(times)
                    os.environ["AUTOMATA_BILINEAR_NO_JIT"] = "1"
                    plain = best(lambda x=x, model=model, dtype=dtype, t=threads:
                                 forward(model, x, dtype=dtype, threads=t), 2)
                    del os.environ["AUTOMATA_BILINEAR_NO_JIT"]
                    print(f"{name:16s} {B:5d} {dtype:8s} {threads:7d} {per_step:8.3f} "
                          f"{mark}{loop:7.3f} {mark}{loop / per_step:7.1f}x {plain:8.3f} "
                          f"{plain / per_step:8.1f}x "
                          f"{100 * np.median(fractions):12.1f}% "
                          f"({100 * min(fractions):.0f}–{100 * max(fractions):.0f})")
    print("\n'of peak': useful 2·B·H²·T flops of the full rung over the float32 GEMM rate "
          "(float64 runs are compared to the same float32 rate).\n'of bandwidth': the "
          "per-step outputs' minimal traffic, 16 bytes per element of the (B, T, H) states, "
          "over the copy bandwidth on as many threads as the engine used, timed back to "
          "back (median and range of 5 pairs).\n'loop': a "
          "float64 per-step loop h ← λ_x ⊙ h with normalisation and scores ('~': timed on a "
          "prefix and scaled to T).\n'numpy': the same engine with its runs as NumPy passes "
          "(AUTOMATA_BILINEAR_NO_JIT=1, used where numba is missing).")


def diagonal_loop(model: BilinearModel, x: np.ndarray, steps: int) -> None:
    """The plain baseline: one vectorised step per time step over the batch."""
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    nc = lam_c.shape[1]
    h = np.tile(model.h0, (x.shape[0], 1))
    z = np.ascontiguousarray(h[:, :2 * nc]).view(np.complex128)  # (Re, Im) pairs
    r = h[:, 2 * nc:].copy()
    C = model.readout
    for s in range(steps):
        z *= lam_c[x[:, s]]
        r *= lam_r[x[:, s]]
        state = np.concatenate([z.view(np.float64), r], axis=1)
        peak = np.abs(state).max(axis=1, keepdims=True)
        z /= peak
        r /= peak
        scores = (state / peak) @ C.T
        np.argmax(scores, axis=1)
        np.partition(scores, -2, axis=1)


if __name__ == "__main__":
    main()
