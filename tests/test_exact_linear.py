"""Exact linear algebra at scale: the modular basis search, its exact proof over Q, the
minimal exact-valued model beyond the old 250-state cap, and the Hankel certificate check.

Oracles: sympy's exact rank of brute-force Hankel blocks, numpy's rank of the same blocks
for larger machines, and the trusted checker (``verify``) for the models."""

import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import machines

from automata_bilinear import MooreMachine, build, hankel_rank, minimize, verify
from automata_bilinear.checker import certificates
from automata_bilinear.checker import proof as proof_module
from automata_bilinear.checker.proof import ProofMethod
from automata_bilinear.constructions.minimal_wfa import minimal_exact_valued_model
from automata_bilinear.errors import InvalidArgumentError
from automata_bilinear.exact.modular import ModularEchelon, modular_primes, modular_rank
from automata_bilinear.exact.wfa import observable_space
from automata_bilinear.model import BilinearModel
from automata_bilinear.refutations import hankel_certificate


def hankel_block(machine, max_length):
    """Prefixes × (suffix, output) block over all words up to ``max_length`` (brute force)."""
    k, Y = machine.n_symbols, len(machine.output_labels)
    words = [w for n in range(max_length + 1) for w in itertools.product(range(k), repeat=n)]

    def out(w):
        q = machine.start
        for a in w:
            q = int(machine.transitions[q, a])
        return int(machine.output_codes[q])

    return np.array([[int(out(u + v) == y) for v in words for y in range(Y)] for u in words])


def kth_last_letter(k):
    """States = the last k letters as bits (start: all b); output = the k-th last is a."""
    n = 2**k
    q = np.arange(n)
    table = np.stack([(q << 1) % n, ((q << 1) | 1) % n], axis=1)  # letter b = 0, a = 1
    return MooreMachine(table, 0, ((q >> (k - 1)) & 1).tolist(), ["b", "a"],
                        name=f"kth_last_letter:{k}")


@settings(max_examples=60, deadline=None)
@given(machines(max_states=5, max_symbols=2, max_outputs=3))
def test_hankel_rank_equals_the_exact_rank_of_the_brute_force_block(machine):
    minimal = minimize(machine).machine
    oracle = sympy.Matrix(hankel_block(minimal, minimal.n_states - 1)).rank()
    assert hankel_rank(machine) == oracle
    # tiny primes are often unlucky; the exact proof catches it and the next prime is used
    space = observable_space(minimal, primes=[2, 3, 1_000_003])
    assert space.rank == oracle


def test_an_unlucky_prime_is_caught_by_the_exact_proof():
    machine = minimize(MooreMachine([[2, 0], [0, 1], [3, 1], [1, 0], [3, 0]], 0,
                                    [1, 2, 1, 2, 2], ["a", "b"])).machine
    oracle = sympy.Matrix(hankel_block(machine, machine.n_states - 1)).rank()
    # modulo 2 the output indicators and their images are dependent although they are not
    # over Q: the search modulo 2 alone finds too small a basis
    n, Y = machine.n_states, len(machine.output_labels)

    def functional(v, y):  # q ↦ [out(δ(q, v)) = y]
        ends = []
        for q in range(n):
            for a in v:
                q = int(machine.transitions[q, a])
            ends.append(int(machine.output_codes[q] == y))
        return ends

    words = [w for m in range(n) for w in itertools.product(range(2), repeat=m)]
    functionals = np.array([functional(v, y) for v in words for y in range(Y)])
    assert np.linalg.matrix_rank(functionals) == oracle
    e = ModularEchelon(n, 2)
    e.add_block(functionals)
    assert e.rank < oracle
    space = observable_space(machine, primes=[2, 1_000_003])
    assert space.prime == 1_000_003 and space.rank == oracle
    with pytest.raises(InvalidArgumentError, match="rejected the basis"):
        observable_space(machine, primes=[2])


def test_modular_rank_is_a_lower_bound_and_primes_fit_float64():
    m = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]])  # det 2
    assert modular_rank(m, 2) == 2 and modular_rank(m, 3) == 3
    for width in (1, 100, 5000, 10**6):
        p = modular_primes(width, 3)
        assert all(sympy.isprime(x) and x * x * width < 2**53 for x in p)


def test_rank_deficient_machine_beyond_the_old_cap():
    # 256 states, Hankel rank k + 1 = 9: the reduction keeps 9 of 256 dimensions
    k = 8
    machine = kth_last_letter(k)
    assert minimize(machine).machine.n_states == 2**k
    block = hankel_block(machine, k)
    assert hankel_rank(machine) == np.linalg.matrix_rank(block) == k + 1
    model = minimal_exact_valued_model(machine)
    assert model.hidden_size == k + 1
    assert model.exact["floats_exact"] is True
    assert verify(model, machine, numerical=False).proved
    # the model's exact-valued readout reproduces the task on every word of length ≤ 12
    rng = np.random.default_rng(0)
    for word in rng.integers(0, 2, size=(200, 12)):
        h, q = model.h0.copy(), machine.start
        for a in word:
            h = model.transitions[a] @ h
            q = int(machine.transitions[q, a])
            assert np.allclose(model.readout @ h, np.eye(2)[machine.output_codes[q]])


def test_large_full_rank_machines_are_reduced_exactly():
    machine = minimize(build("random:states=600,symbols=2,seed=3,outputs=binary")).machine
    space = observable_space(machine)
    # oracle: numpy rank of the found functionals (0/1 matrix of exact floats) and every
    # letter's image inside their span — independent of the modular search
    B = space.functionals.astype(float)
    assert np.linalg.matrix_rank(B) == space.rank
    assert space.rank == machine.n_states  # random machines: full Hankel rank
    assert space.free.size == 0


def test_hankel_certificate_check_exact_and_modular(monkeypatch):
    machine = minimize(kth_last_letter(6)).machine
    cert = hankel_certificate(machine)
    assert cert.data["rank"] == 7 and cert.check(machine).ok
    def edited(rank):
        data = cert.to_json()
        return certificates.Certificate.from_json({**data, "data": {**data["data"],
                                                                    "rank": rank}})

    for wrong in (6, 8):
        assert not edited(wrong).check(machine).ok
    # large blocks are checked by a modular rank, which proves the lower bound H ≥ rank
    monkeypatch.setattr(certificates, "EXACT_HANKEL_ENTRIES", 0)
    check = cert.check(machine)
    assert check.ok and "modulo" in check.reason
    assert not edited(8).check(machine).ok


# -- Tzeng's equivalence in the checker, on FLINT ------------------------------------------

def counter_model(shear):
    """h = (1, shear·t) after t letters; the readout sees only the 1: exact-valued, with an
    infinite image (so only the weighted-automaton proof can succeed)."""
    W = np.array([[1.0, 0.0], [shear, 1.0]])[:, :, None]
    return BilinearModel(rung="full", params={"W": W}, h0=np.array([1.0, 0.0]),
                         readout=np.array([[1.0, 0.0]]), alphabet=("a",),
                         output_labels=("x",))


ONE_STATE = MooreMachine([[0]], 0, ["x"], ["a"])


def test_exact_valued_model_with_an_infinite_image_is_proved_by_tzeng():
    report = verify(counter_model(3.0), ONE_STATE, numerical=False)
    assert report.proved and report.method == str(ProofMethod.WFA_EQUIVALENCE)
    # oracle: exact rational evaluation, C A^t h0 = 1 for every t
    from fractions import Fraction
    h = [Fraction(1), Fraction(0)]
    for _ in range(50):
        h = [h[0], 3 * h[0] + h[1]]
        assert h[0] == 1


def test_unlucky_prime_in_tzeng_is_caught_and_the_next_prime_used(monkeypatch):
    # modulo 3 the shear vanishes: the successor (A h0, e) looks dependent on (h0, e)
    monkeypatch.setattr(proof_module, "modular_primes", lambda width, count: [3, 1_000_003])
    report = verify(counter_model(3.0), ONE_STATE, numerical=False)
    assert report.proved and report.method == str(ProofMethod.WFA_EQUIVALENCE)
    monkeypatch.setattr(proof_module, "modular_primes", lambda width, count: [3])
    report = verify(counter_model(3.0), ONE_STATE, numerical=False, max_pairs=1000)
    assert report.method != str(ProofMethod.WFA_EQUIVALENCE)


def test_tzeng_rejects_a_model_that_leaves_the_exact_values():
    # readout (1, 1/1024): C h = 1 + 3t/1024 ≠ 1 from t = 1 on
    model = counter_model(3.0)
    bad = BilinearModel(rung="full", params=dict(model.params), h0=model.h0,
                        readout=np.array([[1.0, 2.0**-10]]), alphabet=("a",),
                        output_labels=("x",))
    report = verify(bad, ONE_STATE, numerical=False, max_pairs=1000)
    assert report.method != str(ProofMethod.WFA_EQUIVALENCE)


def test_tzeng_beyond_the_old_400_dimension_cap():
    machine = kth_last_letter(9)  # H = 10, n = 512: H + n = 522
    model = minimal_exact_valued_model(machine)
    report = verify(model, machine, numerical=False)
    assert report.proved and report.method == str(ProofMethod.WFA_EQUIVALENCE)


# -- the batched int64 image search equals the pair-by-pair one ---------------------------

@settings(max_examples=60, deadline=None)
@given(machines(max_states=4, max_symbols=2, max_outputs=2),
       st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_batched_integer_walk_matches_the_scalar_walk(machine, H, seed):
    rng = np.random.default_rng(seed)
    mats = [rng.integers(-1, 2, size=(H, H)).astype(np.int64) for _ in range(machine.n_symbols)]
    start = tuple(int(x) for x in rng.integers(-2, 3, size=H))

    def step(v, a):  # the object path: exact Python integers, divided by their gcd
        return proof_module._primitive(mats[a].astype(object).dot(np.array(v, dtype=object)))

    scalar = proof_module._walk(machine, start, step, 300, "vector", hidden=H)
    batched = proof_module._walk_int64(machine, start, mats, 300)
    saved = proof_module._CANDIDATE_ENTRIES
    try:  # candidates of one frontier pair at a time: same pairs, order and parents
        proof_module._CANDIDATE_ENTRIES = 1
        sliced = proof_module._walk_int64(machine, start, mats, 300)
    finally:
        proof_module._CANDIDATE_ENTRIES = saved
    assert sliced == batched
    if batched is None:  # left the int64 range: the caller takes the scalar path
        return
    if isinstance(scalar, str):
        assert isinstance(batched, str) and "more than 300" in batched
    else:
        assert batched == scalar


def test_modular_hankel_check_rejects_an_understated_rank(monkeypatch):
    machine = minimize(kth_last_letter(6)).machine
    cert = hankel_certificate(machine)
    monkeypatch.setattr(certificates, "EXACT_HANKEL_ENTRIES", 0)
    data = cert.to_json()
    low = certificates.Certificate.from_json({**data, "data": {**data["data"], "rank": 5}})
    assert not low.check(machine).ok


def test_cached_profiles_keep_each_machines_name():
    from automata_bilinear import algebraic_profile, compile_bilinear

    a = MooreMachine([[1, 0], [0, 1]], 0, [0, 1], ["x", "y"], name="first-task")
    b = MooreMachine([[1, 0], [0, 1]], 0, [0, 1], ["x", "y"], name="second-task")
    algebraic_profile(a)
    assert algebraic_profile(b).machine.name == "second-task"
    assert compile_bilinear(b, "full").metadata["automaton"] == "second-task"


@pytest.mark.parametrize("bad", [4, 1, 2**40, "7", True])
def test_observable_space_refuses_bad_primes(bad):
    machine = minimize(kth_last_letter(3)).machine
    with pytest.raises(InvalidArgumentError, match="primes must be primes"):
        observable_space(machine, primes=[bad])
