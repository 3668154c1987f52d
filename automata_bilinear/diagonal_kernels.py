"""Compiled inner loop of the diagonal engine (numba): one pass per sequence and step.

:func:`automata_bilinear.rnn.forward` runs diagonal models as runs of multiplications
``h_t = h_{t−1} ⊙ λ_{x_t}`` between exact anchors computed from the letter counts. In NumPy
each step of a run is several passes over a (block, H) array (the product, the largest
coordinate, the scores, the top two), each reading and writing memory. Here one sequence's
state (H floats) stays in the first-level cache for the whole run, and each step is one
fused loop: the product, the largest coordinate (as the largest bit pattern of
``|h_i|``, which orders non-negative doubles exactly and vectorises as integers), the scores
and the top two.

The arithmetic is the NumPy engine's, operation for operation, except the order in which a
score's H products are added (vectorised partial sums): the rounding bound of
:mod:`automata_bilinear.verify` (``γ_{H+1}`` for the scores) holds for every order. The
products and divisions are not reassociated or fused.

numba is imported, and the loop compiled (a few seconds, then cached on disk by numba), on the
first call of :func:`compiled_runs`; importing this module costs nothing. Setting the
environment variable ``AUTOMATA_BILINEAR_NO_JIT=1`` (or running without numba installed) keeps
the NumPy engine.

References
----------
Lam, Pitrou & Seibert, "Numba: a LLVM-based Python JIT compiler", LLVM-HPC 2015.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np

__all__ = ["compiled_runs", "diagonal_runs"]

_MAGNITUDE_BITS = np.int64(0x7FFFFFFFFFFFFFFF)  # every bit of a double but the sign
_SMALLEST_NORMAL = 2.0**-1022


def _dot(C: np.ndarray, y: int, h: np.ndarray, acc: float) -> float:  # pragma: no cover
    # reassociation only: the products are summed in vectorised partial sums. Rows are
    # indexed, not sliced: a view per call costs two reference-count updates
    for i in range(h.shape[0]):
        acc += C[y, i] * h[i]
    return acc


def _largest_bits(h_bits: np.ndarray, largest: np.int64) -> np.int64:  # pragma: no cover
    for i in range(h_bits.shape[0]):
        bits = h_bits[i] & _MAGNITUDE_BITS
        largest = bits if bits > largest else largest
    return largest


def diagonal_runs(lam_re: np.ndarray, lam_im: np.ndarray, lam_r: np.ndarray, x: np.ndarray,
                  anchor: np.ndarray, top: np.ndarray, C_re: np.ndarray, C_im: np.ndarray,
                  C_r: np.ndarray, bias: np.ndarray, has_bias: bool, normalise: bool,
                  smallest: float, R: float, preds: np.ndarray, margins: np.ndarray,
                  hidden: np.ndarray, write_hidden: bool) -> None:  # pragma: no cover
    """One run of ``k`` multiplicative steps for ``B`` sequences, from their anchors.

    The state's coordinates are ``(Re z_1, Im z_1, …, Re z_nc, Im z_nc, r_1, …, r_nr)``;
    inside, the real and imaginary parts and the real units are kept in three arrays, each
    read from index 0 (offsets into one array kept the loops from vectorising).

    Parameters
    ----------
    lam_re, lam_im
        (D, nc) float64 real and imaginary parts of the complex eigenvalues.
    lam_r
        (D, nr) float64 real eigenvalues.
    x
        (B, k) int64 letters of the run.
    anchor, top
        (B, 2·nc + nr) float64 anchors normalised to ``max|h| = 1``, and their log-scales.
    C_re, C_im, C_r
        The readout's columns for the three parts, (Y, nc), (Y, nc), (Y, nr), in the output
        dtype; without ``normalise``, the float64 readout divided by ``R``
        (:func:`~automata_bilinear.rnn.readout_scale`).
    bias, has_bias
        (Y,) bias in the output dtype, and whether there is one.
    normalise
        Score the normalised state cast to the readout's dtype (the bias rescaled by the
        log-scale); otherwise score the unnormalised float64 run and multiply each margin
        by ``R`` and divide it by the position's largest coordinate.
    smallest
        The output dtype's smallest normal number: normalised entries below it are 0.
    preds, margins
        (B, k) outputs: argmax and the gap between the two largest scores.
    hidden, write_hidden
        (B, k, H) output for the normalised states (any shape when not written).
    """
    B, k = x.shape
    nc = lam_re.shape[1]
    nr = lam_r.shape[1]
    Y = C_r.shape[0]
    dt = C_r.dtype
    h_re = np.empty(nc, dtype=np.float64)
    h_im = np.empty(nc, dtype=np.float64)
    h_r = np.empty(nr, dtype=np.float64)
    bits_re, bits_im, bits_r = h_re.view(np.int64), h_im.view(np.int64), h_r.view(np.int64)
    hd_re = np.empty(nc, dtype=dt)
    hd_im = np.empty(nc, dtype=dt)
    hd_r = np.empty(nr, dtype=dt)
    rescale = np.empty(2, dtype=dt)  # (up, down) for the bias, cast to dt on storing
    zero = np.zeros(1, dtype=dt)[0]
    peak_bits = np.empty(1, dtype=np.int64)
    peak_value = peak_bits.view(np.float64)
    for b in range(B):
        for i in range(nc):
            h_re[i] = anchor[b, 2 * i]
            h_im[i] = anchor[b, 2 * i + 1]
        for i in range(nr):
            h_r[i] = anchor[b, 2 * nc + i]
        for j in range(k):
            d = x[b, j]
            # products below the smallest normal number are flushed to zero (the rounding
            # bound of verify allows one smallest normal per unit and step): a unit decaying
            # through the subnormal range would cost ~100 cycles per step
            for i in range(nc):  # NumPy's complex product (ac − bd, ad + bc)
                re = h_re[i] * lam_re[d, i] - h_im[i] * lam_im[d, i]
                im = h_re[i] * lam_im[d, i] + h_im[i] * lam_re[d, i]
                h_re[i] = re if abs(re) >= _SMALLEST_NORMAL else 0.0
                h_im[i] = im if abs(im) >= _SMALLEST_NORMAL else 0.0
            for i in range(nr):
                v = h_r[i] * lam_r[d, i]
                h_r[i] = v if abs(v) >= _SMALLEST_NORMAL else 0.0
            # the largest |coordinate|: for non-negative doubles the bit patterns, read as
            # integers, are in the same order (and integer maxima vectorise)
            largest = _largest_bits(bits_r, _largest_bits(bits_im, _largest_bits(
                bits_re, np.int64(0))))
            peak_bits[0] = largest
            peak = peak_value[0]
            safe_peak = peak if peak > 0 else 1.0
            if normalise:
                # entries below dt's smallest normal number are flushed to zero: subnormal
                # arithmetic is ~100x slower, and the rounding bound already allows an
                # error of one smallest normal per unit here
                for i in range(nc):
                    v = h_re[i] / safe_peak
                    hd_re[i] = v if abs(v) >= smallest else 0.0
                    v = h_im[i] / safe_peak
                    hd_im[i] = v if abs(v) >= smallest else 0.0
                for i in range(nr):
                    v = h_r[i] / safe_peak
                    hd_r[i] = v if abs(v) >= smallest else 0.0
                if write_hidden:
                    for i in range(nc):
                        hidden[b, j, 2 * i] = hd_re[i]
                        hidden[b, j, 2 * i + 1] = hd_im[i]
                    for i in range(nr):
                        hidden[b, j, 2 * nc + i] = hd_r[i]
                rescale[0] = 1.0
                rescale[1] = 1.0
                if has_bias:
                    scale = top[b] + np.log(peak)
                    if scale >= 0:
                        rescale[1] = np.exp(-scale)
                    else:
                        rescale[0] = np.exp(scale)
            best = -np.inf
            second = -np.inf
            arg = 0
            for y in range(Y):
                if normalise:  # in dt, like NumPy's scores of the cast state
                    s_dt = _dot(C_r, y, hd_r, _dot(C_im, y, hd_im, _dot(C_re, y, hd_re, zero)))
                    if has_bias:
                        s_dt = s_dt * rescale[0] + bias[y] * rescale[1]
                    s = s_dt
                else:
                    s = _dot(C_r, y, h_r, _dot(C_im, y, h_im, _dot(C_re, y, h_re, 0.0)))
                if s > best:
                    second = best
                    best = s
                    arg = y
                elif s > second:
                    second = s
            preds[b, j] = arg
            if Y == 1:
                margins[b, j] = np.inf
            elif normalise:
                margins[b, j] = best - second
            else:
                margins[b, j] = (best - second) / safe_peak * R


_COMPILED: list[Callable[..., None]] = []  # the compiled diagonal_runs, once built
_COMPILE_LOCK = threading.Lock()


def compiled_runs() -> Callable[..., None] | None:
    """The compiled :func:`diagonal_runs`, or None when numba is not installed or the
    environment variable ``AUTOMATA_BILINEAR_NO_JIT`` is set to anything but 0.

    The helpers are compiled first and bound in their place in this module, so that the
    compiled loop calls (and inlines) them; as plain Python the module still runs, slowly.

    Examples
    --------
    >>> runs = compiled_runs()
    >>> import numpy as np
    >>> preds, margins = np.zeros((1, 2), np.int64), np.zeros((1, 2))
    >>> none = np.zeros((1, 0))
    >>> runs(none, none, np.array([[-1.0], [1.0]]), np.array([[1, 0]]), np.ones((1, 1)),
    ...      np.zeros(1), none, none, np.array([[1.0], [-1.0]]), np.zeros(2), False, False,
    ...      2.0**-1022, 1.0, preds, margins, np.zeros((1, 1, 1)), False)
    >>> preds.tolist(), margins.tolist()  # h: 1 → 1 · λ_1 = 1 → 1 · λ_0 = −1
    ([[0, 1]], [[2.0, 2.0]])
    """
    if os.environ.get("AUTOMATA_BILINEAR_NO_JIT", "0") not in ("", "0"):
        return None
    with _COMPILE_LOCK:
        if not _COMPILED:
            try:  # imported here: numba takes ~0.4 s to import
                import numba
            except ImportError:
                return None
            module = globals()
            options = {"nogil": True, "cache": True}
            # reassociation for the sums only: the products are summed in vectorised
            # partial sums, which the rounding bound allows
            module["_dot"] = numba.njit(fastmath={"reassoc"}, **options)(_dot)
            module["_largest_bits"] = numba.njit(**options)(_largest_bits)
            _COMPILED.append(numba.njit(**options)(diagonal_runs))
        return _COMPILED[0]
