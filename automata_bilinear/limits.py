"""The resource budget: estimate an operation's memory and work, refuse before starting.

Two limits apply to every operation as a whole (not to one array):

- **memory**, default 4 GiB, set with ``AUTOMATA_BILINEAR_MAX_BYTES`` (``4000000000``,
  ``8G``, ``512M``, ...) or the CLI's ``--max-bytes``;
- **work**, default 2·10^10 elementary steps (about a minute of vectorised NumPy), set with
  ``AUTOMATA_BILINEAR_MAX_WORK`` or ``--max-work``.

An estimate over a limit raises :class:`~automata_bilinear.errors.ResourceLimitError` whose
message gives the estimate, the limit and the knob. :func:`budget` overrides both limits
for a block of code (the CLI uses it for its flags).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import ConfigurationError, ResourceLimitError

__all__ = [
    "BYTES_PER_STATE",
    "BYTES_PER_TABLE_CELL",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_WORK",
    "budget",
    "check_allocation",
    "check_machine_size",
    "check_memory",
    "check_work",
    "format_bytes",
    "max_bytes",
    "max_work",
    "parse_size",
]

DEFAULT_MAX_BYTES = 4 * 2**30
DEFAULT_MAX_WORK = 2 * 10**10
# Measured peak memory of building, minimising and summarising a machine (``show``):
# about 40 bytes per transition-table cell plus 200 per state (labels, partitions, access
# words); rounded up so the estimate stays an upper bound for the usual pipelines.
BYTES_PER_TABLE_CELL = 64
BYTES_PER_STATE = 256

_OVERRIDE: ContextVar[tuple[int | None, int | None]] = ContextVar(
    "automata_bilinear_budget", default=(None, None))
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(i?b?)\s*$", re.IGNORECASE)
_FACTORS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
_BINARY = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40, "p": 2**50}


def parse_size(text: str, *, what: str = "size") -> int:
    """Parse ``"4000"``, ``"8G"``, ``"512MiB"``, ``"1e9"`` into a positive integer.

    Decimal suffixes (k, M, G, T, P) are powers of 1000; with ``i`` (KiB, MiB, GiB, ...)
    powers of 1024.

    Examples
    --------
    >>> parse_size("8G"), parse_size("512MiB"), parse_size("1e9")
    (8000000000, 536870912, 1000000000)
    >>> parse_size("-1")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.ConfigurationError: size must be a positive number ...
    """
    raw = str(text)
    value: float | None = None
    if re.fullmatch(r"\s*[0-9]+(?:\.[0-9]+)?[eE][0-9]+\s*", raw):
        value = float(raw)
    else:
        match = _SIZE.match(raw)
        if match:
            number, prefix, binary = match.groups()
            table = _BINARY if binary.lower().startswith("i") else _FACTORS
            value = float(number) * table[prefix.lower()]
    if value is None or not math.isfinite(value) or value < 1:
        raise ConfigurationError(
            f"{what} must be a positive number of bytes or steps such as 4000000000, 8G or "
            f"512MiB, got {raw!r}")
    return int(value)


def _limit(env: str, default: int, index: int) -> int:
    override = _OVERRIDE.get()[index]
    if override is not None:
        return override
    raw = os.environ.get(env)
    return default if raw is None else parse_size(raw, what=env)


def max_bytes() -> int:
    """The memory budget of one operation, in bytes."""
    return _limit("AUTOMATA_BILINEAR_MAX_BYTES", DEFAULT_MAX_BYTES, 0)


def max_work() -> int:
    """The work budget of one operation, in elementary steps."""
    return _limit("AUTOMATA_BILINEAR_MAX_WORK", DEFAULT_MAX_WORK, 1)


@contextmanager
def budget(*, max_bytes: int | None = None, max_work: int | None = None) -> Iterator[None]:
    """Use other limits inside a ``with`` block (``None`` keeps the current one).

    Examples
    --------
    >>> with budget(max_bytes=1000):
    ...     check_memory("a test", 2000)
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.ResourceLimitError: refusing a test: it would take about 2.0 KiB...
    """
    for name, value in (("max_bytes", max_bytes), ("max_work", max_work)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    current = _OVERRIDE.get()
    token = _OVERRIDE.set((max_bytes if max_bytes is not None else current[0],
                           max_work if max_work is not None else current[1]))
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def format_bytes(n: float) -> str:
    """Human-readable byte count, e.g. ``format_bytes(3 * 2**30) == '3.0 GiB'``."""
    if n >= 2**60:
        return "more than 1000 PiB"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")


def _approx(n: float) -> str:
    try:
        return f"{float(n):.3g}"
    except OverflowError:
        return "more than 1e308"


def check_memory(what: str, n_bytes: float) -> None:
    """Refuse an operation whose estimated total memory exceeds the budget.

    Examples
    --------
    >>> check_memory("a small table", 10**6)
    """
    limit = max_bytes()
    if n_bytes > limit:
        raise ResourceLimitError(
            f"refusing {what}: it would take about {format_bytes(n_bytes)}, over the memory "
            f"budget of {format_bytes(limit)} (raise it with AUTOMATA_BILINEAR_MAX_BYTES or "
            "--max-bytes)")


def check_work(what: str, steps: float) -> None:
    """Refuse an operation whose estimated number of elementary steps exceeds the budget.

    Examples
    --------
    >>> check_work("10^12 Monte Carlo draws", 10**12)
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.ResourceLimitError: refusing 10^12 Monte Carlo draws: about 1e+12 ...
    """
    limit = max_work()
    if steps > limit:
        raise ResourceLimitError(
            f"refusing {what}: about {_approx(steps)} elementary steps, over the work budget of "
            f"{limit:.3g} (raise it with AUTOMATA_BILINEAR_MAX_WORK or --max-work)")


def check_machine_size(what: str, states: int, symbols: int) -> None:
    """Refuse to build a machine whose whole pipeline (build, minimise, summarise) would
    exceed the memory budget; the estimate is per table cell and per state.

    Examples
    --------
    >>> check_machine_size("cyclic:5", 5, 5)
    >>> check_machine_size("cyclic:20000", 20000, 20000)
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.ResourceLimitError: refusing cyclic:20000 (20000 states × 20000 ...
    """
    states, symbols = int(states), int(symbols)
    estimate = states * symbols * BYTES_PER_TABLE_CELL + states * BYTES_PER_STATE
    check_memory(f"{what} ({states} states × {symbols} symbols)", estimate)
    check_work(f"{what} ({states} states × {symbols} symbols)", states * symbols * 20)


def check_allocation(what: str, shape: tuple[int, ...], itemsize: int = 8) -> None:
    """Refuse one array of ``shape`` whose size alone exceeds the memory budget.

    Parameters
    ----------
    what
        What the array is for; appears in the error message.
    shape
        The array shape that would be allocated.
    itemsize
        Bytes per element.

    Examples
    --------
    >>> check_allocation("transition table", (10, 2))
    >>> check_allocation("table", (10**9, 10**3))
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.ResourceLimitError: refusing table of shape (1000000000, 1000)...
    """
    dims = tuple(int(s) for s in shape)
    check_memory(f"{what} of shape {dims}", math.prod(dims) * itemsize)
