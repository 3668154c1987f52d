"""Trainable parameterisations of the rungs: parameters → per-letter matrices, and back.

Training has one engine (:mod:`automata_bilinear.training.engine`): it runs BPTT on the
per-letter matrices ``A`` (D, H, H) and returns the gradient of the loss with respect to
them. Each rung only has to say two things, which this module holds in one
:class:`Parameterisation` per rung:

- ``matrices(theta)``: its parameters → ``A`` (D, H, H);
- ``pullback(theta, gA)``: the vector-Jacobian product, the gradient with respect to its
  parameters given the gradient with respect to ``A``.

Both are hand-written (no autodiff); ``tests/test_training.py`` checks every pullback
against central finite differences in float64. ``export(theta)`` turns trained parameters
into the rung's native stored form, so a trained model is an ordinary model of its rung
(:class:`~automata_bilinear.model.BilinearModel`).

=====================  ==============================================================
rung                   trained parameters → ``A_σ``
=====================  ==============================================================
``full``               ``A`` (D, H, H) itself
``cp``                 ``U`` (H, R), ``V`` (H, R), ``d`` (D, R): ``U diag(d_σ) Vᵀ``
``block``              ``blocks`` (D, H/b, b, b): block-diagonal, block size b
``complex_diagonal``   ``re``, ``im`` (D, ⌊H/2⌋), ``real`` (D, H mod 2): 2×2 blocks
                       ``[[a, −b], [b, a]]`` (the paper's R2 / complex diagonal)
``real_diagonal``      ``eigenvalues`` (D, H): ``diag(λ_σ)``
``positive_diagonal``  ``logits`` (D, H): ``diag(exp(−softplus(θ_σ)))`` ∈ (0, 1), as in
                       Mamba's discretised decay
``pd``                 ``logits`` (D, H, H), ``scale`` (D, H): column j of ``P_σ`` is the
                       one-hot argmax of column j of the logits, ``A_σ = P_σ diag(scale_σ)``
``householder``        ``vectors`` (D, n, H), ``beta_logits`` (D, n): ``H_n ⋯ H_1`` with
                       ``H_i = I − β u uᵀ``, ``u = v/‖v‖``, ``β = β_max · sigmoid(θ)``
=====================  ==============================================================

The ``pd`` rung's argmax is piecewise constant; its pullback is the straight-through
estimator of PD-SSM (Terzić et al., NeurIPS 2025): the exact gradient of the soft surrogate
``softmax(logits) diag(scale)`` with respect to the logits, and the exact gradient with
respect to the scales. The tests check it against finite differences of that surrogate.

Initialisations are assumptions (the source paper does not state them); each is chosen
so that ``A_σ`` has spectral radius about 1 and the unnormalised training states neither
explode nor vanish over the training lengths.

Examples
--------
>>> import numpy as np
>>> p = get_parameterisation("complex_diagonal")
>>> theta = p.init(np.random.default_rng(0), hidden=4, n_symbols=3, options={})
>>> p.matrices(theta).shape
(3, 4, 4)
>>> sorted(p.export(theta))
['complex_eigenvalues', 'real_eigenvalues']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError

__all__ = [
    "FROZEN",
    "PARAMETERISATIONS",
    "TRAINABLE_RUNGS",
    "Parameterisation",
    "get_parameterisation",
]

Theta = dict[str, np.ndarray]
Options = Mapping[str, Any]


@dataclass(frozen=True)
class Parameterisation:
    """How one rung is trained; see the module docstring.

    Attributes
    ----------
    rung
        The rung's registry name (the saved model's rung).
    summary
        The parameters and the map to ``A_σ``, in one line.
    init
        ``init(rng, hidden, n_symbols, options) -> theta`` (float64 arrays).
    matrices
        ``matrices(theta) -> A`` (D, H, H).
    pullback
        ``pullback(theta, gA) -> {name: gradient}``, same names and shapes as ``theta``.
    export
        ``export(theta) -> native parameters`` of the rung's stored form.
    check
        ``check(hidden, options)`` refuses a hidden size or option the form cannot take
        (raises :class:`InvalidArgumentError`).
    option_names
        The options the rung reads (``rank``, ``block_size``, ``factors``, ``beta_max``).
    """

    rung: str
    summary: str
    init: Callable[[np.random.Generator, int, int, Options], Theta]
    matrices: Callable[[Theta], np.ndarray]
    pullback: Callable[[Theta, np.ndarray], Theta]
    export: Callable[[Theta], dict[str, np.ndarray]]
    check: Callable[[int, Options], None]
    option_names: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"<Parameterisation {self.rung}: {self.summary}>"


def _no_check(hidden: int, options: Options) -> None:
    return None


def _haar_orthogonal(rng: np.random.Generator, count: int, size: int) -> np.ndarray:
    """``count`` Haar-random orthogonal ``size × size`` matrices (QR with sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((count, size, size)))
    return q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]


# -- full --------------------------------------------------------------------------------


def _full_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options) -> Theta:
    return {"A": _haar_orthogonal(rng, n_symbols, hidden)}


FULL = Parameterisation(
    rung="full", summary="A (D, H, H): every entry of every matrix",
    init=_full_init, matrices=lambda th: th["A"],
    pullback=lambda th, gA: {"A": gA},
    export=lambda th: {"W": np.ascontiguousarray(np.moveaxis(th["A"], 0, 2))},
    check=_no_check,
)


# -- CP ------------------------------------------------------------------------------------


def _cp_rank(hidden: int, options: Options) -> int:
    rank = options.get("rank")
    return hidden if rank is None else int(rank)


def _cp_check(hidden: int, options: Options) -> None:
    rank = options.get("rank")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
        raise InvalidArgumentError(f"cp: rank must be an integer ≥ 1, got {rank!r}")


def _cp_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options) -> Theta:
    rank = _cp_rank(hidden, options)
    # Var(A_ij) = R·Var(U)·Var(V)·Var(d) = 1/H: spectral radius about 1 (circular law).
    std = (hidden * rank) ** -0.25
    return {"U": rng.normal(0, std, (hidden, rank)), "V": rng.normal(0, std, (hidden, rank)),
            "d": rng.standard_normal((n_symbols, rank))}


def _cp_matrices(th: Theta) -> np.ndarray:
    return np.einsum("ir,dr,jr->dij", th["U"], th["d"], th["V"], optimize=True)


def _cp_pullback(th: Theta, gA: np.ndarray) -> Theta:
    gAV = gA @ th["V"]                                    # (D, H, R): Σ_j gA_dij V_jr
    gAtU = np.swapaxes(gA, 1, 2) @ th["U"]                # (D, H, R): Σ_i gA_dij U_ir
    return {"U": np.einsum("dir,dr->ir", gAV, th["d"]),
            "V": np.einsum("djr,dr->jr", gAtU, th["d"]),
            "d": np.einsum("ir,dir->dr", th["U"], gAV)}


CP = Parameterisation(
    rung="cp", summary="U (H, R), V (H, R), d (D, R): A_σ = U diag(d_σ) Vᵀ (R = rank, default H)",
    init=_cp_init, matrices=_cp_matrices, pullback=_cp_pullback,
    export=lambda th: {"U": th["U"], "V": th["V"], "d": th["d"]},
    check=_cp_check, option_names=("rank",),
)


# -- block-diagonal ----------------------------------------------------------------------


def _block_size(options: Options) -> int:
    return int(options.get("block_size") or 2)


def _block_check(hidden: int, options: Options) -> None:
    b = options.get("block_size")
    if b is not None and (isinstance(b, bool) or not isinstance(b, int) or b < 1):
        raise InvalidArgumentError(f"block: block_size must be an integer ≥ 1, got {b!r}")
    if hidden % _block_size(options):
        raise InvalidArgumentError(f"block: hidden size {hidden} is not a multiple of the "
                                   f"block size {_block_size(options)}")


def _block_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options
                ) -> Theta:
    b = _block_size(options)
    nb = hidden // b
    if b == 1:
        return {"blocks": rng.uniform(-1, 1, (n_symbols, nb, 1, 1))}
    return {"blocks": _haar_orthogonal(rng, n_symbols * nb, b).reshape(n_symbols, nb, b, b)}


def _block_index(nb: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices (nb, b, b) of every block entry inside the H × H matrix."""
    base = (np.arange(nb) * b)[:, None, None]
    rows = base + np.arange(b)[None, :, None] + np.zeros((1, 1, b), dtype=int)
    cols = base + np.arange(b)[None, None, :] + np.zeros((1, b, 1), dtype=int)
    return rows, cols


def _block_matrices(th: Theta) -> np.ndarray:
    D, nb, b, _ = th["blocks"].shape
    rows, cols = _block_index(nb, b)
    A = np.zeros((D, nb * b, nb * b), dtype=th["blocks"].dtype)
    A[:, rows, cols] = th["blocks"]
    return A


def _block_pullback(th: Theta, gA: np.ndarray) -> Theta:
    _, nb, b, _ = th["blocks"].shape
    rows, cols = _block_index(nb, b)
    return {"blocks": gA[:, rows, cols]}


def _block_export(th: Theta) -> dict[str, np.ndarray]:
    _, nb, b, _ = th["blocks"].shape
    return {"blocks": th["blocks"], "block_sizes": np.full(nb, b, dtype=np.float64)}


BLOCK = Parameterisation(
    rung="block", summary="blocks (D, H/b, b, b): block-diagonal A_σ (block_size b, default 2)",
    init=_block_init, matrices=_block_matrices, pullback=_block_pullback,
    export=_block_export, check=_block_check, option_names=("block_size",),
)


# -- complex diagonal (R2 blocks) --------------------------------------------------------


def _r2_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options) -> Theta:
    c = hidden // 2
    radius = rng.uniform(0.8, 1.0, (n_symbols, c))
    angle = rng.uniform(0, 2 * np.pi, (n_symbols, c))
    return {"re": radius * np.cos(angle), "im": radius * np.sin(angle),
            "real": rng.uniform(-1, 1, (n_symbols, hidden % 2))}


def _r2_matrices(th: Theta) -> np.ndarray:
    a, b, r = th["re"], th["im"], th["real"]
    D, c = a.shape
    H = 2 * c + r.shape[1]
    A = np.zeros((D, H, H), dtype=a.dtype)
    i = 2 * np.arange(c)
    A[:, i, i] = a
    A[:, i + 1, i + 1] = a
    A[:, i, i + 1] = -b
    A[:, i + 1, i] = b
    j = 2 * c + np.arange(r.shape[1])
    A[:, j, j] = r
    return A


def _r2_pullback(th: Theta, gA: np.ndarray) -> Theta:
    c = th["re"].shape[1]
    i = 2 * np.arange(c)
    j = 2 * c + np.arange(th["real"].shape[1])
    return {"re": gA[:, i, i] + gA[:, i + 1, i + 1],
            "im": gA[:, i + 1, i] - gA[:, i, i + 1],
            "real": gA[:, j, j]}


COMPLEX_DIAGONAL = Parameterisation(
    rung="complex_diagonal",
    summary="re, im (D, H/2): 2×2 blocks [[a, −b], [b, a]] linear in the input (R2)",
    init=_r2_init, matrices=_r2_matrices, pullback=_r2_pullback,
    export=lambda th: {"complex_eigenvalues": th["re"] + 1j * th["im"],
                       "real_eigenvalues": th["real"]},
    check=_no_check,
)


# -- real and positive diagonal ------------------------------------------------------------


def _diag(values: np.ndarray) -> np.ndarray:
    D, H = values.shape
    A = np.zeros((D, H, H), dtype=values.dtype)
    A[:, np.arange(H), np.arange(H)] = values
    return A


def _diagonal_of(gA: np.ndarray) -> np.ndarray:
    return np.diagonal(gA, axis1=1, axis2=2).copy()


REAL_DIAGONAL = Parameterisation(
    rung="real_diagonal", summary="eigenvalues (D, H): A_σ = diag(λ_σ)",
    init=lambda rng, hidden, n_symbols, options: {
        "eigenvalues": rng.uniform(-1, 1, (n_symbols, hidden))},
    matrices=lambda th: _diag(th["eigenvalues"]),
    pullback=lambda th, gA: {"eigenvalues": _diagonal_of(gA)},
    export=lambda th: {"eigenvalues": th["eigenvalues"]},
    check=_no_check,
)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * z))


def _positive_values(th: Theta) -> np.ndarray:
    return np.exp(-_softplus(th["logits"]))


def _positive_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options
                   ) -> Theta:
    lam = rng.uniform(0.5, 0.99, (n_symbols, hidden))
    return {"logits": np.log(1 / lam - 1)}   # softplus(θ) = −log λ


def _positive_export(th: Theta) -> dict[str, np.ndarray]:
    # exp(−softplus(θ)) underflows to 0 only for θ > 745; keep the stored form valid (> 0).
    return {"eigenvalues": np.maximum(_positive_values(th), np.finfo(np.float64).tiny)}


POSITIVE_DIAGONAL = Parameterisation(
    rung="positive_diagonal",
    summary="logits (D, H): A_σ = diag(exp(−softplus(θ_σ))), eigenvalues in (0, 1)",
    init=_positive_init, matrices=lambda th: _diag(_positive_values(th)),
    pullback=lambda th, gA: {
        "logits": -_diagonal_of(gA) * _positive_values(th) * _sigmoid(th["logits"])},
    export=_positive_export, check=_no_check,
)


# -- PD (column one-hot times diagonal) --------------------------------------------------


def _pd_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options) -> Theta:
    sign = rng.choice([-1.0, 1.0], (n_symbols, hidden))
    return {"logits": rng.standard_normal((n_symbols, hidden, hidden)),
            "scale": sign * rng.uniform(0.5, 1.0, (n_symbols, hidden))}


def _pd_hard(th: Theta) -> np.ndarray:
    L = th["logits"]
    P = np.zeros_like(L)
    D, _, H = L.shape
    P[np.arange(D)[:, None], L.argmax(axis=1), np.arange(H)[None, :]] = 1
    return P


def _pd_soft(th: Theta) -> np.ndarray:
    L = th["logits"]
    e = np.exp(L - L.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _pd_pullback(th: Theta, gA: np.ndarray) -> Theta:
    S = _pd_soft(th)
    gS = gA * th["scale"][:, None, :]              # A = P · diag(scale): column j scaled
    return {"logits": S * (gS - (S * gS).sum(axis=1, keepdims=True)),  # column softmax VJP
            "scale": (gA * _pd_hard(th)).sum(axis=1)}


def _pd_export(th: Theta) -> dict[str, np.ndarray]:
    scale = th["scale"]
    # the stored form needs nonzero scales; a scale exactly 0 is a dead column either way
    return {"index": th["logits"].argmax(axis=1).astype(np.float64),
            "scale": np.where(scale == 0, np.finfo(np.float64).tiny, scale)}


PD = Parameterisation(
    rung="pd",
    summary="logits (D, H, H), scale (D, H): A_σ = onehot(argmax_col logits_σ) diag(scale_σ), "
            "straight-through gradient",
    init=_pd_init, matrices=lambda th: _pd_hard(th) * th["scale"][:, None, :],
    pullback=_pd_pullback, export=_pd_export, check=_no_check,
)


# -- Householder products ------------------------------------------------------------------


def _hh_factors(options: Options) -> int:
    return int(options.get("factors") or 1)


def _hh_beta_max(options: Options) -> float:
    return float(options.get("beta_max") or 2.0)


def _hh_check(hidden: int, options: Options) -> None:
    n = options.get("factors")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise InvalidArgumentError(f"householder: factors must be an integer ≥ 1, got {n!r}")
    beta = options.get("beta_max")
    if beta is not None and (isinstance(beta, bool) or beta not in (1, 2)):
        raise InvalidArgumentError(f"householder: beta_max must be 1 (eigenvalues in [0, 1]) "
                                   f"or 2 (in [−1, 1]), got {beta!r}")


def _hh_init(rng: np.random.Generator, hidden: int, n_symbols: int, options: Options) -> Theta:
    n = _hh_factors(options)
    return {"vectors": rng.standard_normal((n_symbols, n, hidden)),
            "beta_logits": rng.standard_normal((n_symbols, n)),
            "beta_max": np.array(_hh_beta_max(options))}


def _hh_units(th: Theta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v = th["vectors"]
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    beta = th["beta_max"] * _sigmoid(th["beta_logits"])
    return v / norm, norm, beta


def _hh_factor_matrices(u: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``I − β u uᵀ`` for every letter and factor: (D, n, H, H)."""
    H = u.shape[-1]
    return np.eye(H, dtype=u.dtype) - beta[..., None, None] * u[..., :, None] * u[..., None, :]


def _hh_matrices(th: Theta) -> np.ndarray:
    u, _, beta = _hh_units(th)
    F = _hh_factor_matrices(u, beta)
    A = F[:, 0]
    for i in range(1, F.shape[1]):   # factor 1 acts first
        A = F[:, i] @ A
    return A


def _hh_pullback(th: Theta, gA: np.ndarray) -> Theta:
    u, norm, beta = _hh_units(th)
    F = _hh_factor_matrices(u, beta)
    D, n, H = u.shape
    before = [np.broadcast_to(np.eye(H), (D, H, H))]       # F_{i-1} ⋯ F_1
    for i in range(n - 1):
        before.append(F[:, i] @ before[-1])
    after = np.broadcast_to(np.eye(H), (D, H, H))          # F_n ⋯ F_{i+1}
    g_u = np.empty_like(u)
    g_beta = np.empty_like(beta)
    for i in reversed(range(n)):
        G = np.swapaxes(after, 1, 2) @ gA @ np.swapaxes(before[i], 1, 2)   # ∂L/∂F_i
        ui = u[:, i]
        Gu = np.einsum("dij,dj->di", G, ui)
        GTu = np.einsum("dji,dj->di", G, ui)
        g_beta[:, i] = -np.einsum("di,di->d", ui, Gu)
        g_u[:, i] = -beta[:, i, None] * (Gu + GTu)
        after = after @ F[:, i]
    g_v = (g_u - u * np.einsum("dni,dni->dn", u, g_u)[..., None]) / norm
    s = _sigmoid(th["beta_logits"])
    return {"vectors": g_v, "beta_logits": g_beta * th["beta_max"] * s * (1 - s),
            "beta_max": np.zeros_like(th["beta_max"])}


def _hh_export(th: Theta) -> dict[str, np.ndarray]:
    _, _, beta = _hh_units(th)
    return {"vectors": th["vectors"], "betas": beta}


HOUSEHOLDER = Parameterisation(
    rung="householder",
    summary="vectors (D, n, H), beta_logits (D, n): products of n generalised Householder "
            "factors, β = β_max·sigmoid(θ) (β_max 2: eigenvalues in [−1, 1]; 1: in [0, 1])",
    init=_hh_init, matrices=_hh_matrices, pullback=_hh_pullback, export=_hh_export,
    check=_hh_check, option_names=("factors", "beta_max"),
)


PARAMETERISATIONS: Mapping[str, Parameterisation] = MappingProxyType({
    p.rung: p for p in (FULL, HOUSEHOLDER, PD, CP, BLOCK, COMPLEX_DIAGONAL, REAL_DIAGONAL,
                        POSITIVE_DIAGONAL)
})
"""Rung name → :class:`Parameterisation`, widest first."""

TRAINABLE_RUNGS: tuple[str, ...] = tuple(PARAMETERISATIONS)
"""The rungs training supports (the exact-only rungs — sign diagonal, rotation,
orthogonal blocks — have no trainable form here)."""

FROZEN = frozenset({"beta_max"})
"""Parameter names that are constants of the form, never updated by the optimiser."""


def get_parameterisation(rung: object) -> Parameterisation:
    """The :class:`Parameterisation` of ``rung``; an :class:`InvalidArgumentError` listing the
    trainable rungs otherwise.

    Examples
    --------
    >>> get_parameterisation("rotation")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.InvalidArgumentError: rung 'rotation' has no trainable form; ...
    """
    p = PARAMETERISATIONS.get(rung) if isinstance(rung, str) else None
    if p is None:
        raise InvalidArgumentError(f"rung {rung!r} has no trainable form; trainable rungs: "
                                   f"{', '.join(TRAINABLE_RUNGS)}")
    return p
