"""CI runs what developers run: the workflow and .ci/run call the same make targets, and
every target is listed by `make help`."""

from __future__ import annotations

import re
import subprocess

import yaml

from tests.support import ROOT


def make_targets(text: str) -> set[str]:
    return set(re.findall(r"(?:^|; then )make ([a-z][a-z-]*)", text, re.M))


def test_workflow_and_ci_run_use_the_same_targets():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    workflow_targets = make_targets("\n".join(step.get("run", "") for step in steps))
    assert workflow_targets == make_targets((ROOT / ".ci" / "run").read_text())
    assert {"setup", "check-generated", "test", "dist"} <= workflow_targets


def test_ci_run_calls_the_readme_test_command():
    assert "make test" in (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    phony = set(
        re.search(r"^\.PHONY: (.*?)(?<!\\)$", makefile, re.M | re.S)[1].replace("\\\n", " ").split()
    )
    listed = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shown = {
        line.split()[0]
        for line in re.sub(r"\x1b\[[0-9;]*m", "", listed).splitlines()
        if line.strip()
    }
    assert phony == shown


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
