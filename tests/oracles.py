"""Independent reference implementations used as test oracles.

Nothing here imports the algorithms under test: machines are read through their raw
transition tables and outputs only.
"""

from __future__ import annotations

import itertools

from automata_bilinear import MooreMachine


def simulate(machine: MooreMachine, word: list[int]) -> list:
    """Outputs after every prefix, by a plain Python loop over the table."""
    rows = machine.transitions.tolist()
    q = machine.start
    outs = [machine.outputs[q]]
    for a in word:
        q = rows[q][a]
        outs.append(machine.outputs[q])
    return outs


def state_output(machine: MooreMachine, q: int, word: tuple[int, ...]):
    rows = machine.transitions.tolist()
    for a in word:
        q = rows[q][a]
    return machine.outputs[q]


def words_up_to(k: int, length: int):
    for n in range(length + 1):
        yield from itertools.product(range(k), repeat=n)


def reachable(machine: MooreMachine) -> set[int]:
    rows = machine.transitions.tolist()
    seen = {machine.start}
    stack = [machine.start]
    while stack:
        q = stack.pop()
        for r in rows[q]:
            if r not in seen:
                seen.add(r)
                stack.append(r)
    return seen


def brute_equivalent_states(machine: MooreMachine, p: int, q: int) -> bool:
    """p ~ q iff they agree on all words of length <= n - 1 (Moore's bound is n - 2)."""
    n = machine.n_states
    return all(
        state_output(machine, p, w) == state_output(machine, q, w)
        for w in words_up_to(machine.n_symbols, max(n - 1, 0))
    )


def brute_shortest_separator(machine: MooreMachine, p: int, q: int, limit: int):
    for w in words_up_to(machine.n_symbols, limit):
        if state_output(machine, p, w) != state_output(machine, q, w):
            return w
    return None


def brute_counterexample(m1: MooreMachine, m2: MooreMachine, limit: int):
    """Shortest shortlex word (indices over m1's alphabet order) with different outputs."""
    cols = [m2.alphabet.index(s) for s in m1.alphabet]
    for w in words_up_to(m1.n_symbols, limit):
        if state_output(m1, m1.start, w) != state_output(m2, m2.start, tuple(cols[a] for a in w)):
            return w
    return None


def exact_model_prediction(archive: dict, letters: list[int]):
    """Readout row predicted by the exact model a saved ``.npz`` archive defines, after the
    letters ``letters``; None on a tie.

    Reads the raw arrays: rational schemas in exact ``Fraction`` arithmetic on the stored
    ``A``; the exact phase schemas by keeping the integer turns exactly and evaluating
    cos/sin with mpmath at 60 digits (scores within 1e-40 of the largest, relatively, count
    as ties). Independent of
    the package's checker.
    """
    from fractions import Fraction

    import mpmath

    mpmath.mp.dps = 60
    C = archive["C"]
    bias = archive["bias"] if "bias" in archive else None
    if "param__phase_turns" in archive or "param__block_turns" in archive:
        h0 = [mpmath.mpf(float(x)) for x in archive["h0"]]
        A_units = []  # per unit: (columns, per-letter (turn, reflect, modulus), period)
        if "param__phase_turns" in archive:
            turns, periods = archive["param__phase_turns"], archive["param__phase_periods"]
            moduli, real = archive["param__complex_moduli"], archive["param__real_eigenvalues"]
            c = turns.shape[1]
            for j in range(c):
                A_units.append(((2 * j, 2 * j + 1), [(int(turns[a, j]), 0, moduli[a, j])
                                                      for a in range(turns.shape[0])],
                                int(periods[j])))
            for i in range(real.shape[1]):
                A_units.append(((2 * c + i,), [(int(real[a, i] < 0), 0, abs(real[a, i]))
                                               for a in range(real.shape[0])], 2))
        else:
            turns, refl = archive["param__block_turns"], archive["param__block_reflections"]
            periods, sizes = archive["param__block_periods"], archive["param__block_sizes"]
            off = 0
            for i, size in enumerate(sizes.astype(int)):
                cols = (off,) if size == 1 else (off, off + 1)
                A_units.append((cols, [(int(turns[a, i]), int(refl[a, i]), 1.0)
                                       for a in range(turns.shape[0])], int(periods[i])))
                off += size
        h = list(h0)
        for a in letters:
            new = list(h)
            for cols, per_letter, period in A_units:
                t, f, mod = per_letter[a]
                mod = mpmath.mpf(float(mod))
                if len(cols) == 1:
                    new[cols[0]] = h[cols[0]] * mod * (-1 if t % 2 else 1)
                else:
                    x, y = h[cols[0]], h[cols[1]] * (-1 if f else 1)
                    ang = 2 * mpmath.pi * t / period
                    new[cols[0]] = mod * (mpmath.cos(ang) * x - mpmath.sin(ang) * y)
                    new[cols[1]] = mod * (mpmath.sin(ang) * x + mpmath.cos(ang) * y)
            h = new
        scores = [sum(mpmath.mpf(float(c)) * v for c, v in zip(row, h)) for row in C]
        if bias is not None:
            scores = [s + mpmath.mpf(float(b)) for s, b in zip(scores, bias)]
        best = max(range(len(scores)), key=lambda y: scores[y])
        scale = max(abs(x) for x in scores) or mpmath.mpf(1)
        ties = sum(1 for s in scores if abs(s - scores[best]) < mpmath.mpf(10) ** -40 * scale)
        return best if ties == 1 else None
    A = archive["A"]
    h = [Fraction(float(x)) for x in archive["h0"]]
    for a in letters:
        h = [sum((Fraction(float(x)) * v for x, v in zip(row, h) if x and v), Fraction(0))
             for row in A[a]]
    scores = [sum((Fraction(float(c)) * v for c, v in zip(row, h) if c and v), Fraction(0))
              for row in C]
    if bias is not None:
        scores = [s + Fraction(float(b)) for s, b in zip(scores, bias)]
    best = max(range(len(scores)), key=lambda y: scores[y])
    return best if scores.count(scores[best]) == 1 else None
