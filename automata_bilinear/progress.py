"""Progress bars for long work (tqdm), shown only on an interactive terminal.

Bars go to stderr and appear only when stderr is a TTY and progress has not been switched
off; the CLI switches it off under ``--json`` so machine-readable runs stay clean. tqdm is
used because it handles terminal width, rates and ETA, and notebooks, far better than a
hand-written ``\\r`` line would.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from tqdm import tqdm

__all__ = ["progress", "progress_bar", "show_progress"]

T = TypeVar("T")
_ENABLED: ContextVar[bool] = ContextVar("automata_bilinear_progress", default=True)


@contextmanager
def show_progress(enabled: bool) -> Iterator[None]:
    """Switch progress bars on or off inside a ``with`` block.

    Examples
    --------
    >>> with show_progress(False):
    ...     list(progress(range(3), desc="quiet"))
    [0, 1, 2]
    """
    token = _ENABLED.set(bool(enabled))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def _disabled() -> bool:
    return not _ENABLED.get() or not sys.stderr.isatty()


def progress(iterable: Iterable[T], *, desc: str, total: int | None = None,
             unit: str = "it") -> Iterable[T]:
    """Wrap ``iterable`` in a progress bar (or return it unchanged when bars are off)."""
    if _disabled():
        return iterable
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False, file=sys.stderr)


def progress_bar(*, desc: str, total: int | None, unit: str = "it") -> Any:
    """A manual bar (``.update(n)``, ``.close()``), a no-op object when bars are off."""
    return tqdm(desc=desc, total=total, unit=unit, leave=False, file=sys.stderr,
                disable=_disabled())
