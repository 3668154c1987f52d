"""Groups: closed-form orders, group axioms by brute force, composition order, sympy."""

import itertools
import math

import numpy as np
import pytest
from sympy.combinatorics import Permutation
from sympy.combinatorics.named_groups import AlternatingGroup, DihedralGroup, SymmetricGroup

from automata_bilinear import (
    AutomatonError,
    FiniteGroup,
    ResourceLimitError,
    alternating_group,
    cayley_automaton,
    cyclic_group,
    dihedral_group,
    direct_product_group,
    group_from_sympy,
    minimize,
    permutation_group,
    quaternion_group,
    symmetric_group,
)


def assert_group_axioms(g: FiniteGroup) -> None:
    t = g.table
    n = g.order
    # associativity over all triples, vectorised: (ab)c == a(bc)
    left = t[t[:, :, None], np.arange(n)[None, None, :]]
    right = t[np.arange(n)[:, None, None], t[None, :, :]]
    assert np.array_equal(left, right)
    assert np.array_equal(t[0], np.arange(n)) and np.array_equal(t[:, 0], np.arange(n))
    assert np.all(t[np.arange(n), g.inverses] == 0)


GROUPS = {
    "Z_1": (lambda: cyclic_group(1), 1),
    "Z_7": (lambda: cyclic_group(7), 7),
    **{f"D_{n}": ((lambda n=n: dihedral_group(n)), 2 * n) for n in (1, 2, 3, 4, 7)},
    **{f"S_{n}": ((lambda n=n: symmetric_group(n)), math.factorial(n)) for n in (1, 2, 3, 4, 5)},
    **{f"A_{n}": ((lambda n=n: alternating_group(n)), max(1, math.factorial(n) // 2))
       for n in (1, 2, 3, 4, 5)},
    "Q_8": (quaternion_group, 8),
}


@pytest.mark.parametrize("name", list(GROUPS))
def test_orders_match_closed_forms_and_axioms_hold(name):
    make, order = GROUPS[name]
    g = make()
    assert g.order == order
    if order <= 60:
        assert_group_axioms(g)


def test_abelian_flags():
    assert cyclic_group(6).is_abelian and dihedral_group(2).is_abelian
    assert not dihedral_group(3).is_abelian and not quaternion_group().is_abelian
    assert not symmetric_group(3).is_abelian and alternating_group(3).is_abelian


def test_dihedral_relations():
    for n in (3, 5, 8):
        d = dihedral_group(n)
        assert d.multiply(*["r1"] * n) == "r0"
        assert d.multiply("s0", "s0") == "r0"
        assert d.multiply("s0", "r1", "s0") == f"r{n - 1}"  # s r s = r^-1


def test_quaternion_relations():
    q = quaternion_group()
    for u in "ijk":
        assert q.multiply(u, u) == "-1"
    assert q.multiply("i", "j", "k") == "-1"
    assert q.multiply("-1", "-1") == "1"


def test_composition_order_is_left_to_right_on_permutations():
    s3 = symmetric_group(3)
    for g, h in itertools.product(s3.labels, repeat=2):
        pg, ph = [int(c) for c in g], [int(c) for c in h]
        applied = "".join(str(ph[pg[i]]) for i in range(3))  # apply g first, then h
        assert s3.multiply(g, h) == applied
        # sympy's p*q also applies p first
        assert "".join(map(str, (Permutation(pg) * Permutation(ph)).array_form)) == applied


def test_cayley_automaton_reads_left_to_right():
    s3 = symmetric_group(3)
    m = cayley_automaton(s3, "generators")
    from automata_bilinear import final_output

    word = ["swap", "shift", "shift", "swap", "shift"]
    assert final_output(m, word) == s3.multiply(*[dict(s3.generators)[w] for w in word])


@pytest.mark.parametrize(
    ("sympy_group", "order"),
    [(SymmetricGroup(4), 24), (AlternatingGroup(4), 12), (DihedralGroup(6), 12)],
)
def test_sympy_groups_convert_with_their_order(sympy_group, order):
    g = group_from_sympy(sympy_group)
    assert g.order == order == sympy_group.order()
    assert g.is_abelian == sympy_group.is_abelian


def test_large_degree_permutation_groups_use_byte_keys():
    n = 17  # over the int64 key range, exercises the dictionary path
    cycle = [(i + 1) % n for i in range(n)]
    g = permutation_group({"c": cycle}, name="Z_17 on 17 points")
    assert g.order == 17 and g.is_abelian


def test_direct_product_group():
    g = direct_product_group(cyclic_group(2), symmetric_group(3))
    assert g.order == 12 and not g.is_abelian
    assert_group_axioms(g)
    assert g.multiply("(1,012)", "(1,102)") == "(0,102)"
    # generator names collide ("1" is not in S_3's names, so no prefix) or are kept
    assert [name for name, _ in g.generators] == ["1", "shift", "swap"]
    same = direct_product_group(cyclic_group(2), cyclic_group(3))
    assert [name for name, _ in same.generators] == ["1:1", "2:1"]


def test_cayley_automata_sizes_and_minimality():
    for g in (dihedral_group(4), quaternion_group(), alternating_group(4)):
        for letters in ("elements", "generators"):
            m = cayley_automaton(g, letters)
            assert m.n_states == g.order
            assert minimize(m).machine.n_states == g.order


def test_invalid_groups_are_rejected():
    with pytest.raises(AutomatonError, match="Latin square"):
        FiniteGroup("bad", ("e", "a"), np.array([[0, 1], [1, 1]]), ())
    with pytest.raises(AutomatonError, match="not the identity"):
        FiniteGroup("bad", ("e", "a"), np.array([[1, 0], [0, 1]]), ())
    with pytest.raises(AutomatonError, match="do not generate"):
        FiniteGroup("Z_4", cyclic_group(4).labels, cyclic_group(4).table, (("two", "2"),))
    with pytest.raises(AutomatonError, match="not a permutation"):
        permutation_group({"bad": [0, 0, 1]})
    with pytest.raises(AutomatonError, match="trivial and has no generators"):
        cayley_automaton(cyclic_group(1), "generators")


def test_huge_groups_are_refused_before_allocation():
    with pytest.raises(ResourceLimitError, match="group table of shape \\(40320, 40320\\)"):
        symmetric_group(8)


# --- the vectorised closure and its users, against plain enumeration --------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from automata_bilinear.algebra.closure import (  # noqa: E402
    map_closure,
    sympy_permutation_group,
)


def plain_bfs(maps):
    """Breadth-first closure of maps under x·g = g[x], one product at a time (the oracle)."""
    n = len(maps[0])
    elements, parent, via = [tuple(range(n))], [-1], [-1]
    index = {elements[0]: 0}
    right = []
    i = 0
    while i < len(elements):
        row = []
        for j, g in enumerate(maps):
            x = tuple(g[v] for v in elements[i])
            if x not in index:
                index[x] = len(elements)
                elements.append(x)
                parent.append(i)
                via.append(j)
            row.append(index[x])
        right.append(row)
        i += 1
    return elements, parent, via, right


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(
    st.lists(st.integers(0, n - 1), min_size=n, max_size=n), min_size=1, max_size=5)))
def test_map_closure_matches_a_plain_breadth_first_search(maps):
    elements, parent, via, right = plain_bfs(maps)
    found = map_closure(np.array(maps), limit=10**6)
    assert [tuple(e.tolist()) for e in found.elements] == elements
    assert found.parent.tolist() == parent and found.via.tolist() == via
    assert found.right.tolist() == right


def test_map_closure_blocks_and_limit(monkeypatch):
    from automata_bilinear.algebra import closure as closure_module

    # S_5 from all of its 120 elements: the frontier is cut into many blocks
    perms = [list(p) for p in itertools.permutations(range(5))]
    monkeypatch.setattr(closure_module, "_BLOCK_ENTRIES", 64)
    found = map_closure(np.array(perms), limit=200)
    elements, _, _, right = plain_bfs(perms)
    assert [tuple(e.tolist()) for e in found.elements] == elements
    assert found.right.tolist() == right
    with pytest.raises(ResourceLimitError):
        map_closure(np.array(perms), limit=119)


def test_map_closure_falls_back_on_a_fingerprint_collision(monkeypatch):
    from automata_bilinear.algebra import closure as closure_module

    # every row gets the same fingerprint: only the exact comparisons keep the answer right
    monkeypatch.setattr(closure_module, "_fingerprints",
                        lambda rows: np.zeros(len(rows), dtype=np.uint64))
    maps = [[1, 2, 0, 3], [1, 0, 2, 3]]
    found = map_closure(np.array(maps), limit=100)
    elements, _, _, right = plain_bfs(maps)
    assert len(found.elements) == 6
    assert [tuple(e.tolist()) for e in found.elements] == elements
    assert found.right.tolist() == right


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 7).flatmap(lambda n: st.lists(st.permutations(range(n)), min_size=1,
                                                     max_size=8)))
def test_sympy_permutation_group_is_the_group_of_all_the_maps(perms):
    from sympy.combinatorics import PermutationGroup

    ours = sympy_permutation_group(perms)
    full = PermutationGroup([Permutation(list(p)) for p in perms])
    assert ours.order() == full.order()
    assert all(ours.contains(Permutation(list(p))) for p in perms)
    assert len(ours.generators) <= len(set(map(tuple, perms)))


def test_map_closure_edge_cases_match_the_generic_closure():
    from automata_bilinear.algebra.closure import closure

    def generic(maps, limit):
        return closure(list(np.array(maps)), lambda x, g: g[x], np.arange(len(maps[0])),
                       lambda x: x.tobytes(), limit=limit)

    assert len(map_closure(np.array([[0, 1, 2]]), limit=0).elements) == 1
    assert len(generic([[0, 1, 2]], 0).elements) == 1
    with pytest.raises(ResourceLimitError):
        map_closure(np.array([[1, 0, 2]]), limit=1)
    with pytest.raises(ResourceLimitError):
        generic([[1, 0, 2]], 1)
    assert len(map_closure(np.zeros((2, 0), dtype=np.int64), limit=5).elements) == 1
    found = map_closure(np.array([[1, 0, 2]]), limit=5)
    with pytest.raises(ValueError):  # cached and shared: read-only
        found.elements[1][0] = 5
