"""The SDK snippet of docs/clients.md runs as written against a live reference server (as the
README's client snippet does, tests/generated/test_readme_snippet.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fuzz_harness.server_process import ServerProcess
from tests.support import ROOT


def sdk_snippet() -> str:
    text = (ROOT / "docs" / "clients.md").read_text()
    match = re.search(r"<!-- snippet: sdk .*?-->\s*```python\n(.*?)```", text, re.S)
    assert match, "docs/clients.md lost its SDK snippet"
    return match.group(1)


def test_readme_sdk_snippet_runs(server: ServerProcess, tmp_path: Path) -> None:
    code = sdk_snippet().replace('"http://127.0.0.1:8080"', repr(server.base_url))
    assert repr(server.base_url) in code
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},  # the SDK writes $HOME/.huaweicloud/
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("1 ")
    assert lines[1].startswith("2 ")
    status, code_, request_id = lines[2].split()
    assert (status, code_) == ("401", "APIGW.0301")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert (tmp_path / ".huaweicloud").is_dir()  # where it wrote, not the real home
