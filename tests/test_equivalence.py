"""Equivalence with shortest counterexamples, against exhaustive search."""

import pytest
from hypothesis import given
from oracles import brute_counterexample
from strategies import machine_pairs, machines

from automata_bilinear import (
    AutomatonError,
    MooreMachine,
    are_equivalent,
    canonical_form,
    counter_mod,
    find_counterexample,
    minimize,
    parity,
    relabel,
)


@given(machine_pairs())
def test_counterexample_is_real_and_shortest(pair):
    a, b = pair
    word = find_counterexample(a, b)
    # Moore bound: machines with n1 + n2 states that agree on all words of length
    # <= n1 + n2 - 2 are equivalent, so this brute force is exact.
    limit = a.n_states + b.n_states
    expected = brute_counterexample(a, b, limit)
    if expected is None:
        assert word is None
    else:
        assert word is not None
        assert tuple(a.symbol_index[s] for s in word) == expected


@given(machines())
def test_equivalence_is_reflexive_and_survives_minimisation(machine):
    assert are_equivalent(machine, machine)
    assert are_equivalent(machine, minimize(machine).machine)


@given(machine_pairs())
def test_equivalence_agrees_with_canonical_minimal_forms(pair):
    a, b = pair
    same = canonical_form(minimize(a).machine) == canonical_form(minimize(b).machine)
    assert are_equivalent(a, b) == same


def test_alphabet_order_does_not_matter():
    p = parity()
    swapped = MooreMachine(p.transitions[:, ::-1], 0, p.outputs, ["1", "0"])
    assert are_equivalent(p, swapped)


def test_known_counterexamples():
    assert find_counterexample(counter_mod(2), counter_mod(4)) == ("1", "1")
    assert find_counterexample(parity(), relabel(parity(), outputs={0: "even"})) == ()


def test_different_alphabets_are_refused():
    with pytest.raises(AutomatonError, match="only in the first"):
        find_counterexample(parity(), relabel(parity(), symbols={"1": "x"}))
