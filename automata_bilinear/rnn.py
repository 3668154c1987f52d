"""The thin NumPy bilinear RNN: fast forward passes on every rung, with normalisation.

``h_t = A_{x_t} h_{t-1}`` from ``h_0``; prediction = argmax of ``C h_t (+ bias)``. With no
additive term and no bias, rescaling ``h`` by a positive number changes no prediction
(docs/theory.md §1), so the forward pass divides ``h`` by its largest entry every step and tracks
``log‖h‖_∞`` separately. Outputs are indexed by the number of tokens read: position 0 is
``h_0`` (the empty prefix), like the automaton's runs.

Four engines, chosen by the rung's structure (:mod:`automata_bilinear.rungs`):

- matrices (``full``, ``block``, ``orthogonal_block``, ``cp``, or any (D, H, H) array): one
  loop over time; at each step the batch is sorted by token and each token's rows are
  multiplied by ``A_σ`` in one matrix product (no per-sequence loop);
- diagonal (``real``/``sign``/``positive``/``complex`` diagonal, ``rotation``): diagonal
  matrices commute, so the state depends only on the letter counts. The final state is
  ``counts @ per-letter logs`` (log-magnitudes, signs/phases, zero flags) with no loop over
  time; per-step outputs are runs of multiplications ``h ⊙ λ_x`` between exact anchors
  recomputed from the counts every ``chunk`` steps (:func:`product_run_length`), on
  blocks of sequences spread over threads. Each run is one compiled loop per sequence and
  step (:mod:`automata_bilinear.diagonal_kernels`, numba); without numba, or with
  ``AUTOMATA_BILINEAR_NO_JIT=1``, the same runs are NumPy passes over cache-sized blocks;
- gather-and-add (``pd``): column j sends its entry to row ``index[x, j]`` scaled by
  ``scale[x, j]`` — O(H) per sequence and step, and no (D, H, H) array;
- factor by factor (``householder``): ``h ← h − β u (uᵀh)`` for each of the letter's n unit
  directions in turn — O(nH) per sequence and step.

Stacks (:class:`~automata_bilinear.stack.StackedModel`) run layer by layer over the whole
sequence, each layer's letters read off the lower layers' predictions.

Memory stays bounded in T unless per-step outputs are requested (``final_only=False``).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from .diagonal_kernels import compiled_runs
from .errors import RNNInputError
from .limits import check_allocation
from .model import BilinearModel, ModelError, check_model
from .rungs import Structure, get_rung
from .rungs.base import diagonal_eigenvalues
from .rungs.householder import factor_directions
from .stack import StackedModel
from .validation import check_integer

__all__ = ["ForwardResult", "RNNInputError", "forward", "forward_affine", "forward_matrices",
           "product_run_length", "readout_scale"]


@dataclass(frozen=True)
class ForwardResult:
    """Predictions (indices into the model's output labels) and margins.

    Attributes
    ----------
    predictions, margins
        (B, T + 1) per position, or (B,) with ``final_only``. The margin is
        ``score[prediction] − second best`` computed on the normalised state (≥ 0; 0 is a tie).
    log_norm
        (B,) ``log max|h_T|`` of the unnormalised final state (``-inf`` if it is zero).
    hidden
        Normalised hidden states (B, T + 1, H) when ``return_hidden``; else None.
    final_hidden
        Normalised final state (B, H).
    """

    predictions: np.ndarray
    margins: np.ndarray
    log_norm: np.ndarray
    final_hidden: np.ndarray
    hidden: np.ndarray | None = None


def _check_tokens(tokens: object, n_symbols: int) -> np.ndarray:
    x = np.asarray(tokens)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2:
        raise RNNInputError(f"tokens must be a (batch, time) integer array, got shape {x.shape}")
    if x.dtype.kind not in "iu":
        raise RNNInputError(f"tokens must have an integer dtype, got {x.dtype}")
    if x.shape[0] == 0:
        raise RNNInputError("empty batch: tokens has 0 rows")
    if x.size and (x.min() < 0 or x.max() >= n_symbols):
        bad = np.argwhere((x < 0) | (x >= n_symbols))[0]
        raise RNNInputError(f"token {int(x[tuple(bad)])} at (batch {bad[0]}, step {bad[1]}) "
                            f"is outside 0..{n_symbols - 1}")
    if x.dtype != np.int64:
        check_allocation("tokens as int64", x.shape)
    return x.astype(np.int64, copy=False)


def _scores_margin(h: np.ndarray, C: np.ndarray, bias: np.ndarray | None,
                   log_norm: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Argmax and margin of ``C h_true + bias`` for normalised states ``h`` with
    ``h_true = e^L h``. Without a bias the scale L changes nothing; with one, the scores
    are positively rescaled to ``C h + bias e^{−L}`` (L ≥ 0) or ``e^{L} C h + bias``
    (L < 0), which cannot overflow (margins are in those units)."""
    s = h @ C.T
    if bias is not None:
        if log_norm is None:
            s = s + bias
        else:
            L = np.asarray(log_norm, dtype=np.float64)[..., None]
            with np.errstate(over="ignore", invalid="ignore"):
                up = np.where(L >= 0, 1.0, np.exp(np.minimum(L, 0.0)))
                down = np.where(L >= 0, np.exp(-np.maximum(L, 0.0)), 1.0)
            s = (s * up.astype(s.dtype) + bias * down.astype(s.dtype))
    return _top_two(s)


def _top_two(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Argmax over the last axis and the gap between the two largest entries."""
    if s.shape[-1] == 1:
        return np.zeros(s.shape[:-1], dtype=np.int64), np.full(s.shape[:-1], np.inf)
    top2 = np.partition(s, -2, axis=-1)[..., -2:]
    return np.argmax(s, axis=-1), top2[..., 1] - top2[..., 0]


def forward(model: BilinearModel, tokens: object, *, dtype: str = "float64",
            final_only: bool = False, return_hidden: bool = False, chunk: int = 64,
            threads: int | None = None) -> ForwardResult:
    """Run ``model`` on a batch of token-index sequences.

    Parameters
    ----------
    model
        Any :class:`~automata_bilinear.model.BilinearModel` (token i is ``model.alphabet[i]``).
    tokens
        (B, T) integer array of letter indices (a 1-d array is one sequence).
    dtype
        ``"float64"`` (default) or ``"float32"``.
    final_only
        Only the last position's prediction and margin (memory independent of T).
    return_hidden
        Also return all normalised hidden states (B, T + 1, H).
    chunk
        Diagonal engine: positions between two exact anchors computed from the letter
        counts (default and most: 64; see :func:`product_run_length`).
    threads
        Diagonal engine: threads over blocks of sequences (None: one per available core,
        at most 8), used when B·T·H ≥ 2^20. While they run, BLAS is held to one thread
        for the whole process; ``threads=1`` leaves it alone. The other engines use
        NumPy's BLAS threads. float32 per-step outputs are computed in float64, normalised
        and cast (entries below float32's smallest normal number become 0), so they are
        not faster than float64.

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> model = compile_bilinear(build("parity"), "sign_diagonal")
    >>> out = forward(model, [[1, 1, 0, 1]])
    >>> [model.output_labels[p] for p in out.predictions[0]]
    [0, 1, 0, 0, 1]
    """
    if isinstance(model, StackedModel):
        return _forward_stack(model, tokens, dtype=dtype, final_only=final_only,
                              return_hidden=return_hidden, chunk=chunk, threads=threads)
    model = check_model(model, "model")
    if dtype not in ("float64", "float32"):
        raise RNNInputError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    chunk = check_integer(chunk, "chunk", minimum=1)
    if threads is not None:
        threads = check_integer(threads, "threads", minimum=1)
    x = _check_tokens(tokens, model.n_symbols)
    B, T = x.shape
    H = model.hidden_size
    if not final_only:
        check_allocation("per-step predictions", (B, T + 1))
    if return_hidden:
        check_allocation("hidden states", (B, T + 1, H), np.dtype(dtype).itemsize)
    structure = get_rung(model.rung).structure
    if model.acts_diagonally:  # commuting units: the letter-count engine
        return _forward_diagonal(model, x, np.dtype(dtype), final_only, return_hidden, chunk,
                                 threads)
    if structure is Structure.MONOMIAL:  # one nonzero per column: gather and add
        return _forward_steps(model, x, np.dtype(dtype), final_only, return_hidden,
                              _monomial_step(model, np.dtype(dtype)))
    if structure is Structure.REFLECTIONS:  # n rank-one updates per step
        return _forward_steps(model, x, np.dtype(dtype), final_only, return_hidden,
                              _reflection_step(model, np.dtype(dtype)))
    return _forward_steps(model, x, np.dtype(dtype), final_only, return_hidden,
                          _matrix_step(model, np.dtype(dtype)))


Step = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


def _matrix_step(model: BilinearModel, dt: np.dtype) -> Step:
    """``new = A_x h`` per sequence, one matrix product per distinct token in the batch."""
    A_T = np.ascontiguousarray(np.transpose(model.transitions, (0, 2, 1)).astype(dt))
    def step(h: np.ndarray, xt: np.ndarray, new: np.ndarray) -> None:
        order = np.argsort(xt, kind="stable")
        sorted_tokens = xt[order]
        bounds = np.flatnonzero(np.diff(sorted_tokens)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(xt)]))
        hs = h[order]
        for s, e in zip(starts.tolist(), ends.tolist()):
            new[order[s:e]] = hs[s:e] @ A_T[sorted_tokens[s]]

    return step


def _monomial_step(model: BilinearModel, dt: np.dtype) -> Step:
    """``new[index[x, j]] += scale[x, j] · h[j]``: O(H) per sequence, no (D, H, H) array."""
    index = model.params["index"].astype(np.int64)
    scale = model.params["scale"].astype(dt)
    H = model.hidden_size

    def step(h: np.ndarray, xt: np.ndarray, new: np.ndarray) -> None:
        rows = (np.arange(len(xt))[:, None] * H + index[xt]).ravel()
        flat = np.bincount(rows, weights=(scale[xt] * h).ravel(), minlength=len(xt) * H)
        new[...] = flat.reshape(len(xt), H)

    return step


def _forward_stack(stack: StackedModel, tokens: object, *, dtype: str, final_only: bool,
                   return_hidden: bool, chunk: int, threads: int | None) -> ForwardResult:
    """Layer by layer over the whole sequence: layer l's letters are its interface applied to
    the lower layers' per-step predictions and the tokens (docs/theory.md §12). Margins are
    the least over the layers; hidden states are concatenated, bottom layer first."""
    x = _check_tokens(tokens, stack.n_symbols)
    runs: list[ForwardResult] = []
    for i, layer in enumerate(stack.layers):
        letters = x if i == 0 else stack.interfaces[i - 1][
            (*(r.predictions[:, 1:] for r in runs), x)]
        runs.append(forward(layer, letters, dtype=dtype, return_hidden=return_hidden,
                            chunk=chunk, threads=threads))
    preds = stack.output[tuple(r.predictions for r in runs)]
    margins = np.min(np.stack([r.margins for r in runs]), axis=0)
    log_norm = np.sum(np.stack([r.log_norm for r in runs]), axis=0)
    final = np.concatenate([r.final_hidden for r in runs], axis=1)
    hidden = (np.concatenate([r.hidden for r in runs], axis=2)  # type: ignore[misc]
              if return_hidden else None)
    if final_only:
        return ForwardResult(preds[:, -1], margins[:, -1], log_norm, final)
    return ForwardResult(preds, margins, log_norm, final, hidden)


def _reflection_step(model: BilinearModel, dt: np.dtype) -> Step:
    """``new = H_n ⋯ H_1 h`` with ``H_i = I − β u uᵀ``: O(nH) per sequence, no matrices."""
    units, betas = factor_directions(model.params)
    U, beta = units.astype(dt), betas.astype(dt)

    def step(h: np.ndarray, xt: np.ndarray, new: np.ndarray) -> None:
        new[...] = h
        for i in range(U.shape[1]):
            u = U[xt, i]
            new -= (beta[xt, i] * np.einsum("bh,bh->b", u, new))[:, None] * u

    return step


def _forward_steps(model: BilinearModel, x: np.ndarray, dt: np.dtype, final_only: bool,
                   return_hidden: bool, step: Step) -> ForwardResult:
    B, T = x.shape
    C = model.readout.astype(dt)
    bias = None if model.bias is None else model.bias.astype(dt)
    h = np.tile(model.h0.astype(dt), (B, 1))
    peak = np.abs(h).max(axis=1, keepdims=True)
    log_norm = np.log(peak[:, 0]).astype(np.float64)
    h /= peak
    preds = margins = hidden = None
    if not final_only:
        preds = np.empty((B, T + 1), dtype=np.int64)
        margins = np.empty((B, T + 1), dtype=np.float64)
        preds[:, 0], margins[:, 0] = _scores_margin(h, C, bias, log_norm)
    if return_hidden:
        hidden = np.empty((B, T + 1, h.shape[1]), dtype=dt)
        hidden[:, 0] = h
    new = np.empty_like(h)
    for t in range(T):
        step(h, x[:, t], new)
        h, new = new, h
        peak = np.abs(h).max(axis=1, keepdims=True)
        zero = peak[:, 0] == 0
        log_norm += np.log(np.where(zero, 1.0, peak[:, 0]))
        log_norm[zero] = -np.inf
        h /= np.where(peak == 0, 1, peak)
        if not final_only:
            preds[:, t + 1], margins[:, t + 1] = _scores_margin(h, C, bias, log_norm)
        if return_hidden:
            hidden[:, t + 1] = h
    if final_only:
        p, m = _scores_margin(h, C, bias, log_norm)
        return ForwardResult(p, m.astype(np.float64), log_norm, h)
    return ForwardResult(preds, margins, log_norm, h, hidden)


def _diagonal_logs(model: BilinearModel) -> tuple[np.ndarray, np.ndarray]:
    """Per letter and unit: log|λ| (−inf for 0) and the phase (angle; 0 or π for reals).

    Complex units occupy two real coordinates (Re, Im) of the model's state."""
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    lam = np.concatenate([lam_c, lam_r.astype(np.complex128)], axis=1)
    with np.errstate(divide="ignore"):
        return np.log(np.abs(lam)), np.angle(lam)


_SIGN_TABLE_LETTERS = 10  # letters up to which real signs come from a (2^D, U) table
_MAX_PRODUCT_RUN = 64  # most multiplicative steps between two anchors computed from counts
_PRODUCT_GROWTH = 300.0  # most a product run may raise any log|h_i| (overflow guard)
_PRODUCT_SPREAD = 600.0  # most it may spread log|h| (bounds underflow relative to the peak)
_BLOCK_ENTRIES = 1 << 18  # float64 entries per (sequences, steps, units) block: L2-sized


def product_run_length(model: BilinearModel, chunk: int = _MAX_PRODUCT_RUN) -> int:
    """Steps the diagonal engine of :func:`forward` takes by multiplication between two
    exact anchors (0: every position comes from the letter counts).

    A run of ``k`` steps starts from the count-based state normalised to ``max|h| = 1`` and
    multiplies by the letters' eigenvalues, so every unit has moved by a factor in
    ``[e^{−kℓ⁻}, e^{kℓ⁺}]`` (``ℓ^±`` the largest growth and decay per letter). ``k`` is the
    largest value ≤ ``min(chunk, 64)`` with ``kℓ⁺ ≤ 300`` and ``k(ℓ⁺ + ℓ⁻) ≤ 600``: no
    overflow, and an underflow, once amplified and compared with the current peak, stays
    below ``e^{600}`` times the smallest normal number. Products are not used (0) when some
    eigenvalue is 0: the peak could vanish inside a run.
    :mod:`automata_bilinear.verify` adds the run's roundings to its error bound.

    Parameters
    ----------
    model
        A diagonal model (``model.acts_diagonally``).
    chunk
        The ``chunk`` given to :func:`forward` (≥ 1).

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> product_run_length(compile_bilinear(build("parity"), "sign_diagonal"))
    64
    """
    model = check_model(model, "model")
    chunk = check_integer(chunk, "chunk", minimum=1)
    if not model.acts_diagonally:
        raise ModelError(f"product_run_length applies to diagonal models; a {model.rung!r} "
                         "model runs on another engine")
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    mags = np.abs(np.concatenate([lam_c, lam_r.astype(np.complex128)], axis=1))
    if not np.all(mags > 0):
        return 0
    logs = np.log(mags)
    growth = max(0.0, float(logs.max()))
    spread = growth + max(0.0, -float(logs.min()))
    run = min(chunk, _MAX_PRODUCT_RUN)
    if growth > 0:
        run = min(run, int(_PRODUCT_GROWTH // growth))
    if spread > 0:
        run = min(run, int(_PRODUCT_SPREAD // spread))
    return max(run, 0)


def readout_scale(readout: np.ndarray) -> float:
    """The power of two ``R`` nearest above the readout's largest row sum ``max_y Σ|C_y|``
    (1 for a zero readout). The diagonal engine scores unnormalised runs with ``C / R``,
    whose rows sum to at most 1, so no product ``C_yj h_j`` underflows because C is small
    or overflows because it is large; dividing by R is exact."""
    weight = float(np.abs(readout).sum(axis=1).max())
    return 1.0 if not weight > 0 else math.ldexp(1.0, math.frexp(weight)[1])


class _CountStates:
    """Exact-formula states from letter counts: diagonal units commute, so after counts
    n ∈ N^D, log|h| = n·log|λ| + log|h0|, phase = n·arg λ + arg h0, and a unit is zero iff
    some count of a zero eigenvalue is positive. Computed in float64, normalised to
    ``max|h| = 1`` over the real coordinates; the log of the removed scale is returned
    alongside."""

    def __init__(self, model: BilinearModel) -> None:
        self.model = model
        D = model.n_symbols
        logmag, phase = _diagonal_logs(model)  # (D, U)
        n_complex = diagonal_eigenvalues(model.params)[0].shape[1]
        h0 = model.h0.astype(np.float64)
        z0 = np.concatenate([h0[0:2 * n_complex:2] + 1j * h0[1:2 * n_complex:2],
                             h0[2 * n_complex:].astype(np.complex128)])
        with np.errstate(divide="ignore"):
            base_log = np.log(np.abs(z0))
        negative = (phase != 0).astype(np.float64)  # real units: phase π marks a negative λ
        safe_logmag = np.where(np.isneginf(logmag), 0.0, logmag)
        sign_table = bit_weights = None
        if not n_complex and D <= _SIGN_TABLE_LETTERS:
            # sign of every unit for each pattern of count parities (with h0's signs): one
            # exact table lookup per state instead of a parity computation per unit
            bits = (np.arange(2**D)[:, None] >> np.arange(D)[None, :]) & 1
            odd = (bits @ (phase != 0).astype(np.int64)) & 1
            sign_table = np.where(odd == 1, -1.0, 1.0) * np.sign(z0.real)[None, :]
            bit_weights = 1 << np.arange(D, dtype=np.int64)
        self.n_complex, self.phase, self.z0, self.base_log = n_complex, phase, z0, base_log
        self.base_phase, self.has_phase = np.angle(z0), bool(np.any(phase != 0))
        self.zero_letter = np.isneginf(logmag).astype(np.float64)
        self.any_zero = bool(self.zero_letter.any())
        self.safe_logmag = safe_logmag
        self.both_tables = np.concatenate([safe_logmag, negative], axis=1)
        self.sign_table, self.bit_weights = sign_table, bit_weights

    def __call__(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised real float64 states (…, H) and log-scales (…) for counts (…, D)."""
        D = self.model.n_symbols
        n_complex = self.n_complex
        cf = counts.astype(np.float64)
        flat = cf.reshape(-1, D)
        if not n_complex and self.has_phase and self.sign_table is None:
            both = (flat @ self.both_tables).reshape(*cf.shape[:-1], 2, -1)
            total, neg_count = both[..., 0, :], both[..., 1, :]
        else:
            total = (flat @ self.safe_logmag).reshape(*cf.shape[:-1], -1)
        total += self.base_log
        if self.any_zero:
            total[(cf @ self.zero_letter) > 0] = -np.inf
        top = total.max(axis=-1, keepdims=True)
        total -= np.where(np.isfinite(top), top, 0.0)
        mag = np.exp(total, out=total)
        if not n_complex:  # real units: the sign is the parity of negative-letter counts
            if self.sign_table is not None:  # one gather: the signs of each parity pattern
                pattern = (counts.astype(np.int64, copy=False) & 1) @ self.bit_weights
                mag *= np.take(self.sign_table, pattern, axis=0, mode="clip")
            else:
                if self.has_phase:  # counts are exact small integers in float64
                    half = neg_count * 0.5
                    mag *= np.where(half != np.floor(half), -1.0, 1.0)
                mag *= np.sign(self.z0.real)
            return mag, top[..., 0]
        # no reduction mod 2π first: libm's cos/sin reduce exactly, fl(2π) would not
        angle = (flat @ self.phase).reshape(mag.shape)
        angle += self.base_phase
        real = np.empty((*mag.shape[:-1], 2 * n_complex + mag.shape[-1] - n_complex))
        real[..., 0:2 * n_complex:2] = np.cos(angle[..., :n_complex])
        real[..., 1:2 * n_complex:2] = np.sin(angle[..., :n_complex])
        real[..., 0:2 * n_complex:2] *= mag[..., :n_complex]
        real[..., 1:2 * n_complex:2] *= mag[..., :n_complex]
        real[..., 2 * n_complex:] = mag[..., n_complex:] * np.cos(angle[..., n_complex:])
        # normalised to the largest coordinate, like the other engines (not the largest
        # modulus); the top coordinate of a non-zero state is at least 2^{-1/2}
        peak = np.abs(real).max(axis=-1, keepdims=True)
        real /= np.where(peak > 0, peak, 1.0)
        with np.errstate(divide="ignore"):
            return real, top[..., 0] + np.log(np.where(peak > 0, peak, 1.0))[..., 0]


def _letter_counts(x: np.ndarray, D: int, steps: int = 4096) -> np.ndarray:
    """(B, D) number of occurrences of each letter in each row of ``x``, ``steps`` columns
    at a time (temporaries of B·steps entries, not B·T)."""
    B = x.shape[0]
    rows = np.arange(B, dtype=np.int64)[:, None] * D
    counts = np.zeros(B * D, dtype=np.int64)
    for start in range(0, x.shape[1], steps):
        counts += np.bincount((rows + x[:, start:start + steps]).ravel(), minlength=B * D)
    return counts.reshape(B, D)


def _worker_threads(threads: int | None, jobs: int) -> int:
    if threads is None:
        try:
            threads = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            threads = os.cpu_count() or 1
        threads = min(threads, _DEFAULT_MAX_THREADS)
    return max(1, min(threads, jobs))


_DEFAULT_MAX_THREADS = 8
class _BlasHold:
    """Process-wide: how many engine calls hold BLAS to one thread, and the limiter to undo."""

    lock = threading.Lock()
    users = 0
    limiter: object | None = None
    controller: ThreadpoolController | None = None


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Hold BLAS to one thread while engine threads run (BLAS threads inside them would only
    contend for the same cores). The limit is process-wide, so overlapping calls share one
    hold, counted under a lock, and the last to leave restores the original limits."""
    with _BlasHold.lock:
        if _BlasHold.users == 0:
            if _BlasHold.controller is None:  # scanning the libraries takes ~0.4 ms
                _BlasHold.controller = ThreadpoolController()
            _BlasHold.limiter = _BlasHold.controller.limit(limits=1, user_api="blas")
        _BlasHold.users += 1
    try:
        yield
    finally:
        with _BlasHold.lock:
            _BlasHold.users -= 1
            if _BlasHold.users == 0:
                _BlasHold.limiter.restore_original_limits()  # type: ignore[union-attr]
                _BlasHold.limiter = None
_THREADED_ENTRIES = 1 << 20  # per-step work (B·T·H) from which threads pay for themselves


def _forward_diagonal(model: BilinearModel, x: np.ndarray, dt: np.dtype, final_only: bool,
                      return_hidden: bool, chunk: int, threads: int | None
                      ) -> ForwardResult:
    """The diagonal engine. The final state always comes from the letter counts. Per-step
    outputs come from runs of :func:`product_run_length` multiplicative steps, each run
    starting from an exact count-based anchor (or from the counts at every position when
    the run length is 0); blocks of sequences sized to stay in cache are spread over
    ``threads`` threads (NumPy releases the GIL inside its kernels)."""
    B, T = x.shape
    D, H = model.n_symbols, model.hidden_size
    states = _CountStates(model)
    C = model.readout.astype(dt)
    bias = None if model.bias is None else model.bias.astype(dt)
    if final_only and not return_hidden:
        h, log_norm = states(_letter_counts(x, D))
        h = h.astype(dt, copy=False)
        p, m = _scores_margin(h, C, bias, log_norm)
        return ForwardResult(p, m.astype(np.float64), log_norm, h)
    run = product_run_length(model, chunk)
    steps = run if run else min(chunk, _MAX_PRODUCT_RUN)
    block = max(1, min(B, _BLOCK_ENTRIES // max(1, steps * H)))
    workers = _worker_threads(threads, B) if B * T * H >= _THREADED_ENTRIES else 1
    if workers > 1:  # enough work for threads: at least one block per thread
        block = min(block, -(-B // workers))
    preds = np.empty((B, T + 1), dtype=np.int64)
    margins = np.empty((B, T + 1), dtype=np.float64)
    log_norm = np.empty(B, dtype=np.float64)
    final = np.empty((B, H), dtype=dt)
    hidden = np.empty((B, T + 1, H), dtype=dt) if return_hidden else None
    runs = compiled_runs() if run else None
    if runs is not None:  # one fused pass per sequence and step: blocks need not fit a cache
        # the same blocks for any number of threads up to 8, so the same anchors (their
        # BLAS products could round differently in blocks of other sizes) and outputs
        pieces = max(_DEFAULT_MAX_THREADS, workers)
        block = max(1, min(_KERNEL_BLOCK_ENTRIES // H, -(-B // pieces)))
        engine = _kernel_block
    else:
        engine = _product_block if run else _count_block

    def work(lo: int) -> None:
        sl = slice(lo, lo + block)
        counts = engine(states, x[sl], dt, C, bias, steps, preds[sl], margins[sl],
                        None if hidden is None else hidden[sl])
        h, log_norm[sl] = states(counts)  # the final state from the counts, exactly
        final[sl] = h

    starts = range(0, B, block)
    workers = min(workers, len(starts))
    if workers == 1:
        for lo in starts:
            work(lo)
    else:
        with _single_threaded_blas(), ThreadPoolExecutor(workers) as pool:
            for done in [pool.submit(work, lo) for lo in starts]:
                done.result()
    if final_only:
        p, m = _scores_margin(final, C, bias, log_norm)
        return ForwardResult(p, m.astype(np.float64), log_norm, final, hidden)
    return ForwardResult(preds, margins, log_norm, final, hidden)


_KERNEL_BLOCK_ENTRIES = 1 << 20  # float64 entries of the anchors of one compiled block


def _first_position(states: _CountStates, B: int, dt: np.dtype, C: np.ndarray,
                    bias: np.ndarray | None, preds: np.ndarray, margins: np.ndarray,
                    hidden: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position 0 (the empty prefix) of every block engine: fills its outputs and returns
    the zero counts with the exact anchor state ``h`` (float64) and its ``top``."""
    counts = np.zeros((B, states.model.n_symbols), dtype=np.int64)
    h, top = states(counts)
    preds[:, 0], margins[:, 0] = _scores_margin(h.astype(dt, copy=False), C, bias, top)
    if hidden is not None:
        hidden[:, 0] = h
    return counts, h, top


def _kernel_block(states: _CountStates, x: np.ndarray, dt: np.dtype, C: np.ndarray,
                  bias: np.ndarray | None, steps: int, preds: np.ndarray,
                  margins: np.ndarray, hidden: np.ndarray | None) -> np.ndarray:
    """:func:`_product_block` with each run in the compiled kernel
    (:func:`~automata_bilinear.diagonal_kernels.diagonal_runs`): the same anchors, products,
    normalisation and scores, one fused loop per sequence and step. Returns the final
    counts (B, D)."""
    runs = compiled_runs()
    assert runs is not None
    B, T = x.shape
    model = states.model
    D, nc = model.n_symbols, states.n_complex
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    lam_c = lam_c.astype(np.complex128, copy=False)
    lams = (np.ascontiguousarray(lam_c.real), np.ascontiguousarray(lam_c.imag),
            np.ascontiguousarray(lam_r, dtype=np.float64))
    normalise = bias is not None or dt != np.float64 or hidden is not None
    R = readout_scale(model.readout)
    C_run = C if normalise else model.readout.astype(np.float64) / R
    readouts = (np.ascontiguousarray(C_run[:, 0:2 * nc:2]),
                np.ascontiguousarray(C_run[:, 1:2 * nc:2]),
                np.ascontiguousarray(C_run[:, 2 * nc:]))
    bias_run = np.ascontiguousarray(np.zeros(C.shape[0], dt) if bias is None else bias)
    unused = np.empty((1, 1, 1), dtype=C_run.dtype)
    smallest = float(np.finfo(dt).tiny)  # normalised entries below it are set to 0
    counts, h, top = _first_position(states, B, dt, C, bias, preds, margins, hidden)
    for start in range(0, T, steps):
        xc = np.ascontiguousarray(x[:, start:start + steps])
        sl = slice(start + 1, start + 1 + xc.shape[1])
        if start:
            h, top = states(counts)
        runs(*lams, xc, np.ascontiguousarray(h), np.ascontiguousarray(top), *readouts,
             bias_run, bias is not None, normalise, smallest, R, preds[:, sl], margins[:, sl],
             unused if hidden is None else hidden[:, sl], hidden is not None)
        counts += _letter_counts(xc, D)
    return counts


def _count_block(states: _CountStates, x: np.ndarray, dt: np.dtype, C: np.ndarray,
                 bias: np.ndarray | None, steps: int, preds: np.ndarray, margins: np.ndarray,
                 hidden: np.ndarray | None) -> np.ndarray:
    """Every position from its letter counts: cumulative sums over ``steps`` positions at a
    time, then one (·, D) @ (D, U) product (no loop over single steps, no (B, T, H)
    gather). Fills ``preds``/``margins``/``hidden``; returns the final counts (B, D)."""
    B, T = x.shape
    D = states.model.n_symbols
    eye = np.eye(D, dtype=np.int64)
    counts, _, _ = _first_position(states, B, dt, C, bias, preds, margins, hidden)
    for start in range(0, T, steps):
        xc = x[:, start:start + steps]
        cc = counts[:, None, :] + np.cumsum(eye[xc], axis=1)
        hc, tops = states(cc)
        hc = hc.astype(dt, copy=False)
        sl = slice(start + 1, start + 1 + xc.shape[1])
        preds[:, sl], margins[:, sl] = _scores_margin(hc, C, bias, tops)
        if hidden is not None:
            hidden[:, sl] = hc
        counts = cc[:, -1]
    return counts


def _product_block(states: _CountStates, x: np.ndarray, dt: np.dtype, C: np.ndarray,
                   bias: np.ndarray | None, steps: int, preds: np.ndarray,
                   margins: np.ndarray, hidden: np.ndarray | None) -> np.ndarray:
    """Runs of ``steps`` positions: an exact anchor from the counts before the run, then
    ``h_t = h_{t−1} ⊙ λ_{x_t}`` (one multiplication per unit and step; signs are exact in
    floating point). The run is laid out time-major, (k, B, ·), so each step is one
    contiguous product over the block. In float64 without a bias, scores are taken on the
    unnormalised run with ``C / R`` (:func:`readout_scale`) and each margin is multiplied by
    R and divided by its position's own ``max|h|``; otherwise the run is normalised first.
    Returns the final counts (B, D)."""
    B, T = x.shape
    model = states.model
    D, nc = model.n_symbols, states.n_complex
    lam_c, lam_r = diagonal_eigenvalues(model.params)
    lams = [lam for lam in (lam_c.astype(np.complex128), lam_r.astype(np.float64))
            if lam.shape[1]]
    R = readout_scale(model.readout)
    C_unit = model.readout.astype(np.float64) / R  # exact: R is a power of two
    readouts = [part for part, lam in ((C_unit[:, :2 * nc], lam_c),
                                       (C_unit[:, 2 * nc:], lam_r)) if lam.shape[1]]
    normalise = bias is not None or dt != np.float64 or hidden is not None
    counts, h, top = _first_position(states, B, dt, C, bias, preds, margins, hidden)
    for start in range(0, T, steps):
        xc = x[:, start:start + steps]
        k = xc.shape[1]
        if start:
            h, top = states(counts)
        anchors = ([np.ascontiguousarray(h[:, :2 * nc]).view(np.complex128)] if nc else [])
        if lam_r.shape[1]:
            anchors.append(h[:, 2 * nc:])
        views = []  # (k·B, width) real views of the run's states, one per kind of unit
        for lam, anchor in zip(lams, anchors):
            run = np.take(lam, xc.T, axis=0)  # (k, B, units)
            run[0] *= anchor
            # one call per step on (B, units): np.multiply.accumulate along the time axis
            # computes the same products but ran ~30x slower (no vectorised inner loop)
            for j in range(1, k):
                np.multiply(run[j], run[j - 1], out=run[j])
            views.append(run.view(np.float64).reshape(k * B, -1))
        peak = np.abs(views[0]).max(axis=1)
        for v in views[1:]:
            np.maximum(peak, np.abs(v).max(axis=1), out=peak)
        safe_peak = np.where(peak > 0, peak, 1.0)
        if normalise:
            hr = np.concatenate(views, axis=1) if len(views) > 1 else views[0]
            hr /= safe_peak[:, None]
            with np.errstate(divide="ignore"):
                scale = np.tile(top, k) + np.log(peak)
            hd = hr.astype(dt, copy=False)
            p, m = _scores_margin(hd, C, bias, scale)
            if hidden is not None:
                hidden[:, start + 1:start + 1 + k] = hd.reshape(k, B, -1).transpose(1, 0, 2)
        else:
            s = views[0] @ readouts[0].T
            for v, Cp in zip(views[1:], readouts[1:]):
                s += v @ Cp.T
            p, m = _top_two(s)
            m = m / safe_peak * R
        preds[:, start + 1:start + 1 + k] = p.reshape(k, B).T
        margins[:, start + 1:start + 1 + k] = m.reshape(k, B).T
        counts += _letter_counts(xc, D)
    return counts


def forward_matrices(transitions: object, h0: object, readout: object, tokens: object,
                     **options: object) -> ForwardResult:
    """:func:`forward` for plain matrices: ``transitions`` (D, H, H) with ``h_t = A[x_t] h``,
    ``h0`` (H,), ``readout`` (Y, H); predictions index the readout rows. Validates like a
    model (shapes, finiteness, H ≥ 1) and raises :class:`~automata_bilinear.model.ModelError`.

    Examples
    --------
    >>> import numpy as np
    >>> flip = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])  # parity
    >>> forward_matrices(flip, [1.0, 0.0], np.eye(2), [[1, 1, 1]]).predictions.tolist()
    [[0, 1, 0, 1]]
    """
    try:
        A = np.asarray(transitions, dtype=np.float64)
        C = np.asarray(readout, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"transitions and readout must be real arrays ({exc})") from None
    if A.ndim != 3:
        raise ModelError(f"transitions must have shape (D, H, H), got {A.shape}")
    model = BilinearModel("full", {"W": np.moveaxis(A, 0, 2)}, h0, C,
                          tuple(str(i) for i in range(A.shape[0])),
                          tuple(range(C.shape[0] if C.ndim == 2 else 0)))
    return forward(model, tokens, **options)  # type: ignore[arg-type]


def forward_affine(model: BilinearModel, additive: np.ndarray, tokens: object, *,
                   normalize: bool = False, dtype: str = "float64") -> ForwardResult:
    """The affine variant ``h_t = A_{x_t} h_{t-1} + b_{x_t}`` (``additive`` of shape (D, H)).

    Exists to show that an additive term breaks scale invariance: with ``normalize=True``
    the state is rescaled every step exactly as in :func:`forward`, which no longer
    preserves predictions.
    """
    x = _check_tokens(tokens, model.n_symbols)
    b = np.asarray(additive, dtype=dtype)
    if b.shape != (model.n_symbols, model.hidden_size):
        raise RNNInputError(f"additive has shape {b.shape}, expected "
                            f"({model.n_symbols}, {model.hidden_size})")
    A = model.transitions.astype(dtype)
    C = model.readout.astype(dtype)
    h = np.tile(model.h0.astype(dtype), (x.shape[0], 1))
    preds = np.empty((x.shape[0], x.shape[1] + 1), dtype=np.int64)
    margins = np.empty_like(preds, dtype=np.float64)
    preds[:, 0], margins[:, 0] = _scores_margin(h, C, model.bias)
    for t in range(x.shape[1]):
        h = np.einsum("bij,bj->bi", A[x[:, t]], h) + b[x[:, t]]
        if normalize:
            peak = np.abs(h).max(axis=1, keepdims=True)
            h = h / np.where(peak == 0, 1, peak)
        preds[:, t + 1], margins[:, t + 1] = _scores_margin(h, C, model.bias)
    return ForwardResult(preds, margins, np.zeros(x.shape[0]), h)
