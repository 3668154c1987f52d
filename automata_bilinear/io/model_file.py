"""The ``.npz`` model format (a public, versioned contract; see README).

A model file is a NumPy ``.npz`` archive written without pickle and read with
``allow_pickle=False``. Arrays:

- ``A`` (D, H, H) float64: materialised per-letter transition matrices — absent for rungs
  stored sparsely (``pd``, format version 3; ``householder``, version 4), whose native
  parameters are the whole story;
- ``h0`` (H,), ``C`` (Y, H), optional ``bias`` (Y,);
- ``param__<name>``: the rung's native parameters (see :mod:`automata_bilinear.model`);
- ``metadata``: a 0-d unicode array holding one JSON object with ``format``
  (``"automata_bilinear.model"``), ``version``, ``rung``, ``alphabet``, ``output_labels``,
  ``construction``, ``exact`` (the exact description used for proofs, or null) and
  ``info`` (automaton name and hash, verification method and result, ...).

Loading validates every array (presence, shape, dtype, finiteness) and names the offending
one; ``A``, when present, must agree with what the native parameters materialise to. The
writer records the lowest version that can hold the file: 2 with ``A``, 3 for ``pd`` (no
``A``), 4 for ``householder`` (no ``A``; ``vectors``/``betas``, or the number-field form
``vector_coefficients``/``betas``/``field_polynomial``/``field_root``). Files are written to a
temporary file and renamed into place.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from ..errors import FormatError
from ..frozen import thaw
from ..limits import check_memory
from ..model import BilinearModel, ModelError, check_model
from ..rungs import RUNGS, get_rung
from .files import check_format_version, check_output_path, loads_strict, read_bytes, write_atomic

__all__ = ["MODEL_FORMAT", "MODEL_FORMAT_VERSION", "load_model", "save_model"]

MODEL_FORMAT = "automata_bilinear.model"
MODEL_FORMAT_VERSION = 4  # 2: exact phase and Q(√d) schemas; 3: sparse rungs without ``A``;
# 4: the householder rung (float and number-field factors)

_FIRST_VERSION = {"pd": 3, "householder": 4}
"""The first format version that knows a rung (earlier readers reject it by version)."""


def _json_label(x: Any) -> Any:
    return [_json_label(v) for v in x] if isinstance(x, tuple) else x


def _label_from_json(x: Any) -> Any:
    return tuple(_label_from_json(v) for v in x) if isinstance(x, list) else x


def _declared_bytes(archive: zipfile.ZipFile, name: str, src: str) -> int:
    """Bytes the member's .npy header claims, checked against the member's real size so a
    forged header (10^10 entries in a few bytes) is refused before anything is allocated."""
    member = name + ".npy"
    info = archive.getinfo(member)
    with archive.open(member) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        except ValueError as exc:
            raise FormatError(f"{src}: array {name!r} has a malformed .npy header "
                              f"({exc})") from None
        header = fh.tell()
    if dtype.hasobject:
        raise FormatError(f"{src}: array {name!r} holds Python objects, which cannot be read "
                          "without pickle (refused)")
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed != info.file_size - header:
        raise FormatError(f"{src}: array {name!r} claims shape {shape} ({claimed} bytes) but "
                          f"holds {info.file_size - header} bytes")
    return claimed


def save_model(model: BilinearModel, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (``.npz``), atomically."""
    model = check_model(model, "model")
    sparse = get_rung(model.rung).validate is not None
    meta = {
        "format": MODEL_FORMAT,
        "version": _FIRST_VERSION.get(model.rung, 2),
        "rung": model.rung,
        "alphabet": list(model.alphabet),
        "output_labels": [_json_label(x) for x in model.output_labels],
        "construction": model.construction,
        "exact": thaw(model.exact),
        "info": thaw(model.metadata),
    }
    arrays: dict[str, np.ndarray] = {
        "h0": model.h0, "C": model.readout, "metadata": np.array(json.dumps(meta)),
    }
    if not sparse:
        arrays["A"] = np.asarray(model.transitions, dtype=np.float64)
    if model.bias is not None:
        arrays["bias"] = model.bias
    for name, value in model.params.items():
        arrays[f"param__{name}"] = value
    check_output_path(path, suffixes=(".npz",), what="model file")
    write_atomic(path, lambda fh: np.savez(fh, **arrays), what="model file")


_META_KEYS = {"format", "version", "rung", "alphabet", "output_labels", "construction",
              "exact", "info"}


def _check_metadata(meta: dict[str, Any], src: str) -> None:
    unknown = sorted(set(meta) - _META_KEYS)
    if unknown:
        raise FormatError(f"{src}: metadata has unknown field(s) {', '.join(unknown)}")
    if not isinstance(meta["rung"], str):
        raise FormatError(f"{src}: metadata field 'rung' must be a string")
    for key in ("alphabet", "output_labels"):
        if not isinstance(meta[key], list):
            raise FormatError(f"{src}: metadata field {key!r} must be a list")
    if not all(isinstance(a, str) for a in meta["alphabet"]):
        raise FormatError(f"{src}: metadata field 'alphabet' must list strings")
    if not isinstance(meta.get("construction", ""), str):
        raise FormatError(f"{src}: metadata field 'construction' must be a string")
    for key in ("exact", "info"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise FormatError(f"{src}: metadata field {key!r} must be an object or null")


def load_model(path: str | os.PathLike) -> BilinearModel:
    """Read and validate a model file; every error names the file and the culprit."""
    src = str(path)
    raw = read_bytes(path, what="model file")
    if not raw:
        raise FormatError(f"{src}: the file is empty, not an .npz archive")
    try:
        archive = np.load(io.BytesIO(raw), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise FormatError(f"{src}: a single .npy array, not an .npz archive")
        foreign = [n for n in archive.zip.namelist() if not n.endswith(".npy")]
        if foreign:
            raise FormatError(f"{src}: member {foreign[0]!r} is not an array (.npy); a model "
                              "archive holds arrays only")
        files = set(archive.files)
        declared = {name: _declared_bytes(archive.zip, name, src) for name in files}
    except FormatError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise FormatError(f"{src}: not a readable .npz archive ({exc})") from None
    check_memory(f"loading {src}", sum(declared.values()))

    def get(name: str) -> np.ndarray:
        if name not in files:
            raise FormatError(f"{src}: missing array {name!r}")
        try:
            return archive[name]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            # object arrays (which need pickle) and truncated members end here
            raise FormatError(f"{src}: array {name!r} cannot be read ({exc})") from None

    meta_arr = get("metadata")
    if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
        raise FormatError(f"{src}: 'metadata' must be a 0-d string array")
    meta = loads_strict(str(meta_arr), source=f"{src}: metadata")
    version = check_format_version(meta, expected=MODEL_FORMAT, supported=MODEL_FORMAT_VERSION,
                                   source=src, field=lambda n: f"metadata field {n!r}",
                                   what="model")
    for key in ("rung", "alphabet", "output_labels"):
        if key not in meta:
            raise FormatError(f"{src}: metadata is missing field {key!r}")
    _check_metadata(meta, src)
    arrays = {}
    if not isinstance(meta["rung"], str) or meta["rung"] not in RUNGS:
        raise FormatError(f"{src}: unknown rung {meta['rung']!r}; valid rungs: "
                          f"{', '.join(RUNGS)}")
    if version < _FIRST_VERSION.get(meta["rung"], 0):
        raise FormatError(f"{src}: {meta['rung']} models exist from format version "
                          f"{_FIRST_VERSION[meta['rung']]}, but the file says {version}")
    needs_a = get_rung(meta["rung"]).validate is None or version < 3
    for name in [*(["A"] if needs_a or "A" in files else []), "h0", "C",
                 *(["bias"] if "bias" in files else []),
                 *sorted(f for f in files if f.startswith("param__"))]:
        arr = get(name)
        # native parameters may be integer (periods, sizes) or complex (eigenvalues); the
        # materialised matrices, state and readout are real floats
        allowed = "fic" if name.startswith("param__") else "f"
        if arr.dtype.kind not in allowed:
            raise FormatError(f"{src}: array {name!r} has dtype {arr.dtype}, expected "
                              f"{'numbers' if allowed == 'fic' else 'real floats'}")
        if not np.all(np.isfinite(arr)):
            raise FormatError(f"{src}: array {name!r} contains NaN or infinite values")
        arrays[name] = arr
    params = {k[len("param__"):]: v for k, v in arrays.items() if k.startswith("param__")}
    try:
        model = BilinearModel(
            rung=meta["rung"], params=params, h0=arrays["h0"], readout=arrays["C"],
            alphabet=tuple(meta["alphabet"]),
            output_labels=tuple(_label_from_json(x) for x in meta["output_labels"]),
            bias=arrays.get("bias"), construction=str(meta.get("construction", "")),
            exact=meta.get("exact"), metadata=dict(meta.get("info") or {}),
        )
    except ModelError as exc:
        raise FormatError(f"{src}: {exc}") from None
    if "A" not in arrays:
        return model
    A = arrays["A"]
    if A.shape != model.transitions.shape:
        raise FormatError(f"{src}: array 'A' has shape {A.shape}, but the native parameters "
                          f"give {model.transitions.shape}")
    if not np.allclose(A, model.transitions, rtol=0, atol=1e-12):
        raise FormatError(f"{src}: array 'A' disagrees with the native parameters")
    return model
