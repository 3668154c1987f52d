"""One exception hierarchy for everything the toolkit refuses.

Every error a user can trigger with bad input derives from :class:`AutomataBilinearError`,
so ``except AutomataBilinearError`` catches all of them and nothing else. Each subclass
also derives from the matching built-in (``ValueError``, ``KeyError``-free on purpose,
``MemoryError`` for size refusals) so generic handlers keep working.
"""

from __future__ import annotations

__all__ = [
    "AutomataBilinearError",
    "AutomatonError",
    "FormatError",
    "InternalConsistencyError",
    "NotRepresentableError",
    "ResourceLimitError",
    "SpecError",
    "UnknownSymbolError",
    "VerificationError",
]


class AutomataBilinearError(Exception):
    """Root of every error raised deliberately by automata_bilinear."""


class AutomatonError(AutomataBilinearError, ValueError):
    """An automaton (or the data it is built from) is malformed."""


class UnknownSymbolError(AutomatonError):
    """A word uses a symbol that is not in the automaton's alphabet."""


class SpecError(AutomataBilinearError, ValueError):
    """A family spec string (``"cyclic:5"``, ``"random:states=10"``, ...) is invalid."""


class FormatError(AutomataBilinearError, ValueError):
    """A file (JSON automaton, model archive, ...) is malformed; the message names the field."""


class ResourceLimitError(AutomataBilinearError, MemoryError):
    """Work refused before allocation because it would exceed a size limit.

    The message states how large the refused object would have been.
    """


class NotRepresentableError(AutomataBilinearError):
    """An automaton cannot be represented on the requested rung of the hierarchy."""


class VerificationError(AutomataBilinearError, ValueError):
    """A model and an automaton cannot be compared (alphabet or outputs do not match)."""


class InternalConsistencyError(AutomataBilinearError, AssertionError):
    """Two independent lines of evidence disagree (a proof and an exact re-evaluation):
    a bug in the toolkit, reported loudly instead of printing a verdict."""
