"""Import metrics files into the store.

The file has the 200 response's own shape (``{"payload": {"jobs": [...]}}``), so what a
client received from the real service can be replayed into the reference server. It is
validated with the generated response model, every job must carry a ``job_id``, and the
whole file goes in one transaction: a bad file changes nothing, and loading it twice
leaves the same rows.
"""

from __future__ import annotations

import math
import re
import sqlite3
from pathlib import Path

from jobs_metrics_models import JobMetricsResponse, StreamMetrics
from pydantic import ValidationError

from reference_server.demo import Job, Stream
from reference_server.errors import first_violation
from reference_server.store import LoadError, Store

PROJECT_ID = re.compile(r"[0-9a-f]{32}")


def parse_metrics(data: bytes) -> list[Job]:
    """Validate a metrics file and turn it into stored jobs; raise ``LoadError`` if bad.

    Rates must be finite: pydantic reads ``Infinity``, ``NaN`` and ``1e309`` as floats the
    schema's ``minimum: 0`` does not exclude, yet no JSON answer can carry them, so one such
    job would make every later answer naming it fail. They are refused here, before any write.
    """
    try:
        response = JobMetricsResponse.model_validate_json(data, strict=True)
    except ValidationError as exc:
        raise LoadError(first_violation(exc, "file")) from None
    jobs_in = response.payload.jobs if response.payload and response.payload.jobs else []
    jobs: list[Job] = []
    seen: set[int] = set()
    for index, info in enumerate(jobs_in):
        if info.job_id is None:
            raise LoadError(f"payload.jobs.{index}.job_id: required to load a job")
        if info.job_id in seen:
            raise LoadError(f"payload.jobs.{index}.job_id: job {info.job_id} appears twice")
        seen.add(info.job_id)
        metrics = info.metrics
        for name in ("total_read_rate", "total_write_rate"):
            rate = getattr(metrics, name, None) if metrics else None
            if rate is not None and not math.isfinite(rate):
                raise LoadError(
                    f"payload.jobs.{index}.metrics.{name}: {rate} is not a finite number"
                )
        jobs.append(
            Job(
                job_id=info.job_id,
                sources=_streams(metrics.sources if metrics else None),
                sinks=_streams(metrics.sinks if metrics else None),
                total_read_rate=metrics.total_read_rate if metrics else None,
                total_write_rate=metrics.total_write_rate if metrics else None,
            )
        )
    return jobs


def _streams(streams: list[StreamMetrics] | None) -> tuple[Stream, ...]:
    return tuple(Stream(s.name, s.records, s.corrupted_records) for s in streams or ())


def load_file(db_path: Path, project_id: str, path: Path) -> int:
    """Load ``path`` into ``project_id``'s jobs; return how many jobs were written.

    A project ID of the wrong shape is refused (no request could ever read its jobs, and the
    IDs would be taken from every other project); a database another writer holds locked
    past the busy timeout is a ``LoadError`` that says so, not a traceback.
    """
    if not PROJECT_ID.fullmatch(project_id):
        raise LoadError(f"--project-id {project_id!r}: must be 32 lowercase hexadecimal characters")
    jobs = parse_metrics(path.read_bytes())
    try:
        store = Store(db_path)
        try:
            store.seed_demo()
            return store.load(project_id, jobs)
        finally:
            store.close()
    except sqlite3.OperationalError as exc:
        raise LoadError(f"database {db_path}: {exc} (another process holds it?)") from None
