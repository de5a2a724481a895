"""Levels, strict mode and deliberate deviations, end to end on live servers.

The real reference server behind a header-folding reverse proxy still keeps every must rule:
the run passes, with the deployment-dependent should rules (duplicate headers folded by the
proxy) as warnings; with STRICT=1 the same run fails on them. A rule skipped by the user is
reported skipped, never passed; an unknown rule to skip is exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz_harness.options import build_options, demo_identities
from fuzz_harness.report import rule_ids
from fuzz_harness.runner import CONFORMS, VIOLATIONS, execute
from fuzz_harness.server_process import ServerProcess
from jobs_metrics_spec import spec_operations
from reference_server.demo import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    PROJECT_A,
    PROJECT_B,
    SECRET_KEY_A,
    SECRET_KEY_B,
    TOKEN_A,
    TOKEN_B,
)
from tests.fuzz_harness.folding_proxy import folding_proxy

IDENTITIES = {
    "auth_token": TOKEN_A,
    "project_id": PROJECT_A,
    "job_ids": "1-600",
    "other_auth_token": TOKEN_B,
    "other_project_id": PROJECT_B,
    "other_job_ids": "601-1200",
}


# The should rules this proxy changes the answer of: it folds repeated headers, and Python's
# http.server (which it is built on) collapses a leading "//" in the path.
DEPLOYMENT_RULES = frozenset({"header-duplicate", "path-normalisation"})


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("proxied") / "db.sqlite3"
    with ServerProcess(db) as server, folding_proxy(server.base_url) as url:
        yield url


# AK/SK pairs: with them a run exercises the signed successor operation as well.
KEYS = {"ak": ACCESS_KEY_A, "sk": SECRET_KEY_A, "other_ak": ACCESS_KEY_B, "other_sk": SECRET_KEY_B}


def _run(
    url: str, folder: Path, *, strict: bool, skip: str = "", keys: dict[str, str] | None = None
) -> tuple[int, dict[str, str]]:
    options = build_options(
        base_url=url,
        **IDENTITIES,
        **(keys or {}),
        max_examples=10,
        seed=5,
        mode="all",
        workers=1,
        report_dir=folder,
        demo=demo_identities(),
        strict=strict,
        skip_rules=skip,
        rule_ids=rule_ids(spec_operations()),
    )
    outcome = execute(options, url)
    report = json.loads((folder / "conformance.json").read_text())
    return outcome.code, {rule["id"]: rule["verdict"] for rule in report["rules"]}


@pytest.mark.slow  # a whole run through the proxy (~10 s); CI runs it
def test_the_reference_server_behind_a_folding_proxy_passes(proxied: str, tmp_path: Path) -> None:
    code, verdicts = _run(proxied, tmp_path, strict=False, keys=KEYS)
    assert code == CONFORMS, verdicts
    assert verdicts["header-duplicate"] == "warning"  # the proxy folded the copies
    warned = {rule.rsplit("/", 1)[-1] for rule, v in verdicts.items() if v == "warning"}
    assert warned <= DEPLOYMENT_RULES
    # the signed operation through the proxy too: the signature covers what the proxy passes on
    assert verdicts["showFlinkMetric/valid-request-accepted"] == "passed"
    assert verdicts["showFlinkMetric/signature-wrong"] == "passed"
    assert verdicts["valid-request-accepted"] == "passed"
    assert "failed" not in verdicts.values()
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="header-duplicate"' in junit
    assert "warning (should rule" in junit


@pytest.mark.slow  # a second whole run through the proxy (~10 s); CI runs it
def test_strict_fails_the_same_deployment_on_its_should_rules(proxied: str, tmp_path: Path) -> None:
    code, verdicts = _run(proxied, tmp_path, strict=True)
    assert code == VIOLATIONS
    failed = {rule for rule, verdict in verdicts.items() if verdict == "failed"}
    # the copies the proxy folds; the leading // that Python's http.server collapses
    assert "header-duplicate" in failed
    assert failed <= DEPLOYMENT_RULES, verdicts


@pytest.mark.slow  # a third whole run through the proxy (~10 s); CI runs it
def test_a_skipped_rule_is_reported_skipped_never_passed(proxied: str, tmp_path: Path) -> None:
    code, verdicts = _run(proxied, tmp_path, strict=True, skip=",".join(DEPLOYMENT_RULES))
    assert code == CONFORMS, verdicts
    assert {verdicts[rule] for rule in DEPLOYMENT_RULES} == {"skipped"}


def test_an_unknown_rule_to_skip_is_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fuzz_harness", "run", "--skip-rule", "no-such-rule"],
        env={**os.environ, "SKIP_RULES": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "SKIP_RULES: no rule 'no-such-rule'" in result.stderr
    assert "Traceback" not in result.stderr
