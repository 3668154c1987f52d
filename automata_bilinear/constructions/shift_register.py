"""A contracting model of the last-k-letters task: a shift register with decaying lags.

The state holds k blocks of size ``1 + D``; block 0 is ``(1, e_σ)`` for the last letter σ
and block j is ``w^j (1, e_{σ_j})`` for the letter j steps back. Letter σ shifts every block
one lag down (times w) and writes ``(1, e_σ)`` into block 0 from block 0's first entry
(a linear functional of norm 1, the same for every state). What is forgotten is lost and
what is kept shrinks by w < 1 relative to the new block, so the normalised dynamics
contracts: a region certificate exists, and survives small perturbations of the weights
(docs/theory.md §13). The readout scores the string ``s_{k-1} … s_0`` by
``Σ_j w^{−j} block_j[1 + s_j]``: k at the true string, at most k − 1 elsewhere.

An optional random orthogonal embedding into ``hidden`` dimensions makes the weights look
like a trained model's (dense, no visible structure) without changing the dynamics.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..errors import InvalidArgumentError
from ..limits import check_allocation
from ..model import BilinearModel
from ..validation import as_generator, check_integer

__all__ = ["perturb", "shift_register_model"]


def shift_register_model(k: int, symbols: int = 2, *, decay: float = 0.5,
                         hidden: int | None = None, seed: int | np.random.Generator = 0
                         ) -> BilinearModel:
    """A full-rung model of ``last_letters:k,symbols=D`` whose dynamics contracts.

    Parameters
    ----------
    k, symbols
        The task ``last_letters(k, symbols)``.
    decay
        The factor w in (0, 1) of each lag.
    hidden
        Embed into this many dimensions (≥ k(1 + D)) by a random orthogonal map; default:
        no embedding, H = k(1 + D).
    seed
        Seed of the embedding.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import last_letters
    >>> from automata_bilinear.rnn import forward
    >>> model = shift_register_model(2, 3)
    >>> out = forward(model, [[1, 2, 0]])
    >>> [model.output_labels[p] for p in out.predictions[0]]
    ['00', '01', '12', '20']
    """
    k = check_integer(k, "k", minimum=1)
    D = check_integer(symbols, "symbols", minimum=1)
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay < 1:
        raise InvalidArgumentError(f"decay must be in (0, 1), got {decay!r}")
    n = 1 + D
    H0 = k * n
    H = H0 if hidden is None else check_integer(hidden, "hidden", minimum=H0)
    check_allocation("shift-register transitions", (D, H, H))
    check_allocation("shift-register readout", (D ** k, H))
    A = np.zeros((D, H0, H0))
    for s in range(D):
        for j in range(1, k):
            A[s, j * n:(j + 1) * n, (j - 1) * n:j * n] = decay * np.eye(n)
        A[s, 0, 0] = 1.0
        A[s, 1 + s, 0] = 1.0
    h0 = np.zeros(H0)
    strings = list(itertools.product(range(D), repeat=k))  # (s_{k-1}, …, s_0)
    C = np.zeros((len(strings), H0))
    for i, string in enumerate(strings):
        for j, s in enumerate(reversed(string)):
            C[i, j * n + 1 + s] = decay ** -j
    for j in range(k):
        h0[j * n] = h0[j * n + 1] = decay ** j
    labels = tuple("".join(str(s) for s in string) for string in strings)
    if H != H0:
        Q, _ = np.linalg.qr(as_generator(seed).standard_normal((H, H)))
        E = Q[:, :H0]
        A = np.einsum("ia,dab,jb->dij", E, A, E)
        h0, C = E @ h0, C @ E.T
    return BilinearModel("full", {"W": np.moveaxis(A, 0, 2)}, h0, C,
                         tuple(str(s) for s in range(D)), labels,
                         construction=f"shift register (decay {decay:g})")


def perturb(model: BilinearModel, scale: float, *, seed: int | np.random.Generator = 0
            ) -> BilinearModel:
    """The model with Gaussian noise of standard deviation ``scale/√H`` added to every
    transition entry (a full-rung model; readout and ``h0`` unchanged).

    Examples
    --------
    >>> m = perturb(shift_register_model(1, 2), 1e-3)
    >>> m.rung, m.hidden_size
    ('full', 3)
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
            np.isfinite(scale) and scale >= 0):
        raise InvalidArgumentError(f"scale must be a finite number ≥ 0, got {scale!r}")
    A = model.transitions
    noise = as_generator(seed).standard_normal(A.shape) * (scale / np.sqrt(model.hidden_size))
    return BilinearModel("full", {"W": np.moveaxis(A + noise, 0, 2)}, model.h0, model.readout,
                         model.alphabet, model.output_labels, bias=model.bias,
                         construction=f"{model.construction or 'model'} + noise {scale:g}")
