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
    "ConfigurationError",
    "ConstructionUnavailableError",
    "FormatError",
    "InternalConsistencyError",
    "InvalidArgumentError",
    "KernelObstruction",
    "MissingDependencyError",
    "ModelError",
    "NotRepresentableError",
    "OutputPathError",
    "Prop3Error",
    "RNNInputError",
    "ResourceLimitError",
    "SpecError",
    "UnknownSymbolError",
    "UsageError",
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
    """Work refused before it starts because it would exceed the resource budget.

    The message states the estimate (bytes or steps), the limit, and the knob that raises it
    (``AUTOMATA_BILINEAR_MAX_BYTES`` / ``AUTOMATA_BILINEAR_MAX_WORK`` or ``--max-bytes`` /
    ``--max-work``).
    """


class ConfigurationError(AutomataBilinearError, ValueError):
    """An environment setting (``AUTOMATA_BILINEAR_*``) has an invalid value."""


class InvalidArgumentError(AutomataBilinearError, TypeError, ValueError):
    """An argument of a public function has the wrong type or is out of range; the message
    names the argument and what was expected."""


class UsageError(InvalidArgumentError):
    """The command line is malformed: an unknown or inapplicable option, a missing or
    out-of-range value."""


class OutputPathError(AutomataBilinearError, OSError):
    """An output file cannot be written (missing folder, no permission, a directory in the
    way, disk full); nothing is left behind at the path."""


class MissingDependencyError(AutomataBilinearError, ImportError):
    """An optional dependency needed for this feature is not installed."""


class NotRepresentableError(AutomataBilinearError):
    """An automaton cannot be represented on the requested rung of the hierarchy."""


class VerificationError(AutomataBilinearError, ValueError):
    """A model and an automaton cannot be compared (alphabet or outputs do not match)."""


class InternalConsistencyError(AutomataBilinearError, AssertionError):
    """Two independent lines of evidence disagree (a proof and an exact re-evaluation):
    a bug in the toolkit, reported loudly instead of printing a verdict."""


class ModelError(AutomataBilinearError, ValueError):
    """A bilinear model's parameters are malformed (wrong shape, non-finite, off-rung)."""


class ConstructionUnavailableError(AutomataBilinearError):
    """No implemented construction fits, although the rung is not proven impossible."""


class KernelObstruction(NotRepresentableError):
    """The transition group is recognised and every real irrep of dimension ≤ b has a common
    non-trivial kernel (docs/theory.md §5, KERNEL): orthogonal_block(b) is impossible."""


class RNNInputError(AutomataBilinearError, ValueError):
    """Tokens or options passed to the forward pass are invalid."""


class Prop3Error(AutomataBilinearError, ValueError):
    """Invalid arguments to a Proposition 3 computation."""
