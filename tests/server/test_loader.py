"""The loader: validated, idempotent, atomic, and seen by a running server at once."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference_server import Settings, create_app
from reference_server.cli import main as server_main
from reference_server.demo import PROJECT_A, PROJECT_B, Job
from reference_server.loader import load_file, parse_metrics
from reference_server.store import LoadError, Store
from tests.support import ROOT, call, run_tool

FILE = {
    "payload": {
        "jobs": [
            {
                "job_id": 5000,
                "metrics": {
                    "sources": [{"name": "Source: in", "records": 10, "corrupted_records": 1}],
                    "sinks": [],
                    "total_read_rate": 1.5,
                    "total_write_rate": 0.5,
                },
            },
            {
                "job_id": 1,
                "metrics": {"sources": [], "sinks": [{"name": "Sink: out", "records": 7}]},
            },
        ]
    }
}


def dump(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
            + conn.execute("SELECT * FROM streams ORDER BY job_id, kind, position").fetchall()
        )


def write(tmp_path: Path, data: object, name: str = "metrics.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def load_cli(path: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """`python -m reference_server load` (what `make load` runs) into project A, in this
    process (the command itself runs from stdin below)."""
    return run_tool(
        server_main,
        ["load", str(path), "--project-id", PROJECT_A, "--db", str(db)],
        cwd=ROOT,
    )


def test_load_is_idempotent(tmp_path):
    db = tmp_path / "db.sqlite3"
    assert load_file(db, PROJECT_A, write(tmp_path, FILE)) == 2
    once = dump(db)
    assert load_file(db, PROJECT_A, write(tmp_path, FILE)) == 2
    assert dump(db) == once


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {
                "payload": {
                    "jobs": [{"job_id": 9000}, {"job_id": 9001, "metrics": {"total_read_rate": -1}}]
                }
            },
            "total_read_rate",
        ),
        ({"payload": {"jobs": [{"job_id": 9000}, {"metrics": {}}]}}, "job_id"),
        ({"payload": {"jobs": [{"job_id": 9000}, {"job_id": 9000}]}}, "twice"),
        ({"payload": {"jobs": [{"job_id": 9000}, {"job_id": 601}]}}, "another project"),
        ({"payload": {"jobs": [{"job_id": 9000}]}, "extra": 1}, "extra"),
    ],
    ids=[
        "invalid value",
        "missing job_id",
        "duplicate job",
        "job of another project",
        "unknown field",
    ],
)
def test_bad_file_changes_nothing(tmp_path, bad, message):
    db = tmp_path / "db.sqlite3"
    load_file(db, PROJECT_A, write(tmp_path, FILE))
    before = dump(db)
    with pytest.raises(LoadError, match=message):
        load_file(db, PROJECT_A, write(tmp_path, bad, "bad.json"))
    assert dump(db) == before


def test_parse_metrics_accepts_the_seed_shape():
    jobs = parse_metrics(json.dumps(FILE).encode())
    assert [job.job_id for job in jobs] == [5000, 1]


def test_cli_load_and_running_app_sees_it(tmp_path):
    db = tmp_path / "db.sqlite3"
    app = create_app(Settings(db=db))
    assert call(app, body={"job_ids": [5000]}).json()["payload"]["jobs"] == []
    cli = load_cli(write(tmp_path, FILE), db)
    assert cli.returncode == 0, cli.stderr
    assert "loaded 2 jobs" in cli.stdout
    jobs = call(app, body={"job_ids": [5000, 1]}).json()["payload"]["jobs"]
    assert jobs[0]["metrics"]["sources"][0]["records"] == 10
    assert jobs[1]["metrics"]["sinks"] == [
        {"name": "Sink: out", "records": 7}
    ]  # loaded over demo job 1


def test_cli_load_refuses_a_bad_file_with_a_message(tmp_path):
    db = tmp_path / "db.sqlite3"
    cli = load_cli(write(tmp_path, {"payload": {"jobs": [{"job_id": 601}]}}), db)
    assert cli.returncode == 2
    assert "load: job 601 belongs to another project" in cli.stderr
    assert "Traceback" not in cli.stderr


def test_loader_refuses_nothing_for_project_b_jobs_into_b(tmp_path):
    db = tmp_path / "db.sqlite3"
    assert load_file(db, PROJECT_B, write(tmp_path, {"payload": {"jobs": [{"job_id": 601}]}})) == 1


@pytest.mark.parametrize("rate", [b"Infinity", b"-Infinity", b"NaN", b"1e309"])
def test_a_poison_rate_is_refused_and_changes_nothing(tmp_path, rate):
    db = tmp_path / "db.sqlite3"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FILE))
    load_file(db, PROJECT_A, good)
    before = dump(db)
    poison = tmp_path / "poison.json"
    poison.write_bytes(
        b'{"payload":{"jobs":[{"job_id":5001,"metrics":{"total_read_rate":1.0}},'
        b'{"job_id":7008,"metrics":{"total_read_rate":' + rate + b"}}]}}"
    )
    with pytest.raises(LoadError, match=r"payload\.jobs\.1\.metrics\.total_read_rate"):
        load_file(db, PROJECT_A, poison)
    assert dump(db) == before


@pytest.mark.parametrize("project", ["EVIL", "", PROJECT_A.upper(), PROJECT_A + "0"])
def test_a_project_id_of_the_wrong_shape_is_refused(tmp_path, project):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FILE))
    with pytest.raises(LoadError, match="32 lowercase hexadecimal"):
        load_file(tmp_path / "db.sqlite3", project, good)
    assert not (tmp_path / "db.sqlite3").exists()


def test_a_locked_database_is_a_clear_error_not_a_traceback(tmp_path):
    db = tmp_path / "db.sqlite3"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(FILE))
    load_file(db, PROJECT_A, good)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = subprocess.run(
            [sys.executable, "-m", "reference_server", "load", str(good),
             "--project-id", PROJECT_B, "--db", str(db), "--wait", "0.2"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "locked" in result.stderr


def _big_file(path: Path, jobs: int) -> int:
    """A metrics file of ``jobs`` jobs with six streams each (about 700 bytes a job)."""
    streams = [
        {"name": f"Source: topic {k}", "records": k, "corrupted_records": 0} for k in range(6)
    ]
    with path.open("w") as out:
        out.write('{"payload": {"jobs": [')
        for i in range(jobs):
            job = {"job_id": 100_000 + i, "metrics": {"sources": streams[:3], "sinks": streams[3:],
                                                      "total_read_rate": i / 7}}  # fmt: skip
            out.write(("," if i else "") + json.dumps(job))
        out.write("]}}")
    return path.stat().st_size


def _peak_rss_of_a_load(db: Path, path: Path) -> tuple[int, float]:
    """Load ``path`` in a fresh interpreter; return the job count and its peak RSS in MB."""
    probe = (
        "import resource, sys; from pathlib import Path; "
        "from reference_server.loader import load_file; "
        f"n = load_file(Path(sys.argv[1]), {PROJECT_A!r}, Path(sys.argv[2])); "
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(db), str(path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    return int(out[0]), int(out[1]) / 1024


@pytest.mark.slow  # loads a file of tens of MB (~3 s)
def test_the_loader_streams_memory_does_not_grow_with_the_file(tmp_path):
    """A 13 MB file costs a load less than half its size in extra memory.

    Validating the file whole took about 13x the file (13 MB: ~160 MB more than a tiny
    file's load); streamed, one job at a time, the extra is a few MB of buffers.
    """
    small = _big_file(tmp_path / "small.json", 10)
    size = _big_file(tmp_path / "big.json", 25_000)
    assert size > 12_000_000
    assert _peak_rss_of_a_load(tmp_path / "a.sqlite3", tmp_path / "small.json")[0] == 10
    count, peak = _peak_rss_of_a_load(tmp_path / "b.sqlite3", tmp_path / "big.json")
    _, baseline = _peak_rss_of_a_load(tmp_path / "c.sqlite3", tmp_path / "small.json")
    assert count == 25_000
    grew = peak - baseline
    assert grew < size / 2e6, f"{grew:.0f} MB more than a {small}-byte file's load"


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path):
    path = write(tmp_path, FILE)
    with pytest.raises(LoadError, match=r"bytes, more than the 100 allowed \(--max-bytes\)"):
        load_file(tmp_path / "db.sqlite3", PROJECT_A, path, max_bytes=100)
    cli = load_cli(path, tmp_path / "db.sqlite3")
    assert cli.returncode == 0, cli.stderr  # the default cap (1 GiB) takes it


def test_a_bad_envelope_after_the_jobs_rolls_the_streamed_jobs_back(tmp_path):
    """Jobs are written as they are read; a bad field after them still changes nothing."""
    db = tmp_path / "db.sqlite3"
    load_file(db, PROJECT_A, write(tmp_path, FILE))
    before = dump(db)
    late = tmp_path / "late.json"
    late.write_text('{"payload": {"jobs": [{"job_id": 9001}]}, "current_time": "yesterday"}')
    with pytest.raises(LoadError, match="current_time"):
        load_file(db, PROJECT_A, late)
    assert dump(db) == before


def test_a_key_with_dots_is_not_mistaken_for_the_jobs_array(tmp_path):
    dotted = write(tmp_path, {"payload.jobs": [{"job_id": 9002}], "payload": {"jobs": []}})
    with pytest.raises(LoadError, match=r"payload\.jobs"):
        load_file(tmp_path / "db.sqlite3", PROJECT_A, dotted)


def test_rates_come_back_with_every_digit(tmp_path):
    """SQLite wrote REALs into JSON with 15 digits (0.12345678901234567 lost two); no more."""
    rates = [0.12345678901234567, 1.7976931348623157e308, 5e-324, 1.0504536649602731e304]
    jobs = [{"job_id": 9100 + i, "metrics": {"total_read_rate": r, "total_write_rate": r}}
            for i, r in enumerate(rates)]  # fmt: skip
    db = tmp_path / "db.sqlite3"
    load_file(db, PROJECT_A, write(tmp_path, {"payload": {"jobs": jobs}}))
    app = create_app(Settings(db=db))
    got = call(app, body={"job_ids": [9100 + i for i in range(len(rates))]}).json()
    for job, rate in zip(got["payload"]["jobs"], rates, strict=True):
        assert job["metrics"]["total_read_rate"] == rate
        assert job["metrics"]["total_write_rate"] == rate


def _jobs_file(path: Path, count: int) -> Path:
    path.write_text(
        json.dumps({"payload": {"jobs": [{"job_id": 50_000 + i} for i in range(count)]}})
    )
    return path


def test_max_bytes_holds_for_a_pipe(tmp_path):
    """``cat f | load /dev/stdin``: the size read as 0 and 20,000 jobs loaded past 1,000 bytes."""
    db = tmp_path / "db.sqlite3"
    data = _jobs_file(tmp_path / "many.json", 20_000).read_text()
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "load", "/dev/stdin",
         "--project-id", PROJECT_A, "--db", str(db), "--max-bytes", "1000"],
        input=data, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    expected = "load: /dev/stdin: more than the 1000 bytes allowed (--max-bytes)"
    assert result.stderr.strip() == expected
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM jobs WHERE job_id >= 50000").fetchone() == (0,)


def test_max_bytes_holds_for_a_fifo(tmp_path):
    db = tmp_path / "db.sqlite3"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = _jobs_file(tmp_path / "many.json", 2_000).read_bytes()
    writer = threading.Thread(target=lambda: _feed(fifo, data))
    writer.start()
    try:
        with pytest.raises(LoadError, match=r"more than the 1000 bytes allowed"):
            load_file(db, PROJECT_A, fifo, max_bytes=1000)
    finally:
        writer.join(timeout=30)


def _feed(fifo: Path, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError), fifo.open("wb") as out:
        out.write(data)


def test_a_file_of_exactly_max_bytes_loads_through_a_pipe(tmp_path):
    data = json.dumps(FILE).encode()
    read, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    path = Path(f"/proc/self/fd/{read}")
    try:
        assert load_file(tmp_path / "db.sqlite3", PROJECT_A, path, max_bytes=len(data)) == 2
    finally:
        os.close(read)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"payload": {"jobs": [{"job_id": 9001}]}, "payload": {"jobs": [{"job_id": 9002}]}}',
         "file: key 'payload' appears twice"),
        ('{"payload": {"jobs": [{"job_id": 9001}], "jobs": [{"job_id": 9002}]}}',
         "payload: key 'jobs' appears twice"),
        ('{"payload": {"jobs": [{"job_id": 9001, "job_id": 9002}]}}',
         "payload.jobs.0: key 'job_id' appears twice"),
        ('{"payload": {"jobs": [{"job_id": 9001, "metrics": {"sources": [{"name": "a",'
         ' "name": "b"}]}}]}}', "payload.jobs.0.metrics.sources.0: key 'name' appears twice"),
    ],
    ids=["payload twice", "jobs twice", "job_id twice", "a stream's name twice"],
)  # fmt: skip
def test_a_key_twice_in_one_object_is_refused(tmp_path, text, message):
    db = tmp_path / "db.sqlite3"
    load_file(db, PROJECT_A, write(tmp_path, FILE))
    before = dump(db)
    path = tmp_path / "dup.json"
    path.write_text(text)
    with pytest.raises(LoadError, match=re.escape(message)):
        load_file(db, PROJECT_A, path)
    assert dump(db) == before


@pytest.mark.parametrize("depth", [40, 256, 100_000])
def test_deep_nesting_is_one_line_and_exit_2(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text(
        '{"payload": {"jobs": [{"job_id": 1, "metrics": {"sources": [{"name": '
        + "[" * depth
        + "]" * depth
        + "}]}}]}}"
    )
    cli = load_cli(path, tmp_path / "db.sqlite3")
    assert cli.returncode == 2
    lines = cli.stderr.strip().splitlines()
    assert len(lines) == 1, cli.stderr
    assert "nested deeper than 32 levels" in lines[0]


def test_a_failed_statement_after_sqlite_rolled_back_keeps_its_own_message(tmp_path):
    """On a full disk SQLite rolls the transaction back itself; the loader's own ROLLBACK
    then failed and replaced "disk full" with "cannot rollback - no transaction is active"."""
    store = Store(tmp_path / "db.sqlite3")

    def jobs() -> Iterator[Job]:
        yield Job(9001, (), (), None, None)
        store._db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        store.load(PROJECT_A, jobs())
    assert store.count_jobs() == 0
    store.close()


@pytest.mark.parametrize("content", [b"\x00\x01garbage" * 500, b""], ids=["random", "empty"])
def test_loading_into_a_file_that_is_no_database_is_one_line(tmp_path, content):
    db = tmp_path / "db.sqlite3"
    if content:
        db.write_bytes(content)
        cli = load_cli(write(tmp_path, FILE), db)
        assert cli.returncode == 2
        assert cli.stderr.startswith(f"load: database {db}: not an SQLite database")
        assert len(cli.stderr.strip().splitlines()) == 1
    else:
        cli = load_cli(write(tmp_path, FILE), tmp_path)  # a directory
        assert cli.returncode == 2
        assert cli.stderr.strip() == f"load: database {tmp_path}: is a directory; give a file path"
