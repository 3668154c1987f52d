"""The package's structure as tests: no import cycles, the trusted checker never reaches a
construction, no private name crosses a module, and every module states what it is."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "automata_bilinear"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {_module_name(p): ast.parse(p.read_text()) for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _graph() -> tuple[nx.DiGraph, dict[str, ast.Module]]:
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, tree in modules.items():
        is_package = (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                target = _resolve(name, node, is_package)
                for alias in node.names:  # "from . import plotting" names a module
                    sub = f"{target}.{alias.name}"
                    graph.add_edge(name, sub if sub in modules else target)
    return graph, modules


def test_no_import_cycles():
    graph, _ = _graph()
    assert graph.number_of_nodes() > 60 and graph.number_of_edges() > 250  # really read
    assert list(nx.simple_cycles(graph)) == []


def test_the_checker_never_reaches_a_construction():
    graph, _ = _graph()
    untrusted = {"automata_bilinear.compilation", "automata_bilinear.refutations",
                 "automata_bilinear.classify", "automata_bilinear.verify"}
    for module in [m for m in graph if m.startswith("automata_bilinear.checker")]:
        reached = nx.descendants(graph, module)
        bad = sorted(m for m in reached if m.startswith("automata_bilinear.constructions")
                     or m in untrusted)
        assert bad == [], (module, bad)


def test_no_private_name_is_imported_from_another_module():
    _, modules = _graph()
    for name, tree in modules.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                private = [a.name for a in node.names if a.name.startswith("_")
                           and a.name != "__version__"]
                assert private == [], (name, private)


def test_intra_package_imports_are_at_module_level():
    """Only third-party imports may be deferred (heavy or optional libraries)."""
    _, modules = _graph()
    for name, tree in modules.items():
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level and id(node) not in top:
                raise AssertionError(f"{name}: function-local import from the package")


def test_every_module_has_a_docstring_and_an_explicit_all():
    _, modules = _graph()
    for name, tree in modules.items():
        assert ast.get_docstring(tree), name
        if name.endswith(("__main__", "_version")) or not any(
                isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in tree.body):
            continue
        assigns = [n for n in tree.body if isinstance(n, ast.Assign)
                   and any(getattr(t, "id", None) == "__all__" for t in n.targets)]
        assert assigns, f"{name} has no __all__"
        imports = [i for i, n in enumerate(tree.body) if isinstance(n, (ast.Import,
                                                                       ast.ImportFrom))]
        assert tree.body.index(assigns[0]) == max(imports) + 1, f"{name}: __all__ placement"
