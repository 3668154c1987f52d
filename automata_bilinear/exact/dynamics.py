"""Exact descriptions of a model's hidden-state dynamics, for proofs over all lengths.

A construction that produces a model with a finite reachable image ``{A_w h0}`` also returns
an *exact* description of its dynamics: an initial exact vector, an exact step per letter,
and the map to the model's float coordinates. :mod:`automata_bilinear.verify` walks the pairs
(automaton state, exact vector) breadth-first; finiteness of that walk and a readout margin
larger than the rounding bound prove the model right on every word.

Engines (all exact, no floating point in ``step``):

- :class:`OneHotDynamics`: ``h = e_q``; ``A_σ e_q = e_{table[q, σ]}`` (Prop. 1, CP terms);
- :class:`PhaseDynamics`: units ``z_j = ζ_{N_j}^{e_j}`` (1 real coordinate when N_j ≤ 2,
  else 2), letters act by ``e ↦ s·e + a (mod N)`` (characters, rotations, reflections) or
  reset all exponents (with an optional homogeneous coordinate fixed at 1);
- :class:`MatrixDynamics`: exact matrices over Q(√d) (d = 1: the rationals) in an exact
  basis, with a float change of basis ``P`` to model coordinates (signed permutation
  representations, the standard representation of S_n, the icosahedral representation).

Every engine serialises to JSON (``to_json`` / :func:`dynamics_from_json`), so model files
carry what is needed to re-prove them.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import FormatError, ResourceLimitError

__all__ = [
    "ExactDynamics",
    "MatrixDynamics",
    "OneHotDynamics",
    "PhaseDynamics",
    "QuadraticNumber",
    "dynamics_from_json",
]


class ExactDynamics:
    """Interface: exact hidden vectors as hashable values."""

    kind: str = ""

    def initial(self) -> Hashable:
        raise NotImplementedError

    def step(self, vector: Any, letter: int) -> Hashable:
        raise NotImplementedError

    def step_all(self, vector: Any, n_letters: int) -> list[Hashable]:
        """``[step(vector, a) for a in range(n_letters)]``; subclasses may batch it."""
        return [self.step(vector, a) for a in range(n_letters)]

    def to_model(self, vectors: Sequence[Any]) -> np.ndarray:
        """Float model coordinates of several exact vectors, shape (n, H)."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def description(self) -> str:
        return self.kind


# -- one-hot -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OneHotDynamics(ExactDynamics):
    """``h = e_q`` for states q of a transition table; exact by construction."""

    table: np.ndarray  # (H, D) ints
    start: int
    kind: str = "one_hot"

    def initial(self) -> int:
        return self.start

    def step(self, vector: int, letter: int) -> int:
        return int(self.table[vector, letter])

    def to_model(self, vectors: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(vectors), self.table.shape[0]))
        out[np.arange(len(vectors)), np.asarray(vectors, dtype=np.int64)] = 1.0
        return out

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "table": self.table.tolist(), "start": self.start}

    @property
    def description(self) -> str:
        return "one-hot states (integer matrices)"


# -- phases (roots of unity, reflections, resets) ----------------------------------------


@dataclass(frozen=True, eq=False)
class PhaseDynamics(ExactDynamics):
    """Units ``z_j = ζ_{N_j}^{e_j}`` with exact integer exponents.

    Attributes
    ----------
    moduli
        ``N_j`` per unit. ``N_j ≤ 2`` gives a real unit ``(-1)^{e_j}`` (one coordinate);
        otherwise a complex unit stored as ``(cos, sin)`` (two coordinates).
    initial_exponents
        ``e_j`` of ``h0``.
    signs, shifts
        Per letter and unit: ``e ↦ signs·e + shifts (mod N)`` (sign −1 is complex
        conjugation, i.e. a reflection).
    resets
        Per letter: None, or the exponents every unit is set to (needs ``homogeneous``).
    homogeneous
        Append a coordinate fixed at 1 (the homogeneous-coordinate construction).
    """

    moduli: tuple[int, ...]
    initial_exponents: tuple[int, ...]
    signs: tuple[tuple[int, ...], ...]
    shifts: tuple[tuple[int, ...], ...]
    resets: tuple[tuple[int, ...] | None, ...]
    homogeneous: bool = False
    kind: str = "phase"

    def initial(self) -> tuple[int, ...]:
        return tuple(e % n for e, n in zip(self.initial_exponents, self.moduli))

    def step(self, vector: tuple[int, ...], letter: int) -> tuple[int, ...]:
        reset = self.resets[letter]
        if reset is not None:
            return tuple(e % n for e, n in zip(reset, self.moduli))
        return tuple(
            (s * e + a) % n
            for e, s, a, n in zip(vector, self.signs[letter], self.shifts[letter], self.moduli)
        )

    @property
    def hidden_size(self) -> int:
        return sum(1 if n <= 2 else 2 for n in self.moduli) + int(self.homogeneous)

    def to_model(self, vectors: Sequence[tuple[int, ...]]) -> np.ndarray:
        exps = np.asarray(vectors, dtype=np.int64).reshape(len(vectors), len(self.moduli))
        cols = []
        for j, n in enumerate(self.moduli):
            angle = 2 * np.pi * exps[:, j] / n
            if n <= 2:
                cols.append(np.where(exps[:, j] % 2 == 0, 1.0, -1.0)[:, None])
            else:
                quarter = (4 * exps[:, j]) % n == 0  # exact 0/±1 where numpy gives 6e-17
                q = (4 * exps[:, j] // n) % 4
                cos = np.where(quarter, np.choose(q, [1.0, 0.0, -1.0, 0.0]), np.cos(angle))
                sin = np.where(quarter, np.choose(q, [0.0, 1.0, 0.0, -1.0]), np.sin(angle))
                cols.append(np.stack([cos, sin], axis=1))
        if self.homogeneous:
            cols.append(np.ones((len(vectors), 1)))
        return np.concatenate(cols, axis=1) if cols else np.zeros((len(vectors), 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "moduli": list(self.moduli),
            "initial_exponents": list(self.initial_exponents),
            "signs": [list(s) for s in self.signs], "shifts": [list(a) for a in self.shifts],
            "resets": [None if r is None else list(r) for r in self.resets],
            "homogeneous": self.homogeneous,
        }

    @property
    def description(self) -> str:
        return "roots-of-unity phases (exact integer exponents)"


# -- exact matrices over Q(√d) ------------------------------------------------------------


@dataclass(frozen=True)
class QuadraticNumber:
    """Exact number ``a + b·√d`` with rational a, b (d a square-free integer ≥ 2, or 1)."""

    a: Fraction
    b: Fraction = Fraction(0)
    d: int = 1

    def __add__(self, other: QuadraticNumber) -> QuadraticNumber:
        return QuadraticNumber(self.a + other.a, self.b + other.b, max(self.d, other.d))

    def __sub__(self, other: QuadraticNumber) -> QuadraticNumber:
        return QuadraticNumber(self.a - other.a, self.b - other.b, max(self.d, other.d))

    def __mul__(self, other: QuadraticNumber) -> QuadraticNumber:
        d = max(self.d, other.d)
        return QuadraticNumber(self.a * other.a + d * self.b * other.b,
                               self.a * other.b + self.b * other.a, d)

    def __float__(self) -> float:
        return float(self.a) + float(self.b) * math.sqrt(self.d)

    def key(self) -> tuple[Fraction, Fraction]:
        return (self.a, self.b)

    @staticmethod
    def parse(text: str, d: int) -> QuadraticNumber:
        a, _, b = text.partition("|")
        return QuadraticNumber(Fraction(a), Fraction(b or "0"), d)

    def dump(self) -> str:
        return f"{self.a}|{self.b}" if self.b else str(self.a)


ZERO = QuadraticNumber(Fraction(0))


def exact_matmul(x: Sequence[Sequence[QuadraticNumber]], y: Sequence[Sequence[QuadraticNumber]]
                 ) -> tuple[tuple[QuadraticNumber, ...], ...]:
    """Exact matrix product of nested tuples of :class:`QuadraticNumber`."""
    cols = list(zip(*y))
    out = []
    for row in x:
        out_row = []
        for col in cols:
            acc = ZERO
            for u, v in zip(row, col):
                if u.a or u.b:
                    acc = acc + u * v
            out_row.append(acc)
        out.append(tuple(out_row))
    return tuple(out)


def _small_ints(values: np.ndarray) -> np.ndarray:
    """``values``, refused past 2^50 so the next int64 product cannot overflow."""
    if np.abs(values).max(initial=0) > 2**50:
        raise ResourceLimitError("exact integer image grew beyond 2^50")
    return values


@dataclass(frozen=True, eq=False)
class MatrixDynamics(ExactDynamics):
    """Exact matrices ``B_σ`` over Q(√d) acting on exact vectors; model coordinates are
    ``P v`` for a float change of basis ``P`` (identity when None).

    The model this certifies has ``A_σ = P B_σ P⁻¹`` and ``h0 = P v0`` with the exact ``P``
    of which the stored one is the rounding (for example an orthonormal basis obtained by
    Gram–Schmidt); the rounding is accounted for by the numerical consistency check.
    """

    matrices: tuple[tuple[tuple[QuadraticNumber, ...], ...], ...]
    initial_vector: tuple[QuadraticNumber, ...]
    basis: np.ndarray | None = None
    field_d: int = 1
    kind: str = "matrix"

    def __post_init__(self) -> None:
        # Integer matrices and vector: exact int64 arithmetic (entries stay small on the
        # finite image; checked in step) instead of Fractions.
        ints = self.field_d == 1 and all(
            x.b == 0 and x.a.denominator == 1
            for m in self.matrices for row in m for x in row
        ) and all(x.b == 0 and x.a.denominator == 1 for x in self.initial_vector)
        object.__setattr__(self, "_int_matrices", np.array(
            [[[int(x.a) for x in row] for row in m] for m in self.matrices],
            dtype=np.int64) if ints else None)

    def initial(self) -> tuple:
        if self._int_matrices is not None:
            return tuple(int(x.a) for x in self.initial_vector)
        return tuple(x.key() for x in self.initial_vector)

    def step_all(self, vector: tuple, n_letters: int) -> list[Hashable]:
        if self._int_matrices is None or n_letters != len(self._int_matrices):
            return super().step_all(vector, n_letters)
        out = _small_ints(self._int_matrices @ np.array(vector, dtype=np.int64))
        return [tuple(row) for row in out.tolist()]  # every letter at once

    def step(self, vector: tuple, letter: int) -> tuple:
        if self._int_matrices is not None:
            return tuple(_small_ints(self._int_matrices[letter]
                                     @ np.array(vector, dtype=np.int64)).tolist())
        v = [QuadraticNumber(a, b, self.field_d) for a, b in vector]
        out = []
        for row in self.matrices[letter]:
            acc = ZERO
            for m, x in zip(row, v):
                if (m.a or m.b) and (x.a or x.b):
                    acc = acc + m * x
            out.append(acc.key())
        return tuple(out)

    def to_model(self, vectors: Sequence[tuple]) -> np.ndarray:
        root = math.sqrt(self.field_d)
        if self._int_matrices is not None:
            arr = np.array(vectors, dtype=np.float64).reshape(len(vectors),
                                                              len(self.initial_vector))
        else:
            arr = np.array([[float(a) + float(b) * root for a, b in v] for v in vectors],
                           dtype=np.float64).reshape(len(vectors), len(self.initial_vector))
        return arr if self.basis is None else arr @ self.basis.T

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "field_d": self.field_d,
            "matrices": [[[x.dump() for x in row] for row in m] for m in self.matrices],
            "initial_vector": [x.dump() for x in self.initial_vector],
            "basis": None if self.basis is None else self.basis.tolist(),
        }

    @property
    def description(self) -> str:
        field = "rationals" if self.field_d == 1 else f"Q(√{self.field_d})"
        return f"exact matrices over the {field}"


def dynamics_from_json(data: Any) -> ExactDynamics:
    """Rebuild an exact dynamics description from its JSON form (as stored in model files)."""
    if not isinstance(data, dict) or "kind" not in data:
        raise FormatError("exact dynamics: expected an object with a 'kind' field")
    kind = data["kind"]
    try:
        if kind == "one_hot":
            return OneHotDynamics(np.asarray(data["table"], dtype=np.int64), int(data["start"]))
        if kind == "phase":
            return PhaseDynamics(
                moduli=tuple(int(n) for n in data["moduli"]),
                initial_exponents=tuple(int(e) for e in data["initial_exponents"]),
                signs=tuple(tuple(int(s) for s in row) for row in data["signs"]),
                shifts=tuple(tuple(int(a) for a in row) for row in data["shifts"]),
                resets=tuple(None if r is None else tuple(int(e) for e in r)
                             for r in data["resets"]),
                homogeneous=bool(data["homogeneous"]),
            )
        if kind == "matrix":
            d = int(data["field_d"])
            return MatrixDynamics(
                matrices=tuple(tuple(tuple(QuadraticNumber.parse(x, d) for x in row)
                                     for row in m) for m in data["matrices"]),
                initial_vector=tuple(QuadraticNumber.parse(x, d)
                                     for x in data["initial_vector"]),
                basis=None if data["basis"] is None else np.asarray(data["basis"], float),
                field_d=d,
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(f"exact dynamics of kind {kind!r} is malformed: {exc}") from None
    raise FormatError(f"exact dynamics: unknown kind {kind!r} (one_hot, phase, matrix)")
