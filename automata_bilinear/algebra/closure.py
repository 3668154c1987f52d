"""Closing a set of generators under multiplication: the one home of the breadth-first
closure, Cayley tables and element orders.

One composition convention for the whole package: ``x·g`` means *apply x first, then g*.
For maps in array form ``(x·g)(i) = g(x(i))`` (``g[x]`` in NumPy), the convention of
``sympy.combinatorics``; for matrices acting on column vectors (``h_t = A h_{t−1}``) it is
the product ``G @ X``. Reading a word ``x1 x2 … xt`` from the identity gives
``x1·x2·…·xt``: letters act left to right.

Examples
--------
>>> import numpy as np
>>> swap, cycle = np.array([1, 0, 2]), np.array([1, 2, 0])
>>> found = closure([swap, cycle], lambda x, g: g[x], np.arange(3), lambda p: p.tobytes(),
...                 limit=10)
>>> len(found.elements), found.word(5)
(6, (1, 1))
>>> table = permutation_table(np.array(found.elements))
>>> element_orders(table).tolist()
[1, 2, 3, 2, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ResourceLimitError
from ..limits import check_allocation

__all__ = [
    "Closure",
    "cayley_table",
    "closure",
    "element_orders",
    "generated_size",
    "permutation_table",
    "sympy_permutation_group",
]


@dataclass(frozen=True, eq=False)
class Closure:
    """Everything generated from the identity, breadth-first (so by shortest words).

    Attributes
    ----------
    elements
        ``elements[0]`` is the identity.
    parent, via
        Element i (i > 0) was first reached as ``elements[parent[i]] · generators[via[i]]``.
    right
        ``right[i, j]`` is the index of ``elements[i] · generators[j]``.
    """

    elements: tuple[Any, ...]
    parent: np.ndarray
    via: np.ndarray
    right: np.ndarray

    def word(self, i: int) -> tuple[int, ...]:
        """A shortest word over the generator indices that gives element ``i``."""
        out = []
        while i > 0:
            out.append(int(self.via[i]))
            i = int(self.parent[i])
        return tuple(reversed(out))


def closure(generators: Sequence[Any], multiply: Callable[[Any, Any], Any], identity: Any,
            key: Callable[[Any], Hashable], *, limit: int,
            too_many: Callable[[int], Exception] | None = None) -> Closure:
    """Close ``generators`` under ``multiply(x, g) = x·g`` from ``identity``.

    Refuses to grow past ``limit`` elements with ``too_many(limit)`` (default: a
    :class:`ResourceLimitError`).
    """
    elements = [identity]
    index = {key(identity): 0}
    parent, via, right = [-1], [-1], []
    i = 0
    while i < len(elements):
        row = []
        for j, g in enumerate(generators):
            x = multiply(elements[i], g)
            k = key(x)
            found = index.get(k)
            if found is None:
                if len(elements) >= limit:
                    raise (too_many(limit) if too_many is not None else ResourceLimitError(
                        f"the closure has more than {limit} elements"))
                found = index[k] = len(elements)
                elements.append(x)
                parent.append(i)
                via.append(j)
            row.append(found)
        right.append(row)
        i += 1
    return Closure(tuple(elements), np.array(parent, dtype=np.int64),
                   np.array(via, dtype=np.int64),
                   np.array(right, dtype=np.int64).reshape(len(elements), len(generators)))


def cayley_table(elements: Sequence[Any], multiply: Callable[[Any, Any], Any],
                 key: Callable[[Any], Hashable]) -> np.ndarray:
    """``table[g, h]`` = index of ``elements[g] · elements[h]`` (a closed set)."""
    index = {key(e): i for i, e in enumerate(elements)}
    n = len(elements)
    check_allocation("group table", (n, n))
    table = np.empty((n, n), dtype=np.int64)
    for i, g in enumerate(elements):
        for j, h in enumerate(elements):
            table[i, j] = index[key(multiply(g, h))]
    return table


def _permutation_keys(perms: np.ndarray) -> np.ndarray | list[bytes]:
    d = perms.shape[1]
    if d <= 15:  # d**d < 2**63: exact mixed-radix integer keys
        return perms @ (d ** np.arange(d, dtype=np.int64))
    return [row.tobytes() for row in np.ascontiguousarray(perms)]


def permutation_table(perms: np.ndarray) -> np.ndarray:
    """``table[g, h]`` = index of ``g·h`` (``(g·h)(i) = h(g(i))``) for permutations in
    array form (rows of ``perms``, closed under composition), vectorised per column."""
    n = perms.shape[0]
    check_allocation("group table", (n, n))
    keys = _permutation_keys(perms)
    table = np.empty((n, n), dtype=np.int64)
    if isinstance(keys, np.ndarray):
        sorter = np.argsort(keys)
        sorted_keys = keys[sorter]
        for h in range(n):
            table[:, h] = sorter[np.searchsorted(sorted_keys, _permutation_keys(perms[h][perms]))]
    else:
        lookup = {k: i for i, k in enumerate(keys)}
        for h in range(n):
            table[:, h] = [lookup[k] for k in _permutation_keys(perms[h][perms])]
    return table


def element_orders(table: np.ndarray) -> np.ndarray:
    """The order of every element of a group given by its table (element 0 the identity)."""
    n = len(table)
    orders = np.zeros(n, dtype=np.int64)
    for g in range(n):
        k, x = 1, g
        while x != 0:
            x = int(table[x, g])
            k += 1
        orders[g] = k
    return orders


def generated_size(table: np.ndarray, generators: Sequence[int]) -> int:
    """How many elements of the group with this table ``generators`` generate."""
    seen = np.zeros(table.shape[0], dtype=bool)
    seen[0] = True
    frontier = np.array([0])
    gens = np.asarray(generators, dtype=np.int64)
    while frontier.size and gens.size:
        nxt = np.unique(table[frontier][:, gens].ravel())
        nxt = nxt[~seen[nxt]]
        seen[nxt] = True
        frontier = nxt
    return int(seen.sum())


def sympy_permutation_group(perms: Sequence[Sequence[int]]) -> Any:
    """The sympy ``PermutationGroup`` generated by ``perms`` (array forms), built from the
    subset that adds something: each map joins the generators only if the group so far does
    not contain it. The group is the same; sympy's derived series, solvability and
    membership tests then run on a handful of generators instead of hundreds (S_6 over all
    720 elements: 2 generators).

    Examples
    --------
    >>> G = sympy_permutation_group([[1, 0, 2], [0, 2, 1], [1, 2, 0], [2, 1, 0]])
    >>> G.order(), len(G.generators)
    (6, 2)
    """
    from sympy.combinatorics import Permutation, PermutationGroup

    chosen: list[Any] = []
    group = None
    for p in perms:
        perm = Permutation([int(x) for x in p])
        if perm.is_Identity or (group is not None and group.contains(perm)):
            continue
        chosen.append(perm)
        group = PermutationGroup(chosen)
    if group is None:
        size = len(perms[0]) if len(perms) else 1
        group = PermutationGroup([Permutation(list(range(size)))])
    return group
