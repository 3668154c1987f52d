"""The one training engine: BPTT through ``h_t = A_{x_t} h_{t−1} (+ b_{x_t})``, and Adam.

:func:`loss_and_gradients` runs the unnormalised recurrence on a padded batch, scores every
position with the linear readout, and returns the weighted cross-entropy with its exact
gradient with respect to the per-letter matrices ``A`` (D, H, H), ``h_0``, the readout
``C`` and, when present, the additive term ``b`` (D, H). A rung's parameterisation
(:mod:`automata_bilinear.training.parameterisations`) pulls the gradient on ``A`` back to
its own parameters.

Training does not normalise the state (docs/theory.md §1): over the short training lengths
the unnormalised state stays in range, and scale invariance makes the normalised inference
engine (:func:`automata_bilinear.rnn.forward`) compute the same predictions.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> A = rng.standard_normal((2, 3, 3)) / 2
>>> tokens = np.array([[0, 1, 1], [1, 0, 0]])
>>> labels = np.array([[0, 1, 0], [1, 1, 0]])
>>> weights = np.full((2, 3), 1 / 6)
>>> out = loss_and_gradients(A, np.ones(3), rng.standard_normal((2, 3)), tokens, labels,
...                          weights)
>>> out.gradients["A"].shape, bool(out.loss > 0)
((2, 3, 3), True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["Adam", "LossAndGradients", "clip_by_global_norm", "loss_and_gradients",
           "predict_unnormalised"]

@dataclass(frozen=True)
class LossAndGradients:
    """The loss of one batch, its gradients and the training accuracy it saw.

    Attributes
    ----------
    loss
        Σ weights · (−log p(label)) (the weights of a batch sum to 1).
    gradients
        ``A`` (D, H, H), ``h0`` (H,), ``readout`` (Y, H) and, with an additive term,
        ``additive`` (D, H).
    correct
        Σ weights · [argmax = label]: the weighted training accuracy.
    """

    loss: float
    gradients: Mapping[str, np.ndarray]
    correct: float


class _LetterProducts:
    """``A_{x_b} v_b`` and ``A_{x_b}ᵀ v_b`` for a batch of rows, by the cheaper of two
    routes: when all letters together are small (B·D·H² ≤ 2²² multiply-adds), one GEMM
    against all letters stacked side by side; otherwise the rows are grouped by letter and
    each group is one GEMM with its own matrix (B·H² multiply-adds, one call per letter
    present)."""

    _STACKED_WORK = 2**22

    def __init__(self, A: np.ndarray, batch: int) -> None:
        D, H, _ = A.shape
        self.A, self.D, self.H = A, D, H
        self.stacked = batch * D * H * H <= self._STACKED_WORK
        if self.stacked:
            self.forward_stack = np.ascontiguousarray(A.transpose(2, 0, 1).reshape(H, D * H))
            self.backward_stack = np.ascontiguousarray(A.transpose(1, 0, 2).reshape(H, D * H))

    def _pick(self, products: np.ndarray, letters: np.ndarray) -> np.ndarray:
        return products.reshape(-1, self.D, self.H)[np.arange(letters.shape[0]), letters]

    def _grouped(self, letters: np.ndarray, v: np.ndarray, transposed: bool) -> np.ndarray:
        out = np.empty_like(v)
        order = np.argsort(letters, kind="stable")
        bounds = np.searchsorted(letters[order], np.arange(self.D + 1))
        for letter in np.flatnonzero(np.diff(bounds)):
            rows = order[bounds[letter]:bounds[letter + 1]]
            matrix = self.A[letter]
            out[rows] = v[rows] @ (matrix if transposed else matrix.T)
        return out

    def apply(self, letters: np.ndarray, v: np.ndarray) -> np.ndarray:
        if self.stacked:
            return self._pick(v @ self.forward_stack, letters)
        return self._grouped(letters, v, transposed=False)

    def apply_transposed(self, letters: np.ndarray, v: np.ndarray) -> np.ndarray:
        if self.stacked:
            return self._pick(v @ self.backward_stack, letters)
        return self._grouped(letters, v, transposed=True)


def _states(products: _LetterProducts, h0: np.ndarray, tokens: np.ndarray,
            additive: np.ndarray | None) -> np.ndarray:
    B, T = tokens.shape
    hs = np.empty((B, T + 1, products.H), dtype=products.A.dtype)
    hs[:, 0] = h0
    for t in range(T):
        hs[:, t + 1] = products.apply(tokens[:, t], hs[:, t])
        if additive is not None:
            hs[:, t + 1] += additive[tokens[:, t]]
    return hs


def loss_and_gradients(A: np.ndarray, h0: np.ndarray, readout: np.ndarray, tokens: np.ndarray,
                       labels: np.ndarray, weights: np.ndarray,
                       additive: np.ndarray | None = None) -> LossAndGradients:
    """Weighted cross-entropy of a padded batch and its exact gradients (BPTT).

    Parameters
    ----------
    A
        (D, H, H) per-letter matrices.
    h0
        (H,) initial state.
    readout
        (Y, H) readout ``C``; the scores at position t are ``C h_t``.
    tokens
        (B, T) letter indices, padded past each sequence's end (any letter).
    labels
        (B, T) the label after reading ``tokens[:, :t + 1]``.
    weights
        (B, T) loss weight of each position (0 on padding; summing to 1). Per-token loss
        spreads the weight over all positions, final-only loss puts it on the last one.
    additive
        Optional (D, H) additive input term ``b`` (the ablation of the source paper).

    Returns
    -------
    LossAndGradients
        A non-finite loss means the states overflowed; the gradients are then meaningless.
    """
    B, T = tokens.shape
    D, H, _ = A.shape
    A = np.ascontiguousarray(A)
    products = _LetterProducts(A, B)
    with np.errstate(over="ignore", invalid="ignore"):   # overflow shows as a non-finite loss
        hs = _states(products, h0, tokens, additive)
        logits = hs[:, 1:] @ readout.T                                   # (B, T, Y)
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        log_p = shifted - log_norm
        picked = np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]
        loss = float(-(weights * picked).sum())
        correct = float((weights * (logits.argmax(axis=-1) == labels)).sum())
        g_logits = np.exp(log_p) * weights[..., None]
        np.put_along_axis(g_logits, labels[..., None],
                          np.take_along_axis(g_logits, labels[..., None], axis=-1)
                          - weights[..., None], axis=-1)
        g_readout = np.einsum("bty,bth->yh", g_logits, hs[:, 1:], optimize=True)
        g_states = g_logits @ readout                                    # (B, T, H)
        upstream = np.empty((B, T, H), dtype=A.dtype)                    # ∂L/∂h_t (t ≥ 1)
        g = np.zeros((B, H), dtype=A.dtype)
        for t in reversed(range(T)):
            g = g + g_states[:, t]
            upstream[:, t] = g
            g = products.apply_transposed(tokens[:, t], g)
    gradients = {"A": np.zeros_like(A), "h0": g.sum(axis=0), "readout": g_readout}
    flat_tokens = tokens.reshape(-1)
    flat_up = upstream.reshape(-1, H)
    flat_prev = hs[:, :-1].reshape(-1, H)
    order = np.argsort(flat_tokens, kind="stable")
    bounds = np.searchsorted(flat_tokens[order], np.arange(D + 1))
    if additive is not None:
        gradients["additive"] = np.zeros_like(additive)
    for letter in range(D):   # ∂L/∂A_σ = Σ over positions reading σ of g_t h_{t−1}ᵀ
        rows = order[bounds[letter]:bounds[letter + 1]]
        if rows.size:
            gradients["A"][letter] = flat_up[rows].T @ flat_prev[rows]
            if additive is not None:
                gradients["additive"][letter] = flat_up[rows].sum(axis=0)
    return LossAndGradients(loss, gradients, correct)


def predict_unnormalised(A: np.ndarray, h0: np.ndarray, readout: np.ndarray,
                         tokens: np.ndarray, additive: np.ndarray | None = None,
                         chunk: int = 256) -> np.ndarray:
    """Per-position predictions (B, T) of the raw recurrence, as in training (positions
    1..T); an overflowed state predicts label −1.

    Trained models are tested with the normalised engine (:func:`automata_bilinear.rnn.forward`),
    which cannot overflow; this is the reference it is checked against on short words.
    """
    B, T = tokens.shape
    out = np.empty((B, T), dtype=np.int64)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, B, chunk):
            x = tokens[start:start + chunk]
            products = _LetterProducts(np.ascontiguousarray(A), x.shape[0])
            h = np.broadcast_to(h0, (x.shape[0], h0.shape[0])).copy()
            for t in range(T):
                h = products.apply(x[:, t], h)
                if additive is not None:
                    h += additive[x[:, t]]
                scores = h @ readout.T
                pred = scores.argmax(axis=-1)
                out[start:start + x.shape[0], t] = np.where(
                    np.isfinite(scores).all(axis=-1), pred, -1)
    return out


def clip_by_global_norm(gradients: dict[str, np.ndarray], max_norm: float | None) -> float:
    """Scale all gradients in place so their joint 2-norm is at most ``max_norm``; returns
    the norm before clipping (None: no clipping)."""
    # summed in float64: float32 squares overflow long before the gradients do
    norm = float(np.sqrt(sum(float(np.square(g, dtype=np.float64).sum())
                             for g in gradients.values())))
    if max_norm is not None and norm > max_norm:
        factor = max_norm / norm
        for g in gradients.values():
            g *= factor
    return norm


class Adam:
    """Adam (Kingma & Ba, ICLR 2015) with bias correction, updating arrays in place.

    The moments live here, one pair per parameter name; the parameters are the caller's.

    Examples
    --------
    >>> import numpy as np
    >>> x = {"w": np.array([1.0, -2.0])}
    >>> opt = Adam(lr=0.1)
    >>> for _ in range(200):
    ...     opt.step(x, {"w": 2 * x["w"]})   # gradient of ‖w‖²
    >>> bool(np.abs(x["w"]).max() < 0.05)
    True
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.count = 0
        self._m: dict[str, np.ndarray] = {}
        self._v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], gradients: Mapping[str, np.ndarray]) -> None:
        self.count += 1
        c1 = 1 - self.beta1 ** self.count
        c2 = 1 - self.beta2 ** self.count
        for name, g in gradients.items():
            p = params[name]
            m = self._m.setdefault(name, np.zeros_like(p))
            v = self._v.setdefault(name, np.zeros_like(p))
            scratch = np.multiply(g, 1 - self.beta1, dtype=p.dtype)   # in place below: a
            m *= self.beta1                                          # few passes per array,
            m += scratch                                             # which matters at
            np.multiply(g, g, out=scratch, dtype=p.dtype, casting="unsafe")  # D·H² params
            scratch *= 1 - self.beta2
            v *= self.beta2
            v += scratch
            np.sqrt(v, out=scratch)
            scratch *= 1 / np.sqrt(c2)
            scratch += self.eps
            np.divide(m, scratch, out=scratch)
            scratch *= self.lr / c1
            p -= scratch
