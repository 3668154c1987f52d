"""Minimisation against brute-force state equivalence, plus access words and separators."""

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import (
    brute_equivalent_states,
    brute_shortest_separator,
    reachable,
    simulate,
    state_output,
)
from strategies import machines

from automata_bilinear import (
    MooreMachine,
    access_words,
    canonical_form,
    minimize,
    random_dfa,
    random_words,
    reachable_states,
    trim,
)
from automata_bilinear.automata import minimization
from automata_bilinear.automata.minimization import (
    hopcroft_refine,
    refine_partition,
    shortest_separating_word,
)
from automata_bilinear.errors import InvalidArgumentError, ResourceLimitError


@given(machines())
def test_minimal_classes_match_brute_force_equivalence(machine):
    result = minimize(machine)
    reach = sorted(reachable(machine))
    assert sorted(np.flatnonzero(result.state_map >= 0).tolist()) == reach
    for p in reach:
        for q in reach:
            same = result.state_map[p] == result.state_map[q]
            assert same == brute_equivalent_states(machine, p, q), (p, q)


@given(machines(), st.integers(0, 2**32 - 1))
def test_minimisation_preserves_outputs_on_random_words(machine, seed):
    minimal = minimize(machine).machine
    for word in random_words(machine, 20, 15, seed).tolist():
        assert simulate(minimal, word) == simulate(machine, word)


@given(machines())
def test_access_words_and_separating_suffixes_are_valid_and_shortest(machine):
    result = minimize(machine)
    minimal = result.machine
    idx = minimal.symbol_index
    for q in range(minimal.n_states):
        word = tuple(idx[s] for s in result.access_word(q))
        # the access word reaches a source state in q's class, and no shorter word does
        reached = machine.start
        for a in word:
            reached = int(machine.transitions[reached, a])
        assert result.state_map[reached] == q
    n = minimal.n_states
    for p in range(n):
        for q in range(p + 1, n):
            suffix = tuple(idx[s] for s in result.separating_suffix(p, q))
            assert state_output(minimal, p, suffix) != state_output(minimal, q, suffix)
            shortest = brute_shortest_separator(minimal, p, q, len(suffix))
            assert shortest is not None and len(shortest) == len(suffix)


@given(machines(), st.randoms(use_true_random=False))
def test_minimal_machine_is_canonical_and_idempotent(machine, rnd):
    minimal = minimize(machine).machine
    assert minimize(minimal).machine == minimal
    assert canonical_form(minimal) == minimal  # already in shortlex numbering
    # renaming the source states does not change the minimal machine
    perm = list(range(machine.n_states))
    rnd.shuffle(perm)
    inverse = np.argsort(perm)
    shuffled = MooreMachine(
        np.array(perm)[machine.transitions[inverse]], perm[machine.start],
        [machine.outputs[q] for q in inverse], machine.alphabet,
    )
    assert minimize(shuffled).machine == minimal
    # shortlex numbering: access words are non-decreasing in length along state numbers
    lengths = [len(w) for w in minimize(minimal).access_words]
    assert lengths == sorted(lengths)


def test_minimise_known_redundant_machine():
    # mod-4 counter whose outputs only see parity: collapses to 2 states
    m = MooreMachine([[0, 1], [1, 2], [2, 3], [3, 0]], 0, [0, 1, 0, 1], ["0", "1"])
    result = minimize(m)
    assert result.machine.n_states == 2
    assert result.state_map.tolist() == [0, 1, 0, 1]
    assert result.separating_suffix(0, 1) == ()


def test_long_chain_needs_many_rounds():
    # states 0..n-1 in a chain, only the last outputs 1: states 0 and 1 first differ on
    # a^(n-2), the Moore bound
    n = 40
    table = [[min(i + 1, n - 1)] for i in range(n)]
    m = MooreMachine(table, 0, [0] * (n - 1) + [1], ["a"])
    result = minimize(m)
    assert result.machine.n_states == n
    assert result.rounds == n - 2
    assert result.separating_suffix(0, 1) == ("a",) * (n - 2)


def test_state_labels_follow_representatives():
    m = MooreMachine([[1], [1]], 0, [0, 0], ["a"], state_labels=["x", "y"])
    result = minimize(m)
    assert result.machine.n_states == 1 and result.machine.state_labels == ("x",)


def test_errors_for_bad_state_queries():
    result = minimize(random_dfa(4, 2, seed=0))
    with pytest.raises(InvalidArgumentError, match="outside"):
        result.access_word(9)
    with pytest.raises(InvalidArgumentError, match="never separated from itself"):
        result.separating_suffix(1, 1)
    with pytest.raises(ResourceLimitError, match="pass max_states"):
        minimize(random_dfa(30, 2, seed=0)).separating_suffixes(max_states=10)


def test_trim_and_reachability():
    m = MooreMachine([[0], [0], [1]], 0, [0, 1, 2], ["a"], state_labels=["p", "q", "r"])
    assert reachable_states(m).tolist() == [0]
    t = trim(m)
    assert t.n_states == 1 and t.state_labels == ("p",)
    assert access_words(random_dfa(3, 1, seed=0)) == {0: (), 1: ("0",), 2: ("0", "0")}


def test_random_20000_state_machine_minimises_and_keeps_behaviour():
    m = random_dfa(20_000, 4, seed=7, outputs="binary")
    result = minimize(m)
    words = random_words(m, 50, 30, seed=1)
    from automata_bilinear import run_batch

    a = np.array(m.outputs)[run_batch(m, words)]
    b = np.array(result.machine.outputs)[run_batch(result.machine, words)]
    assert np.array_equal(a, b)
    assert result.machine.n_states <= 20_000


@given(machines())
def test_hash_collisions_fall_back_to_the_exact_path(machine):
    import automata_bilinear.automata.minimization as mod

    expected = minimize(machine).state_map
    saved = mod._HASH_MULTIPLIERS
    mod._HASH_MULTIPLIERS = np.zeros_like(saved)  # every signature collides
    try:
        assert np.array_equal(minimize(machine).state_map, expected)
    finally:
        mod._HASH_MULTIPLIERS = saved


# -- Hopcroft's algorithm and the pair search (the path taken by machines Moore is slow on) --

@contextmanager
def _hopcroft_only():
    """Force minimize() to hand over to Hopcroft before the first Moore round."""
    saved = minimization.MOORE_ROUNDS
    minimization.MOORE_ROUNDS = -10**6
    try:
        yield
    finally:
        minimization.MOORE_ROUNDS = saved


@given(machines(max_states=8, max_outputs=3), st.integers(0, 6))
def test_hopcroft_from_any_intermediate_partition_gives_the_nerode_partition(machine, rounds):
    table, codes = machine.transitions, machine.output_codes
    n = machine.n_states
    partial = refine_partition(table, codes, max_work=rounds * n)
    blocks = hopcroft_refine(table, partial.final)
    for p in range(n):
        for q in range(n):
            assert (blocks[p] == blocks[q]) == brute_equivalent_states(machine, p, q), (p, q)
    # its input is never modified
    assert np.array_equal(partial.final, refine_partition(table, codes, rounds * n).final)


@given(machines(max_states=7))
def test_hopcroft_path_gives_the_same_minimal_machine_and_shortest_separators(machine):
    moore = minimize(machine)
    with _hopcroft_only():
        hop = minimize(machine)
    assert hop.machine == moore.machine
    assert np.array_equal(hop.state_map, moore.state_map)
    assert hop.access_words == moore.access_words
    assert hop.rounds == moore.rounds  # recomputed on the small minimal machine
    minimal = hop.machine
    idx = minimal.symbol_index
    for p in range(minimal.n_states):
        for q in range(p + 1, minimal.n_states):
            suffix = tuple(idx[s] for s in hop.separating_suffix(p, q))
            assert state_output(minimal, p, suffix) != state_output(minimal, q, suffix)
            assert len(suffix) == len(moore.separating_suffix(p, q))


def test_long_chain_is_handed_to_hopcroft_and_keeps_its_outputs():
    # letter a: i → i+1, letter b: i → 0; only the last state outputs 1. Moore would need
    # n − 2 rounds; the hand-over happens after MOORE_ROUNDS + 2 log2 n.
    n = 1200
    table = np.stack([np.minimum(np.arange(n) + 1, n - 1), np.zeros(n, dtype=np.int64)], 1)
    result = minimize(MooreMachine(table, 0, [0] * (n - 1) + [1], ["a", "b"]))
    assert not result._history.stable
    assert result.machine.n_states == n
    assert result.rounds == n - 2  # recomputed on the minimal machine (n² ≤ budget)
    assert result.separating_suffix(0, 1) == ("a",) * (n - 2)
    assert result.separating_suffix(n - 2, n - 1) == ()
    assert result.access_word(n - 1) == ("a",) * (n - 1)


def test_depth_of_a_huge_chain_is_reported_as_a_lower_bound():
    n = 3000  # n² is over MOORE_HISTORY_WORK: the depth is not recomputed
    table = np.minimum(np.arange(n) + 1, n - 1)[:, None]
    result = minimize(MooreMachine(table, 0, [0] * (n - 1) + [1], ["a"]))
    assert result.rounds is None
    assert 8 < result.depth_lower_bound <= n - 2
    assert result.separating_suffix(0, 1) == ("a",) * (n - 2)


def test_separating_word_search_refuses_beyond_its_pair_limit():
    n = 60
    table = np.minimum(np.arange(n) + 1, n - 1)[:, None]
    codes = np.array([0] * (n - 1) + [1])
    assert shortest_separating_word(table, codes, 0, 1) == (0,) * (n - 2)
    assert shortest_separating_word(table, codes, 3, 3) is None
    with pytest.raises(ResourceLimitError, match="visited"):
        shortest_separating_word(table, codes, 0, 1, max_pairs=10)
