"""The loader: validated, idempotent, atomic, and seen by a running server at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reference_server import Settings, create_app
from reference_server.demo import PROJECT_A, PROJECT_B
from reference_server.loader import load_file, parse_metrics
from reference_server.store import LoadError
from tests.support import ROOT, call

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
    """`python -m reference_server load` (what `make load` runs) into project A."""
    return subprocess.run(
        [sys.executable, "-m", "reference_server", "load", str(path), "--project-id", PROJECT_A,
         "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


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
    app = create_app(Settings(db_path=db))
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
    assert "error: job 601 belongs to another project" in cli.stderr
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
    app = create_app(Settings(db_path=db))
    got = call(app, body={"job_ids": [9100 + i for i in range(len(rates))]}).json()
    for job, rate in zip(got["payload"]["jobs"], rates, strict=True):
        assert job["metrics"]["total_read_rate"] == rate
        assert job["metrics"]["total_write_rate"] == rate
