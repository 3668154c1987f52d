"""Region certificates: an all-length proof for a model with no exact description.

A region certificate (docs/theory.md §13) lists abstract states (nodes), each with an access
word, a centre ``c`` and a radius ``r`` on the unit sphere, and a successor node per letter.
It proves that the exact model the stored arrays define computes the task on every word if

1. node 0's access word is empty and ``h0/‖h0‖`` lies within ``r_0`` of ``c_0``;
2. for every node n and letter σ with successor t: the task's minimal automaton steps the
   state of n's access word by σ to the state of t's access word;
3. every unit ``x`` with ``‖x − c_n‖ ≤ r_n`` has ``A_σ x / ‖A_σ x‖`` within ``r_t`` of ``c_t``;
4. on every such ``x`` the readout's unique argmax is the task's output at n's state.

By induction over the word, the normalised exact state after any word w lies in the region
of a node whose task state is δ(q0, w), so the prediction is f(w). Condition 3 is tested with
``z = A c_n``, ``a = ‖z‖``, ``ẑ = z/a`` and the bound

    ‖A x/‖A x‖ − c_t‖ ≤ ‖ẑ − c_t‖ + g⊥ r_n / (a − ‖A‖ r_n),   g⊥ = ‖(I − ẑẑᵀ) A‖₂,

valid when ``a > ‖A‖ r_n`` (the normalised image is at angle θ from ẑ with
``tan θ ≤ g⊥ r/(a − ‖A‖ r)``, and the chord is at most θ ≤ tan θ). Condition 4 is
``(C_y − C_y')·c_n > ‖C_y − C_y'‖ r_n`` for every other row y'. Every quantity is enclosed
rigorously by :mod:`automata_bilinear.checker.rigorous` (float64 with a-priori error bounds,
rounded outward), so a passing check is a proof about the stored arrays.

The float forward pass (per-step peak normalisation, dense or one-nonzero-per-column
transitions) is proved too when every inequality still holds after adding one step's
rounding error (the matrix-vector product, the cast to float32, the division by the peak)
and the readout's rounding error: then the float state also never leaves the regions.

A **stack** (:class:`~automata_bilinear.stack.StackedModel`) gets one region per layer in
every node. Layer l's label must be unique on its region; at the transition n → t by token σ,
layer 0 reads σ and layer l reads its interface entry at (the labels of t's lower regions, σ)
— the labels after the token, as in the forward pass — and the output table at t's labels
must be the task's output. A single model is the one-layer case.

Nothing in the certificate but the nodes, words, successors, centres and radii is read; the
model comes from the user's file and the task from the user's automaton.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..automata.machine import MooreMachine, check_machine, label_key
from ..automata.minimization import minimize
from ..errors import FormatError, InvalidArgumentError
from ..model import BilinearModel, check_model, model_fingerprint
from ..rungs import Structure, get_rung
from ..rungs.base import (
    CP_FACTORS,
    EXACT_HOUSEHOLDER,
    HOUSEHOLDER_FACTORS,
    PHASE_BLOCKS,
    PHASE_UNITS,
    QUADRATIC_BLOCKS,
)
from ..stack import StackedModel
from .rigorous import (
    UNIT_ROUNDOFF,
    gamma,
    matmul_enclosure,
    matvec_enclosure,
    norm_lower,
    norm_upper,
    power_of_two_peak,
    round_down,
    round_up,
    spectral_norm_upper,
)

__all__ = [
    "FLOAT_UNITS",
    "LayeredView",
    "RegionCertificate",
    "RegionCheck",
    "check_region_certificate",
    "fingerprint",
    "float_engine_covered",
    "layered_view",
    "stored_matrices",
]

FLOAT_UNITS = {"float64": 2.0 ** -53, "float32": 2.0 ** -24}
_UNDERFLOW = {"float64": 2.0 ** -1000, "float32": 2.0 ** -120}


@dataclass(frozen=True, eq=False)
class RegionCertificate:
    """Abstract states with regions on the unit sphere, one per layer; see the module
    docstring.

    Attributes
    ----------
    alphabet
        The model's letters (tokens), in the order of the successor columns.
    words
        One access word per node (tuples of letters); node 0's is empty.
    successors
        (N, D) node indices.
    centres
        One (N, H_l) float64 array per layer (one array for a single model).
    radii
        (N, L) float64 radii, column l for layer l.
    model_fingerprint
        :func:`model_fingerprint` of the model it is about.
    tolerance
        The merge tolerance of the extraction that produced it (informational).
    """

    alphabet: tuple[str, ...]
    words: tuple[tuple[str, ...], ...]
    successors: np.ndarray
    centres: tuple[np.ndarray, ...]
    radii: np.ndarray
    model_fingerprint: str
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        succ = np.array(self.successors, dtype=np.int64, copy=True)
        given = self.centres
        if isinstance(given, np.ndarray) and given.ndim == 2:
            given = (given,)  # a single model's (N, H) array
        centres = tuple(np.array(c, dtype=np.float64, copy=True) for c in given)
        radii = np.array(self.radii, dtype=np.float64, copy=True)
        n = len(self.words)
        if radii.ndim == 1:
            radii = radii[:, None]
        if n == 0:
            raise InvalidArgumentError("a region certificate needs at least one node")
        if succ.shape != (n, len(self.alphabet)):
            raise InvalidArgumentError(f"successors have shape {succ.shape}, expected "
                                       f"({n}, {len(self.alphabet)})")
        if succ.size and (succ.min() < 0 or succ.max() >= n):
            raise InvalidArgumentError("a successor index is not a node")
        if not centres or any(c.ndim != 2 or c.shape[0] != n for c in centres) or \
                radii.shape != (n, len(centres)):
            raise InvalidArgumentError(f"centres {[c.shape for c in centres]} / radii "
                                       f"{radii.shape} do not match {n} nodes")
        if not (all(np.all(np.isfinite(c)) for c in centres) and np.all(np.isfinite(radii))
                and np.all(radii >= 0)):
            raise InvalidArgumentError("centres and radii must be finite, radii ≥ 0")
        for arr in (succ, radii, *centres):
            arr.flags.writeable = False
        object.__setattr__(self, "successors", succ)
        object.__setattr__(self, "centres", centres)
        object.__setattr__(self, "radii", radii)
        object.__setattr__(self, "words", tuple(tuple(str(s) for s in w) for w in self.words))
        object.__setattr__(self, "alphabet", tuple(str(s) for s in self.alphabet))

    @property
    def n_nodes(self) -> int:
        return len(self.words)

    @property
    def n_layers(self) -> int:
        return len(self.centres)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data (floats written with ``repr``, which round-trips exactly)."""
        return {
            "model_fingerprint": self.model_fingerprint, "tolerance": self.tolerance,
            "alphabet": list(self.alphabet),
            "nodes": [{"word": list(w), "successors": self.successors[i].tolist(),
                       "regions": [{"centre": c[i].tolist(), "radius": float(self.radii[i, li])}
                                   for li, c in enumerate(self.centres)]}
                      for i, w in enumerate(self.words)],
        }

    @staticmethod
    def from_json(data: Any, *, source: str = "region certificate") -> RegionCertificate:
        """Parse :meth:`to_json` output; malformed data raises ``FormatError``."""
        try:
            if not isinstance(data, dict):
                raise TypeError("not an object")
            unknown = sorted(set(data) - {"model_fingerprint", "tolerance", "alphabet",
                                          "nodes"})
            if unknown:
                raise TypeError(f"unknown field(s) {', '.join(unknown)}")
            nodes = data["nodes"]
            if not isinstance(nodes, list) or not nodes:
                raise TypeError("'nodes' must be a non-empty list")
            layers = None
            for node in nodes:
                if not isinstance(node, dict) or set(node) != {"word", "successors", "regions"}:
                    raise TypeError("each node needs exactly word, successors, regions")
                if not isinstance(node["word"], list) or not all(
                        isinstance(s, str) for s in node["word"]):
                    raise TypeError("words are lists of letter strings")
                if not isinstance(node["successors"], list) or not all(
                        isinstance(v, int) and not isinstance(v, bool)
                        for v in node["successors"]):
                    raise TypeError("successors are node indices")
                regions = node["regions"]
                if not isinstance(regions, list) or not regions or (
                        layers is not None and len(regions) != layers):
                    raise TypeError("every node needs the same number of regions (≥ 1)")
                layers = len(regions)
                for reg in regions:
                    if not isinstance(reg, dict) or set(reg) != {"centre", "radius"} or \
                            not isinstance(reg["centre"], list):
                        raise TypeError("a region is {centre: [numbers], radius: number}")
                    if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in [reg["radius"], *reg["centre"]]):
                        raise TypeError("centres and radii are numbers")
            if not isinstance(data["model_fingerprint"], str):
                raise TypeError("'model_fingerprint' must be a string")
            tol = data.get("tolerance", 0.0)
            if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
                raise TypeError("'tolerance' must be a number ≥ 0")
            widths = {len(reg["centre"]) for n in nodes for reg in n["regions"][:1]}
            if layers == 1 and len(widths) > 1:
                raise TypeError(f"centres have different lengths {sorted(widths)}")
            assert layers is not None
            return RegionCertificate(
                alphabet=tuple(data["alphabet"]),
                words=tuple(tuple(n["word"]) for n in nodes),
                successors=np.array([n["successors"] for n in nodes], dtype=np.int64),
                centres=tuple(np.array([n["regions"][li]["centre"] for n in nodes],
                                       dtype=np.float64) for li in range(layers)),
                radii=np.array([[r["radius"] for r in n["regions"]] for n in nodes],
                               dtype=np.float64),
                model_fingerprint=data["model_fingerprint"], tolerance=float(tol))
        except (KeyError, TypeError, ValueError, OverflowError, InvalidArgumentError) as exc:
            raise FormatError(f"{source}: malformed region certificate ({exc})") from None


@dataclass(frozen=True)
class RegionCheck:
    """Outcome of :func:`check_region_certificate`.

    ``ok``: the exact model is proved for all lengths. ``float_proved``: the dtypes whose
    forward pass is proved as well. ``least_slack``: the least ``r_t − bound`` over the
    transitions; ``least_margin``: the least guaranteed score gap over the regions.
    """

    ok: bool
    reason: str
    float_proved: tuple[str, ...] = ()
    least_slack: float | None = None
    least_margin: float | None = None
    float_notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def float_engine_covered(model: BilinearModel) -> bool:
    """The forward pass of this model computes each new state as one inner product per
    entry (dense matrices or one nonzero per column) followed by a peak normalisation, so
    the rounding bound of the float claim applies to it."""
    structure = get_rung(model.rung).structure
    return (not model.acts_diagonally and structure is not Structure.REFLECTIONS)


def stored_matrices(model: BilinearModel) -> tuple[np.ndarray, np.ndarray] | str:
    """The exact transition matrices of the stored arrays, enclosed: ``(A, R)`` with
    ``|A*_σ − A_σ| ≤ R_σ`` entrywise for the exact matrices ``A*`` the arrays define.

    Stored entries (full, block, diagonal, complex units from real and imaginary parts, pd)
    are exact copies (R = 0). CP products ``U diag(d_σ) Vᵀ`` and Householder products
    ``Π (I − β v vᵀ/vᵀv)`` of float vectors are enclosed with rounding bounds. Exact schemas
    (integer phases, Q(√d) blocks, number-field vectors) return a reason instead: their
    float matrices are roundings, and the exact checker proves such models directly.
    """
    names = set(model.params)
    for schema, what in ((PHASE_UNITS, "integer phases"), (PHASE_BLOCKS, "phase blocks"),
                         (QUADRATIC_BLOCKS, "blocks over Q(√d)"),
                         (EXACT_HOUSEHOLDER, "vectors over a number field")):
        if set(schema) <= names:
            return (f"the model is stored in an exact form ({what}); the exact checker "
                    "proves it (`verify`), region certificates are for stored float entries")
    u = UNIT_ROUNDOFF
    if set(CP_FACTORS) <= names:
        U, V, d = (model.params[k] for k in CP_FACTORS)
        mids, rads = [], []
        for k in range(model.n_symbols):
            UD = U * d[k]
            UD_rad = round_up(np.abs(UD) * u)
            mid, rad = matmul_enclosure(UD, V.T, A_radius=UD_rad)
            mids.append(mid)
            rads.append(rad)
        return np.stack(mids), np.stack(rads)
    if set(HOUSEHOLDER_FACTORS) <= names:
        vectors, betas = model.params["vectors"], model.params["betas"]
        D, n, H = vectors.shape
        x = vectors / power_of_two_peak(vectors, axis=-1)  # exact
        s = np.einsum("dnh,dnh->dn", x, x)  # relative error ≤ γ_H
        rel = 4 * u + gamma(H + 1)
        A = np.broadcast_to(np.eye(H), (D, H, H)).copy()
        R = np.zeros((D, H, H))
        for i in range(n):
            t = (betas[:, i, None, None] * x[:, i, :, None] * x[:, i, None, :]) \
                / s[:, i, None, None]
            F = np.eye(H)[None] - t
            F_rad = round_up(np.abs(t) * rel + np.abs(F) * u)
            mids, rads = [], []
            for k in range(D):  # A ← F_i A: factor i acts after factors < i
                mid, rad = matmul_enclosure(F[k], A[k], F_rad[k], R[k])
                mids.append(mid)
                rads.append(rad)
            A, R = np.stack(mids), np.stack(rads)
        return A, R
    A = model.transitions
    return A, np.zeros_like(A)


def _in_normal_range(arrays: Sequence[np.ndarray], H: int, dt: str) -> bool:
    """Every nonzero entry is a normal number of ``dt`` and no product-sum of H of them with
    entries ≤ 1 can overflow: then the cast and the rounding bounds hold as stated."""
    info = np.finfo(dt)
    for arr in arrays:
        mag = np.abs(arr[arr != 0])
        if mag.size and (mag.min() < info.tiny or mag.max() > float(info.max) / (8.0 * H)):
            return False
    return True


def _fail(reason: str) -> RegionCheck:
    return RegionCheck(False, reason)


@dataclass(frozen=True)
class LayeredView:
    """A model as a stack: its layers (bottom first), the interfaces (letter of layer l from
    the lower labels after the token and the token), the output table over the layers'
    labels, and the output labels. A single model is one layer with the identity table."""

    layers: tuple[BilinearModel, ...]
    interfaces: tuple[np.ndarray, ...]
    output: np.ndarray
    output_labels: tuple[Any, ...]
    alphabet: tuple[str, ...]


def layered_view(model: BilinearModel | StackedModel) -> LayeredView:
    """The :class:`LayeredView` of a model or a stack.

    Examples
    --------
    >>> from automata_bilinear.catalog.specs import build
    >>> from automata_bilinear.compilation import compile_bilinear
    >>> view = layered_view(compile_bilinear(build("parity"), "sign_diagonal"))
    >>> len(view.layers), view.output.tolist()
    (1, [0, 1])
    """
    if isinstance(model, StackedModel):
        return LayeredView(model.layers, model.interfaces, model.output, model.output_labels,
                           model.alphabet)
    model = check_model(model, "model")
    return LayeredView((model,), (), np.arange(len(model.output_labels)), model.output_labels,
                       model.alphabet)


def fingerprint(model: BilinearModel | StackedModel) -> str:
    """:func:`~automata_bilinear.model.model_fingerprint`, extended to stacks (the layers'
    fingerprints, the interface and output tables, the labels)."""
    if not isinstance(model, StackedModel):
        return model_fingerprint(model)
    digest = hashlib.sha256()
    for layer in model.layers:
        digest.update(model_fingerprint(layer).encode())
    for arr in (*model.interfaces, model.output):
        a = np.ascontiguousarray(arr, dtype=np.int64)
        digest.update(f"{a.shape}".encode())
        digest.update(a.tobytes())
    digest.update(repr([list(model.alphabet), [repr(y) for y in model.output_labels]]).encode())
    return digest.hexdigest()


def _task_states(cert: RegionCertificate, view: LayeredView, task: MooreMachine
                 ) -> np.ndarray | str:
    """The task state of every node (by its access word), or why the certificate's words
    and successors do not fit the task."""
    if set(cert.alphabet) != set(view.alphabet) or len(cert.alphabet) != len(view.alphabet):
        return "the certificate's alphabet differs from the model's"
    if set(task.alphabet) != set(view.alphabet):
        return "the task's alphabet differs from the model's"
    if cert.words[0]:
        return "node 0 must be reached by the empty word"
    symbol = {s: i for i, s in enumerate(task.alphabet)}
    states = np.empty(cert.n_nodes, dtype=np.int64)
    for i, w in enumerate(cert.words):
        q = task.start
        for s in w:
            if s not in symbol:
                return f"node {i}: access word uses {s!r}, not a letter of the task"
            q = int(task.transitions[q, symbol[s]])
        states[i] = q
    column = [symbol[s] for s in cert.alphabet]
    for i in range(cert.n_nodes):
        for j, col in enumerate(column):
            if task.transitions[states[i], col] != states[cert.successors[i, j]]:
                return (f"node {i} --{cert.alphabet[j]}--> node {cert.successors[i, j]}: the "
                        "task's automaton does not make this step")
    return states


def _direction(v: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``(w, dev, low)``: a float unit vector ``w`` within ``dev`` of ``v*/‖v*‖`` for every
    ``v*`` within ``radius`` of ``v``, and a lower bound ``low`` of ``‖v*‖``."""
    low = norm_lower(v, radius)
    if low <= 0.0:
        return v, math.inf, 0.0
    scaled = v / _exact_power_of_two_scale(v)  # exact: the same direction, no underflow
    w = scaled / float(np.linalg.norm(scaled))
    err = norm_upper(radius) if np.any(radius) else 0.0
    dev = float(round_up(round_up(2.0 * err / low) + gamma(v.size + 3)))
    return w, dev, low


def _distance_upper(w: np.ndarray, c: np.ndarray) -> float:
    d = w - c
    return norm_upper(d, np.abs(d) * 2.0 ** -52)


def _gains(A: np.ndarray, A_rad: np.ndarray, w: np.ndarray, dev: float, a_norm: float,
           cheap: bool) -> float:
    """Upper bound of ``‖(I − ẑẑᵀ) A*‖₂`` for the exact ``ẑ`` within ``dev`` of ``w`` and
    every ``A*`` within ``A_rad`` of ``A``."""
    v, ev = matvec_enclosure(A.T, w, A_radius=A_rad.T)
    M = A - np.outer(w, v)
    R = round_up(np.outer(np.abs(w), ev) * (1 + 2.0 ** -51)
                 + 3 * 2.0 ** -53 * (np.outer(np.abs(w), np.abs(v)) + np.abs(A)) + A_rad)
    frob = norm_upper(M, R)
    if cheap:
        bound = frob
    else:
        bound = min(frob, spectral_norm_upper(M, R))
    correction = round_up(dev * round_up(1.0 + norm_upper(w)) * a_norm)
    return float(round_up(bound + correction))


@dataclass(frozen=True)
class _LetterBounds:
    """Rigorous bounds of one letter's exact matrix A*: ``‖A*‖₂``, ``‖|A*|‖_F`` (bounds
    ``‖|A*|‖₂``) and ``‖A* − A‖_F`` (the floats the forward pass multiplies with)."""

    spectral: float
    absolute: float
    rounding: float


def _letter_bounds(A: np.ndarray, A_rad: np.ndarray) -> _LetterBounds:
    rad = A_rad if np.any(A_rad) else None
    return _LetterBounds(spectral_norm_upper(A, rad), norm_upper(np.abs(A) + A_rad),
                         norm_upper(A_rad) if rad is not None else 0.0)


def _readout_gap(C: np.ndarray, y: int, k: int, c: np.ndarray, r: float) -> float:
    """A lower bound of ``(C_y − C_k)·x`` over every x with ``‖x − c‖ ≤ r``."""
    d = C[y] - C[k]
    d_rad = np.abs(d) * 2.0 ** -52  # the rounding of the subtraction
    s, es = matvec_enclosure(d[None, :], c)
    es = es + round_up(d_rad @ np.abs(c))
    return float(round_down(s[0] - es[0] - round_up(norm_upper(d, d_rad) * r)))


def _float_readout_error(row_norms: np.ndarray, y: int, k: int, H: int, dt: str) -> float:
    """The scores' rounding in ``dt`` relative to ‖x̃‖ (the cast of C included)."""
    u = FLOAT_UNITS[dt]
    return float((u + gamma(H + 1, u)) * 2 * (row_norms[y] + row_norms[k]))


def _image_bound(A: np.ndarray, A_rad: np.ndarray, bounds: _LetterBounds, c: np.ndarray,
                 r: float, c_t: np.ndarray, r_t: float, room: Callable[[float], float]
                 ) -> tuple[float, float]:
    """``(bound, denominator)``: every unit x within r of c has ``A* x/‖A* x‖`` within
    ``bound`` of ``c_t`` (module docstring), and ``denominator`` lower-bounds
    ``‖A* x‖`` for them; ``bound = inf`` when the region may reach a zero of A*. The cheap
    (Frobenius) gain is tried first, the Gram-power bound only when the cheap bound misses
    ``r_t − room(denominator)`` (the room the float claims need)."""
    z, ez = matvec_enclosure(A, c, A_radius=A_rad if np.any(A_rad) else None)
    w, dev, a_low = _direction(z, ez)
    denominator = float(round_down(a_low - round_up(bounds.spectral * r)))
    if not denominator > 0:
        return math.inf, denominator
    wanted = r_t - room(denominator)
    dist = float(round_up(_distance_upper(w, c_t) + dev))
    bound = math.inf
    for cheap in (True, False):
        g = _gains(A, A_rad, w, dev, bounds.spectral, cheap)
        bound = min(bound, float(round_up(dist + round_up(round_up(g * r) / denominator))))
        if bound < wanted:
            break
    return bound, denominator


def _float_step_deviation(bounds: _LetterBounds, denominator: float, H: int, dt: str,
                          scale: float = 1.0) -> float:
    """How far one ``dt`` step (product, cast, division by the peak) can move the direction
    of a state whose exact image has norm at least ``denominator`` (relative to ‖x̃‖), for a
    letter whose matrix the check divided by the exact power of two ``scale`` (the
    underflow term is absolute, so it is charged at the true scale)."""
    u = FLOAT_UNITS[dt]
    step_err = round_up((u + gamma(H + 1, u) * (1 + u)) * bounds.absolute + bounds.rounding)
    return float(round_up(2 * step_err / denominator + 2 * u
                          + _UNDERFLOW[dt] * math.sqrt(H) / (denominator * scale)))


def _exact_power_of_two_scale(arr: np.ndarray) -> float:
    """1 for ordinary magnitudes; otherwise the exact power of two near max |arr|, so that
    dividing by it (exactly) keeps 1e-200 or 1e200 entries from under- or overflowing in
    the bounds. Every inequality of the check is invariant under such a scaling of one
    letter's matrix (directions) or of the readout (argmax)."""
    peak = float(np.max(np.abs(arr))) if arr.size else 0.0
    return 1.0 if 2.0 ** -200 <= peak <= 2.0 ** 200 else float(power_of_two_peak(arr))


def check_region_certificate(cert: RegionCertificate, model: BilinearModel | StackedModel,
                             task: MooreMachine, *,
                             float_dtypes: Sequence[str] = ("float64", "float32"),
                             ) -> RegionCheck:
    """Re-check a region certificate against a model (or a stack) and a task, rigorously.

    Parameters
    ----------
    cert
        The certificate (from :func:`automata_bilinear.certify.certify` or a file).
    model
        The model or stack the certificate is about (its stored arrays are what is proved).
    task
        Any automaton for the task; it is minimised first (outputs only depend on it).
    float_dtypes
        Forward-pass dtypes whose all-length claim is also checked.

    Returns
    -------
    RegionCheck
        ``ok`` when every condition of the module docstring holds with rigorous bounds.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import last_letters
    >>> from automata_bilinear.certify import certify
    >>> from automata_bilinear.constructions.shift_register import perturb, shift_register_model
    >>> model = perturb(shift_register_model(1, 3, hidden=8), 1e-3)
    >>> cert = certify(model, last_letters(1, 3)).certificate
    >>> check_region_certificate(cert, model, last_letters(1, 3)).ok
    True
    """
    if not isinstance(cert, RegionCertificate):
        raise InvalidArgumentError(f"cert: expected a RegionCertificate, got "
                                   f"{type(cert).__name__}")
    view = layered_view(model)
    task = minimize(check_machine(task, "task")).machine
    for dt in float_dtypes:
        if dt not in FLOAT_UNITS:
            raise InvalidArgumentError(f"float_dtypes: unknown dtype {dt!r}; valid: "
                                       f"{sorted(FLOAT_UNITS)}")
    if cert.model_fingerprint != fingerprint(model):
        return _fail("the certificate is about a different model (fingerprints differ)")
    if cert.n_layers != len(view.layers):
        return _fail(f"the certificate has {cert.n_layers} region(s) per node; the model has "
                     f"{len(view.layers)} layer(s)")
    for li, layer in enumerate(view.layers):
        if layer.bias is not None and np.any(layer.bias):
            return _fail(f"layer {li}'s readout has a bias: normalised regions say nothing "
                         "about the scores (a bias breaks scale invariance)")
        if cert.centres[li].shape[1] != layer.hidden_size:
            return _fail(f"layer {li}: centres have {cert.centres[li].shape[1]} entries, the "
                         f"layer has H = {layer.hidden_size}")
    states = _task_states(cert, view, task)
    if isinstance(states, str):
        return _fail(states)
    stored = []
    for layer in view.layers:
        found = stored_matrices(layer)
        if isinstance(found, str):
            return _fail(found)
        stored.append(found)
    covered = all(float_engine_covered(layer) for layer in view.layers)
    dtypes = tuple(float_dtypes) if covered else ()
    notes = () if covered or not float_dtypes else (
        "a letter-count or reflection forward pass is not covered by the rounding bound; "
        "only the exact model is proved",)
    in_range = tuple(dt for dt in dtypes if all(
        _in_normal_range((A + R, layer.readout, layer.h0), layer.hidden_size, dt)
        for layer, (A, R) in zip(view.layers, stored)))
    notes += tuple(f"{dt}: some weights are outside {dt}'s normal range (casts or products "
                   "may underflow or overflow); the float pass is not claimed"
                   for dt in dtypes if dt not in in_range)
    dtypes = in_range
    float_ok = {dt: True for dt in dtypes}
    scales = []  # per layer and letter, an exact power of two (1 for ordinary weights)
    for li, (A, R) in enumerate(stored):
        sc = np.array([_exact_power_of_two_scale(A[a] + R[a]) for a in range(A.shape[0])])
        stored[li] = (A / sc[:, None, None], R / sc[:, None, None])
        scales.append(sc)
    # 1. h0 in node 0's regions (the float run starts from the cast, peak-normalised h0)
    for li, layer in enumerate(view.layers):
        H = layer.hidden_size
        w0, dev0, _ = _direction(layer.h0 / _exact_power_of_two_scale(layer.h0), np.zeros(H))
        d0 = float(round_up(_distance_upper(w0, cert.centres[li][0]) + dev0))
        if not d0 < cert.radii[0, li]:
            return _fail(f"layer {li}: h0/‖h0‖ is {d0:.3g} from node 0's centre, radius "
                         f"{cert.radii[0, li]:.3g}")
        for dt in dtypes:
            if not d0 + 4 * FLOAT_UNITS[dt] * (1 + math.sqrt(H)) < cert.radii[0, li]:
                float_ok[dt] = False
    # 4. each layer's label is unique on its region, and the output table is the task's
    labels = np.empty((cert.n_nodes, len(view.layers)), dtype=np.int64)
    least_margin = math.inf
    for li, layer in enumerate(view.layers):
        C, H = layer.readout / _exact_power_of_two_scale(layer.readout), layer.hidden_size
        row_norms = np.array([norm_upper(C[k]) for k in range(C.shape[0])])
        for i in range(cert.n_nodes):
            y = int(np.argmax(C @ cert.centres[li][i]))  # the candidate; gaps decide
            labels[i, li] = y
            for k in (k for k in range(C.shape[0]) if k != y):
                gap = _readout_gap(C, y, k, cert.centres[li][i], float(cert.radii[i, li]))
                least_margin = min(least_margin, gap)
                if not gap > 0:
                    return _fail(f"node {i}{_layer_text(view, li)}: the readout rows "
                                 f"{layer.output_labels[y]!r} and {layer.output_labels[k]!r} "
                                 f"may tie within the region (guaranteed gap {gap:.3g})")
                for dt in dtypes:
                    if not gap > _float_readout_error(row_norms, y, k, H, dt):
                        float_ok[dt] = False
    for i in range(cert.n_nodes):
        got = view.output_labels[int(view.output[tuple(labels[i])])]
        want = task.outputs[int(states[i])]
        if label_key(got) != label_key(want):
            return _fail(f"node {i}: the model outputs {got!r} on the region, the task "
                         f"{want!r}")
    # 3. every token maps each node's regions into its successor's regions
    tokens = [view.alphabet.index(s) for s in cert.alphabet]
    bounds = [[_letter_bounds(A[a], R[a]) for a in range(layer.n_symbols)]
              for layer, (A, R) in zip(view.layers, stored)]
    least_slack = math.inf
    for i in range(cert.n_nodes):
        for j, token in enumerate(tokens):
            t = int(cert.successors[i, j])
            for li, (layer, (A_all, R_all)) in enumerate(zip(view.layers, stored)):
                a = token if li == 0 else int(view.interfaces[li - 1][(*labels[t, :li], token)])
                H = layer.hidden_size
                r_t = float(cert.radii[t, li])
                b = bounds[li][a]

                scale = float(scales[li][a])

                def room(denominator: float, b: _LetterBounds = b, H: int = H,
                         scale: float = scale) -> float:
                    return max((_float_step_deviation(b, denominator, H, dt, scale)
                                for dt in dtypes), default=0.0)

                bound, denominator = _image_bound(A_all[a], R_all[a], b, cert.centres[li][i],
                                                  float(cert.radii[i, li]), cert.centres[li][t],
                                                  r_t, room)
                where = f"node {i}{_layer_text(view, li)}, token {cert.alphabet[j]!r}"
                if not denominator > 0:
                    return _fail(f"{where}: the region may contain a state the letter sends "
                                 "(nearly) to zero")
                least_slack = min(least_slack, r_t - bound)
                if not bound < r_t:
                    return _fail(f"{where}: the image of the region reaches {bound:.6g} from "
                                 f"node {t}'s centre, radius {r_t:.6g}")
                for dt in dtypes:
                    if not bound + _float_step_deviation(b, denominator, H, dt,
                                                         scale) < r_t:
                        float_ok[dt] = False
    proved = tuple(dt for dt in dtypes if float_ok[dt])
    extra = tuple(f"{dt}: the regions do not absorb one step's rounding error"
                  for dt in dtypes if not float_ok[dt])
    per_layer = "" if len(view.layers) == 1 else f" ({len(view.layers)} layers each)"
    return RegionCheck(True, f"{cert.n_nodes} regions{per_layer} map into each other under "
                             "every token and fix the readout (rigorous float64 enclosures)",
                       proved, least_slack, least_margin, notes + extra)


def _layer_text(view: LayeredView, li: int) -> str:
    return "" if len(view.layers) == 1 else f", layer {li}"
