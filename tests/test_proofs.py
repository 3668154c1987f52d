"""Every executable proof in proofs/ runs and exits 0 (make test runs them here)."""

import subprocess
import sys
from pathlib import Path

import pytest

PROOFS = sorted(p for p in (Path(__file__).parent.parent / "proofs").glob("*.py")
                if p.name != "transcript.py")


@pytest.mark.parametrize("script", PROOFS, ids=[p.name for p in PROOFS])
def test_proof_script_passes(script):
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "FAILED" not in result.stdout
