"""Figures: automata, weights, eigenvalues, the hierarchy table, accuracy against length.

matplotlib is an optional extra (``pip install 'automata_bilinear[notebooks]'``), imported
only when a function here is called. Every function returns the matplotlib Figure and, given
``path``, also writes it (PNG, SVG or PDF by the file's suffix).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .architectures import architecture_table
from .automata.machine import MooreMachine
from .automata.simulate import random_words, run_batch
from .errors import MissingDependencyError, ResourceLimitError
from .io.files import FIGURE_SUFFIXES, check_output_path, save_figure
from .model import BilinearModel
from .rnn import forward
from .rungs import HIERARCHY

__all__ = [
    "plot_accuracy_vs_length",
    "plot_architectures",
    "plot_automaton",
    "plot_eigenvalues",
    "plot_hierarchy",
    "plot_learning_curve",
    "plot_reproduction",
    "plot_test_accuracy",
    "plot_weights",
    "pyplot",
]


def _backend_chosen(matplotlib: Any) -> bool:
    """Whether a backend was requested (MPLBACKEND, matplotlibrc, ``use``, ``%matplotlib``),
    asked without triggering matplotlib's automatic selection."""
    try:
        return matplotlib.get_backend(auto_select=False) is not None  # matplotlib >= 3.10
    except TypeError:
        return matplotlib.rcParams._get_backend_or_none() is not None  # 3.7 - 3.9


def pyplot() -> Any:
    """``matplotlib.pyplot``, keeping any backend the user chose (Agg only when none was
    chosen outside a notebook kernel); a clear error when matplotlib is missing."""
    try:
        import matplotlib

        # Never override a backend someone chose: its name is open-ended ("inline",
        # "module://...", "nbAgg", "widget", "tkagg", ...), so no list of names can be
        # right. Only when nothing was chosen and no IPython kernel (which renders figures
        # itself) is running, use Agg, so scripts and the CLI never need a display.
        if not _backend_chosen(matplotlib) and "ipykernel" not in sys.modules:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("plotting needs matplotlib: pip install "
                                     "'automata_bilinear[notebooks]'") from None
    return plt


def _start(path: str | None) -> Any:
    # the output path is checked before any drawing, so a bad -o costs nothing
    if path is not None:
        check_output_path(path, suffixes=FIGURE_SUFFIXES, what="figure")
    return pyplot()


def _finish(fig: Any, path: str | None) -> Any:
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig


def _label(x: Any) -> str:
    return str(list(x)) if isinstance(x, tuple) else str(x)


def plot_automaton(machine: MooreMachine, *, path: str | None = None,
                   max_states: int = 40) -> Any:
    """Draw the machine with networkx: states labelled ``name / output``, edges with
    symbols, the start state outlined."""
    if machine.n_states > max_states:
        raise ResourceLimitError(f"drawing {machine.n_states} states is refused "
                                 f"(max_states={max_states}); minimise first")
    import networkx as nx

    plt = _start(path)
    graph = nx.DiGraph()
    labels: dict[tuple[int, int], list[str]] = {}
    for q in range(machine.n_states):
        graph.add_node(q)
        for a, r in enumerate(machine.transitions[q].tolist()):
            graph.add_edge(q, r)
            labels.setdefault((q, r), []).append(machine.alphabet[a])
    pos = (nx.circular_layout(graph) if machine.n_states <= 12
           else nx.spring_layout(graph, seed=0))
    fig, ax = plt.subplots(figsize=(6, 5))
    outputs = sorted(set(machine.output_codes.tolist()))
    colors = [outputs.index(c) for c in machine.output_codes.tolist()]
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, cmap="Pastel1",
                           node_size=900, edgecolors=["black" if q == machine.start else "grey"
                                                      for q in graph.nodes],
                           linewidths=[3 if q == machine.start else 1 for q in graph.nodes])
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8, labels={
        q: f"{machine.state_name(q)}\n/{_label(machine.outputs[q])}" for q in graph.nodes})
    nx.draw_networkx_edges(graph, pos, ax=ax, arrows=True, connectionstyle="arc3,rad=0.15",
                           node_size=900)
    if machine.n_states * machine.n_symbols <= 60:
        nx.draw_networkx_edge_labels(graph, pos, ax=ax, font_size=7, edge_labels={
            e: ",".join(s) for e, s in labels.items() if e[0] != e[1]})
    ax.set_title(machine.name or "automaton")
    ax.axis("off")
    return _finish(fig, path)


def plot_weights(model: BilinearModel, *, path: str | None = None, max_letters: int = 12) -> Any:
    """Heatmaps of the transition matrices ``A_σ`` (first ``max_letters`` letters)."""
    plt = _start(path)
    D = min(model.n_symbols, max_letters)
    cols = min(D, 4)
    rows = -(-D // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.5 * rows), squeeze=False)
    vmax = float(np.abs(model.transitions[:D]).max()) or 1.0
    for k in range(rows * cols):
        ax = axes[k // cols][k % cols]
        ax.axis("off")
        if k < D:
            ax.imshow(model.transitions[k], cmap="RdBu_r", vmin=-vmax, vmax=vmax)
            ax.set_title(f"A[{model.alphabet[k]}]", fontsize=9)
    fig.suptitle(f"{model.rung}: {model.construction}", fontsize=9)
    return _finish(fig, path)


def plot_eigenvalues(models: BilinearModel | Sequence[BilinearModel], *,
                     path: str | None = None) -> Any:
    """Eigenvalues of every ``A_σ`` in the complex plane with the unit circle."""
    plt = _start(path)
    if isinstance(models, BilinearModel):
        models = [models]
    fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.2), squeeze=False)
    theta = np.linspace(0, 2 * np.pi, 200)
    for ax, model in zip(axes[0], models):
        ax.plot(np.cos(theta), np.sin(theta), color="lightgrey")
        for k in range(model.n_symbols):
            ev = np.linalg.eigvals(model.transitions[k])
            ax.scatter(ev.real, ev.imag, s=18, label=model.alphabet[k] if k < 8 else None)
        ax.set_aspect("equal")
        ax.set_title(f"{model.metadata.get('automaton', '')}\n{model.rung}", fontsize=8)
        if model.n_symbols <= 8:
            ax.legend(fontsize=6, loc="upper right")
    return _finish(fig, path)


def plot_hierarchy(reports: Sequence[Any], *, path: str | None = None) -> Any:
    """The hierarchy table (families × rungs) as a coloured figure: green = yes with its
    hidden size, red = the certificate kind that rules the rung out, grey = open."""
    plt = _start(path)
    fig, ax = plt.subplots(figsize=(1.0 * len(HIERARCHY) + 2.5, 0.42 * len(reports) + 1))
    colors = {"yes": "#b7e1b0", "no": "#f4b6b6", "unknown": "#dddddd"}
    for i, rep in enumerate(reports):
        for j, rung in enumerate(r.name for r in HIERARCHY):
            v = rep.rungs[rung]
            text = f"H={v.hidden}" if v.verdict == "yes" else (
                v.certificate.kind.upper() if v.certificate else "?")
            weight = "bold" if rung == rep.lowest_rung else "normal"
            ax.add_patch(plt.Rectangle((j, -i - 1), 1, 1, color=colors[v.verdict]))
            ax.text(j + 0.5, -i - 0.5, text, ha="center", va="center", fontsize=7,
                    fontweight=weight)
    ax.set_xlim(0, len(HIERARCHY))
    ax.set_ylim(-len(reports), 0)
    ax.set_xticks(np.arange(len(HIERARCHY)) + 0.5, [r.label for r in HIERARCHY], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(-np.arange(len(reports)) - 0.5,
                  [r.automaton["name"] or "?" for r in reports], fontsize=8)
    ax.tick_params(length=0)
    return _finish(fig, path)


def plot_architectures(reports: Sequence[Any], *, path: str | None = None) -> Any:
    """Named architectures × tasks (:func:`automata_bilinear.architectures.architecture_table`):
    green = represented exactly, with the proved size; red = ruled out by a re-checked
    certificate; grey = open."""
    plt = _start(path)
    tables = [architecture_table(rep) for rep in reports]
    names = [row["architecture"] for row in tables[0]] if tables else []
    fig, ax = plt.subplots(figsize=(1.45 * len(names) + 2.5, 0.5 * len(reports) + 1.2))
    colors = {"yes": "#b7e1b0", "no": "#f4b6b6", "open": "#dddddd"}
    for i, rows in enumerate(tables):
        for j, row in enumerate(rows):
            ax.add_patch(plt.Rectangle((j, -i - 1), 1, 1, color=colors[row["verdict"]]))
            text = row["size"] or ("no" if row["verdict"] == "no" else "?")
            ax.text(j + 0.5, -i - 0.5, text.replace(", ", "\n"), ha="center", va="center",
                    fontsize=6)
    ax.set_xlim(0, len(names))
    ax.set_ylim(-len(reports), 0)
    ax.set_xticks(np.arange(len(names)) + 0.5, [n.replace(" ", "\n", 1) for n in names],
                  fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(-np.arange(len(reports)) - 0.5,
                  [r.automaton["name"] or "?" for r in reports], fontsize=8)
    ax.tick_params(length=0)
    return _finish(fig, path)


def plot_accuracy_vs_length(model: BilinearModel, automaton: MooreMachine, *,
                            length: int = 2_000, batch: int = 64, seed: int = 0,
                            path: str | None = None) -> Any:
    """Per-position accuracy of the model on random words, in float64 and float32."""
    plt = _start(path)
    x = random_words(automaton, batch, length, seed)
    letter = np.array([model.alphabet.index(s) for s in automaton.alphabet])
    rows = np.array([model.output_labels.index(o) for o in automaton.output_labels])
    truth = rows[automaton.output_codes[run_batch(automaton, x)]]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for dtype in ("float64", "float32"):
        out = forward(model, letter[x], dtype=dtype)
        acc = (out.predictions == truth).mean(axis=0)
        ax.plot(np.arange(length + 1), acc, label=dtype)
    ax.set_xlabel("position (tokens read)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{automaton.name} on {model.rung} (numerical evidence)", fontsize=9)
    ax.legend()
    return _finish(fig, path)


def plot_learning_curve(records: Any, *, labels: Sequence[str] | None = None,
                        path: str | None = None) -> Any:
    """Training and validation loss against steps for one or several training records
    (:func:`automata_bilinear.training.train`'s ``record``), on a log scale."""
    plt = _start(path)
    runs = [records] if isinstance(records, dict) else list(records)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, record in enumerate(runs):
        name = labels[i] if labels else f"{record['config']['rung']} lr {record['config']['lr']:g}"
        curve = [row for row in record["curve"] if row[2] is not None]
        line = ax.plot([r[0] for r in curve], [r[2] for r in curve], label=f"{name} (val)")
        train_rows = [row for row in record["curve"] if row[1] is not None]
        ax.plot([r[0] for r in train_rows], [r[1] for r in train_rows], ls=":",
                color=line[0].get_color())
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (dotted: training)")
    ax.set_title(f"learning curves: {runs[0]['config']['task']}", fontsize=9)
    ax.legend(fontsize=7)
    return _finish(fig, path)


def plot_test_accuracy(records: Any, *, metric: str = "per_sequence_normalised",
                       labels: Sequence[str] | None = None, path: str | None = None) -> Any:
    """Test accuracy (``metric`` of the record's ``test`` entries) against test length,
    one line per training record."""
    plt = _start(path)
    runs = [records] if isinstance(records, dict) else list(records)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, record in enumerate(runs):
        if not record.get("test"):
            continue
        lengths = sorted(int(k) for k in record["test"])
        name = labels[i] if labels else record["config"]["rung"]
        ax.plot(lengths, [record["test"][str(n)][metric] for n in lengths], marker="o",
                label=name)
    ax.set_xscale("log")
    ax.set_xlabel("test length")
    ax.set_ylabel(metric.replace("_", " "))
    ax.axhline(0, color="grey", lw=0.5)
    ax.legend(fontsize=7)
    return _finish(fig, path)


def plot_reproduction(summary: dict[str, Any], panels: Sequence[tuple[str, Sequence[str]]],
                      labels: dict[str, str], *, length: int = 500,
                      reference: dict[str, dict[str, tuple[Sequence[int], Sequence[float]]]]
                      | None = None, path: str | None = None) -> Any:
    """Accuracy against m, one line per rung with error bars over seeds, one panel per
    experiment (rows of :func:`automata_bilinear.training.reproduce.summarise`);
    ``reference[experiment][rung] = (ms, values)`` adds reported numbers as dashed lines."""
    plt = _start(path)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), sharey=True,
                             squeeze=False)
    for ax, (kind, columns) in zip(axes[0], panels):
        ticks: set[int] = set()
        for column in columns:
            rows = sorted((r for r in summary["rows"]
                           if r["experiment"] == kind and r["rung"] == column
                           and str(length) in r), key=lambda r: r["m"])
            color = None
            if rows:
                bars = ax.errorbar([r["m"] for r in rows],
                                   [r[str(length)]["mean"] for r in rows],
                                   yerr=[r[str(length)]["std"] for r in rows], marker="o",
                                   capsize=3, label=labels.get(column, column))
                color = bars[0].get_color()
                ticks.update(r["m"] for r in rows)
            if reference and column in reference.get(kind, {}):
                ms, values = reference[kind][column]
                ax.plot(ms, values, ls="--", marker="x", color=color, alpha=0.6)
                ticks.update(ms)
        ax.set_xscale("log")
        ax.set_xticks(sorted(ticks), [str(m) for m in sorted(ticks)])
        ax.minorticks_off()
        ax.set_title(f"{kind}: length {length}"
                     + (" (dashed: paper)" if reference else ""), fontsize=9)
        ax.set_xlabel("m")
        ax.axhline(0, color="grey", lw=0.5)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    axes[0][0].set_ylabel("chance-normalised accuracy")
    return _finish(fig, path)
