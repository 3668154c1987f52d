"""Reading and writing automata: versioned JSON, Graphviz DOT, networkx, automata-lib.

JSON automaton format, version 1 (a public contract; see README)::

    {
      "format": "automata_bilinear.automaton",
      "version": 1,
      "name": "parity",                      # optional, default ""
      "alphabet": ["0", "1"],                # symbol labels, column order of "transitions"
      "states": ["even", "odd"],             # optional state labels
      "start": 0,                            # state index (or a label from "states")
      "outputs": [0, 1],                     # one label per state: str, int, bool or list
      "transitions": [[0, 1], [1, 0]]        # transitions[q][a]: index (or label) of next state
    }

Readers accept any version up to :data:`AUTOMATON_FORMAT_VERSION` and reject newer ones by
name; unknown keys are rejected too (a typo should not be silently ignored). Files are written
atomically (temporary file, then rename).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from ..automata.machine import MooreMachine, check_machine
from ..errors import (
    AutomatonError,
    FormatError,
    InvalidArgumentError,
    MissingDependencyError,
    ResourceLimitError,
)
from .files import check_format_version, loads_strict, read_text, write_text_atomic

__all__ = [
    "AUTOMATON_FORMAT",
    "AUTOMATON_FORMAT_VERSION",
    "MissingDependencyError",
    "automaton_from_dict",
    "automaton_from_json",
    "automaton_hash",
    "automaton_to_dict",
    "automaton_to_json",
    "from_automata_lib",
    "from_networkx",
    "load_automaton",
    "save_automaton",
    "to_automata_lib",
    "to_dot",
    "to_networkx",
    "write_text_atomic",
]

AUTOMATON_FORMAT = "automata_bilinear.automaton"
AUTOMATON_FORMAT_VERSION = 1
_KEYS = {"format", "version", "name", "alphabet", "states", "start", "outputs", "transitions"}


def _jsonable(label: Any) -> Any:
    return [_jsonable(x) for x in label] if isinstance(label, tuple) else label


def automaton_to_dict(machine: MooreMachine) -> dict[str, Any]:
    """The JSON-ready dictionary of the versioned automaton format."""
    machine = check_machine(machine, "machine")
    data: dict[str, Any] = {
        "format": AUTOMATON_FORMAT,
        "version": AUTOMATON_FORMAT_VERSION,
        "name": machine.name,
        "alphabet": list(machine.alphabet),
    }
    if machine.state_labels is not None:
        data["states"] = list(machine.state_labels)
    data["start"] = machine.start
    data["outputs"] = [_jsonable(o) for o in machine.outputs]
    data["transitions"] = machine.transitions.tolist()
    return data


def automaton_to_json(machine: MooreMachine, *, indent: int | None = None) -> str:
    """Serialise to a JSON string (compact one row per state when ``indent`` is None)."""
    data = automaton_to_dict(machine)
    if indent is not None:
        return json.dumps(data, indent=indent)
    rows = ",\n    ".join(json.dumps(r) for r in data.pop("transitions"))
    head = json.dumps(data)[:-1]
    return f'{head}, "transitions": [\n    {rows}\n  ]}}\n'


def _state_ref(value: Any, labels: dict[str, int] | None, where: str) -> int:
    if isinstance(value, bool):
        raise FormatError(f"{where}: expected a state index, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and labels is not None:
        if value not in labels:
            raise FormatError(f"{where}: unknown state label {value!r}")
        return labels[value]
    raise FormatError(
        f"{where}: expected a state index{' or label' if labels else ''}, got {value!r}"
    )


def automaton_from_dict(data: Any, *, source: str = "automaton") -> MooreMachine:
    """Build a machine from the versioned JSON dictionary, naming any bad field.

    ``source`` (e.g. a file name) prefixes error messages.
    """
    def fail(msg: str) -> FormatError:
        return FormatError(f"{source}: {msg}")

    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    check_format_version(data, expected=AUTOMATON_FORMAT, supported=AUTOMATON_FORMAT_VERSION,
                         source=source, field=lambda n: f'field "{n}"', what="automaton")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise fail(f"unknown field(s) {unknown}; allowed: {sorted(_KEYS)}")
    for key in ("alphabet", "start", "outputs", "transitions"):
        if key not in data:
            raise fail(f'missing field "{key}"')
    if not isinstance(data["alphabet"], list) or not all(
            isinstance(a, str) for a in data["alphabet"]):
        raise fail('field "alphabet" must be a list of symbol strings')
    if not isinstance(data["outputs"], list):
        raise fail('field "outputs" must be a list with one label per state')
    if not isinstance(data["transitions"], list) or not all(
        isinstance(r, list) for r in data["transitions"]
    ):
        raise fail('field "transitions" must be a list of rows (lists), one per state')
    labels = data.get("states")
    label_index = None
    if labels is not None:
        if not isinstance(labels, list) or not all(isinstance(s, str) for s in labels):
            raise fail('field "states" must be a list of strings')
        label_index = {s: i for i, s in enumerate(labels)}
    name = data.get("name", "")
    if not isinstance(name, str):
        raise fail('field "name" must be a string')
    try:
        rows = [
            [_state_ref(v, label_index, f"transitions[{q}][{a}]") for a, v in enumerate(row)]
            for q, row in enumerate(data["transitions"])
        ]
        start = _state_ref(data["start"], label_index, "start")
        return MooreMachine(
            transitions=rows, start=start, outputs=data["outputs"], alphabet=data["alphabet"],
            state_labels=labels, name=name,
        )
    except FormatError as exc:
        raise fail(str(exc)) from None
    except AutomatonError as exc:
        raise fail(str(exc)) from None


def automaton_from_json(text: str, *, source: str = "automaton") -> MooreMachine:
    """Parse the JSON automaton format from a string."""
    if not isinstance(text, str):
        raise InvalidArgumentError(f"{source}: expected JSON text (str), got "
                                   f"{type(text).__name__}")
    return automaton_from_dict(loads_strict(text, source=source), source=source)


def save_automaton(machine: MooreMachine, path: str | os.PathLike) -> None:
    """Write ``machine`` as versioned JSON to ``path`` (atomically)."""
    machine = check_machine(machine, "machine")
    write_text_atomic(path, automaton_to_json(machine))


def load_automaton(path: str | os.PathLike) -> MooreMachine:
    """Read a versioned JSON automaton file; errors name the file and the field."""
    return automaton_from_json(read_text(path, what="automaton file"), source=str(path))


# -- Graphviz -------------------------------------------------------------------------------


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(machine: MooreMachine, *, max_states: int = 2000) -> str:
    """Graphviz DOT source: one node per state labelled ``state / output``, parallel edges
    merged with their symbols listed, an arrow into the start state.

    Examples
    --------
    >>> from automata_bilinear.catalog.families import parity
    >>> print(to_dot(parity()))  # doctest: +NORMALIZE_WHITESPACE
    digraph "parity" {
      rankdir=LR;
      __start [shape=point];
      __start -> q0;
      q0 [label="0 / 0"];
      q1 [label="1 / 1"];
      q0 -> q0 [label="0"];
      q0 -> q1 [label="1"];
      q1 -> q1 [label="0"];
      q1 -> q0 [label="1"];
    }
    """
    machine = check_machine(machine, "machine")
    if machine.n_states > max_states:
        raise ResourceLimitError(
            f"DOT drawing of {machine.n_states} states is refused (max_states={max_states}); "
            "minimise first or raise max_states"
        )
    lines = [f"digraph {_dot_quote(machine.name or 'automaton')} {{", "  rankdir=LR;",
             "  __start [shape=point];", f"  __start -> q{machine.start};"]
    for q in range(machine.n_states):
        out = machine.outputs[q]
        shape = ", shape=doublecircle" if out is True else ""
        label = f"{machine.state_name(q)} / {_jsonable_str(out)}"
        lines.append(f"  q{q} [label={_dot_quote(label)}{shape}];")
    for q in range(machine.n_states):
        targets: dict[int, list[str]] = {}
        for a, r in enumerate(machine.transitions[q].tolist()):
            targets.setdefault(r, []).append(machine.alphabet[a])
        for r, syms in targets.items():
            lines.append(f"  q{q} -> q{r} [label={_dot_quote(','.join(syms))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _jsonable_str(label: Any) -> str:
    return json.dumps(_jsonable(label)) if not isinstance(label, str) else label


# -- networkx -------------------------------------------------------------------------------


def to_networkx(machine: MooreMachine) -> Any:
    """A ``networkx.MultiDiGraph``: nodes are state indices with attributes ``output`` and
    ``label``; one edge per (state, symbol) with key and attribute ``symbol``; graph
    attributes ``alphabet``, ``start`` and ``name``."""
    machine = check_machine(machine, "machine")
    import networkx as nx

    graph = nx.MultiDiGraph(alphabet=machine.alphabet, start=machine.start, name=machine.name)
    for q in range(machine.n_states):
        graph.add_node(q, output=machine.outputs[q], label=machine.state_name(q))
    for q in range(machine.n_states):
        for a, r in enumerate(machine.transitions[q].tolist()):
            graph.add_edge(q, r, key=machine.alphabet[a], symbol=machine.alphabet[a])
    return graph


def from_networkx(graph: Any) -> MooreMachine:
    """Inverse of :func:`to_networkx`: needs graph attributes ``alphabet`` and ``start``, node
    attribute ``output`` and exactly one edge per (node, symbol) with attribute ``symbol``.
    Nodes may be any hashable values; they are numbered in the graph's node order."""
    if not hasattr(graph, "graph") or not hasattr(graph, "edges"):
        raise InvalidArgumentError(f"graph: expected a networkx graph, got "
                                   f"{type(graph).__name__}")
    for key in ("alphabet", "start"):
        if key not in graph.graph:
            raise FormatError(f"graph is missing the graph attribute {key!r}")
    alphabet = tuple(graph.graph["alphabet"])
    nodes = list(graph.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    if graph.graph["start"] not in index:
        raise FormatError(f"graph start {graph.graph['start']!r} is not a node")
    rows = []
    outputs = []
    labels = []
    for v in nodes:
        attrs = graph.nodes[v]
        if "output" not in attrs:
            raise FormatError(f"node {v!r} has no 'output' attribute")
        outputs.append(attrs["output"])
        labels.append(str(attrs.get("label", v)))
        row: dict[str, int] = {}
        for _, w, data in graph.out_edges(v, data=True):
            sym = data.get("symbol")
            if sym not in alphabet:
                raise FormatError(f"edge {v!r} -> {w!r} has symbol {sym!r} not in the alphabet")
            if sym in row:
                raise FormatError(f"node {v!r} has two edges for symbol {sym!r}")
            row[sym] = index[w]
        missing = [s for s in alphabet if s not in row]
        if missing:
            raise FormatError(f"node {v!r} has no edge for symbol(s) {missing}")
        rows.append([row[s] for s in alphabet])
    if len(set(labels)) != len(labels):
        labels = None  # type: ignore[assignment]
    return MooreMachine(rows, index[graph.graph["start"]], outputs, alphabet,
                        tuple(labels) if labels else None, str(graph.graph.get("name", "")))


# -- automata-lib (optional) ----------------------------------------------------------------


def _automata_lib() -> Any:
    try:
        from automata.fa.dfa import DFA
    except ImportError:
        raise MissingDependencyError(
            "this needs the optional package automata-lib: pip install 'automata_bilinear"
            "[automata-lib]'"
        ) from None
    return DFA


def to_automata_lib(machine: MooreMachine) -> Any:
    """Export an acceptor (boolean outputs) as an ``automata.fa.dfa.DFA``.

    States are named by :meth:`MooreMachine.state_name`. Non-boolean outputs are refused:
    automata-lib DFAs only accept or reject.
    """
    machine = check_machine(machine, "machine")
    dfa_cls = _automata_lib()
    if not machine.is_acceptor:
        raise AutomatonError(
            f"only acceptors (boolean outputs) can be exported to automata-lib; "
            f"{machine.name or 'this machine'} has outputs {list(machine.output_labels)[:5]}"
        )
    names = [machine.state_name(q) for q in range(machine.n_states)]
    transitions = {
        names[q]: {machine.alphabet[a]: names[r]
                   for a, r in enumerate(machine.transitions[q].tolist())}
        for q in range(machine.n_states)
    }
    return dfa_cls(
        states=set(names), input_symbols=set(machine.alphabet), transitions=transitions,
        initial_state=names[machine.start],
        final_states={names[q] for q in range(machine.n_states) if machine.outputs[q]},
    )


def from_automata_lib(dfa: Any, *, name: str = "") -> MooreMachine:
    """Import an ``automata.fa.dfa.DFA`` as an acceptor; a partial DFA gets a rejecting sink.

    States are ordered by their string names (sink last) and labelled by them; symbols are
    sorted.
    """
    if not all(hasattr(dfa, k) for k in ("states", "input_symbols", "transitions",
                                          "initial_state", "final_states")):
        raise InvalidArgumentError(f"dfa: expected an automata-lib DFA, got "
                                   f"{type(dfa).__name__}")
    _automata_lib()
    alphabet = sorted(str(s) for s in dfa.input_symbols)
    symbol_of = {str(s): s for s in dfa.input_symbols}
    states = sorted(dfa.states, key=str)
    index = {s: i for i, s in enumerate(states)}
    rows = []
    need_sink = False
    for s in states:
        row = []
        for a in alphabet:
            nxt = dfa.transitions.get(s, {}).get(symbol_of[a])
            if nxt is None:
                need_sink = True
                row.append(len(states))
            else:
                row.append(index[nxt])
        rows.append(row)
    outputs = [s in dfa.final_states for s in states]
    labels = [str(s) for s in states]
    if need_sink:
        rows.append([len(states)] * len(alphabet))
        outputs.append(False)
        labels.append("__sink__")
    return MooreMachine(rows, index[dfa.initial_state], outputs, alphabet,
                        tuple(labels) if len(set(labels)) == len(labels) else None, name)


def automaton_hash(machine: MooreMachine) -> str:
    """SHA-256 of the machine's canonical JSON (first 16 hex digits)."""
    return hashlib.sha256(automaton_to_json(machine).encode()).hexdigest()[:16]
