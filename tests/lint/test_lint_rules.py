"""Each lint rule of ours, and the lint gate itself, with a passing and a failing spec."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.lint_spec import node_env, redocly_reports, run_redocly, run_spectral_many
from tests.lint.broken_specs import BROKEN, broken
from tests.support import ROOT, SPEC_PATH

OWN_RULES = {
    "jm-property-description",
    "jm-integer-format-and-bounds",
    "jm-request-array-max-items",
    "jm-error-body",
}


Finding = tuple[str, tuple[str, ...]]  # rule, path


def pointer_parts(pointer: str) -> tuple[str, ...]:
    """``#/paths/~1v1.0~1...`` -> ("paths", "/v1.0/...") (RFC 6901 unescaping)."""
    parts = pointer.removeprefix("#/").split("/")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in parts)


def write(folder: Path, name: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(broken(name), sort_keys=False))
    return path


def _by_linter(linter: str) -> list[str]:
    return [name for name, (_, expected, _) in BROKEN.items() if expected.startswith(linter)]


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("broken")
    return {name: write(folder, name) for name in BROKEN}


@pytest.fixture(scope="module")
def spectral_findings(broken_files: dict[str, Path]) -> dict[str, set[Finding]]:
    """One Spectral run over the real spec and its broken copies (Node starts once)."""
    files = [SPEC_PATH, *(broken_files[name] for name in _by_linter("spectral:"))]
    result = run_spectral_many(files)
    found: dict[str, set[Finding]] = {path.stem: set() for path in files}
    for item in json.loads(result.stdout or "[]"):
        found[Path(item["source"]).stem].add((item["code"], tuple(map(str, item["path"]))))
    return found


@pytest.fixture(scope="module")
def redocly_findings(broken_files: dict[str, Path]) -> dict[str, set[Finding]]:
    """One Redocly run over the real spec and its broken copies: a report per document."""
    files = [SPEC_PATH, *(broken_files[name] for name in _by_linter("redocly:"))]
    reports = redocly_reports(run_redocly(*files).stdout)
    assert len(reports) == len(files), reports
    return {
        path.stem: {
            (problem["ruleId"], pointer_parts(problem["location"][0]["pointer"]))
            for problem in report["problems"]
        }
        for path, report in zip(files, reports, strict=True)
    }


def test_the_real_spec_passes_every_rule(spectral_findings, redocly_findings):
    assert spectral_findings[SPEC_PATH.stem] == set()
    assert redocly_findings[SPEC_PATH.stem] == set()


@pytest.mark.parametrize("rule", sorted(OWN_RULES))
def test_each_own_rule_has_a_valid_and_an_invalid_case(rule, spectral_findings):
    """Valid: the real spec raises nothing of it. Invalid: a broken copy that must raise it."""
    assert not {code for code, _ in spectral_findings[SPEC_PATH.stem]} & {rule}
    assert any(expected == f"spectral:{rule}" for _, expected, _ in BROKEN.values())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_copy_is_reported_by_the_named_rule_at_the_path(
    tmp_path, name, spectral_findings, redocly_findings
):
    _, expected, path = BROKEN[name]
    linter, _, rule = expected.partition(":")
    if linter == "spectral":
        assert (rule, path) in spectral_findings[name], spectral_findings[name]
    elif linter == "redocly":
        assert (rule, path) in redocly_findings[name], redocly_findings[name]
    else:
        from scripts.lint_spec import openapi_spec_validator

        assert not openapi_spec_validator(write(tmp_path, name))


def test_every_rule_switched_off_says_why():
    """Each rule switched off in .spectral.yaml has its reason right above it: a comment on
    the line before (a top-level rule) or before its override's `- files:` entry."""
    lines = (ROOT / ".spectral.yaml").read_text().splitlines()
    offs = [i for i, line in enumerate(lines) if line.rstrip().endswith((": off", ': "off"'))]
    assert len(offs) >= 5, "the exceptions were not found: the check would prove nothing"
    for index in offs:
        anchor = index
        if lines[index].startswith("      "):  # inside an override: its `- files:` entry
            while not lines[anchor].startswith("  - files:"):
                anchor -= 1
        assert lines[anchor - 1].lstrip().startswith("#"), f"no reason above: {lines[index]}"


@pytest.mark.parametrize(
    ("spec_name", "expected"),
    [
        pytest.param(None, 0, marks=pytest.mark.slow),  # what `make lint-spec` itself runs
        # the gate's whole run (Spectral and Redocly, ~3 s): CI runs it in test-slow; each
        # rule's own valid and invalid case above stays in make test
        pytest.param("undescribed_property", 2, marks=pytest.mark.slow),
        pytest.param("operation_without_operation_id", 2, marks=pytest.mark.slow),
    ],
    ids=["real spec passes", "spectral rule fails the gate", "redocly rule fails the gate"],
)
def test_make_lint_spec_gate(tmp_path, spec_name, expected):
    spec = SPEC_PATH if spec_name is None else write(tmp_path, spec_name)
    result = subprocess.run(
        ["make", "--no-print-directory", "lint-spec", f"SPEC={spec}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=node_env(),
    )
    assert result.returncode == expected, result.stdout + result.stderr
    if expected:
        assert "lint-spec: FAILED" in result.stdout
    else:
        assert "lint-spec: 0 errors, 0 warnings" in result.stdout
