"""Certificates of impossibility (docs/theory.md §5): small, serialisable, and re-checkable.

Each certificate has a ``check(automaton)`` method that re-validates it by running the
automaton (and, for KERNEL, exact permutation-group arithmetic in sympy) — nothing computed
by the code that found it is trusted. The rungs a certificate rules out are *derived* by the
check from its kind and its checked data; a certificate (or a file) that claims more is
rejected. Words are stored as tuples of symbol labels; outputs are compared by type and
value (``True`` is not ``1``).

=========  ===========================================  ====================================
kind       data                                         rules out
=========  ===========================================  ====================================
PARIKH     w1, w2 with equal letter counts, f(w1) ≠      every commuting model (all diagonal
           f(w2)                                        rungs, rotation; Prop. 2)
PERIOD     w, u, v: k ↦ f(w u^k v) has minimal           p ∉ {1, 2}: real/sign/positive
           eventual period p                            diagonal; p ≥ 2: positive diagonal
RECUR      w, u, v: f(wv) never recurs on the eventual  every orthogonal model (rotation,
           cycle of k ↦ f(w u^k v)                      sign, orthogonal_block)
KERNEL     group element g ≠ 1 (a word) acting          orthogonal_block(b) for the word
           trivially in every real irrep of dim ≤ b     problem's group
HANKEL     prefixes P, suffixes S, exact rank r of the   exact-valued readout with H < r
           one-hot output Hankel block                  (every rung)
FIXED      a letter g of order k in a group word        householder(n) for n < b: every
SPACE      problem, powers j with g^j conjugate to g    faithful real representation moves
           (conjugating words c_j), the bound b         a space of dimension ≥ b under g
PERFECT    words generating a nontrivial subgroup of    stacks of commutative layers of any
           the transition group equal to its own        depth (their groups are solvable)
           commutator subgroup
DERIVED    the derived length d of the (solvable)       stacks of fewer than d commutative
LENGTH     transition group                             layers
=========  ===========================================  ====================================

Certificates built here are short: shortest access words and shortest separating suffixes
from the minimisation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..algebra.closure import sympy_permutation_group
from ..automata.machine import MooreMachine, encode_word, label_key
from ..automata.minimization import minimize
from ..automata.reachability import reachable_states
from ..automata.simulate import final_output
from ..errors import FormatError, InvalidArgumentError, UnknownSymbolError
from ..exact.modular import modular_primes, modular_rank
from ..frozen import TextEnum, freeze, thaw
from ..limits import check_memory
from ..rungs import REGISTRY

__all__ = [
    "EXACT_HANKEL_ENTRIES",
    "KERNEL_FACTS",
    "KINDS",
    "Certificate",
    "CertificateCheck",
    "CertificateKind",
    "derived_rules",
    "fixed_space_bound",
    "hankel_block_rank",
    "identify_kernel_group",
    "kernel_membership",
]




EXACT_HANKEL_ENTRIES = 250_000
"""Hankel blocks up to this many entries are checked with their exact rank over Q; larger
ones with a modular rank, which proves the lower bound H ≥ rank the certificate asserts."""


def hankel_block_rank(block: np.ndarray) -> int:
    """Exact rank over Q of an integer matrix (FLINT's ``fmpz_mat``).

    Examples
    --------
    >>> hankel_block_rank(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]]))
    3
    """
    from flint import fmpz_mat

    block = np.asarray(block)
    if block.size == 0:
        return 0
    r, c = block.shape
    return int(fmpz_mat(r, c, block.astype(np.int64).ravel().tolist()).rank())


class CertificateKind(TextEnum):
    """The kinds of certificate (docs/theory.md §5); the value is the JSON ``kind``."""

    PARIKH = "parikh"
    PERIOD = "period"
    RECUR = "recur"
    KERNEL = "kernel"
    HANKEL = "hankel"
    FIXED_SPACE = "fixed_space"
    PERFECT = "perfect"
    DERIVED_LENGTH = "derived_length"


KINDS = tuple(kind.value for kind in CertificateKind)

# group -> (largest b the theorem covers, derived-series depth of the common kernel of all
# real irreps of dimension <= b). Q_8: G' = {±1}; A_4: G' = V_4; S_4: G'' = V_4; A_5: G' = G;
# S_5: G' = A_5 (THEORY facts; see docs/theory.md, KERNEL).
KERNEL_FACTS: Mapping[str, tuple[int, int]] = MappingProxyType({
    "Q_8": (3, 1), "A_4": (2, 1), "S_4": (2, 2), "A_5": (2, 1), "S_5": (3, 1),
})


def derived_rules(kind: str, data: Mapping[str, Any], period: int | None = None
                  ) -> tuple[str, ...]:
    """The rungs a *valid* certificate of this kind rules out, read off the rung
    descriptions (:mod:`automata_bilinear.rungs`), widest first.

    PARIKH: every commuting rung. PERIOD p: every rung whose letter cycles must divide a
    ``max_letter_cycle`` that p does not divide. RECUR: every orthogonal rung. KERNEL b:
    ``orthogonal_block(b)`` and every rung inside orthogonal_block(b') with b' ≤ b. HANKEL:
    an exact-valued readout below the rank (``"exact_valued"``).

    Examples
    --------
    >>> derived_rules("period", {}, period=3)
    ('real_diagonal', 'sign_diagonal', 'positive_diagonal')
    >>> derived_rules("kernel", {"block_size": 2})
    ('orthogonal_block(2)', 'rotation', 'sign_diagonal')
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidArgumentError(f"unknown certificate kind {kind!r}; valid: {KINDS}")
    kind = CertificateKind(kind)
    rungs = REGISTRY.values()
    if kind is CertificateKind.PARIKH:
        return tuple(r.name for r in rungs if r.commuting)
    if kind is CertificateKind.PERIOD:
        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise InvalidArgumentError("a PERIOD certificate's rules need its checked period "
                                       f"(a positive integer), got {period!r}")
        return tuple(r.name for r in rungs
                     if r.max_letter_cycle is not None and r.max_letter_cycle % period)
    if kind is CertificateKind.RECUR:
        return tuple(r.name for r in rungs if r.orthogonal)
    if kind is CertificateKind.KERNEL:
        b = _positive_field(kind, data, "block_size", "block_size")
        sized = tuple(f"{r.name}({b})" for r in rungs if r.orthogonal and r.sized_blocks)
        return sized + tuple(r.name for r in rungs if r.orthogonal_block_bound is not None
                             and r.orthogonal_block_bound <= b)
    if kind is CertificateKind.FIXED_SPACE:
        b = _positive_field(kind, data, "bound", "bound")
        return tuple(f"{r.name}({n})" for r in rungs if r.sized_factors for n in range(1, b))
    if kind is CertificateKind.PERFECT:
        return tuple(f"stack({r.name})" for r in rungs if r.commuting)
    if kind is CertificateKind.DERIVED_LENGTH:
        d = _positive_field(kind, data, "derived_length", "derived length")
        return tuple(f"stack({r.name},{k})" for r in rungs if r.commuting for k in range(1, d))
    return ("exact_valued",)


def _positive_field(kind: CertificateKind, data: Mapping[str, Any], key: str, what: str
                    ) -> int:
    """``data[key]`` when it is a positive integer, else the error naming the kind."""
    value = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"a {kind.name} certificate's rules need its {what} (a "
                                   f"positive integer), got {value!r}")
    return value


def fixed_space_bound(order: int, powers: Sequence[int]) -> int:
    """The least number of eigenvalues ≠ 1 of a real matrix of order ``order`` whose
    eigenvalues are permuted by ζ ↦ ζ^j for every j in ``powers`` (docs/theory.md §11).

    A real matrix of finite order k is diagonalisable over C with eigenvalues closed under
    conjugation (j = −1); if g is conjugate to g^j in G, ρ(g) is similar to ρ(g)^j, so the
    multiset is invariant under ζ ↦ ζ^j; ρ faithful makes the lcm of the eigenvalue orders
    k. The eigenvalues of order d form orbits of the generated unit group S ⊂ (Z/k)^* of
    size |S mod d|, so the bound is the cheapest set of divisors d of k with lcm k, each
    costing |S mod d| (a set cover over the prime powers of k).

    Examples
    --------
    >>> fixed_space_bound(5, [2])      # a 5-cycle in S_5: all four primitive roots
    4
    >>> fixed_space_bound(3, []), fixed_space_bound(2, []), fixed_space_bound(1, [])
    (2, 1, 0)
    """
    k = int(order)
    if k < 1:
        raise InvalidArgumentError(f"order must be a positive integer, got {order!r}")
    if k == 1:
        return 0
    group = {1 % k}
    frontier = [1 % k]
    gens = [int(j) % k for j in powers] + [k - 1]
    while frontier:
        x = frontier.pop()
        for j in gens:
            y = x * j % k
            if y not in group:
                group.add(y)
                frontier.append(y)
    prime_powers = []
    rest = k
    for p in range(2, k + 1):
        if rest % p == 0:
            q = 1
            while rest % p == 0:
                rest //= p
                q *= p
            prime_powers.append(q)
        if rest == 1:
            break
    full = (1 << len(prime_powers)) - 1
    best = {0: 0}
    for d in (d for d in range(2, k + 1) if k % d == 0):
        cost = len({x % d for x in group})
        mask = sum(1 << i for i, q in enumerate(prime_powers) if d % q == 0)
        for have, c in list(best.items()):
            new = have | mask
            if c + cost < best.get(new, k + 1):
                best[new] = c + cost
    return best[full]


@dataclass(frozen=True)
class CertificateCheck:
    """Result of re-checking a certificate: ``ok``, a human-readable reason, and the rungs
    the certificate is thereby shown to rule out (empty when not ``ok``)."""

    ok: bool
    reason: str
    rules_out: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Certificate:
    """A certificate of impossibility; see the module docstring for the kinds.

    Attributes
    ----------
    kind
        A :class:`CertificateKind` (a string given here is converted).
    words
        Named words (tuples of symbol labels): PARIKH ``w1, w2``; PERIOD/RECUR ``w, u, v``;
        KERNEL ``g`` plus witnesses ``w, v`` with f(w v) ≠ f(w g v); HANKEL has none.
    data
        Other fields: PERIOD ``period``; KERNEL ``block_size``, ``group``; HANKEL
        ``prefixes``, ``suffixes`` (lists of words) and ``rank``.
    rules_out
        Rungs (or ``"exact_valued"`` with a hidden size) this certificate excludes.
    """

    kind: CertificateKind
    words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    rules_out: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise FormatError(f"unknown certificate kind {self.kind!r}; valid: {KINDS}")
        object.__setattr__(self, "kind", CertificateKind(self.kind))
        # read-only, so an edit that could change what the certificate shows needs a new one
        if not isinstance(self.words, Mapping) or not all(
                isinstance(w, (list, tuple)) and all(isinstance(x, str) for x in w)
                for w in self.words.values()):
            raise InvalidArgumentError("certificate words must map names to sequences of "
                                       f"symbol strings, got {self.words!r:.80}")
        if not isinstance(self.data, Mapping):
            raise InvalidArgumentError(f"certificate data must be a mapping, got "
                                       f"{type(self.data).__name__}")
        object.__setattr__(self, "words", MappingProxyType(
            {k: tuple(v) for k, v in self.words.items()}))
        object.__setattr__(self, "data", freeze(self.data))
        object.__setattr__(self, "rules_out", tuple(self.rules_out))

    # -- checking --------------------------------------------------------------------

    def check(self, automaton: MooreMachine) -> CertificateCheck:
        """Re-validate against ``automaton`` by running it; never raises for bad data.

        The rungs ruled out are derived from the kind and the checked data; a certificate
        whose ``rules_out`` names anything else is rejected.
        """
        try:
            result = getattr(self, f"_check_{self.kind.value}")(automaton)
        except UnknownSymbolError as exc:
            return CertificateCheck(False, f"the certificate uses a symbol the automaton lacks "
                                           f"({exc})")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return CertificateCheck(False, f"malformed {self.kind} certificate: {exc}")
        if not result.ok:
            return CertificateCheck(False, result.reason)
        extra = [r for r in self.rules_out if r not in result.rules_out]
        if extra:
            return CertificateCheck(False, f"claims to rule out {extra}, but a valid "
                                           f"{self.kind} certificate with this data rules out "
                                           f"only {list(result.rules_out)}")
        if not result.rules_out:
            return CertificateCheck(False, f"valid data, but it rules out no rung "
                                           f"({result.reason})")
        return result

    def _ok(self, reason: str, period: int | None = None) -> CertificateCheck:
        return CertificateCheck(True, reason, derived_rules(self.kind, self.data, period))

    def _check_parikh(self, m: MooreMachine) -> CertificateCheck:
        w1, w2 = self.words["w1"], self.words["w2"]
        if Counter(w1) != Counter(w2):
            return CertificateCheck(False, "w1 and w2 do not have the same letter counts")
        o1, o2 = final_output(m, list(w1)), final_output(m, list(w2))
        if label_key(o1) == label_key(o2):
            return CertificateCheck(False, f"f(w1) = f(w2) = {o1!r}")
        return self._ok(f"w1 and w2 have equal letter counts but f(w1) = {o1!r} "
                        f"≠ f(w2) = {o2!r}")

    def _sequence(self, m: MooreMachine) -> tuple[list[Any], int, int]:
        """Outputs o_k = f(w u^k v) up to the first repeat of the state after w u^k:
        returns (outputs, start of the cycle μ, cycle length λ)."""
        w, u, v = self.words["w"], self.words["u"], self.words["v"]
        if not u:
            raise InvalidArgumentError("u must be non-empty")
        uu, vv = encode_word(m, list(u)), encode_word(m, list(v))
        table = m.transitions
        q = m.start
        for a in encode_word(m, list(w)).tolist():
            q = int(table[q, a])
        seen: dict[int, int] = {}
        outputs = []
        k = 0
        while q not in seen:
            seen[q] = k
            r = q
            for a in vv.tolist():
                r = int(table[r, a])
            outputs.append(label_key(m.outputs[r]))
            for a in uu.tolist():
                q = int(table[q, a])
            k += 1
        mu = seen[q]
        return outputs, mu, k - mu

    def eventual_period(self, m: MooreMachine) -> tuple[int, int]:
        """Minimal eventual period of k ↦ f(w u^k v) on ``m`` and where its cycle starts."""
        outputs, mu, lam = self._sequence(m)
        cycle = outputs[mu:]
        period = next(p for p in range(1, lam + 1)
                      if lam % p == 0 and all(cycle[i] == cycle[(i + p) % lam]
                                              for i in range(lam)))
        return period, mu

    def _check_period(self, m: MooreMachine) -> CertificateCheck:
        period, mu = self.eventual_period(m)
        claimed = int(self.data["period"])
        if period != claimed:
            return CertificateCheck(False, f"k ↦ f(w u^k v) has eventual period {period}, "
                                           f"not {claimed}")
        return self._ok(f"k ↦ f(w u^k v) is eventually periodic with minimal period {period} "
                        f"(from k = {mu})", period)

    def _check_recur(self, m: MooreMachine) -> CertificateCheck:
        outputs, mu, _ = self._sequence(m)
        first = final_output(m, list(self.words["w"]) + list(self.words["v"]))
        if label_key(first) in outputs[mu:]:
            return CertificateCheck(False, f"f(wv) = {first!r} recurs on the eventual cycle")
        return self._ok(f"f(wv) = {first!r} never recurs on the eventual cycle of "
                        "k ↦ f(w u^k v)")

    def _check_kernel(self, m: MooreMachine) -> CertificateCheck:
        w, g, v = self.words["w"], self.words["g"], self.words["v"]
        a, b = final_output(m, list(w) + list(v)), final_output(m, list(w) + list(g) + list(v))
        if label_key(a) == label_key(b):
            return CertificateCheck(False, "f(w v) = f(w g v): g is not shown to act non-"
                                           "trivially")
        block = self.data["block_size"]
        if isinstance(block, bool) or not isinstance(block, int) or block < 1:
            return CertificateCheck(False, "block_size must be a positive integer")
        ok, reason = kernel_membership(m, g, block)
        if not ok:
            return CertificateCheck(False, reason)
        return self._ok(f"f(w v) = {a!r} ≠ f(w g v) = {b!r}, and {reason}")

    def _check_fixed_space(self, m: MooreMachine) -> CertificateCheck:
        g = self.words["g"]
        if len(g) != 1:
            return CertificateCheck(False, "g must be a single letter (the bound is on one "
                                           "letter's matrix)")
        found = _permutation_group(minimize(m).machine)
        if found is None:
            return CertificateCheck(False, "the task is not a group automaton (some letter is "
                                           "not a permutation of the minimal automaton)")
        G, pos = found
        if G.order() != len(pos):
            return CertificateCheck(False, f"not a group word problem: the transition group "
                                           f"(order {G.order()}) does not act regularly on "
                                           f"the {len(pos)} states")
        minimal = minimize(m).machine
        perm = _word_permutation(minimal, pos, g)
        order = perm.order()
        if self.data["order"] != order:
            return CertificateCheck(False, f"g has order {order}, not {self.data['order']}")
        powers = [int(j) for j in self.data["powers"]]
        for j in powers:
            if math.gcd(j, order) != 1:
                return CertificateCheck(False, f"power {j} is not prime to the order {order}")
            c = _word_permutation(minimal, pos, self.words.get(f"c{j}", ()))
            if (~c) * perm * c != perm**j:
                return CertificateCheck(False, f"c{j} does not conjugate g to g^{j}")
        bound = fixed_space_bound(order, powers)
        if self.data["bound"] != bound:
            return CertificateCheck(False, f"the bound for order {order} and powers {powers} "
                                           f"is {bound}, not {self.data['bound']}")
        conj = (f"is conjugate to its powers {powers}" if powers else
                "is conjugate to none of its other powers prime to its order")
        return self._ok(f"letter {g[0]!r} has order {order} and {conj}: every faithful real "
                        f"representation moves a space of dimension ≥ {bound} under it")

    def _transition_group(self, m: MooreMachine) -> tuple[Any, dict[int, int], MooreMachine]:
        minimal = minimize(m).machine
        found = _permutation_group(minimal)
        if found is None:
            raise ValueError("the task is not a group automaton (some letter is not a "
                             "permutation of the minimal automaton)")
        return (*found, minimal)

    def _check_perfect(self, m: MooreMachine) -> CertificateCheck:
        from sympy.combinatorics import PermutationGroup

        _, pos, minimal = self._transition_group(m)
        gens = [_word_permutation(minimal, pos, w) for w in self.words.values()]
        if not gens:
            return CertificateCheck(False, "no generating words")
        P = PermutationGroup(gens)
        order = int(P.order())
        if order == 1:
            return CertificateCheck(False, "the words generate the trivial group")
        if int(P.derived_subgroup().order()) != order:
            return CertificateCheck(False, f"the subgroup of order {order} is not perfect")
        return self._ok(f"the words generate a subgroup of order {order} equal to its own "
                        "commutator subgroup: the group is not solvable, and every group in a "
                        "cascade of commutative layers is")

    def _check_derived_length(self, m: MooreMachine) -> CertificateCheck:
        G, _, _ = self._transition_group(m)
        if not G.is_solvable:
            return CertificateCheck(False, "the transition group is not solvable (use PERFECT)")
        d = len(G.derived_series()) - 1
        if self.data["derived_length"] != d:
            return CertificateCheck(False, f"the derived length is {d}, not "
                                           f"{self.data['derived_length']}")
        return self._ok(f"the transition group (order {G.order()}) has derived length {d}: a "
                        f"cascade of k commutative layers only reaches derived length ≤ k")

    def _check_hankel(self, m: MooreMachine) -> CertificateCheck:
        prefixes = [encode_word(m, tuple(p)) for p in self.data["prefixes"]]
        suffixes = [encode_word(m, tuple(s)) for s in self.data["suffixes"]]
        claim = int(self.data["rank"])
        Y = len(m.output_labels)
        check_memory(f"the {len(prefixes)} × {len(suffixes)}·{Y} Hankel block",
                     len(prefixes) * len(suffixes) * Y * 10.0)
        # run every prefix, then every suffix from all prefix states at once
        table = m.transitions
        states = np.empty(len(prefixes), dtype=np.int64)
        for i, word in enumerate(prefixes):
            q = m.start
            for a in word.tolist():
                q = int(table[q, a])
            states[i] = q
        block = np.zeros((len(prefixes), len(suffixes) * Y), dtype=np.int8)
        rows = np.arange(len(prefixes))
        for j, word in enumerate(suffixes):
            q = states
            for a in word.tolist():
                q = table[q, a]
            block[rows, j * Y + m.output_codes[q]] = 1
        # repeated and zero rows/columns do not change the rank
        block = np.unique(block[:, block.any(axis=0)], axis=1)
        block = np.unique(block[block.any(axis=1)], axis=0)
        if block.size == 0 or block.sum(axis=0).max() <= 1:
            rank = block.shape[0]  # rows with disjoint supports are independent
            how = "exact rank (rows of disjoint support)"
        elif block.size <= EXACT_HANKEL_ENTRIES:
            rank = hankel_block_rank(block)
            how = "exact rank"
        else:
            # rank modulo p ≤ rank over Q: a modular rank ≥ claim proves the lower bound
            # and the claim must be the modular rank itself, so an understated claim fails
            for p in modular_primes(max(block.shape), 3):
                rank = modular_rank(block, p)
                if rank >= claim:
                    break
            if rank != claim:
                return CertificateCheck(False, f"the Hankel block has rank {rank} modulo {p}, "
                                               f"not the claimed {claim}")
            how = f"rank at least {claim} (its rank modulo {p})"
        if rank != claim:
            return CertificateCheck(False, f"the Hankel block has rank {rank}, not {claim}")
        return self._ok(f"the {len(prefixes)} × {len(suffixes)} output Hankel block has "
                        f"{how}: an exact-valued readout needs H ≥ {claim}")

    # -- presentation and serialisation ------------------------------------------------

    def describe(self) -> str:
        """One line in words."""
        def show(word: tuple[str, ...]) -> str:
            return " ".join(word) if word else "ε"

        if self.kind is CertificateKind.PARIKH:
            return f"PARIKH: '{show(self.words['w1'])}' vs '{show(self.words['w2'])}'"
        if self.kind in (CertificateKind.PERIOD, CertificateKind.RECUR):
            extra = (f", period {self.data['period']}" if self.kind is CertificateKind.PERIOD
                     else "")
            return (f"{self.kind.upper()}: w = '{show(self.words['w'])}', u = "
                    f"'{show(self.words['u'])}', v = '{show(self.words['v'])}'{extra}")
        if self.kind is CertificateKind.KERNEL:
            return (f"KERNEL: g = '{show(self.words['g'])}' in {self.data['group']} is trivial "
                    f"in every real irrep of dimension ≤ {self.data['block_size']}")
        if self.kind is CertificateKind.PERFECT:
            return (f"PERFECT: {len(self.words)} word(s) generate a nontrivial perfect "
                    "subgroup (not solvable)")
        if self.kind is CertificateKind.DERIVED_LENGTH:
            return (f"DERIVED_LENGTH: the transition group has derived length "
                    f"{self.data['derived_length']}")
        if self.kind is CertificateKind.FIXED_SPACE:
            return (f"FIXED_SPACE: letter '{show(self.words['g'])}' of order "
                    f"{self.data['order']} needs ≥ {self.data['bound']} Householder factors")
        return (f"HANKEL: rank {self.data['rank']} on {len(self.data['prefixes'])} prefixes × "
                f"{len(self.data['suffixes'])} suffixes")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "words": {k: list(v) for k, v in self.words.items()},
                "data": thaw(self.data), "rules_out": list(self.rules_out)}

    @staticmethod
    def from_json(data: Any, *, source: str = "certificate") -> Certificate:
        if isinstance(data, Mapping):
            data = thaw(data)  # a read-only report field reads like the JSON it came from
        if not isinstance(data, dict):
            raise FormatError(f"{source}: expected a JSON object")
        for key in ("kind", "words", "rules_out"):
            if key not in data:
                raise FormatError(f"{source}: missing field {key!r}")
        words = data["words"]
        if not isinstance(words, dict) or not all(
                isinstance(w, list) and all(isinstance(s, str) for s in w)
                for w in words.values()):
            raise FormatError(f"{source}: field 'words' must map names to lists of symbols")
        if not isinstance(data["kind"], str) or data["kind"] not in KINDS:
            raise FormatError(f"{source}: unknown certificate kind {data['kind']!r}")
        extra = data.get("data")
        if extra is not None and not isinstance(extra, dict):
            raise FormatError(f"{source}: field 'data' must be an object")
        rules_out = data["rules_out"]
        if not isinstance(rules_out, list) or not all(isinstance(r, str) for r in rules_out):
            raise FormatError(f"{source}: field 'rules_out' must be a list of rung names")
        unknown = sorted(set(data) - {"kind", "words", "data", "rules_out"})
        if unknown:
            raise FormatError(f"{source}: unknown field(s) {', '.join(unknown)}")
        return Certificate(kind=data["kind"], words={k: tuple(v) for k, v in words.items()},
                           data=dict(data.get("data") or {}),
                           rules_out=tuple(data["rules_out"]))


# -- the trusted group facts behind KERNEL -----------------------------------------------


def _permutation_group(m: MooreMachine) -> Any:
    """The transition group of the reachable part of ``m`` as a sympy PermutationGroup, or
    None when some letter is not a permutation of the reachable states."""
    reach = reachable_states(m).tolist()
    pos = {q: i for i, q in enumerate(reach)}
    gens = []
    for a in range(m.n_symbols):
        image = [pos.get(int(m.transitions[q, a]), -1) for q in reach]
        if sorted(image) != list(range(len(reach))):
            return None
        gens.append(image)
    return sympy_permutation_group(gens), pos


def _word_permutation(m: MooreMachine, pos: dict[int, int], word: Sequence[str]) -> Any:
    """The permutation of the reachable states a word induces (sympy; g·h = g first)."""
    from sympy.combinatorics import Permutation

    states = list(pos)
    perm = list(range(len(pos)))
    for a in encode_word(m, list(word)).tolist():
        perm = [pos[int(m.transitions[states[i], a])] for i in perm]
    return Permutation(perm)


def identify_kernel_group(m: MooreMachine) -> tuple[str, Any, dict[int, int]] | None:
    """Name the transition group among Q_8, A_4, S_4, A_5, S_5 by invariants that determine
    it among groups of its order (exact sympy arithmetic, no construction involved):
    Q_8 — order 8, non-abelian, one involution; A_4 — order 12, derived subgroup of order 4;
    S_4 — order 24, trivial centre, derived subgroup of order 12 whose own derived subgroup
    has order 4; A_5 — order 60 and perfect; S_5 — order 120, trivial centre, derived
    subgroup of order 60 that is perfect."""
    found = _permutation_group(m)
    if found is None:
        return None
    G, pos = found
    order = G.order()
    name = None
    if order == 8 and not G.is_abelian:
        if sum(1 for g in G.elements if g.order() == 2) == 1:
            name = "Q_8"
    elif order == 12:
        if G.derived_subgroup().order() == 4:
            name = "A_4"
    elif order == 24:
        d = G.derived_subgroup()
        if G.center().order() == 1 and d.order() == 12 and d.derived_subgroup().order() == 4:
            name = "S_4"
    elif order == 60:
        if G.derived_subgroup().order() == 60:
            name = "A_5"
    elif order == 120:
        d = G.derived_subgroup()
        if G.center().order() == 1 and d.order() == 60 and d.derived_subgroup().order() == 60:
            name = "S_5"
    return None if name is None else (name, G, pos)


def kernel_membership(m: MooreMachine, word: tuple[str, ...], block_size: int
                      ) -> tuple[bool, str]:
    """Check that ``word`` is a non-identity element of the common kernel of the real
    irreps of dimension ≤ ``block_size`` of the automaton's transition group."""
    from sympy.combinatorics import Permutation

    found = identify_kernel_group(m)
    if found is None:
        return False, ("the transition group is not one of Q_8, A_4, S_4, A_5, S_5 (the "
                       "groups the KERNEL theorem covers)")
    name, G, pos = found
    bmax, depth = KERNEL_FACTS[name]
    if block_size > bmax:
        return False, f"for {name} the kernel argument covers block sizes ≤ {bmax} only"
    perm = list(range(len(pos)))
    states = list(pos)
    for a in encode_word(m, list(word)).tolist():
        perm = [pos[int(m.transitions[states[i], a])] for i in perm]
    if perm == list(range(len(pos))):
        return False, "g acts as the identity"
    K = G
    for _ in range(depth):
        K = K.derived_subgroup()
    if not K.contains(Permutation(perm)):
        return False, (f"g is not in the common kernel of {name}'s irreps of dimension ≤ "
                       f"{block_size}")
    return True, (f"the transition group is {name} and g lies in its "
                  f"{'derived subgroup' if depth == 1 else 'second derived subgroup'}, the "
                  f"common kernel of its real irreps of dimension ≤ {block_size}")
