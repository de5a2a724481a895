"""docs/testing-clients.md's recipes run as written: each Python one as a test file of its
own with no conftest (the plugin found through its entry point) under ``pytest -n 2``, the
curl one with bash against ``jobs-metrics stand-in --script`` (as a Go or Java team would)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT

pytest_plugins = ["pytester"]

DOC = ROOT / "docs" / "testing-clients.md"
# Each Python recipe and how many tests it holds (all must pass).
PYTHON_RECIPES = {"retry-429": 1, "token-refresh": 1, "sdk-skewed-clock": 1, "parallel": 20}


def recipes() -> dict[str, str]:
    text = DOC.read_text()
    found = re.findall(r"<!-- recipe: (\S+) -->\s*```\w+\n(.*?)```", text, re.S)
    return dict(found)


def test_every_recipe_is_run_here() -> None:
    assert set(recipes()) == {*PYTHON_RECIPES, "sandboxes.yaml", "curl"}


@pytest.mark.parametrize("name", sorted(PYTHON_RECIPES))
def test_python_recipe_runs_as_written(pytester: pytest.Pytester, name: str) -> None:
    pytester.makepyfile(**{f"test_{name.replace('-', '_')}": recipes()[name]})
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=PYTHON_RECIPES[name])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_curl_recipe_runs_as_written(tmp_path: Path) -> None:
    for tool in ("bash", "curl", "jq"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            pytest.skip(f"{tool} is not installed")
    (tmp_path / "sandboxes.yaml").write_text(recipes()["sandboxes.yaml"])
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PORT": str(port), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    shell = subprocess.Popen(
        ["bash", "-c", recipes()["curl"]],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        out, err = shell.communicate(timeout=90)
    finally:  # whatever the recipe did, nothing it started outlives the test
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait(timeout=10)
    assert shell.returncode == 0, err
    assert out.splitlines() == [
        "CS.10007",
        "CS.10001",
        "400 token-expired",
        "200 valid-request-accepted",
        "e2",
    ]
    deadline = time.monotonic() + 10
    while listening(port) and time.monotonic() < deadline:  # the trap stopped it by its PID
        time.sleep(0.1)
    assert not listening(port)
