"""Envelope indicators for commutative monoids: decaying units that single out every letter
count class (docs/theory.md §6)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..algebra.profile import AlgebraicProfile
from ..errors import ConstructionUnavailableError
from ..limits import check_allocation
from ..model import BilinearModel
from ..rungs import Structure, get_rung
from ..rungs.base import phase_unit_matrices
from .assembly import assemble_model, blocks_from_matrices

__all__ = ["decay_model"]


def _class_outputs(profile: AlgebraicProfile) -> np.ndarray:
    """Output code of the state reached by every joint class vector κ (row-major): per letter
    the classes are the counts 0 .. index + period − 1."""
    machine = profile.machine
    states = np.array([machine.start], dtype=np.int64)
    for a, d in enumerate(profile.letters):
        size = d.index + d.period
        check_allocation("letter-count class table", (states.size, size))
        powers = [np.arange(machine.n_states)]
        for _ in range(size - 1):
            powers.append(machine.transitions[powers[-1], a])
        states = np.stack([p[states] for p in powers], axis=-1).reshape(-1)
    return machine.output_codes[states]


def _envelope_sharpness(profile: AlgebraicProfile) -> int:
    """The exponent s of the envelope: off-peak units weigh at most (2 + p_a)·2^(1−s) per
    letter, and their sum over letters must stay below 0.4 (so every margin is ≥ 0.2)."""
    total = sum(2 + d.period for d in profile.letters if d.index + d.period > 1)
    return max(2, math.ceil(math.log2(2.5 * 2.02 * max(total, 1))))


def decay_model(profile: AlgebraicProfile, rung: str) -> BilinearModel:
    """Commutative monoid, any output: per letter a, units whose log-magnitude is the tangent
    line ``s(2cn − c²)`` of the parabola ``s n²`` at c = 0 … index_a (an *upper envelope*: at
    count n the unit ``c = min(n, index)`` dominates every other by a factor ≥ 2^s), the last
    one times the roots of unity of the letter's period; joint units are products across
    letters, so the normalised state is close to the one-hot vector of the joint letter-count
    class, and the readout adds the classes of each output (a discrete Fourier transform on
    the periodic part). Every eigenvalue and h0 entry is a power of two (times a root of
    unity, stored as an exact turn), so the stored arrays are the construction exactly.
    """
    machine = profile.machine
    letters = profile.letters
    s = _envelope_sharpness(profile)
    worst = max((d.index for d in letters), default=0)
    if s * worst * worst > 1000:
        raise ConstructionUnavailableError(
            f"envelope construction: a letter has index {worst}; 2^(−{s}·{worst}²) is below "
            "the float64 range")
    periods = [d.period for d in letters]
    N = math.lcm(*periods) if periods else 1
    structure = get_rung(rung).structure
    if structure is Structure.DIAGONAL and N > 2:
        raise ConstructionUnavailableError("a letter period > 2 needs complex units")
    F = _class_outputs(profile)
    per_letter_units = [[(c, 0) for c in range(d.index)] + [(d.index, k) for k in range(d.period)]
                        for d in letters]
    D = machine.n_symbols
    n_out = len(machine.output_labels)
    unit_shape = [len(u) for u in per_letter_units]
    n_units = math.prod(unit_shape)
    check_allocation("envelope readout", (n_out, n_units), itemsize=16)
    # per letter: class × unit coefficients of the class indicators
    mats = []
    for d, units in zip(letters, per_letter_units):
        M = np.zeros((d.index + d.period, len(units)), dtype=np.complex128)
        for u, (c, k) in enumerate(units):
            if c < d.index:
                M[c, u] = 1.0
            else:
                for r in range(d.period):
                    M[d.index + r, u] = np.exp(-2j * np.pi * k * (d.index + r) / d.period) \
                        / d.period
        mats.append(M)
    sizes = [M.shape[0] for M in mats]
    ind = F.reshape(sizes)
    readout_c = np.zeros((n_out, n_units), dtype=np.complex128)
    for y in range(n_out):
        tensor = (ind == y).astype(np.complex128)
        for ax, M in enumerate(mats):
            tensor = np.moveaxis(np.tensordot(tensor, M, axes=([ax], [0])), -1, ax)
        readout_c[y] = tensor.reshape(-1)
    grid = np.array(list(itertools.product(*[range(n) for n in unit_shape])),
                    dtype=np.int64).reshape(n_units, D)
    c_of = np.array([[per_letter_units[a][g][0] for a, g in enumerate(row)] for row in grid],
                    dtype=np.int64).reshape(n_units, D)
    k_of = np.array([[per_letter_units[a][g][1] for a, g in enumerate(row)] for row in grid],
                    dtype=np.int64).reshape(n_units, D)
    index = np.array([d.index for d in letters], dtype=np.int64)
    per = np.array(periods, dtype=np.int64)
    log2_mod = 2 * s * (c_of - index)            # (U, D): letter a acts on unit u
    turns = k_of * (N // per)                    # in units of 1/N of a turn
    log2_h0 = -s * (c_of ** 2).sum(axis=1)
    # conjugate pairs: unit with exponents −k
    strides = [math.prod(unit_shape[j + 1:]) for j in range(D)]
    conj = np.zeros(n_units, dtype=np.int64)
    for a, units in enumerate(per_letter_units):
        pos = {u: i for i, u in enumerate(units)}
        conj += np.array([pos[(c, (-k) % letters[a].period)] for c, k in
                          zip(c_of[:, a], k_of[:, a])], dtype=np.int64) * strides[a]
    real_units = [u for u in range(n_units) if conj[u] == u]
    complex_units = [u for u in range(n_units) if conj[u] > u]
    cols = []
    for u in complex_units:
        coef = readout_c[:, u] + np.conj(readout_c[:, conj[u]])
        cols += [coef.real, -coef.imag]
    cols += [readout_c[:, u].real for u in real_units]
    C = np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))
    C = np.where(np.abs(C) < 1e-14, 0.0, C)
    h0 = np.concatenate([np.stack([np.exp2(log2_h0[complex_units].astype(float)),
                                   np.zeros(len(complex_units))], axis=1).ravel(),
                         np.exp2(log2_h0[real_units].astype(float))])
    moduli = np.exp2(log2_mod.T.astype(float))   # (D, U)
    name = (f"envelope indicators (2^{s} separation, {len(complex_units)} complex + "
            f"{len(real_units)} real units)")
    real_eig = moduli[:, real_units] * np.where(turns.T[:, real_units] % N == 0, 1.0, -1.0) \
        if N > 1 else moduli[:, real_units]
    if complex_units and structure not in (Structure.COMPLEX_DIAGONAL, Structure.BLOCKS):
        raise ConstructionUnavailableError("complex units on a real rung")
    if structure is Structure.COMPLEX_DIAGONAL:
        params = {"phase_turns": turns.T[:, complex_units].astype(float),
                  "phase_periods": np.full(len(complex_units), float(N)),
                  "complex_moduli": moduli[:, complex_units],
                  "real_eigenvalues": real_eig}
    elif structure is Structure.DIAGONAL:
        params = {"eigenvalues": real_eig}
    elif structure is Structure.BLOCKS:
        A = phase_unit_matrices(rung, {
            "phase_turns": turns.T[:, complex_units].astype(float),
            "phase_periods": np.full(len(complex_units), float(N)),
            "complex_moduli": moduli[:, complex_units], "real_eigenvalues": real_eig}, D,
            unit_modulus=False)
        params = blocks_from_matrices(A, [2] * len(complex_units) + [1] * len(real_units))
    else:
        raise ConstructionUnavailableError(f"no unit layout for the {rung} rung's structure")
    return assemble_model(machine, rung, params, h0, C, name, None)
