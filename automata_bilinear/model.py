"""Bilinear models: the rungs of the hierarchy and their native parameters.

A bilinear model over alphabet Σ (``D = |Σ|``) with hidden size ``H`` updates
``h_t = A_{x_t} h_{t-1}`` from a fixed ``h_0 ≠ 0`` and predicts the unique argmax of
``C h_t (+ bias)`` (docs/theory.md §1). The full tensor is ``W[i, j, k] = A[k, i, j]``.

Native parameters per rung (docs/theory.md §3), all float arrays:

=====================  =============================================================
rung                   native parameters (``A_σ`` in terms of them)
=====================  =============================================================
``full``               ``W`` (H, H, D)
``cp``                 ``U`` (H, R), ``V`` (H, R), ``d`` (D, R): ``A_σ = U diag(d_σ) Vᵀ``
``block``              ``blocks`` (D, nb, b, b), ``block_sizes`` (nb,): block-diagonal
``block`` (exact)      ``blocks``, ``blocks_sqrt`` (D, nb, b, b), ``sqrt_base`` d, ``block_sizes``:
                       each block is ``blocks + √d · blocks_sqrt`` (entries in Q(√d))
``orthogonal_block``   as ``block``, every block orthogonal; or, exactly, phase blocks:
                       ``block_turns`` (D, nb) and ``block_reflections`` (D, nb) integers,
                       ``block_periods`` (nb,), ``block_sizes`` (nb,) in {1, 2}: a 2×2 block
                       is ``R(2π t/N) · diag(1, −1)^f``, a 1×1 block is ``(−1)^t``
``complex_diagonal``   ``complex_eigenvalues`` (D, c) complex, ``real_eigenvalues`` (D, r):
                       c real 2×2 blocks ``[[a, −b], [b, a]]`` then r 1×1 blocks, H = 2c + r
                       or, exactly (log-domain): ``phase_turns`` (D, c) integers,
                       ``phase_periods`` (c,) positive integers, ``complex_moduli`` (D, c)
                       ≥ 0 with ``λ = modulus · exp(2πi · turns / period)``
``rotation``           as ``complex_diagonal`` with every ``|λ| = 1``
``real_diagonal``      ``eigenvalues`` (D, H) real
``sign_diagonal``      ``eigenvalues`` (D, H) in {−1, +1}
``positive_diagonal``  ``eigenvalues`` (D, H) > 0
=====================  =============================================================

The exact (phase) forms exist because a rotation by 2π/5 has no exact float entries: a model
stored with them is a finite object whose proof (:mod:`automata_bilinear.checker`) is about
exactly what the file holds, while ``transitions`` holds the rounded matrices used by the
floating-point forward pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .automaton import OutputLabel, check_output_label, check_symbol_labels
from .errors import AutomatonError, InvalidArgumentError, ModelError
from .frozen import freeze
from .limits import check_allocation

__all__ = [
    "PHASE_BLOCKS",
    "PHASE_UNITS",
    "QUADRATIC_BLOCKS",
    "RUNGS",
    "BilinearModel",
    "ModelError",
    "check_model",
    "diagonal_eigenvalues",
    "materialize_transitions",
    "parameter_count",
    "stored_exact_form",
]

RUNGS = (
    "full",
    "cp",
    "block",
    "orthogonal_block",
    "complex_diagonal",
    "rotation",
    "real_diagonal",
    "sign_diagonal",
    "positive_diagonal",
)

PHASE_UNITS = ("phase_turns", "phase_periods", "complex_moduli", "real_eigenvalues")
PHASE_BLOCKS = ("block_turns", "block_reflections", "block_periods", "block_sizes")
QUADRATIC_BLOCKS = ("blocks", "blocks_sqrt", "sqrt_base", "block_sizes")

_SCHEMAS: dict[str, tuple[tuple[str, ...], ...]] = {
    "full": (("W",),),
    "cp": (("U", "V", "d"),),
    "block": (("blocks", "block_sizes"), PHASE_BLOCKS, QUADRATIC_BLOCKS),
    "orthogonal_block": (("blocks", "block_sizes"), PHASE_BLOCKS, QUADRATIC_BLOCKS),
    "complex_diagonal": (("complex_eigenvalues", "real_eigenvalues"), PHASE_UNITS),
    "rotation": (("complex_eigenvalues", "real_eigenvalues"), PHASE_UNITS),
    "real_diagonal": (("eigenvalues",),),
    "sign_diagonal": (("eigenvalues",),),
    "positive_diagonal": (("eigenvalues",),),
}

_TOL = 1e-9


def _as_array(name: str, value: Any, *, complex_ok: bool = False) -> np.ndarray:
    try:
        arr = np.array(value, copy=True)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"parameter {name!r} is not an array: {exc}") from None
    if arr.dtype.kind == "c" and not complex_ok:
        raise ModelError(f"parameter {name!r} must be real, got complex values")
    if arr.dtype.kind not in "biufc":
        raise ModelError(f"parameter {name!r} must be numeric, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ModelError(f"parameter {name!r} has a non-finite value at index {bad}")
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    arr.flags.writeable = False
    return arr


def _shape_error(rung: str, name: str, arr: np.ndarray, expected: str) -> ModelError:
    return ModelError(f"{rung}: parameter {name!r} has shape {arr.shape}, expected {expected}")


def _integers(rung: str, name: str, arr: np.ndarray, low: int | None = None,
              high: int | None = None) -> np.ndarray:
    """The entries of ``arr`` as int64, refusing non-integers and values out of range."""
    if np.any(arr != np.round(arr)) or np.any(np.abs(arr) > 2**52):
        raise ModelError(f"{rung}: parameter {name!r} must hold integers")
    out = arr.astype(np.int64)
    if low is not None and np.any(out < low):
        raise ModelError(f"{rung}: parameter {name!r} must be ≥ {low}")
    if high is not None and np.any(out > high):
        raise ModelError(f"{rung}: parameter {name!r} must be ≤ {high}")
    return out


def _phase_unit_transitions(rung: str, params: Mapping[str, np.ndarray], D: int) -> np.ndarray:
    turns, periods = params["phase_turns"], params["phase_periods"]
    moduli, real = params["complex_moduli"], params["real_eigenvalues"]
    if turns.ndim != 2 or turns.shape[0] != D:
        raise _shape_error(rung, "phase_turns", turns, f"({D}, c)")
    c = turns.shape[1]
    if periods.shape != (c,):
        raise _shape_error(rung, "phase_periods", periods, f"({c},)")
    if moduli.shape != (D, c):
        raise _shape_error(rung, "complex_moduli", moduli, f"({D}, {c})")
    if real.ndim != 2 or real.shape[0] != D:
        raise _shape_error(rung, "real_eigenvalues", real, f"({D}, r)")
    _integers(rung, "phase_turns", turns)
    _integers(rung, "phase_periods", periods, low=1)
    if np.any(moduli < 0):
        raise ModelError(f"{rung}: parameter 'complex_moduli' must be ≥ 0")
    if rung == "rotation" and (np.any(moduli != 1.0) or np.any(np.abs(real) != 1.0)):
        raise ModelError("rotation: every modulus must be exactly 1")
    lam = moduli * np.exp(2j * np.pi * (turns % periods) / periods)
    return materialize_transitions("complex_diagonal", {"complex_eigenvalues": lam,
                                                        "real_eigenvalues": real}, D)


def _phase_block_transitions(rung: str, params: Mapping[str, np.ndarray], D: int
                             ) -> np.ndarray:
    turns, refl = params["block_turns"], params["block_reflections"]
    periods, sizes = params["block_periods"], params["block_sizes"]
    if turns.ndim != 2 or turns.shape[0] != D:
        raise _shape_error(rung, "block_turns", turns, f"({D}, nb)")
    nb = turns.shape[1]
    for name, arr, shape in (("block_reflections", refl, (D, nb)),
                             ("block_periods", periods, (nb,)), ("block_sizes", sizes, (nb,))):
        if arr.shape != shape:
            raise _shape_error(rung, name, arr, str(shape))
    t = _integers(rung, "block_turns", turns)
    f = _integers(rung, "block_reflections", refl, 0, 1)
    n = _integers(rung, "block_periods", periods, low=1)
    s = _integers(rung, "block_sizes", sizes, 1, 2)
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


def _hidden_bound(params: Mapping[str, np.ndarray]) -> int:
    """An upper bound on H read off the parameter shapes, for the budget check before the
    (D, H, H) matrices are allocated (complex units count twice)."""
    if "W" in params:
        return int(np.shape(params["W"])[0]) if np.ndim(params["W"]) else 0
    if "U" in params:
        return int(np.shape(params["U"])[0]) if np.ndim(params["U"]) else 0
    if "block_sizes" in params:
        sizes = np.asarray(params["block_sizes"]).ravel()
        return int(np.abs(sizes).sum()) if sizes.size and sizes.dtype.kind in "iuf" else 0
    return sum(2 * int(np.shape(v)[-1]) for k, v in params.items()
               if np.ndim(v) and k != "phase_periods")


def materialize_transitions(rung: str, params: Mapping[str, np.ndarray], n_symbols: int
                            ) -> np.ndarray:
    """Real per-letter transition matrices ``A`` of shape (D, H, H) from native parameters.

    Validates shapes and the rung's constraints (orthogonality, unit modulus, signs,
    positivity) and raises :class:`ModelError` naming the offending parameter.
    """
    if rung not in _SCHEMAS:
        raise ModelError(f"unknown rung {rung!r}; valid rungs: {', '.join(RUNGS)}")
    schemas = _SCHEMAS[rung]
    schema = next((sc for sc in schemas if set(sc) == set(params)), None)
    if schema is None:
        # name what is wrong against the schema that shares most names with the input
        best = max(schemas, key=lambda sc: len(set(sc) & set(params)))
        missing = [k for k in best if k not in params]
        extra = sorted(set(params) - set(best))
        if missing:
            raise ModelError(f"{rung}: missing parameter(s) {missing}")
        raise ModelError(f"{rung}: unexpected parameter(s) {extra}; expected {best}")
    D = n_symbols
    check_allocation(f"{rung} transition matrices", (D, *(2 * [_hidden_bound(params)])))
    if schema == PHASE_UNITS:
        return _phase_unit_transitions(rung, params, D)
    if schema == PHASE_BLOCKS:
        return _phase_block_transitions(rung, params, D)
    if schema == QUADRATIC_BLOCKS:
        root, irr = params["sqrt_base"], params["blocks_sqrt"]
        if root.shape != () or root < 2 or root != round(float(root)) or \
                any(root % (k * k) == 0 for k in range(2, int(np.sqrt(root)) + 1)):
            raise ModelError(f"{rung}: 'sqrt_base' must be one square-free integer ≥ 2")
        if irr.shape != params["blocks"].shape:
            raise _shape_error(rung, "blocks_sqrt", irr, str(params["blocks"].shape))
        return materialize_transitions(rung, {
            "blocks": params["blocks"] + irr * np.sqrt(float(root)),
            "block_sizes": params["block_sizes"]}, D)
    if rung == "full":
        W = params["W"]
        if W.ndim != 3 or W.shape[0] != W.shape[1] or W.shape[2] != D:
            raise _shape_error(rung, "W", W, f"(H, H, {D})")
        return np.ascontiguousarray(np.moveaxis(W, 2, 0))
    if rung == "cp":
        U, V, d = params["U"], params["V"], params["d"]
        if U.ndim != 2:
            raise _shape_error(rung, "U", U, "(H, R)")
        H, R = U.shape
        if V.shape != (H, R):
            raise _shape_error(rung, "V", V, f"({H}, {R})")
        if d.shape != (D, R):
            raise _shape_error(rung, "d", d, f"({D}, {R})")
        A = np.empty((D, H, H))
        for k in range(D):  # only the terms a letter uses (d is sparse for shared terms)
            nz = np.flatnonzero(d[k])
            A[k] = (U[:, nz] * d[k, nz]) @ V[:, nz].T
        return A
    if rung in ("block", "orthogonal_block"):
        blocks, sizes = params["blocks"], params["block_sizes"]
        if blocks.ndim != 4 or blocks.shape[0] != D or blocks.shape[2] != blocks.shape[3]:
            raise _shape_error(rung, "blocks", blocks, f"({D}, nb, b, b)")
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
            if rung == "orthogonal_block":
                err = np.abs(np.einsum("kji,kjl->kil", blk, blk) - np.eye(s)).max()
                if err > _TOL:
                    raise ModelError(f"orthogonal_block: block {i} is not orthogonal "
                                     f"(max |BᵀB − I| = {err:.2e})")
            A[:, offset:offset + s, offset:offset + s] = blk
            offset += s
        return A
    if rung in ("complex_diagonal", "rotation"):
        lam, real = params["complex_eigenvalues"], params["real_eigenvalues"]
        if lam.ndim != 2 or lam.shape[0] != D:
            raise _shape_error(rung, "complex_eigenvalues", lam, f"({D}, c)")
        if real.ndim != 2 or real.shape[0] != D:
            raise _shape_error(rung, "real_eigenvalues", real, f"({D}, r)")
        if rung == "rotation":
            worst = max(np.abs(np.abs(lam) - 1).max(initial=0), np.abs(np.abs(real) - 1)
                        .max(initial=0))
            if worst > _TOL:
                raise ModelError(f"rotation: eigenvalues must have modulus 1 (off by {worst:.2e})")
        c, r = lam.shape[1], real.shape[1]
        H = 2 * c + r
        A = np.zeros((D, H, H))
        idx = np.arange(c)
        A[:, 2 * idx, 2 * idx] = lam.real
        A[:, 2 * idx + 1, 2 * idx + 1] = lam.real
        A[:, 2 * idx, 2 * idx + 1] = -lam.imag
        A[:, 2 * idx + 1, 2 * idx] = lam.imag
        ridx = 2 * c + np.arange(r)
        A[:, ridx, ridx] = real
        return A
    lam = params["eigenvalues"]
    if lam.ndim != 2 or lam.shape[0] != D:
        raise _shape_error(rung, "eigenvalues", lam, f"({D}, H)")
    if rung == "sign_diagonal" and not np.all(np.isin(lam, (-1.0, 1.0))):
        raise ModelError("sign_diagonal: eigenvalues must be exactly -1 or +1")
    if rung == "positive_diagonal" and not np.all(lam > 0):
        raise ModelError("positive_diagonal: eigenvalues must be > 0")
    H = lam.shape[1]
    A = np.zeros((D, H, H))
    A[:, np.arange(H), np.arange(H)] = lam
    return A


def diagonal_eigenvalues(rung: str, params: Mapping[str, np.ndarray]
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Float eigenvalues of a diagonal or complex-diagonal model: complex units (D, c) and
    real units (D, r) (c = 0 on the real rungs), whichever schema the parameters use."""
    if "phase_turns" in params:
        n = params["phase_periods"]
        lam = params["complex_moduli"] * np.exp(2j * np.pi * (params["phase_turns"] % n) / n)
        return lam, params["real_eigenvalues"]
    if "complex_eigenvalues" in params:
        return params["complex_eigenvalues"], params["real_eigenvalues"]
    lam = params["eigenvalues"]
    return np.zeros((lam.shape[0], 0), dtype=np.complex128), lam


def parameter_count(rung: str, params: Mapping[str, np.ndarray], hidden: int,
                    n_symbols: int) -> int:
    """Number of real transition parameters on the rung (docs/theory.md §3's column).

    ``full``: H²D; ``cp``: R(2H + D); block rungs: Σ b_i² · D; complex rungs: H·D (two reals
    per complex unit and letter); diagonal rungs: H·D.
    """
    D = n_symbols
    if rung == "full":
        return hidden * hidden * D
    if rung == "cp":
        R = params["U"].shape[1]
        return R * (2 * hidden + D)
    if rung in ("block", "orthogonal_block"):
        return int((params["block_sizes"].astype(int) ** 2).sum()) * D
    return hidden * D


@dataclass(frozen=True, eq=False)
class BilinearModel:
    """A bilinear RNN on one rung of the hierarchy, with readout, validated on construction.

    Parameters
    ----------
    rung
        One of :data:`RUNGS`.
    params
        Native parameters of the rung (see the module docstring); arrays are copied.
    h0
        Initial hidden state (H,), not all zero.
    readout
        ``C`` of shape (Y, H): one row of scores per output label.
    alphabet
        Symbol labels, one per letter (D of them), in the order of the letter axis.
    output_labels
        One label per readout row.
    bias
        Optional (Y,) bias added to the scores. Constructions never use one (a bias breaks
        scale invariance, docs/theory.md §1).
    construction
        Name of the construction that produced the model (free text for user models).
    exact
        JSON-ready exact description used by :func:`automata_bilinear.verify.verify` to prove
        behaviour for all lengths, or None (then only numerical evidence is possible).
    metadata
        Free JSON-ready metadata (automaton name and hash, verification result, …).
    """

    rung: str
    params: Mapping[str, np.ndarray]
    h0: np.ndarray
    readout: np.ndarray
    alphabet: tuple[str, ...]
    output_labels: tuple[OutputLabel, ...]
    bias: np.ndarray | None = None
    construction: str = ""
    exact: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rung not in RUNGS:
            raise ModelError(f"unknown rung {self.rung!r}; valid rungs: {', '.join(RUNGS)}")
        complex_ok = self.rung in ("complex_diagonal", "rotation")
        if not isinstance(self.params, Mapping):
            raise ModelError(f"params must be a mapping of parameter arrays, got "
                             f"{type(self.params).__name__}")
        if self.exact is not None and not isinstance(self.exact, Mapping):
            raise ModelError(f"exact must be a mapping or None, got {type(self.exact).__name__}")
        if not isinstance(self.metadata, Mapping):
            raise ModelError(f"metadata must be a mapping, got {type(self.metadata).__name__}")
        params = {
            k: _as_array(k, v, complex_ok=complex_ok and k == "complex_eigenvalues")
            for k, v in dict(self.params).items()
        }
        if "complex_eigenvalues" in params:
            params["complex_eigenvalues"] = params["complex_eigenvalues"].astype(np.complex128)
        try:
            alphabet = check_symbol_labels(self.alphabet)
            labels = tuple(check_output_label(y, f"output_labels[{i}]")
                           for i, y in enumerate(self.output_labels))
        except AutomatonError as exc:
            raise ModelError(f"model {exc}") from None
        A = materialize_transitions(self.rung, params, len(alphabet))
        H = A.shape[1]
        if H == 0:
            raise ModelError("hidden size H = 0: a model needs at least one hidden unit")
        h0 = _as_array("h0", self.h0)
        if h0.shape != (H,):
            raise ModelError(f"h0 has shape {h0.shape}, expected ({H},)")
        if not np.any(h0):
            raise ModelError("h0 is all zero: a bilinear model without additive term would "
                             "stay at zero forever")
        C = _as_array("readout", self.readout)
        if C.ndim != 2 or C.shape[1] != H:
            raise ModelError(f"readout has shape {C.shape}, expected (Y, {H})")
        if len(labels) != C.shape[0]:
            raise ModelError(f"{len(labels)} output labels for a readout with {C.shape[0]} rows")
        bias = None
        if self.bias is not None:
            bias = _as_array("bias", self.bias)
            if bias.shape != (C.shape[0],):
                raise ModelError(f"bias has shape {bias.shape}, expected ({C.shape[0]},)")
        A.flags.writeable = False
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "readout", C)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "output_labels", labels)
        object.__setattr__(self, "exact", None if self.exact is None else freeze(self.exact))
        object.__setattr__(self, "metadata", freeze(self.metadata))
        object.__setattr__(self, "_transitions", A)

    @property
    def transitions(self) -> np.ndarray:
        """Real per-letter matrices ``A`` of shape (D, H, H) (read-only)."""
        return self._transitions  # type: ignore[attr-defined]

    @cached_property
    def tensor(self) -> np.ndarray:
        """The full bilinear tensor ``W[i, j, k] = A[k, i, j]`` of shape (H, H, D)."""
        return np.ascontiguousarray(np.moveaxis(self.transitions, 0, 2))

    @property
    def hidden_size(self) -> int:
        return int(self.transitions.shape[1])

    @property
    def n_symbols(self) -> int:
        return len(self.alphabet)

    @property
    def parameter_count(self) -> int:
        """Real transition parameters on the rung (see :func:`parameter_count`)."""
        return parameter_count(self.rung, self.params, self.hidden_size, self.n_symbols)

    def scores(self, h: np.ndarray) -> np.ndarray:
        """Readout scores ``C h (+ bias)`` for one or a batch of hidden states (…, H)."""
        s = h @ self.readout.T
        return s + self.bias if self.bias is not None else s

    def __repr__(self) -> str:
        return (f"<BilinearModel {self.rung}: H={self.hidden_size}, D={self.n_symbols}, "
                f"Y={len(self.output_labels)}, {self.construction or 'user model'}>")


def check_model(value: Any, argument: str = "model") -> BilinearModel:
    """Return ``value`` if it is a :class:`BilinearModel`, else refuse naming ``argument``
    (a path gets the hint to load it first).

    Examples
    --------
    >>> check_model("m.npz")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.InvalidArgumentError: model: expected a BilinearModel, got str; ...
    """
    if isinstance(value, BilinearModel):
        return value
    hint = (f"; load it first: ab.load_model({value!r})" if isinstance(value, str) else "")
    raise InvalidArgumentError(
        f"{argument}: expected a BilinearModel, got {type(value).__name__}{hint}")


def stored_exact_form(model: BilinearModel) -> str:
    """How the stored arrays describe the exact model the checker proves: one of the exact
    schemas, or the floats themselves read as exact rationals.

    Examples
    --------
    >>> from automata_bilinear.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> stored_exact_form(compile_bilinear(build("cyclic:5"), "rotation"))
    'exact phases (integer turns and periods)'
    """
    names = set(model.params)
    if set(PHASE_UNITS) <= names:
        return "exact phases (integer turns and periods)"
    if set(PHASE_BLOCKS) <= names:
        return "exact phase blocks (integer turns, reflection bits)"
    if set(QUADRATIC_BLOCKS) <= names:
        return f"exact blocks over Q(√{int(model.params['sqrt_base'])})"
    return "the stored floats, read as exact rationals"
