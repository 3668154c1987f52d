"""Finite groups as multiplication tables, and their Cayley automata (word problems).

Composition convention (the package's, from :mod:`automata_bilinear.algebra.closure`):
``table[g, h]`` is the product ``g·h`` meaning *apply g first, then h*. For permutations in
array form this is ``(g·h)(i) = h(g(i))``, the same convention as ``sympy.combinatorics``
(``p*q`` applies ``p`` first). Reading a word ``x1 x2 … xt`` from the identity therefore
gives the state ``x1·x2·…·xt``: letters are applied left to right. (Merrill et al.'s
word-problem library applies the right factor first; their prefix products are our products
of the reversed prefix, so results must be compared with that in mind.)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..automata.machine import MooreMachine
from ..errors import AutomatonError, InvalidArgumentError, ResourceLimitError, SpecError
from ..limits import check_allocation
from .closure import closure, generated_size, permutation_table

__all__ = [
    "FiniteGroup",
    "alternating_group",
    "cayley_automaton",
    "cyclic_group",
    "dihedral_group",
    "direct_product_group",
    "group_from_sympy",
    "permutation_group",
    "quaternion_group",
    "symmetric_group",
]


@dataclass(frozen=True, eq=False)
class FiniteGroup:
    """A finite group given by its multiplication table, validated on construction.

    Parameters
    ----------
    name
        Display name, e.g. ``"D_4"``.
    labels
        Element labels (distinct strings without whitespace); element 0 is the identity.
    table
        ``(N, N)`` int table, ``table[g, h] = g·h`` (apply ``g`` first, then ``h``).
    generators
        Pairs ``(generator name, element label)``; the named elements must generate the group.

    Notes
    -----
    Validation checks the identity row and column and the Latin-square property (every row
    and column is a permutation), which with associativity characterise a group. Associativity
    is guaranteed by the constructors in this module and checked by the test suite; it is not
    re-checked here because that costs ``O(N³)``.
    """

    name: str
    labels: tuple[str, ...]
    table: np.ndarray
    generators: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        labels = tuple(self.labels)
        if not labels:
            raise AutomatonError(f"group {self.name!r} has no elements")
        if len(set(labels)) != len(labels):
            dup = next(lab for lab in labels if labels.count(lab) > 1)
            raise AutomatonError(f"group {self.name!r} has duplicate element label {dup!r}")
        table = np.array(self.table, dtype=np.int64, copy=True)
        n = len(labels)
        if table.shape != (n, n):
            raise AutomatonError(
                f"group {self.name!r}: table has shape {table.shape}, expected ({n}, {n})"
            )
        if table.min() < 0 or table.max() >= n:
            raise AutomatonError(f"group {self.name!r}: table entries outside 0..{n - 1}")
        ident = np.arange(n)
        if not (np.array_equal(table[0], ident) and np.array_equal(table[:, 0], ident)):
            raise AutomatonError(f"group {self.name!r}: element 0 is not the identity")
        sorted_rows = np.sort(table, axis=1)
        sorted_cols = np.sort(table, axis=0)
        if not (np.all(sorted_rows == ident) and np.all(sorted_cols == ident[:, None])):
            raise AutomatonError(
                f"group {self.name!r}: table is not a Latin square (not a group)"
            )
        table.flags.writeable = False
        index = {lab: i for i, lab in enumerate(labels)}
        gens = tuple((str(g), str(e)) for g, e in self.generators)
        for g, e in gens:
            if e not in index:
                raise AutomatonError(
                    f"group {self.name!r}: generator {g!r} names unknown element {e!r}"
                )
        if len({g for g, _ in gens}) != len(gens):
            raise AutomatonError(f"group {self.name!r}: duplicate generator names")
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "generators", gens)
        if n > 1 and generated_size(table, [index[e] for _, e in gens]) != n:
            raise AutomatonError(
                f"group {self.name!r}: the generators {[g for g, _ in gens]} do not generate "
                "the whole group"
            )

    @property
    def order(self) -> int:
        """Number of elements."""
        return len(self.labels)

    @cached_property
    def index(self) -> dict[str, int]:
        """Map from element label to element index."""
        return {lab: i for i, lab in enumerate(self.labels)}

    @cached_property
    def inverses(self) -> np.ndarray:
        """Index of the inverse of every element."""
        return np.argmax(self.table == 0, axis=1)

    @property
    def is_abelian(self) -> bool:
        """True when ``g·h = h·g`` for all elements."""
        return bool(np.array_equal(self.table, self.table.T))

    def multiply(self, *elements: str) -> str:
        """Product of elements given by label, applied left to right.

        Examples
        --------
        >>> d4 = dihedral_group(4)
        >>> d4.multiply("r1", "s0"), d4.multiply("s0", "r1")
        ('s1', 's3')
        """
        g = 0
        for e in elements:
            if e not in self.index:
                raise AutomatonError(f"{e!r} is not an element of {self.name}")
            g = int(self.table[g, self.index[e]])
        return self.labels[g]

    def __repr__(self) -> str:
        return f"<FiniteGroup {self.name} of order {self.order}>"


def _check_size(name: str, n: Any, low: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise SpecError(f"{name}: the parameter must be an integer, got {n!r}")
    if n < low:
        raise SpecError(f"{name}: the parameter must be at least {low}, got {n}")
    return int(n)


def cyclic_group(n: int) -> FiniteGroup:
    """The cyclic group Z_n (addition mod n), elements ``"0" … "n-1"``, generator ``"1"``.

    Examples
    --------
    >>> cyclic_group(5).order, cyclic_group(5).multiply("3", "4")
    (5, '2')
    """
    n = _check_size("cyclic group", n, 1)
    check_allocation("group table", (n, n))
    idx = np.arange(n)
    table = (idx[:, None] + idx[None, :]) % n
    gens = (("1", "1"),) if n > 1 else ()
    return FiniteGroup(f"Z_{n}", tuple(str(i) for i in range(n)), table, gens)


def dihedral_group(n: int) -> FiniteGroup:
    """The dihedral group D_n of order 2n (symmetries of a regular n-gon), n ≥ 1.

    Element ``"rk"`` is the rotation r^k, ``"sk"`` is r^k·s for the reflection s, with
    ``s·r = r^{-1}·s``. Generators: ``"r"`` (= r1) and ``"s"`` (= s0). With these
    generators the Cayley automaton is Liu et al.'s dihedral task (``s`` toggles the
    direction, ``r`` steps).

    Examples
    --------
    >>> d5 = dihedral_group(5)
    >>> d5.order, d5.is_abelian
    (10, False)
    """
    n = _check_size("dihedral group", n, 1)
    check_allocation("group table", (2 * n, 2 * n))
    k = np.tile(np.arange(n), 2)
    e = np.repeat([0, 1], n)
    # (k1, e1)(k2, e2) = (k1 + (-1)^e1 k2, e1 xor e2); index = e * n + k
    sign = 1 - 2 * e
    prod_k = (k[:, None] + sign[:, None] * k[None, :]) % n
    prod_e = e[:, None] ^ e[None, :]
    table = prod_e * n + prod_k
    labels = tuple(f"r{i}" for i in range(n)) + tuple(f"s{i}" for i in range(n))
    gens = (("r", "r1"), ("s", "s0")) if n > 1 else (("s", "s0"),)
    return FiniteGroup(f"D_{n}", labels, table, gens)


def quaternion_group() -> FiniteGroup:
    """The quaternion group Q_8 = {±1, ±i, ±j, ±k}, generators ``"i"`` and ``"j"``.

    Examples
    --------
    >>> q8 = quaternion_group()
    >>> q8.multiply("i", "j"), q8.multiply("j", "i"), q8.multiply("i", "i")
    ('k', '-k', '-1')
    """
    units = ["1", "i", "j", "k"]
    # unit products: (sign, unit) for u*v
    rules = {
        ("i", "j"): (1, "k"), ("j", "k"): (1, "i"), ("k", "i"): (1, "j"),
        ("j", "i"): (-1, "k"), ("k", "j"): (-1, "i"), ("i", "k"): (-1, "j"),
    }

    def unit_product(u: str, v: str) -> tuple[int, str]:
        if u == "1":
            return 1, v
        if v == "1":
            return 1, u
        if u == v:
            return -1, "1"
        return rules[(u, v)]

    elements = [(s, u) for s in (1, -1) for u in units]
    labels = tuple(u if s == 1 else f"-{u}" for s, u in elements)
    index = {el: i for i, el in enumerate(elements)}
    table = np.zeros((8, 8), dtype=np.int64)
    for (a, (s1, u1)), (b, (s2, u2)) in itertools.product(enumerate(elements), repeat=2):
        s3, u3 = unit_product(u1, u2)
        table[a, b] = index[(s1 * s2 * s3, u3)]
    return FiniteGroup("Q_8", labels, table, (("i", "i"), ("j", "j")))


def _perm_label(perm: Sequence[int]) -> str:
    if len(perm) <= 10:
        return "".join(str(int(i)) for i in perm)
    return ".".join(str(int(i)) for i in perm)


def permutation_group(
    generators: dict[str, Sequence[int]] | Sequence[Sequence[int]],
    *,
    name: str = "G",
    max_order: int = 100_000,
) -> FiniteGroup:
    """The group generated by permutations of ``{0, …, d-1}`` given in array form.

    Elements are labelled by their array form (digits when d ≤ 10, dot-separated
    otherwise) and sorted lexicographically, so the identity comes first.

    Parameters
    ----------
    generators
        Array forms, either as a mapping ``name -> array form`` or a sequence (then named
        ``g0, g1, …``).
    name
        Name of the group.
    max_order
        Refuse groups with more elements than this.

    Examples
    --------
    >>> g = permutation_group({"swap": [1, 0, 2], "cycle": [1, 2, 0]}, name="S_3")
    >>> g.order, g.labels[:3]
    (6, ('012', '021', '102'))
    """
    if isinstance(generators, (str, bytes)) or not isinstance(generators, (dict, Sequence)):
        raise InvalidArgumentError(f"generators: expected a mapping or a sequence of array "
                                   f"forms, got {type(generators).__name__}")
    if not isinstance(generators, dict):
        generators = {f"g{i}": g for i, g in enumerate(generators)}
    if not generators:
        raise AutomatonError("a permutation group needs at least one generator")
    rows = []
    degree = None
    for gname, perm in generators.items():
        arr = np.asarray(perm)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise AutomatonError(f"generator {gname!r} must be a 1-d integer array form")
        if degree is None:
            degree = arr.size
        if arr.size != degree or sorted(arr.tolist()) != list(range(degree)):
            raise AutomatonError(
                f"generator {gname!r} = {arr.tolist()} is not a permutation of 0..{degree - 1}"
            )
        rows.append(arr.astype(np.int64))
    assert degree is not None
    def too_many(limit: int) -> Exception:
        return ResourceLimitError(f"the permutation group has more than {limit} elements")

    found = closure(rows, lambda x, g: g[x], np.arange(degree, dtype=np.int64),
                    lambda x: x.tobytes(), limit=max_order, too_many=too_many)
    perms = np.array(found.elements, dtype=np.int64)
    perms = perms[np.lexsort(perms.T[::-1])]  # identity first, then lexicographic
    labels = tuple(_perm_label(p) for p in perms)
    table = permutation_table(perms)
    gens = tuple((g, _perm_label(r)) for g, r in zip(generators, rows))
    return FiniteGroup(name, labels, table, gens)


def symmetric_group(n: int) -> FiniteGroup:
    """The symmetric group S_n (order n!), elements labelled by array forms.

    Generators: ``"shift"`` (the n-cycle i ↦ i+1 mod n) and ``"swap"`` (exchanges 0 and 1),
    as in Liu et al.'s symmetric(n) task.

    Examples
    --------
    >>> symmetric_group(4).order
    24
    """
    n = _check_size("symmetric group", n, 1)
    check_allocation("group table", (math.factorial(n), math.factorial(n)))
    if n == 1:
        return FiniteGroup("S_1", ("0",), np.zeros((1, 1), dtype=np.int64), ())
    shift = [(i + 1) % n for i in range(n)]
    swap = [1, 0, *range(2, n)]
    return permutation_group({"shift": shift, "swap": swap}, name=f"S_{n}",
                             max_order=math.factorial(n))


def alternating_group(n: int) -> FiniteGroup:
    """The alternating group A_n (order n!/2 for n ≥ 2), elements labelled by array forms.

    Generators: the 3-cycles ``(0,1,x)`` for x = 2 … n-1, as in Liu et al.'s alternating(n)
    task (their (1 2 x), zero-based).

    Examples
    --------
    >>> alternating_group(5).order
    60
    """
    n = _check_size("alternating group", n, 1)
    if n < 3:
        return FiniteGroup(f"A_{n}", (_perm_label(range(n)),), np.zeros((1, 1), np.int64), ())
    check_allocation("group table", (math.factorial(n) // 2, math.factorial(n) // 2))
    gens = {}
    for x in range(2, n):
        perm = list(range(n))
        perm[0], perm[1], perm[x] = 1, x, 0  # 0 -> 1 -> x -> 0
        gens[f"(0,1,{x})"] = perm
    return permutation_group(gens, name=f"A_{n}", max_order=math.factorial(n) // 2)


def group_from_sympy(group: Any, *, name: str | None = None) -> FiniteGroup:
    """Convert a ``sympy.combinatorics.PermutationGroup`` (same composition convention).

    Examples
    --------
    >>> from sympy.combinatorics.named_groups import DihedralGroup
    >>> group_from_sympy(DihedralGroup(4)).order
    8
    """
    try:
        gens = list(group.generators)
        degree = group.degree
    except AttributeError:
        raise AutomatonError(
            f"expected a sympy PermutationGroup, got {type(group).__name__}"
        ) from None
    forms = {f"g{i}": list(g.array_form) + list(range(len(g.array_form), degree))
             for i, g in enumerate(gens)}
    if not forms:
        forms = {"e": list(range(degree))}
    return permutation_group(forms, name=name or f"G(degree {degree})")


def direct_product_group(*groups: FiniteGroup) -> FiniteGroup:
    """Direct product G_1 × … × G_m, elements labelled ``"(g1,...,gm)"``.

    Generators are the generators of each factor embedded with identities elsewhere; their
    names are kept when distinct across factors, else prefixed ``"i:"`` (1-based factor).

    Examples
    --------
    >>> g = direct_product_group(cyclic_group(2), symmetric_group(3))
    >>> g.order, g.is_abelian
    (12, False)
    """
    if not groups:
        raise AutomatonError("direct_product_group needs at least one group")
    sizes = [g.order for g in groups]
    total = math.prod(sizes)
    check_allocation("group table", (total, total))
    # mixed radix: index = sum idx_i * stride_i, last factor fastest
    strides = [math.prod(sizes[i + 1:]) for i in range(len(groups))]
    table = np.zeros((total, total), dtype=np.int64)
    digits = np.array(list(itertools.product(*[range(s) for s in sizes])), dtype=np.int64)
    for i, g in enumerate(groups):
        table += g.table[digits[:, i][:, None], digits[:, i][None, :]] * strides[i]
    labels = tuple(
        "(" + ",".join(g.labels[d] for g, d in zip(groups, row)) + ")" for row in digits.tolist()
    )
    names = [gname for g in groups for gname, _ in g.generators]
    prefix = len(set(names)) != len(names)
    gens = []
    for i, g in enumerate(groups):
        for gname, elem in g.generators:
            parts = [h.labels[0] for h in groups]
            parts[i] = elem
            gens.append((f"{i + 1}:{gname}" if prefix else gname, "(" + ",".join(parts) + ")"))
    name = " × ".join(g.name for g in groups)
    return FiniteGroup(name, labels, table, tuple(gens))


def cayley_automaton(group: FiniteGroup, letters: str = "elements") -> MooreMachine:
    """The word problem of ``group`` as a Moore machine (state tracking in the group).

    States are the group elements (state 0 = identity = start), reading letter ``x`` moves
    from ``g`` to ``g·x``, and the output is the current element's label, i.e. the prefix
    product at every position (Merrill et al. 2024; Liu et al. 2023).

    Parameters
    ----------
    group
        The group.
    letters
        ``"elements"``: one letter per group element (labelled as the element), the
        word problem over all elements; ``"generators"``: one letter per named generator.

    Examples
    --------
    >>> m = cayley_automaton(dihedral_group(3), letters="generators")
    >>> m.alphabet, m.n_states
    (('r', 's'), 6)
    """
    if not isinstance(group, FiniteGroup):
        raise InvalidArgumentError(f"group: expected a FiniteGroup, got {type(group).__name__}")
    if letters == "elements":
        alphabet = group.labels
        columns = np.arange(group.order)
    elif letters == "generators":
        if not group.generators:
            raise AutomatonError(
                f"{group.name} is trivial and has no generators; use letters='elements'"
            )
        alphabet = tuple(g for g, _ in group.generators)
        columns = np.array([group.index[e] for _, e in group.generators], dtype=np.int64)
    else:
        raise SpecError(f"letters must be 'elements' or 'generators', got {letters!r}")
    return MooreMachine(
        transitions=group.table[:, columns],
        start=0,
        outputs=group.labels,
        alphabet=alphabet,
        state_labels=group.labels,
        name=f"{group.name} ({letters})",
    )
