"""The rungs of the hierarchy: one module per rung, one frozen :class:`Rung` each, and the
registry that lists them (docs/theory.md §3–§5)."""

from __future__ import annotations

from .base import Obstructions, Rung, Structure
from .registry import HIERARCHY, REGISTRY, RUNG_ORDER, RUNGS, get_rung

__all__ = ["HIERARCHY", "REGISTRY", "RUNGS", "RUNG_ORDER", "Obstructions", "Rung", "Structure",
           "get_rung"]
