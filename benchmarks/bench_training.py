"""Training speed: optimiser steps per second per rung, against a plain per-sequence loop.

Usage: python benchmarks/bench_training.py [--quick]

Batch 64, lengths 2–10, per-token loss, task ``cyclic:5`` (D = 5) and ``cyclic:50``
(D = 50), H = 64 and H = 256. Each rung runs ``train`` for a fixed number of steps (no early
stop, one validation at the end). The baseline, measured in the same run, is the same
BPTT written as a loop over the sequences of the batch (one matrix-vector product per step
and sequence, forward and backward) on the full rung's matrices, followed by the same
clipping and Adam update — what a direct NumPy implementation without batching does.
With ``autograd`` installed (optional, never required) its gradient of the same loss is
timed too.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from automata_bilinear.training import Adam, Task, TrainConfig, train
from automata_bilinear.training.engine import clip_by_global_norm
from automata_bilinear.training.tasks import loss_weights

RUNGS = [("full", {}), ("cp", {}), ("block", {"block_size": 2}), ("complex_diagonal", {}),
         ("real_diagonal", {}), ("positive_diagonal", {}), ("pd", {}),
         ("householder", {"factors": 2})]


def per_sequence_step(A, h0, C, tokens, labels, weights):
    """Loss and gradient of A by a loop over sequences (the baseline)."""
    gA = np.zeros_like(A)
    loss = 0.0
    for b in range(tokens.shape[0]):
        T = int((weights[b] > 0).sum())
        hs = [h0]
        for t in range(T):
            hs.append(A[tokens[b, t]] @ hs[-1])
        g = np.zeros_like(h0)
        for t in reversed(range(T)):
            s = C @ hs[t + 1]
            p = np.exp(s - s.max())
            p /= p.sum()
            loss -= weights[b, t] * np.log(p[labels[b, t]])
            p[labels[b, t]] -= 1
            g = g + weights[b, t] * (C.T @ p)
            gA[tokens[b, t]] += np.outer(g, hs[t])
            g = A[tokens[b, t]].T @ g
    return loss, gA


def time_baseline(task: Task, hidden: int, steps: int) -> float:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((task.n_symbols, hidden, hidden)) / np.sqrt(hidden)
    h0 = rng.standard_normal(hidden) / np.sqrt(hidden)
    C = rng.standard_normal((task.n_labels, hidden)) / np.sqrt(hidden)
    optimiser = Adam(1e-3)
    start = time.perf_counter()
    for _ in range(steps):
        tokens, lengths = task.sample(rng, 64, 2, 10)
        _, gA = per_sequence_step(A, h0, C, tokens, task.labels(tokens),
                                  loss_weights(lengths, 10, False))
        grads = {"A": gA}
        clip_by_global_norm(grads, 1.0)
        optimiser.step({"A": A}, grads)   # the same update as train, so only BPTT differs
    return steps / (time.perf_counter() - start)


def time_autograd(task: Task, hidden: int, steps: int) -> float | None:
    try:
        import autograd.numpy as anp
        from autograd import grad
    except ImportError:
        return None
    rng = np.random.default_rng(0)

    def loss(A, h0, C, tokens, labels, weights):
        h = anp.tile(h0, (tokens.shape[0], 1))
        total = 0.0
        for t in range(tokens.shape[1]):
            h = anp.einsum("bij,bj->bi", A[tokens[:, t]], h)
            s = anp.dot(h, C.T)
            s = s - anp.max(s, axis=1, keepdims=True)
            logp = s - anp.log(anp.sum(anp.exp(s), axis=1, keepdims=True))
            total = total - anp.sum(weights[:, t] * logp[anp.arange(len(labels)), labels[:, t]])
        return total

    g = grad(loss)
    A = rng.standard_normal((task.n_symbols, hidden, hidden)) / np.sqrt(hidden)
    h0, C = np.ones(hidden), rng.standard_normal((task.n_labels, hidden))
    start = time.perf_counter()
    for _ in range(steps):
        tokens, lengths = task.sample(rng, 64, 2, 10)
        g(A, h0, C, tokens, task.labels(tokens), loss_weights(lengths, 10, False))
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = (64,) if args.quick else (64, 256)
    for spec in ("cyclic:5", "cyclic:50"):
        task = Task.from_spec(spec)
        for hidden in sizes:
            steps = 50 if hidden == 64 else 10
            if args.quick:
                steps = 10
            base = time_baseline(task, hidden, max(3, steps // 2))
            auto = time_autograd(task, hidden, max(2, steps // 5))
            print(f"\n{spec} (D = {task.n_symbols}), H = {hidden}, batch 64, lengths 2–10")
            print(f"  baseline per-sequence loop (full): {base:8.1f} steps/s"
                  + (f"; autograd: {auto:.1f} steps/s" if auto else "; autograd not installed"))
            print(f"  {'rung':20s} {'steps/s':>9s} {'× baseline':>11s}")
            for rung, options in RUNGS:
                cfg = TrainConfig(task=spec, rung=rung, hidden=hidden, steps=steps, lr=1e-3,
                                  early_stop=None, eval_every=10**6, eval_lengths=(2,),
                                  eval_sequences=1, val_sequences=64, **options)
                record = train(cfg).record
                rate = steps / record["train_seconds"]
                print(f"  {rung:20s} {rate:9.1f} {rate / base:10.1f}x")


if __name__ == "__main__":
    main()
