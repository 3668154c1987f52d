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
    "map_closure",
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


# Rows of integers are looked up by a 64-bit fingerprint (a fixed random linear form, wrapping
# mod 2^64) and every hit is compared entry by entry, so a fingerprint collision can only
# send us to the exact dictionary path, never give a wrong index.
_BLOCK_ENTRIES = 1 << 22


def _fingerprints(rows: np.ndarray) -> np.ndarray:
    weights = np.random.default_rng(0x5EED).integers(
        1, np.iinfo(np.int64).max, size=rows.shape[1], dtype=np.int64).astype(np.uint64)
    return (rows.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def map_closure(maps: np.ndarray, *, limit: int,
                too_many: Callable[[int], Exception] | None = None) -> Closure:
    """:func:`closure` of maps in array form (rows of ``maps``, all of one length n) under
    ``x·g = g[x]``, breadth-first one level at a time: the same elements in the same order
    (so the same shortest words) as the generic closure, without one Python step per
    product.

    Parameters
    ----------
    maps
        (k, n) integer array; row j is generator j as a map on ``range(n)``.
    limit, too_many
        As for :func:`closure`.

    Examples
    --------
    >>> found = map_closure(np.array([[1, 0, 2], [1, 2, 0]]), limit=10)
    >>> len(found.elements), found.word(5), found.right[0].tolist()
    (6, (1, 1), [1, 2])
    """
    gens = np.ascontiguousarray(maps, dtype=np.int64)
    k, n = gens.shape
    identity = np.arange(n, dtype=np.int64)
    if k == 0 or n == 0:  # only the identity (on no states every map is the empty map)
        return Closure((identity,), np.array([-1]), np.array([-1]),
                       np.zeros((1, k), dtype=np.int64))
    store = np.empty((max(1, min(limit, 64)), n), dtype=np.int64)  # grown by doubling
    store[0] = identity
    fps = _fingerprints(store[:1])
    parent, via = [-1], [-1]
    right: list[np.ndarray] = []
    count, start, end = 1, 0, 1                  # the frontier is store[start:end]
    while start < end:
        block = max(1, _BLOCK_ENTRIES // max(1, k * n))
        order = np.argsort(fps, kind="stable")
        for b0 in range(start, end, block):
            members = store[b0:min(b0 + block, end)]
            # candidate (i, j) is members[i] · gens[j] = gens[j][members[i]]
            cand = gens[:, members].transpose(1, 0, 2).reshape(-1, n)
            cfp = _fingerprints(cand)
            pos = np.minimum(np.searchsorted(fps[order], cfp), len(fps) - 1)
            seen = fps[order][pos] == cfp
            found = np.where(seen, order[pos], -1)
            if not (store[found[seen]] == cand[seen]).all():
                return _dict_closure(gens, limit, too_many)
            fresh = np.flatnonzero(~seen)
            ufp, first, inverse = np.unique(cfp[fresh], return_index=True, return_inverse=True)
            if not (cand[fresh] == cand[fresh[first]][inverse.ravel()]).all():
                return _dict_closure(gens, limit, too_many)
            if len(first) and count + len(first) > limit:
                raise (too_many(limit) if too_many is not None else ResourceLimitError(
                    f"the closure has more than {limit} elements"))
            by_discovery = np.argsort(first)      # new elements in order of first discovery
            new_index = np.empty(len(ufp), dtype=np.int64)
            new_index[by_discovery] = count + np.arange(len(first))
            found[fresh] = new_index[inverse.ravel()]
            picked = fresh[first[by_discovery]]
            if count + len(picked) > len(store):
                grown = np.empty((min(limit, 2 * (count + len(picked))), n), dtype=np.int64)
                grown[:count] = store[:count]
                store = grown
            store[count:count + len(picked)] = cand[picked]
            if len(picked):
                fps = np.concatenate([fps, cfp[picked]])
                order = np.argsort(fps, kind="stable")
            parent.extend((b0 + picked // k).tolist())
            via.extend((picked % k).tolist())
            right.append(found.reshape(-1, k))
            count += len(picked)
        start, end = end, count
    store = store[:count]
    store.flags.writeable = False  # results are cached and shared: the elements are views
    return Closure(tuple(store), np.array(parent, dtype=np.int64),
                   np.array(via, dtype=np.int64), np.concatenate(right))


def _dict_closure(gens: np.ndarray, limit: int,
                  too_many: Callable[[int], Exception] | None) -> Closure:
    """The generic closure, for the (astronomically rare) fingerprint collision."""
    return closure(list(gens), lambda x, g: g[x], np.arange(gens.shape[1], dtype=np.int64),
                   lambda x: x.tobytes(), limit=limit, too_many=too_many)


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


_MEMBER_SET_ORDER = 40320  # 8!: below this, membership is a set lookup


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
    members: set[bytes] | None = None  # the group so far as a set, while it is small
    for p in perms:
        row = np.asarray(p, dtype=np.int64)
        if members is not None:
            if row.tobytes() in members:
                continue
        else:
            perm = Permutation(row.tolist())
            if perm.is_Identity or (group is not None and group.contains(perm)):
                continue
        chosen.append(Permutation(row.tolist()))
        group = PermutationGroup(chosen)
        members = None
        if group.order() <= _MEMBER_SET_ORDER:
            gens = np.array([g.array_form for g in chosen], dtype=np.int64)
            members = {e.tobytes() for e in
                       map_closure(gens, limit=_MEMBER_SET_ORDER).elements}
    if group is None:
        size = len(perms[0]) if len(perms) else 1
        group = PermutationGroup([Permutation(list(range(size)))])
    return group
