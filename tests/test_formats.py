"""JSON, DOT, networkx and automata-lib: round trips and clear errors."""

import json

import pytest
from hypothesis import given
from strategies import machines

from automata_bilinear import (
    FormatError,
    MooreMachine,
    are_equivalent,
    automaton_from_dict,
    automaton_from_json,
    automaton_to_dict,
    automaton_to_json,
    build,
    from_networkx,
    load_automaton,
    parity,
    random_dfa,
    save_automaton,
    to_dot,
    to_networkx,
)
from automata_bilinear.errors import ResourceLimitError


@given(machines())
def test_json_round_trip(machine):
    text = automaton_to_json(machine)
    back = automaton_from_json(text)
    assert back == machine and back.name == machine.name
    assert automaton_from_json(automaton_to_json(machine, indent=2)) == machine


@pytest.mark.parametrize("spec", ["quaternion", "cyclic:2*parity", "modular_arithmetic:3",
                                  "occurred"])
def test_json_round_trip_of_families(spec, tmp_path):
    m = build(spec)
    path = tmp_path / "m.json"
    save_automaton(m, path)
    assert load_automaton(path) == m
    assert build(str(path)) == m
    assert list(tmp_path.iterdir()) == [path]  # no temporary files left behind


def test_state_labels_may_be_used_in_json():
    data = {"format": "automata_bilinear.automaton", "version": 1, "alphabet": ["a"],
            "states": ["x", "y"], "start": "y", "outputs": [0, 1],
            "transitions": [["y"], [0]]}
    m = automaton_from_dict(data)
    assert m.start == 1 and m.transitions.tolist() == [[1], [0]]


def good():
    return automaton_to_dict(parity())


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda d: d.pop("transitions"), 'missing field "transitions"'),
        (lambda d: d.pop("alphabet"), 'missing field "alphabet"'),
        (lambda d: d.update(format="other"), 'field "format"'),
        (lambda d: d.update(version=99), "format version 99 is newer"),
        (lambda d: d.update(version="1"), 'field "version"'),
        (lambda d: d.update(colour="red"), "unknown field(s) ['colour']"),
        (lambda d: d.update(transitions=[[0, 1], [1, 5]]), "state 1 on symbol '1' goes to 5"),
        (lambda d: d.update(transitions=[[0, 1], [1, "x"]]), "transitions[1][1]"),
        (lambda d: d.update(transitions=[[0, 1], 3]), 'field "transitions"'),
        (lambda d: d.update(alphabet="01"), 'field "alphabet"'),
        (lambda d: d.update(start="odd"), "start: expected a state index"),
        (lambda d: d.update(outputs=[0]), "outputs has 1 labels"),
        (lambda d: d.update(outputs=[0, {"a": 1}]), "outputs[1]"),
        (lambda d: d.update(states=["a", 1]), 'field "states"'),
        (lambda d: d.update(name=3), 'field "name"'),
    ],
)
def test_malformed_json_names_the_field(mutate, fragment):
    data = good()
    mutate(data)
    with pytest.raises(FormatError) as info:
        automaton_from_dict(data, source="bad.json")
    assert fragment in str(info.value)
    assert str(info.value).startswith("bad.json: ")


def test_unreadable_files(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        load_automaton(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        load_automaton(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(FormatError, match="expected a JSON object"):
        load_automaton(bad)


def test_compact_json_is_valid_json():
    data = json.loads(automaton_to_json(build("dihedral:3")))
    assert data["version"] == 1 and len(data["transitions"]) == 6


def test_dot_export():
    dot = to_dot(build("threshold:2"))
    assert dot.startswith('digraph "threshold:2" {')
    assert dot.count("[label=") == 3 + 5  # 3 nodes; edges merged: a,b loop on 2 -> "a,b"
    assert '"a,b"' in dot and "doublecircle" in dot
    with pytest.raises(ResourceLimitError, match="max_states"):
        to_dot(random_dfa(50, 2, seed=0), max_states=10)


@given(machines())
def test_networkx_round_trip(machine):
    graph = to_networkx(machine)
    assert graph.number_of_nodes() == machine.n_states
    assert graph.number_of_edges() == machine.n_states * machine.n_symbols
    back = from_networkx(graph)
    assert back.transitions.tolist() == machine.transitions.tolist()
    assert back.outputs == machine.outputs and back.start == machine.start


def test_networkx_errors_name_the_node():
    graph = to_networkx(parity())
    graph.remove_edge(1, 0, key="1")
    with pytest.raises(FormatError, match="node 1 has no edge for symbol"):
        from_networkx(graph)
    del graph.graph["start"]
    with pytest.raises(FormatError, match="'start'"):
        from_networkx(graph)


def test_automata_lib_round_trip():
    pytest.importorskip("automata.fa.dfa")
    from automata_bilinear import from_automata_lib, to_automata_lib
    from automata_bilinear.automata.simulate import final_output, random_words

    m = build("random:states=12,symbols=2,seed=4,outputs=binary")
    dfa = to_automata_lib(m)
    for word in random_words(m, 30, 12, seed=0).tolist():
        symbols = [m.alphabet[a] for a in word]
        assert dfa.accepts_input(symbols) == final_output(m, symbols)
    back = from_automata_lib(dfa)
    assert are_equivalent(back, m)
    with pytest.raises(Exception, match="only acceptors"):
        to_automata_lib(parity())


def test_partial_automata_lib_dfa_gets_a_sink():
    dfa_mod = pytest.importorskip("automata.fa.dfa")
    from automata_bilinear import from_automata_lib

    dfa = dfa_mod.DFA(states={"p", "q"}, input_symbols={"a", "b"},
                      transitions={"p": {"a": "q"}, "q": {"a": "q", "b": "p"}},
                      initial_state="p", final_states={"q"}, allow_partial=True)
    m = from_automata_lib(dfa)
    assert m.n_states == 3 and m.state_labels[-1] == "__sink__"
    assert isinstance(m, MooreMachine)
