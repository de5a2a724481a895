"""A database file replaced or deleted under a running server is noticed by the next request.

The outside tester's finding: the server kept answering from the file it had opened (a
restored or replaced database was ignored until a restart, a deleted one still served),
while docs/server.md promises that an answer never lags a commit its client could have seen.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from reference_server import Settings, create_app
from reference_server.demo import PROJECT_A, Job
from reference_server.store import Store
from tests.support import call, validator


def _database(path: Path, rate: float) -> Path:
    """A database of its own whose job 1 reads at ``rate`` (closed: no -wal file left)."""
    store = Store(path)
    store.seed_demo()
    store.load(PROJECT_A, [Job(1, (), (), rate, None)])
    store.close()
    return path


def _rate(app: object) -> object:
    answer = call(app, body={"job_ids": [1]})
    assert answer.status == 200, answer.body
    return answer.json()["payload"]["jobs"][0]["metrics"]["total_read_rate"]


def test_a_replaced_database_is_read_at_the_next_request(tmp_path: Path) -> None:
    db = _database(tmp_path / "db.sqlite3", 1.0)
    app = create_app(Settings(db=db))
    assert _rate(app) == 1.0  # cached now
    os.replace(_database(tmp_path / "restored.sqlite3", 2.0), db)  # a restore: mv over it
    assert _rate(app) == 2.0
    os.replace(_database(tmp_path / "again.sqlite3", 3.0), db)
    assert _rate(app) == 3.0


def test_a_deleted_database_is_an_internal_error_until_one_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = _database(tmp_path / "db.sqlite3", 1.0)
    app = create_app(Settings(db=db))
    assert _rate(app) == 1.0
    saved = tmp_path / "saved.sqlite3"
    shutil.copy(db, saved)
    db.unlink()
    answer = call(app, body={"job_ids": [1]})
    assert answer.status == 400
    body = answer.json()
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == "CS.10001"
    assert "deleted while the server runs" in caplog.text
    os.replace(saved, db)
    assert _rate(app) == 1.0


def test_a_replacement_that_is_no_database_is_refused_until_a_good_one_comes(
    tmp_path: Path,
) -> None:
    db = _database(tmp_path / "db.sqlite3", 1.0)
    app = create_app(Settings(db=db))
    assert _rate(app) == 1.0
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a database at all" * 100)
    os.replace(junk, db)
    assert call(app, body={"job_ids": [1]}).json()["error_id"] == "CS.10001"
    os.replace(_database(tmp_path / "good.sqlite3", 5.0), db)
    assert _rate(app) == 5.0


def test_a_load_leaves_an_empty_wal_so_a_restore_by_mv_is_read(tmp_path: Path) -> None:
    """SQLite finds the -wal beside the path: the commits a writer left there were read as
    the restored file's, and the server answered the old jobs after a restore."""
    db = tmp_path / "db.sqlite3"
    app = create_app(Settings(db=db))  # seeds the demo data
    store = Store(db)  # a loader's connection, closed before the restore
    store.load(PROJECT_A, [Job(1, (), (), 1.0, None)])
    assert (tmp_path / "db.sqlite3-wal").stat().st_size == 0
    store.close()
    assert _rate(app) == 1.0
    os.replace(_database(tmp_path / "restored.sqlite3", 2.0), db)
    assert _rate(app) == 2.0


def test_following_a_replaced_file_writes_nothing_through_the_old_one(tmp_path: Path) -> None:
    """Two workers follow a restore one after the other, and a load lands between them: the
    second must not checkpoint the WAL (found by the path, so the new file's) into the old
    file. An earlier fix did, and the load was lost for both workers and for good."""
    db = tmp_path / "db.sqlite3"
    _database(db, 1.0)
    first, second = create_app(Settings(db=db)), create_app(Settings(db=db))
    assert _rate(first) == _rate(second) == 1.0
    os.replace(_database(tmp_path / "restored.sqlite3", 2.0), db)
    assert _rate(first) == 2.0
    loader = Store(db)
    loader.load(PROJECT_A, [Job(1, (), (), 3.0, None)])
    assert _rate(first) == 3.0
    assert _rate(second) == 3.0
    assert _rate(first) == 3.0
    loader.close()
    with sqlite3.connect(db) as fresh:
        assert fresh.execute("SELECT total_read_rate FROM jobs WHERE job_id = 1").fetchone() == (
            3.0,
        )


def test_a_restore_through_sqlites_backup_api_is_read_at_the_next_request(
    tmp_path: Path,
) -> None:
    """``sqlite3 db ".restore backup"`` copies the backup's pages in: its change counter
    can equal the one it replaces, so the counter alone did not tell."""
    db = _database(tmp_path / "db.sqlite3", 1.0)
    backup = _database(tmp_path / "backup.sqlite3", 2.0)  # the same loads: the same counter
    app = create_app(Settings(db=db))
    assert _rate(app) == 1.0
    with sqlite3.connect(backup) as source, sqlite3.connect(db) as target:
        source.backup(target)
    assert _rate(app) == 2.0
