"""Runs never share scratch state (issue 30): each run writes in a folder of its own and
publishes its report when it ends; a second run on the same report folder at once stops in
one line; an aborted run leaves the previous report as it was; schemathesis' events are read
tolerantly and cross-checked with its own summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzz_harness import cli
from fuzz_harness.cli import main as harness_main
from fuzz_harness.cli import published_report
from fuzz_harness.replay import needed_variables
from fuzz_harness.st_run import StResult, _cases_so_far, read_events
from tests.support import ROOT, run_tool


def _fuzz(report_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_tool(
        harness_main,
        ["run", "--max-examples", "5", "--seed", "3", "--report-dir", str(report_dir)],
        env={k: v for k, v in os.environ.items() if k != "BASE_URL"},
        cwd=ROOT,
    )


def test_a_second_run_on_the_same_folder_stops_in_one_line(tmp_path: Path) -> None:
    with published_report(tmp_path):  # a first run holds the folder
        result = _fuzz(tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert str(tmp_path) in result.stderr
    assert "--report-dir" in result.stderr


def test_a_run_publishes_its_report_and_leaves_no_working_folder(tmp_path: Path) -> None:
    (tmp_path / "failures").mkdir()
    (tmp_path / "failures" / "F9.json").write_text("{}")  # an earlier run's failure
    result = _fuzz(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    names = {path.name for path in tmp_path.iterdir()}
    assert {"conformance.md", "conformance.json", "junit.xml", "events.ndjson"} <= names
    assert not [name for name in names if name.startswith(".run-")]
    assert not (tmp_path / "failures").exists()  # nothing of the earlier run beside this one
    assert str(tmp_path / "conformance.md") in result.stdout


def test_an_aborted_run_leaves_the_previous_report_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "conformance.json").write_text('{"verdict": "earlier"}')

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "execute", interrupted)
    result = _fuzz(tmp_path)
    assert result.returncode == 2
    assert "left as it was" in result.stderr
    assert json.loads((tmp_path / "conformance.json").read_text()) == {"verdict": "earlier"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run-")]


def test_a_half_written_last_event_is_noted_not_fatal(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    whole = json.dumps({"EngineFinished": {"running_time": 1.5}})
    events.write_text(whole + "\n" + '{"ScenarioFinished": {"recor')
    result = StResult(exit_code=0)
    read_events(events, "http://127.0.0.1:1", result)
    assert result.truncated_events
    assert result.seconds == 1.5
    intact = StResult(exit_code=0)
    events.write_text(whole + "\n")
    read_events(events, "http://127.0.0.1:1", intact)
    assert not intact.truncated_events


@pytest.mark.slow  # two whole runs at once; CI runs it in test-slow
def test_two_runs_started_together_never_corrupt_each_other(tmp_path: Path) -> None:
    """As a CI job or a developer in two terminals does: the default folder for both."""
    env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
    command = [sys.executable, "-m", "fuzz_harness", "run", "--max-examples", "5"]
    command += ["--report-dir", str(tmp_path)]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outcomes = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        outcomes.append((run.returncode, out, err))
    codes = sorted(code for code, _, _ in outcomes)
    assert codes in ([0, 0], [0, 2]), outcomes
    for code, _, err in outcomes:
        if code == 2:
            assert err.count("\n") == 1, err
            assert "--report-dir" in err, err
    report = json.loads((tmp_path / "conformance.json").read_text())
    assert report["verdict"] == "conforms"


def test_progress_counts_the_cases_of_finished_scenarios_only(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    finished = json.dumps({"ScenarioFinished": {"recorder": {"cases": {"a": {}, "b": {}}}}})
    events.write_text(finished + "\n" + finished[:30])  # the second is being written
    assert _cases_so_far(events) == 2
    assert _cases_so_far(tmp_path / "none.ndjson") == 0


@pytest.mark.parametrize(
    ("request_json", "source", "needed"),
    [
        ({"headers": [["Content-Type", "application/json"]]}, "probe", []),  # token-missing
        ({"headers": [["X-Auth-Token", "${AUTH_TOKEN%?}"]]}, "probe", ["AUTH_TOKEN"]),
        ({"headers": [], "signing": {"access": "$OTHER_AK", "secret": "$OTHER_SK"}}, "probe",
         ["OTHER_AK", "OTHER_SK"]),
        ({"headers": []}, "consistency", ["AUTH_TOKEN"]),
    ],
    ids=["no token", "a near miss", "signed by the other key", "comparing answers"],
)  # fmt: skip
def test_replay_asks_only_for_what_the_request_needs(
    request_json: dict[str, object], source: str, needed: list[str]
) -> None:
    record = {"request": request_json, "source": source, "other_job_ids": ""}
    assert needed_variables(record) == needed
