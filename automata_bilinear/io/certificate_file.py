"""The certificate file: versioned JSON around :meth:`Certificate.to_json`, written atomically
and read strictly (newer versions are refused with a clear message)."""

from __future__ import annotations

import json
import os

from ..checker.certificates import Certificate
from ..errors import FormatError, InvalidArgumentError
from .files import check_format_version, loads_strict, read_text, write_text_atomic

__all__ = ["CERTIFICATE_FORMAT", "CERTIFICATE_VERSION", "load_certificate", "save_certificate"]

CERTIFICATE_FORMAT = "automata_bilinear.certificate"
CERTIFICATE_VERSION = 1


def save_certificate(cert: Certificate, path: str | os.PathLike, *, automaton: str = "") -> None:
    """Write a certificate as versioned JSON (atomically)."""
    if not isinstance(cert, Certificate):
        raise InvalidArgumentError(f"cert: expected a Certificate, got {type(cert).__name__}")
    doc = {"format": CERTIFICATE_FORMAT, "version": CERTIFICATE_VERSION,
           "automaton": automaton, "certificate": cert.to_json()}
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n", what="certificate file")


def load_certificate(path: str | os.PathLike) -> Certificate:
    """Read a certificate file written by :func:`save_certificate` (or by the CLI)."""
    doc = loads_strict(read_text(path, what="certificate file"), source=str(path))
    check_format_version(doc, expected=CERTIFICATE_FORMAT, supported=CERTIFICATE_VERSION,
                         source=str(path), field=lambda n: f"field {n!r}", what="certificate")
    unknown = sorted(set(doc) - {"format", "version", "automaton", "certificate"})
    if unknown:
        raise FormatError(f"{path}: unknown field(s) {', '.join(unknown)}")
    return Certificate.from_json(doc.get("certificate"), source=str(path))
