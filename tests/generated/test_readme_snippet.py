"""The README's client snippet runs as written, against a live reference server."""

from __future__ import annotations

import subprocess
import sys

from scripts.check_wheels import readme_snippet


def test_readme_client_snippet_runs(server):
    code = readme_snippet().replace('"http://127.0.0.1:8080"', repr(server.base_url))
    assert repr(server.base_url) in code
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1 ")
    assert lines[1].startswith("2 ")
    assert "CS.10005" in result.stdout
    assert "200 JobMetricsResponse(" in result.stdout
