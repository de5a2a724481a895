"""CI runs what developers run: the workflow and .ci/run call the same make targets, and
every target is listed by `make help`."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import yaml

from tests.support import ROOT


def make_targets(text: str) -> set[str]:
    return set(re.findall(r"(?:^|; then )make ([a-z][a-z-]*)", text, re.M))


def test_workflow_runs_ci_run_once_and_keeps_no_list_of_its_own():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert runs.count(".ci/run") == 1
    assert not make_targets("\n".join(runs)), "the workflow lists make targets of its own"
    ci_run = make_targets((ROOT / ".ci" / "run").read_text())
    assert {"check", "test-slow", "test-wheels"} <= ci_run
    # ... each once: what `make check` runs is not listed again
    assert not ci_run & {"setup", "lint", "lint-spec", "check-generated", "test"}


def test_the_wheels_are_tested_once_on_every_supported_python_and_uploaded():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert list(workflow["jobs"]) == ["check"], "a second wheel job would repeat test-wheels"
    uploads = [
        s for s in workflow["jobs"]["check"]["steps"] if "upload-artifact" in s.get("uses", "")
    ]
    assert uploads[0]["with"]["path"] == "dist/*.whl"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    import tomllib

    declared = [
        "python" + c.rsplit(" :: ", 1)[1]
        for c in tomllib.loads(pyproject)["project"]["classifiers"]
        if c.startswith("Programming Language :: Python :: 3.")
    ]
    pythons = re.search(r"^PYTHONS \?= (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert pythons is not None
    assert pythons[1].split() == declared


def test_ci_run_calls_the_readme_test_command():
    """The README's test command runs in CI, as part of `make check`."""
    assert "make test " in (ROOT / "README.md").read_text()
    assert re.search(r"^make check$", (ROOT / ".ci" / "run").read_text(), re.M)
    check = re.search(r"^check: (.*?) ##", (ROOT / "Makefile").read_text(), re.M)
    assert check is not None
    assert "test" in check[1].split()


def make_help() -> str:
    """`make help` as a reader sees it (bold markers stripped)."""
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return re.sub(r"\x1b\[[0-9;]*m", "", listed)


def test_make_help_matches_the_golden_record():
    """The first page a user reads: kept word for word in tests/expected/make-help.txt.
    A target or knob changed on purpose: rewrite the record in the same commit with
    ``make help | sed 's/\\x1b\\[[0-9;]*m//g' > tests/expected/make-help.txt``."""
    assert make_help() == (ROOT / "tests" / "expected" / "make-help.txt").read_text()


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    phony = set(
        re.search(r"^\.PHONY: (.*?)(?<!\\)$", makefile, re.M | re.S)[1].replace("\\\n", " ").split()
    )
    targets_part, _, knobs_part = make_help().partition("\nknobs (")
    shown = {line.split()[0] for line in targets_part.splitlines() if line.strip()}
    assert phony == shown
    knobs = set(re.findall(r"^([A-Z_]+) \?=", makefile, re.M))
    assert {line.split()[0] for line in knobs_part.splitlines()[1:] if line.strip()} == knobs


def test_make_clean_never_deletes_user_data():
    plan = subprocess.run(
        ["make", "-n", "clean"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "rm -rf" in plan
    assert " data" not in plan.replace("data/", "")
    explicit = subprocess.run(
        ["make", "-n", "clean-data"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "rm -rf data" in explicit


def test_the_toolkit_pins_the_models_of_its_spec_version_and_ranges_otherwise() -> None:
    """One version number: the models wheel the toolkit needs is the spec's info.version; the
    other runtime dependencies are ranges (a wheel installs beside a user's project)."""
    import tomllib

    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = yaml.safe_load((ROOT / "openapi" / "jobs-metrics.openapi.yaml").read_text())
    exact = {dep.split("==")[0] for dep in project["dependencies"] if "==" in dep}
    assert f"jobs-metrics-models=={spec['info']['version']}" in project["dependencies"]
    assert exact == {"jobs-metrics-models", "schemathesis"}


def test_a_wheel_file_git_does_not_track_is_found(tmp_path: Path) -> None:
    """`make test-wheels` refuses a wheel that ships a file the clone does not track (a
    module deleted since an earlier build, left in build/lib)."""
    from scripts.check_wheels import untracked

    wheel = tmp_path / "jobs_metrics_toolkit-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in (
            "specdiff/cli.py",
            "specdiff/gone.py",
            "jobs_metrics_toolkit-0.0.0.dist-info/RECORD",
        ):
            archive.writestr(name, "")
    assert untracked(wheel) == ["specdiff/gone.py"]
    models = tmp_path / "jobs_metrics_models-0.0.0-py3-none-any.whl"
    with zipfile.ZipFile(models, "w") as archive:
        archive.writestr("jobs_metrics_models/__init__.py", "")
    assert untracked(models) == []  # tracked under generated/jobs-metrics-models/
