"""A job in JOB_IDS the server does not hold is said once, as a hint (issue 36): the README's
own example named one, and the run reported four violations for that one cause."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz_harness.exchange import Sender
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.options import build_options, demo_identities
from fuzz_harness.report import new_report, scopes
from fuzz_harness.runner import _absent_known_jobs
from fuzz_harness.server_process import ServerProcess
from jobs_metrics_spec import spec_operations


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("hint") / "db.sqlite3") as running:
        yield running


@pytest.mark.parametrize(
    ("job_ids", "absent"),
    [("1-600,9223372036854775807", [9223372036854775807]), ("1-600", [])],
    ids=["a job the data lacks", "jobs that exist"],
)
def test_jobs_of_job_ids_the_server_never_returns_are_named(
    server: ServerProcess, tmp_path: Path, job_ids: str, absent: list[int]
) -> None:
    options = build_options(
        base_url="", auth_token="", project_id="", job_ids=job_ids, other_auth_token="",
        other_project_id="", other_job_ids="", max_examples=1, seed=1, mode="all", workers=1,
        report_dir=tmp_path, demo=demo_identities(),
    )  # fmt: skip
    assert options.identity.job_ids == JobIdSet.parse(job_ids)
    contracts = spec_operations()
    report = new_report(contracts, "t", 1)
    report.rules["jobs-found-in-order"].failures.append("F1")
    plan = [(scope, options) for scope in scopes(contracts)]
    sender = Sender(server.base_url, options.secrets)
    try:
        assert _absent_known_jobs(sender, report, plan) == absent
        report.rules["jobs-found-in-order"].failures.clear()  # nothing failed: nothing asked
        assert _absent_known_jobs(sender, report, plan) == []
        assert _absent_known_jobs(sender, report, [(s, None) for s, _ in plan]) == []
    finally:
        sender.close()
