"""Small named checks for the arguments of public functions; each names the argument.

Examples
--------
>>> check_integer(3, "count", minimum=0)
3
>>> check_integer(-1, "count", minimum=0)
Traceback (most recent call last):
...
automata_bilinear.errors.InvalidArgumentError: count must be an integer ≥ 0, got -1
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .errors import InvalidArgumentError

__all__ = ["as_generator", "check_integer", "is_ascii_integer"]


_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")


def is_ascii_integer(text: str) -> bool:
    """Whether ``text`` is an integer in ASCII digits; ``int()`` alone would also take
    ``'１０'``, ``'١٠'`` and ``'1_0'``, which specs and flags refuse.

    Examples
    --------
    >>> is_ascii_integer(" -12 "), is_ascii_integer("１０"), is_ascii_integer("1_0")
    (True, False, False)
    """
    return _ASCII_INTEGER.fullmatch(text.strip()) is not None


def check_integer(value: Any, name: str, *, minimum: int | None = None,
                  maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) within the bounds."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = int(value)
        ok = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        if maximum is None:
            bound = "" if minimum is None else f" ≥ {minimum}"
        else:
            bound = f" in [{minimum}, {maximum}]"
        raise InvalidArgumentError(f"{name} must be an integer{bound}, got {value!r}")
    return value


def as_generator(seed: Any, name: str = "seed") -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for a non-negative int, a Generator or None; any
    other value is refused naming ``name``.

    Examples
    --------
    >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
    True
    """
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    return np.random.default_rng(check_integer(seed, name, minimum=0))
