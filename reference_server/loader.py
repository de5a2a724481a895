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
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import ijson
import orjson
from ijson import ObjectBuilder
from jobs_metrics_models import JobMonitoringInfo, JobStreamMetrics, StreamMetrics
from pydantic import TypeAdapter, ValidationError

from jobs_metrics_spec import spec_project_ids
from reference_server.adapters import JOB, JOBS, RESPONSE
from reference_server.demo import Job, Stream
from reference_server.errors import first_violation
from reference_server.store import LoadError, Store, describe_sqlite_error


def parse_metrics(data: bytes) -> list[Job]:
    """Validate a whole metrics file held in memory; raise ``LoadError`` if bad."""
    return list(read_jobs(io.BytesIO(data)))


def validate_jobs(jobs: Sequence[object]) -> list[Job]:
    """Validate jobs already in memory (the 200 answer's job objects), as a load does.

    Why besides :func:`parse_metrics`: the streaming reader validates job by job (1.6 ms for
    100 jobs, most of a stand-in sandbox's load); jobs in memory are validated in one call
    (0.3 ms). Python values hold no key twice, which only the streaming reader could see. A
    list that is not all valid goes through the streaming reader, for its exact message."""
    try:
        infos = JOBS.validate_json(orjson.dumps(list(jobs)), strict=True, extra="forbid")
    except (ValidationError, orjson.JSONEncodeError, TypeError):
        infos = None
    if infos is not None:
        try:
            seen: set[int] = set()
            return [_checked(info, index, seen) for index, info in enumerate(infos)]
        except LoadError:
            pass
    return parse_metrics(orjson.dumps({"payload": {"jobs": list(jobs)}}))


_STARTS = ("start_map", "start_array")
# Deepest nesting read: the file's own shape needs 7 levels (file, payload, jobs, job,
# metrics, sources, stream). Deeper values are refused as they open, before anything is
# built from them (256 levels made a traceback).
MAX_DEPTH = 32
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
    # One [key, index, keys] per open container: an object's current key and the keys seen
    # in it, an array's last index.
    open_: list[list[Any]] = []
    job: ObjectBuilder | None = None
    count = 0
    seen: set[int] = set()
    try:
        for event, value in ijson.basic_parse(stream, use_float=True):
            if event == "map_key":
                if value in open_[-1][2]:
                    where = _where(open_[:-1]) or "file"
                    raise LoadError(f"{where}: key {value!r} appears twice in one object")
                open_[-1][0] = value
                open_[-1][2].add(value)
            elif event in _ENDS:
                open_.pop()
            else:  # a value starts: a container or a scalar
                if open_ and open_[-1][1] is not None:
                    open_[-1][1] += 1
                if job is None and _in_jobs_array(open_):
                    job = ObjectBuilder()
                if event in _STARTS:
                    if len(open_) >= MAX_DEPTH:
                        raise LoadError(
                            f"{_where(open_)}: nested deeper than {MAX_DEPTH} levels (the"
                            " metrics file's shape needs 7)"
                        )
                    if event == "start_array":
                        open_.append([None, -1, None])
                    else:
                        open_.append([None, None, set()])
            (envelope if job is None else job).event(event, value)
            if job is not None and _in_jobs_array(open_):  # the job's value is complete
                yield _job(job.value, count, seen)
                job, count = None, count + 1
    except ijson.JSONError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        where = _where(open_)
        raise LoadError(f"{where or 'file'}: not valid JSON or not a double ({reason})") from None
    try:
        _closed(RESPONSE, envelope.value)
    except ValidationError as exc:
        raise LoadError(first_violation(exc, "file")) from None


def _where(open_: list[list[Any]]) -> str:
    """The path of the innermost open value, ``payload.jobs.3.metrics``."""
    return ".".join(
        str(key if index is None else index)
        for key, index, _ in open_
        if (key, index) != (None, None)
    )


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


# The reference server's own bound on one job, as it answers it (compact JSON, UTF-8): the
# contract bounds neither a job's streams nor their names (the provider does not), but an
# answer of this server must stay bounded, so the loader bounds each job it stores. 32 KiB
# holds 10 sources and 10 sinks whose 200-character names are all escaped in JSON (26 KB),
# and makes an answer to 1,000 jobs at most MAX_ANSWER_BYTES.
MAX_JOB_BYTES = 32 * 1024
# The largest answer to one request: 1,000 jobs (the request's maxItems) at MAX_JOB_BYTES,
# their commas, and the envelope (message and current_time, well under 1 KiB).
MAX_ANSWER_BYTES = 1000 * (MAX_JOB_BYTES + 1) + 1024


def _job(data: object, index: int, seen: set[int]) -> Job:
    try:
        info = _closed(JOB, data)
    except ValidationError as exc:
        raise LoadError(f"payload.jobs.{index}.{first_violation(exc, 'job')}") from None
    return _checked(info, index, seen)


def _checked(info: JobMonitoringInfo, index: int, seen: set[int]) -> Job:
    """What a job must be beyond its schema to be stored: an ID a request can name, once;
    within the server's byte budget; finite rates."""
    where = f"payload.jobs.{index}"
    if info.job_id is None:
        raise LoadError(f"{where}.job_id: required to load a job")
    if info.job_id < 0:
        raise LoadError(
            f"{where}.job_id: job {info.job_id} is negative, and no request can name it"
            " (a requested job ID is 0 or more)"
        )
    size = len(JOB.dump_json(_as_answered(info), exclude_none=True))
    if size > MAX_JOB_BYTES:
        raise LoadError(
            f"{where}: job {info.job_id} takes {size} bytes as answered, more than the"
            f" {MAX_JOB_BYTES} one job may take in this server (its limit, not the contract's)"
        )
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


def _as_answered(info: JobMonitoringInfo) -> JobMonitoringInfo:
    """The job as the server will answer it: the store always writes its metrics with both
    stream lists (empty ones included), so the budget is measured on that form (a job
    without ``sinks`` was measured 11 bytes short, and 1,000 of them passed the bound)."""
    metrics = info.metrics or JobStreamMetrics()
    return replace(
        info, metrics=replace(metrics, sources=metrics.sources or [], sinks=metrics.sinks or [])
    )


def _streams(streams: list[StreamMetrics] | None) -> tuple[Stream, ...]:
    return tuple(Stream(s.name, s.records, s.corrupted_records) for s in streams or ())


# 1 GiB: about 1.6 million jobs of six streams each. The loader's memory does not grow with
# the file (it streams), so the cap bounds the time a load holds the write lock and the disk
# it fills; --max-bytes raises it.
DEFAULT_MAX_FILE_BYTES = 1024**3


class SizeCappedReader(io.RawIOBase):
    """A binary stream that refuses to read past ``max_bytes``: the cap on any input.

    The size of a pipe, a FIFO or ``/dev/stdin`` reads as 0 before reading, so a check of
    the size alone let 20,000 jobs through a 1,000-byte limit; bytes are counted as they
    are read instead, and the load fails (nothing written) at the first byte past the cap.
    """

    def __init__(self, raw: BinaryIO, max_bytes: int, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._left = max_bytes
        self._max = max_bytes
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        # One byte more than allowed is asked for, so that a file of exactly the cap passes.
        data = self._raw.read(min(len(view), self._left + 1))
        if len(data) > self._left:
            raise LoadError(f"{self._name}: more than the {self._max} bytes allowed (--max-bytes)")
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)


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
    longer than ``wait`` seconds, a full disk or a file that is no database is a
    ``LoadError`` that says so in one line, not a traceback.
    """
    if not spec_project_ids().fullmatch(project_id):
        raise LoadError(f"--project-id {project_id!r}: must be 32 lowercase hexadecimal characters")
    size = path.stat().st_size  # a regular file over the cap is refused before reading
    if size > max_bytes:
        raise LoadError(f"{path}: {size} bytes, more than the {max_bytes} allowed (--max-bytes)")
    with path.open("rb", buffering=0) as raw:
        capped = io.BufferedReader(SizeCappedReader(raw, max_bytes, str(path)))
        store = Store(db_path, busy_timeout=wait)
        try:
            store.seed_demo()
            return store.load(project_id, read_jobs(capped))
        except sqlite3.Error as exc:
            raise LoadError(describe_sqlite_error(db_path, exc)) from None
        finally:
            store.close()
