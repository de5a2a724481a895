"""The SQLite store: jobs and their source/sink streams, per project.

WAL mode lets the loader write while the server reads. One connection per process is
shared by the event loop's thread under a lock: every query is a few microseconds, so
serialising them costs less than a pool would. :meth:`Store.snapshot` holds one read
transaction across several queries, so they all see the same committed state.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import orjson

from reference_server.demo import Job, demo_jobs

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    total_read_rate REAL,
    total_write_rate REAL
);
CREATE INDEX IF NOT EXISTS jobs_by_project ON jobs (project_id, job_id);
CREATE TABLE IF NOT EXISTS streams (
    job_id INTEGER NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('source', 'sink')),
    position INTEGER NOT NULL,
    name TEXT,
    records INTEGER CHECK (records >= 0),
    corrupted_records INTEGER CHECK (corrupted_records >= 0),
    PRIMARY KEY (job_id, kind, position)
) WITHOUT ROWID;
-- One counter moved by every change to the jobs, in the writer's own transaction, whoever
-- writes (the loader, a script, the sqlite3 shell). Readers read it in the same snapshot as
-- the jobs, so a cache keyed by it can never pair jobs of two different commits.
CREATE TABLE IF NOT EXISTS generation (n INTEGER NOT NULL);
INSERT INTO generation SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM generation);
"""
_TRIGGER = """CREATE TRIGGER IF NOT EXISTS {table}_{event}_moves_generation
AFTER {event} ON {table} BEGIN UPDATE generation SET n = n + 1; END;
"""
SCHEMA += "".join(
    _TRIGGER.format(table=table, event=event)
    for table in ("jobs", "streams")
    for event in ("INSERT", "UPDATE", "DELETE")
)

# One statement for any number of IDs: the IDs travel as one JSON array, so SQLite keeps a
# single prepared statement instead of one per list length. SQLite builds each job's JSON in
# the response's own shape; the app validates it with the generated model before use.
_STREAMS = """(SELECT json_group_array(json_object(
    'name', s.name, 'records', s.records, 'corrupted_records', s.corrupted_records))
  FROM (SELECT * FROM streams AS s WHERE s.job_id = j.job_id AND s.kind = '{kind}'
        ORDER BY s.position) AS s)"""
# The rates travel as REAL columns, not inside the JSON: SQLite writes a REAL into JSON with
# 15 significant digits (0.12345678901234567 became 0.123456789012346, and the largest double
# became one that overflows), so Python, whose float text round-trips exactly, writes them.
_QUERY = f"""
SELECT j.job_id, json_object(
  'job_id', j.job_id,
  'metrics', json_object(
    'sources', json({_STREAMS.format(kind="source")}),
    'sinks', json({_STREAMS.format(kind="sink")}))),
  j.total_read_rate, j.total_write_rate
FROM jobs AS j
WHERE j.job_id IN (SELECT value FROM json_each(?)) AND j.project_id = ?
"""


class LoadError(ValueError):
    """A load that was refused as a whole; nothing was written."""


class Store:
    """Jobs of all projects in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # re-entered by queries inside snapshot()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        # How long a statement waits for another connection's lock before giving up.
        self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return bool(self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM jobs)").fetchone()[0])

    def seed_demo(self) -> int:
        """Fill an empty store with the demo data set; return how many jobs were written."""
        if not self.is_empty():
            return 0
        written = 0
        for project, jobs in demo_jobs().items():
            written += self.load(project, jobs)
        return written

    def job_json(self, project_id: str, job_ids: Sequence[int]) -> dict[int, str]:
        """JSON of the project's jobs among ``job_ids``; others are left out."""
        ids_json = "[" + ",".join(map(str, job_ids)) + "]"
        with self._lock:
            rows = self._db.execute(_QUERY, (ids_json, project_id)).fetchall()
        found: dict[int, str] = {}
        for job_id, text, read_rate, write_rate in rows:
            if read_rate is not None or write_rate is not None:
                job = orjson.loads(text)
                job["metrics"]["total_read_rate"] = read_rate
                job["metrics"]["total_write_rate"] = write_rate
                text = orjson.dumps(job).decode()
            found[job_id] = text
        return found

    def projects(self) -> list[str]:
        """Every project that owns a job."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT project_id FROM jobs")]

    def generation(self) -> int:
        """The counter every committed change to the jobs moves (see ``SCHEMA``)."""
        with self._lock:
            return int(self._db.execute("SELECT n FROM generation").fetchone()[0])

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Run the queries inside the block in one read transaction: one committed state.

        In WAL mode the snapshot is fixed by the first read in the transaction; commits by
        other connections after it are not seen until the block ends.
        """
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")  # nothing was written: this only ends the read

    def load(self, project_id: str, jobs: Iterable[Job]) -> int:
        """Insert or replace ``jobs`` of ``project_id`` in one transaction.

        Loading the same jobs twice leaves the same rows (idempotent). A job that belongs to
        another project refuses the whole load: nothing is written. ``jobs`` is consumed
        inside the transaction, so a stream whose iterator raises (a bad job late in a file)
        rolls the whole load back.
        """
        written = 0
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for job in jobs:
                    owner = cur.execute(
                        "SELECT project_id FROM jobs WHERE job_id = ?", (job.job_id,)
                    ).fetchone()
                    if owner is not None and owner[0] != project_id:
                        raise LoadError(f"job {job.job_id} belongs to another project")
                    cur.execute(
                        "INSERT INTO jobs (job_id, project_id, total_read_rate, total_write_rate)"
                        " VALUES (?, ?, ?, ?) ON CONFLICT (job_id) DO UPDATE SET"
                        " total_read_rate = excluded.total_read_rate,"
                        " total_write_rate = excluded.total_write_rate",
                        (job.job_id, project_id, job.total_read_rate, job.total_write_rate),
                    )
                    cur.execute("DELETE FROM streams WHERE job_id = ?", (job.job_id,))
                    cur.executemany(
                        "INSERT INTO streams VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            (job.job_id, kind, pos, s.name, s.records, s.corrupted_records)
                            for kind, streams in (("source", job.sources), ("sink", job.sinks))
                            for pos, s in enumerate(streams)
                        ],
                    )
                    written += 1
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")
        return written

    def count_jobs(self, project_id: str | None = None) -> int:
        with self._lock:
            if project_id is None:
                return int(self._db.execute("SELECT count(*) FROM jobs").fetchone()[0])
            return int(
                self._db.execute(
                    "SELECT count(*) FROM jobs WHERE project_id = ?", (project_id,)
                ).fetchone()[0]
            )
