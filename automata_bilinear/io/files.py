"""File-level rules every format shares: atomic writes and strict JSON reads.

Writes go to a temporary file in the target folder and are renamed into place, so a reader
never sees half a file; the temporary file is removed on every exit Python can catch
(exceptions, Ctrl-C, SIGTERM via the CLI), and the result gets the permissions of an ordinary
new file under the current umask. Every failure is one
:class:`~automata_bilinear.errors.OutputPathError` naming the path and the reason.

JSON is read strictly: duplicate keys, ``NaN``/``Infinity`` and absurd nesting are refused
with :class:`~automata_bilinear.errors.FormatError` instead of being silently accepted (or
crashing the parser).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import FormatError, InvalidArgumentError, OutputPathError
from ..limits import check_memory

__all__ = [
    "FIGURE_SUFFIXES",
    "MAX_JSON_DEPTH",
    "check_format_version",
    "check_output_path",
    "loads_strict",
    "read_bytes",
    "read_text",
    "save_figure",
    "write_atomic",
    "write_text_atomic",
]

MAX_JSON_DEPTH = 64
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_format_version(doc: Any, *, expected: str, supported: int, source: str,
                         field: Callable[[str], str], what: str) -> int:
    """The version of a versioned JSON header, after checking its ``format`` name; newer
    versions than ``supported`` are refused with the upgrade hint (one rule for every format).

    ``field(name)`` spells a field in the message (the formats quote them differently).

    Examples
    --------
    >>> check_format_version({"format": "x", "version": 9}, expected="x", supported=2,
    ...                      source="f.json", field=lambda n: f"field {n!r}", what="x")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.FormatError: f.json: x format version 9 is newer than this ...
    """
    if not isinstance(doc, dict) or doc.get("format") != expected:
        got = doc.get("format") if isinstance(doc, dict) else None
        raise FormatError(f"{source}: {field('format')} must be {expected!r}, got {got!r}")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FormatError(f"{source}: {field('version')} must be a positive integer, got "
                          f"{version!r}")
    if version > supported:
        raise FormatError(f"{source}: {what} format version {version} is newer than this "
                          f"toolkit supports ({supported}); upgrade automata_bilinear")
    return version


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return exc.strerror or str(exc)


def check_output_path(path: str | os.PathLike, *, suffixes: Sequence[str] = (),
                      what: str = "output file") -> Path:
    """Check, before any work, that ``path`` can be written; return it as a Path.

    Parameters
    ----------
    path
        The file to be written.
    suffixes
        Allowed suffixes (lower case, with the dot); empty allows any.
    what
        What the file is, for the message.

    Raises
    ------
    InvalidArgumentError
        The suffix is not one of ``suffixes``.
    OutputPathError
        The folder does not exist or is not writable, or a directory is in the way.

    Examples
    --------
    >>> check_output_path("figure.txt", suffixes=(".png", ".svg"), what="figure")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.InvalidArgumentError: figure 'figure.txt': the name must end ...
    >>> check_output_path("no/such/folder/model.npz")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.OutputPathError: output file 'no/such/folder/model.npz': ...
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"{what}: expected a path, got {type(path).__name__}")
    target = Path(path)
    shown = f"{what} {str(path)!r}"
    if not str(path).strip() or "\x00" in str(path):
        raise InvalidArgumentError(f"{shown}: not a valid file name")
    if str(path).endswith((os.sep, os.altsep or os.sep)):
        raise InvalidArgumentError(f"{shown}: ends with a path separator; name a file")
    if suffixes and target.suffix.lower() not in suffixes:
        raise InvalidArgumentError(
            f"{shown}: the name must end in {' or '.join(suffixes)} (got "
            f"{target.suffix or 'no suffix'}); the file is written exactly where you say")
    # through a symlink, the file it points to is replaced and the link kept
    target = Path(os.path.realpath(target))
    folder = target.parent
    try:
        if target.is_dir():
            raise OutputPathError(f"{shown}: is a directory")
        if target.exists() and not target.is_file():
            raise OutputPathError(f"{shown}: exists and is not a regular file (a device, "
                                  "FIFO or socket); refusing to replace it")
        if target.is_file() and not target.stat().st_mode & 0o222:
            raise OutputPathError(f"{shown}: exists and is read-only; refusing to replace it")
        if not folder.exists():
            raise OutputPathError(f"{shown}: the folder {str(folder)!r} does not exist")
        if not folder.is_dir():
            raise OutputPathError(f"{shown}: {str(folder)!r} is not a folder")
    except OSError as exc:
        if isinstance(exc, OutputPathError):
            raise
        raise OutputPathError(f"{shown}: {_reason(exc)}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{shown}: the folder {str(folder)!r} is not writable")
    return target


def read_bytes(path: str | os.PathLike, *, what: str = "file") -> bytes:
    """Read a whole input file; any failure is a FormatError naming the path and why.

    Examples
    --------
    >>> read_bytes("no-such-file.npz", what="model")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.FormatError: model 'no-such-file.npz': no such file
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidArgumentError(f"{what}: expected a path, got {type(path).__name__}")
    shown = f"{what} {str(path)!r}"
    try:
        source = Path(path)
        if source.is_dir():
            raise FormatError(f"{shown}: is a directory, not a file")
        if source.exists() and not source.is_file():
            raise FormatError(f"{shown}: not a regular file (a device, FIFO or socket)")
        size = source.stat().st_size
        check_memory(f"reading {shown}", 8 * size)
        return source.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{shown}: no such file") from None
    except (OSError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        reason = _reason(exc) if isinstance(exc, OSError) else str(exc)
        raise FormatError(f"{shown}: cannot read ({reason})") from None


def read_text(path: str | os.PathLike, *, what: str = "file") -> str:
    """Read a UTF-8 text file; see :func:`read_bytes`."""
    try:
        return read_bytes(path, what=what).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{what} {str(path)!r}: not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start})") from None


def _create_temporary(target: Path, mode: int) -> tuple[int, str]:
    for _ in range(100):
        name = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), str(name)
        except FileExistsError:
            continue
    raise OutputPathError(f"{target}: could not create a temporary file next to it")


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], Any], *,
                 what: str = "output file") -> Path:
    """Call ``write(fh)`` on a temporary binary file next to ``path``, then rename it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "x.bin", lambda fh: fh.write(b"ok")).read_bytes()
    b'ok'
    >>> sorted(p.name for p in folder.iterdir())  # no temporary file left
    ['x.bin']
    """
    target = check_output_path(path, what=what)
    tmp: str | None = None
    try:
        # created with mode 0666 so the kernel applies the umask (no process-wide umask
        # juggling); a file being replaced keeps its own permissions
        mode = target.stat().st_mode & 0o7777 if target.is_file() else 0o666
        fd, tmp = _create_temporary(target, mode)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if target.is_file():
            os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputPathError(f"{what} {str(path)!r}: cannot write ({_reason(exc)})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return target


def write_text_atomic(path: str | os.PathLike, text: str, *,
                      what: str = "output file") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`write_atomic`."""
    data = text.encode("utf-8")
    return write_atomic(path, lambda fh: fh.write(data), what=what)


# the closing quote is optional so an unterminated string is one linear match, not a
# quadratic search from every quote
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _depth(text: str) -> int:
    # strings removed, only brackets kept, then a running sum: fast on large files
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if not brackets:
        return 0
    steps = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    return int(np.cumsum(np.where((steps == ord("[")) | (steps == ord("{")), 1, -1)).max())


def _no_duplicates(source: str) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise FormatError(f"{source}: key {key!r} appears twice in one JSON object")
            out[key] = value
        return out
    return hook


def _no_constant(source: str) -> Callable[[str], Any]:
    def hook(name: str) -> Any:
        raise FormatError(f"{source}: {name} is not valid JSON (numbers must be finite)")
    return hook


def loads_strict(text: str, *, source: str) -> Any:
    """Parse JSON, refusing duplicate keys, NaN/Infinity and nesting deeper than
    :data:`MAX_JSON_DEPTH`; every error is a FormatError naming ``source``.

    Examples
    --------
    >>> loads_strict('{"a": [1, 2]}', source="x.json")
    {'a': [1, 2]}
    >>> loads_strict('{"a": 1, "a": 2}', source="x.json")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.FormatError: x.json: key 'a' appears twice in one JSON object
    """
    if _depth(text) > MAX_JSON_DEPTH:
        raise FormatError(f"{source}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates(source),
                          parse_constant=_no_constant(source))
    except json.JSONDecodeError as exc:
        raise FormatError(f"{source}: not valid JSON ({exc})") from None
    except RecursionError:
        raise FormatError(f"{source}: JSON nested too deeply") from None


def save_figure(fig: Any, path: str | os.PathLike, *, dpi: int = 120) -> Path:
    """Write a matplotlib figure atomically; the format follows the suffix, which must be
    one of :data:`FIGURE_SUFFIXES` (so the file lands exactly at ``path``)."""
    target = check_output_path(path, suffixes=FIGURE_SUFFIXES, what="figure")
    fmt = target.suffix.lower()[1:]
    return write_atomic(target, lambda fh: fig.savefig(fh, format=fmt, dpi=dpi), what="figure")
