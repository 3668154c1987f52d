"""The fewest commutative layers of a stack for group tasks: the derived length, checked on
every group family and against the literature's values.

Run:  python proofs/depth_stacks.py        (exit status 0 iff every step holds)

Claim (docs/theory.md §12): a group task is represented by a stack of k commutative
(rotation) layers with the cascade interface iff its transition group is solvable of derived
length ≤ k. Checked here:
1. construction — every solvable group family compiles into a stack of exactly derived-length
   rotation layers along the derived series (Kaloujnine–Krasner); the checker proves it by a
   finite-image search over the joint layer states, and the float forward pass agrees with
   direct DFA simulation on random words;
2. lower bound — the DERIVED_LENGTH certificate is re-checked (sympy recomputes the derived
   series) and fewer layers are refused; for A_5 and S_5 the PERFECT certificate is re-checked
   and no depth is accepted;
3. the literature (Shakerinava, Khavari et al., ICLR 2026): Z_m 1; S_3, D_n, A_4, Q_8 2;
   S_4 3; A_5, S_5 never.
"""

from __future__ import annotations

import numpy as np
from transcript import Transcript, run

import automata_bilinear as ab
from automata_bilinear.checker.certificates import Certificate

# by hand, from the groups' derived series (None: not solvable)
LITERATURE = {"parity": 1, "cyclic:5": 1, "cyclic:2*cyclic:3": 1, "cycle_navigation:5": 1,
              "symmetric:3": 2, "dihedral:4": 2, "dihedral:5,letters=generators": 2,
              "dihedral:6": 2, "alternating:4": 2, "quaternion": 2, "symmetric:4": 3,
              "symmetric:4,letters=generators": 3, "alternating:5": None,
              "symmetric:5,letters=generators": None}


def simulate_agrees(stack: ab.StackedModel, machine: ab.MooreMachine) -> bool:
    rng = np.random.default_rng(3)
    words = rng.integers(0, machine.n_symbols, size=(8, 300))
    letters = np.array([[stack.alphabet.index(machine.alphabet[a]) for a in w] for w in words])
    pred = ab.forward(stack, letters).predictions
    return all([stack.output_labels[i] for i in p]
               == ab.output_trace(machine, [machine.alphabet[a] for a in w])
               for w, p in zip(words, pred))


def main() -> int:
    t = Transcript("The fewest commutative layers of a stack",
                   __doc__.split("Run:")[1].split("\n", 1)[1])
    t.section("1-3. Every group family")
    for spec, depth in LITERATURE.items():
        machine = ab.build(spec)
        report = ab.classify(machine).depth
        cert = (Certificate.from_json(report["certificate"]) if report["certificate"]
                else None)
        if depth is None:
            ok = cert is not None and cert.kind == "perfect" and cert.check(machine).ok
            t.step(f"{spec}: never — {cert.describe() if cert else 'no certificate'} "
                   "re-checked", ok and report["least_layers"] is None)
            try:
                ab.compile_stack(machine, layers=6)
                refused = False
            except ab.NotRepresentableError:
                refused = True
            t.step(f"{spec}: 6 layers refused", refused)
            continue
        stack = ab.compile_stack(machine)
        proof = ab.prove_stack(stack, machine)
        t.step(f"{spec}: {stack.depth} rotation layer(s), H = "
               f"{'+'.join(str(m.hidden_size) for m in stack.layers)}, proved "
               f"({proof.detail.split(';')[0]})",
               proof.proved and simulate_agrees(stack, machine))
        t.step(f"{spec}: matches the literature's depth {depth}",
               stack.depth == depth == report["least_layers"])
        if depth > 1:
            check = cert.check(machine) if cert is not None else None
            t.step(f"{spec}: DERIVED_LENGTH {depth} re-checked",
                   check is not None and check.ok
                   and f"stack(rotation,{depth - 1})" in check.rules_out)
            try:
                ab.compile_stack(machine, layers=depth - 1)
                refused = False
            except ab.NotRepresentableError:
                refused = True
            t.step(f"{spec}: {depth - 1} layer(s) refused", refused)
    return t.finish("The stack-depth claim")


if __name__ == "__main__":
    run(main)
