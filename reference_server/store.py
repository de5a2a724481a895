"""The SQLite store: jobs and their source/sink streams, per project.

WAL mode lets the loader write while the server reads. One connection per process is
shared by the event loop's thread under a lock: every query is a few microseconds, so
serialising them costs less than a pool would. :meth:`Store.snapshot` holds one read
transaction across several queries, so they all see the same committed state.
"""

from __future__ import annotations

import functools
import os
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


class StoreError(ValueError):
    """The database cannot be used; the message says which file and why, in one line."""


class LoadError(ValueError):
    """A load that was refused as a whole; nothing was written."""


# Every object SCHEMA creates: a database holding all of them needs no write at start.
_OBJECTS = {
    ("table", "jobs"),
    ("table", "streams"),
    ("table", "generation"),
    ("index", "jobs_by_project"),
    *(
        ("trigger", f"{table}_{event}_moves_generation")
        for table in ("jobs", "streams")
        for event in ("insert", "update", "delete")
    ),
}
# The columns the server reads or writes, per table: a table of that name with other
# columns is another schema, refused before anything is written.
_COLUMNS = {
    "jobs": "job_id, project_id, total_read_rate, total_write_rate",
    "streams": "job_id, kind, position, name, records, corrupted_records",
    "generation": "n",
}


class _ForeignSchema(sqlite3.DatabaseError):
    """The file is an SQLite database of another application (reported as a StoreError)."""


def _check_path(path: Path) -> None:
    """Refuse what SQLite would open and then fail on obscurely: a directory, a device."""
    if path.is_dir():
        raise StoreError(f"database {path}: is a directory; give a file path")
    if path.exists() and not path.is_file():
        raise StoreError(f"database {path}: not a regular file (a device or a pipe?)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"database {path}: cannot create its directory ({exc.strerror})") from None


def describe_sqlite_error(path: Path | str, exc: sqlite3.Error) -> str:
    """One line for an SQLite error a user can cause, saying what to do about it."""
    text = str(exc)
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        reason = "locked by another writer (a load?) for longer than the wait allowed; retry"
        return f"database {path}: {reason} when it has finished"
    if "full" in lowered:
        return f"database {path}: disk full (or the file size limit reached); nothing was written"
    if "readonly" in lowered or "read-only" in lowered:
        return f"database {path}: read-only (the file, its directory or the file system)"
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return f"database {path}: not an SQLite database, or a damaged one ({text})"
    if "unable to open" in lowered:
        return f"database {path}: cannot be opened (missing directory or permission?)"
    if "disk i/o" in lowered:
        return f"database {path}: input/output error (disk full, or a file size limit?)"
    return f"database {path}: {text}"


def _identity(path: Path, *, missing_ok: bool = True) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None for ``:memory:`` (or a missing file)."""
    if str(path) == ":memory:":
        return None
    try:
        status = os.stat(path)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    return status.st_dev, status.st_ino


def _set_busy_timeout(db: sqlite3.Connection, seconds: float) -> None:
    """How long a statement of ``db`` waits for another connection's lock before giving up."""
    db.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")


@functools.cache
def _memory_image() -> bytes:
    """An empty store's database as bytes. A new in-memory store (one per stand-in
    sandbox, so one per test of a suite) starts from a copy of it: ``deserialize`` takes
    about 13 us where running the schema takes about 190 us.

    A deserialized database grows to SQLite's ``SQLITE_MEMDB_DEFAULT_MAXSIZE`` (1 GiB) at
    most, a plain ``:memory:`` one without bound. A sandbox holds at most 10,000 jobs of at
    most 32 KiB each (``jobs_metrics_stand_in.limits.MAX_JOBS``, the loader's
    ``MAX_JOB_BYTES``): 337 MB measured at that worst case, well inside it."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(SCHEMA)
        return db.serialize()
    finally:
        db.close()


def _schema_in_place(db: sqlite3.Connection) -> bool:
    """Whether the file holds this server's schema in WAL mode (reads only).

    A database holding other tables and not ours is another application's: refused
    rather than written into.
    """
    rows = db.execute("SELECT type, name FROM sqlite_master").fetchall()
    found = {(kind, name.lower()) for kind, name in rows if not name.startswith("sqlite_")}
    foreign = sorted(name for kind, name in found - _OBJECTS)
    if foreign:
        names = ", ".join(foreign[:5])
        raise _ForeignSchema(f"holds another application's tables ({names})")
    for kind, table in found:
        if kind == "table":
            db.execute(f"SELECT {_COLUMNS[table]} FROM {table} LIMIT 0").fetchall()
    if not found >= _OBJECTS:
        return False
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    return bool(mode == "wal" and db.execute("SELECT 1 FROM generation").fetchone())


class Store:
    """Jobs of all projects in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        """Open the database; create the schema only if it is missing.

        Opening writes nothing when the schema is in place: a server must be able to start
        while a load holds the write lock (it used to write at start, wait 5 s and die with
        a traceback). Anything that makes the file unusable is a ``StoreError`` in one line.
        """
        self.path = path
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()  # re-entered by queries inside snapshot()
        self.epoch = 0  # moved by every reopen: the file under the path was replaced
        self._broken: str | None = None  # why the replacing file could not be opened
        self._db, self._identity = self._open()

    def _open(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        """A connection to the file at ``path`` now, and that file's identity (device, inode)."""
        path = self.path
        if str(path) != ":memory:":
            _check_path(path)
        try:
            db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(path, exc)) from None
        try:
            _set_busy_timeout(db, self._busy_timeout)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            if str(path) == ":memory:" and hasattr(db, "deserialize"):
                db.deserialize(_memory_image())
            elif not _schema_in_place(db):
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            db.close()
            raise StoreError(describe_sqlite_error(path, exc)) from None
        return db, _identity(path)

    def follow_file(self) -> bool:
        """Reopen when the file at ``path`` is no longer the one open; True if it was.

        A database deleted or replaced (a restore, ``mv new.sqlite3 reference.sqlite3``)
        under a running server went unnoticed until a restart: the open connection kept
        reading the old file. A ``stat`` tells (the job cache calls this on each look at the
        store); a deleted file is a ``StoreError`` (answered as an internal error and
        logged) until one is back.
        """
        if self._identity is None:
            return False
        try:
            now = _identity(self.path, missing_ok=False)
        except FileNotFoundError:
            raise StoreError(f"database {self.path}: deleted while the server runs") from None
        if now == self._identity and self._broken is None:
            return False
        with self._lock:
            # The old connection goes first, and it writes nothing: SQLite finds the -wal by
            # the path, so a checkpoint through it would copy commits already made to the
            # new file into the old one and empty the WAL under them. (The WAL is empty
            # here when the toolkit wrote last: see ``load``.)
            if self._broken is None:
                self._db.close()
            try:
                self._db, self._identity = self._open()
            except StoreError as exc:
                self._broken = str(exc)  # tried again on the next request
                raise
            self._broken = None
            self.epoch += 1
        return True

    def _empty_wal(self) -> None:
        """Write the WAL into the file and empty it (a TRUNCATE checkpoint), if no reader is
        in the way at this instant (no wait: a loader must not hang on a busy server).

        Why: SQLite finds the -wal beside the path, not beside the file. After a restore
        (``mv backup.sqlite3 db.sqlite3``) the WAL left by the last writer was read as the
        restored file's, and the server answered the old jobs. A file the toolkit wrote
        last has an empty WAL, so a restore by ``mv`` is safe once the writer is done; a
        third-party writer's commits are the operator's to checkpoint (docs/server.md).
        """
        _set_busy_timeout(self._db, 0)
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            pass  # the WAL stays as it is: the data is safe, only a later mv is not
        finally:
            _set_busy_timeout(self._db, self._busy_timeout)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        with self._lock:
            return bool(self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM jobs)").fetchone()[0])

    def seed_demo(self) -> int:
        """Fill an empty store with the demo data set; return how many jobs were written."""
        if not self.is_empty():
            return 0  # the usual case: no write at all
        written = 0
        try:
            for project, jobs in demo_jobs().items():
                written += self.load(project, jobs)
        except sqlite3.Error as exc:
            raise StoreError(describe_sqlite_error(self.path, exc)) from None
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

    def generation(self) -> tuple[int, int]:
        """What every committed change moves: the counter of changes to the jobs (see
        ``SCHEMA``) and SQLite's ``data_version``, which any other connection's commit moves.

        The counter alone missed a restore through SQLite's backup API (``sqlite3 db
        ".restore backup"``): the pages copied in carried a counter equal to the one they
        replaced, and the cache kept the old jobs. One statement reads both."""
        with self._lock:
            n, version = self._db.execute(
                "SELECT n, (SELECT data_version FROM pragma_data_version) FROM generation"
            ).fetchone()
        return int(n), int(version)

    def warm_reads(self, project_id: str) -> None:
        """Make now the reads a request's first look at the store makes (the job cache's:
        the generation, then a read transaction with the generation and the jobs), writing
        nothing. A new connection reads the schema at its first statement and SQLite
        compiles each statement at its first use: on a new in-memory store that was
        ~100 us of the first request's ~160 us in the app. The stand-in warms the sandboxes
        it builds in advance."""
        self.generation()
        with self.snapshot():
            self.generation()
            self.job_json(project_id, [])

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
                cur.execute("COMMIT")
                self._empty_wal()
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk): a second
                # ROLLBACK would replace the real cause with "no transaction is active".
                if self._db.in_transaction:
                    cur.execute("ROLLBACK")
                raise
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
