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

A **stack** of layers (:class:`~automata_bilinear.stack.StackedModel`, version 5) stores
each layer's arrays with the prefix ``layer<i>__`` (``layer0__h0``, ``layer0__param__W``,
…), the integer tables ``interface<i>`` (letters of layer i + 1) and ``output``, and metadata
``{"format", "version": 5, "stack": {"alphabet", "output_labels", "construction", "info",
"layers": [per-layer "rung", "alphabet", "output_labels", "construction", "exact",
"info"]}}``. :func:`load_model` returns a stack for such a file.

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
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import FormatError
from ..frozen import thaw
from ..limits import check_memory
from ..model import BilinearModel, ModelError, check_model
from ..rungs import RUNGS, get_rung
from ..stack import StackedModel
from .files import check_format_version, check_output_path, loads_strict, read_bytes, write_atomic

__all__ = ["MODEL_FORMAT", "MODEL_FORMAT_VERSION", "load_model", "save_model"]

MODEL_FORMAT = "automata_bilinear.model"
MODEL_FORMAT_VERSION = 5  # 2: exact phase and Q(√d) schemas; 3: sparse rungs without ``A``;
# 4: the householder rung (float and number-field factors); 5: stacks of layers
_STACK_VERSION = 5

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


def _layer_meta_and_arrays(model: BilinearModel, prefix: str
                           ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata fields and arrays of one model, array names prefixed."""
    sparse = get_rung(model.rung).validate is not None
    meta = {
        "rung": model.rung,
        "alphabet": list(model.alphabet),
        "output_labels": [_json_label(x) for x in model.output_labels],
        "construction": model.construction,
        "exact": thaw(model.exact),
        "info": thaw(model.metadata),
    }
    arrays: dict[str, np.ndarray] = {f"{prefix}h0": model.h0, f"{prefix}C": model.readout}
    if not sparse:
        arrays[f"{prefix}A"] = np.asarray(model.transitions, dtype=np.float64)
    if model.bias is not None:
        arrays[f"{prefix}bias"] = model.bias
    for name, value in model.params.items():
        arrays[f"{prefix}param__{name}"] = value
    return meta, arrays


def save_model(model: BilinearModel | StackedModel, path: str | os.PathLike) -> None:
    """Write ``model`` (or a stack of layers) to ``path`` (``.npz``), atomically."""
    if isinstance(model, StackedModel):
        layer_meta, arrays = [], {}
        for i, layer in enumerate(model.layers):
            lm, la = _layer_meta_and_arrays(layer, f"layer{i}__")
            layer_meta.append(lm)
            arrays.update(la)
        for i, table in enumerate(model.interfaces):
            arrays[f"interface{i}"] = table
        arrays["output"] = model.output
        meta: dict[str, Any] = {
            "format": MODEL_FORMAT, "version": _STACK_VERSION,
            "stack": {"alphabet": list(model.alphabet),
                      "output_labels": [_json_label(x) for x in model.output_labels],
                      "construction": model.construction, "info": thaw(model.metadata),
                      "layers": layer_meta},
        }
    else:
        model = check_model(model, "model")
        fields, arrays = _layer_meta_and_arrays(model, "")
        meta = {"format": MODEL_FORMAT, "version": _FIRST_VERSION.get(model.rung, 2),
                **fields}
    arrays["metadata"] = np.array(json.dumps(meta))
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


def load_model(path: str | os.PathLike) -> BilinearModel | StackedModel:
    """Read and validate a model file (a stack of layers for version-5 stack files); every
    error names the file and the culprit."""
    src = str(path)
    raw = read_bytes(path, what="model file")
    if not raw:
        raise FormatError(f"{src}: the file is empty, not an .npz archive")
    if not raw.startswith((b"PK", b"\x93NUMPY")):
        raise FormatError(f"{src}: not a readable .npz archive (not a zip file; it starts "
                          f"with {raw[:12]!r})")
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
    if "stack" in meta:
        return _load_stack(meta, version, files, get, src)
    return _load_layer(meta, version, files, get, "", src)


def _load_stack(meta: dict[str, Any], version: int, files: set[str],
                get: Callable[[str], np.ndarray], src: str) -> StackedModel:
    if version < _STACK_VERSION:
        raise FormatError(f"{src}: stacks exist from format version {_STACK_VERSION}, but "
                          f"the file says {version}")
    unknown = sorted(set(meta) - {"format", "version", "stack"})
    stack = meta["stack"]
    if unknown or not isinstance(stack, dict):
        raise FormatError(f"{src}: a stack file's metadata holds 'format', 'version' and a "
                          f"'stack' object{f'; unknown field(s) {unknown}' if unknown else ''}")
    for key in ("alphabet", "output_labels", "layers"):
        if not isinstance(stack.get(key), list):
            raise FormatError(f"{src}: metadata field 'stack.{key}' must be a list")
    extra = sorted(set(stack) - {"alphabet", "output_labels", "construction", "info", "layers"})
    if extra:
        raise FormatError(f"{src}: metadata field 'stack' has unknown field(s) {extra}")
    layers = []
    for i, layer_meta in enumerate(stack["layers"]):
        if not isinstance(layer_meta, dict):
            raise FormatError(f"{src}: metadata 'stack.layers[{i}]' must be an object")
        layers.append(_load_layer(layer_meta, version, files, get, f"layer{i}__",
                                  f"{src} (layer {i})"))
    expected = {f"layer{i}__" for i in range(len(layers))}
    stray = sorted(f for f in files if f != "metadata" and f not in
                   {*(f"interface{i}" for i in range(len(layers) - 1)), "output"}
                   and not any(f.startswith(p) for p in expected))
    if stray:
        raise FormatError(f"{src}: array(s) {stray} belong to no layer of this {len(layers)}-"
                          "layer stack")
    tables = []
    for name in [*(f"interface{i}" for i in range(len(layers) - 1)), "output"]:
        arr = get(name)
        if arr.dtype.kind not in "iu":
            raise FormatError(f"{src}: array {name!r} must hold integers, got {arr.dtype}")
        tables.append(arr)
    try:
        return StackedModel(tuple(layers), tuple(stack["alphabet"]), tuple(tables[:-1]),
                            tables[-1],
                            tuple(_label_from_json(x) for x in stack["output_labels"]),
                            construction=str(stack.get("construction", "")),
                            metadata=dict(stack.get("info") or {}))
    except ModelError as exc:
        raise FormatError(f"{src}: {exc}") from None


def _load_layer(meta: dict[str, Any], version: int, files: set[str],
                get: Callable[[str], np.ndarray], prefix: str, src: str) -> BilinearModel:
    """One model from its metadata fields and its (prefixed) arrays."""
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
    mine = sorted(f[len(prefix):] for f in files if f.startswith(prefix + "param__"))
    for name in [*(["A"] if needs_a or prefix + "A" in files else []), "h0", "C",
                 *(["bias"] if prefix + "bias" in files else []), *mine]:
        arr = get(prefix + name)
        # native parameters may be integer (periods, sizes) or complex (eigenvalues); the
        # materialised matrices, state and readout are real floats
        allowed = "fic" if name.startswith("param__") else "f"
        if arr.dtype.kind not in allowed:
            raise FormatError(f"{src}: array {prefix + name!r} has dtype {arr.dtype}, expected "
                              f"{'numbers' if allowed == 'fic' else 'real floats'}")
        if not np.all(np.isfinite(arr)):
            raise FormatError(f"{src}: array {prefix + name!r} contains NaN or infinite values")
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
