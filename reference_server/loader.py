"""Import metrics files into the store, streaming: one job in memory at a time.

The file has the 200 response's own shape (``{"payload": {"jobs": [...]}}``), so what a
client received from the real service can be replayed into the reference server. Each job is
validated with the generated ``JobMonitoringInfo`` model as it is read and written at once;
the envelope (everything but the jobs) is validated with ``JobMetricsResponse`` at the end.
Both are read with ``extra="forbid"``: the generated response models ignore unknown
fields (a client's tolerant reader), but a field the loader does not know would be dropped
without a word, so a misspelled one is refused instead. The whole file goes in one
transaction: a bad file - a bad last job included - changes nothing, and loading it twice
leaves the same rows.

Why a streaming parser (ijson): validating the file whole with pydantic needed about 13x the
file in memory (a 67 MB file took 850 MB); streamed, the loader's memory no longer grows
with the file. The size cap (``DEFAULT_MAX_FILE_BYTES``) bounds the time and disk a load
may take instead.
"""

from __future__ import annotations

import io
import math
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import ijson
import orjson
from ijson import ObjectBuilder
from jobs_metrics_models import StreamMetrics
from pydantic import TypeAdapter, ValidationError

from reference_server.adapters import JOB, RESPONSE
from reference_server.demo import Job, Stream
from reference_server.errors import first_violation
from reference_server.store import LoadError, Store

PROJECT_ID = re.compile(r"[0-9a-f]{32}")


def parse_metrics(data: bytes) -> list[Job]:
    """Validate a whole metrics file held in memory; raise ``LoadError`` if bad."""
    return list(read_jobs(io.BytesIO(data)))


_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


def read_jobs(stream: BinaryIO) -> Iterator[Job]:
    """Yield the file's jobs one by one, validated; raise ``LoadError`` at the first bad one.

    The envelope is checked after the last job (it may come after the jobs in the file), so
    a consumer must treat the jobs as provisional until the iterator is exhausted, as
    ``Store.load``'s single transaction does.

    Rates must be finite: ``Infinity`` and ``NaN`` are not JSON and ``1e309`` overflows a
    double; no JSON answer could carry them, so one such job would make every later answer
    naming it fail. They are refused here, before any commit.
    """
    envelope = ObjectBuilder()
    # One [key, index] per open container: an object's current key, an array's last index.
    open_: list[list[Any]] = []
    job: ObjectBuilder | None = None
    count = 0
    seen: set[int] = set()
    try:
        for event, value in ijson.basic_parse(stream, use_float=True):
            if event == "map_key":
                open_[-1][0] = value
            elif event in _ENDS:
                open_.pop()
            else:  # a value starts: a container or a scalar
                if open_ and open_[-1][1] is not None:
                    open_[-1][1] += 1
                if job is None and _in_jobs_array(open_):
                    job = ObjectBuilder()
                if event in _STARTS:
                    open_.append([None, -1 if event == "start_array" else None])
            (envelope if job is None else job).event(event, value)
            if job is not None and _in_jobs_array(open_):  # the job's value is complete
                yield _job(job.value, count, seen)
                job, count = None, count + 1
    except ijson.JSONError as exc:
        where = ".".join(
            str(key if index is None else index)
            for key, index in open_
            if (key, index) != (None, None)
        )
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"{where or 'file'}: not valid JSON or not a double ({reason})") from None
    try:
        _closed(RESPONSE, envelope.value)
    except ValidationError as exc:
        raise LoadError(first_violation(exc, "file")) from None


def _in_jobs_array(open_: list[list[Any]]) -> bool:
    """Whether the innermost open container is the file's ``payload.jobs`` array."""
    return (
        len(open_) == 3
        and open_[0][0] == "payload"
        and open_[1][0] == "jobs"
        and open_[2][1] is not None
    )


Model = TypeVar("Model")


def _closed(adapter: TypeAdapter[Model], value: object) -> Model:
    """Validate strictly (JSON types as the schema says) and refuse unknown fields.

    The value goes through JSON text: pydantic's strict mode reads a dataclass from JSON,
    not from a dict. ijson's numbers are within int64 or a double already (it refuses others).
    """
    return adapter.validate_json(orjson.dumps(value), strict=True, extra="forbid")


def _job(data: object, index: int, seen: set[int]) -> Job:
    where = f"payload.jobs.{index}"
    try:
        info = _closed(JOB, data)
    except ValidationError as exc:
        raise LoadError(f"{where}.{first_violation(exc, 'job')}") from None
    if info.job_id is None:
        raise LoadError(f"{where}.job_id: required to load a job")
    if info.job_id in seen:
        raise LoadError(f"{where}.job_id: job {info.job_id} appears twice")
    seen.add(info.job_id)
    metrics = info.metrics
    for name in ("total_read_rate", "total_write_rate"):
        rate = getattr(metrics, name, None) if metrics else None
        if rate is not None and not math.isfinite(rate):
            raise LoadError(f"{where}.metrics.{name}: {rate} is not a finite number")
    return Job(
        job_id=info.job_id,
        sources=_streams(metrics.sources if metrics else None),
        sinks=_streams(metrics.sinks if metrics else None),
        total_read_rate=metrics.total_read_rate if metrics else None,
        total_write_rate=metrics.total_write_rate if metrics else None,
    )


def _streams(streams: list[StreamMetrics] | None) -> tuple[Stream, ...]:
    return tuple(Stream(s.name, s.records, s.corrupted_records) for s in streams or ())


# 1 GiB: about 1.6 million jobs of six streams each. The loader's memory does not grow with
# the file (it streams), so the cap bounds the time a load holds the write lock and the disk
# it fills; --max-bytes raises it.
DEFAULT_MAX_FILE_BYTES = 1024**3


def load_file(
    db_path: Path,
    project_id: str,
    path: Path,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    wait: float = 5.0,
) -> int:
    """Load ``path`` into ``project_id``'s jobs; return how many jobs were written.

    A project ID of the wrong shape is refused (no request could ever read its jobs, and the
    IDs would be taken from every other project); a database another writer holds locked
    longer than ``wait`` seconds is a ``LoadError`` that says so, not a traceback.
    """
    if not PROJECT_ID.fullmatch(project_id):
        raise LoadError(f"--project-id {project_id!r}: must be 32 lowercase hexadecimal characters")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"{path}: {size} bytes, more than the {max_bytes} allowed (--max-bytes)")
    try:
        store = Store(db_path, busy_timeout=wait)
        try:
            store.seed_demo()
            with path.open("rb") as stream:
                return store.load(project_id, read_jobs(stream))
        finally:
            store.close()
    except sqlite3.OperationalError as exc:
        raise LoadError(f"database {db_path}: {exc} (another process holds it?)") from None
