"""Bilinear models: native parameters of one rung, an initial state and a readout, validated.

A bilinear model over alphabet Σ (``D = |Σ|``) with hidden size ``H`` updates
``h_t = A_{x_t} h_{t-1}`` from a fixed ``h_0 ≠ 0`` and predicts the unique argmax of
``C h_t (+ bias)`` (docs/theory.md §1). The full tensor is ``W[i, j, k] = A[k, i, j]``.

Native parameters per rung (docs/theory.md §3), all float arrays; each rung's module in
:mod:`automata_bilinear.rungs` holds its forms and constraints:

=====================  =============================================================
rung                   native parameters (``A_σ`` in terms of them)
=====================  =============================================================
``full``               ``W`` (H, H, D)
``pd``                 ``index`` (D, H) integers, ``scale`` (D, H) nonzero:
                       ``A_σ[index[σ, j], j] = scale[σ, j]`` (stored sparsely)
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
stored with them is a finite object whose proof (:mod:`automata_bilinear.checker.proof`) is about
exactly what the file holds, while ``transitions`` holds the rounded matrices used by the
floating-point forward pass.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from .automata.machine import OutputLabel, check_output_label, check_symbol_labels
from .errors import AutomatonError, InvalidArgumentError, ModelError
from .frozen import freeze
from .rungs import RUNGS, Structure, get_rung
from .rungs.base import (
    EXACT_HOUSEHOLDER,
    HOUSEHOLDER_FACTORS,
    MONOMIAL_FACTORS,
    PHASE_BLOCKS,
    PHASE_UNITS,
    QUADRATIC_BLOCKS,
)

__all__ = [
    "RUNGS",
    "BilinearModel",
    "ModelError",
    "check_model",
    "materialize_transitions",
    "model_fingerprint",
    "parameter_count",
    "stored_exact_form",
]


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


def materialize_transitions(rung: str, params: Mapping[str, np.ndarray], n_symbols: int
                            ) -> np.ndarray:
    """Real per-letter transition matrices ``A`` of shape (D, H, H) from native parameters.

    Validates shapes and the rung's constraints (orthogonality, unit modulus, signs,
    positivity) and raises :class:`ModelError` naming the offending parameter; the rung's
    description (:mod:`automata_bilinear.rungs`) holds the rules.
    """
    return get_rung(rung).materialize(params, n_symbols)


def parameter_count(rung: str, params: Mapping[str, np.ndarray], hidden: int,
                    n_symbols: int) -> int:
    """Number of real transition parameters on the rung (docs/theory.md §3's column).

    ``full``: H²D; ``cp``: R(2H + D); block rungs: Σ b_i² · D; complex rungs: H·D (two reals
    per complex unit and letter); diagonal rungs: H·D.
    """
    return get_rung(rung).count(params, hidden, n_symbols)


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
        JSON-ready description a construction records of its exact dynamics, or None.
        Informational only: the checker proves the stored arrays and never reads it.
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
        rung = get_rung(self.rung)
        if not isinstance(self.params, Mapping):
            raise ModelError(f"params must be a mapping of parameter arrays, got "
                             f"{type(self.params).__name__}")
        if self.exact is not None and not isinstance(self.exact, Mapping):
            raise ModelError(f"exact must be a mapping or None, got {type(self.exact).__name__}")
        if not isinstance(self.metadata, Mapping):
            raise ModelError(f"metadata must be a mapping, got {type(self.metadata).__name__}")
        params = {
            k: _as_array(k, v, complex_ok=k in rung.complex_parameters)
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
        if rung.validate is not None:  # sparse storage: A is built only when asked for
            A, H = None, rung.check_sparse(params, len(alphabet))
        else:
            A = rung.materialize(params, len(alphabet))
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
        if A is not None:
            A.flags.writeable = False
        object.__setattr__(self, "params", MappingProxyType(params))
        object.__setattr__(self, "h0", h0)
        object.__setattr__(self, "readout", C)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "alphabet", alphabet)
        object.__setattr__(self, "output_labels", labels)
        object.__setattr__(self, "exact", None if self.exact is None else freeze(self.exact))
        object.__setattr__(self, "metadata", freeze(self.metadata))
        object.__setattr__(self, "_transitions", A)
        object.__setattr__(self, "_hidden", int(H))

    @property
    def transitions(self) -> np.ndarray:
        """Real per-letter matrices ``A`` of shape (D, H, H) (read-only); for sparsely stored
        rungs (``pd``) built on first access, within the memory budget."""
        A = self._transitions  # type: ignore[attr-defined]
        if A is None:
            A = get_rung(self.rung).materialize(self.params, self.n_symbols)
            A.flags.writeable = False
            object.__setattr__(self, "_transitions", A)
        return A

    @cached_property
    def tensor(self) -> np.ndarray:
        """The full bilinear tensor ``W[i, j, k] = A[k, i, j]`` of shape (H, H, D)."""
        W = np.ascontiguousarray(np.moveaxis(self.transitions, 0, 2))
        W.flags.writeable = False
        return W

    @property
    def hidden_size(self) -> int:
        return self._hidden  # type: ignore[attr-defined]

    @cached_property
    def acts_diagonally(self) -> bool:
        """Every matrix is (block-)diagonal in the stored basis: a diagonal rung, or a ``pd``
        model whose unit map is the identity (then its scales are the eigenvalues). Such
        models run on the letter-count engine and get its rounding-error bound."""
        structure = get_rung(self.rung).structure
        if structure.diagonal:
            return True
        if structure is Structure.MONOMIAL:
            index = self.params["index"]
            return bool(np.array_equal(index, np.broadcast_to(np.arange(self.hidden_size),
                                                              index.shape)))
        return False

    @property
    def n_symbols(self) -> int:
        return len(self.alphabet)

    @property
    def parameter_count(self) -> int:
        """Real transition parameters on the rung (see :func:`parameter_count`)."""
        return get_rung(self.rung).count(self.params, self.hidden_size, self.n_symbols)

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
    >>> from automata_bilinear.catalog.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> stored_exact_form(compile_bilinear(build("cyclic:5"), "rotation"))
    'exact phases (integer turns and periods)'
    """
    names = set(model.params)
    if set(PHASE_UNITS) <= names:
        return "exact phases (integer turns and periods)"
    if set(PHASE_BLOCKS) <= names:
        return "exact phase blocks (integer turns, reflection bits)"
    if set(MONOMIAL_FACTORS) <= names:
        return "the stored index and scale arrays (scales read as exact rationals)"
    if set(QUADRATIC_BLOCKS) <= names:
        return f"exact blocks over Q(√{int(model.params['sqrt_base'])})"
    if set(EXACT_HOUSEHOLDER) <= names:
        coeffs = [int(c) for c in model.params["field_polynomial"]]
        return (f"exact Householder vectors over Q(θ), θ a root of the polynomial with "
                f"coefficients {coeffs} (lowest degree first)")
    if set(HOUSEHOLDER_FACTORS) <= names:
        return "the stored factor vectors and betas, read as exact rationals"
    return "the stored floats, read as exact rationals"


def model_fingerprint(model: BilinearModel) -> str:
    """SHA-256 of everything that defines the model's behaviour: rung, parameter arrays
    (names, dtypes, shapes, bytes), ``h0``, readout, bias, alphabet and output labels.

    A region certificate records it so that checking it against another model fails with a
    clear message (the check itself never relies on it).

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> m = compile_bilinear(build("parity"), "sign_diagonal")
    >>> model_fingerprint(m) == model_fingerprint(compile_bilinear(build("parity"),
    ...                                                            "sign_diagonal"))
    True
    """
    model = check_model(model, "model")
    digest = hashlib.sha256()
    head = {"rung": model.rung, "alphabet": list(model.alphabet),
            "labels": [repr(y) for y in model.output_labels],
            "params": sorted(model.params), "bias": model.bias is not None}
    digest.update(json.dumps(head, sort_keys=True).encode())
    arrays = [model.params[k] for k in sorted(model.params)] + [model.h0, model.readout]
    if model.bias is not None:
        arrays.append(model.bias)
    for arr in arrays:
        a = np.ascontiguousarray(arr)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()
