"""Every family: sizes against closed forms and behaviour against independent oracles."""

import itertools
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from automata_bilinear import (
    SpecError,
    alternating,
    counter_mod,
    cycle_navigation,
    cyclic,
    dihedral,
    even_pairs,
    final_output,
    flipflop,
    minimize,
    modular_arithmetic,
    occurred,
    output_trace,
    parity,
    quaternion,
    random_dfa,
    reachable_states,
    reset_cyclic,
    symmetric,
    threshold,
)

bits = st.lists(st.sampled_from("01"), max_size=30)


@given(bits)
def test_parity(word):
    assert output_trace(parity(), word) == [
        word[:i].count("1") % 2 for i in range(len(word) + 1)
    ]


@given(st.integers(1, 12), st.lists(st.integers(0, 11), max_size=20))
def test_cyclic_is_modular_addition(m, xs):
    xs = [x % m for x in xs]
    assert final_output(cyclic(m), [str(x) for x in xs]) == str(sum(xs) % m)


@given(st.integers(1, 7), bits)
def test_counter(m, word):
    assert final_output(counter_mod(m), word) == word.count("1") % m


@given(st.lists(st.sampled_from("012"), max_size=30))
def test_cycle_navigation_matches_deepmind_semantics(word):
    moves = {"0": -1, "1": 0, "2": 1}
    assert final_output(cycle_navigation(5), word) == sum(moves[x] for x in word) % 5


@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from("+-*")), max_size=8),
       st.integers(0, 4))
def test_modular_arithmetic_matches_python_precedence(pairs, last):
    tokens = [t for n, op in pairs for t in (str(n), op)] + [str(last)]
    expected = eval("".join(tokens)) % 5  # Python applies * before + and -
    assert final_output(modular_arithmetic(5), tokens) == expected
    trace = output_trace(modular_arithmetic(5), tokens)
    assert trace[0] == "incomplete"
    assert all(trace[i] == "incomplete" for i in range(2, len(tokens), 2))


def test_modular_arithmetic_invalid_inputs():
    m = modular_arithmetic(5)
    assert final_output(m, "+") == "invalid"
    assert final_output(m, "1 2") == "invalid"
    assert final_output(m, "1 + + 2") == "invalid"
    assert final_output(m, "1 2 + 3") == "invalid"  # absorbing


@given(bits)
def test_even_pairs(word):
    unequal = sum(a != b for a, b in itertools.pairwise(word))
    assert final_output(even_pairs(), word) == unequal % 2
    if word:
        assert final_output(even_pairs(), word) == int(word[0] != word[-1])


@given(st.integers(1, 4), st.data())
def test_flipflop(n, data):
    word = data.draw(st.lists(st.sampled_from(["read"] + [f"w{i}" for i in range(n)]),
                              max_size=20))
    writes = [int(w[1:]) for w in word if w != "read"]
    assert final_output(flipflop(n), word) == (writes[-1] if writes else 0)


@given(st.lists(st.sampled_from("ab"), max_size=20), st.integers(1, 5))
def test_occurred_and_threshold(word, k):
    assert final_output(occurred(), word) == ("a" in word)
    assert final_output(threshold(k), word) == (word.count("a") >= k)
    assert threshold(k).n_states == k + 1


@given(st.integers(1, 6), st.data())
def test_reset_cyclic(m, data):
    word = data.draw(st.lists(st.sampled_from([str(i) for i in range(m)] + ["R"]),
                              max_size=20))
    state = 0
    for x in word:
        state = 0 if x == "R" else (state + int(x)) % m
    assert final_output(reset_cyclic(m), word) == state


def test_group_family_sizes():
    assert dihedral(5).n_states == 10 and dihedral(5).n_symbols == 10
    assert dihedral(5, "generators").alphabet == ("r", "s")
    assert symmetric(4).n_states == 24 and symmetric(4, "generators").n_symbols == 2
    assert alternating(5).n_states == 60 and alternating(5, "generators").n_symbols == 3
    assert quaternion().n_states == 8 and quaternion("generators").alphabet == ("i", "j")


def test_liu_dihedral_semantics():
    # state (position, direction): r steps by the direction, s toggles the direction
    m = dihedral(6, "generators")
    rnd = random.Random(0)
    for _ in range(50):
        word = [rnd.choice("rs") for _ in range(rnd.randrange(20))]
        pos, direction = 0, 1
        for x in word:
            if x == "r":
                pos = (pos + direction) % 6
            else:
                direction = -direction
        expected = f"r{pos}" if direction == 1 else f"s{pos}"
        assert final_output(m, word) == expected


class TestRandomDFA:
    def test_reproducible_and_seed_sensitive(self):
        assert random_dfa(50, 3, seed=1) == random_dfa(50, 3, seed=1)
        assert random_dfa(50, 3, seed=1) != random_dfa(50, 3, seed=2)

    @pytest.mark.parametrize("n", [1, 2, 10, 200])
    def test_tree_mode_makes_every_state_reachable_and_minimal(self, n):
        m = random_dfa(n, 2, seed=n)
        assert m.n_states == n and reachable_states(m).size == n
        assert minimize(m).machine.n_states == n  # outputs = state identity

    def test_trim_and_none_modes(self):
        raw = random_dfa(200, 2, seed=3, reachable="none")
        trimmed = random_dfa(200, 2, seed=3, reachable="trim")
        assert raw.n_states == 200
        assert trimmed.n_states == reachable_states(raw).size < 200
        assert np.array_equal(raw.transitions, random_dfa(200, 2, seed=3, reachable="none")
                              .transitions)

    def test_output_modes(self):
        assert random_dfa(20, 2, seed=0, outputs="binary").is_acceptor
        assert set(random_dfa(50, 2, seed=0, outputs=3).outputs) <= {0, 1, 2}

    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [({"states": 0}, "states must be at least 1"),
         ({"states": 3, "symbols": 0}, "symbols must be at least 1"),
         ({"states": 3, "reachable": "all"}, "reachable must be"),
         ({"states": 3, "outputs": "many"}, "outputs must be")],
    )
    def test_bad_arguments(self, kwargs, fragment):
        with pytest.raises(SpecError, match=fragment):
            random_dfa(**kwargs)


@pytest.mark.parametrize(
    "call", [lambda: cyclic(0), lambda: dihedral(0), lambda: threshold(0),
             lambda: counter_mod(0), lambda: flipflop(0), lambda: symmetric(-1),
             lambda: reset_cyclic(2.5)]
)
def test_parameters_below_range_raise(call):
    with pytest.raises(SpecError):
        call()
