"""Parsing 10,000 jobs (10 answers of 1,000, the spec's most per answer): generated models
and client vs the provider's SDK and msgspec.

The same job objects in both envelopes: ours (``payload.jobs``) and the successor API's
(``metrics.jobs``) that the provider's official SDK (``huaweicloudsdkdli``) parses into
``ShowFlinkMetricResponse``. Each contender goes from the raw bytes of the HTTP body to its
objects, as its client does: the SDK through its own ``Client.deserialize`` (``json.loads``
with ``Decimal`` floats, then its model walker), our client through ``json.loads`` and
``from_dict``, the pydantic models through ``TypeAdapter.validate_json``, and msgspec (the
practical limit: typed structs decoded in C) through ``msgspec.json.decode``.

Method: every contender runs in a fresh interpreter that imports only its own parser
(``python -m bench.parse_one``), as in a service that uses it, because the garbage
collector's cost grows with every object already alive: measured in one process that had
imported all four libraries, each parse paid for the others' modules. Each process times
``REPEAT`` parses after a warm-up, with the collector on and, separately, paused; the run
starts ``PROCESSES`` processes per contender and reports the median of their medians and
the spread (slowest and fastest process).
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import parse_one

ROOT = Path(__file__).resolve().parent.parent

JOBS = 10_000
# An answer holds at most one job per requested ID, and a request names at most 1,000
# (`payload.jobs` maxItems): the jobs are parsed as JOBS / ANSWER_JOBS full answers.
ANSWER_JOBS = 1_000


def make_jobs(count: int = JOBS, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def streams(prefix: str, job: int) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{prefix}: KAFKA_{job}_{i}_{prefix.upper()}",
                "records": rng.randint(0, 2**40),
                "corrupted_records": rng.randint(0, 10_000),
            }
            for i in range(rng.randint(1, 2))
        ]

    return [
        {
            "job_id": job,
            "metrics": {
                "sources": streams("Source", job),
                "sinks": streams("Sink", job),
                "total_read_rate": round(rng.uniform(0, 1e5), 3),
                "total_write_rate": round(rng.uniform(0, 1e5), 3),
            },
        }
        for job in range(1, count + 1)
    ]


@dataclass(frozen=True)
class ParseResult:
    name: str
    median_ms: float  # median over processes of each process' median, collector on
    median_ms_gc_paused: float
    jobs: int
    spread_ms: tuple[float, float] = (0.0, 0.0)  # fastest and slowest process, collector on


REPEAT = 15
PROCESSES = 3


def bodies(jobs: list[dict[str, Any]]) -> tuple[list[bytes], list[bytes]]:
    """Our answers' bodies and the successor API's, around the same jobs, ANSWER_JOBS each."""
    ours, theirs = [], []
    for start in range(0, len(jobs), ANSWER_JOBS):
        chunk = jobs[start : start + ANSWER_JOBS]
        envelope = {"message_id": "CS.10001", "message": "ok", "current_time": 1}
        ours.append(json.dumps({**envelope, "payload": {"jobs": chunk}}).encode())
        theirs.append(
            json.dumps({"is_success": True, "message": "ok", "metrics": {"jobs": chunk}}).encode()
        )
    return ours, theirs


def contenders(jobs: list[dict[str, Any]]) -> tuple[dict[str, Callable[[], int]], int]:
    """Every parser in this process (the smoke test's check that all read the same jobs)."""
    ours, theirs = bodies(jobs)
    table = {name: parse_one.build(name, ours, theirs) for name in parse_one.NAMES}
    return table, sum(map(len, ours))


def run(repeat: int = REPEAT, processes: int = PROCESSES) -> tuple[list[ParseResult], int]:
    ours, theirs = bodies(make_jobs())
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        parse_one.write_bodies(Path(tmp), ours, theirs)
        for name in parse_one.NAMES:
            runs = [_one_process(name, Path(tmp), repeat) for _ in range(processes)]
            on = sorted(r["median_ms"] for r in runs)
            paused = sorted(r["median_ms_gc_paused"] for r in runs)
            assert all(r["jobs"] == JOBS for r in runs), (name, runs)
            results.append(
                ParseResult(
                    name, statistics.median(on), statistics.median(paused), JOBS, (on[0], on[-1])
                )
            )
    return results, sum(map(len, ours))


def _one_process(name: str, folder: Path, repeat: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.parse_one", name, str(folder), str(repeat)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=600,
    ).stdout  # fmt: skip
    result: dict[str, Any] = json.loads(out)
    return result
