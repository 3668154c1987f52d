"""The fewest PD units (A_σ = P_σ D_σ) for a task, checked on every family.

Run:  python proofs/pd_signed.py        (exit status 0 iff every step holds)

Claim (docs/theory.md §10): a PD model from a one-hot h0 is a signed automaton on
[H] × {+, −}; the task fits on H units from a one-hot start iff its minimal automaton is a
quotient of such an automaton whose two signs of a unit carry different outputs.
Consequences checked here:
1. every family compiles on pd with H ≤ |Q_f|, and H ≥ ⌈|Q_f|/2⌉ whenever the model starts
   from a one-hot h0 (diagonal models with a dense h0 may use fewer); the stored index/scale
   arrays are proved for all lengths by the checker;
2. for Z_m the least H is m/2 for even m and m for odd m (the sign flip is the rotation by
   half of the one orbit, which must move the residue mod m): the exhaustive search agrees
   for m = 2..13;
3. every PD model from a one-hot h0 with fewer units than the search's answer fails: for
   machines with at most 4 states and 2 letters in a seeded sample, every such structure is
   enumerated and simulated on all words up to length 8 against the automaton.
"""

from __future__ import annotations

import itertools

import numpy as np
from transcript import Transcript, run

import automata_bilinear as ab
from automata_bilinear.constructions.signed_pd import minimal_signed_automaton

FAMILIES = ["parity", "cyclic:5", "cyclic:6", "counter:3", "cycle_navigation:5",
            "modular_arithmetic:5", "even_pairs", "flipflop", "occurred", "threshold:3",
            "reset_cyclic:3", "dihedral:4", "symmetric:3", "alternating:4", "quaternion",
            "cyclic:2*cyclic:3", "random:states=10,symbols=3,seed=0"]


def words(alphabet: int, length: int):
    for n in range(length + 1):
        yield from itertools.product(range(alphabet), repeat=n)


def some_pd_model_works(machine: ab.MooreMachine, H: int, length: int) -> bool:
    """Simulate every PD structure on H units (h0 = ±e_j covered by relabelling) with the
    best readout per unit and sign, on all words up to ``length``."""
    T, out, D = machine.transitions, machine.output_codes, machine.n_symbols
    per_letter = list(itertools.product(itertools.product(range(H), repeat=H),
                                        itertools.product((1, -1), repeat=H)))
    all_words = list(words(D, length))
    for choice in itertools.product(per_letter, repeat=D):
        label: dict[tuple[int, int], int] = {}
        ok = True
        for w in all_words:
            j, s, q = 0, 1, machine.start
            for a in w:
                index, sign = choice[a]
                j, s, q = index[j], s * sign[j], int(T[q, a])
            y = int(out[q])
            if label.setdefault((j, s), y) != y or label.get((j, -s), -1) == y:
                ok = False
                break
        if ok:
            return True
    return False


def main() -> int:
    t = Transcript("The fewest PD units", __doc__.split("Run:")[1].split("\n", 1)[1])
    t.section("1. Every family on pd, proved from the stored arrays")
    for spec in FAMILIES:
        machine = ab.build(spec)
        n = ab.minimize(machine).machine.n_states
        model = ab.compile_bilinear(machine, "pd")
        report = ab.verify(model, machine, numerical=False)
        one_hot = np.count_nonzero(model.h0) == 1
        t.step(f"{spec}: H = {model.hidden_size} for |Q_f| = {n}"
               + (" (one-hot h0)" if one_hot else " (dense h0)"),
               report.proved and model.hidden_size <= n
               and (not one_hot or model.hidden_size >= -(-n // 2)), report.method)
    t.section("2. Z_m: m/2 units for even m, m for odd m")
    for m in range(2, 14):
        found = minimal_signed_automaton(
            ab.minimize(ab.build(f"cyclic:{m},letters=generators")).machine)
        closed = m // 2 if m % 2 == 0 else m
        t.step(f"Z_{m}: least H = {found.hidden}", found.exact and found.hidden == closed,
               f"closed form {closed}, {found.nodes} assignments")
    t.section("3. Nothing smaller works (every PD structure, every word up to length 8)")
    rng = np.random.default_rng(11)
    tried = 0
    samples = [ab.minimize(ab.MooreMachine(rng.integers(0, n, size=(n, D)), 0,
                                           rng.integers(0, 2, size=n).tolist(),
                                           [str(a) for a in range(D)])).machine
               for n, D in ((2, 2), (3, 1), (3, 2), (4, 1)) for _ in range(15)]
    samples += [ab.minimize(ab.build(f"cyclic:{m},letters=generators")).machine
                for m in (4, 6)]
    for machine in samples:
        if machine.n_states < 2:
            continue
        found = minimal_signed_automaton(machine)
        fewer = [H for H in range(1, found.hidden) if some_pd_model_works(machine, H, 8)]
        tried += 1
        t.step(f"{machine.n_states} states, {machine.n_symbols} letters: least H = "
               f"{found.hidden}", found.exact and not fewer,
               f"no PD model on {list(range(1, found.hidden))} units survives")
    t.step(f"{tried} machines checked", tried >= 30)
    return t.finish("The fewest-PD-units claim")


if __name__ == "__main__":
    run(main)
