"""The README's five-minute tour runs as written (shell blocks in order, then Python)."""

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TOUR = README.split("## Five-minute tour", 1)[1].split("## Concepts and conventions", 1)[0]
SHELL = [line.split("  #")[0].strip() for block in re.findall(r"```sh\n(.*?)```", TOUR, re.S)
         for line in block.splitlines() if line.strip()]
PYTHON = re.findall(r"```python\n(.*?)```", TOUR, re.S)

# what each command must print (substring of stdout, or of stderr for the error example)
EXPECT = {
    "compile cyclic:5": "rotation: H = 2",
    "compile flipflop --rung rotation": "PARIKH",
    "compile symmetric:3 --rung householder": "2 factors per letter",
    "--factors 1": "FIXED_SPACE",
    "compile even_pairs --rung full --exact-valued": "H = 4",
    "verify q8.npz quaternion": "PROVED for all lengths",
    "certify q8.npz quaternion": "PROVED for all lengths",
    "classify quaternion": "lowest rung: orthogonal_block (H = 4)",
    "check-certificate": "VALID PARIKH",
    "commute parity.npz even_pairs": "cannot represent",
    "equiv counter:2 parity": "equivalent",
    "trace cyclic:5": "3",
    "prop3_parity.py": "CHECKED",
    "train parity --rung real_diagonal": "on parity: ok",
    "verify par.npz parity": "PROVED for all lengths",
    "sweep --tasks cyclic:3": "12 configurations: ran 12",
}
ACTIVATE = "source .venv/bin/activate"
FIGURES = ("hierarchy.png", "d3.png", "prop3.png")


def _fresh_shell_env() -> dict[str, str]:
    """What a new login shell has: no virtualenv on PATH, nothing of ours set."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg"}
    return env


@pytest.fixture(scope="module")
def clone_like(tmp_path_factory):
    """A folder that looks like the repository after `make test`: .venv and proofs/ present
    (linked), nothing else, so the tour's files land in a scratch folder."""
    venv = ROOT / ".venv"
    if not (venv / "bin" / "activate").exists():
        pytest.skip("no .venv: run `make test`, which creates it")
    folder = tmp_path_factory.mktemp("clone")
    (folder / ".venv").symlink_to(venv)
    (folder / "proofs").symlink_to(ROOT / "proofs")
    return folder


def test_tour_has_commands():
    assert len(SHELL) >= 15 and PYTHON
    assert SHELL[0] == ACTIVATE  # the tour says how the commands get onto PATH


def test_shell_tour(clone_like):
    """Each command runs verbatim in a new bash with only the documented set-up."""
    for command in SHELL[1:]:
        result = subprocess.run(["bash", "-c", f"{ACTIVATE} && {command}"], cwd=clone_like,
                                env=_fresh_shell_env(), capture_output=True, text=True,
                                timeout=300, check=False)
        expected_fail = ("--rung rotation" in command and "flipflop" in command) or \
            "--factors 1" in command
        assert result.returncode == (2 if expected_fail else 0), (command, result.stderr)
        assert "Traceback" not in result.stderr, command
        for key, text in EXPECT.items():
            if key in command:
                assert text in (result.stderr if expected_fail else result.stdout), command
        for name in FIGURES:  # the plotting commands write a real picture
            if name in command:
                assert (clone_like / name).stat().st_size > 1000, command


def test_tour_commands_are_not_found_without_the_set_up(tmp_path):
    # the reason the activation line is in the tour: a fresh shell does not have them
    result = subprocess.run(["bash", "-c", "command -v automata-bilinear"], cwd=tmp_path,
                            env=_fresh_shell_env(), capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0


def test_python_tour(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in PYTHON:
        exec(compile(block, "README tour", "exec"), namespace)
    ab = namespace["ab"]
    assert ab.output_trace(namespace["m"], ["r", "r", "s", "r"]) == ["r0", "r1", "r2", "s2",
                                                                     "s1"]
    assert namespace["result"].machine.n_states == 51
    assert namespace["states"].shape == (1024, 501)
    assert namespace["model"].transitions.shape == (60, 3, 3)
    assert namespace["cert"].kind == "parikh" and namespace["g"].order == 24
    assert (tmp_path / "a5.npz").exists() and (tmp_path / "d4.json").exists()
    assert namespace["rep"].verdict == "proved"
    assert set(namespace["rep"].float_proved) == {"float64", "float32"}
    task = ab.build("last_letters:2,symbols=5")
    back = ab.load_region_certificate(tmp_path / "t.json")
    assert ab.check_region_certificate(back, ab.load_model(tmp_path / "trained.npz"), task).ok


def test_tour_draws_every_figure():
    # test_shell_tour checks each file after its command; here: the commands are there
    assert all(any(name in command for command in SHELL) for name in FIGURES)
