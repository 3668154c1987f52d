"""The results file of a sweep: one JSON object per line, one line per finished run.

Every line is a run record (:func:`automata_bilinear.training.loop.train`'s ``record``) with
``"format": "automata-bilinear-training-run"``, ``"version"`` and ``"key"`` (the hash of its
configuration). A sweep appends a line when a run finishes — one ``write`` of the whole
line, flushed and synced — so an interrupted sweep leaves complete lines and, at worst, one
unterminated last line, which the reader drops (and the next append removes) as the trace of
an interrupted write. Any other malformed line, or a record of another format version, is
an error naming the file and the line: runs of a different protocol version must not be
mixed in.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl"
>>> append_record(path, {"format": RECORD_FORMAT, "version": RESULTS_VERSION, "key": "k1"})
>>> sorted(read_results(path))
['k1']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import FormatError, OutputPathError
from ..io.files import check_format_version, loads_strict, read_text
from .config import RECORD_FORMAT, RESULTS_VERSION

__all__ = ["RECORD_FORMAT", "RESULTS_VERSION", "append_record", "read_results"]


def _check_record(record: Any, source: str) -> str:
    version = check_format_version(record, expected=RECORD_FORMAT, supported=RESULTS_VERSION,
                                   source=source, field=lambda n: f"field {n!r}",
                                   what="training results")
    if version != RESULTS_VERSION:
        raise FormatError(f"{source}: written by training-results format version {version}; "
                          f"this toolkit reads version {RESULTS_VERSION} (start a new "
                          "results file)")
    key = record.get("key")
    if not isinstance(key, str) or not key:
        raise FormatError(f"{source}: field 'key' must be a non-empty string")
    return key


def read_results(path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """The records of a results file by key (a missing file has none); later lines win.

    Raises
    ------
    FormatError
        A malformed line (other than an unterminated last one) or another format version.
    """
    target = Path(path)
    if not target.exists():
        return {}
    text = read_text(target, what="results file")
    lines = text.split("\n")
    if not text.endswith("\n"):
        lines = lines[:-1]   # an interrupted append: the unterminated tail is dropped
    records: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        source = f"{target}, line {number}"
        record = loads_strict(line, source=source)
        records[_check_record(record, source)] = record
    return records


def _drop_unterminated_tail(target: Path) -> None:
    with open(target, "rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        handle.seek(0)
        data = handle.read()
        handle.truncate(data.rfind(b"\n") + 1)


def append_record(path: str | os.PathLike, record: Mapping[str, Any]) -> None:
    """Append one record as one line (flushed and synced), after checking it."""
    target = Path(path)
    _check_record(record, str(target))
    line = json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n"
    try:
        if target.exists():
            _drop_unterminated_tail(target)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputPathError(f"cannot append to results file {target}: "
                              f"{exc.strerror or exc}") from None
