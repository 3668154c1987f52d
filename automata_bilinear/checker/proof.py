"""The trusted checker: proofs about the arrays a model holds, for every word length.

A model file stores float arrays; every float is a rational number, so the file defines an
exact bilinear model over Q (over Q(ζ) for the exact phase schemas of
:mod:`automata_bilinear.model`, whose integers are stored as they are). :func:`prove` decides,
from the model's rung and the structure of its arrays (never from a string a user can edit),
which exact method applies and runs it on those exact values:

- **signed one-hot image** — every ``A_σ`` has at most one nonzero per column and ``h0`` one
  nonzero: every reachable state is ``c·e_j``, so the pairs (automaton state, j, sign c) are
  finite; the readout is checked on each by exact comparisons of the stored floats.
- **exact rational image** — breadth-first search over (automaton state, exact vector), the
  vector scaled to a primitive integer vector (positive rescaling changes no prediction when
  there is no bias); finite when the matrices generate a finite image.
- **exact phase image** — phase schemas with every modulus exactly 1: the state is a tuple of
  exponents modulo the stored periods (and reflection bits); scores are enclosed rigorously.
- **letter-count bound** — diagonal models: ``h`` depends only on the letter counts. The
  counts of each letter split into a finite box and a periodic tail; on the tail, units of
  less than maximal modulus are bounded by their value where the tail starts, and the
  margin of the others must exceed that bound (everything in exact rationals, cos/sin of
  rational turns as outward-rounded intervals). The automaton must be commutative with
  ``σ^N = σ^{N+P}``, both of which are checked.
- **weighted-automaton equivalence** — exact-valued models (``C h_w`` equal to the one-hot
  output for every word): a basis of the span of ``(A_w h0, e_{δ(q0, w)})`` (Tzeng's
  algorithm) on which the linear identity is checked exactly.

This module imports the automaton core, exact arithmetic, the model and the rung descriptions;
it never imports a construction, so a construction's mistake cannot make its own model look
proved (``tests/test_soundness.py`` checks the import graph).

References
----------
W.-G. Tzeng, "A polynomial-time algorithm for the equivalence of probabilistic automata",
SIAM J. Comput. 21 (1992).
"""

from __future__ import annotations

import enum
import itertools
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

import numpy as np
from flint import fmpq

from ..automata.machine import MooreMachine, check_machine, label_key
from ..automata.minimization import minimize
from ..automata.reachability import reachable_states
from ..errors import ResourceLimitError, VerificationError
from ..exact.arithmetic import turn_enclosure
from ..exact.modular import ModularEchelon, modular_primes
from ..exact.number_field import FieldElement, RealNumberField
from ..limits import max_work
from ..model import BilinearModel, check_model
from ..progress import progress_bar
from ..rungs import Structure, get_rung
from ..rungs.base import PHASE_BLOCKS, PHASE_UNITS
from ..rungs.householder import number_field as householder_field
from ..stack import StackedModel, check_stack

__all__ = [
    "Alignment",
    "Proof",
    "ProofMethod",
    "align",
    "exact_prediction",
    "prove",
    "prove_stack",
]

MAX_BITS = 512  # an exact image whose integers grow past this is not finite in practice


class ProofMethod(str, enum.Enum):
    """How a verdict was reached."""

    SIGNED_ONE_HOT = "finite-image search (signed one-hot states)"
    RATIONAL_IMAGE = "finite-image search (exact rational vectors)"
    PHASE_IMAGE = "finite-image search (exact phases, enclosed scores)"
    QUADRATIC_IMAGE = "finite-image search (exact vectors over Q(√d))"
    FIELD_IMAGE = "finite-image search (exact vectors over a real number field)"
    CASCADE_IMAGE = "finite-image search over the joint states of a stack (exact)"
    COUNT_BOUND = "margin bound over letter-count vectors (exact)"
    WFA_EQUIVALENCE = "weighted-automaton equivalence (exact)"
    NONE = "no exact method applies"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Alignment:
    """Model letter per automaton symbol, readout row per automaton output code (−1 if the
    model has no such label), and the reachable states of the automaton."""

    letter: np.ndarray
    rows: np.ndarray
    reachable: np.ndarray


def align(model: BilinearModel, automaton: MooreMachine) -> Alignment:
    """Match the model's letters and readout rows to the automaton's symbols and outputs.

    Labels are compared by type and value (``True`` is not ``1``). Raises
    :class:`~automata_bilinear.errors.VerificationError` when the alphabets differ or a
    reachable output has no readout row.
    """
    if set(model.alphabet) != set(automaton.alphabet):
        raise VerificationError(
            f"model alphabet {sorted(model.alphabet)[:10]} differs from the automaton's "
            f"{sorted(automaton.alphabet)[:10]}")
    keys = [label_key(lab) for lab in model.output_labels]
    if len(set(keys)) != len(keys):
        raise VerificationError("the model has two readout rows with the same output label")
    row_of = {k: i for i, k in enumerate(keys)}
    letter = np.array([model.alphabet.index(s) for s in automaton.alphabet], dtype=np.int64)
    rows = np.array([row_of.get(label_key(lab), -1) for lab in automaton.output_labels],
                    dtype=np.int64)
    reachable = reachable_states(automaton)
    missing = np.flatnonzero(rows[automaton.output_codes[reachable]] < 0)
    if missing.size:
        lab = automaton.outputs[int(reachable[missing[0]])]
        raise VerificationError(
            f"the automaton outputs {lab!r}, which is not among the model's output labels")
    return Alignment(letter, rows, reachable)


@dataclass(frozen=True)
class Proof:
    """Outcome of :func:`prove`.

    Attributes
    ----------
    proved
        The exact model the arrays define agrees with the automaton on every word.
    method, detail
        The method and what it established (or why it did not conclude).
    counterexample
        A word on which the exact model is wrong (confirmed exactly), or None.
    image_size
        Number of (state, exact vector) pairs or grid points examined.
    relative_margin
        Least ``margin / Σ_i |ΔC_i|·|h_i|`` over everything examined (scale-free); the
        floating-point claim of :mod:`automata_bilinear.verify` is derived from it.
    sup_margin
        Least ``margin / max_i |h_i|``.
    float_exact
        Per dtype: the floating-point forward pass with per-step normalisation computes
        exactly the proved states (signed one-hot models), so it is correct for all lengths.
    orthogonal
        Every exact transition matrix is orthogonal (checked exactly).
    """

    proved: bool
    method: ProofMethod
    detail: str
    counterexample: tuple[str, ...] | None = None
    image_size: int | None = None
    relative_margin: float | None = None
    sup_margin: float | None = None
    float_exact: tuple[str, ...] = ()
    orthogonal: bool = False


def _word(automaton: MooreMachine, letters: Sequence[int]) -> tuple[str, ...]:
    return tuple(automaton.alphabet[a] for a in letters)


def _rebuild(parent: list[tuple[int, int]], i: int) -> list[int]:
    word = []
    while parent[i][0] >= 0:
        i, a = parent[i]
        word.append(a)
    return word[::-1]


def _target(automaton: MooreMachine, al: Alignment, q: int) -> int:
    return int(al.rows[automaton.output_codes[q]])


class _Stop(Exception):
    """Raised by a step of :func:`_walk` to end the search with a reason."""


def _walk(automaton: MooreMachine, start: object, step: Callable[[object, int], object],
          max_pairs: int, what: str, *, hidden: int = 1, step_cost: int | None = None
          ) -> tuple[list[tuple], list[tuple[int, int]]] | str:
    """Breadth-first search over (automaton state, exact state) pairs from
    ``(q0, start)``; ``step(v, a)`` is the exact state after automaton letter ``a``.
    Returns the pairs with their BFS parents (pair index, letter), or the reason it stopped.

    Each step is charged to the work budget (a Python-level exact step of an H-dimensional
    state counts as 10⁴ + H² elementary steps, about its cost in ns), so the search stops
    with a reason instead of running for hours; ``step_cost`` overrides that estimate
    (number-field steps cost about 10³·H²·d² ns)."""
    max_steps = max(1, max_work() // (step_cost or 10_000 + hidden * hidden))
    steps = 0
    first = (automaton.start, start)
    index = {first: 0}
    pairs: list[tuple] = [first]
    parent = [(-1, -1)]
    queue = deque([0])
    table = automaton.transitions
    bar = progress_bar(desc=f"exact search over (state, {what}) pairs", total=None,
                       unit="pair")
    try:
        while queue:
            i = queue.popleft()
            if i % 4096 == 4095:
                bar.update(4096)
            q, v = pairs[i]
            steps += automaton.n_symbols
            if steps > max_steps:
                return (f"the exact search over (state, {what}) pairs would exceed the work "
                        f"budget ({max_steps} steps of an H = {hidden} state after "
                        f"{len(pairs)} pairs; raise AUTOMATA_BILINEAR_MAX_WORK or --max-work)")
            for a in range(automaton.n_symbols):
                nxt = (int(table[q, a]), step(v, a))
                if nxt not in index:
                    if len(pairs) >= max_pairs:
                        return (f"more than {max_pairs} (state, {what}) pairs: the image is "
                                "not finite or too large; raise max_pairs")
                    index[nxt] = len(pairs)
                    pairs.append(nxt)
                    parent.append((i, a))
                    queue.append(len(pairs) - 1)
    except _Stop as stop:
        return str(stop)
    finally:
        bar.close()
    return pairs, parent


_CANDIDATE_ENTRIES = 1 << 22  # int64 entries of one block of BFS candidates (32 MiB)


def _walk_int64(automaton: MooreMachine, start: tuple[int, ...], mats: list[np.ndarray],
                max_pairs: int) -> tuple[list[tuple], list[tuple[int, int]]] | str | None:
    """:func:`_walk` for integer vectors, one matrix product per letter and BFS level.

    Same pairs, in the same order, with the same parents (candidates are merged in the
    order (pair, letter)); vectors are kept primitive (divided by the gcd of their entries).
    Exact while every vector entry stays below 2^30 (matrix entries below 2^20, H ≤ 4096:
    products below 2^62); returns None as soon as one would not, for the object path.
    """
    k = automaton.n_symbols
    table = automaton.transitions
    H = len(start)
    index: dict[bytes, int] = {}
    first = np.array([automaton.start, *start], dtype=np.int64)
    index[first.tobytes()] = 0
    rows = [first]
    parent = [(-1, -1)]
    frontier = np.arange(1)
    block = first[None, :]
    max_steps = max(1, max_work() // (100 + H * H))
    slice_rows = max(1, _CANDIDATE_ENTRIES // max(1, k * (H + 1)))
    bar = progress_bar(desc="exact search over (state, vector) pairs", total=None, unit="pair")
    try:
        while frontier.size:
            if len(rows) * k > max_steps:
                return (f"the exact search over (state, vector) pairs would exceed the work "
                        f"budget ({max_steps} steps of an H = {H} state after {len(rows)} "
                        "pairs; raise AUTOMATA_BILINEAR_MAX_WORK or --max-work)")
            fresh_rows: list[np.ndarray] = []
            for lo in range(0, frontier.size, slice_rows):  # bounded candidate blocks
                q, V = block[lo:lo + slice_rows, 0], block[lo:lo + slice_rows, 1:]
                cand = np.empty((len(q), k, H + 1), dtype=np.int64)
                for a in range(k):
                    W = V @ mats[a].T
                    g = np.gcd.reduce(np.abs(W), axis=1) if H else np.ones(len(W), np.int64)
                    g[g == 0] = 1
                    W //= g[:, None]
                    cand[:, a, 0] = table[q, a]
                    cand[:, a, 1:] = W
                if H and np.abs(cand[:, :, 1:]).max() >= 2**30:
                    return None
                flat = cand.reshape(-1, H + 1)
                fresh: list[int] = []
                for j, row in enumerate(flat):
                    key = row.tobytes()
                    if key in index:
                        continue
                    if len(rows) + len(fresh) >= max_pairs:
                        return (f"more than {max_pairs} (state, vector) pairs: the image is "
                                "not finite or too large; raise max_pairs")
                    index[key] = len(rows) + len(fresh)
                    parent.append((int(frontier[lo + j // k]), j % k))
                    fresh.append(j)
                kept = flat[fresh]  # a compact copy: the candidate block can be freed
                rows.extend(kept)
                fresh_rows.append(kept)
            added = sum(len(kept) for kept in fresh_rows)
            bar.update(added)
            frontier = np.arange(len(rows) - added, len(rows))
            block = (np.concatenate(fresh_rows) if fresh_rows
                     else np.empty((0, H + 1), dtype=np.int64))
    finally:
        bar.close()
    pairs = [(int(r[0]), tuple(r[1:].tolist())) for r in rows]
    return pairs, parent


# -- signed one-hot image --------------------------------------------------------------------


def _monomial_columns(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For matrices with at most one nonzero per column: per (letter, column) its row (−1 for
    a zero column) and its value."""
    nz = A != 0
    target_row = np.where(nz.any(axis=1), nz.argmax(axis=1), -1)  # (D, H): row of column j
    value = np.take_along_axis(A, np.maximum(target_row, 0)[:, None, :], axis=1)[:, 0, :]
    return target_row, value


def _signed_one_hot(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                    target_row: np.ndarray, value: np.ndarray, max_pairs: int) -> Proof:
    """Finite-image search over (state, unit, sign) for one nonzero per column: column j of
    letter m sends e_j to ``value[m, j] · e_{target_row[m, j]}`` (row −1: to zero)."""
    method = ProofMethod.SIGNED_ONE_HOT
    H = model.hidden_size
    j0 = int(np.flatnonzero(model.h0)[0])
    C, bias = model.readout, model.bias
    if bias is not None and not (np.all(np.abs(value[target_row >= 0]) == 1.0)):
        return Proof(False, method, "a bias needs exact magnitudes, but some nonzero entry "
                                    "is not ±1")
    # state code: (q, j, s) with j = H for the zero vector
    def step(state: tuple[int, int], a: int) -> tuple[int, int]:
        j, sign = state
        m = int(al.letter[a])
        if j == H or target_row[m, j] < 0:
            return (H, 1)
        return (int(target_row[m, j]), sign if value[m, j] > 0 else -sign)

    walked = _walk(automaton, (j0, 1 if model.h0[j0] > 0 else -1), step, max_pairs,
                   "unit, sign", hidden=1)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    pairs = [(q, j, sign) for q, (j, sign) in pairs]
    q_arr = np.array([p[0] for p in pairs], dtype=np.int64)
    j_arr = np.array([p[1] for p in pairs], dtype=np.int64)
    s_arr = np.array([p[2] for p in pairs], dtype=np.float64)
    targets = al.rows[automaton.output_codes[q_arr]]
    Cz = np.concatenate([C, np.zeros((C.shape[0], 1))], axis=1)
    mag = 1.0 if bias is None else abs(float(model.h0[j0]))
    verdicts = {}
    for dtype in ("float64", "float32"):
        Cd = Cz.astype(dtype).astype(np.float64)
        scores = (Cd[:, j_arr] * s_arr * mag).T  # exact: one nonzero term each
        if bias is not None:
            scores = scores + bias.astype(dtype).astype(np.float64)
        correct = scores[np.arange(len(pairs)), targets]
        others = scores.copy()
        others[np.arange(len(pairs)), targets] = -np.inf
        best_other = others.max(axis=1) if others.shape[1] > 1 else np.full(len(pairs), -np.inf)
        verdicts[dtype] = (correct > best_other, correct - best_other)
    ok, margins = verdicts["float64"]
    if bias is not None:  # the float64 comparison above rounded the sums: redo it exactly
        ok = np.array([_exact_bias_ok(C, bias, j, s * mag, t, H)
                       for j, s, t in zip(j_arr, s_arr, targets)])
    if not ok.all():
        bad = int(np.flatnonzero(~ok)[0])
        word = _word(automaton, _rebuild(parent, bad))
        return Proof(False, method, f"the readout is wrong or tied on the state reached by "
                                    f"'{' '.join(word) or 'ε'}'", counterexample=word,
                     image_size=len(pairs))
    float_exact = tuple(dt for dt, (good, _) in verdicts.items()
                        if bias is None and good.all()
                        and _casts_keep((value, model.h0, model.readout), dt))
    return Proof(True, method,
                 f"{len(pairs)} reachable (state, unit, sign) pairs; every readout argmax is "
                 f"right (exact comparisons), least margin {float(margins.min()):.3g}",
                 image_size=len(pairs), relative_margin=1.0, sup_margin=float(margins.min()),
                 float_exact=float_exact)


def _exact_bias_ok(C: np.ndarray, bias: np.ndarray, j: int, s: float, t: int, H: int) -> bool:
    col = [Fraction(0)] * C.shape[0] if j == H else [Fraction(float(c)) * Fraction(s)
                                                      for c in C[:, j]]
    scores = [c + Fraction(float(b)) for c, b in zip(col, bias)]
    return all(scores[t] > x for i, x in enumerate(scores) if i != t)


def _casts_keep(arrays: tuple[np.ndarray, ...], dtype: str) -> bool:
    """Casting to ``dtype`` keeps every entry finite and every nonzero nonzero with its sign
    (the transitions' nonzeros, h0 and the readout), so the float run is the exact one."""
    for arr in arrays:
        with np.errstate(over="ignore"):  # an overflow is what this looks for
            cast = arr.astype(dtype)
        if not np.all(np.isfinite(cast)):
            return False
        if np.any((arr != 0) & ((cast == 0) | (np.sign(cast) != np.sign(arr)))):
            return False
    return True


# -- exact rational image --------------------------------------------------------------------


def _integer_matrices(A: np.ndarray) -> list[np.ndarray]:
    """Per letter an integer object matrix M with A_σ = M / (positive power of two)."""
    out = []
    for mat in A:
        fr = [Fraction(float(x)) for x in mat.ravel()]
        den = math.lcm(*(f.denominator for f in fr)) if fr else 1
        out.append(np.array([int(f * den) for f in fr], dtype=object).reshape(mat.shape))
    return out


def _primitive(v: np.ndarray) -> tuple[int, ...]:
    g = 0
    for x in v:
        g = math.gcd(g, int(x))
    if g == 0:
        return tuple(0 for _ in v)
    return tuple(int(x) // g for x in v)


def _scaled_integers(mats: list[list[list[Fraction]]]) -> list[np.ndarray]:
    """Per letter an integer object matrix M = (positive integer) · A_σ."""
    out = []
    for mat in mats:
        den = math.lcm(*(x.denominator for row in mat for x in row))
        out.append(np.array([[int(x * den) for x in row] for row in mat], dtype=object))
    return out


def _rational_image(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                    A: np.ndarray | None, max_pairs: int,
                    exact: list[list[list[Fraction]]] | None = None) -> Proof:
    """``exact``: the exact matrices when they are not the floats ``A`` (Householder
    products, computed from their factors)."""
    method = ProofMethod.RATIONAL_IMAGE
    H = model.hidden_size
    if H * H * automaton.n_symbols > 4_000_000:
        return Proof(False, method, f"H = {H}: exact dense matrices too large for this search")
    mats = _integer_matrices(A) if exact is None else _scaled_integers(exact)
    Ci = _integer_matrices(model.readout[None])[0]
    if model.bias is not None:
        return _rational_image_bias(model, automaton, al, A, max_pairs, exact)
    h0 = _integer_matrices(model.h0[None, None])[0]  # shape (1, H)
    # int64 arithmetic where it is exact: entries below 2^20 times vectors below 2^30 summed
    # over H ≤ 4096 terms stay below 2^62; larger vectors take the exact object path
    small = H <= 4096 and all(_max_abs(m) < 2**20 for m in (*mats, Ci))
    mats64 = [m.astype(np.int64) for m in mats] if small else None

    def step(v: tuple[int, ...], a: int) -> tuple[int, ...]:
        m = int(al.letter[a])
        if mats64 is not None and max(map(abs, v)) < 2**30:
            w64 = mats64[m] @ np.array(v, dtype=np.int64)
            g = int(np.gcd.reduce(np.abs(w64))) if w64.size else 0
            return tuple((w64 // g).tolist()) if g > 1 else tuple(w64.tolist())
        w = _primitive(mats[m].dot(np.array(v, dtype=object)))
        if max(abs(x) for x in w).bit_length() > MAX_BITS:
            raise _Stop(f"exact vectors grow beyond {MAX_BITS} bits: the image is not finite "
                        "(for example scales of modulus ≠ 1, or irrational entries stored as "
                        "rounded floats, which generate an infinite group)")
        return w

    start = _primitive(h0[0])
    walked = None
    if mats64 is not None and max(map(abs, start), default=0) < 2**30:
        walked = _walk_int64(automaton, start, [mats64[int(al.letter[a])]
                                                for a in range(automaton.n_symbols)],
                             max_pairs)
    if walked is None:  # vectors left the int64 range: the exact object path
        walked = _walk(automaton, start, step, max_pairs, "vector", hidden=model.hidden_size)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    checked = _readout_check_int64(model, automaton, al, Ci, pairs) if small else None
    if checked is None:
        checked = _readout_check_exact(model, automaton, al, Ci, pairs)
    bad, rel, sup = checked
    if bad is not None:
        word = _word(automaton, _rebuild(parent, bad))
        return Proof(False, method, "the readout is wrong or tied on the state reached "
                                    f"by '{' '.join(word) or 'ε'}'",
                     counterexample=word, image_size=len(pairs))
    # with entries in {−1, 0, 1}, AᵀA is computed exactly
    signed = A is not None and bool(np.isin(A, (-1.0, 0.0, 1.0)).all())
    orthogonal = signed and all(np.array_equal(m.T @ m, np.eye(H)) for m in A)
    return Proof(True, method, f"{len(pairs)} reachable (state, exact vector) pairs; every "
                               "readout argmax is right (exact integers)",
                 image_size=len(pairs), relative_margin=rel, sup_margin=sup,
                 orthogonal=orthogonal)


def _max_abs(m: np.ndarray) -> int:
    return max((abs(int(x)) for x in m.ravel()), default=0)


def _readout_check_exact(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                         Ci: np.ndarray, pairs: list[tuple]
                         ) -> tuple[int | None, float, float]:
    """(first pair whose argmax is wrong or tied, or None; least relative margin; least
    normalised margin), in exact integers."""
    rel, sup = math.inf, math.inf
    scale = float(_scale(model.readout))
    for i, (q, v) in enumerate(pairs):
        scores = Ci.dot(np.array(v, dtype=object))
        t = _target(automaton, al, q)
        vmax = max(abs(x) for x in v)
        for y in range(len(scores)):
            if y == t:
                continue
            diff = scores[t] - scores[y]
            if diff <= 0:
                return i, rel, sup
            weight = sum(abs(a - b) * abs(x) for a, b, x in zip(Ci[t], Ci[y], v))
            rel = min(rel, float(Fraction(diff, weight)))
            sup = min(sup, float(Fraction(diff, vmax)) / scale)
    return None, rel, sup


def _readout_check_int64(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                         Ci: np.ndarray, pairs: list[tuple]
                         ) -> tuple[int | None, float, float] | None:
    """:func:`_readout_check_exact` vectorised in int64, or None when some value could
    leave the range where int64 and the float quotients are exact (below 2^53)."""
    V = np.array([v for _, v in pairs], dtype=object)
    if V.size and _max_abs(V) >= 2**30:
        return None
    V = V.astype(np.int64).reshape(len(pairs), -1)
    C = Ci.astype(np.int64)
    H = V.shape[1]
    if (_max_abs(Ci) * 2) * (2**30) * H >= 2**53:
        return None
    targets = np.array([_target(automaton, al, q) for q, _ in pairs], dtype=np.int64)
    scores = V @ C.T                                            # (P, Y)
    rows = np.arange(len(pairs))
    diff = scores[rows, targets][:, None] - scores              # (P, Y)
    others = np.ones_like(diff, dtype=bool)
    others[rows, targets] = False
    wrong = np.flatnonzero(((diff <= 0) & others).any(axis=1))
    if C.shape[0] == 1:
        return (None, math.inf, math.inf)
    rel, sup = math.inf, math.inf
    vmax = np.abs(V).max(axis=1)
    scale = float(_scale(model.readout))
    chunk = max(1, 2_000_000 // max(1, C.size))
    for start in range(0, len(pairs), chunk):
        sl = slice(start, start + chunk)
        gap = np.abs(C[targets[sl]][:, None, :] - C[None, :, :])  # (p, Y, H)
        weight = np.einsum("pyh,ph->py", gap, np.abs(V[sl]))
        d, o = diff[sl], others[sl]
        ok = o & (d > 0)
        if ok.any():
            rel = min(rel, float((d[ok].astype(np.float64) / weight[ok]).min()))
            sup = min(sup, float((d / vmax[sl, None].astype(np.float64))[ok].min()) / scale)
    return (int(wrong[0]) if wrong.size else None), rel, sup


def _scale(C: np.ndarray) -> Fraction:
    """The power of two by which :func:`_integer_matrices` scaled the readout."""
    fr = [Fraction(float(x)) for x in C.ravel()]
    return Fraction(math.lcm(*(f.denominator for f in fr)) if fr else 1)


def _rational_image_bias(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                         A: np.ndarray | None, max_pairs: int,
                         exact: list[list[list[Fraction]]] | None = None) -> Proof:
    """With a bias no rescaling is allowed: exact rational vectors as they are."""
    method = ProofMethod.RATIONAL_IMAGE
    mats = exact if exact is not None else [[[Fraction(float(x)) for x in row] for row in m]
                                            for m in A]
    C = [[Fraction(float(x)) for x in row] for row in model.readout]
    bias = [Fraction(float(x)) for x in model.bias]  # type: ignore[union-attr]
    def step(v: tuple[Fraction, ...], a: int) -> tuple[Fraction, ...]:
        m = mats[int(al.letter[a])]
        w = tuple(sum((x * y for x, y in zip(row, v) if x and y), Fraction(0)) for row in m)
        if max((x.denominator.bit_length() + abs(x.numerator).bit_length() for x in w),
               default=0) > MAX_BITS:
            raise _Stop("exact vectors grow without bound; with a bias the image must be "
                        "finite without rescaling")
        return w

    walked = _walk(automaton, tuple(Fraction(float(x)) for x in model.h0), step, max_pairs,
                   "vector", hidden=model.hidden_size)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    for i, (q, v) in enumerate(pairs):
        scores = [sum((c * x for c, x in zip(row, v)), Fraction(0)) + b
                  for row, b in zip(C, bias)]
        t = _target(automaton, al, q)
        if any(scores[t] <= s for y, s in enumerate(scores) if y != t):
            word = _word(automaton, _rebuild(parent, i))
            return Proof(False, method, f"the readout is wrong or tied after "
                                        f"'{' '.join(word) or 'ε'}'", counterexample=word,
                         image_size=len(pairs))
    return Proof(True, method, f"{len(pairs)} reachable (state, exact vector) pairs with the "
                               "bias; every readout argmax is right (exact rationals)",
                 image_size=len(pairs))


# -- exact Householder products ---------------------------------------------------------------

_RATIONALS = RealNumberField((0, 1), Fraction(0), Fraction(0), 0.0)  # Q, as Q(θ) with θ = 0


def _householder_matrices(model: BilinearModel
                          ) -> tuple[RealNumberField, list[list[list[FieldElement]]]] | str:
    """The exact products ``H_n ⋯ H_1`` of every letter, computed from the stored factors:
    rationals for the float form, elements of the stored number field for the exact form."""
    params = model.params
    D, H = model.n_symbols, model.hidden_size
    betas = params["betas"]
    n = betas.shape[1]
    if "vectors" in params:
        field, raw = _RATIONALS, params["vectors"]
        def vector(d: int, i: int) -> list[FieldElement]:
            return [(Fraction(float(x)),) for x in raw[d, i]]
    else:
        field, raw = householder_field(model.rung, params), params["vector_coefficients"]
        def vector(d: int, i: int) -> list[FieldElement]:
            return [field.element([int(c) for c in raw[d, i, j]]) for j in range(H)]
    work = D * n * H * H * field.degree**2
    if work > 20_000_000:
        return (f"exact Householder products need about {work:.2g} number-field operations "
                "(D·n·H²·d²), above this method's limit of 2e7")
    if field is _RATIONALS:
        rational = _rational_householder_products(betas, raw)
        if rational is not None:
            return field, rational
    identity = [[field.rational(int(r == c)) for c in range(H)] for r in range(H)]
    mats = []
    for d in range(D):
        A = identity
        for i in range(n):
            beta = Fraction(float(betas[d, i]))
            if beta == 0:
                continue
            v = vector(d, i)
            coef = field.scale(beta, field.inverse(field.dot(v, v)))
            vt_a = [field.dot(v, [A[r][c] for r in range(H)]) for c in range(H)]
            A = [[field.sub(A[r][c], field.mul(field.mul(coef, v[r]), vt_a[c]))
                  for c in range(H)] for r in range(H)]
        mats.append(A)
    return field, mats


def _rational_householder_products(betas: np.ndarray, vectors: np.ndarray
                                   ) -> list[list[list[FieldElement]]] | None:
    """``H_n ⋯ H_1`` per letter exactly over Q for float factors, on python-flint ``fmpq_mat``
    (``A ← A − β/(vᵀv) · v (vᵀ A)``), as elements of :data:`_RATIONALS`; None when a factor
    with β ≠ 0 has v = 0 (left to the generic path, which reports it)."""
    D, n, H = vectors.shape
    mats = []
    for d in range(D):
        A = _fmpq_matrix(np.eye(H))
        for i in range(n):
            beta = Fraction(float(betas[d, i]))
            if beta == 0:
                continue
            v = _fmpq_matrix(vectors[d, i][:, None])
            norm = (v.transpose() * v)[0, 0]
            if norm == 0:
                return None
            A = A - (fmpq(beta.numerator, beta.denominator) / norm) * (v * (v.transpose() * A))
        mats.append([[(Fraction(int(A[r, c].p), int(A[r, c].q)),) for c in range(H)]
                     for r in range(H)])
    return mats


def _field_image(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                 field: RealNumberField, mats: list[list[list[FieldElement]]], max_pairs: int
                 ) -> Proof:
    """Breadth-first search over (state, exact vector in K^H), the vectors kept as
    :func:`_vector_stepper` keeps them (a canonical positive multiple without a bias)."""
    method = ProofMethod.FIELD_IMAGE
    stepper = _vector_stepper(model, field, mats)
    H, d = model.hidden_size, field.degree
    walked = _walk(automaton, stepper.start,
                   lambda v, a: stepper.step(v, int(al.letter[a])), max_pairs, "vector",
                   hidden=H, step_cost=10_000 + 1_000 * H * H * d * d)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    for i, (q, v) in enumerate(pairs):
        if stepper.predict(v) != _target(automaton, al, q):
            word = _word(automaton, _rebuild(parent, i))
            return Proof(False, method, "the readout is wrong or tied on the state reached by "
                                        f"'{' '.join(word) or 'ε'}'", counterexample=word,
                         image_size=len(pairs))
    return Proof(True, method, f"{len(pairs)} reachable (state, exact vector) pairs over "
                               f"Q(θ), θ ≈ {field.approximation:.6g} a root of "
                               f"{_polynomial_text(field.polynomial)}; "
                               "every readout argmax is right (exact signs)",
                 image_size=len(pairs))


def _polynomial_text(coeffs: Sequence[int]) -> str:
    """``(5, 0, -20, 0, 16)`` → ``16x^4 − 20x^2 + 5``."""
    out = ""
    for i in range(len(coeffs) - 1, -1, -1):
        c = coeffs[i]
        if not c:
            continue
        power = "" if i == 0 else "x" if i == 1 else f"x^{i}"
        size = str(abs(c)) if abs(c) != 1 or i == 0 else ""
        sign = ("−" if c < 0 else "") if not out else (" − " if c < 0 else " + ")
        out += sign + size + power
    return out


def _field_matrices(model: BilinearModel
                    ) -> tuple[RealNumberField, list[list[list[FieldElement]]]] | str | None:
    """Exact matrices of the schemas whose floats are not the exact values: Householder
    products, blocks over Q(√d); None for the others (or the reason they are out of reach)."""
    if get_rung(model.rung).structure is Structure.REFLECTIONS:
        return _householder_matrices(model)
    if "blocks_sqrt" in model.params:
        d = int(model.params["sqrt_base"])
        field = _quadratic_field(d)
        q_mats, _ = _q_matrices(model)
        return field, [[[field.element([a, b]) for a, b in row] for row in m] for m in q_mats]
    return None


@lru_cache(maxsize=16)
def _quadratic_field(d: int) -> RealNumberField:
    return RealNumberField.from_root((-d, 0, 1), math.sqrt(d))


def _householder_proof(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                       max_pairs: int) -> Proof:
    exact = _householder_matrices(model)
    if isinstance(exact, str):
        return Proof(False, ProofMethod.NONE, exact)
    field, mats = exact
    if field.degree == 1:
        rational = [[[x[0] for x in row] for row in m] for m in mats]
        proof = _rational_image(model, automaton, al, None, max_pairs, rational)
    else:
        proof = _field_image(model, automaton, al, field, mats, max_pairs)
    # the factor-by-factor float engine has its own rounding: no float claim from here
    return replace(proof, float_exact=(), orthogonal=False, relative_margin=None,
                   sup_margin=None)


# -- exact image over Q(√d) -------------------------------------------------------------------


def _q_mul(x: tuple[Fraction, Fraction], y: tuple[Fraction, Fraction], d: int
           ) -> tuple[Fraction, Fraction]:
    return (x[0] * y[0] + d * x[1] * y[1], x[0] * y[1] + x[1] * y[0])


def _q_sign(x: tuple[Fraction, Fraction], d: int) -> int:
    """Exact sign of a + b√d."""
    a, b = x
    if a >= 0 and b >= 0:
        return int(a > 0 or b > 0)
    if a <= 0 and b <= 0:
        return -1
    big = a * a - d * b * b  # a and b have opposite signs
    return (1 if a > 0 else -1) if big > 0 else (1 if b > 0 else -1) if big < 0 else 0


def _q_matrices(model: BilinearModel) -> tuple[list[list[list[tuple]]], int]:
    d = int(model.params["sqrt_base"])
    rat = model.params["blocks"]
    irr = model.params["blocks_sqrt"]
    sizes = [int(x) for x in model.params["block_sizes"]]
    H = sum(sizes)
    zero = (Fraction(0), Fraction(0))
    mats = []
    for letter in range(rat.shape[0]):
        m = [[zero] * H for _ in range(H)]
        off = 0
        for i, size in enumerate(sizes):
            for r in range(size):
                for c in range(size):
                    m[off + r][off + c] = (Fraction(float(rat[letter, i, r, c])),
                                           Fraction(float(irr[letter, i, r, c])))
            off += size
        mats.append(m)
    return mats, d


def _quadratic_image(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                     max_pairs: int) -> Proof:
    method = ProofMethod.QUADRATIC_IMAGE
    if model.bias is not None:
        return Proof(False, method, "this method needs a bias-free readout")
    mats, d = _q_matrices(model)
    H = model.hidden_size
    zero = (Fraction(0), Fraction(0))
    def gram(m: list, i: int, j: int) -> tuple[Fraction, Fraction]:
        return _sum_q([_q_mul(m[k][i], m[k][j], d) for k in range(H)])

    orthogonal = all(gram(m, i, j) == (Fraction(int(i == j)), Fraction(0))
                     for m in mats for i in range(H) for j in range(H))

    def matvec(m: list, v: tuple) -> tuple:
        return tuple(_sum_q([_q_mul(x, y, d) for x, y in zip(row, v) if x != zero and y != zero])
                     for row in m)

    def step(v: tuple, a: int) -> tuple:
        w = matvec(mats[int(al.letter[a])], v)
        if max(x.denominator.bit_length() + abs(x.numerator).bit_length()
               for pair in w for x in pair) > MAX_BITS:
            raise _Stop("exact vectors grow without bound")
        return w

    walked = _walk(automaton, tuple((Fraction(float(x)), Fraction(0)) for x in model.h0),
                   step, max_pairs, "vector",
                   hidden=model.hidden_size)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    C = [[(Fraction(float(x)), Fraction(0)) for x in row] for row in model.readout]
    root = math.sqrt(d)
    sup = math.inf
    for i, (q, v) in enumerate(pairs):
        t = _target(automaton, al, q)
        scores = [_sum_q([_q_mul(c, x, d) for c, x in zip(row, v)]) for row in C]
        vmax = max(abs(float(a) + float(b) * root) for a, b in v)
        for y, sc in enumerate(scores):
            if y == t:
                continue
            diff = (scores[t][0] - sc[0], scores[t][1] - sc[1])
            if _q_sign(diff, d) <= 0:
                word = _word(automaton, _rebuild(parent, i))
                return Proof(False, method, "the readout is wrong or tied on the state reached "
                                            f"by '{' '.join(word) or 'ε'}'",
                             counterexample=word, image_size=len(pairs))
            sup = min(sup, 0.999 * (float(diff[0]) + float(diff[1]) * root) / vmax)
    return Proof(True, method, f"{len(pairs)} reachable (state, exact vector) pairs over "
                               f"Q(√{d}); every readout argmax is right (exact signs)",
                 image_size=len(pairs), sup_margin=sup, orthogonal=orthogonal)


def _sum_q(xs: list[tuple[Fraction, Fraction]]) -> tuple[Fraction, Fraction]:
    """Sum of numbers a + b√d given as pairs."""
    return (sum((x[0] for x in xs), Fraction(0)), sum((x[1] for x in xs), Fraction(0)))


# -- units of the diagonal and phase schemas ---------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """One real or complex unit: coordinates ``cols`` of the state (1 or 2), per-letter
    modulus (Fraction), turn (int) and reflection bit, the period, and h0 as a complex
    number (x, y) (y = 0 for a real unit)."""

    cols: tuple[int, ...]
    moduli: tuple[Fraction, ...]
    turns: tuple[int, ...]
    reflections: tuple[int, ...]
    period: int
    h0: tuple[Fraction, Fraction]


def _units(model: BilinearModel) -> list[_Unit] | str:
    """The model's units in exact form, or the reason there is none."""
    p, D = model.params, model.n_symbols
    h0 = [Fraction(float(x)) for x in model.h0]
    units: list[_Unit] = []
    zero = (0,) * D

    def real_units(lam: np.ndarray, offset: int) -> None:
        for i in range(lam.shape[1]):
            col = lam[:, i]
            units.append(_Unit((offset + i,), tuple(Fraction(abs(float(x))) for x in col),
                               tuple(int(x < 0) for x in col), zero, 2,
                               (h0[offset + i], Fraction(0))))

    if get_rung(model.rung).structure is Structure.DIAGONAL:
        real_units(p["eigenvalues"], 0)
        return units
    if "scale" in p:  # a PD model with the identity unit map (checked by the caller)
        real_units(p["scale"], 0)
        return units
    if "phase_turns" in p:
        c = p["phase_turns"].shape[1]
        for j in range(c):
            units.append(_Unit((2 * j, 2 * j + 1),
                               tuple(Fraction(float(x)) for x in p["complex_moduli"][:, j]),
                               tuple(int(x) for x in p["phase_turns"][:, j]), zero,
                               int(p["phase_periods"][j]), (h0[2 * j], h0[2 * j + 1])))
        real_units(p["real_eigenvalues"], 2 * c)
        return units
    if "complex_eigenvalues" in p:
        lam = p["complex_eigenvalues"]
        if np.any(lam.imag != 0):
            return ("complex eigenvalues stored as floats have no exact period; store them in "
                    "the exact phase form (phase_turns, phase_periods, complex_moduli)")
        c = lam.shape[1]
        for j in range(c):
            col = lam[:, j].real
            units.append(_Unit((2 * j, 2 * j + 1), tuple(Fraction(abs(float(x))) for x in col),
                               tuple(int(x < 0) for x in col), zero, 2,
                               (h0[2 * j], h0[2 * j + 1])))
        real_units(p["real_eigenvalues"], 2 * c)
        return units
    if "block_turns" in p:
        offset = 0
        for i, size in enumerate(int(s) for s in p["block_sizes"]):
            turns = tuple(int(x) for x in p["block_turns"][:, i])
            refl = tuple(int(x) for x in p["block_reflections"][:, i])
            period = int(p["block_periods"][i])
            one = (Fraction(1),) * D
            if size == 1:
                units.append(_Unit((offset,), one, turns, zero, 2, (h0[offset], Fraction(0))))
            else:
                units.append(_Unit((offset, offset + 1), one, turns, refl, period,
                                   (h0[offset], h0[offset + 1])))
            offset += size
        return units
    return "no unit structure"


def _columns(model: BilinearModel, units: list[_Unit]) -> list[list[tuple[Fraction, Fraction]]]:
    """Per readout row and unit: (cre, cim) with score contribution Re((cre − i cim) z)."""
    C = model.readout
    out = []
    for row in C:
        cols = []
        for u in units:
            if len(u.cols) == 1:
                cols.append((Fraction(float(row[u.cols[0]])), Fraction(0)))
            else:
                cols.append((Fraction(float(row[u.cols[0]])), Fraction(float(row[u.cols[1]]))))
        out.append(cols)
    return out


def _contribution_bounds(dc: tuple[Fraction, Fraction], z0: tuple[Fraction, Fraction],
                         modulus: Fraction, turn: int, period: int, reflected: int
                         ) -> tuple[Fraction, Fraction, Fraction]:
    """Lower bound, upper bound and absolute bound of ``Re((dcre − i dcim) z)`` for
    ``z = modulus · ζ^turn · (x ± i y)`` (conjugated first when ``reflected``)."""
    alpha, beta = _alpha_beta(dc, z0, reflected)
    absolute = modulus * (abs(alpha) + abs(beta))
    if modulus == 0 or (alpha == 0 and beta == 0):
        return Fraction(0), Fraction(0), Fraction(0)
    clo, chi, slo, shi = turn_enclosure(turn, period)
    lo = _phase_lower(alpha, beta, clo, chi, slo, shi)
    hi = (alpha * chi if alpha >= 0 else alpha * clo) - (beta * slo if beta >= 0 else beta * shi)
    return modulus * lo, modulus * hi, absolute


def _alpha_beta(dc: tuple[Fraction, Fraction], z0: tuple[Fraction, Fraction], reflected: int
                ) -> tuple[Fraction, Fraction]:
    """(α, β) with ``Re((dcre − i dcim) ζ z0) = α cos φ − β sin φ`` for ζ = e^{iφ} (z0
    conjugated first when ``reflected``)."""
    x, y = z0
    if reflected:
        y = -y
    cre, cim = dc
    return cre * x + cim * y, cre * y - cim * x


def _phase_lower(alpha, beta, clo, chi, slo, shi):  # Fractions or fmpq alike
    """A lower bound of ``α cos φ − β sin φ`` for cos φ ∈ [clo, chi], sin φ ∈ [slo, shi]."""
    return (alpha * clo if alpha >= 0 else alpha * chi) - (beta * shi if beta >= 0 else beta * slo)


def _fmpq(q: Fraction) -> fmpq:
    return fmpq(q.numerator, q.denominator)


@lru_cache(maxsize=65536)
def _turn_enclosure_fmpq(turn: int, period: int) -> tuple[fmpq, fmpq, fmpq, fmpq]:
    return tuple(_fmpq(b) for b in turn_enclosure(turn, period))  # type: ignore[return-value]


class _PhaseMargins:
    """Exact lower bounds of the score differences ``s_t − s_y`` on a state of unit phases
    (``(turn, reflected)`` per unit, h0 at modulus 1): the bounds of
    :func:`_contribution_bounds`, with each pair's ``(α, β)`` computed once and the arithmetic
    on FLINT rationals (``fmpq``), which is exact like ``Fraction`` and far cheaper."""

    def __init__(self, C: list[list[tuple[Fraction, Fraction]]], units: list[_Unit]) -> None:
        self.C, self.units = C, units
        self._pairs: dict[tuple[int, int, int, int], tuple[fmpq, fmpq, fmpq]] = {}

    def _pair(self, t: int, y: int, k: int, refl: int) -> tuple[fmpq, fmpq, fmpq]:
        key = (t, y, k, refl)
        if key not in self._pairs:
            dc = (self.C[t][k][0] - self.C[y][k][0], self.C[t][k][1] - self.C[y][k][1])
            alpha, beta = (_fmpq(v) for v in _alpha_beta(dc, self.units[k].h0, refl))
            self._pairs[key] = (alpha, beta, abs(alpha) + abs(beta))
        return self._pairs[key]

    def unit(self, t: int, y: int, k: int, turn: int, refl: int) -> tuple[fmpq, fmpq]:
        """(a lower bound, an absolute bound) of unit k's contribution to s_t − s_y."""
        alpha, beta, absolute = self._pair(t, y, k, refl)
        if not absolute:
            return absolute, absolute
        return _phase_lower(alpha, beta, *_turn_enclosure_fmpq(turn, self.units[k].period)), \
            absolute

    def lower(self, t: int, y: int, state: tuple) -> tuple[fmpq, fmpq]:
        """(a lower bound of s_t − s_y, the sum of the contributions' absolute bounds)."""
        lo, weight = fmpq(0), fmpq(0)
        for k, (turn, refl) in enumerate(state):
            low, absolute = self.unit(t, y, k, turn, refl)
            lo += low
            weight += absolute
        return lo, weight


def _unit_size(z0: tuple[Fraction, Fraction], modulus: Fraction) -> Fraction:
    return modulus * (abs(z0[0]) + abs(z0[1]))


# -- exact phase image -------------------------------------------------------------------------


def _phase_image(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                 units: list[_Unit], max_pairs: int) -> Proof:
    method = ProofMethod.PHASE_IMAGE
    if model.bias is not None:
        return Proof(False, method, "this method needs a bias-free readout")
    C = _columns(model, units)
    def step(state: tuple, a: int) -> tuple:
        m = int(al.letter[a])
        return tuple(((u.turns[m] + (-t if u.reflections[m] else t)) % u.period,
                      f ^ u.reflections[m]) for u, (t, f) in zip(units, state))

    walked = _walk(automaton, tuple((0, 0) for _ in units), step, max_pairs, "phases",
                   hidden=len(units))
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    rel, sup = math.inf, math.inf
    Y = len(C)
    margins = _PhaseMargins(C, units)
    size = max((_unit_size(u.h0, Fraction(1)) for u in units), default=Fraction(1))
    for i, (q, state) in enumerate(pairs):
        t = _target(automaton, al, q)
        for y in range(Y):
            if y == t:
                continue
            lo, weight = margins.lower(t, y, state)
            if lo <= 0:
                word = _word(automaton, _rebuild(parent, i))
                return Proof(False, method, "the readout margin is not provably positive on "
                                            f"the state reached by '{' '.join(word) or 'ε'}'",
                             counterexample=word if _wrong_exactly(
                                 model, automaton, word) else None, image_size=len(pairs))
            rel = min(rel, float(lo / weight))
            sup = min(sup, float(lo / _fmpq(size)))
    return Proof(True, method, f"{len(pairs)} reachable (state, phases) pairs; every readout "
                               "margin is positive (rigorous enclosure of cos/sin)",
                 image_size=len(pairs), relative_margin=rel, sup_margin=sup)


# -- letter-count bound ------------------------------------------------------------------------


def _letter_power_structure(automaton: MooreMachine, reach: np.ndarray, a: int
                            ) -> tuple[int, int]:
    """(index, period) of letter ``a`` acting on the reachable states."""
    f = automaton.transitions[:, a]
    cur = reach.copy()
    seen: dict[bytes, int] = {}
    k = 0
    while cur.tobytes() not in seen:
        seen[cur.tobytes()] = k
        cur = f[cur]
        k += 1
    first = seen[cur.tobytes()]
    return first, k - first


def _non_commuting(automaton: MooreMachine, reach: np.ndarray) -> tuple[int, int, int] | None:
    t = automaton.transitions
    for a, b in itertools.combinations(range(automaton.n_symbols), 2):
        diff = np.flatnonzero(t[t[reach, a], b] != t[t[reach, b], a])
        if diff.size:
            return int(reach[diff[0]]), a, b
    return None


def _count_bound(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                 units: list[_Unit], max_points: int) -> Proof:
    method = ProofMethod.COUNT_BOUND
    if model.bias is not None:
        return Proof(False, method, "this method needs a bias-free readout")
    reach = al.reachable
    pair = _non_commuting(automaton, reach)
    if pair is not None:
        # every diagonal model depends only on letter counts: one of the two words is wrong
        return Proof(False, method, f"the automaton is not commutative (letters "
                                    f"{automaton.alphabet[pair[1]]!r}, "
                                    f"{automaton.alphabet[pair[2]]!r}), but a diagonal model "
                                    "depends only on letter counts")
    D = automaton.n_symbols
    letters = [int(x) for x in al.letter]  # model letter of automaton symbol a
    structure = [_letter_power_structure(automaton, reach, a) for a in range(D)]
    rmax = [max((u.moduli[letters[a]] for u in units), default=Fraction(0)) for a in range(D)]
    for a in range(D):
        if rmax[a] == 0:
            word = (automaton.alphabet[a],)
            return Proof(False, method, f"letter {word[0]!r} maps every state to 0: the readout "
                                        "ties", counterexample=word)
    dominant = [[u.moduli[letters[a]] == rmax[a] for u in units] for a in range(D)]
    periods = []
    for a in range(D):
        p = structure[a][1]
        for u, dom in zip(units, dominant[a]):
            if dom:
                p = math.lcm(p, u.period // math.gcd(u.turns[letters[a]], u.period))
        periods.append(p)
    C = _columns(model, units)
    Y = len(C)
    attempt = None
    for extra in (0, 1, 2, 4, 8, 16, 32):
        starts = [structure[a][0] + extra for a in range(D)]
        size = math.prod(s + p for s, p in zip(starts, periods))
        if size * max(1, len(units)) > max_points:
            break
        attempt = _count_grid(model, automaton, al, units, C, Y, starts, periods, dominant,
                              letters)
        if attempt.proved or attempt.counterexample is not None:
            return attempt
    signs = _sign_classes(automaton, al, units, C, structure, letters, max_points)
    if signs is not None:
        return signs
    if attempt is None:
        size = math.prod(s + p for (s, _), p in zip(structure, periods))
        return Proof(False, method, f"the letter-count grid has {size} points × "
                                    f"{len(units)} units, over the budget of {max_points}")
    return attempt


def _sign_classes(automaton: MooreMachine, al: Alignment, units: list[_Unit], C: list,
                  structure: list[tuple[int, int]], letters: list[int], max_points: int
                  ) -> Proof | None:
    """The same-sign argument, for models where no unit dominates (e.g. each letter grows a
    different unit). With periods that fix every unit's phase, each class of letter-count
    vectors (exact below the starts, residues mod the periods above) fixes the automaton's
    state and every unit's phase; only the moduli vary, and they are positive (no zero
    eigenvalue). If on a class every unit's contribution to ``s_t − s_y`` has a lower bound
    ≥ 0 at modulus 1 and one is > 0, then ``s_t > s_y`` on the whole class. Returns the
    proof, or None when the argument does not apply (it never yields a counterexample)."""
    D = automaton.n_symbols
    U = len(units)
    if any(u.moduli[letters[a]] == 0 for u in units for a in range(D)):
        return None
    starts = [structure[a][0] for a in range(D)]
    periods = []
    for a in range(D):
        p = structure[a][1]
        for u in units:
            p = math.lcm(p, u.period // math.gcd(u.turns[letters[a]], u.period))
        periods.append(p)
    points = math.prod(s + p for s, p in zip(starts, periods))
    if points * max(1, U) > max_points:
        return None
    table = automaton.transitions
    Y = len(C)
    sizes = [_unit_size(u.h0, Fraction(1)) for u in units]
    rel, sup = math.inf, math.inf
    margins = _PhaseMargins(C, units)
    for counts in itertools.product(*(range(s + p) for s, p in zip(starts, periods))):
        q = automaton.start
        for a, n in enumerate(counts):  # commutative: the order of the letters is free
            for _ in range(n):
                q = int(table[q, a])
        turns = [sum(n * u.turns[letters[a]] for a, n in enumerate(counts)) % u.period
                 for u in units]
        t = _target(automaton, al, q)
        for y in range(Y):
            if y == t:
                continue
            positive = False
            for k in range(U):
                low, absolute = margins.unit(t, y, k, turns[k], 0)
                if low < 0:
                    return None
                positive = positive or low > 0
                # s_t − s_y = Σ_k c_k with every c_k ≥ low_k·m_k ≥ 0 (m_k the unit's modulus
                # on the count vector), so (s_t − s_y)/Σ_k |c_k| ≥ min_k low_k/|·|_k and
                # (s_t − s_y)/max_k m_k·size_k ≥ min_k low_k/size_k
                if absolute:
                    rel = min(rel, float(low / absolute))
                if sizes[k]:
                    sup = min(sup, float(low / _fmpq(sizes[k])))
            if not positive:
                return None
    return Proof(True, ProofMethod.COUNT_BOUND,
                 f"{points} letter-count classes (tails from {starts}, periods {periods}); on "
                 "each, every unit adds a non-negative amount to every needed score difference "
                 "and one a positive amount (exact signs, enclosed cos/sin)",
                 image_size=points, relative_margin=0.0 if rel == math.inf else rel,
                 sup_margin=0.0 if sup == math.inf else sup)


def _count_grid(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                units: list[_Unit], C: list, Y: int, starts: list[int], periods: list[int],
                dominant: list[list[bool]], letters: list[int]) -> Proof:
    method = ProofMethod.COUNT_BOUND
    D = automaton.n_symbols
    U = len(units)
    table = automaton.transitions
    rel, sup = math.inf, math.inf
    points = 0
    # depth-first over the grid, one letter per level, carrying exact partial products
    stack = [(0, automaton.start, [Fraction(1)] * U, [0] * U, [True] * U, ())]
    while stack:
        level, q, mods, turns, dom, counts = stack.pop()
        if level == D:
            points += 1
            t = _target(automaton, al, q)
            size = max((_unit_size(u.h0, mods[k]) for k, u in enumerate(units)),
                       default=Fraction(0))
            for y in range(Y):
                if y == t:
                    continue
                lo, bound, weight = Fraction(0), Fraction(0), Fraction(0)
                for k, u in enumerate(units):
                    if mods[k] == 0:
                        continue
                    dc = (C[t][k][0] - C[y][k][0], C[t][k][1] - C[y][k][1])
                    low, _, ab = _contribution_bounds(dc, u.h0, mods[k], turns[k], u.period, 0)
                    weight += ab
                    if dom[k]:
                        lo += low
                    else:
                        bound += ab
                if lo - bound <= 0:
                    word = tuple(s for a, n in enumerate(counts)
                                 for s in [automaton.alphabet[a]] * n)
                    in_box = all(n < s for n, s in zip(counts, starts))
                    wrong = in_box and _wrong_exactly(model, automaton, word)
                    return Proof(False, method,
                                 f"the bound does not close at letter counts {list(counts)} "
                                 f"(tails from {starts}, periods {periods})",
                                 counterexample=word if wrong else None, image_size=points)
                rel = min(rel, float((lo - bound) / weight))
                sup = min(sup, float((lo - bound) / size))
            continue
        m = letters[level]
        limit = starts[level] + periods[level]
        cur_q = q
        cur_mods, cur_turns = list(mods), list(turns)
        for n in range(limit):
            tail = n >= starts[level]
            new_dom = [d and (not tail or dominant[level][k]) for k, d in enumerate(dom)]
            stack.append((level + 1, cur_q, list(cur_mods), list(cur_turns), new_dom,
                          (*counts, n)))
            cur_q = int(table[cur_q, level])
            for k, u in enumerate(units):
                cur_mods[k] *= u.moduli[m]
                cur_turns[k] = (cur_turns[k] + u.turns[m]) % u.period
    return Proof(True, method,
                 f"{points} letter-count classes (tails from {starts}, periods {periods}); on "
                 "each the margin of the units of maximal modulus exceeds the bound on the "
                 "others (exact rationals, enclosed cos/sin)",
                 image_size=points, relative_margin=rel, sup_margin=sup)


# -- weighted-automaton equivalence ------------------------------------------------------------


def _exact_valued_shape(model: BilinearModel, automaton: MooreMachine, al: Alignment) -> bool:
    """Cheap test: C h0 (+ bias) is exactly the one-hot vector of the start output."""
    s = model.readout @ model.h0 + (0 if model.bias is None else model.bias)
    t = _target(automaton, al, automaton.start)
    expected = np.zeros(len(s))
    expected[t] = 1.0
    return bool(np.array_equal(s, expected))


def _fmpq_matrix(values: np.ndarray):
    """The exact rational values of a float array as a python-flint ``fmpq_mat``."""
    from flint import fmpq, fmpq_mat

    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    r, c = values.shape
    return fmpq_mat(r, c, [fmpq(*x.as_integer_ratio()) for x in values.ravel().tolist()])


def _residues(values: np.ndarray, p: int) -> np.ndarray:
    """Floats (dyadic rationals m / 2^e) as residues modulo the odd prime ``p``."""
    flat = []
    for x in np.asarray(values, dtype=np.float64).ravel().tolist():
        num, den = x.as_integer_ratio()
        flat.append(num % p * pow(den, -1, p) % p)
    return np.array(flat, dtype=np.float64).reshape(np.shape(values))


def _wfa_equivalence(model: BilinearModel, automaton: MooreMachine, al: Alignment,
                     A: np.ndarray, max_dim: int = 600) -> Proof | None:
    """Exact-valued models: Tzeng's basis of span{(A_w h0, e_{q_w})}; None if not applicable
    (too large, or the identity fails although the argmax may still be right).

    The basis is searched breadth-first modulo a prime (vectors independent modulo p are
    independent over Q); then, exactly over Q (python-flint), the identity
    ``C h = Σ_q e_q onehot(row(out q))`` is checked on every basis vector and every
    successor ``(A_a h, e_{δ(q, a)})`` of a basis vector is shown to lie in their span. The
    span is then invariant and contains ``(h0, e_{q0})``, so it holds every reachable
    vector, and the linear identity holds on all of them: on every word. A successor outside
    the span means the prime was unlucky; the next prime is tried.
    """
    H, n = model.hidden_size, automaton.n_states
    if H + n > max_dim or model.bias is not None:
        return None
    k = automaton.n_symbols
    mats = [A[int(al.letter[a])] for a in range(k)]
    row_of = al.rows[automaton.output_codes]
    table = automaton.transitions
    for p in modular_primes(max(H, H + n), 3):
        proof = _tzeng_modulo(model, automaton, mats, row_of, table, p)
        if proof is not _UNLUCKY:
            return proof
    return None


_UNLUCKY = object()


def _tzeng_modulo(model: BilinearModel, automaton: MooreMachine, mats: list[np.ndarray],
                  row_of: np.ndarray, table: np.ndarray, p: int):
    """One attempt of :func:`_wfa_equivalence` modulo ``p``: a Proof, None (the identity
    fails on a reachable vector), or ``_UNLUCKY``."""
    from flint import fmpq_mat

    H, n, k = model.hidden_size, automaton.n_states, automaton.n_symbols
    width = H + n
    mats_p = [_residues(M, p) for M in mats]
    mats_q = [_fmpq_matrix(M) for M in mats]
    echelon = ModularEchelon(width, p)
    # level: residues of h (c × H), states q (c,), and the exact h as columns (H × c)
    h_p = _residues(model.h0, p)[None, :]
    states = np.array([automaton.start])
    exact_level = _fmpq_matrix(model.h0[:, None])
    start = np.zeros((1, width))
    start[0, :H] = h_p[0]
    start[0, H + automaton.start] = 1
    echelon.add_block(start)
    exact_cols = [exact_level]
    basis_states = [states]
    successor_cols: list[list] = [[] for _ in range(k)]
    successor_states: list[list[np.ndarray]] = [[] for _ in range(k)]
    while states.size:
        next_h, next_q, next_exact = [], [], []
        for a in range(k):
            cand_h = np.mod(h_p @ mats_p[a].T, p)
            cand_q = table[states, a]
            exact = mats_q[a] * exact_level  # exact successors (H × c)
            successor_cols[a].append(exact)
            successor_states[a].append(cand_q)
            block = np.zeros((states.size, width))
            block[:, :H] = cand_h
            block[np.arange(states.size), H + cand_q] = 1
            kept = np.flatnonzero(echelon.add_block(block))
            if kept.size:
                next_h.append(cand_h[kept])
                next_q.append(cand_q[kept])
                next_exact.append(_flint_columns(exact, kept.tolist()))
        if not next_h:
            break
        h_p = np.concatenate(next_h)
        states = np.concatenate(next_q)
        exact_level = _hstack(next_exact)
        exact_cols.append(exact_level)
        basis_states.append(states)
    V_h = _hstack(exact_cols)  # H × r, exact
    q_basis = np.concatenate(basis_states)
    r = q_basis.size
    # the identity on every basis vector
    C = _fmpq_matrix(model.readout)
    lhs = C * V_h
    if (row_of[q_basis] < 0).any():
        return None
    target = np.zeros((C.nrows(), r), dtype=np.int64)
    target[row_of[q_basis], np.arange(r)] = 1
    if lhs != fmpq_mat(C.nrows(), r, target.ravel().tolist()):
        return None
    # every successor lies in the span: solve on the pivot columns, compare everywhere
    J = sorted(echelon.pivots.tolist())
    V = _rows_matrix(V_h, q_basis, n)
    S_h = _hstack([c for per_letter in successor_cols for c in per_letter])
    S_q = np.concatenate([q for per_letter in successor_states for q in per_letter])
    S = _rows_matrix(S_h, S_q, n)
    VJ = _flint_columns(V, J)
    SJ = _flint_columns(S, J)
    X = VJ.transpose().solve(SJ.transpose()).transpose()  # S_J = X V_J
    if X * V != S:
        return _UNLUCKY
    return Proof(True, ProofMethod.WFA_EQUIVALENCE,
                 f"C A_w h0 equals the one-hot output on a basis of {r} vectors of the "
                 "reachable span, whose successors stay in it, hence on every word (exact "
                 "rationals; basis found modulo a prime, span proved over Q)",
                 image_size=r, relative_margin=1.0)


def _flint_columns(M, cols: list[int]):
    """Columns ``cols`` of a python-flint matrix."""
    from flint import fmpq_mat

    rows = M.tolist()
    return fmpq_mat(M.nrows(), len(cols), [row[c] for row in rows for c in cols])


def _hstack(blocks: list):
    """Side-by-side concatenation of python-flint matrices with equal row counts."""
    from flint import fmpq_mat

    lists = [b.tolist() for b in blocks]
    entries = [x for i in range(blocks[0].nrows()) for rows in lists for x in rows[i]]
    return fmpq_mat(blocks[0].nrows(), sum(b.ncols() for b in blocks), entries)


def _rows_matrix(h_cols, states: np.ndarray, n: int):
    """Rows ``(h_w, e_{q_w})`` from ``h`` as columns and the states ``q_w``."""
    from flint import fmpq_mat

    cols = h_cols.tolist()  # H rows of c entries
    c = len(states)
    entries = []
    for j in range(c):
        entries += [cols[i][j] for i in range(len(cols))]
        e = [0] * n
        e[int(states[j])] = 1
        entries += e
    return fmpq_mat(c, len(cols) + n, entries)


# -- exact evaluation on one word --------------------------------------------------------------


def exact_prediction(model: BilinearModel, letters: Sequence[int]) -> int | None:
    """Readout row the exact model predicts after the model letters ``letters`` (None on a
    tie, or where a phase score cannot be separated from another by its enclosure).

    Rational schemas are evaluated in exact rationals, the phase schemas with exponents
    kept exactly and scores enclosed rigorously.
    """
    units = _units(model) if ("phase_turns" in model.params or "block_turns" in model.params
                              ) else None
    if isinstance(units, list):
        C = _columns(model, units)
        mods = [Fraction(1)] * len(units)
        state = [(0, 0)] * len(units)
        for m in letters:
            state = [((u.turns[m] + (-t if u.reflections[m] else t)) % u.period,
                      f ^ u.reflections[m]) for u, (t, f) in zip(units, state)]
            mods = [x * u.moduli[m] for x, u in zip(mods, units)]
        intervals = []
        for y in range(len(C)):
            lo = hi = Fraction(0)
            for k, u in enumerate(units):
                low, high, _ = _contribution_bounds(C[y][k], u.h0, mods[k], state[k][0],
                                                    u.period, state[k][1])
                lo, hi = lo + low, hi + high
            if model.bias is not None:
                lo, hi = lo + Fraction(float(model.bias[y])), hi + Fraction(float(model.bias[y]))
            intervals.append((lo, hi))
        best = max(range(len(C)), key=lambda y: intervals[y][0])
        if all(intervals[best][0] > intervals[y][1] for y in range(len(C)) if y != best):
            return best
        return None
    exact = _field_matrices(model)
    if isinstance(exact, str):
        return None
    if exact is not None:
        field, mats = exact
        v = [field.rational(Fraction(float(x))) for x in model.h0]
        for m in letters:
            v = [field.dot(row, v) for row in mats[m]]
        values = [field.dot([field.rational(Fraction(float(c))) for c in row], v)
                  for row in model.readout]
        if model.bias is not None:
            values = [field.add(x, field.rational(Fraction(float(b))))
                      for x, b in zip(values, model.bias)]
        wins = [y for y in range(len(values))
                if all(field.sign(field.sub(values[y], x)) > 0
                       for z, x in enumerate(values) if z != y)]
        return wins[0] if wins else None
    A = model.transitions
    h = [Fraction(float(x)) for x in model.h0]
    for m in letters:
        h = [sum((Fraction(float(x)) * v for x, v in zip(row, h) if x and v), Fraction(0))
             for row in A[m]]
    scores = [sum((Fraction(float(c)) * v for c, v in zip(row, h) if c and v), Fraction(0))
              for row in model.readout]
    if model.bias is not None:
        scores = [s + Fraction(float(b)) for s, b in zip(scores, model.bias)]
    best = max(range(len(scores)), key=lambda y: scores[y])
    return best if sum(s == scores[best] for s in scores) == 1 else None


def _wrong_exactly(model: BilinearModel, automaton: MooreMachine, word: Sequence[str]) -> bool:
    """The exact model mispredicts (or ties on) ``word``; bounded to short words."""
    if len(word) > 10_000 or model.hidden_size > 2_000:
        return False
    al_letters = [model.alphabet.index(s) for s in word]
    q = automaton.start
    for s in word:
        q = int(automaton.transitions[q, automaton.symbol_index[s]])
    row_of = {label_key(lab): i for i, lab in enumerate(model.output_labels)}
    want = row_of.get(label_key(automaton.outputs[q]))
    return exact_prediction(model, al_letters) != want


# -- dispatch ----------------------------------------------------------------------------------


def _exact_transitions(model: BilinearModel) -> np.ndarray | str:
    """Float matrices equal to the exact transitions the parameters define, or the reason
    they cannot be had exactly."""
    if get_rung(model.rung).structure is not Structure.FACTORED:
        return model.transitions
    U, V, d = (model.params[k] for k in ("U", "V", "d"))
    if not all(np.array_equal(x, np.round(x)) for x in (U, V, d)):
        return ("CP factors with non-integer entries: the float product may round; exact "
                "materialisation is not implemented")
    # every partial sum of the products is an integer of size at most this bound, and
    # floats hold such integers exactly below 2^53
    bound = U.shape[1] * math.prod(float(np.abs(x).max(initial=0)) for x in (U, V, d))
    if bound < 2.0**53:
        return model.transitions
    return (f"CP factors with integer entries whose sums may reach {bound:.3g} ≥ 2^53: the "
            "float product may round; exact materialisation is not implemented")


def prove(model: BilinearModel, automaton: MooreMachine, *, max_pairs: int = 2_000_000,
          max_points: int = 1_000_000) -> Proof:
    """Prove or refute, exactly, that the model the arrays define computes ``automaton``.

    Parameters
    ----------
    model, automaton
        The model (its stored arrays) and the task.
    max_pairs
        Cap on the finite-image searches.
    max_points
        Cap on letter-count grid points × units of the count bound.

    Returns
    -------
    Proof
        ``proved`` only when an exact method succeeded; a counterexample only when the exact
        model was evaluated on it and found wrong.

    Examples
    --------
    >>> from automata_bilinear import build, compile_bilinear
    >>> m = build("cyclic:5")
    >>> proof = prove(compile_bilinear(m, "rotation"), m)
    >>> proof.proved, proof.method.name
    (True, 'PHASE_IMAGE')
    """
    model = check_model(model, "model")
    automaton = check_machine(automaton, "automaton")
    # the behaviour is what counts: work on the minimal automaton (same words, same outputs)
    automaton = minimize(automaton).machine
    al = align(model, automaton)
    params = model.params
    structure = get_rung(model.rung).structure
    if "blocks_sqrt" in params:
        return _quadratic_image(model, automaton, al, max_pairs)
    if structure is Structure.MONOMIAL and np.count_nonzero(model.h0) == 1:
        # straight from the stored index and scale arrays: no (D, H, H) matrices
        return _signed_one_hot(model, automaton, al, params["index"].astype(np.int64),
                               params["scale"], max_pairs)
    # a PD model whose unit map is the identity is diagonal: its units are the scales
    diagonal_pd = structure is Structure.MONOMIAL and model.acts_diagonally
    if set(params) == set(PHASE_UNITS) or set(params) == set(PHASE_BLOCKS) or \
            structure is Structure.DIAGONAL or diagonal_pd or "complex_eigenvalues" in params:
        units = _units(model)
        if isinstance(units, str):
            return Proof(False, ProofMethod.NONE, units)
        unit_moduli = {m for u in units for m in u.moduli}
        if unit_moduli <= {Fraction(1)}:
            return _phase_image(model, automaton, al, units, max_pairs)
        if structure.diagonal or diagonal_pd:
            return _count_bound(model, automaton, al, units, max_points)
    if structure is Structure.REFLECTIONS:
        return _householder_proof(model, automaton, al, max_pairs)
    A = _exact_transitions(model)
    if isinstance(A, str):
        return Proof(False, ProofMethod.NONE, A)
    monomial = (np.count_nonzero(A, axis=1) <= 1).all() and np.count_nonzero(model.h0) == 1
    if monomial:
        return _signed_one_hot(model, automaton, al, *_monomial_columns(A), max_pairs)
    if _exact_valued_shape(model, automaton, al):
        proof = _wfa_equivalence(model, automaton, al, A)
        if proof is not None:
            return proof
    try:
        return _rational_image(model, automaton, al, A, max_pairs)
    except MemoryError as exc:  # pragma: no cover - depends on the machine
        raise ResourceLimitError(f"exact image search ran out of memory: {exc}") from None


# -- stacks of layers (docs/theory.md §12) ------------------------------------------------------


@dataclass(frozen=True)
class _LayerStepper:
    """One layer as an exact finite system: a start state, a step per model letter and the
    predicted readout row of a state (None on a tie or an undecided enclosure)."""

    start: object
    step: Callable[[object, int], object]
    predict: Callable[[object], int | None]


def _phase_stepper(model: BilinearModel, units: list[_Unit]) -> _LayerStepper:
    C = _columns(model, units)

    def step(state: tuple, m: int) -> tuple:
        return tuple(((u.turns[m] + (-t if u.reflections[m] else t)) % u.period,
                      f ^ u.reflections[m]) for u, (t, f) in zip(units, state))

    margins = _PhaseMargins(C, units)

    def predict(state: tuple) -> int | None:
        for t in range(len(C)):
            if all(margins.lower(t, y, state)[0] > 0 for y in range(len(C)) if y != t):
                return t
        return None

    return _LayerStepper(tuple((0, 0) for _ in units), step, predict)


def _vector_stepper(model: BilinearModel, field: RealNumberField,
                    mats: list[list[list[FieldElement]]]) -> _LayerStepper:
    """Exact vectors over ``field``: without a bias each is rescaled by a positive number so
    that its first nonzero entry is ±1 (a canonical representative of its ray, which fixes
    every prediction); the prediction is the row whose score beats every other exactly."""
    bias = None if model.bias is None else [field.rational(Fraction(float(b)))
                                             for b in model.bias]
    C = [[field.rational(Fraction(float(c))) for c in row] for row in model.readout]

    def normal(v: tuple) -> tuple:  # a positive rescaling fixes every bias-free prediction
        lead = next((x for x in v if any(x)), None)
        if bias is not None or lead is None:
            return v
        inv = field.inverse(lead)
        return tuple(field.mul(field.neg(inv) if field.sign(lead) < 0 else inv, x) for x in v)

    def step(v: tuple, m: int) -> tuple:
        w = normal(tuple(field.dot(row, v) for row in mats[m]))
        if max((x.denominator.bit_length() + abs(x.numerator).bit_length()
                for e in w for x in e), default=0) > MAX_BITS:
            raise _Stop(f"exact vectors grow beyond {MAX_BITS} bits: the image is not finite")
        return w

    def predict(v: tuple) -> int | None:
        scores = [field.dot(row, v) for row in C]
        if bias is not None:
            scores = [field.add(s, b) for s, b in zip(scores, bias)]
        wins = [t for t in range(len(C)) if all(field.sign(field.sub(scores[t], s)) > 0
                                                 for y, s in enumerate(scores) if y != t)]
        return wins[0] if wins else None

    start = normal(tuple(field.rational(Fraction(float(x))) for x in model.h0))
    return _LayerStepper(start, step, predict)


def _layer_stepper(model: BilinearModel) -> _LayerStepper | str:
    """The exact stepper of one layer, from its stored arrays, or why there is none."""
    p = model.params
    if set(p) in (set(PHASE_UNITS), set(PHASE_BLOCKS)) and model.bias is None:
        units = _units(model)
        if isinstance(units, list) and {m for u in units for m in u.moduli} <= {Fraction(1)}:
            return _phase_stepper(model, units)
    exact = _field_matrices(model)
    if isinstance(exact, str):
        return exact
    if exact is None:
        A = _exact_transitions(model)
        if isinstance(A, str):
            return A
        if model.hidden_size ** 2 * model.n_symbols > 4_000_000:
            return f"layer with H = {model.hidden_size}: exact dense matrices too large"
        field = _RATIONALS
        exact = (field, [[[(Fraction(float(x)),) for x in row] for row in m] for m in A])
    return _vector_stepper(model, *exact)


def prove_stack(stack: StackedModel, automaton: MooreMachine, *,
                max_pairs: int = 2_000_000) -> Proof:
    """Prove or refute, exactly, that a stack computes ``automaton`` on every word.

    Breadth-first search over (automaton state, exact state of every layer): each token
    steps layer 0, each layer's exact prediction picks the next layer's letter through the
    stored interface, and the stored output table must give the automaton's output. Layer
    states are exact phases (rotation-type layers) or exact vectors (rational or
    number-field matrices), as for single models.

    Examples
    --------
    >>> from automata_bilinear import build, compile_stack
    >>> m = build("symmetric:3")
    >>> prove_stack(compile_stack(m), m).proved
    True
    """
    stack = check_stack(stack, "stack")
    automaton = minimize(check_machine(automaton, "automaton")).machine
    method = ProofMethod.CASCADE_IMAGE
    if set(stack.alphabet) != set(automaton.alphabet):
        raise VerificationError(f"stack alphabet {sorted(stack.alphabet)[:10]} differs from the "
                                f"automaton's {sorted(automaton.alphabet)[:10]}")
    keys = [label_key(lab) for lab in stack.output_labels]
    row_of = {k: i for i, k in enumerate(keys)}
    want = [row_of.get(label_key(lab), -1) for lab in automaton.output_labels]
    token = [stack.alphabet.index(s) for s in automaton.alphabet]
    steppers = []
    for i, layer in enumerate(stack.layers):
        found = _layer_stepper(layer)
        if isinstance(found, str):
            return Proof(False, ProofMethod.NONE, f"layer {i}: {found}")
        steppers.append(found)

    def labels(states: tuple) -> tuple[int, ...] | None:
        out = []
        for s, st in zip(steppers, states):
            y = s.predict(st)
            if y is None:
                return None
            out.append(y)
        return tuple(out)

    def step(states: tuple, a: int) -> tuple:
        x = token[a]
        new: list[object] = []
        ys: list[int] = []
        for i, (s, st) in enumerate(zip(steppers, states)):
            letter = x if i == 0 else int(stack.interfaces[i - 1][(*ys, x)])
            nxt = s.step(st, letter)
            y = s.predict(nxt)
            if y is None:
                raise _Stop(f"layer {i} ties or cannot be decided after a token")
            new.append(nxt)
            ys.append(y)
        return tuple(new)

    walked = _walk(automaton, tuple(s.start for s in steppers), step, max_pairs,
                   "layer states", hidden=stack.hidden_size)
    if isinstance(walked, str):
        return Proof(False, method, walked)
    pairs, parent = walked
    for i, (q, states) in enumerate(pairs):
        ys = labels(states)
        got = None if ys is None else int(stack.output[ys])
        if got is None or got != want[int(automaton.output_codes[q])]:
            word = _word(automaton, _rebuild(parent, i))
            return Proof(False, method, "the stack's output is wrong or undecided after "
                                        f"'{' '.join(word) or 'ε'}'", counterexample=word,
                         image_size=len(pairs))
    return Proof(True, method, f"{len(pairs)} reachable (state, {stack.depth} layer states) "
                               "tuples; every layer prediction and the stack output are right "
                               "(exact)", image_size=len(pairs))
