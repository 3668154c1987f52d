"""Spec strings: one short name for every family, used by the CLI, notebooks and Python.

Grammar::

    spec     := product | path.json
    product  := single ( "*" single )*     letters are tuples, all components step together
              | single ( "+" single )*     letters are the disjoint union, one component steps
    single   := NAME [ ":" arg ( "," arg )* ]
    arg      := VALUE | KEY "=" VALUE     positional args fill parameters in order

Examples: ``parity``, ``cyclic:5``, ``dihedral:4,letters=generators``,
``random:states=10,symbols=3,seed=0``, ``cyclic:2*cyclic:3``,
``symmetric:3,letters=generators+cyclic:2,letters=generators``, ``my_machine.json``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..automata.machine import MooreMachine
from ..automata.operations import direct_product
from ..errors import SpecError
from ..io.formats import load_automaton
from ..validation import is_ascii_integer
from . import families

__all__ = ["FAMILIES", "Family", "Parameter", "build", "family_table", "parse_spec"]

_REQUIRED = object()
MAX_SPEC_LENGTH = 1000


def _is_file(text: str) -> bool:
    # a spec is not a path when the OS cannot even look it up (too long, NUL bytes)
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class Parameter:
    """One parameter of a family: an int with a lower bound, or a choice among words."""

    name: str
    default: Any = _REQUIRED
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def parse(self, family: str, raw: str) -> Any:
        if self.choices and raw in self.choices:
            return raw
        if self.minimum is not None and is_ascii_integer(raw):
            value = int(raw)
            if value < self.minimum:
                raise SpecError(
                    f"{family}: {self.name} must be at least {self.minimum}, got {value}")
            return value
        expected = []
        if self.minimum is not None:
            expected.append(f"an integer ≥ {self.minimum}")
        if self.choices:
            expected.append("one of " + ", ".join(self.choices))
        raise SpecError(f"{family}: {self.name} must be {' or '.join(expected)}, got {raw!r}")

    def describe(self) -> str:
        kinds = []
        if self.minimum is not None:
            kinds.append(f"int ≥ {self.minimum}")
        if self.choices:
            kinds.append("|".join(self.choices))
        text = f"{self.name} ({' or '.join(kinds)})"
        return text if self.required else f"{text} = {self.default}"


@dataclass(frozen=True)
class Family:
    """A named family of machines with its parameters and a one-line description."""

    name: str
    builder: Callable[..., MooreMachine]
    parameters: tuple[Parameter, ...]
    summary: str
    example: str

    def usage(self) -> str:
        if not self.parameters:
            return self.name
        return f"{self.name}:" + ",".join(p.describe() for p in self.parameters)


_LETTERS = Parameter("letters", "elements", choices=("elements", "generators"),
                     help="alphabet: all group elements or the named generators")

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family("parity", families.parity, (), "parity of the number of 1s (Z_2)", "parity"),
        Family("cyclic", families.cyclic, (Parameter("m", minimum=1), _LETTERS),
               "Z_m word problem = modular addition mod m (the source paper's task)", "cyclic:5"),
        Family("counter", families.counter_mod, (Parameter("m", minimum=1),),
               "number of 1s mod m over {0,1}", "counter:3"),
        Family("dihedral", families.dihedral, (Parameter("n", minimum=1), _LETTERS),
               "dihedral group D_n word problem (order 2n)", "dihedral:4"),
        Family("symmetric", families.symmetric, (Parameter("n", minimum=1), _LETTERS),
               "symmetric group S_n word problem (order n!)", "symmetric:3"),
        Family("alternating", families.alternating, (Parameter("n", minimum=1), _LETTERS),
               "alternating group A_n word problem (order n!/2)", "alternating:4"),
        Family("quaternion", families.quaternion, (_LETTERS,),
               "quaternion group Q_8 word problem", "quaternion"),
        Family("flipflop", families.flipflop, (Parameter("n", 2, minimum=1),),
               "set-reset flip-flop storing one of n values", "flipflop"),
        Family("last_letters", families.last_letters,
               (Parameter("k", minimum=1), Parameter("symbols", 2, minimum=1)),
               "the last k letters (definite; symbols ≤ 10)", "last_letters:2,symbols=5"),
        Family("occurred", families.occurred, (), "has symbol a occurred", "occurred"),
        Family("threshold", families.threshold, (Parameter("k", minimum=1),),
               "at least k occurrences of symbol a", "threshold:2"),
        Family("reset_cyclic", families.reset_cyclic, (Parameter("m", minimum=1),),
               "Z_m with a reset letter R", "reset_cyclic:3"),
        Family("cycle_navigation", families.cycle_navigation, (Parameter("m", 5, minimum=1),),
               "DeepMind cycle navigation (tokens -1/0/+1, position mod m)",
               "cycle_navigation:5"),
        Family("modular_arithmetic", families.modular_arithmetic,
               (Parameter("m", 5, minimum=1),),
               "DeepMind modular arithmetic without brackets, with precedence",
               "modular_arithmetic:5"),
        Family("even_pairs", families.even_pairs, (),
               "DeepMind even pairs: [first bit != last bit]", "even_pairs"),
        Family("random", families.random_dfa,
               (Parameter("states", minimum=1), Parameter("symbols", 2, minimum=1),
                Parameter("seed", 0, minimum=0),
                Parameter("outputs", "state", minimum=1, choices=("state", "binary")),
                Parameter("reachable", "tree", choices=("tree", "trim", "none"))),
               "seeded random DFA (uniform transitions, output = state by default)",
               "random:states=10,symbols=3,seed=0"),
    ]
}


def family_table() -> list[dict[str, str]]:
    """One row per family: name, usage, summary, example (for listings)."""
    return [
        {"name": f.name, "usage": f.usage(), "summary": f.summary, "example": f.example}
        for f in FAMILIES.values()
    ]


def parse_spec(spec: str) -> tuple[Family, dict[str, Any]]:
    """Parse one product-free spec into its family and keyword arguments.

    Examples
    --------
    >>> family, kwargs = parse_spec("random:states=10,symbols=3,seed=0")
    >>> family.name, kwargs
    ('random', {'states': 10, 'symbols': 3, 'seed': 0})
    >>> parse_spec("cyclc:5")
    Traceback (most recent call last):
    ...
    automata_bilinear.errors.SpecError: unknown family 'cyclc' in spec 'cyclc:5'; did you mean ...
    """
    if not isinstance(spec, str):
        raise SpecError(f"a spec must be a string, got {type(spec).__name__}")
    text = spec.strip()
    name, _, argtext = text.partition(":")
    name = name.strip()
    family = FAMILIES.get(name)
    if family is None:

        close = difflib.get_close_matches(name, FAMILIES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise SpecError(
            f"unknown family {name!r} in spec {spec!r}{hint} Valid families: "
            + ", ".join(FAMILIES)
        )
    params = {p.name: p for p in family.parameters}
    kwargs: dict[str, Any] = {}
    args = [a.strip() for a in argtext.split(",")] if argtext.strip() else []
    positional = 0
    for arg in args:
        if not arg:
            raise SpecError(f"empty argument in spec {spec!r}")
        if "=" in arg:
            key, _, raw = (s.strip() for s in arg.partition("="))
            if key not in params:
                valid = ", ".join(params) or "none"
                raise SpecError(
                    f"{name}: unknown parameter {key!r} in spec {spec!r}; valid: {valid}"
                )
        else:
            if kwargs and positional < len(kwargs):
                raise SpecError(f"{name}: positional argument {arg!r} after a keyword one")
            if positional >= len(family.parameters):
                raise SpecError(
                    f"{name}: too many arguments in spec {spec!r}; usage: {family.usage()}"
                )
            key, raw = family.parameters[positional].name, arg
            positional += 1
        if key in kwargs:
            raise SpecError(f"{name}: parameter {key!r} given twice in spec {spec!r}")
        kwargs[key] = params[key].parse(name, raw)
    missing = [p.name for p in family.parameters if p.required and p.name not in kwargs]
    if missing:
        raise SpecError(
            f"{name}: missing parameter(s) {', '.join(missing)}; usage: {family.usage()} "
            f"(e.g. {family.example})"
        )
    return family, kwargs


def build(spec: str | MooreMachine) -> MooreMachine:
    """Build the machine named by a spec string (or return a machine unchanged).

    A spec ending in ``.json`` (or naming an existing file) is loaded with
    :func:`~automata_bilinear.io.formats.load_automaton`.

    Examples
    --------
    >>> build("dihedral:4").n_states
    8
    >>> build("cyclic:2*cyclic:3").n_states
    6
    >>> build("dihedral:3,letters=generators+cyclic:2,letters=generators").alphabet
    ('r', 's', '1')
    """
    if isinstance(spec, MooreMachine):
        return spec
    if not isinstance(spec, str):
        raise SpecError(f"a spec must be a string, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise SpecError("empty spec; try one of: " + ", ".join(FAMILIES))
    if len(text) > MAX_SPEC_LENGTH:
        raise SpecError(f"spec of {len(text)} characters is longer than {MAX_SPEC_LENGTH}: "
                        f"{text[:40]!r}…; write the automaton to a .json file instead")
    if "\x00" in text:
        raise SpecError(f"spec {text[:40]!r} contains a NUL character")
    # a path: a .json name that is an existing file or no product of specs, or an existing
    # file whose name has no ':' (so a family spec is never shadowed by a stray file)
    if text.endswith(".json"):
        if _is_file(text) or not any(op in text for op in "*+"):
            return load_automaton(text)
    elif ":" not in text and _is_file(text):
        return load_automaton(text)
    if "*" in text and "+" in text:
        raise SpecError(
            f"spec {spec!r} mixes '*' and '+' products; use one kind per spec"
        )
    for op, letters in (("*", "product"), ("+", "union")):
        if op in text:
            parts = [p.strip() for p in text.split(op)]
            if any(not p for p in parts):
                raise SpecError(f"spec {spec!r} has an empty factor around {op!r}")
            return direct_product(*(build(p) for p in parts), letters=letters, name=text)
    family, kwargs = parse_spec(text)
    return family.builder(**kwargs)
