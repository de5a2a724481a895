"""``make fuzz`` passes a stand-in sandbox on both operations (issue 33): the operations'
surface of a sandbox is exactly the spec, so the conformance harness holds it to every rule,
with another sandbox as the other project (isolation, foreign jobs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fuzz_harness.cli import main as harness_main
from jobs_metrics_stand_in import StandIn
from tests.support import ROOT, run_tool


@pytest.mark.slow  # a whole fuzz run; CI runs it in test-slow
def test_make_fuzz_passes_a_sandbox_on_both_operations(stand_in: StandIn, tmp_path: Path) -> None:
    me = stand_in.sandbox()
    other = stand_in.sandbox()
    try:
        mine = me.generate_jobs(30, seed=1, first_id=1)
        theirs = other.generate_jobs(10, seed=2, first_id=1001)
        env = {
            **os.environ,
            "AUTH_TOKEN": me.token, "PROJECT_ID": me.project_id,
            "JOB_IDS": ",".join(map(str, mine)), "AK": me.access_key, "SK": me.secret_key,
            "OTHER_AUTH_TOKEN": other.token, "OTHER_PROJECT_ID": other.project_id,
            "OTHER_JOB_IDS": ",".join(map(str, theirs)),
            "OTHER_AK": other.access_key, "OTHER_SK": other.secret_key,
        }  # fmt: skip
        args = ["run", "--base-url", me.base_url, "--max-examples", "20", "--seed", "4"]
        result = run_tool(harness_main, [*args, "--report-dir", str(tmp_path)], env=env, cwd=ROOT)
    finally:
        me.close()
        other.close()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    verdict = next(line for line in result.stdout.splitlines() if line.startswith("verdict:"))
    assert verdict.startswith("verdict:  PASS"), verdict
    assert "showFlinkMetric" not in next(
        (line for line in result.stdout.splitlines() if "no AK/SK" in line), ""
    )  # the successor was exercised too
