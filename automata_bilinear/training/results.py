"""The results file of a sweep: one JSON object per line, one line per finished run.

Every line is a run record (:func:`automata_bilinear.training.loop.train`'s ``record``) with
``"format": "automata-bilinear-training-run"``, ``"version"`` and ``"key"`` (the hash of its
configuration). A sweep appends a line when a run finishes — one ``write`` of the whole
line, flushed and synced — so an interrupted sweep leaves complete lines and, at worst, one
unterminated last line that begins like a record, which the reader drops (and the next
append removes) as the trace of an interrupted write; a complete record without its final
newline is kept. Any other malformed line, a record whose key is not the hash of its
configuration, or a record of another format version, is an error naming the file and the
line: runs of a different protocol version must not be mixed in, and a file that is not a
results file is never appended to.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.jsonl"
>>> from automata_bilinear.training import TrainConfig
>>> cfg = TrainConfig(task="parity", rung="full")
>>> append_record(path, {"format": RECORD_FORMAT, "version": RESULTS_VERSION,
...                      "key": cfg.key(), "config": cfg.to_dict(), "status": "ok"})
>>> list(read_results(path)) == [cfg.key()]
True
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AutomataBilinearError, FormatError, OutputPathError
from ..io.files import check_format_version, loads_strict, read_text
from .config import RECORD_FORMAT, RESULTS_VERSION, TrainConfig

__all__ = ["RECORD_FORMAT", "RESULTS_VERSION", "append_record", "read_results"]


_STATUSES = ("ok", "diverged", "invalid_model", "error")
_HEAD = '{"format":"' + RECORD_FORMAT + '"'
"""How every line this module writes begins (compact separators, ``format`` first)."""


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
    if record.get("status") not in _STATUSES:
        raise FormatError(f"{source}: field 'status' must be one of {list(_STATUSES)}, got "
                          f"{record.get('status')!r}")
    try:
        config = TrainConfig.from_dict(record.get("config"))
    except AutomataBilinearError as exc:
        raise FormatError(f"{source}: field 'config' is not a valid configuration: "
                          f"{exc}") from None
    if config.key() != key:
        raise FormatError(f"{source}: field 'key' {key!r} is not the key of its "
                          f"configuration ({config.key()!r})")
    test = record.get("test")
    if test is not None and not isinstance(test, dict):
        raise FormatError(f"{source}: field 'test' must be an object or null")
    return key


def _interrupted_tail(tail: str) -> bool:
    """Whether an unterminated last line is the prefix of a record this module was writing
    (then it is the trace of an interrupted append); anything else is not ours to drop."""
    return _HEAD.startswith(tail) or tail.startswith(_HEAD)


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
    if lines and lines[-1] == "":
        lines.pop()
    elif lines and _interrupted_tail(lines[-1]) and not _parses(lines[-1]):
        lines.pop()   # an interrupted append: the unterminated tail is dropped
    records: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        source = f"{target}, line {number}"
        record = loads_strict(line, source=source)
        records[_check_record(record, source)] = record
    return records


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _repair_tail(target: Path) -> None:
    """Before appending: end a complete last record with its newline, or remove the
    unterminated prefix an interrupted append left (anything else was refused on reading)."""
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
        cut = data.rfind(b"\n") + 1
        if _parses(data[cut:].decode("utf-8", errors="replace")):
            handle.write(b"\n")
        else:
            handle.truncate(cut)


def append_record(path: str | os.PathLike, record: Mapping[str, Any]) -> None:
    """Append one record as one line (flushed and synced), after checking it."""
    target = Path(path)
    _check_record(record, str(target))
    line = json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n"
    try:
        if target.exists():
            read_results(target)   # refuses a file that is not ours before touching it
            _repair_tail(target)
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputPathError(f"cannot append to results file {target}: "
                              f"{exc.strerror or exc}") from None
