"""Refuse allocations that would exhaust memory, before making them.

The limit defaults to 4 GiB per array and can be changed with the environment variable
``AUTOMATA_BILINEAR_MAX_BYTES`` (an integer number of bytes).
"""

from __future__ import annotations

import math
import os

from .errors import ResourceLimitError

__all__ = ["DEFAULT_MAX_BYTES", "check_allocation", "format_bytes", "max_bytes"]

DEFAULT_MAX_BYTES = 4 * 2**30


def max_bytes() -> int:
    """Return the current per-allocation limit in bytes."""
    raw = os.environ.get("AUTOMATA_BILINEAR_MAX_BYTES")
    if raw is None:
        return DEFAULT_MAX_BYTES
    try:
        return int(raw)
    except ValueError:
        raise ResourceLimitError(
            f"AUTOMATA_BILINEAR_MAX_BYTES must be an integer number of bytes, got {raw!r}"
        ) from None


def format_bytes(n: float) -> str:
    """Human-readable byte count, e.g. ``format_bytes(3 * 2**30) == '3.0 GiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError("unreachable")


def check_allocation(what: str, shape: tuple[int, ...], itemsize: int = 8) -> None:
    """Raise :class:`ResourceLimitError` if an array of ``shape`` would exceed the limit.

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
    automata_bilinear.errors.ResourceLimitError: refusing ... it would take 7.3 TiB, ...
    """
    n_bytes = math.prod(int(s) for s in shape) * itemsize
    limit = max_bytes()
    if n_bytes > limit:
        raise ResourceLimitError(
            f"refusing to allocate {what} of shape {tuple(int(s) for s in shape)}: it would "
            f"take {format_bytes(n_bytes)}, over the limit of {format_bytes(limit)} "
            "(set AUTOMATA_BILINEAR_MAX_BYTES to change it)"
        )
