"""Direct products and relabelling, against component-wise simulation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import simulate
from strategies import machines

from automata_bilinear import (
    AutomatonError,
    MooreMachine,
    are_equivalent,
    cyclic,
    dihedral,
    direct_product,
    minimize,
    parity,
    relabel,
    threshold,
)


@given(machines(max_states=4, max_symbols=2), machines(max_states=4, max_symbols=2),
       st.data())
def test_product_letters_run_components_in_lockstep(a, b, data):
    p = direct_product(a, b)
    assert p.n_symbols == a.n_symbols * b.n_symbols
    word = data.draw(st.lists(st.tuples(st.integers(0, a.n_symbols - 1),
                                        st.integers(0, b.n_symbols - 1)), max_size=10))
    letters = [p.symbol_index[f"({a.alphabet[x]},{b.alphabet[y]})"] for x, y in word]
    expected = list(zip(simulate(a, [x for x, _ in word]), simulate(b, [y for _, y in word])))
    assert simulate(p, letters) == expected


@given(machines(max_states=4, max_symbols=2), machines(max_states=4, max_symbols=2),
       st.data())
def test_union_letters_move_one_component(a, b, data):
    p = direct_product(a, b, letters="union")
    assert p.n_symbols == a.n_symbols + b.n_symbols
    word = data.draw(st.lists(st.integers(0, p.n_symbols - 1), max_size=10))
    qa, qb = a.start, b.start
    for x in word:
        if x < a.n_symbols:
            qa = int(a.transitions[qa, x])
        else:
            qb = int(b.transitions[qb, x - a.n_symbols])
    assert simulate(p, word)[-1] == (a.outputs[qa], b.outputs[qb])


def test_z2_times_z3_is_z6():
    p = direct_product(cyclic(2), cyclic(3))
    assert p.n_states == 6 and minimize(p).machine.n_states == 6
    three = direct_product(cyclic(2), cyclic(2), cyclic(2))
    assert three.n_states == 8 and three.alphabet[3] == "(0,1,1)"


def test_union_prefixes_clashing_symbols():
    p = direct_product(dihedral(3, "generators"), cyclic(2, "generators"), letters="union")
    assert p.alphabet == ("r", "s", "1")
    q = direct_product(cyclic(2, "generators"), cyclic(3, "generators"), letters="union")
    assert q.alphabet == ("1:1", "2:1")


def test_product_keeps_only_reachable_pairs():
    # the second component has an unreachable state, so half of the 4 pairs are dropped
    stuck = MooreMachine([[0, 0], [0, 0]], 0, [0, 1], ["0", "1"])
    assert direct_product(parity(), stuck, letters="union").n_states == 2
    assert direct_product(threshold(3), threshold(3)).n_states == 16


def test_relabel():
    m = relabel(parity(), symbols={"0": "a", "1": "b"}, outputs={0: "even", 1: "odd"},
                states=lambda q: f"q{q}", name="renamed")
    assert m.alphabet == ("a", "b") and m.outputs == ("even", "odd")
    assert m.state_labels == ("q0", "q1") and m.name == "renamed"
    assert are_equivalent(relabel(m, symbols={"a": "0", "b": "1"}, outputs={"even": 0,
                                                                            "odd": 1}), parity())
    with pytest.raises(AutomatonError, match="duplicate symbol"):
        relabel(parity(), symbols={"0": "1"})
    with pytest.raises(AutomatonError, match="at least one machine"):
        direct_product()
