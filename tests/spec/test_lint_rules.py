"""Each lint rule of ours, and the lint gate itself, with a passing and a failing spec."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts.lint_spec import run_redocly, run_spectral
from tests.spec.broken_specs import BROKEN, broken
from tests.support import ROOT, SPEC_PATH

OWN_RULES = {
    "jm-property-description",
    "jm-integer-format-and-bounds",
    "jm-request-array-max-items",
    "jm-error-body",
}
ENV = {**os.environ, "NO_COLOR": "1", "REDOCLY_TELEMETRY": "off"}


def spectral_codes(path: Path) -> set[str]:
    return {result["code"] for result in json.loads(run_spectral(path, "json").stdout or "[]")}


def redocly_rules(path: Path) -> set[str]:
    return {problem["ruleId"] for problem in json.loads(run_redocly(path).stdout)["problems"]}


def write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(broken(name), sort_keys=False))
    return path


def test_the_real_spec_passes_every_rule():
    assert spectral_codes(SPEC_PATH) == set()
    assert redocly_rules(SPEC_PATH) == set()


@pytest.mark.parametrize("rule", sorted(OWN_RULES))
def test_each_own_rule_has_a_failing_case(rule):
    assert any(expected == f"spectral:{rule}" for _, expected in BROKEN.values())


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_copy_is_reported_by_the_named_rule(tmp_path, name):
    path = write(tmp_path, name)
    linter, _, rule = BROKEN[name][1].partition(":")
    if linter == "spectral":
        assert rule in spectral_codes(path)
    elif linter == "redocly":
        assert rule in redocly_rules(path)
    else:
        from scripts.lint_spec import openapi_spec_validator

        assert not openapi_spec_validator(path)


@pytest.mark.parametrize(
    ("spec_name", "expected"),
    [(None, 0), ("undescribed_property", 2), ("operation_without_operation_id", 2)],
    ids=["real spec passes", "spectral rule fails the gate", "redocly rule fails the gate"],
)
def test_make_lint_spec_gate(tmp_path, spec_name, expected):
    spec = SPEC_PATH if spec_name is None else write(tmp_path, spec_name)
    result = subprocess.run(
        ["make", "--no-print-directory", "lint-spec", f"SPEC={spec}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=ENV,
    )
    assert result.returncode == expected, result.stdout + result.stderr
    if expected:
        assert "lint-spec: FAILED" in result.stdout
    else:
        assert "lint-spec: 0 errors, 0 warnings" in result.stdout
