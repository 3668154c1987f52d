"""Command-line interface ``automata-bilinear`` (also ``python -m automata_bilinear``).

Every subcommand accepts ``--json`` and then prints exactly one JSON object on stdout. Errors
print ``automata-bilinear: error: …`` on stderr and exit with status 2 (with ``--json`` an
``{"error": {"type": …, "message": …}}`` object is printed on stdout as well).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ._version import __version__
from .automaton import encode_word
from .certificates import load_certificate, save_certificate
from .classify import classify
from .compilation import RUNG_ORDER, compile_bilinear, compile_lowest
from .equivalence import find_counterexample
from .errors import AutomataBilinearError, SpecError
from .formats import automaton_to_json, to_dot, write_text_atomic
from .minimization import minimize
from .model import RUNGS, BilinearModel
from .model_io import automaton_hash, load_model, save_model
from .simulate import output_trace
from .specs import build, family_table
from .summary import machine_summary
from .verify import verify

__all__ = ["DEMO_SPECS", "main"]

DEMO_SPECS = (
    "parity", "cyclic:5", "counter:3", "cycle_navigation:5", "modular_arithmetic:5",
    "even_pairs", "flipflop", "occurred", "threshold:3", "reset_cyclic:3", "dihedral:4",
    "symmetric:3", "alternating:4", "quaternion", "cyclic:2*cyclic:3",
    "random:states=10,symbols=3,seed=0",
)


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(text)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def _label(x: Any) -> str:
    return json.dumps(list(x) if isinstance(x, tuple) else x) if not isinstance(x, str) else x


def cmd_families(args: argparse.Namespace) -> None:
    rows = family_table()
    text = _table([[r["usage"], r["summary"]] for r in rows], ["spec", "description"])
    text += ("\n\nProducts: A*B (letters are pairs, all components step), A+B (disjoint "
             "letters, one component steps). A path to a .json automaton is also a spec.")
    _emit(args, {"families": rows}, text)


def _summary_text(s: dict[str, Any]) -> str:
    lines = [
        f"{s['name'] or 'automaton'}",
        f"  states: {s['states']} ({s['reachable_states']} reachable, {s['minimal_states']} "
        "after minimisation)",
        f"  alphabet ({s['symbols']}): {' '.join(s['alphabet'])}"
        + (" ..." if s["symbols"] > len(s["alphabet"]) else ""),
        f"  outputs: {', '.join(_label(o) for o in s['output_labels'])}",
        f"  every letter permutes the minimal states (group automaton): "
        f"{'yes' if s['group_automaton'] else 'no'}",
        f"  distinguishing depth (Moore refinement rounds): {s['distinguishing_depth']}",
    ]
    table = s.get("transitions")
    if table:
        alphabet = list(next(iter(table["rows"].values())).keys())
        rows = [
            [q, _label(o), " ".join(w) or "ε", *[table["rows"][q][a] for a in alphabet]]
            for q, o, w in zip(table["states"], table["outputs"], table["access_words"])
        ]
        lines += ["", "minimal machine (state, output, shortest access word, next state per "
                  "symbol):", _table(rows, ["state", "output", "access", *alphabet])]
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace) -> None:
    machine = build(args.spec)
    summary = machine_summary(machine, table_limit=args.table_limit)
    summary["spec"] = args.spec
    _emit(args, summary, _summary_text(summary))


def cmd_export(args: argparse.Namespace) -> None:
    machine = build(args.spec)
    if args.minimal:
        machine = minimize(machine).machine
    content = automaton_to_json(machine) if args.format == "json" else to_dot(machine)
    payload: dict[str, Any] = {"spec": args.spec, "format": args.format,
                               "states": machine.n_states}
    if args.output:
        write_text_atomic(args.output, content)
        payload["path"] = args.output
        _emit(args, payload, f"wrote {args.format} of {machine.n_states} states to {args.output}")
    else:
        payload["content"] = content
        if args.json:
            _emit(args, payload, "")
        else:
            sys.stdout.write(content)


def cmd_trace(args: argparse.Namespace) -> None:
    machine = build(args.spec)
    word = encode_word(machine, args.word)
    outs = output_trace(machine, word)
    symbols = ["ε", *[machine.alphabet[a] for a in word.tolist()]]
    payload = {"spec": args.spec, "word": symbols[1:],
               "outputs": [list(o) if isinstance(o, tuple) else o for o in outs]}
    text = _table([[str(t), s, _label(o)] for t, (s, o) in enumerate(zip(symbols, outs))],
                  ["step", "symbol", "output"])
    _emit(args, payload, text)


def cmd_equiv(args: argparse.Namespace) -> None:
    a, b = build(args.spec_a), build(args.spec_b)
    word = find_counterexample(a, b)
    payload: dict[str, Any] = {"spec_a": args.spec_a, "spec_b": args.spec_b,
                               "equivalent": word is None,
                               "method": "breadth-first search over reachable state pairs "
                                         "(exact, all lengths)"}
    if word is None:
        text = f"equivalent: {args.spec_a} and {args.spec_b} agree on every word (exact)"
    else:
        from .simulate import final_output

        oa, ob = final_output(a, list(word)), final_output(b, list(word))
        payload["counterexample"] = list(word)
        payload["outputs"] = [_label(oa), _label(ob)]
        text = (f"different: shortest counterexample {' '.join(word) or 'ε (empty word)'} "
                f"gives {_label(oa)} vs {_label(ob)}")
    _emit(args, payload, text)


def _model_info(model: BilinearModel) -> dict[str, Any]:
    return {
        "rung": model.rung, "hidden": model.hidden_size, "params": model.parameter_count,
        "symbols": model.n_symbols, "outputs": len(model.output_labels),
        "construction": model.construction,
        "exact_method": (model.exact or {}).get("method"),
    }


def cmd_compile(args: argparse.Namespace) -> None:
    machine = build(args.spec)
    if args.rung == "auto":
        model = compile_lowest(machine)
    else:
        model = compile_bilinear(machine, args.rung, block_size=args.block_size,
                                 exact_valued=args.exact_valued)
    report = None if args.no_verify else verify(model, machine, steps=args.steps)
    model.metadata.update({"automaton": machine.name, "automaton_hash": automaton_hash(machine)})
    if report is not None:
        model.metadata["verification"] = {"method": report.method, "proved": report.proved,
                                          "detail": report.detail}
    payload: dict[str, Any] = {"spec": args.spec, "model": _model_info(model),
                               "verification": None if report is None else report.to_json()}
    if args.output:
        save_model(model, args.output)
        payload["path"] = args.output
    lines = [f"{args.spec} on {model.rung}: H = {model.hidden_size}, "
             f"{model.parameter_count} transition parameters, {model.construction}"]
    if report is not None:
        lines.append(report.summary())
    if args.output:
        lines.append(f"wrote {args.output}")
    _emit(args, payload, "\n".join(lines))


def cmd_verify(args: argparse.Namespace) -> None:
    model = load_model(args.model)
    machine = build(args.spec)
    report = verify(model, machine, steps=args.steps)
    payload = {"model": args.model, "spec": args.spec, **report.to_json()}
    _emit(args, payload, report.summary())


def cmd_show_model(args: argparse.Namespace) -> None:
    model = load_model(args.model)
    info = {**_model_info(model), "alphabet": list(model.alphabet),
            "output_labels": [_label(o) for o in model.output_labels],
            "metadata": model.metadata}
    text = "\n".join([
        f"{args.model}: {model.rung} model, H = {model.hidden_size}, D = {model.n_symbols}, "
        f"Y = {len(model.output_labels)}",
        f"  construction: {model.construction or '(user model)'}",
        f"  transition parameters: {model.parameter_count}",
        f"  exact description: {info['exact_method'] or 'none (numerical checks only)'}",
        f"  automaton: {model.metadata.get('automaton', '?')} "
        f"(hash {model.metadata.get('automaton_hash', '?')})",
        f"  recorded verification: {model.metadata.get('verification', 'none')}",
    ])
    _emit(args, {"model": args.model, **info}, text)


def _classify_rows(report: Any) -> list[list[Any]]:
    rows = []
    for rung, v in report.rungs.items():
        if v.verdict == "yes":
            detail = v.construction or ""
            if v.bounds:
                detail += "; bounds " + ", ".join(f"{k} in {val}" for k, val in v.bounds.items())
        else:
            detail = v.certificate.describe() if v.certificate else v.note
        rows.append([rung, v.verdict, "" if v.hidden is None else v.hidden,
                     "" if v.params is None else v.params, v.method, detail])
    return rows


def cmd_classify(args: argparse.Namespace) -> None:
    machine = build(args.spec)
    report = classify(machine)
    payload = report.to_json()
    payload["spec"] = args.spec
    saved = []
    if args.save_certificates:
        from pathlib import Path

        folder = Path(args.save_certificates)
        folder.mkdir(parents=True, exist_ok=True)
        for rung, v in report.rungs.items():
            if v.certificate is not None:
                path = folder / f"{rung}.{v.certificate.kind}.json"
                save_certificate(v.certificate, path, automaton=args.spec)
                saved.append(str(path))
        payload["saved_certificates"] = saved
    head = (f"{args.spec}: {report.minimal_states} minimal states; lowest rung: "
            f"{report.lowest_rung} (H = {report.rungs[report.lowest_rung].hidden})")
    if report.group:
        head += f"\ntransition group: {report.group}"
    if report.hankel:
        head += (f"\nHankel rank {report.hankel['rank']}: an exact-valued readout needs "
                 f"H ≥ {report.hankel['rank']}")
    text = head + "\n\n" + _table(_classify_rows(report),
                                   ["rung", "verdict", "H", "params", "method",
                                    "construction / certificate"])
    if saved:
        text += "\n\nsaved certificates: " + ", ".join(saved)
    _emit(args, payload, text)


def cmd_check_certificate(args: argparse.Namespace) -> None:
    cert = load_certificate(args.certificate)
    machine = build(args.spec)
    check = cert.check(machine)
    payload = {"certificate": args.certificate, "spec": args.spec, "kind": cert.kind,
               "valid": check.ok, "reason": check.reason, "rules_out": list(check.rules_out)}
    verdict = "VALID" if check.ok else "INVALID"
    _emit(args, payload, f"{verdict} {cert.kind.upper()} certificate for {args.spec}: "
                         f"{check.reason}" + (f"\nrules out: {', '.join(check.rules_out)}"
                                               if check.ok else ""))
    if not check.ok:
        raise SystemExit(1)


def cmd_commute(args: argparse.Namespace) -> None:
    from .prop2 import commutation_check, prop2_obstruction

    model = load_model(args.model)
    if args.spec:
        result = prop2_obstruction(model, build(args.spec), tol=args.tol)
    else:
        result = {"commutation": commutation_check(model, tol=args.tol).to_json()}
    c = result["commutation"]
    text = (f"{args.model}: matrices {'commute' if c['commute'] else 'do not commute'}; shared "
            f"eigenbasis: {'yes' if c['shared_eigenbasis'] else 'no'} ({c['method']})")
    if "conclusion" in result:
        text += "\n" + result["conclusion"]
    _emit(args, {"model": args.model, **result}, text)


def cmd_run(args: argparse.Namespace) -> None:
    import numpy as np

    from .rnn import forward

    model = load_model(args.model)
    tokens = args.input.split() if any(c.isspace() for c in args.input) else (
        list(args.input) if all(len(s) == 1 for s in model.alphabet) else [args.input])
    unknown = [t for t in tokens if t not in model.alphabet]
    if unknown:
        from .errors import UnknownSymbolError

        raise UnknownSymbolError(f"unknown symbol {unknown[0]!r}; the model's alphabet is: "
                                 + ", ".join(model.alphabet[:20]))
    x = np.array([[model.alphabet.index(t) for t in tokens]], dtype=np.int64)
    out = forward(model, x, dtype=args.dtype)
    preds = [model.output_labels[p] for p in out.predictions[0].tolist()]
    margins = out.margins[0].tolist()
    payload = {"model": args.model, "input": tokens, "dtype": args.dtype,
               "predictions": [list(p) if isinstance(p, tuple) else p for p in preds],
               "margins": margins, "log_norm": float(out.log_norm[0])}
    rows = [[t, tok, _label(p), f"{m:.4g}"] for t, (tok, p, m) in
            enumerate(zip(["ε", *tokens], preds, margins))]
    _emit(args, payload, _table(rows, ["step", "token", "prediction", "margin"]))


def cmd_parity(args: argparse.Namespace) -> None:
    from .prop3 import (
        finite_precision_success,
        learned_readout_success,
        monte_carlo_existence,
        plot_prop3,
        prop3_table,
    )

    mc = monte_carlo_existence(args.hidden, args.encoding, args.trials, seed=args.seed)
    learned = learned_readout_success(args.hidden, args.encoding, seed=args.seed + 1)
    finite = finite_precision_success(args.hidden, args.encoding, seed=args.seed + 2,
                                      steps=args.steps)
    lo, hi = mc["interval"]
    payload: dict[str, Any] = {
        "hidden": args.hidden, "encoding": args.encoding, "formula": mc["formula"],
        "existence": {**mc, "interval": [lo, hi]}, "learned_readout": learned,
        "finite_precision": finite}
    k = 1 if args.encoding == "scalar" else 2
    lines = [
        f"Proposition 3, {args.encoding} encoding, H = {args.hidden}",
        f"  formula 1 − (1 − 2^−{k})^H        = {mc['formula']:.6f}",
        f"  existence (Monte Carlo, {args.trials} trials) = {mc['estimate']:.6f}, 99.99% "
        f"interval [{lo:.6f}, {hi:.6f}] {'contains' if mc['contains_formula'] else 'MISSES'} "
        "the formula",
        f"  learned readout (least squares on '0', '1', long words) = {learned['rate']:.3f}"
        + (f" (theory {learned['prediction']})" if learned["prediction"] else
           " (theory: falls with H)"),
        f"  float32 with normalisation, {finite['steps']} steps = {finite['rate']:.3f}; "
        f"all-length limit {finite['all_length_limit']:.3f}"
        + (f" (theory {finite['prediction']})" if finite["prediction"] else
           " (theory: falls with H)"),
        "  (existence is a theorem checked by Monte Carlo; the other two are evidence)",
    ]
    if args.plot:
        sizes = tuple(h for h in (1, 2, 4, 8, 16, 32, 64) if h <= max(args.hidden, 1))
        rows = prop3_table(sizes, args.encoding, trials=min(args.trials, 100_000),
                           seed=args.seed)
        plot_prop3(rows, args.plot)
        payload["plot"] = args.plot
        payload["sweep"] = [r.to_json() for r in rows]
        lines.append(f"  wrote {args.plot}")
    _emit(args, payload, "\n".join(lines))


def cmd_plot(args: argparse.Namespace) -> None:
    from . import plotting

    kind = args.kind
    if kind == "hierarchy":
        plotting.plot_hierarchy([classify(build(s)) for s in args.specs], path=args.output)
    else:
        if len(args.specs) != 1:
            raise SpecError(f"plot {kind} takes exactly one spec, got {len(args.specs)}")
        machine = build(args.specs[0])
        if kind == "automaton":
            plotting.plot_automaton(minimize(machine).machine if args.minimal else machine,
                                    path=args.output)
        else:
            model = (compile_lowest(machine) if args.rung == "auto"
                     else compile_bilinear(machine, args.rung))
            if kind == "weights":
                plotting.plot_weights(model, path=args.output)
            elif kind == "eigenvalues":
                plotting.plot_eigenvalues(model, path=args.output)
            else:
                plotting.plot_accuracy_vs_length(model, machine, length=args.length,
                                                 path=args.output)
    _emit(args, {"kind": kind, "specs": args.specs, "path": args.output},
          f"wrote {args.output}")


def cmd_demo(args: argparse.Namespace) -> None:
    rows = []
    for spec in DEMO_SPECS:
        s = machine_summary(build(spec), table_limit=0)
        rows.append({"spec": spec, **{k: s[k] for k in (
            "states", "minimal_states", "symbols", "group_automaton", "distinguishing_depth")},
            "outputs": len(s["output_labels"])})
    table = _table(
        [[r["spec"], r["states"], r["minimal_states"], r["symbols"], r["outputs"],
          "yes" if r["group_automaton"] else "no", r["distinguishing_depth"]] for r in rows],
        ["family", "states", "minimal", "symbols", "outputs", "group", "depth"],
    )
    compiled = []
    for spec in DEMO_SPECS:
        machine = build(spec)
        model = compile_lowest(machine)
        report = verify(model, machine, numerical=False)
        compiled.append({"spec": spec, **_model_info(model), "proof": report.method,
                         "proved": report.proved})
    table2 = _table(
        [[r["spec"], r["rung"], r["hidden"], r["params"], r["construction"][:44],
          f"{'yes' if r['proved'] else 'NO'} ({r['proof']})"] for r in compiled],
        ["family", "lowest rung", "H", "params", "construction", "proved for all lengths"],
    )
    hierarchy = []
    short = {"positive_diagonal": "pos", "sign_diagonal": "sign", "real_diagonal": "real",
             "rotation": "rot", "complex_diagonal": "cplx", "orthogonal_block": "orth",
             "block": "block", "cp": "cp", "full": "full"}
    for spec in DEMO_SPECS:
        rep = classify(build(spec))
        cells = {r: ("yes" if v.verdict == "yes" else
                     (v.certificate.kind.upper() if v.certificate else v.verdict))
                 for r, v in rep.rungs.items()}
        hierarchy.append({"spec": spec, "lowest_rung": rep.lowest_rung, "verdicts": cells})
    table3 = _table([[h["spec"], *[h["verdicts"][r] for r in RUNG_ORDER]] for h in hierarchy],
                    ["family", *[short[r] for r in RUNG_ORDER]])
    text = ("automata_bilinear demo: the built-in families, minimised exactly\n\n" + table
            + "\n\nCompiled on the narrowest rung that fits and proved exactly:\n\n"
            + table2
            + "\n\nHierarchy (yes = compiled and proved; otherwise the certificate that rules "
              "the rung out, re-checked on the automaton):\n\n" + table3
            + "\n\nNext: `automata-bilinear show dihedral:3`, `automata-bilinear compile "
              "quaternion --rung orthogonal_block`.")
    _emit(args, {"families": rows, "compiled": compiled, "hierarchy": hierarchy}, text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="automata-bilinear",
        description="Finite automata and groups for bilinear-RNN expressivity research.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.set_defaults(func=func)
        return p

    add("families", cmd_families, "list the built-in families and their spec syntax")
    p = add("show", cmd_show, "describe an automaton: sizes, minimal machine, table")
    p.add_argument("spec", help="family spec (see `families`) or a .json automaton file")
    p.add_argument("--table-limit", type=int, default=12,
                   help="print the transition table when the minimal machine has at most "
                        "this many states and symbols (default 12)")
    p = add("export", cmd_export, "write an automaton as versioned JSON or Graphviz DOT")
    p.add_argument("spec")
    p.add_argument("--format", choices=("json", "dot"), default="json")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    p.add_argument("--minimal", action="store_true", help="export the minimal machine")
    p = add("trace", cmd_trace, "run an automaton on a word and print the output at every step")
    p.add_argument("spec")
    p.add_argument("word", help='e.g. "0 1 1 0" (space-separated) or "0110"')
    p = add("equiv", cmd_equiv, "decide equivalence exactly; print a shortest counterexample")
    p.add_argument("spec_a")
    p.add_argument("spec_b")
    p = add("compile", cmd_compile, "compile an automaton into bilinear weights and prove it")
    p.add_argument("spec")
    p.add_argument("--rung", default="auto", choices=("auto", *RUNGS),
                   help="rung of the hierarchy (default auto: the narrowest that fits, in the "
                        "order " + ", ".join(RUNG_ORDER) + ")")
    p.add_argument("--block-size", type=int, default=None,
                   help="largest block for block / orthogonal_block")
    p.add_argument("--exact-valued", action="store_true",
                   help="full rung: minimal exact-valued model (dimension = Hankel rank)")
    p.add_argument("-o", "--output", help="write the model to this .npz file")
    p.add_argument("--steps", type=int, default=10_000,
                   help="length of the random words of the numerical check (default 10000)")
    p.add_argument("--no-verify", action="store_true", help="skip verification")
    p = add("verify", cmd_verify, "prove a saved model against an automaton (all lengths)")
    p.add_argument("model", help="a .npz model file")
    p.add_argument("spec")
    p.add_argument("--steps", type=int, default=10_000)
    p = add("show-model", cmd_show_model, "describe a saved .npz model")
    p.add_argument("model")
    p = add("classify", cmd_classify, "every rung: proven yes, certified no, or open")
    p.add_argument("spec")
    p.add_argument("--save-certificates", metavar="DIR",
                   help="write each 'no' certificate as JSON into DIR")
    p = add("check-certificate", cmd_check_certificate,
            "re-check a saved certificate by running the automaton (exit 1 if invalid)")
    p.add_argument("certificate", help="a certificate .json file")
    p.add_argument("spec")
    p = add("commute", cmd_commute, "Prop. 2: do a model's matrices commute / share an "
                                    "eigenbasis, and what that rules out")
    p.add_argument("model", help="a .npz model file")
    p.add_argument("spec", nargs="?", help="a task to test against (optional)")
    p.add_argument("--tol", type=float, default=1e-9, help="relative tolerance (floats)")
    p = add("run", cmd_run, "run a saved model on an input; per-step predictions and margins")
    p.add_argument("model", help="a .npz model file")
    p.add_argument("--input", required=True, help='e.g. "0 1 1 0"')
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p = add("parity", cmd_parity, "Proposition 3: frozen random real-diagonal weights and "
                                  "parity")
    p.add_argument("--hidden", type=int, default=8, help="hidden size H (default 8)")
    p.add_argument("--encoding", choices=("scalar", "onehot"), default="scalar")
    p.add_argument("--trials", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=2_000,
                   help="length of the float32 runs (default 2000)")
    p.add_argument("--plot", metavar="FILE", help="also sweep H = 1, 2, 4, … and plot the "
                                                   "three rates (PNG/SVG; needs matplotlib)")
    p = add("plot", cmd_plot, "write a figure: automaton, weights, eigenvalues, hierarchy, "
                              "accuracy (PNG/SVG/PDF by suffix; needs matplotlib)")
    p.add_argument("kind", choices=("automaton", "weights", "eigenvalues", "hierarchy",
                                    "accuracy"))
    p.add_argument("specs", nargs="+", help="one spec (several for hierarchy)")
    p.add_argument("-o", "--output", required=True, help="output file (.png, .svg, .pdf)")
    p.add_argument("--rung", default="auto", choices=("auto", *RUNGS))
    p.add_argument("--length", type=int, default=2_000, help="accuracy: word length")
    p.add_argument("--minimal", action="store_true", help="automaton: draw the minimal one")
    add("demo", cmd_demo, "the main job: describe, compile and prove the built-in families")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 success, 2 error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except AutomataBilinearError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": {"type": type(exc).__name__, "message": str(exc)}}))
        print(f"automata-bilinear: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
