"""The hierarchy table of docs/theory.md §8, every row re-derived.

Run:  python proofs/hierarchy_table.py    (exit status 0 iff every row holds)

For each family: the lowest rung is compiled and proved for all lengths (finite-image search
or analytic bound), its hidden size matches docs/theory.md, and the rung below is ruled out by a
certificate that is re-checked by running the automaton.
"""

from __future__ import annotations

from transcript import Transcript, run

import automata_bilinear as ab

# family, spec, lowest rung, H, (rung below, certificate kind) — docs/theory.md §8
ROWS = [
    ("parity (Z_2)", "parity", "sign_diagonal", 1, ("positive_diagonal", "period")),
    ("Z_m, m = 5", "cyclic:5", "rotation", 2, ("real_diagonal", "period")),
    ("Z_2^3", "cyclic:2*cyclic:2*cyclic:2", "sign_diagonal", 3, None),
    ("Z_3 × Z_3", "cyclic:3*cyclic:3", "rotation", 4, ("real_diagonal", "period")),
    ("σ occurred", "occurred", "positive_diagonal", 2, ("rotation", "recur")),
    ("|w|_a ≥ 3", "threshold:3", "positive_diagonal", 2, ("rotation", "recur")),
    ("flip-flop", "flipflop", "block", 2, ("complex_diagonal", "parikh")),
    ("D_4", "dihedral:4", "orthogonal_block", 2, ("complex_diagonal", "parikh")),
    ("S_3", "symmetric:3", "orthogonal_block", 2, ("complex_diagonal", "parikh")),
    ("Q_8", "quaternion", "orthogonal_block", 4, ("orthogonal_block(3)", "kernel")),
    ("A_4", "alternating:4", "orthogonal_block", 3, ("orthogonal_block(2)", "kernel")),
    ("S_4", "symmetric:4", "orthogonal_block", 3, ("orthogonal_block(2)", "kernel")),
    ("A_5", "alternating:5,letters=generators", "orthogonal_block", 3,
     ("orthogonal_block(2)", "kernel")),
    # 4 suffices, with orthonormal entries in Q(√5) stored exactly; KERNEL shows b ≥ 4
    ("S_5", "symmetric:5,letters=generators", "orthogonal_block", 4,
     ("orthogonal_block(3)", "kernel")),
    ("Z_3 with reset", "reset_cyclic:3", "block", 3, ("complex_diagonal", "parikh")),
    ("random DFA", "random:states=12,symbols=3,seed=0", "block", 12,
     ("complex_diagonal", "parikh")),
]


def main() -> int:
    t = Transcript("docs/theory.md §8: where each family lands", __doc__.split("Run:")[1].split(
        "\n", 1)[1])
    table = []
    for name, spec, lowest, hidden, below in ROWS:
        machine = ab.build(spec)
        report = ab.classify(machine)
        row = report.rungs[lowest]
        ok = report.lowest_rung == lowest and row.hidden == hidden and row.verdict == "yes"
        cert_text = "—"
        if below is not None:
            rung, kind = below
            if kind == "kernel":
                cert = report.rungs["orthogonal_block"].bound_certificate
            else:
                cert = report.rungs[rung].certificate
            ok &= cert is not None and cert.kind == kind and cert.check(machine).ok
            cert_text = f"{rung}: {cert.describe()}" if cert is not None else "missing"
        t.step(f"{name}: {lowest}, H = {hidden}", ok, row.method)
        table.append((name, report.lowest_rung, row.hidden, cert_text))
    print("\n" + "\n".join(f"  {n:16s} {r:18s} H = {h:<3} {c}" for n, r, h, c in table))
    return t.finish("The §8 table")


if __name__ == "__main__":
    run(main)
