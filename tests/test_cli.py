"""The command-line interface: text and --json output, exit codes, python -m."""

import json
import subprocess
import sys

from automata_bilinear import automaton_from_json, build, load_automaton
from automata_bilinear.cli import DEMO_SPECS, main


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_families(capsys):
    code, out, _ = run_cli(capsys, "families")
    assert code == 0 and "random:states" in out and "A*B" in out
    code, out, _ = run_cli(capsys, "families", "--json")
    assert {f["name"] for f in json.loads(out)["families"]} >= {"parity", "dihedral"}


def test_show_text_and_json(capsys):
    code, out, _ = run_cli(capsys, "show", "threshold:2")
    assert code == 0 and "3 after minimisation" in out and "access" in out
    code, out, _ = run_cli(capsys, "show", "dihedral:4", "--json")
    data = json.loads(out)
    assert data["states"] == 8 and data["minimal_states"] == 8 and data["group_automaton"]
    assert data["spec"] == "dihedral:4"


def test_export_json_and_dot(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "export", "parity")
    assert code == 0 and automaton_from_json(out) == build("parity")
    code, out, _ = run_cli(capsys, "export", "parity", "--format", "dot")
    assert out.startswith("digraph")
    path = tmp_path / "q8.json"
    code, out, _ = run_cli(capsys, "export", "quaternion", "-o", str(path), "--json")
    assert json.loads(out)["path"] == str(path) and load_automaton(path) == build("quaternion")
    code, out, _ = run_cli(capsys, "export", "modular_arithmetic:5", "--minimal", "--json")
    assert json.loads(out)["states"] == 51


def test_trace_and_equiv(capsys):
    code, out, _ = run_cli(capsys, "trace", "cyclic:5", "3 4 1", "--json")
    assert json.loads(out)["outputs"] == ["0", "3", "2", "3"]
    code, out, _ = run_cli(capsys, "equiv", "counter:2", "parity", "--json")
    assert code == 0 and json.loads(out)["equivalent"] is True
    _, out, _ = run_cli(capsys, "equiv", "counter:2", "counter:4")
    assert "shortest counterexample 1 1" in out


def test_errors_exit_2_with_clear_message(capsys):
    code, out, err = run_cli(capsys, "show", "cyclc:5")
    assert code == 2 and "did you mean 'cyclic'" in err and out == ""
    code, out, err = run_cli(capsys, "show", "missing.json", "--json")
    assert code == 2 and json.loads(out)["error"]["type"] == "FormatError"
    code, out, err = run_cli(capsys, "trace", "parity", "0 2")
    assert code == 2 and "unknown symbol '2'" in err


def test_demo_covers_default_set(capsys):
    code, out, _ = run_cli(capsys, "demo", "--json")
    assert code == 0
    rows = json.loads(out)["families"]
    assert [r["spec"] for r in rows] == list(DEMO_SPECS)
    by_spec = {r["spec"]: r for r in rows}
    assert by_spec["symmetric:3"]["minimal_states"] == 6
    assert by_spec["quaternion"]["group_automaton"] is True


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "automata_bilinear", "show", "parity",
                             "--json"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["minimal_states"] == 2


def test_usage_errors_exit_nonzero(capsys):
    assert main(["show"]) == 2
    assert "required: spec" in capsys.readouterr().err


def test_compile_verify_and_show_model(capsys, tmp_path):
    path = tmp_path / "q8.npz"
    code, out, _ = run_cli(capsys, "compile", "quaternion", "--rung", "orthogonal_block",
                           "-o", str(path), "--steps", "500", "--json")
    data = json.loads(out)
    assert code == 0 and data["model"]["hidden"] == 4 and data["verification"]["proved"]
    code, out, _ = run_cli(capsys, "verify", str(path), "quaternion", "--steps", "200")
    assert code == 0 and "PROVED for all lengths" in out and "finite-image search" in out
    code, out, _ = run_cli(capsys, "show-model", str(path), "--json")
    info = json.loads(out)
    assert info["rung"] == "orthogonal_block" and info["metadata"]["verification"]["proved"]
    code, out, _ = run_cli(capsys, "compile", "parity", "--steps", "100")
    assert code == 0 and "sign_diagonal" in out
    code, out, err = run_cli(capsys, "compile", "flipflop", "--rung", "rotation")
    assert code == 2 and "PARIKH" in err
