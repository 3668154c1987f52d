"""The rung description: what a rung of the hierarchy is, as one frozen value.

A :class:`Rung` says everything the rest of the package needs to know about one family of
transition matrices (docs/theory.md §3–§5):

- its **native parameter forms** (the float form first, then exact forms) and how to
  materialise the per-letter matrices ``A`` (D, H, H) from them, checking the structural
  constraints (orthogonality, unit modulus, signs, positivity) on the way;
- its **structure** (dense, factored, blocks, complex or real diagonal), which picks the forward
  engine of :mod:`automata_bilinear.rnn`, the exact methods of the checker and the parameter
  layout of the constructions;
- the **decision of docs/theory.md §4** as three facts: its matrices commute (so a PARIKH
  certificate refutes it), its matrices are orthogonal (RECUR), and the longest letter cycle it
  can follow (PERIOD); plus the largest orthogonal block it embeds in (KERNEL);
- the **constructions** that can put a task on it, by name, tried by
  :func:`automata_bilinear.compilation.compile_bilinear` in order;
- its **label** in tables and plots.

The registry (:mod:`automata_bilinear.rungs.registry`) lists the rungs in hierarchy order;
adding a rung is one module with one :class:`Rung` plus its registration.

The helpers below build the matrices of the shared parameter forms; each rung module uses
the ones that apply.

Examples
--------
>>> from automata_bilinear.rungs import get_rung
>>> rung = get_rung("real_diagonal")
>>> rung.commuting, rung.max_letter_cycle, rung.structure.name
(True, 2, 'DIAGONAL')
>>> get_rung("block").obstructions(block_size=1).commuting
True
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..limits import check_allocation

__all__ = [
    "BLOCKS",
    "CP_FACTORS",
    "EIGENVALUES",
    "EXACT_HOUSEHOLDER",
    "FLOAT_UNITS",
    "HOUSEHOLDER_FACTORS",
    "MONOMIAL_FACTORS",
    "PHASE_BLOCKS",
    "PHASE_UNITS",
    "QUADRATIC_BLOCKS",
    "TENSOR",
    "MaterializeFn",
    "Obstructions",
    "Rung",
    "Structure",
    "block_matrices",
    "complex_unit_matrices",
    "diagonal_eigenvalues",
    "diagonal_matrices",
    "integer_entries",
    "phase_block_matrices",
    "phase_unit_matrices",
    "quadratic_block_matrices",
    "shape_error",
]

# -- the native parameter forms (names of the arrays; the ``.npz`` format stores them) ------

TENSOR = ("W",)
CP_FACTORS = ("U", "V", "d")
BLOCKS = ("blocks", "block_sizes")
PHASE_BLOCKS = ("block_turns", "block_reflections", "block_periods", "block_sizes")
QUADRATIC_BLOCKS = ("blocks", "blocks_sqrt", "sqrt_base", "block_sizes")
FLOAT_UNITS = ("complex_eigenvalues", "real_eigenvalues")
PHASE_UNITS = ("phase_turns", "phase_periods", "complex_moduli", "real_eigenvalues")
EIGENVALUES = ("eigenvalues",)
MONOMIAL_FACTORS = ("index", "scale")
HOUSEHOLDER_FACTORS = ("vectors", "betas")
EXACT_HOUSEHOLDER = ("vector_coefficients", "betas", "field_polynomial", "field_root")

_TOL = 1e-9


class Structure(enum.Enum):
    """The shape of a rung's matrices; it decides engines, exact methods and layouts."""

    DENSE = "dense"                          # any matrix
    FACTORED = "factored"                    # a sum of shared rank-one terms (CP)
    MONOMIAL = "monomial"                    # one nonzero per column (permutation × diagonal)
    REFLECTIONS = "reflections"              # products of generalised Householder factors
    BLOCKS = "blocks"                        # block-diagonal
    COMPLEX_DIAGONAL = "complex_diagonal"    # 2×2 rotation-scaling units and real units
    DIAGONAL = "diagonal"                    # real diagonal

    @property
    def diagonal(self) -> bool:
        """All matrices are simultaneously diagonal (over C): the letter-count engine applies."""
        return self in (Structure.COMPLEX_DIAGONAL, Structure.DIAGONAL)


@dataclass(frozen=True)
class Obstructions:
    """The three facts of docs/theory.md §4 that decide what a rung cannot follow.

    Attributes
    ----------
    commuting
        Every two matrices commute: only letter counts matter (a PARIKH certificate refutes).
    orthogonal
        Every matrix is orthogonal: powers return near the identity (RECUR refutes).
    max_letter_cycle
        The longest cycle a single letter can follow, or None for no limit (PERIOD with a
        longer period refutes): 2 for real exponential sums, 1 for positive ones.
    """

    commuting: bool
    orthogonal: bool
    max_letter_cycle: int | None


MaterializeFn = Callable[[str, tuple[str, ...], Mapping[str, np.ndarray], int], np.ndarray]
ValidateFn = Callable[[str, tuple[str, ...], Mapping[str, np.ndarray], int], int]
CountFn = Callable[[Mapping[str, np.ndarray], int, int], int]


def _count_per_unit(params: Mapping[str, np.ndarray], hidden: int, n_symbols: int) -> int:
    return hidden * n_symbols


@dataclass(frozen=True)
class Rung:
    """One rung of the hierarchy; see the module docstring.

    Attributes
    ----------
    name
        The identifier used by the API, the CLI and the ``.npz`` format.
    label
        Short column label for tables and plots.
    summary
        What ``A_σ`` is, in one line.
    structure
        The shape of the matrices (:class:`Structure`).
    forms
        Accepted sets of native parameter names, the float form first.
    build
        ``build(rung_name, form, params, n_symbols) -> A`` for a matched form; validates the
        shapes and the rung's constraints, raising :class:`ModelError` naming the parameter.
    commuting, orthogonal, max_letter_cycle
        The facts of :class:`Obstructions` for the rung itself.
    orthogonal_block_bound
        The least b with this rung ⊂ orthogonal_block(b), or None when it is not orthogonal
        (a KERNEL certificate for block size ≥ b refutes it).
    constructions
        Names of the constructions to try, in order (see
        :data:`automata_bilinear.compilation.CONSTRUCTIONS`).
    sized_blocks
        The rung takes a largest block size (``block_size``); block size 1 is diagonal.
    sized_factors
        The rung takes a largest number of factors per letter (``factors``).
    complex_parameters
        Parameter names whose arrays may be complex.
    count
        ``count(params, hidden, n_symbols)``: real transition parameters (docs/theory.md §3).
    validate
        For rungs stored sparsely: ``validate(rung_name, form, params, n_symbols) -> H``
        checks the parameters without building ``A``, which is then materialised only when
        asked for (None: ``build`` validates, eagerly).
    """

    name: str
    label: str
    summary: str
    structure: Structure
    forms: tuple[tuple[str, ...], ...]
    build: MaterializeFn
    commuting: bool
    orthogonal: bool
    max_letter_cycle: int | None
    orthogonal_block_bound: int | None
    constructions: tuple[str, ...]
    sized_blocks: bool = False
    sized_factors: bool = False
    complex_parameters: frozenset[str] = frozenset()
    count: CountFn = _count_per_unit
    validate: ValidateFn | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.forms or not self.constructions:
            raise ValueError(f"incomplete rung description {self.name!r}")  # a coding error

    def __repr__(self) -> str:
        return f"<Rung {self.name}: {self.summary}>"

    def obstructions(self, block_size: int | None = None) -> Obstructions:
        """The §4 facts for the rung, or for its restriction to blocks of size ≤ block_size
        (block size 1 is diagonal: commuting, and letter cycles of length ≤ 2 only)."""
        if self.sized_blocks and block_size == 1:
            cycle = 2 if self.max_letter_cycle is None else min(self.max_letter_cycle, 2)
            return Obstructions(True, self.orthogonal, cycle)
        return Obstructions(self.commuting, self.orthogonal, self.max_letter_cycle)

    def match_form(self, names: set[str] | frozenset[str]) -> tuple[str, ...]:
        """The form whose names are exactly ``names``, or a :class:`ModelError` saying which
        names are missing or unexpected against the closest form."""
        form = next((f for f in self.forms if set(f) == set(names)), None)
        if form is not None:
            return form
        best = max(self.forms, key=lambda f: len(set(f) & set(names)))
        missing = [k for k in best if k not in names]
        if missing:
            raise ModelError(f"{self.name}: missing parameter(s) {missing}")
        extra = sorted(set(names) - set(best))
        raise ModelError(f"{self.name}: unexpected parameter(s) {extra}; expected {best}")

    def check_sparse(self, params: Mapping[str, np.ndarray], n_symbols: int) -> int:
        """Validate sparse parameters without building ``A``; returns H."""
        assert self.validate is not None
        return self.validate(self.name, self.match_form(set(params)), params, n_symbols)

    def materialize(self, params: Mapping[str, np.ndarray], n_symbols: int) -> np.ndarray:
        """Real per-letter matrices ``A`` (D, H, H) from validated native parameter arrays,
        after a budget check on their size."""
        form = self.match_form(set(params))
        check_allocation(f"{self.name} transition matrices",
                         (n_symbols, *(2 * [_hidden_bound(params)])))
        return self.build(self.name, form, params, n_symbols)


def _hidden_bound(params: Mapping[str, np.ndarray]) -> int:
    """An upper bound on H read off the parameter shapes, for the budget check before the
    (D, H, H) matrices are allocated (complex units count twice)."""
    if "W" in params:
        return int(np.shape(params["W"])[0]) if np.ndim(params["W"]) else 0
    if "U" in params:
        return int(np.shape(params["U"])[0]) if np.ndim(params["U"]) else 0
    if "index" in params:
        return int(np.shape(params["index"])[-1]) if np.ndim(params["index"]) else 0
    for name in ("vectors", "vector_coefficients"):
        if name in params:
            return int(np.shape(params[name])[2]) if np.ndim(params[name]) >= 3 else 0
    if "block_sizes" in params:
        sizes = np.asarray(params["block_sizes"]).ravel()
        return int(np.abs(sizes).sum()) if sizes.size and sizes.dtype.kind in "iuf" else 0
    return sum(2 * int(np.shape(v)[-1]) for k, v in params.items()
               if np.ndim(v) and k != "phase_periods")


# -- shared validation and matrix builders --------------------------------------------------


def shape_error(rung: str, name: str, arr: np.ndarray, expected: str) -> ModelError:
    """The error for a parameter of the wrong shape."""
    return ModelError(f"{rung}: parameter {name!r} has shape {arr.shape}, expected {expected}")


def integer_entries(rung: str, name: str, arr: np.ndarray, low: int | None = None,
                    high: int | None = None) -> np.ndarray:
    """The entries of ``arr`` as int64, refusing non-integers and values out of range (the
    message names the first offending position and value)."""
    def first(bad: np.ndarray) -> str:
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        return f"{arr[where].item()!r} at index {where}" if where else repr(arr[()].item())

    bad = (arr != np.round(arr)) | (np.abs(arr) > 2**52)
    if np.any(bad):
        raise ModelError(f"{rung}: parameter {name!r} must hold integers ({first(bad)})")
    out = arr.astype(np.int64)
    if low is not None and np.any(out < low):
        raise ModelError(f"{rung}: parameter {name!r} must be ≥ {low} ({first(out < low)})")
    if high is not None and np.any(out > high):
        raise ModelError(f"{rung}: parameter {name!r} must be ≤ {high} ({first(out > high)})")
    return out


def diagonal_matrices(rung: str, lam: np.ndarray, n_symbols: int) -> np.ndarray:
    """``A_σ = diag(λ_σ)`` from real eigenvalues (D, H)."""
    if lam.ndim != 2 or lam.shape[0] != n_symbols:
        raise shape_error(rung, "eigenvalues", lam, f"({n_symbols}, H)")
    H = lam.shape[1]
    A = np.zeros((n_symbols, H, H))
    A[:, np.arange(H), np.arange(H)] = lam
    return A


def complex_unit_matrices(rung: str, lam: np.ndarray, real: np.ndarray, n_symbols: int
                          ) -> np.ndarray:
    """c complex units as real 2×2 blocks ``[[a, −b], [b, a]]`` (λ = a + ib), then r real
    units: H = 2c + r."""
    if lam.ndim != 2 or lam.shape[0] != n_symbols:
        raise shape_error(rung, "complex_eigenvalues", lam, f"({n_symbols}, c)")
    if real.ndim != 2 or real.shape[0] != n_symbols:
        raise shape_error(rung, "real_eigenvalues", real, f"({n_symbols}, r)")
    c, r = lam.shape[1], real.shape[1]
    H = 2 * c + r
    A = np.zeros((n_symbols, H, H))
    idx = np.arange(c)
    A[:, 2 * idx, 2 * idx] = lam.real
    A[:, 2 * idx + 1, 2 * idx + 1] = lam.real
    A[:, 2 * idx, 2 * idx + 1] = -lam.imag
    A[:, 2 * idx + 1, 2 * idx] = lam.imag
    ridx = 2 * c + np.arange(r)
    A[:, ridx, ridx] = real
    return A


def phase_unit_matrices(rung: str, params: Mapping[str, np.ndarray], n_symbols: int, *,
                        unit_modulus: bool) -> np.ndarray:
    """Exact phase units: ``λ = modulus · exp(2πi · turns / period)`` (integer turns and
    periods), then real units; ``unit_modulus`` demands every modulus be exactly 1."""
    D = n_symbols
    turns, periods = params["phase_turns"], params["phase_periods"]
    moduli, real = params["complex_moduli"], params["real_eigenvalues"]
    if turns.ndim != 2 or turns.shape[0] != D:
        raise shape_error(rung, "phase_turns", turns, f"({D}, c)")
    c = turns.shape[1]
    if periods.shape != (c,):
        raise shape_error(rung, "phase_periods", periods, f"({c},)")
    if moduli.shape != (D, c):
        raise shape_error(rung, "complex_moduli", moduli, f"({D}, {c})")
    if real.ndim != 2 or real.shape[0] != D:
        raise shape_error(rung, "real_eigenvalues", real, f"({D}, r)")
    integer_entries(rung, "phase_turns", turns)
    integer_entries(rung, "phase_periods", periods, low=1)
    if np.any(moduli < 0):
        raise ModelError(f"{rung}: parameter 'complex_moduli' must be ≥ 0")
    if unit_modulus and (np.any(moduli != 1.0) or np.any(np.abs(real) != 1.0)):
        raise ModelError(f"{rung}: every modulus must be exactly 1")
    lam = moduli * np.exp(2j * np.pi * (turns % periods) / periods)
    return complex_unit_matrices(rung, lam, real, D)


def block_matrices(rung: str, params: Mapping[str, np.ndarray], n_symbols: int, *,
                   orthogonal: bool) -> np.ndarray:
    """Block-diagonal matrices from ``blocks`` (D, nb, b, b) and ``block_sizes`` (nb,)
    (block i uses its top-left ``block_sizes[i]`` square); ``orthogonal`` demands
    ``BᵀB = I`` within 1e-9."""
    D = n_symbols
    blocks, sizes = params["blocks"], params["block_sizes"]
    if blocks.ndim != 4 or blocks.shape[0] != D or blocks.shape[2] != blocks.shape[3]:
        raise shape_error(rung, "blocks", blocks, f"({D}, nb, b, b)")
    nb, b = blocks.shape[1], blocks.shape[2]
    if sizes.shape != (nb,) or np.any(sizes != np.round(sizes)) or np.any(sizes < 1) \
            or np.any(sizes > b):
        raise ModelError(f"{rung}: block_sizes must be {nb} integers in 1..{b}, got "
                         f"{sizes.tolist()}")
    sizes_int = sizes.astype(int)
    H = int(sizes_int.sum())
    A = np.zeros((D, H, H))
    offset = 0
    for i, s in enumerate(sizes_int):
        blk = blocks[:, i, :s, :s]
        if orthogonal:
            err = np.abs(np.einsum("kji,kjl->kil", blk, blk) - np.eye(s)).max()
            if err > _TOL:
                raise ModelError(f"{rung}: block {i} is not orthogonal "
                                 f"(max |BᵀB − I| = {err:.2e})")
        A[:, offset:offset + s, offset:offset + s] = blk
        offset += s
    return A


def quadratic_block_matrices(rung: str, params: Mapping[str, np.ndarray], n_symbols: int, *,
                             orthogonal: bool) -> np.ndarray:
    """Exact blocks over Q(√d): each block is ``blocks + √d · blocks_sqrt`` with one
    square-free integer ``sqrt_base`` d ≥ 2."""
    root, irr = params["sqrt_base"], params["blocks_sqrt"]
    if root.shape != () or root < 2 or root != round(float(root)) or \
            any(root % (k * k) == 0 for k in range(2, int(np.sqrt(root)) + 1)):
        raise ModelError(f"{rung}: 'sqrt_base' must be one square-free integer ≥ 2")
    if irr.shape != params["blocks"].shape:
        raise shape_error(rung, "blocks_sqrt", irr, str(params["blocks"].shape))
    return block_matrices(rung, {"blocks": params["blocks"] + irr * np.sqrt(float(root)),
                                 "block_sizes": params["block_sizes"]}, n_symbols,
                          orthogonal=orthogonal)


def phase_block_matrices(rung: str, params: Mapping[str, np.ndarray], n_symbols: int
                         ) -> np.ndarray:
    """Exact phase blocks: a 2×2 block is ``R(2π t/N) · diag(1, −1)^f`` (integer turns t,
    reflection bit f, period N), a 1×1 block is ``(−1)^t``; always orthogonal."""
    D = n_symbols
    turns, refl = params["block_turns"], params["block_reflections"]
    periods, sizes = params["block_periods"], params["block_sizes"]
    if turns.ndim != 2 or turns.shape[0] != D:
        raise shape_error(rung, "block_turns", turns, f"({D}, nb)")
    nb = turns.shape[1]
    for name, arr, shape in (("block_reflections", refl, (D, nb)),
                             ("block_periods", periods, (nb,)), ("block_sizes", sizes, (nb,))):
        if arr.shape != shape:
            raise shape_error(rung, name, arr, str(shape))
    t = integer_entries(rung, "block_turns", turns)
    f = integer_entries(rung, "block_reflections", refl, 0, 1)
    n = integer_entries(rung, "block_periods", periods, low=1)
    s = integer_entries(rung, "block_sizes", sizes, 1, 2)
    if np.any((s == 1) & ((n > 2) | np.any(f == 1, axis=0))):
        raise ModelError(f"{rung}: a 1×1 phase block needs period ≤ 2 and no reflection")
    H = int(s.sum())
    A = np.zeros((D, H, H))
    offset = 0
    for i in range(nb):
        angle = 2 * np.pi * (t[:, i] % n[i]) / n[i]
        if s[i] == 1:
            A[:, offset, offset] = np.where(t[:, i] % 2 == 0, 1.0, -1.0)
        else:
            sign = np.where(f[:, i] == 1, -1.0, 1.0)  # R(θ) · diag(1, −1)^f
            A[:, offset, offset] = np.cos(angle)
            A[:, offset + 1, offset] = np.sin(angle)
            A[:, offset, offset + 1] = -np.sin(angle) * sign
            A[:, offset + 1, offset + 1] = np.cos(angle) * sign
        offset += int(s[i])
    return A


def diagonal_eigenvalues(params: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Float eigenvalues of a diagonal or complex-diagonal model: complex units (D, c) and
    real units (D, r) (c = 0 for real eigenvalues), whichever form the parameters use."""
    if "phase_turns" in params:
        n = params["phase_periods"]
        lam = params["complex_moduli"] * np.exp(2j * np.pi * (params["phase_turns"] % n) / n)
        return lam, params["real_eigenvalues"]
    if "complex_eigenvalues" in params:
        return params["complex_eigenvalues"], params["real_eigenvalues"]
    lam = params["eigenvalues"] if "eigenvalues" in params else params["scale"]  # pd: identity map
    return np.zeros((lam.shape[0], 0), dtype=np.complex128), lam
