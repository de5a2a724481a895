"""``python -m fuzz_harness run`` as a user runs it: exit codes, summary, curl lines, replay.

A fault-injected server (a cross-project leak) stands in for a user's broken server; the
printed curl line is run by bash exactly as printed, and the printed replay command from
another directory.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fuzz_harness.cli import main as harness_main
from fuzz_harness.server_process import ServerProcess
from jobs_metrics_cli import main as cli_main
from reference_server.demo import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    PROJECT_A,
    SECRET_KEY_A,
    SECRET_KEY_B,
    TOKEN_A,
    TOKEN_B,
)
from tests.support import DEMO_KNOBS, run_tool

IDENTITIES = DEMO_KNOBS


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    db = tmp_path_factory.mktemp("leaky") / "db.sqlite3"
    extra = ("--fault", "cross-project-leak")
    with ServerProcess(db, module="fuzz_selftest.fault_server", extra_args=extra) as server:
        yield server


def fuzz(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m fuzz_harness run ARGS``, in this process (schemathesis runs in a child of
    its own either way; ``python -m fuzz_harness`` itself is run by test_levels.py)."""
    return run_tool(
        harness_main,
        ["run", "--max-examples", "5", "--seed", "3", *args],
        env={**os.environ, **env},
        cwd=cwd,
    )


@pytest.mark.slow  # a whole run against a fault server and a replay (~7 s); CI runs it
def test_violations_exit_1_with_curl_and_replay_that_work_as_printed(leaky, tmp_path):
    reports = tmp_path / "reports"
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    env = {**IDENTITIES, "BASE_URL": leaky.base_url, "GITHUB_STEP_SUMMARY": str(summary)}
    result = fuzz("--report-dir", str(reports), env=env, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(
        r"^rules:\s+\d+ passed, [1-9]\d* failed, 0 warnings, \d+ not exercised, 0 skipped$",
        result.stdout,
        re.M,
    )
    assert "FAILED (must): jobs-foreign-hidden" in result.stdout
    assert TOKEN_A not in result.stdout
    assert TOKEN_B not in result.stdout
    report = json.loads((reports / "conformance.json").read_text())
    verdicts = {rule["id"]: rule["verdict"] for rule in report["rules"]}
    assert verdicts["jobs-foreign-hidden"] == "failed"
    assert verdicts["token-missing"] == "passed"
    assert verdicts["token-expired"] == "not exercised"
    assert (reports / "conformance.md").read_text().startswith("# Conformance report")
    # CI: the report is appended to the job summary, and JUnit has one case per rule
    assert summary.read_text().startswith("earlier step\n# Conformance report")
    junit = ElementTree.parse(reports / "junit.xml").getroot()
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    assert set(cases) == {rule["id"] for rule in report["rules"]}
    assert cases["jobs-foreign-hidden"].find("failure") is not None
    assert cases["token-expired"].find("skipped") is not None
    assert cases["token-missing"].find("failure") is None

    block = result.stdout.split("[jobs-foreign-hidden]", 1)[1]
    line = re.search(r"reproduce: (curl .*)", block)[1]
    assert '"X-Auth-Token: $AUTH_TOKEN"' in line
    answer = subprocess.run(
        ["bash", "-c", line], env={**os.environ, **IDENTITIES}, capture_output=True, text=True
    )
    assert answer.returncode == 0
    assert "HTTP/1.1 200" in answer.stdout
    leaked = {
        job["job_id"] for job in json.loads(answer.stdout.split("\n\n", 1)[1])["payload"]["jobs"]
    }
    assert leaked & set(range(601, 1201)), "the curl line shows the leak"

    replay = re.search(r"replay:    (.*)", block)[1]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    replayed = subprocess.run(
        ["bash", "-c", replay], env={**os.environ, **IDENTITIES}, cwd=elsewhere,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "still fails" in replayed.stdout
    assert "cross-tenant" in replayed.stdout
    without_token = subprocess.run(
        ["bash", "-c", replay],
        env={k: v for k, v in os.environ.items() if k != "AUTH_TOKEN"},
        cwd=elsewhere, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert without_token.returncode == 2
    assert "export AUTH_TOKEN first" in without_token.stderr


def test_unreachable_server_is_exit_2(tmp_path):
    result = fuzz(env={**IDENTITIES, "BASE_URL": "http://127.0.0.1:9"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "COULD NOT TEST (exit 2): could not reach" in result.stdout


def test_refused_token_is_exit_2(leaky, tmp_path):
    env = {**IDENTITIES, "BASE_URL": leaky.base_url, "AUTH_TOKEN": "not-a-token"}
    result = fuzz(env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "AUTH_TOKEN was refused on a known-good request" in result.stdout
    assert "not-a-token" not in result.stdout


def test_bad_options_are_exit_2(tmp_path):
    env = {**IDENTITIES, "BASE_URL": "http://127.0.0.1:9", "JOB_IDS": "ten"}
    result = fuzz(env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "JOB_IDS" in result.stderr


@pytest.mark.slow  # a whole fuzz run; CI runs it (the real server's run stays fast)
def test_without_job_data_the_data_rules_are_not_exercised(tmp_path):
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        env = {"BASE_URL": server.base_url, "AUTH_TOKEN": TOKEN_A, "PROJECT_ID": PROJECT_A}
        clean = {
            k: v for k, v in os.environ.items() if not k.startswith("OTHER_") and k != "JOB_IDS"
        }
        result = subprocess.run(
            [sys.executable, "-m", "fuzz_harness", "run", "--max-examples", "5", "--seed", "3",
             "--report-dir", str(tmp_path / "r")],
            env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if "not exercised (" in line]
    no_jobs = next(line for line in lines if "no JOB_IDS given" in line)
    no_other = next(line for line in lines if "no OTHER_JOB_IDS given" in line)
    assert "jobs-found-in-order" in no_jobs  # one line per reason, the rules it covers
    assert "jobs-foreign-hidden" in no_other


@pytest.mark.slow  # a whole run against a fault server, then a replay (~6 s); CI runs it
def test_a_failure_found_by_schemathesis_replays_as_printed(tmp_path):
    """schemathesis' own findings (not only the probes') replay: the recorded case is rebuilt
    through schemathesis' public API and fails again with the same check."""
    db = tmp_path / "db.sqlite3"
    extra = ("--fault", "wrong-type")
    with ServerProcess(db, module="fuzz_selftest.fault_server", extra_args=extra) as server:
        reports = tmp_path / "reports"
        env = {**IDENTITIES, "BASE_URL": server.base_url}
        result = fuzz("--report-dir", str(reports), env=env, cwd=tmp_path)
        assert result.returncode == 1, result.stdout
        report = json.loads((reports / "conformance.json").read_text())
        found = [f for f in report["failures"] if f["source"] == "schemathesis"]
        assert found, "the fault shows in generated cases too"
        replayed = subprocess.run(
            ["bash", "-c", found[0]["replay"]], env={**os.environ, **IDENTITIES},
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "still fails" in replayed.stdout


@pytest.mark.slow  # a whole run against a fault server, then a replay; CI runs it
def test_a_signed_request_found_by_schemathesis_replays_signed_anew(tmp_path):
    """A schemathesis finding on the successor (signed when sent) replays with a fresh
    signature from $AK/$SK, and fails again the same way."""
    db = tmp_path / "db.sqlite3"
    keys = {
        "AK": ACCESS_KEY_A,
        "SK": SECRET_KEY_A,
        "OTHER_AK": ACCESS_KEY_B,
        "OTHER_SK": SECRET_KEY_B,
    }
    with ServerProcess(
        db, module="fuzz_selftest.fault_server", extra_args=("--fault", "wrong-type")
    ) as server:
        reports = tmp_path / "reports"
        env = {**IDENTITIES, **keys, "BASE_URL": server.base_url}
        result = fuzz("--report-dir", str(reports), env=env, cwd=tmp_path)
        assert result.returncode == 1, result.stdout
        report = json.loads((reports / "conformance.json").read_text())
        found = [
            f
            for f in report["failures"]
            if f["source"] == "schemathesis" and f["rule"].startswith("showFlinkMetric/")
        ]
        assert found, "the fault shows in the successor's generated cases too"
        replayed = subprocess.run(
            ["bash", "-c", found[0]["replay"]], env={**os.environ, **IDENTITIES, **keys},
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert replayed.returncode == 1, replayed.stdout + replayed.stderr
    assert "still fails" in replayed.stdout


@pytest.mark.parametrize("text", ['{"payload":', "[]", '{"id": "F1"}'])
def test_replaying_a_file_that_is_no_failure_record_is_one_line_and_exit_2(tmp_path, text):
    record = tmp_path / "F1.json"
    record.write_text(text)
    result = run_tool(cli_main, ["replay", str(record)])
    assert result.returncode == 2
    assert result.stderr.startswith("replay: could not replay: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--report-dir", "/proc/no-such-dir"], "--report-dir /proc/no-such-dir: cannot write"),
        (["--summary", "/proc/no-such-dir/summary.md"], "GITHUB_STEP_SUMMARY"),
    ],
)
def test_a_place_the_run_cannot_write_is_one_line_and_exit_2_before_any_request(
    tmp_path, args, says
):
    result = fuzz(*args, env={**IDENTITIES, "BASE_URL": "http://127.0.0.1:9"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("fuzz: COULD NOT TEST (exit 2): ")
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
