"""One answer reflects exactly one committed state of the store (issue: mixed loads).

The job cache keeps validated jobs between requests. If it noticed a change by reading a
version first and fetching the uncached jobs afterwards, a commit landing between the two
would give an answer with cached jobs of load k and fetched jobs of load k+1. The test puts
a commit exactly there, deterministically: a store whose fetch lets another connection
commit first.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson

from reference_server.cache import JobCache
from reference_server.demo import PROJECT_A, Job
from reference_server.store import Store


def load_generation(store: Store, generation: int, job_ids: Sequence[int]) -> None:
    """Load ``generation`` as the read rate of every job in ``job_ids`` (one commit)."""
    store.load(
        PROJECT_A,
        [Job(job_id=i, sources=(), sinks=(), total_read_rate=float(generation),
             total_write_rate=None) for i in job_ids],
    )  # fmt: skip


class CommitDuringFetch(Store):
    """A store whose next fetch is preceded by another writer's commit (load ``generation``)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writer = Store(path)  # a second connection, as the loader process would be
        self.commit_next: int | None = None

    def job_json(self, project_id: str, job_ids: Sequence[int]) -> dict[int, str]:
        if self.commit_next is not None:
            load_generation(self.writer, self.commit_next, [1, 2])
            self.commit_next = None
        return super().job_json(project_id, job_ids)


def rates(jobs: list[bytes]) -> list[float]:
    return [orjson.loads(job)["metrics"]["total_read_rate"] for job in jobs]


def test_a_commit_between_version_check_and_fetch_does_not_mix_loads(tmp_path: Path) -> None:
    store = CommitDuringFetch(tmp_path / "db.sqlite3")
    load_generation(store, 1, [1, 2])
    cache = JobCache(store)
    assert rates(cache.get(PROJECT_A, [1])) == [1.0]  # job 1 of load 1 is now cached
    store.commit_next = 2  # load 2 commits while job 2 is being fetched
    mixed = rates(cache.get(PROJECT_A, [1, 2]))
    assert len(set(mixed)) == 1, f"one answer mixed two loads: {mixed}"
    # and the next answer sees load 2 whole
    assert rates(cache.get(PROJECT_A, [1, 2])) == [2.0, 2.0]


def test_the_cache_sees_commits_of_its_own_connection(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    load_generation(store, 1, [1])
    cache = JobCache(store)
    assert rates(cache.get(PROJECT_A, [1])) == [1.0]
    load_generation(store, 2, [1])
    assert rates(cache.get(PROJECT_A, [1])) == [2.0]


def test_a_hand_edit_of_the_database_is_seen_too(tmp_path: Path) -> None:
    """Writers other than the loader (sqlite3 shell, a script) also invalidate the cache."""
    import sqlite3

    store = Store(tmp_path / "db.sqlite3")
    load_generation(store, 1, [1])
    cache = JobCache(store)
    assert rates(cache.get(PROJECT_A, [1])) == [1.0]
    with sqlite3.connect(tmp_path / "db.sqlite3") as other:
        other.execute("UPDATE jobs SET total_read_rate = 3.0 WHERE job_id = 1")
    assert rates(cache.get(PROJECT_A, [1])) == [3.0]
