"""Bounded answers: stream names and streams per job in the spec, enforced by the loader;
1,000 jobs at the bounds fit the size the spec states; the job cache bounded in bytes.

The outside tester loaded 200 jobs with 1 MB names: one answer of 210 MB, and the server's
memory went from 78 to 764 MiB (the cache kept them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reference_server import Settings, create_app
from reference_server.cache import JobCache
from reference_server.demo import PROJECT_A, PROJECT_A_JOBS
from reference_server.loader import load_file
from reference_server.store import LoadError, Store
from tests.support import call, spec

INT64_MAX = 2**63 - 1
DOUBLE_MAX = 1.7976931348623157e308


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec()["components"]["schemas"][name]
    return schema


NAME_MAX = _schema("StreamMetrics")["properties"]["name"]["maxLength"]
SOURCES_MAX = _schema("JobStreamMetrics")["properties"]["sources"]["maxItems"]
SINKS_MAX = _schema("JobStreamMetrics")["properties"]["sinks"]["maxItems"]
JOBS_MAX = _schema("JobMetricsPayload")["properties"]["jobs"]["maxItems"]
# The sizes the spec states for 1,000 jobs at the bounds (JobMetricsPayload.jobs).
ASCII_ANSWER_MAX = 1_030_000  # "about 1.03 MB"
ESCAPED_ANSWER_MAX = 2_950_000  # "at most 2.95 MB"


def _job(job_id: int, name: str, sources: int = SOURCES_MAX, sinks: int = SINKS_MAX) -> Any:
    stream = {"name": name, "records": INT64_MAX, "corrupted_records": INT64_MAX}
    return {
        "job_id": job_id,
        "metrics": {
            "sources": [stream] * sources,
            "sinks": [stream] * sinks,
            "total_read_rate": DOUBLE_MAX,
            "total_write_rate": DOUBLE_MAX,
        },
    }


def _file(tmp_path: Path, jobs: list[Any]) -> Path:
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps({"payload": {"jobs": jobs}}))
    return path


def test_the_spec_states_the_bounds_and_the_answer_size() -> None:
    assert (NAME_MAX, SOURCES_MAX, SINKS_MAX, JOBS_MAX) == (64, 3, 3, 1000)
    text = _schema("JobMetricsPayload")["properties"]["jobs"]["description"]
    assert "about 1.03 MB" in text
    assert "2.95 MB" in text


@pytest.mark.parametrize(
    ("job", "words"),
    [
        (_job(9001, "n" * (NAME_MAX + 1)), "name: String should have at most 64 characters"),
        (_job(9001, "n", sources=SOURCES_MAX + 1), "sources: List should have at most 3 items"),
        (_job(9001, "n", sinks=SINKS_MAX + 1), "sinks: List should have at most 3 items"),
        (_job(9001, "n" * 1_000_000), "name: String should have at most 64 characters"),
    ],
    ids=["name of 65", "4 sources", "4 sinks", "name of 1 MB"],
)
def test_the_loader_refuses_a_job_past_the_bounds(tmp_path: Path, job: Any, words: str) -> None:
    with pytest.raises(LoadError, match=words):
        load_file(tmp_path / "db.sqlite3", PROJECT_A, _file(tmp_path, [_job(9000, "ok"), job]))


@pytest.mark.parametrize(
    ("character", "limit"), [("n", ASCII_ANSWER_MAX), ("\x01", ESCAPED_ANSWER_MAX)]
)
def test_1000_jobs_at_the_bounds_fit_the_stated_answer_size(
    tmp_path: Path, character: str, limit: int
) -> None:
    """Loaded through the loader, answered by the app: every number at its largest."""
    ids = list(range(INT64_MAX - JOBS_MAX + 1, INT64_MAX + 1))
    db = tmp_path / "db.sqlite3"
    assert load_file(db, PROJECT_A, _file(tmp_path, [_job(i, character * NAME_MAX) for i in ids]))
    answer = call(create_app(Settings(db=db)), body={"job_ids": ids})
    assert answer.status == 200
    assert len(answer.json()["payload"]["jobs"]) == JOBS_MAX
    assert len(answer.body) <= limit
    assert len(answer.body) > limit * 0.95  # the bound is tight: the worst case reaches it


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
