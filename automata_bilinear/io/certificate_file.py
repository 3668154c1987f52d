"""Certificate files: versioned JSON, written atomically and read strictly (newer versions
are refused with a clear message).

Two formats share this module: impossibility certificates (``automata_bilinear.certificate``,
:class:`~automata_bilinear.checker.certificates.Certificate`, about an automaton) and region
certificates (``automata_bilinear.region_certificate``,
:class:`~automata_bilinear.checker.regions.RegionCertificate`, about a model and a task).
:func:`load_any_certificate` reads either.
"""

from __future__ import annotations

import json
import os

from ..checker.certificates import Certificate
from ..checker.regions import RegionCertificate
from ..errors import FormatError, InvalidArgumentError
from .files import check_format_version, loads_strict, read_text, write_text_atomic

__all__ = [
    "CERTIFICATE_FORMAT",
    "CERTIFICATE_VERSION",
    "REGION_FORMAT",
    "REGION_VERSION",
    "load_any_certificate",
    "load_certificate",
    "load_region_certificate",
    "save_certificate",
    "save_region_certificate",
]

CERTIFICATE_FORMAT = "automata_bilinear.certificate"
CERTIFICATE_VERSION = 1
REGION_FORMAT = "automata_bilinear.region_certificate"
REGION_VERSION = 1


def save_certificate(cert: Certificate, path: str | os.PathLike, *, automaton: str = "") -> None:
    """Write a certificate as versioned JSON (atomically)."""
    if not isinstance(cert, Certificate):
        raise InvalidArgumentError(f"cert: expected a Certificate, got {type(cert).__name__}")
    doc = {"format": CERTIFICATE_FORMAT, "version": CERTIFICATE_VERSION,
           "automaton": automaton, "certificate": cert.to_json()}
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n", what="certificate file")


def _read(path: str | os.PathLike) -> dict:
    doc = loads_strict(read_text(path, what="certificate file"), source=str(path))
    if not isinstance(doc, dict):
        raise FormatError(f"{path}: a certificate file holds a JSON object")
    return doc


def load_certificate(path: str | os.PathLike) -> Certificate:
    """Read a certificate file written by :func:`save_certificate` (or by the CLI)."""
    return _certificate(_read(path), str(path))


def _certificate(doc: dict, src: str) -> Certificate:
    check_format_version(doc, expected=CERTIFICATE_FORMAT, supported=CERTIFICATE_VERSION,
                         source=src, field=lambda n: f"field {n!r}", what="certificate")
    unknown = sorted(set(doc) - {"format", "version", "automaton", "certificate"})
    if unknown:
        raise FormatError(f"{src}: unknown field(s) {', '.join(unknown)}")
    return Certificate.from_json(doc.get("certificate"), source=src)


def save_region_certificate(cert: RegionCertificate, path: str | os.PathLike, *,
                            automaton: str = "", model: str = "") -> None:
    """Write a region certificate as versioned JSON (atomically); ``automaton`` and
    ``model`` name what it was made for (informational: the check reads the files the
    user gives it)."""
    if not isinstance(cert, RegionCertificate):
        raise InvalidArgumentError(f"cert: expected a RegionCertificate, got "
                                   f"{type(cert).__name__}")
    doc = {"format": REGION_FORMAT, "version": REGION_VERSION, "automaton": automaton,
           "model": model, "certificate": cert.to_json()}
    write_text_atomic(path, json.dumps(doc) + "\n", what="region certificate file")


def load_region_certificate(path: str | os.PathLike) -> RegionCertificate:
    """Read a region certificate file written by :func:`save_region_certificate`."""
    return _region(_read(path), str(path))


def _region(doc: dict, src: str) -> RegionCertificate:
    check_format_version(doc, expected=REGION_FORMAT, supported=REGION_VERSION, source=src,
                         field=lambda n: f"field {n!r}", what="region certificate")
    unknown = sorted(set(doc) - {"format", "version", "automaton", "model", "certificate"})
    if unknown:
        raise FormatError(f"{src}: unknown field(s) {', '.join(unknown)}")
    return RegionCertificate.from_json(doc.get("certificate"), source=src)


def load_any_certificate(path: str | os.PathLike) -> Certificate | RegionCertificate:
    """Read either kind of certificate file, by its ``format`` field."""
    doc = _read(path)
    if doc.get("format") == REGION_FORMAT:
        return _region(doc, str(path))
    return _certificate(doc, str(path))
