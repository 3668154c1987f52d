"""Running machines: batch runs agree with a plain loop; final outputs and traces."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from oracles import simulate
from strategies import machines

from automata_bilinear import final_output, output_trace, random_dfa, random_words, run, run_batch


@given(machines(), st.integers(0, 12), st.integers(0, 2**32 - 1))
def test_batch_run_matches_plain_loop(machine, length, seed):
    words = random_words(machine, 5, length, seed)
    states = run_batch(machine, words)
    assert states.shape == (5, length + 1)
    for b in range(5):
        expected = simulate(machine, words[b].tolist())
        assert [machine.outputs[q] for q in states[b]] == expected
        assert output_trace(machine, words[b]) == expected
        assert final_output(machine, words[b]) == expected[-1]
    assert np.array_equal(run_batch(machine, words, final_only=True), states[:, -1])


def test_run_single_word_and_empty_batch():
    m = random_dfa(5, 2, seed=3)
    assert run(m, "").tolist() == [m.start]
    assert run_batch(m, np.zeros((0, 4), dtype=np.int64)).shape == (0, 5)


def test_random_words_are_seeded():
    assert np.array_equal(random_words(3, 4, 5, seed=1), random_words(3, 4, 5, seed=1))
    assert random_words(3, 4, 5, seed=1).max() < 3
