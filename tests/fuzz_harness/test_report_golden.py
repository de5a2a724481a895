"""The conformance report is what a CI log shows: its exact text is kept as a golden record.

One report built from the real contract with a fixed outcome (rules passed, a must rule failed
with its replay, a should rule broken (a warning), a rule skipped by the user, one never
exercised with the spec's reason, a note) is rendered and compared
with ``expected/conformance.md`` and ``expected/conformance.json``. When the format changes
on purpose, update the records in the same commit (the assertion message says how).
"""

from __future__ import annotations

import json
from pathlib import Path

from fuzz_harness.report import FUZZ_RULE, Failure, new_report, write
from jobs_metrics_spec import load_document, operations

EXPECTED = Path(__file__).parent / "expected"
UPDATE = "python -m tests.fuzz_harness.test_report_golden"


def fixed_report(folder: Path) -> tuple[Path, Path]:
    report = new_report(
        operations(load_document()),
        "http://127.0.0.1:8080",
        seed=7,
        skip=frozenset({"content-encoding-not-identity"}),
    )
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
    warning = Failure(
        id="F2",
        rule="header-duplicate",
        source="probe",
        title="probe header-duplicate: Content-Type twice",
        detail="expected HTTP 400, error_id CS.10003, got HTTP 200",
        curl="curl -sS -i -X POST http://127.0.0.1:8080/v1.0/p/jobs/metrics",
        replay="jobs-metrics replay reports/failures/F2.json",
    )
    report.failures.append(warning)
    report.rules["header-duplicate"].probes = report.rules["header-duplicate"].exercised = 1
    report.rules["header-duplicate"].failures.append("F2")
    report.fuzz_cases, report.fuzz_seconds, report.probe_requests = 100, 3.14159, 7
    report.notes.append("jobs of another project: not exercised (no OTHER_JOB_IDS)")
    return write(report, folder)


def test_conformance_report_matches_the_golden_records(tmp_path: Path) -> None:
    json_path, md_path = fixed_report(tmp_path)
    for produced in (md_path, json_path):
        expected = (EXPECTED / produced.name).read_text()
        assert produced.read_text() == expected, f"format changed on purpose? run {UPDATE}"
    data = json.loads(json_path.read_text())
    assert data["verdict"] == "violations"
    assert data["counts"]["warning"] == 1
    # a bare rule id skips the rule on every operation that has it (both have this one)
    assert data["counts"]["skipped"] == 2
    junit = (tmp_path / "junit.xml").read_text()
    assert (EXPECTED / "junit.xml").read_text() == junit, f"format changed? run {UPDATE}"


if __name__ == "__main__":
    fixed_report(EXPECTED)
    print(f"updated {EXPECTED}/conformance.md and conformance.json")
