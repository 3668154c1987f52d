"""Named sequence-model architectures as points of the hierarchy, read off a classification.

Each architecture is a rung (with an option) of :mod:`automata_bilinear.rungs`, or a stack of
rotation layers; :func:`architecture_table` turns a
:class:`~automata_bilinear.classify.ClassificationReport` into one row per architecture:
whether it represents the task exactly (with the hidden size, factors or layers the proved
construction uses), or the certificate that rules it out, or "open".

==============================  =========================  ====================================
architecture                    hierarchy point            source
==============================  =========================  ====================================
Mamba                           positive_diagonal          Gu and Dao 2023 (decay, no input term)
negative-eigenvalue diagonal    real_diagonal              Grazzi et al., ICLR 2025
R2 / Mamba-3 rotations          rotation                   Ebrahimi & Memisevic; Mamba-3 (2026)
complex diagonal (LRU)          complex_diagonal           Orvieto et al. 2023
PD-SSM                          pd                         Terzić et al., NeurIPS 2025
DeltaNet                        householder, 1 factor      Yang et al., NeurIPS 2024
DeltaProduct                    householder, n factors     Siems et al. 2025
rotation stack                  k rotation layers          Shakerinava, Khavari et al. 2026
==============================  =========================  ====================================

Examples
--------
>>> from automata_bilinear import build, classify
>>> rows = architecture_table(classify(build("symmetric:3")))
>>> for row in rows[-3:]:
...     print(row["architecture"], row["verdict"], row["size"])
DeltaNet no None
DeltaProduct yes n = 2, H = 2
rotation stack yes 2 layers, H = 1+2
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidArgumentError

__all__ = ["ARCHITECTURES", "architecture_table"]

ARCHITECTURES: tuple[tuple[str, str], ...] = (
    ("Mamba", "positive_diagonal"),
    ("negative-eigenvalue diagonal", "real_diagonal"),
    ("R2 / Mamba-3 rotations", "rotation"),
    ("complex diagonal (LRU)", "complex_diagonal"),
    ("PD-SSM", "pd"),
    ("DeltaNet", "householder:1"),
    ("DeltaProduct", "householder"),
    ("rotation stack", "stack"),
)
"""(architecture, hierarchy point): a rung name, ``householder:1`` (one factor per letter)
or ``stack`` (rotation layers)."""


def _row(name: str, point: str, verdict: str, size: str | None, why: str) -> dict[str, Any]:
    return {"architecture": name, "point": point, "verdict": verdict, "size": size,
            "detail": why}


def architecture_table(report: Any) -> list[dict[str, Any]]:
    """One row per :data:`ARCHITECTURES` entry: ``verdict`` ("yes", "no", "open"), ``size``
    (the proved construction's hidden size, factors or layers) and ``detail``."""
    if not hasattr(report, "rungs") or not hasattr(report, "depth"):
        raise InvalidArgumentError(f"report: expected a ClassificationReport (from classify), "
                                   f"got {type(report).__name__}")
    rows = []
    for name, point in ARCHITECTURES:
        if point == "stack":
            depth = report.depth or {}
            cert = depth.get("certificate") or {}
            if depth.get("proved"):
                sizes = "+".join(str(h) for h in depth.get("hidden", []))
                k = depth["least_layers"]
                rows.append(_row(name, point, "yes", f"{k} layer{'s' if k > 1 else ''}, H = "
                                 f"{sizes}", depth.get("note", "")))
            elif cert.get("kind") == "perfect" or depth.get("least_layers") is None:
                rows.append(_row(name, point, "no", None, depth.get("note", "")))
            else:
                rows.append(_row(name, point, "open", None, depth.get("note", "")))
            continue
        rung = point.split(":")[0]
        v = report.rungs[rung]
        if point == "householder:1":
            factors = v.bounds.get("factors") if v.verdict == "yes" else None
            if factors is not None and factors[1] == 1:
                rows.append(_row(name, point, "yes", f"H = {v.hidden}", v.construction or ""))
            elif factors is not None and factors[0] > 1:
                rows.append(_row(name, point, "no", None, v.bound_certificate.describe()))
            else:
                rows.append(_row(name, point, "open", None, v.note))
            continue
        if v.verdict == "yes":
            size = f"H = {v.hidden}"
            if rung == "householder":
                n = v.bounds.get("factors", (v.factors, v.factors))
                size = f"n = {v.factors}, H = {v.hidden}" + (
                    "" if n[0] == n[1] else f" (n ≥ {n[0]})")
            rows.append(_row(name, point, "yes", size, v.construction or ""))
        elif v.verdict == "no":
            rows.append(_row(name, point, "no", None, v.certificate.describe()))
        else:
            rows.append(_row(name, point, "open", None, v.note))
    return rows
