"""The conformance report is what a CI log shows: its exact text is kept as a golden record.

One report built from the real contract with a fixed outcome (rules passed, one failed with
its replay, one never exercised with the spec's reason, a note) is rendered and compared
with ``expected/conformance.md`` and ``expected/conformance.json``. When the format changes
on purpose, update the records in the same commit (the assertion message says how).
"""

from __future__ import annotations

import json
from pathlib import Path

from fuzz_harness.contract import load_contract
from fuzz_harness.report import FUZZ_RULE, Failure, new_report, write

EXPECTED = Path(__file__).parent / "expected"
UPDATE = "python -m tests.fuzz_harness.test_report_golden"


def fixed_report(folder: Path) -> tuple[Path, Path]:
    report = new_report(load_contract(), "http://127.0.0.1:8080", seed=7)
    for rule in ("valid-request-accepted", "token-missing", FUZZ_RULE):
        report.rules[rule].probes = report.rules[rule].exercised = 3
    failure = Failure(
        id="F1",
        rule="token-unknown",
        source="probe",
        title="an unknown token got 200",
        detail="expected 400 CS.10005, got 200",
        curl="curl -sS -i -X POST http://127.0.0.1:8080/v1.0/p/jobs/metrics",
        replay="jobs-metrics replay reports/failures/F1.json",
    )
    report.failures.append(failure)
    report.rules["token-unknown"].probes = report.rules["token-unknown"].exercised = 1
    report.rules["token-unknown"].failures.append("F1")
    report.fuzz_cases, report.fuzz_seconds, report.probe_requests = 100, 3.14159, 7
    report.notes.append("jobs of another project: not exercised (no OTHER_JOB_IDS)")
    return write(report, folder)


def test_conformance_report_matches_the_golden_records(tmp_path: Path) -> None:
    json_path, md_path = fixed_report(tmp_path)
    for produced in (md_path, json_path):
        expected = (EXPECTED / produced.name).read_text()
        assert produced.read_text() == expected, f"format changed on purpose? run {UPDATE}"
    assert json.loads(json_path.read_text())["verdict"] == "violations"


if __name__ == "__main__":
    fixed_report(EXPECTED)
    print(f"updated {EXPECTED}/conformance.md and conformance.json")
