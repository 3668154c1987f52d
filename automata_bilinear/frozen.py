"""Read-only values for the fields of frozen objects: JSON-like data and string enums.

``freeze`` turns dicts into read-only mappings and lists into tuples, recursively, so a
frozen model's ``metadata`` or a certificate's ``data`` cannot be edited in place (an edit
that could flip a verdict must build a new object); ``thaw`` gives plain dicts and lists
back for JSON.

Examples
--------
>>> frozen = freeze({"a": [1, {"b": 2}]})
>>> frozen["a"]
(1, mappingproxy({'b': 2}))
>>> frozen["a"] = 3
Traceback (most recent call last):
...
TypeError: 'mappingproxy' object does not support item assignment
>>> thaw(frozen)
{'a': [1, {'b': 2}]}

``TextEnum`` members are their string value everywhere a string is expected (comparison,
hashing, formatting, JSON), so the formats keep their strings while the code names the
members:

>>> class Colour(TextEnum):
...     RED = "red"
>>> Colour.RED == "red", f"{Colour.RED}", {"red": 1}[Colour.RED], Colour("red")
(True, 'red', 1, <Colour.RED: 'red'>)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["TextEnum", "freeze", "thaw"]


def freeze(value: Any) -> Any:
    """A read-only deep copy: mappings → ``MappingProxyType``, lists/tuples → tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain ``dict``/``list`` values again (for JSON)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


class TextEnum(str, enum.Enum):
    """A string-valued enum whose members behave as their value (Python 3.10 has no
    ``enum.StrEnum``)."""

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)
