"""Algebraic profile: the polynomial tests agree with brute force over the monoid."""

import math

import numpy as np
import pytest
from hypothesis import given
from strategies import machines

from automata_bilinear import (
    ResourceLimitError,
    algebraic_profile,
    build,
    minimize,
    transition_monoid,
)


def brute_index_period(f: list[int]) -> tuple[int, int]:
    """Least (i, p) with f^(i+p) = f^i, by listing powers."""
    n = len(f)
    powers = [tuple(range(n))]
    while True:
        nxt = tuple(f[x] for x in powers[-1])
        if nxt in powers:
            i = powers.index(nxt)
            return i, len(powers) - i
        powers.append(nxt)


@given(machines(max_states=7))
def test_letter_index_and_period_match_brute_force(machine):
    profile = algebraic_profile(machine)
    minimal = profile.machine
    for a, d in enumerate(profile.letters):
        assert (d.index, d.period) == brute_index_period(minimal.transitions[:, a].tolist())
        assert d.period == math.lcm(*d.cycle_lengths)


@given(machines(max_states=5, max_symbols=3))
def test_fast_tests_agree_with_the_enumerated_monoid(machine):
    profile = algebraic_profile(machine)
    monoid = transition_monoid(profile.machine)
    assert profile.is_commutative == monoid.is_commutative
    n = profile.n_states
    all_perms = all(sorted(row.tolist()) == list(range(n)) for row in monoid.elements)
    assert profile.is_group == all_perms
    if profile.is_commutative:
        periods = [monoid.index_period(i)[1] for i in range(monoid.size)]
        assert profile.is_aperiodic_commutative == all(p == 1 for p in periods)
        assert profile.letter_cycles_at_most_two == all(p in (1, 2) for p in periods)


@pytest.mark.parametrize(
    ("spec", "order"),
    [("dihedral:5,letters=generators", 10), ("symmetric:4,letters=generators", 24),
     ("quaternion:letters=generators", 8), ("alternating:5,letters=generators", 60),
     ("cyclic:7", 7), ("flipflop", 3), ("threshold:3", 4)],
)
def test_monoid_sizes(spec, order):
    assert transition_monoid(minimize(build(spec)).machine).size == order


def test_monoid_words_reproduce_elements_and_the_cap():
    machine = minimize(build("reset_cyclic:3")).machine
    monoid = transition_monoid(machine)
    for element, word in zip(monoid.elements, monoid.words):
        state = np.arange(machine.n_states)
        for a in word:
            state = machine.transitions[state, a]
        assert np.array_equal(state, element)
    assert set(monoid.idempotents) >= {0}
    with pytest.raises(ResourceLimitError, match="more than 10 elements"):
        transition_monoid(minimize(build("symmetric:4")).machine, max_elements=10)


@pytest.mark.parametrize(
    ("spec", "group", "commutative", "aperiodic", "exp2"),
    [("parity", True, True, False, True), ("cyclic:5", True, True, False, False),
     ("occurred", False, True, True, True), ("threshold:3", False, True, True, True),
     ("flipflop", False, False, False, True), ("dihedral:4", True, False, False, False),
     ("even_pairs", False, False, False, True),
     # no single letter has a long cycle, although the word "+ 1" has period 5
     ("modular_arithmetic:5", False, False, False, True)],
)
def test_profiles_of_standard_tasks(spec, group, commutative, aperiodic, exp2):
    p = algebraic_profile(build(spec))
    assert (p.is_group, p.is_commutative, p.is_aperiodic_commutative,
            p.letter_cycles_at_most_two) == (group, commutative, aperiodic, exp2)


def test_green_classes():
    # a group is a single R-, L- and H-class
    group = transition_monoid(minimize(build("symmetric:3,letters=generators")).machine)
    classes = group.green_classes()
    assert classes["R"] == classes["L"] == classes["H"] == [list(range(6))]
    # flip-flop monoid {id, w0, w1}: w0 R w1 (w0·M = w1·M = {w0, w1}); L and H trivial
    flip = transition_monoid(build("flipflop"))
    consts = [i for i in range(flip.size) if len(set(flip.elements[i].tolist())) == 1]
    classes = flip.green_classes()
    assert sorted(consts) in classes["R"] and [0] in classes["R"]
    assert all(len(c) == 1 for c in classes["L"]) and all(len(c) == 1 for c in classes["H"])


@given(machines(max_states=4, max_symbols=2))
def test_green_classes_match_the_definitions(machine):
    monoid = transition_monoid(minimize(machine).machine)
    n = monoid.size
    right = [{monoid.multiply(x, y) for y in range(n)} for x in range(n)]
    left = [{monoid.multiply(y, x) for y in range(n)} for x in range(n)]
    classes = monoid.green_classes()
    for name, ideal in (("R", right), ("L", left)):
        for c in classes[name]:
            assert all(ideal[x] == ideal[c[0]] for x in c)
        reps = [c[0] for c in classes[name]]
        assert len({frozenset(ideal[r]) for r in reps}) == len(reps)
