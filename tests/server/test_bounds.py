"""Bounded answers, by the reference server's own limits (not the contract's).

The contract bounds neither a job's streams nor their names: the provider does not (issue 29;
a spec that did broke clients generated from it on real answers). The reference server keeps
its answers bounded anyway: the loader refuses a job whose JSON, as answered, is over
``MAX_JOB_BYTES``, so that an answer to 1,000 jobs is at most ``MAX_ANSWER_BYTES``; and the
job cache is bounded in bytes. (An outside tester once loaded 200 jobs with 1 MB names: one
answer of 210 MB, and the server's memory went from 78 to 764 MiB.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reference_server import Settings, create_app
from reference_server.cache import JobCache
from reference_server.demo import PROJECT_A, PROJECT_A_JOBS
from reference_server.loader import MAX_ANSWER_BYTES, MAX_JOB_BYTES, load_file
from reference_server.store import LoadError, Store
from tests.server.test_successor import Signed
from tests.support import call, spec

INT64_MAX = 2**63 - 1
DOUBLE_MAX = 1.7976931348623157e308
JOBS_MAX = spec()["components"]["schemas"]["JobMetricsRequest"]["properties"]["job_ids"]["maxItems"]
# 200 characters with non-ASCII ones of each UTF-8 length (2, 3 and 4 bytes), a character
# JSON must escape, and a quote: what real Flink operator names and the worst case hold.
LONG_NAME = ('Source: Custom Source -> Map -> Filter ü 字 😀 \x01 "q" ' * 8)[:200]


def _job(job_id: int, name: str, sources: int, sinks: int) -> Any:
    def stream(n: int) -> dict[str, Any]:
        return {"name": f"{n}{name}"[: len(name)], "records": n, "corrupted_records": 0}

    return {
        "job_id": job_id,
        "metrics": {
            "sources": [stream(n) for n in range(sources)],
            "sinks": [stream(100 + n) for n in range(sinks)],
            "total_read_rate": 12.5,
            "total_write_rate": 11.0,
        },
    }


def _file(tmp_path: Path, jobs: list[Any]) -> Path:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"payload": {"jobs": jobs}}))
    return path


def test_the_spec_bounds_neither_streams_nor_names() -> None:
    schemas = spec()["components"]["schemas"]
    for array in ("sources", "sinks"):
        assert "maxItems" not in schemas["JobStreamMetrics"]["properties"][array]
    assert "maxLength" not in schemas["StreamMetrics"]["properties"]["name"]
    assert "maxItems" not in schemas["JobMetricsPayload"]["properties"]["jobs"]
    assert "maxItems" not in schemas["FlinkMetrics"]["properties"]["jobs"]


@pytest.mark.parametrize("operation", ["cs", "successor"])
def test_a_job_of_10_sources_and_10_sinks_with_long_names_is_held_and_answered_exactly(
    tmp_path: Path, operation: str
) -> None:
    job = _job(9000, LONG_NAME, sources=10, sinks=10)
    assert len(job["metrics"]["sources"][3]["name"]) == 200
    db = tmp_path / "db.sqlite3"
    assert load_file(db, PROJECT_A, _file(tmp_path, [job])) == 1
    app = create_app(Settings(db=db))
    if operation == "cs":
        answer = call(app, body={"job_ids": [9000]})
        jobs = answer.json()["payload"]["jobs"]
    else:
        answer = Signed(body=b'{"job_ids": [9000]}').send(app)
        jobs = answer.json()["metrics"]["jobs"]
    assert answer.status == 200
    assert jobs == [job]


def test_a_job_over_the_servers_byte_budget_is_refused_naming_it(tmp_path: Path) -> None:
    # 40 streams of 200 escaped characters: about 50 KB, over the 32 KiB budget.
    big = _job(9001, "\x01" * 200, sources=20, sinks=20)
    db = tmp_path / "db.sqlite3"
    with pytest.raises(LoadError) as refused:
        load_file(db, PROJECT_A, _file(tmp_path, [_job(9000, "ok", 1, 1), big]))
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("payload.jobs.1: job 9001 takes ")
    assert f"more than the {MAX_JOB_BYTES} one job may take" in message
    store = Store(db)
    assert store.count_jobs(PROJECT_A) == len(PROJECT_A_JOBS)  # nothing of the file written
    store.close()


def test_a_job_of_exactly_the_budget_is_held(tmp_path: Path) -> None:
    job = _job(9002, "", sources=1, sinks=0)
    base = len(json.dumps(job, separators=(",", ":")).encode())
    job["metrics"]["sources"][0]["name"] = "n" * (MAX_JOB_BYTES - base)
    assert len(json.dumps(job, separators=(",", ":")).encode()) == MAX_JOB_BYTES
    assert load_file(tmp_path / "db.sqlite3", PROJECT_A, _file(tmp_path, [job])) == 1
    job["metrics"]["sources"][0]["name"] += "n"
    with pytest.raises(LoadError, match="job 9002 takes 32769 bytes"):
        load_file(tmp_path / "db2.sqlite3", PROJECT_A, _file(tmp_path, [job]))


def test_a_negative_job_id_is_refused_by_the_loader(tmp_path: Path) -> None:
    """The answer's job_id is the whole int64 range (the provider's Long), but no request
    names a negative ID, so a job stored under one could never be read."""
    with pytest.raises(LoadError, match=r"payload.jobs.0.job_id: job -5 is negative"):
        load_file(tmp_path / "db.sqlite3", PROJECT_A, _file(tmp_path, [_job(-5, "n", 1, 1)]))


@pytest.mark.parametrize("character", ["n", "\x01"], ids=["ascii", "escaped"])
def test_1000_jobs_at_the_budget_fit_the_stated_answer_size(tmp_path: Path, character: str) -> None:
    """Loaded through the loader, answered by the app: each job as large as the budget lets
    it be, every number at its largest."""
    ids = list(range(INT64_MAX - JOBS_MAX + 1, INT64_MAX + 1))
    template = _job(ids[0], "", sources=1, sinks=0)
    template["metrics"]["sources"][0].update(records=INT64_MAX, corrupted_records=INT64_MAX)
    template["metrics"].update(total_read_rate=DOUBLE_MAX, total_write_rate=DOUBLE_MAX)
    base = len(json.dumps(template, separators=(",", ":")).encode())
    escaped = len(json.dumps(character)) - 2
    template["metrics"]["sources"][0]["name"] = character * ((MAX_JOB_BYTES - base) // escaped)
    jobs = [{**template, "job_id": job_id} for job_id in ids]
    db = tmp_path / "db.sqlite3"
    assert load_file(db, PROJECT_A, _file(tmp_path, jobs), max_bytes=2**31) == JOBS_MAX
    answer = call(create_app(Settings(db=db)), body={"job_ids": ids})
    assert answer.status == 200
    assert len(answer.json()["payload"]["jobs"]) == JOBS_MAX
    assert len(answer.body) <= MAX_ANSWER_BYTES
    assert len(answer.body) > MAX_ANSWER_BYTES * 0.99  # the bound is tight


def test_the_job_cache_is_bounded_in_bytes(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store.seed_demo()
    cache = JobCache(store, max_bytes=20_000)
    ids = list(PROJECT_A_JOBS)
    for start in range(0, len(ids), 50):
        got = cache.get(PROJECT_A, ids[start : start + 50])
        assert [json.loads(job)["job_id"] for job in got] == ids[start : start + 50]
        assert 0 < cache.size_bytes <= 20_000
    store.close()


@pytest.mark.parametrize(
    "jobs",
    [
        [_job(1, "a", 1, 1), _job(2, "b", 2, 0)],
        [_job(1, "a", 1, 1), _job(1, "b", 1, 1)],  # twice
        [_job(-3, "a", 1, 1)],  # negative
        [_job(1, "\x01" * 200, 20, 20)],  # over the budget
        [{"job_id": 1, "metrics": {"sources": [{"name": 7}]}}],  # a schema violation
        [{"job_id": 1, "extra": True}],  # an unknown field
    ],
    ids=["valid", "twice", "negative", "over budget", "schema", "unknown field"],
)
def test_jobs_in_memory_are_validated_as_a_file_is(jobs: list[Any]) -> None:
    """validate_jobs (the stand-in's, one call) decides and words it as parse_metrics."""
    from reference_server.loader import parse_metrics, validate_jobs

    def outcome(run: Any) -> Any:
        try:
            return run()
        except LoadError as exc:
            return str(exc)

    fast = outcome(lambda: validate_jobs(jobs))
    assert fast == outcome(lambda: parse_metrics(json.dumps({"payload": {"jobs": jobs}}).encode()))


def test_the_budget_is_measured_on_the_job_as_answered(tmp_path: Path) -> None:
    """A job loaded without sinks is answered with ``"sinks":[]``: the budget counts them
    (the bench's 1,000 such jobs made an answer 11 KB over the stated bound)."""
    job = _job(9003, "", sources=1, sinks=0)
    del job["metrics"]["sinks"]
    answered = {**job, "metrics": {**job["metrics"], "sinks": []}}
    base = len(json.dumps(answered, separators=(",", ":")).encode())
    job["metrics"]["sources"][0]["name"] = "n" * (MAX_JOB_BYTES - base + 1)  # one byte over
    with pytest.raises(LoadError, match=f"job 9003 takes {MAX_JOB_BYTES + 1} bytes"):
        load_file(tmp_path / "db.sqlite3", PROJECT_A, _file(tmp_path, [job]))
