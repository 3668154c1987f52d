"""The Moore machine data model: validation, immutability, equality, word encoding."""

import numpy as np
import pytest

from automata_bilinear import (
    AutomataBilinearError,
    AutomatonError,
    MooreMachine,
    UnknownSymbolError,
    encode_word,
    encode_words,
    machine_from_function,
    parity,
)
from automata_bilinear.errors import ResourceLimitError


def make(**over):
    args = dict(transitions=[[0, 1], [1, 0]], start=0, outputs=[0, 1], alphabet=["0", "1"])
    args.update(over)
    return MooreMachine(**args)


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"transitions": [[0, 2], [1, 0]]}, "state 0 on symbol '1' goes to 2"),
        ({"transitions": [[0, -1], [1, 0]]}, "goes to -1"),
        ({"transitions": [[0, 1], [1]]}, "row for state 1 has 1 entries"),
        ({"transitions": [[0, 0]]}, "outputs has 2 labels but the machine has 1 states"),
        ({"transitions": []}, "no rows"),
        ({"transitions": [[0.0, 1.0], [1.0, 0.0]]}, "integer state indices"),
        ({"alphabet": []}, "alphabet is empty"),
        ({"alphabet": ["a", "a"]}, "duplicate symbol 'a'"),
        ({"alphabet": ["a b", "c"]}, "no whitespace"),
        ({"alphabet": ["", "c"]}, "non-empty"),
        ({"alphabet": "ab"}, "sequence of symbol labels"),
        ({"alphabet": ["a"]}, "row for state 0 has 2 entries, expected one per symbol (1: a)"),
        ({"alphabet": ["a"], "transitions": np.eye(2, dtype=int)},
         "2 columns but the alphabet has 1"),
        ({"start": 2}, "start state 2"),
        ({"start": "0"}, "start must be a state index"),
        ({"outputs": [0]}, "outputs has 1 labels"),
        ({"outputs": [0, 1.5]}, "outputs[1]"),
        ({"outputs": [0, None]}, "outputs[1]"),
        ({"state_labels": ["x", "x"]}, "state label 'x' is used by states 0 and 1"),
        ({"state_labels": ["x"]}, "state_labels has 1 entries"),
    ],
)
def test_construction_rejects_malformed_input(override, fragment):
    with pytest.raises(AutomatonError) as info:
        make(**override)
    assert fragment in str(info.value)
    assert isinstance(info.value, AutomataBilinearError)


def test_inputs_are_copied_and_machine_is_read_only():
    table = np.array([[0, 1], [1, 0]])
    m = make(transitions=table)
    table[0, 0] = 1
    assert m.transitions[0, 0] == 0
    with pytest.raises(ValueError):
        m.transitions[0, 0] = 1
    with pytest.raises(AttributeError):
        m.start = 1


def test_structural_equality_and_hash():
    a, b = make(), make(name="other name")
    assert a == b and hash(a) == hash(b)
    assert a != make(outputs=[1, 0])
    assert a != make(state_labels=["e", "o"])
    assert a != "not a machine"


def test_output_codes_and_labels():
    m = make(outputs=["odd", "even"])
    assert m.output_labels == ("odd", "even")
    assert m.output_codes.tolist() == [0, 1]
    assert not m.is_acceptor
    assert make(outputs=[False, True]).is_acceptor


def test_integer_symbols_become_strings():
    assert make(alphabet=[0, 1]).alphabet == ("0", "1")


def test_list_outputs_become_tuples():
    m = make(outputs=[[0, "a"], [1, "b"]])
    assert m.outputs == ((0, "a"), (1, "b"))


class TestEncodeWord:
    def test_string_forms(self):
        m = parity()
        assert encode_word(m, "0110").tolist() == [0, 1, 1, 0]
        assert encode_word(m, "0 1 1").tolist() == [0, 1, 1]
        assert encode_word(m, "").tolist() == []

    def test_multichar_labels_need_spaces(self):
        m = make(alphabet=["ab", "c"])
        assert encode_word(m, "ab c ab").tolist() == [0, 1, 0]
        assert encode_word(m, "ab").tolist() == [0]

    def test_unknown_symbol_names_it(self):
        with pytest.raises(UnknownSymbolError, match="unknown symbol 'x' at position 1"):
            encode_word(parity(), ["0", "x"])

    def test_index_arrays(self):
        assert encode_word(parity(), np.array([1, 0])).tolist() == [1, 0]
        with pytest.raises(UnknownSymbolError, match="symbol index 2 at position 0"):
            encode_word(parity(), np.array([2]))
        with pytest.raises(UnknownSymbolError, match="1-d integer"):
            encode_word(parity(), np.array([0.5]))

    def test_batches(self):
        assert encode_words(parity(), ["01", "10"]).shape == (2, 2)
        with pytest.raises(UnknownSymbolError, match="equal length"):
            encode_words(parity(), ["01", "1"])
        with pytest.raises(UnknownSymbolError, match="in word 1 at position 0"):
            encode_words(parity(), np.array([[0], [5]]))


def test_machine_from_function_explores_reachable_states_only():
    m = machine_from_function(0, ["a"], lambda s, x: (s + 2) % 6, lambda s: s)
    assert m.n_states == 3
    assert m.outputs == (0, 2, 4)


def test_machine_from_function_refuses_too_many_states():
    with pytest.raises(ResourceLimitError, match="more than 10 reachable states"):
        machine_from_function(0, ["a"], lambda s, x: s + 1, lambda s: 0, max_states=10)
