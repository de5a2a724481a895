"""Start-up: no write when nothing needs writing, and one line + exit 2 for a bad database.

The outside tester's findings: the server could not start while a load ran (it wrote at
start, waited 5.7 s for the lock and died with a traceback), and a corrupt database, a
directory or ``/dev/null`` as the database gave a Python traceback and exit 1.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fuzz_harness.server_process import ServerProcess, free_port
from reference_server.cli import main
from reference_server.store import Store, StoreError, describe_sqlite_error
from tests.support import ROOT, headers, metrics_url, run_tool


def serve(db: Path | str, tool: str) -> subprocess.CompletedProcess[str]:
    """``python -m TOOL serve`` on a database it must refuse: it exits before binding the
    port."""
    command = [sys.executable, "-m", tool, "serve", "--db", str(db),
               "--port", str(free_port())]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def _random_bytes(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 64)
    return path


def _truncated(path: Path) -> Path:
    Store(path).close()  # a real database with the demo data ...
    data = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(data[: len(data) // 3])  # ... cut to a third
    return path


def _other_application(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
    return path


def _our_table_names_other_columns(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, title TEXT)")
    return path


def _directory(path: Path) -> Path:
    path.mkdir()
    return path


BAD_DATABASES = {
    "random bytes": (_random_bytes, "not an SQLite database"),
    "a truncated database": (_truncated, "damaged"),
    "another application's database": (_other_application, "another application's tables"),
    "a table of ours with other columns": (_our_table_names_other_columns, "no such column"),
    "a directory": (_directory, "is a directory"),
}


@pytest.mark.usefixtures("no_server_starts")
@pytest.mark.parametrize("name", BAD_DATABASES)
def test_a_database_the_server_cannot_use_is_one_line_and_exit_2(tmp_path: Path, name: str) -> None:
    """In this process, up to serve's port check (``no_server_starts``); the test below runs
    both commands as processes."""
    make, words = BAD_DATABASES[name]
    db = make(tmp_path / "db.sqlite3")
    before = db.read_bytes() if db.is_file() else None
    result = run_tool(main, ["serve", "--db", str(db), "--port", str(free_port())])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("serve: database ")
    assert words in lines[0]
    if before is not None:
        assert db.read_bytes() == before  # refused without writing into it


@pytest.mark.parametrize("tool", ["reference_server", "jobs_metrics_cli"])
def test_dev_null_is_refused_in_one_line(tool: str) -> None:
    """The same line from ``python -m reference_server serve`` and ``jobs-metrics serve``."""
    result = serve("/dev/null", tool)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "serve: database /dev/null: not a regular file (a device or a pipe?)"
    )


def test_the_server_starts_and_answers_while_a_load_holds_the_write_lock(tmp_path: Path) -> None:
    """An existing database needs no write at start: a writer's lock does not matter."""
    db = tmp_path / "db.sqlite3"
    store = Store(db)
    store.seed_demo()  # schema and demo data in place
    store.close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a running load holds
    holder.execute("UPDATE jobs SET total_read_rate = 1 WHERE job_id = 1")
    try:
        with ServerProcess(db) as server:
            answer = httpx.post(
                metrics_url(server.base_url), json={"job_ids": [2]}, headers=headers(), timeout=10
            )
            assert answer.status_code == 200
            assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [2]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_opening_an_existing_database_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store = Store(db)
    store.seed_demo()
    store.close()
    shutil.copy(db, tmp_path / "copy")
    store = Store(db)
    assert store.seed_demo() == 0
    store.close()
    assert db.read_bytes() == (tmp_path / "copy").read_bytes()


def test_a_locked_database_that_needs_its_schema_says_so(tmp_path: Path) -> None:
    """A fresh file must be written; with another writer's lock held, a clear refusal."""
    db = tmp_path / "db.sqlite3"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE unrelated_while_locked (x)")
    try:
        with pytest.raises(StoreError, match="locked by another writer"):
            Store(db, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("attempt to write a readonly database", "read-only"),
        ("database or disk is full", "disk full"),
        ("disk I/O error", "input/output error"),
        ("database is locked", "locked by another writer"),
        ("unable to open database file", "cannot be opened"),
    ],
)
def test_each_sqlite_failure_a_user_can_cause_has_its_line(message: str, words: str) -> None:
    line = describe_sqlite_error("db.sqlite3", sqlite3.OperationalError(message))
    assert line.startswith("database db.sqlite3: ")
    assert words in line
    assert "\n" not in line
