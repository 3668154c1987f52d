"""The registry of rungs, in hierarchy order: the one list every other module reads.

``HIERARCHY`` runs from the narrowest rung to the widest — the order in which
:func:`automata_bilinear.compilation.compile_lowest` tries them (sign ⊂ rotation and
positive ⊂ real are side branches of docs/theory.md §3's containments). ``RUNGS`` lists the
names widest first, the order of reports and of the CLI's choices.

Examples
--------
>>> RUNG_ORDER[:3]
('positive_diagonal', 'sign_diagonal', 'real_diagonal')
>>> get_rung("rotation").label
'rot'
>>> get_rung("banded")
Traceback (most recent call last):
...
automata_bilinear.errors.ModelError: unknown rung 'banded'; valid rungs: full, householder, pd, ...
"""

from __future__ import annotations

from types import MappingProxyType

from ..errors import ModelError
from .base import Rung
from .block import BLOCK
from .complex_diagonal import COMPLEX_DIAGONAL
from .cp import CP
from .full import FULL
from .householder import HOUSEHOLDER
from .orthogonal_block import ORTHOGONAL_BLOCK
from .pd import PD
from .positive_diagonal import POSITIVE_DIAGONAL
from .real_diagonal import REAL_DIAGONAL
from .rotation import ROTATION
from .sign_diagonal import SIGN_DIAGONAL

__all__ = ["HIERARCHY", "REGISTRY", "RUNGS", "RUNG_ORDER", "get_rung"]

HIERARCHY: tuple[Rung, ...] = (
    POSITIVE_DIAGONAL,
    SIGN_DIAGONAL,
    REAL_DIAGONAL,
    ROTATION,
    COMPLEX_DIAGONAL,
    ORTHOGONAL_BLOCK,
    BLOCK,
    CP,
    PD,
    HOUSEHOLDER,
    FULL,
)

REGISTRY = MappingProxyType({rung.name: rung for rung in reversed(HIERARCHY)})
"""Rung name → :class:`Rung`, widest first."""

RUNGS: tuple[str, ...] = tuple(REGISTRY)
"""Rung names, widest first."""

RUNG_ORDER: tuple[str, ...] = tuple(rung.name for rung in HIERARCHY)
"""Rung names, narrowest first."""


def get_rung(name: object) -> Rung:
    """The :class:`Rung` called ``name``; a :class:`ModelError` listing the valid names
    otherwise."""
    rung = REGISTRY.get(name) if isinstance(name, str) else None
    if rung is None:
        raise ModelError(f"unknown rung {name!r}; valid rungs: {', '.join(RUNGS)}")
    return rung
