"""Imports go one way (ARCHITECTURE.md): a module importing against the layers fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

OURS = {
    "jobs_metrics_spec",
    "jobs_metrics_models",
    "jobs_metrics_client",
    "reference_server",
    "specdiff",
    "fuzz_harness",
    "jobs_metrics_cli",
    "scripts",
    "bench",
    "tests",
}
# Folder -> the packages of ours its modules may import (besides itself).
ALLOWED = {
    "openapi": set(),
    "generated/jobs-metrics-models/jobs_metrics_models": set(),
    "generated/jobs-metrics-client/jobs_metrics_client": set(),
    "reference_server": {"jobs_metrics_models"},
    "specdiff": set(),
    "fuzz_harness": {"reference_server"},
    "jobs_metrics_cli": {"fuzz_harness", "reference_server", "specdiff"},
    "scripts": OURS - {"tests", "bench"},
    "bench": OURS - {"tests", "scripts"},
}
SELF = {
    "openapi": "jobs_metrics_spec",
    "generated/jobs-metrics-models/jobs_metrics_models": "jobs_metrics_models",
    "generated/jobs-metrics-client/jobs_metrics_client": "jobs_metrics_client",
}


def imported(path: Path) -> set[str]:
    """Top-level names of our packages that ``path`` imports (anywhere in the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_imports_follow_the_layers(folder: str) -> None:
    own = SELF.get(folder, folder.split("/")[-1])
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported(path) - ALLOWED[folder] - {own})
        for path in (ROOT / folder).rglob("*.py")
        if imported(path) - ALLOWED[folder] - {own}
    }
    assert not wrong, f"imports against ARCHITECTURE.md: {wrong}"


def test_every_package_of_ours_has_a_layer() -> None:
    """A new top-level package must be placed in ARCHITECTURE.md and here."""
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in ("tests",)
    }
    assert packages <= set(ALLOWED) | {"openapi"}, packages - set(ALLOWED)


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from fuzz_harness.judge import judge_body\nimport specdiff.catalogue\n")
    assert imported(bad) == {"fuzz_harness", "specdiff"}
