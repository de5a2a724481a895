"""What a successful answer holds: the right jobs, in order, with the server's time."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference_server import Settings, create_app
from reference_server.demo import (
    PROJECT_A,
    PROJECT_A_JOBS,
    PROJECT_B,
    PROJECT_B_JOBS,
    TOKEN_A,
    TOKEN_B,
    demo_jobs,
    generate_demo_jobs,
)
from reference_server.store import Store
from tests.support import METRICS_PATH, call, validator

B = METRICS_PATH.format(project_id=PROJECT_B)


def job_ids(answer) -> list[int]:
    return [job["job_id"] for job in answer.json()["payload"]["jobs"]]


def test_seed_request_and_current_time(app):
    before = time.time_ns() // 1_000_000
    answer = call(app, body={"job_ids": [298765, 298766]})
    after = time.time_ns() // 1_000_000
    body = answer.json()
    validator("JobMetricsResponse").validate(body)
    assert before <= body["current_time"] <= after
    assert body["payload"]["jobs"] == []  # the seed's IDs are not demo jobs
    assert body["message_id"] == "CS.10001"


def test_jobs_come_back_in_the_order_requested(app):
    assert job_ids(call(app, body={"job_ids": [10, 3, 7, 1]})) == [10, 3, 7, 1]


def test_unknown_and_foreign_jobs_are_left_out_alike(app):
    assert job_ids(call(app, body={"job_ids": [2, 700, 5000, 1]})) == [2, 1]


def test_answer_matches_the_stored_demo_data(app):
    expected = {job.job_id: job for job in demo_jobs()[PROJECT_A]}
    for job in call(app, body={"job_ids": [1, 250, 600]}).json()["payload"]["jobs"]:
        stored = expected[job["job_id"]]
        metrics = job["metrics"]
        assert [s["records"] for s in metrics["sources"]] == [s.records for s in stored.sources]
        assert [s["name"] for s in metrics["sinks"]] == [s.name for s in stored.sinks]
        assert metrics["total_read_rate"] == stored.total_read_rate


def test_demo_data_is_deterministic_and_large_enough(tmp_path):
    first, second = generate_demo_jobs(), generate_demo_jobs()
    assert first == second
    assert {project: list(jobs) for project, jobs in demo_jobs().items()} == first
    assert sum(len(jobs) for jobs in first.values()) >= 1000
    assert [job.job_id for job in first[PROJECT_A]][:500] == list(range(1, 501))
    assert {len(job.sources) for job in first[PROJECT_A]} == {1, 2, 3}
    store = Store(tmp_path / "demo.sqlite3")
    assert store.seed_demo() == len(PROJECT_A_JOBS) + len(PROJECT_B_JOBS)
    assert store.seed_demo() == 0  # seeding an existing store writes nothing
    assert store.count_jobs(PROJECT_A) == len(PROJECT_A_JOBS)


OWNER = {**dict.fromkeys(PROJECT_A_JOBS, PROJECT_A), **dict.fromkeys(PROJECT_B_JOBS, PROJECT_B)}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(st.integers(min_value=0, max_value=1300), min_size=1, max_size=40, unique=True),
    as_b=st.booleans(),
)
def test_isolation_no_token_reads_another_projects_jobs(app, ids, as_b):
    """Property: whatever IDs are asked, each project sees exactly its own jobs among them."""
    project, token = (PROJECT_B, TOKEN_B) if as_b else (PROJECT_A, TOKEN_A)
    answer = call(
        app, path=METRICS_PATH.format(project_id=project), token=token, body={"job_ids": ids}
    )
    assert answer.status == 200
    assert job_ids(answer) == [i for i in ids if OWNER.get(i) == project]


def test_configured_tokens_replace_the_demo_ones(tmp_path):
    settings = Settings(
        db=tmp_path / "db.sqlite3", tokens=f"secret={PROJECT_B}", no_demo_tokens=True
    )
    app = create_app(settings)
    assert call(app, token=TOKEN_A, body={"job_ids": [1]}).json()["error_id"] == "CS.10005"
    assert job_ids(call(app, path=B, token="secret", body={"job_ids": [601]})) == [601]
