"""Importing a package of ours does nothing but define (issue #35): no file read, no
environment variable read, no child process. Reading the spec, the environment and starting
children happen when a command runs, so an import never fails on a missing file or a bad
variable, and a library user pays only for what they call."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import ROOT
from tests.test_architecture import PRODUCT

# Every package a wheel of ours ships.
PACKAGES = (*PRODUCT, "jobs_metrics_models", "jobs_metrics_client")
# Modules whose import is what starts a run, by design: schemathesis loads an extension by
# importing the module its configuration names, in the ``st`` process the harness starts.
STARTS_A_RUN = ("fuzz_harness.st_extension",)


def audit(*packages: str) -> list[dict[str, str]]:
    """What importing every module of ``packages`` did (``tests/import_audit.py``)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.import_audit", *packages, "--skip", *STARTS_A_RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_importing_our_packages_reads_nothing_and_starts_nothing() -> None:
    assert audit(*PACKAGES) == []


def test_the_audit_sees_a_read_at_import(tmp_path) -> None:
    """The invalid case: a module that reads a variable and a file on import is reported."""
    package = tmp_path / "jobs_metrics_spec_probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import os\nfrom pathlib import Path\n"
        "SETTING = os.environ.get('HOME')\n"
        "TEXT = Path(__file__).with_name('data.txt').read_text()\n"
        "from pydantic_settings import BaseSettings\n"
        "class Knobs(BaseSettings, env_prefix='JOBS_METRICS_'):\n"
        "    probe: str = ''\n"
        "KNOBS = Knobs()  # a library reading our variables for us, at import\n"
    )
    (package / "data.txt").write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "tests.import_audit", package.name],
        cwd=ROOT,
        env={"PYTHONPATH": f"{ROOT}:{tmp_path}", "HOME": "/root", "JOBS_METRICS_PROBE": "x"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert {item["kind"] for item in found} == {"environment", "file"}
    # the library's read of our variable is ours: our module-level code asked for it
    assert any(item["what"] == "JOBS_METRICS_PROBE" for item in found), found
