"""Reliability rows of ``make bench``: the attacks of the reliability issue at full size.

Each row starts a fresh reference server with its default limits (HTTP/2 rows add
``--http auto``, the mode that has HTTP/2) and reports what happened, with the issue's bar
beside it, so a regression shows as a number, not only as a failed test.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import attacks, cpu_attack
from fuzz_harness.server_process import ROOT, ServerProcess
from reference_server.demo import PROJECT_A


@dataclass(frozen=True)
class Row:
    what: str
    figure: str
    bar: str
    met: bool


def siege(clients: int = 1100, seconds: float = 20) -> Row:
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ServerProcess(Path(tmp) / "db.sqlite3") as server,
    ):
        result = attacks.slow_body_siege(server.port, clients=clients, seconds=seconds)
    return Row(
        f"{clients:,} slow-body clients (1 byte / 2 s, reconnecting), {seconds:.0f} s",
        f"normal client: {result.answered} of {result.asked} answered within 2 s"
        f" ({result.answered_share:.0%}), slowest {result.slowest_s:.2f} s;"
        f" slow connections cut off {result.drops:,} times",
        ">= 90% answered, none slower than 2 s",
        result.answered_share >= 0.9 and result.slowest_s <= 2.0,
    )


def h2_flood(connections: int = 100, seconds: float = 10) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        args = ("--http", "auto")
        with ServerProcess(Path(tmp) / "db.sqlite3", extra_args=args) as server:
            idle = server.rss_bytes()
            peak, frames, _ = attacks.h2_continuation_flood(
                server.port, server.rss_bytes, connections=connections, seconds=seconds
            )
            after = server.rss_bytes()
    mib = 2**20
    return Row(
        f"HTTP/2 CONTINUATION floods, {connections} connections, {seconds:.0f} s (`--http auto`)",
        f"{frames:,} frames sent; memory {idle / mib:.0f} MiB idle, {peak / mib:.0f} MiB peak,"
        f" {after / mib:.0f} MiB after",
        "peak < 400 MiB",
        peak < 400 * mib,
    )


def sigterm(slow_requests: int = 20) -> Row:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        server = ServerProcess(Path(tmp) / "db.sqlite3").start()
        try:
            with attacks.slow_requests_open(server.port, count=slow_requests):
                server.wait_for_connections(slow_requests)
                start = time.monotonic()
                os.killpg(server.pid, signal.SIGTERM)
                assert server.process is not None
                try:
                    server.process.wait(timeout=60)
                    took: float | None = time.monotonic() - start
                except subprocess.TimeoutExpired:
                    took = None
        finally:
            server.stop()
    return Row(
        f"SIGTERM with {slow_requests} slow-body requests open",
        "still running after 60 s" if took is None else f"exited after {took:.1f} s",
        "exit within 10 s",
        took is not None and took < 10,
    )


def poison() -> Row:
    """``make load``'s command on a file whose last job has an infinite rate."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        db = Path(tmp) / "db.sqlite3"
        good = Path(tmp) / "good.json"
        good.write_text('{"payload": {"jobs": [{"job_id": 7001}]}}')
        bad = Path(tmp) / "poison.json"
        bad.write_text(
            '{"payload": {"jobs": [{"job_id": 7002},'
            ' {"job_id": 7008, "metrics": {"total_read_rate": 1e309}}]}}'
        )

        def load(path: Path) -> int:
            command = [sys.executable, "-m", "reference_server", "load", str(path),
                       "--project-id", PROJECT_A, "--db", str(db)]  # fmt: skip
            return subprocess.run(command, cwd=ROOT, capture_output=True, timeout=60).returncode

        load(good)
        before = _dump(db)
        code = load(bad)
        unchanged = _dump(db) == before
    return Row(
        "poison file (a rate of 1e309 after a good job)",
        f"loader exit {code}; database {'unchanged' if unchanged else 'CHANGED'}",
        "refused, nothing changed",
        code == 2 and unchanged,
    )


def _dump(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall()
            + conn.execute("SELECT * FROM streams ORDER BY job_id, kind, position").fetchall()
        )


def mixed_loads(seconds: float = 60) -> Row:
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ServerProcess(Path(tmp) / "db.sqlite3") as server,
    ):
        result = attacks.loads_under_reads(server.port, server.db, seconds=seconds)
    return Row(
        f"{seconds:.0f} s of loads under 4 readers",
        f"{result.commits:,} commits ({result.commits_per_second:.0f}/s),"
        f" {result.answers:,} answers, {result.mixed} mixing two loads,"
        f" {result.errors} errors",
        "0 mixed, 0 errors",
        result.mixed == 0 and result.errors == 0,
    )


def cpu_amplification(seconds: float = 10) -> Row:
    """Two clients sending the costliest 1 MiB body back to back; a normal client's latency
    alone and under attack, in the same run."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as tmp,
        ServerProcess(Path(tmp) / "db.sqlite3") as server,
    ):
        r = cpu_attack.cpu_amplification(server, attackers=2, seconds=seconds)
    return Row(
        f"2 clients sending the costliest 1 MiB body back to back ({r.body}: {r.cost_ms:.0f} ms"
        f" of server CPU each), {seconds:.0f} s",
        f"normal client alone p50 {r.alone_p50_ms:.1f} ms, p99 {r.alone_p99_ms:.1f} ms;"
        f" under attack p50 {r.attacked_p50_ms:.1f} ms, p99 {r.attacked_p99_ms:.1f} ms"
        f" ({r.samples} requests; {r.attack_requests} attacking requests answered)",
        "under attack p50 < 50 ms, p99 < 200 ms",
        r.attacked_p50_ms < 50 and r.attacked_p99_ms < 200,
    )


def run() -> list[Row]:
    rows = []
    for name, measure in (
        ("slow clients", siege),
        ("HTTP/2 flood", h2_flood),
        ("SIGTERM", sigterm),
        ("poison file", poison),
        ("mixed loads", mixed_loads),
        ("CPU amplification", cpu_amplification),
    ):
        print(f"bench: reliability, {name} ...", flush=True)
        rows.append(measure())
    return rows
