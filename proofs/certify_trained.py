"""All-length proofs of models with no exact description, and shortest wrong words: the
region certificates of docs/theory.md §13 on contracting models, the drift length of a
rotation checked against its closed form, and the remark on group tasks.

Run:  python proofs/certify_trained.py        (exit status 0 iff every step holds)

Claims (docs/theory.md §13):
1. regions — the contracting shift register of last_letters:k (k = 1, 2, 3; 2 and 5 letters),
   hidden in H = 64 by a random rotation and perturbed by weight noise 10⁻³ and 10⁻², gets a
   region certificate that the trusted checker accepts, float64 and float32 included; every
   such model agrees with direct DFA simulation on all words up to length 5 and on long random
   words (a plain float loop, not the package's forward engine); zeroing any radius or moving
   any centre onto another makes the checker refuse;
2. wrong words — the same models at noise 2 are wrong, on a word that the plain loop
   confirms;
3. drift — Z_m with letter j rotating by j(2π/m + δ): the first wrong word has length
   ⌊π/(m(m−1)δ)⌋ + 1, for m ∈ {3, 5, 7} and δ ∈ {10⁻³, 2·10⁻⁴}; the exact model (δ = 0,
   integer phases) is proved;
4. the remark — perturbed models (noise 10⁻³) of group word problems (Z_5, S_3, Q_8) are
   never proved by regions, and the certifier finds a wrong word for each.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from transcript import Transcript, run

import automata_bilinear as ab
from automata_bilinear.checker.regions import RegionCertificate


def plain_predictions(model: ab.BilinearModel, word: list[int]) -> list[int | None]:
    A, C = model.transitions, model.readout
    h = model.h0 / np.linalg.norm(model.h0)
    out = []
    for t in range(len(word) + 1):
        s = C @ h
        top = np.sort(s)[-2:]
        out.append(None if top[1] <= top[0] else int(np.argmax(s)))
        if t < len(word):
            h = A[word[t]] @ h
            h = h / np.linalg.norm(h)
    return out


def agrees(model: ab.BilinearModel, task: ab.MooreMachine, word: list[int]) -> bool:
    row = {y: i for i, y in enumerate(model.output_labels)}
    want = [row[y] for y in ab.output_trace(task, [task.alphabet[a] for a in word])]
    return plain_predictions(model, word) == want


def rotation(m: int, delta: float) -> ab.BilinearModel:
    task = ab.build(f"cyclic:{m}")
    lam = [[np.exp(1j * int(s) * (2 * np.pi / m + delta))] for s in task.alphabet]
    C = [[math.cos(2 * math.pi * j / m), math.sin(2 * math.pi * j / m)] for j in range(m)]
    return ab.BilinearModel("rotation", {"complex_eigenvalues": lam,
                                         "real_eigenvalues": np.zeros((m, 0))},
                            h0=[1.0, 0.0], readout=C, alphabet=task.alphabet,
                            output_labels=tuple(str(j) for j in range(m)))


def main() -> int:
    t = Transcript("Certifying models with no exact description",
                   __doc__.split("Run:")[1].split("\n", 1)[1])
    rng = np.random.default_rng(0)
    t.section("1-2. Contracting shift registers under weight noise")
    for k, D in [(1, 2), (1, 5), (2, 2), (2, 5), (3, 2)]:
        task = ab.last_letters(k, D)
        base = ab.shift_register_model(k, D, hidden=64, seed=k * 10 + D)
        for noise in (1e-3, 1e-2):
            model = ab.perturb(base, noise, seed=7)
            rep = ab.certify(model, task)
            short = all(agrees(model, task, list(w)) for n in range(6)
                        for w in itertools.product(range(D), repeat=n))
            long = all(agrees(model, task, rng.integers(0, D, 400).tolist()) for _ in range(3))
            t.step(f"last_letters:{k},symbols={D}, noise {noise:g}: {rep.verdict} with "
                   f"{rep.extracted_states} regions, float {rep.float_proved}",
                   rep.verdict == "proved" and set(rep.float_proved) == {"float64", "float32"}
                   and short and long)
            cert = rep.certificate
            if cert is None:
                continue
            refused = []
            for i in range(cert.n_nodes):
                radii = cert.radii.copy()
                radii[i] = 0.0  # a ball of radius 0 cannot hold an image with rounding
                centres = cert.centres[0].copy()
                centres[i] = centres[(i + 1) % cert.n_nodes] if cert.n_nodes > 1 else -centres[i]
                for edit in (dict(radii=radii), dict(centres=(centres,))):
                    fields = dict(alphabet=cert.alphabet, words=cert.words,
                                  successors=cert.successors, centres=cert.centres,
                                  radii=cert.radii, model_fingerprint=cert.model_fingerprint)
                    fields.update(edit)
                    refused.append(not ab.check_region_certificate(RegionCertificate(**fields),
                                                                   model, task).ok)
            t.step(f"   every zeroed radius and moved centre refused ({len(refused)} edits)",
                   all(refused))
        bad = ab.perturb(base, 2.0, seed=7)
        rep = ab.certify(bad, task)
        confirmed = rep.word is not None and not agrees(
            bad, task, [bad.alphabet.index(s) for s in rep.word])
        t.step(f"last_letters:{k},symbols={D}, noise 2: {rep.verdict} at length {rep.length}, "
               "confirmed by the plain loop", rep.verdict == "wrong" and confirmed)
    t.section("3. The drift length of a rotation, by hand")
    for m in (3, 5, 7):
        task = ab.build(f"cyclic:{m}")
        for delta in (1e-3, 2e-4):
            n = math.floor(math.pi / (m * (m - 1) * delta)) + 1
            rep = ab.certify(rotation(m, delta), task, search_length=max(2000, 2 * n))
            t.step(f"Z_{m}, δ = {delta:g}: wrong at length {rep.length}, closed form {n}",
                   rep.verdict == "wrong" and rep.length == n
                   and rep.word == (str(m - 1),) * n)
        rep = ab.certify(ab.compile_bilinear(task, "rotation"), task)
        t.step(f"Z_{m}, δ = 0 (integer phases): {rep.verdict} — {rep.method}",
               rep.verdict == "proved")
    t.section("4. Group word problems are never region-certified")
    for spec in ("cyclic:5", "symmetric:3", "quaternion"):
        task = ab.build(spec)
        noisy = ab.perturb(ab.compile_lowest(task), 1e-3, seed=3)
        rep = ab.certify(noisy, task, search_length=3000)
        t.step(f"{spec}, noise 10⁻³: {rep.verdict}"
               + (f" at length {rep.length}" if rep.word else f" ({rep.reason[:60]})"),
               rep.verdict == "wrong")
    return t.finish("The certification claims")


if __name__ == "__main__":
    run(main)
