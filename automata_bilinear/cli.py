"""Command-line interface ``automata-bilinear`` (also ``python -m automata_bilinear``).

Every subcommand accepts ``--json`` and then prints exactly one JSON object on stdout, errors
included (``{"error": {"type": …, "message": …}}``). Exit status: 0 success; 1 a negative
answer that is not an error (``verify``: not proved, ``check-certificate``: invalid);
2 bad input or a refused resource estimate, with one line ``automata-bilinear: error: …``
on stderr; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Every option is validated
before any work starts; options that do not apply to the chosen mode are errors.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from . import plotting
from ._version import __version__
from .automata.equivalence import find_counterexample
from .automata.machine import encode_word
from .automata.minimization import minimize
from .automata.simulate import final_output, output_trace
from .catalog.specs import build, family_table
from .catalog.summary import machine_summary
from .certify import certify, word_text
from .checker.certificates import Certificate
from .checker.regions import RegionCertificate, check_region_certificate
from .classify import classify
from .compilation import STACK_RUNGS, compile_bilinear, compile_lowest, compile_stack
from .errors import (
    AutomataBilinearError,
    ConfigurationError,
    OutputPathError,
    SpecError,
    UnknownSymbolError,
    UsageError,
)
from .frozen import thaw
from .io.certificate_file import (
    load_any_certificate,
    save_certificate,
    save_region_certificate,
)
from .io.files import FIGURE_SUFFIXES, check_output_path, write_text_atomic
from .io.formats import automaton_hash, automaton_to_json, to_dot
from .io.model_file import load_model, save_model
from .io.weights import ROLE_NAMES, import_weights
from .limits import budget, parse_size
from .model import BilinearModel, stored_exact_form
from .progress import progress, show_progress
from .propositions.prop2 import commutation_check, prop2_obstruction
from .propositions.prop3 import (
    finite_precision_success,
    learned_readout_success,
    monte_carlo_existence,
    plot_prop3,
    prop3_table,
)
from .rnn import forward
from .rungs import RUNG_ORDER, RUNGS, get_rung
from .stack import StackedModel
from .training.config import PRESETS, preset_config
from .training.loop import train
from .training.parameterisations import TRAINABLE_RUNGS
from .training.reproduce import reproduce
from .training.sweep import parse_rung_choice, sweep, sweep_grid
from .validation import is_ascii_integer
from .verify import verify

__all__ = ["DEMO_SPECS", "console_main", "main"]

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
        "  distinguishing depth (Moore refinement rounds): "
        + (str(s["distinguishing_depth"]) if s["distinguishing_depth"] is not None else
           f"more than {s['distinguishing_depth_at_least'] - 1} (Hopcroft finished)"),
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
    if args.output is not None:
        check_output_path(args.output, what="output file")
    machine = build(args.spec)
    if args.minimal:
        machine = minimize(machine).machine
    content = automaton_to_json(machine) if args.format == "json" else to_dot(machine)
    payload: dict[str, Any] = {"spec": args.spec, "format": args.format,
                               "states": machine.n_states}
    if args.output is not None:
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
        oa, ob = final_output(a, list(word)), final_output(b, list(word))
        payload["counterexample"] = list(word)
        payload["outputs"] = [_label(oa), _label(ob)]
        text = (f"different: shortest counterexample {' '.join(word) or 'ε (empty word)'} "
                f"gives {_label(oa)} vs {_label(ob)}")
    _emit(args, payload, text)


def _model_info(model: BilinearModel | StackedModel) -> dict[str, Any]:
    if isinstance(model, StackedModel):
        return {"rung": "stack", "depth": model.depth, "hidden": model.hidden_size,
                "params": model.parameter_count, "symbols": model.n_symbols,
                "outputs": len(model.output_labels), "construction": model.construction,
                "layers": [_model_info(m) for m in model.layers]}
    return {
        "rung": model.rung, "hidden": model.hidden_size, "params": model.parameter_count,
        "factors": (int(model.params["betas"].shape[1]) if get_rung(model.rung).sized_factors
                    else None),
        "symbols": model.n_symbols, "outputs": len(model.output_labels),
        "construction": model.construction,
        "exact_method": stored_exact_form(model),
    }


def cmd_compile(args: argparse.Namespace) -> None:
    sized = [r for r in RUNGS if get_rung(r).sized_blocks]
    if args.block_size is not None and args.rung not in sized:
        raise UsageError(f"--block-size applies only with --rung {' or '.join(sized)} "
                         f"(got --rung {args.rung})")
    factored = [r for r in RUNGS if get_rung(r).sized_factors]
    if args.factors is not None and args.rung not in factored:
        raise UsageError(f"--factors applies only with --rung {' or '.join(factored)} "
                         f"(got --rung {args.rung})")
    if args.exact_valued and (args.rung == "auto"
                              or "minimal_wfa" not in get_rung(args.rung).constructions):
        raise UsageError(f"--exact-valued applies only with --rung full (got --rung {args.rung})")
    if args.layers is not None and (args.factors is not None or args.block_size is not None
                                    or args.exact_valued):
        raise UsageError("--layers builds a stack of commutative layers; it does not combine "
                         "with --factors, --block-size or --exact-valued")
    if args.layers is not None and args.rung not in ("auto", *STACK_RUNGS):
        raise UsageError(f"--layers stacks {' or '.join(STACK_RUNGS)} layers (got --rung "
                         f"{args.rung})")
    if args.no_verify and args.steps is not None:
        raise UsageError("--steps sets the numerical check, which --no-verify skips; give one")
    if args.output is not None:
        check_output_path(args.output, suffixes=(".npz",), what="model file")
    steps = _DEFAULT_STEPS if args.steps is None else args.steps
    machine = build(args.spec)
    if args.layers is not None:
        model = compile_stack(machine, "rotation" if args.rung == "auto" else args.rung,
                              layers=args.layers)
    elif args.rung == "auto":
        model = compile_lowest(machine)
    else:
        model = compile_bilinear(machine, args.rung, block_size=args.block_size,
                                 exact_valued=args.exact_valued, factors=args.factors)
    report = None if args.no_verify else verify(model, machine, numerical=steps > 0,
                                                steps=max(steps, 1))
    info: dict[str, Any] = {**thaw(model.metadata), "automaton": machine.name,
                            "automaton_hash": automaton_hash(machine)}
    if report is not None:
        info["verification"] = {"method": report.method, "proved": report.proved,
                                "detail": report.detail}
    model = replace(model, metadata=info)
    payload: dict[str, Any] = {"spec": args.spec, "model": _model_info(model),
                               "verification": None if report is None else report.to_json()}
    if args.output is not None:
        save_model(model, args.output)
        payload["path"] = args.output
    if isinstance(model, StackedModel):
        lines = [f"{args.spec} as {model.depth} {model.layers[0].rung} layer(s): H = "
                 f"{'+'.join(str(m.hidden_size) for m in model.layers)}, "
                 f"{model.parameter_count} transition parameters, {model.construction}"]
    else:
        count = model.params["betas"].shape[1] if get_rung(model.rung).sized_factors else 0
        n_factors = (f", {count} factor{'s' if count != 1 else ''} per letter" if count
                     else "")
        lines = [f"{args.spec} on {model.rung}: H = {model.hidden_size}{n_factors}, "
                 f"{model.parameter_count} transition parameters, {model.construction}"]
    if report is not None:
        lines.append(report.summary())
    if args.output is not None:
        lines.append(f"wrote {args.output}")
    _emit(args, payload, "\n".join(lines))


def cmd_verify(args: argparse.Namespace) -> int:
    model = load_model(args.model)
    machine = build(args.spec)
    report = verify(model, machine, numerical=args.steps > 0, steps=max(args.steps, 1))
    payload = {"model": args.model, "spec": args.spec, **report.to_json()}
    _emit(args, payload, report.summary())
    return 0 if report.proved else 1


def cmd_show_model(args: argparse.Namespace) -> None:
    model = load_model(args.model)
    if isinstance(model, StackedModel):
        layers = [_model_info(m) for m in model.layers]
        info = {"depth": model.depth, "layers": layers, "alphabet": list(model.alphabet),
                "output_labels": [_label(o) for o in model.output_labels],
                "construction": model.construction, "metadata": thaw(model.metadata)}
        text = "\n".join([f"{args.model}: stack of {model.depth} layers, D = "
                          f"{model.n_symbols}, Y = {len(model.output_labels)}",
                          f"  construction: {model.construction or '(user stack)'}",
                          *(f"  layer {i}: {m['rung']}, H = {m['hidden']}, "
                            f"{m['symbols']} letters, {m['outputs']} labels — "
                            f"{m['construction']}" for i, m in enumerate(layers))])
        _emit(args, {"model": args.model, **info}, text)
        return
    info = {**_model_info(model), "alphabet": list(model.alphabet),
            "output_labels": [_label(o) for o in model.output_labels],
            "metadata": thaw(model.metadata)}
    text = "\n".join([
        f"{args.model}: {model.rung} model, H = {model.hidden_size}, D = {model.n_symbols}, "
        f"Y = {len(model.output_labels)}",
        f"  construction: {model.construction or '(user model)'}",
        f"  transition parameters: {model.parameter_count}",
        f"  exact model (what the checker proves): {info['exact_method']}",
        f"  automaton: {model.metadata.get('automaton', '?')} "
        f"(hash {model.metadata.get('automaton_hash', '?')})",
        f"  recorded verification (as written in the file, not re-checked; run `verify`): "
        f"{model.metadata.get('verification', 'none')}",
    ])
    _emit(args, {"model": args.model, **info}, text)


def _bound_text(name: str, value: Any) -> str:
    """``(2, 3)`` → ``2 ≤ block_size ≤ 3``; ``(3, 3)`` → ``least H = 3``; a number → ``≥``."""
    if name == "computed_from_characters":
        return f"character table: n = {value[0]}, H = {value[1]}"
    if isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = value
        where = ""
        if name == "H_from_one_hot_h0":
            name, where = "H", " from a one-hot h0"
        return (f"least {name}{where} = {low}" if low == high
                else f"{low} ≤ least {name}{where} ≤ {high}")
    if name == "R_lower_for_exact_valued_readout":
        return f"R ≥ {value} for an exact-valued readout"
    return f"{name}: {value}"


def _classify_rows(report: Any) -> list[list[Any]]:
    rows = []
    for rung, v in report.rungs.items():
        if v.verdict == "yes":
            detail = v.construction or ""
            if v.bounds:
                detail += "; " + ", ".join(_bound_text(k, val) for k, val in v.bounds.items())
        else:
            detail = v.certificate.describe() if v.certificate else v.note
        rows.append([rung, v.verdict, "" if v.hidden is None else v.hidden,
                     "" if v.params is None else v.params, v.method, detail])
    return rows


def cmd_classify(args: argparse.Namespace) -> None:
    folder = None
    if args.save_certificates is not None:
        folder = Path(args.save_certificates)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--save-certificates {args.save_certificates!r}: exists and is "
                             "not a folder")
        if not folder.is_dir():
            check_output_path(folder, what="certificate folder")  # its parent must exist
        try:
            folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputPathError(f"certificate folder {str(folder)!r}: cannot create it "
                                  f"({exc.strerror})") from None
    machine = build(args.spec)
    report = classify(machine)
    payload = report.to_json()
    payload["spec"] = args.spec
    saved = []
    if folder is not None:
        for rung, v in report.rungs.items():
            for cert in (v.certificate, v.bound_certificate):
                if cert is not None:
                    path = folder / f"{rung}.{cert.kind}.json"
                    save_certificate(cert, path, automaton=args.spec)
                    saved.append(str(path))
        if report.depth and report.depth.get("certificate"):
            cert = Certificate.from_json(report.depth["certificate"])
            path = folder / f"stack.{cert.kind}.json"
            save_certificate(cert, path, automaton=args.spec)
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
    notes = [f"  {rung}: {v.note}" for rung, v in report.rungs.items()
             if v.note and v.verdict == "yes"]
    if notes:
        text += "\n\nnotes:\n" + "\n".join(notes)
    if report.depth:
        text += f"\n\ndepth ({report.depth['rung']} stacks): {report.depth['note']}"
    if saved:
        text += "\n\nsaved certificates: " + ", ".join(saved)
    _emit(args, payload, text)


def cmd_check_certificate(args: argparse.Namespace) -> int:
    cert = load_any_certificate(args.certificate)
    machine = build(args.spec)
    if isinstance(cert, RegionCertificate):
        if args.model is None:
            raise UsageError(f"{args.certificate} is a region certificate: give the model it is "
                             "about with --model MODEL.npz")
        model = load_model(args.model)
        if isinstance(model, StackedModel):
            raise UsageError(f"{args.model} is a stack; region certificates are about one model")
        region = check_region_certificate(cert, model, machine)
        payload = {"certificate": args.certificate, "spec": args.spec, "model": args.model,
                   "kind": "region", "valid": region.ok, "reason": region.reason,
                   "float_proved": list(region.float_proved),
                   "least_slack": region.least_slack, "least_margin": region.least_margin}
        text = (f"{'VALID' if region.ok else 'INVALID'} region certificate for {args.model} on "
                f"{args.spec}: {region.reason}")
        if region.ok:
            text += ("\nproved: the exact model computes the task on every word; float "
                     "forward pass proved in: " + (", ".join(region.float_proved) or "none"))
        _emit(args, payload, text)
        return 0 if region.ok else 1
    if args.model is not None:
        raise UsageError("--model applies to region certificates only; "
                         f"{args.certificate} is a {cert.kind} certificate about an automaton")
    check = cert.check(machine)
    payload = {"certificate": args.certificate, "spec": args.spec, "kind": cert.kind,
               "valid": check.ok, "reason": check.reason, "rules_out": list(check.rules_out)}
    verdict = "VALID" if check.ok else "INVALID"
    _emit(args, payload, f"{verdict} {cert.kind.upper()} certificate for {args.spec}: "
                         f"{check.reason}" + (f"\nrules out: {', '.join(check.rules_out)}"
                                               if check.ok else ""))
    return 0 if check.ok else 1


def cmd_certify(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_output_path(args.output, suffixes=(".json",), what="certificate file")
    model = load_model(args.model)
    machine = build(args.spec)
    report = certify(model, machine, tolerances=tuple(args.tolerance or (1e-1, 1e-2, 1e-3,
                                                                         1e-5)),
                     max_states=args.max_states, search_length=args.search_length)
    payload = {"model": args.model, "spec": args.spec, **report.to_json()}
    if report.verdict == "proved":
        text = (f"PROVED for all lengths: {args.model} computes {args.spec}\n  method: "
                f"{report.method}\n  {report.reason}\n  float forward pass proved in: "
                + (", ".join(report.float_proved) or "none (the exact model only)"))
    elif report.verdict == "wrong":
        text = (f"WRONG at length {report.length}: {args.model} mispredicts {args.spec} on "
                f"{word_text(report.word or ())}\n  found by: {report.method}\n  wrong in: "
                + ", ".join(report.wrong_in))
    else:
        text = (f"INCONCLUSIVE: {report.reason}\n  searched lassos up to length "
                f"{report.searched_length}; no wrong word found")
    for note in report.notes:
        text += f"\n  note: {note}"
    if report.extracted_states is not None:
        text += (f"\n  extraction: {report.extracted_states} states at tolerance "
                 f"{report.tolerance:g} (largest merge {report.max_merge:.3g}, explored to "
                 f"length {report.explored_depth})")
    text += f"\n  time: {report.timings.get('total', 0.0):.2f} s"
    if args.output is not None:
        if report.certificate is None:
            text += "\n  no region certificate to write (" + (
                "the proof is exact; re-run `verify`" if report.verdict == "proved"
                else "nothing was proved") + ")"
            payload["saved_certificate"] = None
        else:
            save_region_certificate(report.certificate, args.output, automaton=args.spec,
                                    model=args.model)
            text += (f"\n  certificate: {args.output} (re-check: automata-bilinear "
                     f"check-certificate {args.output} {args.spec} --model {args.model})")
            payload["saved_certificate"] = args.output
    _emit(args, payload, text)
    return 0 if report.verdict == "proved" else 1


def _name_mapping(items: Sequence[str]) -> dict[str, str]:
    names = {}
    for item in items:
        role, sep, array = item.partition("=")
        if not sep or role not in ROLE_NAMES or not array:
            raise UsageError(f"--name {item!r}: expected ROLE=ARRAY with ROLE one of "
                             + ", ".join(ROLE_NAMES))
        names[role] = array
    return names


def _list_option(text: str | None, what: str) -> list[Any] | None:
    if text is None:
        return None
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{what}: not a JSON list ({exc.msg})") from None
        if not isinstance(value, list):
            raise UsageError(f"{what}: expected a JSON list")
        return value
    return [t.strip() for t in text.split(",")]


def cmd_import_weights(args: argparse.Namespace) -> None:
    check_output_path(args.output, suffixes=(".npz",), what="model file")
    model = import_weights(args.weights, layout=args.layout, names=_name_mapping(args.name),
                           alphabet=_list_option(args.alphabet, "--alphabet"),
                           output_labels=_list_option(args.labels, "--labels"))
    save_model(model, args.output)
    payload = {"weights": args.weights, "output": args.output, "hidden": model.hidden_size,
               "symbols": model.n_symbols, "outputs": len(model.output_labels),
               "bias": model.bias is not None}
    _emit(args, payload, f"{args.weights} → {args.output}: full model, H = {model.hidden_size}, "
                         f"D = {model.n_symbols}, Y = {len(model.output_labels)}"
                         + (" (readout with bias)" if model.bias is not None else ""))


def cmd_commute(args: argparse.Namespace) -> None:
    model = load_model(args.model)
    if isinstance(model, StackedModel):
        raise UsageError(f"{args.model} is a stack of {model.depth} layers; `commute` checks "
                         "one model's matrices")
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
    model = load_model(args.model)
    tokens = [] if not args.input.strip() else args.input.split() if any(
        c.isspace() for c in args.input) else (
        list(args.input) if all(len(s) == 1 for s in model.alphabet) else [args.input])
    unknown = [t for t in tokens if t not in model.alphabet]
    if unknown:
        raise UnknownSymbolError(f"unknown symbol {unknown[0]!r}; the model's alphabet is: "
                                 + ", ".join(model.alphabet[:20]))
    x = np.array([[model.alphabet.index(t) for t in tokens]], dtype=np.int64)
    with np.errstate(all="ignore"):  # reported below instead of as numpy warnings
        out = forward(model, x, dtype=args.dtype)
    preds = [model.output_labels[p] for p in out.predictions[0].tolist()]
    margins = out.margins[0].tolist()
    payload = {"model": args.model, "input": tokens, "dtype": args.dtype,
               "predictions": [list(p) if isinstance(p, tuple) else p for p in preds],
               "margins": margins, "log_norm": float(out.log_norm[0])}
    rows = [[t, tok, _label(p), f"{m:.4g}"] for t, (tok, p, m) in
            enumerate(zip(["ε", *tokens], preds, margins))]
    text = _table(rows, ["step", "token", "prediction", "margin"])
    if len(model.output_labels) > 1 and not np.all(np.isfinite(out.margins)):
        payload["note"] = (f"non-finite margins: the model's values do not fit {args.dtype} "
                           "arithmetic (overflow or underflow); these predictions mean nothing")
        text += f"\nnote: {payload['note']}"
    _emit(args, payload, text)


def cmd_parity(args: argparse.Namespace) -> None:
    if args.plot is not None:
        check_output_path(args.plot, suffixes=FIGURE_SUFFIXES, what="figure")
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
    if args.plot is not None:
        sizes = tuple(h for h in (1, 2, 4, 8, 16, 32, 64) if h <= max(args.hidden, 1))
        rows = prop3_table(sizes, args.encoding, trials=min(args.trials, 100_000),
                           seed=args.seed)
        plot_prop3(rows, args.plot)
        payload["plot"] = args.plot
        payload["sweep"] = [r.to_json() for r in rows]
        lines.append(f"  wrote {args.plot}")
    _emit(args, payload, "\n".join(lines))


def _training_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The training options given on the command line (None: the preset's value)."""
    names = ("hidden", "steps", "batch", "eval_sequences", "val_sequences", "loss", "dtype",
             "clip", "early_stop", "eval_every", "rank", "block_size", "factors", "beta_max")
    out = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    if getattr(args, "train_lengths", None) is not None:
        out["train_lengths"] = tuple(args.train_lengths)
    if getattr(args, "eval_lengths", None) is not None:
        out["eval_lengths"] = tuple(args.eval_lengths)
    if getattr(args, "additive", False):
        out["additive"] = True
    return out


def _test_rows(test: dict[str, Any] | None) -> list[list[str]]:
    return [[length, f"{m['per_token']:.3f}", f"{m['per_sequence']:.3f}",
             f"{m['per_sequence_normalised']:.3f}"] for length, m in (test or {}).items()]


def cmd_train(args: argparse.Namespace) -> int:
    if args.output is not None:
        check_output_path(args.output, suffixes=(".npz",), what="model file")
    if args.curve is not None:
        check_output_path(args.curve, suffixes=FIGURE_SUFFIXES, what="figure")
    rung, options = parse_rung_choice(args.rung)
    overrides = _training_overrides(args)
    for name, value in options.items():
        if overrides.get(name, value) != value:
            raise UsageError(f"--rung {args.rung} sets {name} = {value}, but "
                             f"--{name.replace('_', '-')} {overrides[name]} was also given")
    config = preset_config(args.preset, args.spec, rung, lr=args.lr, seed=args.seed,
                           **{**overrides, **options})
    result = train(config, show_progress=not args.json)
    record = result.record
    payload: dict[str, Any] = {"key": record["key"], "config": record["config"],
                               "status": record["status"], "reason": record["reason"],
                               "steps_run": record["steps_run"],
                               "early_stopped": record["early_stopped"],
                               "val_loss": record["val_loss"], "test": record["test"],
                               "seconds": record["seconds"]}
    lines = [f"trained {rung} (H = {config.hidden}) on {config.task}: {record['status']}"
             + (f" — {record['reason']}" if record["reason"] else ""),
             f"  {record['steps_run']} steps in {record['seconds']:.1f} s"
             + (" (stopped early)" if record["early_stopped"] else "")
             + (f", validation loss {record['val_loss']:.3g}"
                if record["val_loss"] is not None else "")]
    if record["test"]:
        lines.append(_table(_test_rows(record["test"]),
                            ["length", "per-token", "per-sequence", "normalised"]))
    if args.output is not None and result.model is not None:
        save_model(result.model, args.output)
        payload["output"] = args.output
        lines.append(f"  wrote {args.output} (an ordinary {result.model.rung} model"
                     + (" in H + 1 dimensions: the additive term lifted" if args.additive
                        else "") + "; verify, certify, run apply)")
    if args.curve is not None:
        plotting.plot_learning_curve(record, path=args.curve)
        payload["curve"] = args.curve
        lines.append(f"  wrote {args.curve}")
    _emit(args, payload, "\n".join(lines))
    return 0 if record["status"] == "ok" else 1


def _scheduler_options(args: argparse.Namespace) -> str | None:
    """The Dask scheduler to use (``--scheduler``, else DASK_SCHEDULER_ADDRESS), refusing
    options that the chosen mode would silently ignore."""
    scheduler = args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    source = "--scheduler" if args.scheduler else "DASK_SCHEDULER_ADDRESS"
    if scheduler is not None and args.jobs is not None:
        raise UsageError(f"--jobs sets local worker processes, but {source} sends "
                         "the runs to a Dask cluster, whose workers run them; "
                         "drop --jobs")
    if scheduler is None and getattr(args, "timeout", None) is not None:
        raise UsageError("--timeout is how long to wait for a Dask scheduler; "
                         "there is none (give --scheduler or drop --timeout)")
    return scheduler


def cmd_sweep(args: argparse.Namespace) -> int:
    check_output_path(args.results, suffixes=(".jsonl",), what="results file")
    overrides = _training_overrides(args)
    overrides.pop("hidden", None)
    configs = sweep_grid(args.tasks, args.rungs, preset=args.preset, hidden=args.hidden,
                         learning_rates=args.lr, seeds=args.seeds, **overrides)
    scheduler = _scheduler_options(args)
    report = sweep(configs, args.results, jobs=args.jobs or 1, scheduler=scheduler,
                   timeout=10.0 if args.timeout is None else args.timeout,
                   show_progress=not args.json)
    counts: dict[str, int] = {}
    for r in report.records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    payload = {"results": str(report.path), "configurations": len(report.records),
               "ran": report.ran, "skipped": report.skipped, "status": counts}
    text = (f"{len(report.records)} configurations: ran {report.ran}, found {report.skipped} "
            f"already in {report.path}; status "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    _emit(args, payload, text)
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    overrides = {"steps": args.steps} if args.steps is not None else {}
    scheduler = _scheduler_options(args)
    out = reproduce(args.out, preset=args.preset, jobs=args.jobs or 2, scheduler=scheduler,
                    show_progress=not args.json, **overrides)
    payload = {"out": args.out, "ran": out["ran"], "skipped": out["skipped"],
               "runs": out["runs"], "figure": out["figure"],
               "status": out["summary"]["status"]}
    _emit(args, payload, f"ran {out['ran']} runs ({out['skipped']} already done); wrote "
                         f"{args.out}/results.md, summary.json"
                         + (", accuracy_vs_m.png" if out["figure"] else
                            " (no figure: matplotlib is not installed)"))
    return 0


_PLOT_OPTIONS = {"rung": ("weights", "eigenvalues", "accuracy"), "length": ("accuracy",),
                 "minimal": ("automaton",)}


def cmd_plot(args: argparse.Namespace) -> None:
    kind = args.kind
    for option, kinds in _PLOT_OPTIONS.items():
        if getattr(args, option) not in (None, False) and kind not in kinds:
            raise UsageError(f"--{option} applies only to plot {' / '.join(kinds)}, not to "
                             f"plot {kind}")
    check_output_path(args.output, suffixes=FIGURE_SUFFIXES, what="figure")
    rung = args.rung or "auto"
    length = _DEFAULT_PLOT_LENGTH if args.length is None else args.length
    if kind in ("hierarchy", "architectures"):
        reports = [classify(build(s)) for s in progress(args.specs, desc="classifying")]
        (plotting.plot_hierarchy if kind == "hierarchy" else plotting.plot_architectures)(
            reports, path=args.output)
    else:
        if len(args.specs) != 1:
            raise SpecError(f"plot {kind} takes exactly one spec, got {len(args.specs)}")
        machine = build(args.specs[0])
        if kind == "automaton":
            plotting.plot_automaton(minimize(machine).machine if args.minimal else machine,
                                    path=args.output)
        else:
            model = (compile_lowest(machine) if rung == "auto"
                     else compile_bilinear(machine, rung))
            if kind == "weights":
                plotting.plot_weights(model, path=args.output)
            elif kind == "eigenvalues":
                plotting.plot_eigenvalues(model, path=args.output)
            else:
                plotting.plot_accuracy_vs_length(model, machine, length=length,
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
    for spec in progress(DEMO_SPECS, desc="compiling and proving"):
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
    for spec in progress(DEMO_SPECS, desc="classifying"):
        rep = classify(build(spec))
        cells = {r: ("yes" if v.verdict == "yes" else
                     (v.certificate.kind.upper() if v.certificate else v.verdict))
                 for r, v in rep.rungs.items()}
        factors = rep.rungs["householder"].bounds.get("factors")
        depth = rep.depth or {}
        hierarchy.append({
            "spec": spec, "lowest_rung": rep.lowest_rung, "verdicts": cells,
            "householder_factors": "?" if factors is None else (
                str(factors[0]) if factors[0] == factors[1] else f"{factors[0]}–{factors[1]}"),
            "rotation_layers": ("never" if depth.get("certificate", {}) and
                                depth["certificate"]["kind"] == "perfect"
                                else depth.get("least_layers") or "–")})
    table3 = _table([[h["spec"], *[h["verdicts"][r] for r in RUNG_ORDER],
                      h["householder_factors"], h["rotation_layers"]] for h in hierarchy],
                    ["family", *[get_rung(r).label for r in RUNG_ORDER], "hh n",
                     "rot layers"])
    text = ("automata_bilinear demo: the built-in families, minimised exactly\n\n" + table
            + "\n\nCompiled on the narrowest rung that fits and proved exactly:\n\n"
            + table2
            + "\n\nHierarchy (yes = compiled and proved; otherwise the certificate that rules "
              "the rung out, re-checked on the automaton; hh n = fewest Householder factors "
              "per letter, rot layers = fewest rotation layers of a stack):\n\n" + table3
            + "\n\nNext: `automata-bilinear show dihedral:3`, `automata-bilinear compile "
              "quaternion --rung orthogonal_block`.")
    _emit(args, {"families": rows, "compiled": compiled, "hierarchy": hierarchy}, text)


_DEFAULT_STEPS = 10_000
_DEFAULT_PLOT_LENGTH = 2_000


def _integer(minimum: int, maximum: int | None = None) -> Any:
    """An argparse type: an ASCII integer in [minimum, maximum]."""
    def parse(text: str) -> int:
        if not is_ascii_integer(text):
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        value = int(text)
        if value < minimum or (maximum is not None and value > maximum):
            bound = (f"at least {minimum}" if maximum is None
                     else f"between {minimum} and {maximum}")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse


def _number(minimum: float, below: float) -> Any:
    """An argparse type: a finite float in [minimum, below)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or not minimum <= value < below:
            raise argparse.ArgumentTypeError(
                f"must be a finite number in [{minimum:g}, {below:g}), got {text}")
        return value
    parse.__name__ = "number"
    return parse


def _positive_number(text: str) -> float:
    """An argparse type: a finite float > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


_positive_number.__name__ = "number"


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_size.__name__ = "size"


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, except where the help already states one or there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default is None or action.default is False or "default" in text:
            return text
        return super()._get_help_string(action) or text


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing and exiting, so every
    command-line problem goes through the one error path (and ``--json`` sees it)."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


_SPEC_HELP = "family spec (see `automata-bilinear families`) or a .json automaton file"
_MODEL_HELP = "a .npz model file (written by `compile -o`)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="automata-bilinear", allow_abbrev=False,
        description="Finite automata and groups for bilinear-RNN expressivity research.",
        epilog="Exit status: 0 success, 1 negative answer (verify: not proved; "
               "check-certificate: invalid), 2 bad input or refused estimate, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)

    def add(name: str, func: Any, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False,
                           formatter_class=_DefaultsFormatter, **kwargs)
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        p.add_argument("--max-bytes", type=_size, default=None, metavar="SIZE",
                       help="memory budget of the operation, e.g. 8G (default: "
                            "AUTOMATA_BILINEAR_MAX_BYTES or 4 GiB)")
        p.add_argument("--max-work", type=_size, default=None, metavar="STEPS",
                       help="work budget in elementary steps, e.g. 1e11 (default: "
                            "AUTOMATA_BILINEAR_MAX_WORK or 2e10)")
        p.set_defaults(func=func)
        return p

    add("families", cmd_families, "list the built-in families and their spec syntax")
    p = add("show", cmd_show, "describe an automaton: sizes, minimal machine, table")
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("--table-limit", type=_integer(0, 10_000), default=12,
                   help="print the transition table when the minimal machine has at most "
                        "this many states and symbols")
    p = add("export", cmd_export, "write an automaton as versioned JSON or Graphviz DOT")
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("--format", choices=("json", "dot"), default="json", help="output format")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    p.add_argument("--minimal", action="store_true", help="export the minimal machine")
    p = add("trace", cmd_trace, "run an automaton on a word and print the output at every step")
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("word", help='the input word: "0 1 1 0" (space-separated symbols) or "0110" '
                                "(one character per symbol); \"\" is the empty word")
    p = add("equiv", cmd_equiv, "decide equivalence exactly; print a shortest counterexample")
    p.add_argument("spec_a", help="first automaton (" + _SPEC_HELP + ")")
    p.add_argument("spec_b", help="second automaton, same alphabet")
    p = add("compile", cmd_compile, "compile an automaton into bilinear weights and prove it")
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("--rung", default="auto", choices=("auto", *RUNGS),
                   help="rung of the hierarchy (auto: the narrowest that fits, in the order "
                        + ", ".join(RUNG_ORDER) + ")")
    p.add_argument("--block-size", type=_integer(1), default=None,
                   help="largest block (only with --rung block / orthogonal_block)")
    p.add_argument("--factors", type=_integer(1), default=None,
                   help="most Householder factors per letter (only with --rung householder; "
                        "default: the fewest the constructions reach)")
    p.add_argument("--exact-valued", action="store_true",
                   help="minimal exact-valued model, dimension = Hankel rank (only with "
                        "--rung full)")
    p.add_argument("--layers", type=_integer(1), default=None,
                   help="a stack of at most this many commutative layers along the derived "
                        "series (with --rung auto = rotation, or complex_diagonal)")
    p.add_argument("-o", "--output", help="write the model to this .npz file")
    p.add_argument("--steps", type=_integer(0, 10**7), default=None,
                   help=f"length of the random words of the numerical evidence; 0 skips it "
                        f"(default {_DEFAULT_STEPS})")
    p.add_argument("--no-verify", action="store_true", help="skip verification")
    p = add("verify", cmd_verify, "prove a saved model against an automaton (all lengths); "
                                  "exit 1 if not proved")
    p.add_argument("model", help=_MODEL_HELP)
    p.add_argument("spec", help="the task: " + _SPEC_HELP)
    p.add_argument("--steps", type=_integer(0, 10**7), default=_DEFAULT_STEPS,
                   help="length of the random words of the numerical evidence; 0 skips it")
    p = add("show-model", cmd_show_model, "describe a saved .npz model")
    p.add_argument("model", help=_MODEL_HELP)
    p = add("classify", cmd_classify, "every rung: proven yes, certified no, or open")
    p.add_argument("spec", help=_SPEC_HELP)
    p.add_argument("--save-certificates", metavar="DIR",
                   help="write each 'no' certificate as JSON into DIR (an existing folder)")
    p = add("check-certificate", cmd_check_certificate,
            "re-check a saved certificate by running the automaton (exit 1 if invalid)")
    p.add_argument("certificate", help="a certificate .json file (from classify "
                                       "--save-certificates)")
    p.add_argument("spec", help="the automaton it is about: " + _SPEC_HELP)
    p.add_argument("--model", help="the model a region certificate is about (.npz)")
    p = add("certify", cmd_certify, "prove a (trained) model right for every length, or find "
                                    "a word it gets wrong (exit 1 unless proved)")
    p.add_argument("model", help=_MODEL_HELP + " (or from `import-weights`)")
    p.add_argument("spec", help="the task: " + _SPEC_HELP)
    p.add_argument("-o", "--output", help="write the region certificate to this .json file")
    p.add_argument("--tolerance", type=_number(1e-15, 2.0), action="append",
                   help="merge tolerance of the extraction (repeat to try several, loosest "
                        "first; default 0.1, 0.01, 0.001, 1e-5)")
    p.add_argument("--max-states", type=_integer(1, 10**6), default=2_000,
                   help="most abstract states an extraction may create")
    p.add_argument("--search-length", type=_integer(1, 10**7), default=2_000,
                   help="length of the lassos w·u^k of the drift search")
    p = add("import-weights", cmd_import_weights,
            "turn trained weights (.npz or .safetensors) into a model file")
    p.add_argument("weights", help="an .npz or .safetensors file")
    p.add_argument("-o", "--output", required=True, help="the model file to write (.npz)")
    p.add_argument("--layout", choices=("auto", "hhd", "dhh"), default="auto",
                   help="axis order of the transition weight: (H, H, D) or (D, H, H)")
    p.add_argument("--name", action="append", default=[], metavar="ROLE=ARRAY",
                   help="array name for a role (" + ", ".join(ROLE_NAMES) + "); repeatable")
    p.add_argument("--alphabet", help='letter labels, "a,b,c" or a JSON list (default 0, 1, …)')
    p.add_argument("--labels", help='output labels, "x,y" or a JSON list (default 0, 1, …)')
    p = add("commute", cmd_commute, "Prop. 2: do a model's matrices commute / share an "
                                    "eigenbasis, and what that rules out")
    p.add_argument("model", help=_MODEL_HELP)
    p.add_argument("spec", nargs="?", help="a task over the model's alphabet (optional)")
    p.add_argument("--tol", type=_number(0.0, 1.0), default=1e-9,
                   help="relative tolerance for float matrices")
    p = add("run", cmd_run, "run a saved model on an input; per-step predictions and margins")
    p.add_argument("model", help=_MODEL_HELP)
    p.add_argument("--input", required=True, help='e.g. "0 1 1 0"; "" is the empty word')
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="arithmetic of the forward pass")
    p = add("parity", cmd_parity, "Proposition 3: frozen random real-diagonal weights and "
                                  "parity")
    p.add_argument("--hidden", type=_integer(1, 65_536), default=8, help="hidden size H")
    p.add_argument("--encoding", choices=("scalar", "onehot"), default="scalar",
                   help="input encoding")
    p.add_argument("--trials", type=_integer(1), default=100_000,
                   help="Monte Carlo trials (bounded by the work budget)")
    p.add_argument("--seed", type=_integer(0), default=0, help="seed of the random draws")
    p.add_argument("--steps", type=_integer(1, 10**7), default=2_000,
                   help="length of the float32 runs")
    p.add_argument("--plot", metavar="FILE", help="also sweep H = 1, 2, 4, … and plot the "
                                                   "three rates (.png/.svg/.pdf; needs "
                                                   "matplotlib)")
    plot_help = ("write a figure (.png/.svg/.pdf; needs matplotlib). Kinds: automaton (the "
                 "state graph, --minimal), weights (the compiled matrices, --rung), "
                 "eigenvalues (spectra of the compiled matrices, --rung), hierarchy (a table "
                 "of classify verdicts, several specs), architectures (which named "
                 "architectures — Mamba, PD-SSM, DeltaNet, DeltaProduct, rotation stacks, … — "
                 "represent each task, several specs), accuracy (per-step accuracy of the "
                 "compiled model in float64/float32 against word length, --rung, --length)")
    p = add("plot", cmd_plot, plot_help)
    p.add_argument("kind", choices=("automaton", "weights", "eigenvalues", "hierarchy",
                                    "architectures", "accuracy"),
                   help="what to draw (see above)")
    p.add_argument("specs", nargs="+", help="one spec (several for hierarchy, architectures)")
    p.add_argument("-o", "--output", required=True,
                   help="output file; its suffix (.png, .svg, .pdf) sets the format")
    p.add_argument("--rung", default=None, choices=("auto", *RUNGS),
                   help="weights / eigenvalues / accuracy: rung to compile on (default auto)")
    p.add_argument("--length", type=_integer(1, 10**6), default=None,
                   help=f"accuracy: word length (default {_DEFAULT_PLOT_LENGTH})")
    p.add_argument("--minimal", action="store_true", help="automaton: draw the minimal one")
    def training_options(p: argparse.ArgumentParser, *, sweep_mode: bool) -> None:
        p.add_argument("--preset", choices=tuple(PRESETS), default="reduced",
                       help="protocol the other options start from (reduced: two cores; "
                            "paper: H 256, 100k steps)")
        if not sweep_mode:
            p.add_argument("--hidden", type=_integer(1, 65_536), default=None,
                           help="hidden size H (default: the preset's)")
            p.add_argument("--lr", type=_positive_number, default=None,
                           help="Adam learning rate (default: the preset's first)")
            p.add_argument("--seed", type=_integer(0), default=None,
                           help="seed of initialisation and data (default: the preset's "
                                "first)")
        p.add_argument("--steps", type=_integer(0, 10**8), default=None,
                       help="optimiser steps (default: the preset's)")
        p.add_argument("--batch", type=_integer(1, 1 << 20), default=None, help="words per step")
        p.add_argument("--train-lengths", type=_integer(1, 10**6), nargs=2, default=None,
                       metavar=("MIN", "MAX"), help="training word lengths (default 2 10)")
        p.add_argument("--eval-lengths", type=_integer(1, 10**6), nargs="+", default=None,
                       metavar="L", help="test lengths (default: the preset's)")
        p.add_argument("--eval-sequences", type=_integer(1, 10**7), default=None,
                       help="test words per length")
        p.add_argument("--val-sequences", type=_integer(1, 10**7), default=None,
                       help="validation words")
        p.add_argument("--loss", choices=("per_token", "final"), default=None,
                       help="supervise every position or the last only (default per_token)")
        p.add_argument("--dtype", choices=("float64", "float32"), default=None,
                       help="arithmetic (default float64)")
        p.add_argument("--clip", type=_positive_number, default=None,
                       help="largest global gradient norm (default: the preset's)")
        p.add_argument("--early-stop", type=_positive_number, default=None,
                       help="stop below this validation loss (default: the preset's)")
        p.add_argument("--eval-every", type=_integer(1), default=None,
                       help="steps between validation checks")
        p.add_argument("--additive", action="store_true",
                       help="add a trained input term b_x (the ablation; saved as the "
                            "equivalent linear model in H + 1 dimensions on the full rung)")
        p.add_argument("--rank", type=_integer(1), default=None, help="CP rank (only cp)")
        p.add_argument("--block-size", type=_integer(1), default=None,
                       help="block size (only block; default 2)")
        p.add_argument("--factors", type=_integer(1), default=None,
                       help="Householder factors per letter (only householder; default 1)")
        p.add_argument("--beta-max", type=float, choices=(1.0, 2.0), default=None,
                       help="Householder β range: 2 → eigenvalues in [−1, 1], 1 → [0, 1]")

    rung_help = ("trainable rung: " + ", ".join(TRAINABLE_RUNGS)
                 + " (block:B, cp:R, householder:N set the block size, rank, factors)")
    p = add("train", cmd_train, "train one model torch-free and test it at long lengths "
                                "(exit 1 if the run diverged)")
    p.add_argument("spec", help="the task: " + _SPEC_HELP)
    p.add_argument("--rung", required=True, help=rung_help)
    training_options(p, sweep_mode=False)
    p.add_argument("-o", "--output", help="save the trained model (.npz)")
    p.add_argument("--curve", metavar="FILE", help="plot the learning curve (.png/.svg/.pdf)")
    p = add("sweep", cmd_sweep, "train task × rung × H × learning rate × seed, appending to "
                                "a JSON-lines file (resumes; local pool or Dask)")
    p.add_argument("--tasks", nargs="+", required=True, metavar="SPEC", help=_SPEC_HELP)
    p.add_argument("--rungs", nargs="+", required=True, metavar="RUNG", help=rung_help)
    p.add_argument("--hidden", type=_integer(1, 65_536), nargs="+", default=None,
                   help="hidden sizes (default: the preset's)")
    p.add_argument("--lr", type=_positive_number, nargs="+", default=None,
                   help="learning rates (default: the preset's grid)")
    p.add_argument("--seeds", type=_integer(0), nargs="+", default=None,
                   help="seeds (default: the preset's)")
    training_options(p, sweep_mode=True)
    p.add_argument("--results", required=True, help="the .jsonl results file (appended)")
    p.add_argument("--jobs", type=_integer(1, 1024), default=None,
                   help="worker processes of a local sweep (default 1; not with a scheduler)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://HOST:8786 (default: "
                        "DASK_SCHEDULER_ADDRESS if set, else local)")
    p.add_argument("--timeout", type=_positive_number, default=None,
                   help="seconds to wait for the scheduler (default 10; only with a scheduler)")
    p = add("reproduce", cmd_reproduce, "re-run the paper's learnability tables and write "
                                        "the JSONL, a markdown table and a figure")
    p.add_argument("--out", default="docs/results", help="folder to write into")
    p.add_argument("--preset", choices=tuple(PRESETS), default="reduced", help="protocol")
    p.add_argument("--jobs", type=_integer(1, 1024), default=None,
                   help="worker processes (default 2; not with a scheduler)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler")
    p.add_argument("--steps", type=_integer(0, 10**8), default=None,
                   help="override the preset's steps (a smoke run)")
    add("demo", cmd_demo, "the main job: describe, compile and prove the built-in families")
    return parser


def _report(exc: BaseException, kind: str, want_json: bool) -> None:
    message = str(exc) or type(exc).__name__
    if want_json:
        print(json.dumps({"error": {"type": kind, "message": message}}))
    print(f"automata-bilinear: error: {message}", file=sys.stderr)


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so the stack unwinds (temporary files go)."""


def _terminate(signum: int, frame: Any) -> None:
    raise _Terminated


def _wants_json(argv: Sequence[str]) -> bool:
    # for errors before parsing finishes: --json among the options (not after "--")
    options = argv[:argv.index("--")] if "--" in argv else argv
    return "--json" in options


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = _wants_json(argv)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (e.g. called from a worker)
        previous = None
    try:
        args = build_parser().parse_args(argv)
        want_json = bool(args.json)
        with budget(max_bytes=args.max_bytes, max_work=args.max_work), \
                show_progress(not args.json):
            return int(args.func(args) or 0)
    except AutomataBilinearError as exc:
        _report(exc, type(exc).__name__, want_json)
        return 2
    except KeyboardInterrupt:
        _report(KeyboardInterrupt("interrupted; nothing was left half-written"),
                "Interrupted", want_json)
        return 130
    except _Terminated:
        _report(_Terminated("terminated (SIGTERM); nothing was left half-written"),
                "Terminated", want_json)
        return 143
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, like other Unix tools
        return 141
    except RecursionError:
        _report(RecursionError("input nested too deeply"), "InvalidArgumentError", want_json)
        return 2
    except MemoryError as exc:
        _report(MemoryError(f"ran out of memory ({exc or 'no details'}); lower the input size "
                            "or --max-bytes so the estimate refuses it up front"),
                "ResourceLimitError", want_json)
        return 2
    except OSError as exc:  # an I/O failure outside the writers (which raise OutputPathError)
        _report(exc, "OSError", want_json)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def console_main() -> int:
    """The console script: :func:`main`, and on a closed pipe silence the interpreter's
    final flush of stdout (which would print a second BrokenPipeError)."""
    status = main()
    if status == 141:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(console_main())
