"""The README's client snippet type-checks under ``mypy --strict`` (issue 36: it had five
errors on ``Unset``); it shows how to narrow the optional response fields."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.check_wheels import readme_snippet


def test_readme_client_snippet_passes_mypy_strict(tmp_path: Path):
    snippet = tmp_path / "client_snippet.py"
    snippet.write_text(readme_snippet())
    assert "isinstance(payload, Unset)" in snippet.read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            str(snippet),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
