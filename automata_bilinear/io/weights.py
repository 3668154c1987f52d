"""Import trained weights without PyTorch: ``.npz`` and ``.safetensors`` archives.

A trained bilinear RNN is a transition tensor, an initial state and a readout; this module
finds them by name in an archive, fixes the axis order, folds an input embedding into the
per-letter matrices and returns a validated full-rung
:class:`~automata_bilinear.model.BilinearModel`. Safetensors files are read with the
``safetensors`` package's NumPy API (no torch needed).

Name mapping (the first name present wins; ``names=`` overrides any of them; a name also
matches with any module prefix, e.g. ``model.cell.W`` for ``W``):

=============  ==========================================================  ==============
role           names tried                                                 shape
=============  ==========================================================  ==============
transitions    ``W``, ``A``, ``transitions``, ``bilinear.weight``,          (H, H, K) or
               ``weight_bilinear``                                         (K, H, H)
h0             ``h0``, ``h_0``, ``initial_state``, ``init_state``          (H,) or (1, H)
readout        ``readout.weight``, ``C``, ``readout``, ``decoder.weight``,  (Y, H)
               ``head.weight``, ``fc.weight``, ``out.weight``
bias           ``readout.bias``, ``bias``, ``decoder.bias``, ``head.bias``,  (Y,)
               ``fc.bias``, ``out.bias``
embedding      ``embedding.weight``, ``embed.weight``, ``E``                (V, K)
=============  ==========================================================  ==============

Layout ``"hhd"`` reads ``W[i, j, k]`` as the weight of ``x[k] h[j]`` in ``h'[i]`` (the
paper's convention); ``"dhh"`` reads ``W[k, i, j]``. ``"auto"`` picks the one the shapes
allow and refuses when both do (H = K). Without an embedding the letters are the K input
coordinates (one-hot inputs); with one, letter v's matrix is ``Σ_k E[v, k] W_k``.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..automata.machine import OutputLabel, label_key
from ..errors import FormatError, InvalidArgumentError, MissingDependencyError, ModelError
from ..limits import check_memory
from ..model import BilinearModel
from .files import read_bytes

__all__ = ["ROLE_NAMES", "import_weights", "read_archive"]

ROLE_NAMES: Mapping[str, tuple[str, ...]] = {
    "transitions": ("W", "A", "transitions", "bilinear.weight", "weight_bilinear"),
    "h0": ("h0", "h_0", "initial_state", "init_state"),
    "readout": ("readout.weight", "C", "readout", "decoder.weight", "head.weight",
                "fc.weight", "out.weight"),
    "bias": ("readout.bias", "bias", "decoder.bias", "head.bias", "fc.bias", "out.bias"),
    "embedding": ("embedding.weight", "embed.weight", "E"),
}


def read_archive(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays of an ``.npz`` or ``.safetensors`` file, as float64 NumPy arrays.

    Raises :class:`~automata_bilinear.errors.FormatError` for a damaged file or a
    non-numeric array, and :class:`~automata_bilinear.errors.MissingDependencyError` for a
    safetensors file without the ``safetensors`` package.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"path: expected a file path, got {type(path).__name__}")
    p = Path(path)
    if p.suffix not in (".npz", ".safetensors"):
        raise FormatError(f"{p}: expected a .npz or .safetensors file (PyTorch .pt/.bin "
                          "files need torch: save the state dict with safetensors first)")
    data = read_bytes(p, what="weights file")
    check_memory(f"reading {p.name}", 3 * len(data))
    if p.suffix == ".safetensors":
        try:
            from safetensors.numpy import load as load_safetensors
        except ImportError:
            raise MissingDependencyError("reading .safetensors needs the safetensors package: "
                                         "pip install safetensors") from None
        try:
            raw = load_safetensors(data)
        except Exception as exc:  # the library raises its own SafetensorError
            raise FormatError(f"{p}: not a readable safetensors file ({exc})") from None
    else:  # .npz
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                raw = {k: archive[k] for k in archive.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            raise FormatError(f"{p}: not a readable .npz archive ({exc})") from None
    out = {}
    for k, v in raw.items():
        if v.dtype.kind not in "biuf":
            raise FormatError(f"{p}: array {k!r} has dtype {v.dtype}, not a number type")
        out[k] = np.asarray(v, dtype=np.float64)
    return out


def _find(arrays: Mapping[str, np.ndarray], role: str, override: str | None,
          src: str) -> tuple[str, np.ndarray] | None:
    if override is not None:
        if override not in arrays:
            raise FormatError(f"{src}: no array named {override!r} (for {role}); it has "
                              f"{', '.join(sorted(arrays)[:12])}")
        return override, arrays[override]
    for name in ROLE_NAMES[role]:
        hits = [k for k in arrays if k == name or k.endswith("." + name)]
        if len(hits) > 1:
            raise FormatError(f"{src}: several arrays could be the {role} ({', '.join(hits)});"
                              f" name one with names={{{role!r}: …}}")
        if hits:
            return hits[0], arrays[hits[0]]
    return None


def _transitions(W: np.ndarray, layout: str, name: str, src: str) -> np.ndarray:
    """(K, H, H) matrices from a 3-d weight in the given layout."""
    if W.ndim != 3:
        raise FormatError(f"{src}: {name} has shape {W.shape}; a bilinear weight is 3-d")
    hhd = W.shape[0] == W.shape[1]
    dhh = W.shape[1] == W.shape[2]
    if layout == "auto":
        if hhd and dhh:
            raise FormatError(f"{src}: {name} has shape {W.shape}: both (H, H, K) and (K, H, H)"
                              " fit; say which with layout='hhd' or 'dhh' (CLI: --layout)")
        if not (hhd or dhh):
            raise FormatError(f"{src}: {name} has shape {W.shape}; expected (H, H, K) or "
                              "(K, H, H)")
        layout = "hhd" if hhd else "dhh"
    if layout == "hhd":
        if not hhd:
            raise FormatError(f"{src}: {name} has shape {W.shape}, not (H, H, K)")
        return np.moveaxis(W, 2, 0)
    if layout == "dhh":
        if not dhh:
            raise FormatError(f"{src}: {name} has shape {W.shape}, not (K, H, H)")
        return W
    raise InvalidArgumentError(f"layout must be 'auto', 'hhd' or 'dhh', got {layout!r}")


def import_weights(path: str | os.PathLike, *, layout: str = "auto",
                   names: Mapping[str, str] | None = None,
                   alphabet: Sequence[str] | None = None,
                   output_labels: Sequence[OutputLabel] | None = None) -> BilinearModel:
    """A full-rung model from the arrays of a trained bilinear RNN (see the module docstring).

    Parameters
    ----------
    path
        An ``.npz`` or ``.safetensors`` file.
    layout
        ``"auto"``, ``"hhd"`` or ``"dhh"``: the axis order of the transition weight.
    names
        Role → array name, overriding the defaults (roles: transitions, h0, readout, bias,
        embedding).
    alphabet
        Letter labels (default ``"0"``, ``"1"``, …), one per letter.
    output_labels
        One label per readout row (default the integers 0, 1, …).

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "parity.npz")
    >>> W = np.zeros((1, 1, 2)); W[0, 0] = [1.0, -1.0]      # (H, H, D)
    >>> np.savez(path, W=W, h0=[1.0], **{"readout.weight": [[1.0], [-1.0]]})
    >>> import_weights(path).transitions[:, 0, 0].tolist()
    [1.0, -1.0]
    """
    src = str(path)
    names = dict(names or {})
    unknown = sorted(set(names) - set(ROLE_NAMES))
    if unknown:
        raise InvalidArgumentError(f"names: unknown role(s) {', '.join(unknown)}; valid: "
                                   f"{', '.join(ROLE_NAMES)}")
    arrays = read_archive(path)
    found = {role: _find(arrays, role, names.get(role), src) for role in ROLE_NAMES}
    for role in ("transitions", "h0", "readout"):
        if found[role] is None:
            raise FormatError(f"{src}: no {role} array (tried {', '.join(ROLE_NAMES[role])}; "
                              f"the file has {', '.join(sorted(arrays)[:12])}); name it with "
                              f"names={{{role!r}: …}}")
    t_name, W = found["transitions"]  # type: ignore[misc]
    A = _transitions(W, layout, t_name, src)
    if found["embedding"] is not None:
        e_name, E = found["embedding"]
        if E.ndim != 2 or E.shape[1] != A.shape[0]:
            raise FormatError(f"{src}: embedding {e_name} has shape {E.shape}; expected "
                              f"(V, {A.shape[0]}) to match {t_name}")
        check_memory("the folded transition matrices", 8.0 * E.shape[0] * A.shape[1] ** 2)
        A = np.einsum("vk,kij->vij", E, A)
    h0 = found["h0"][1].reshape(-1) if found["h0"][1].ndim == 2 and found["h0"][1].shape[0] \
        == 1 else found["h0"][1]  # type: ignore[index]
    C = found["readout"][1]  # type: ignore[index]
    if C.ndim != 2 or C.shape[0] == 0:
        raise FormatError(f"{src}: the readout has shape {C.shape}; it needs (Y, H) with Y ≥ 1")
    bias = None if found["bias"] is None else found["bias"][1]
    if bias is not None and bias.shape == (C.shape[0],) and not np.any(bias):
        bias = None  # an all-zero bias is no bias (and keeps scale invariance)
    D = A.shape[0]
    letters = tuple(str(i) for i in range(D)) if alphabet is None else tuple(alphabet)
    labels = tuple(range(C.shape[0])) if output_labels is None and C.ndim == 2 else (
        tuple(output_labels) if output_labels is not None else ())
    if len(letters) != D:
        raise InvalidArgumentError(f"alphabet has {len(letters)} letters; the weights have "
                                   f"{D}")
    if len({label_key(y) for y in labels}) != len(labels):
        raise InvalidArgumentError("output_labels: a label is repeated; each readout row needs "
                                   "its own label")
    try:
        return BilinearModel("full", {"W": np.moveaxis(A, 0, 2)}, h0, C, letters, labels,
                             bias=bias, construction=f"imported from {Path(src).name}")
    except ModelError as exc:
        raise ModelError(f"{src}: {exc}") from None
