"""Generation is deterministic, drift-gated, and the generated code is mypy --strict clean."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, spec

# The spec's info.version, which both generated packages carry (read, so a version bump of the
# spec does not break these tests).
VERSION = str(spec()["info"]["version"])
OTHER = VERSION + ".1"  # a version the spec does not have

# What scripts/generate.py and scripts/check_generated.py need in a copy of the repo.
COPY = ("openapi", "generated", "scripts", "pyproject.toml", "openapi-python-client.yaml")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(
                src,
                tmp_path / name,
                ignore=shutil.ignore_patterns("__pycache__", ".pdm-build", "*.egg-info"),
            )
        else:
            shutil.copy2(src, tmp_path / name)
    return tmp_path


@pytest.mark.slow  # regenerates both packages in a copy (~5 s); `make check` gates drift too
def test_stale_tree_fails_and_generate_fixes_it(repo_copy):
    """`make check-generated` (check_generated.py) fails; `make generate` (generate.py) fixes.

    (That an unedited copy passes is `make check-generated` itself, run by CI.)
    """
    spec = repo_copy / "openapi" / "jobs-metrics.openapi.yaml"
    spec.write_text(
        spec.read_text().replace("Total number of records (", "Total number of records read (")
    )
    stale = run(repo_copy, "-m", "scripts.check_generated")
    assert stale.returncode == 1
    assert "+    Total number of records read (" in stale.stdout  # a readable unified diff
    assert "--- a/generated/jobs-metrics-models/jobs_metrics_models/__init__.py" in stale.stdout
    assert "make generate" in stale.stdout
    assert run(repo_copy, "-m", "scripts.generate").returncode == 0
    fixed = run(repo_copy, "-m", "scripts.check_generated")
    assert fixed.returncode == 0, fixed.stdout


@pytest.mark.slow  # generators or a wheel build in a copy; CI runs these
def test_extra_file_in_generated_tree_is_drift(repo_copy):
    (
        repo_copy / "generated" / "jobs-metrics-models" / "jobs_metrics_models" / "hand_edit.py"
    ).write_text("x = 1\n")
    result = run(repo_copy, "-m", "scripts.check_generated")
    assert result.returncode == 1
    assert "hand_edit.py" in result.stdout


def test_generated_code_has_no_timestamps_or_machine_paths():
    for path in (ROOT / "generated").rglob("*"):
        if path.is_file() and ".pdm-build" not in path.parts and "__pycache__" not in path.parts:
            text = path.read_text()
            assert not re.search(r"20\d\d-\d\d-\d\d", text), path
            assert str(ROOT) not in text, path


@pytest.mark.slow  # `make lint` runs the same check; CI runs both
def test_generated_code_passes_mypy_strict():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "mypy-generated.ini",
            "--no-incremental",
            "generated/jobs-metrics-models/jobs_metrics_models",
            "generated/jobs-metrics-client/jobs_metrics_client",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.slow  # generators or a wheel build in a copy; CI runs these
def test_a_version_out_of_step_with_the_spec_is_drift(repo_copy):
    """A hand-edited version in a generated pyproject.toml fails check-generated, by name."""
    pyproject = repo_copy / "generated" / "jobs-metrics-models" / "pyproject.toml"
    text = pyproject.read_text()
    assert f'version = "{VERSION}"' in text
    pyproject.write_text(text.replace(f'version = "{VERSION}"', f'version = "{OTHER}"'))
    result = run(repo_copy, "-m", "scripts.check_generated")
    assert result.returncode == 1
    expected = f"version: generated/jobs-metrics-models is {OTHER}, info.version is {VERSION}"
    assert expected in result.stdout


@pytest.mark.slow  # generators or a wheel build in a copy; CI runs these
def test_a_spec_version_bump_reaches_both_packages(repo_copy):
    spec = repo_copy / "openapi" / "jobs-metrics.openapi.yaml"
    text = spec.read_text()
    assert f"  version: {VERSION}\n" in text
    spec.write_text(text.replace(f"  version: {VERSION}\n", f"  version: {OTHER}\n", 1))
    assert run(repo_copy, "-m", "scripts.generate").returncode == 0
    for project in ("jobs-metrics-models", "jobs-metrics-client"):
        text = (repo_copy / "generated" / project / "pyproject.toml").read_text()
        assert f'version = "{OTHER}"' in text, project


@pytest.mark.slow  # generators or a wheel build in a copy; CI runs these
@pytest.mark.parametrize("project", ["jobs-metrics-models", "jobs-metrics-client"])
def test_wheel_builds_and_installs(tmp_path, project):
    """`make dist` builds installable wheels carrying info.version; each imports on its own."""
    wheels = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(wheels),
            f"generated/{project}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    package = project.replace("-", "_")
    (wheel,) = wheels.glob(f"{package}-{VERSION}-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = f"import {package}, sys; print({package}.__file__)"
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.startswith(str(target))


def test_a_file_written_again_unchanged_keeps_its_time(tmp_path):
    """After `make generate`, the next target does not reinstall the venv for nothing: the
    generated pyproject.toml files keep their time when their bytes did not change."""
    from scripts.generate import unchanged_files_keep_their_time

    same, changed = tmp_path / "same.toml", tmp_path / "changed.toml"
    for path in (same, changed):
        path.write_text("a")
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    with unchanged_files_keep_their_time(same, changed):
        same.write_text("a")
        changed.write_text("b")
    assert same.stat().st_mtime_ns == 1_000_000_000
    assert changed.stat().st_mtime_ns != 1_000_000_000
