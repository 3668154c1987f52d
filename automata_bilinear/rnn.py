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
- diagonal (``real``/``sign``/``positive``/``complex`` diagonal, ``rotation``): no loop over
  time steps: diagonal matrices commute, so the state depends only on cumulative letter
  counts; log-magnitudes, signs/phases and zero flags are ``counts @ per-letter logs``,
  renormalised per position. Chunks of ``chunk`` steps keep memory at O(B · chunk · H);
  with ``final_only`` only the counts are accumulated;
- gather-and-add (``pd``): column j sends its entry to row ``index[x, j]`` scaled by
  ``scale[x, j]`` — O(H) per sequence and step, and no (D, H, H) array;
- factor by factor (``householder``): ``h ← h − β u (uᵀh)`` for each of the letter's n unit
  directions in turn — O(nH) per sequence and step.

Stacks (:class:`~automata_bilinear.stack.StackedModel`) run layer by layer over the whole
sequence, each layer's letters read off the lower layers' predictions.

Memory stays bounded in T unless per-step outputs are requested (``final_only=False``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .errors import RNNInputError
from .limits import check_allocation
from .model import BilinearModel, ModelError, check_model
from .rungs import Structure, get_rung
from .rungs.base import diagonal_eigenvalues
from .rungs.householder import factor_directions
from .stack import StackedModel
from .validation import check_integer

__all__ = ["ForwardResult", "RNNInputError", "forward", "forward_affine", "forward_matrices"]


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
    if s.shape[-1] == 1:
        return np.zeros(s.shape[:-1], dtype=np.int64), np.full(s.shape[:-1], np.inf)
    top2 = np.partition(s, -2, axis=-1)[..., -2:]
    return np.argmax(s, axis=-1), top2[..., 1] - top2[..., 0]


def forward(model: BilinearModel, tokens: object, *, dtype: str = "float64",
            final_only: bool = False, return_hidden: bool = False, chunk: int = 8
            ) -> ForwardResult:
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
        Time steps per chunk of the diagonal engine.

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
                              return_hidden=return_hidden, chunk=chunk)
    model = check_model(model, "model")
    if dtype not in ("float64", "float32"):
        raise RNNInputError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    chunk = check_integer(chunk, "chunk", minimum=1)
    x = _check_tokens(tokens, model.n_symbols)
    B, T = x.shape
    H = model.hidden_size
    if not final_only:
        check_allocation("per-step predictions", (B, T + 1))
    if return_hidden:
        check_allocation("hidden states", (B, T + 1, H), np.dtype(dtype).itemsize)
    structure = get_rung(model.rung).structure
    if model.acts_diagonally:  # commuting units: the letter-count engine
        return _forward_diagonal(model, x, np.dtype(dtype), final_only, return_hidden, chunk)
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
                   return_hidden: bool, chunk: int) -> ForwardResult:
    """Layer by layer over the whole sequence: layer l's letters are its interface applied to
    the lower layers' per-step predictions and the tokens (docs/theory.md §12). Margins are
    the least over the layers; hidden states are concatenated, bottom layer first."""
    x = _check_tokens(tokens, stack.n_symbols)
    runs: list[ForwardResult] = []
    for i, layer in enumerate(stack.layers):
        letters = x if i == 0 else stack.interfaces[i - 1][
            (*(r.predictions[:, 1:] for r in runs), x)]
        runs.append(forward(layer, letters, dtype=dtype, return_hidden=return_hidden,
                            chunk=chunk))
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
_BATCH_BLOCK = 128  # sequences per block of per-step diagonal outputs (cache-sized states)


def _forward_diagonal(model: BilinearModel, x: np.ndarray, dt: np.dtype, final_only: bool,
                      return_hidden: bool, chunk: int) -> ForwardResult:
    """The letter-count engine, on blocks of :data:`_BATCH_BLOCK` sequences when every step
    is read out (a block's (chunk, U) temporaries then stay in cache)."""
    B = x.shape[0]
    if final_only or B <= _BATCH_BLOCK:
        return _forward_diagonal_block(model, x, dt, final_only, return_hidden, chunk)
    parts = [_forward_diagonal_block(model, x[lo:lo + _BATCH_BLOCK], dt, final_only,
                                     return_hidden, chunk)
             for lo in range(0, B, _BATCH_BLOCK)]
    return ForwardResult(
        np.concatenate([r.predictions for r in parts]),
        np.concatenate([r.margins for r in parts]),
        np.concatenate([r.log_norm for r in parts]),
        np.concatenate([r.final_hidden for r in parts]),
        None if not return_hidden else np.concatenate([r.hidden for r in parts]))


def _forward_diagonal_block(model: BilinearModel, x: np.ndarray, dt: np.dtype,
                            final_only: bool, return_hidden: bool, chunk: int
                            ) -> ForwardResult:
    """Diagonal units commute, so the state after t tokens depends only on the letter counts
    n(t) ∈ N^D: log|h| = n·log|λ|, phase = n·arg λ, and a unit is zero iff some count of a
    zero eigenvalue is positive. Counts are cumulative sums; everything else is one small
    (·, D) @ (D, U) product — no loop over time steps, no (B, T, H) gather."""
    B, T = x.shape
    D = model.n_symbols
    logmag, phase = _diagonal_logs(model)  # (D, U)
    n_complex = diagonal_eigenvalues(model.params)[0].shape[1]
    h0 = model.h0.astype(np.float64)
    z0 = np.concatenate([h0[0:2 * n_complex:2] + 1j * h0[1:2 * n_complex:2],
                         h0[2 * n_complex:].astype(np.complex128)])
    zero_letter = np.isneginf(logmag).astype(np.float64)
    safe_logmag = np.where(np.isneginf(logmag), 0.0, logmag)
    with np.errstate(divide="ignore"):
        base_log = np.log(np.abs(z0))
    base_phase = np.angle(z0)
    has_phase = bool(np.any(phase != 0))
    C = model.readout.astype(dt)
    bias = None if model.bias is None else model.bias.astype(dt)

    any_zero = bool(zero_letter.any())
    negative = (phase != 0).astype(np.float64)  # real units: phase π marks a negative λ
    both_tables = np.concatenate([safe_logmag, negative], axis=1)
    sign_table = bit_weights = None
    if not n_complex and D <= _SIGN_TABLE_LETTERS:
        # sign of every unit for each pattern of count parities (with h0's signs): one
        # exact table lookup per state instead of a parity computation per unit
        bits = (np.arange(2**D)[:, None] >> np.arange(D)[None, :]) & 1
        odd = (bits @ (phase != 0).astype(np.int64)) & 1
        sign_table = np.where(odd == 1, -1.0, 1.0) * np.sign(z0.real)[None, :]
        bit_weights = 1 << np.arange(D, dtype=np.int64)

    def states(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised real states and log-norms for count vectors (…, D)."""
        cf = counts.astype(np.float64)
        flat = cf.reshape(-1, D)
        if not n_complex and has_phase and sign_table is None:  # log-magnitudes and signs
            both = (flat @ both_tables).reshape(*cf.shape[:-1], 2, -1)
            total, neg_count = both[..., 0, :], both[..., 1, :]
        else:
            total = (flat @ safe_logmag).reshape(*cf.shape[:-1], -1)
        total += base_log
        if any_zero:
            total[(cf @ zero_letter) > 0] = -np.inf
        top = total.max(axis=-1, keepdims=True)
        total -= np.where(np.isfinite(top), top, 0.0)
        mag = np.exp(total, out=total)
        if not n_complex:  # real units: the sign is the parity of negative-letter counts
            if sign_table is not None:  # one gather: the signs of each parity pattern
                pattern = (counts.astype(np.int64, copy=False) & 1) @ bit_weights
                mag *= np.take(sign_table, pattern, axis=0, mode="clip")
            else:
                if has_phase:  # counts are exact small integers in float64
                    half = neg_count * 0.5
                    mag *= np.where(half != np.floor(half), -1.0, 1.0)
                mag *= np.sign(z0.real)
            return mag.astype(dt, copy=False), top[..., 0]
        z = mag * np.exp(1j * (np.mod(cf @ phase, 2 * np.pi) + base_phase))
        if n_complex:
            pairs = np.stack([z[..., :n_complex].real, z[..., :n_complex].imag], axis=-1)
            real = np.concatenate([pairs.reshape(*z.shape[:-1], 2 * n_complex),
                                   z[..., n_complex:].real], axis=-1)
        else:
            real = z.real
        return real.astype(dt), top[..., 0]

    eye = np.eye(D, dtype=np.int64)
    counts = np.zeros((B, D), dtype=np.int64)
    preds = margins = hidden = None
    if not final_only:
        preds = np.empty((B, T + 1), dtype=np.int64)
        margins = np.empty((B, T + 1), dtype=np.float64)
    if return_hidden:
        hidden = np.empty((B, T + 1, model.hidden_size), dtype=dt)
    if not final_only or return_hidden:
        h, top0 = states(counts)
        if not final_only:
            preds[:, 0], margins[:, 0] = _scores_margin(h, C, bias, top0)
        if return_hidden:
            hidden[:, 0] = h
    for start in range(0, T, chunk):
        xc = x[:, start:start + chunk]
        if final_only and not return_hidden:
            counts = counts + eye[xc].sum(axis=1)
            continue
        cc = counts[:, None, :] + np.cumsum(eye[xc], axis=1)
        hc, tops = states(cc)
        if not final_only:
            p, m = _scores_margin(hc, C, bias, tops)
            preds[:, start + 1:start + 1 + xc.shape[1]] = p
            margins[:, start + 1:start + 1 + xc.shape[1]] = m
        if return_hidden:
            hidden[:, start + 1:start + 1 + xc.shape[1]] = hc
        counts = cc[:, -1]
    h, log_norm = states(counts)
    if final_only:
        p, m = _scores_margin(h, C, bias, log_norm)
        return ForwardResult(p, m.astype(np.float64), log_norm, h)
    return ForwardResult(preds, margins, log_norm, h, hidden)


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
