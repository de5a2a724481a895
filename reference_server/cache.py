"""A read-through cache of validated job JSON, dropped whenever the store changes.

Each job's JSON is built by SQLite, validated once with the generated ``JobMonitoringInfo``
model and kept as bytes, by project and job, together with the store's generation (what
every commit moves, by any writer). A new generation empties the cache, so an answer never
lags a commit its client could have seen (one made before the request began: see
``JobCache.get``); the generation and the uncached jobs are read in one snapshot, so an
answer never mixes two commits (a commit landing between two separate reads would). Only
jobs that exist are cached, so the cache never holds more than the store does, and it is
capped at ``max_bytes`` of job JSON on top of that: a count of entries did not bound memory
while a job's size was unbounded (200 jobs with 1 MB names held 700 MiB).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from reference_server.adapters import JOB
from reference_server.store import Store

# 64 MiB of job JSON: about 130,000 demo-sized jobs, or 2,000 at the loader's per-job
# budget (loader.MAX_JOB_BYTES, 32 KiB): two answers of 1,000 of the largest jobs.
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


class JobCache:
    """Validated, serialised jobs of the store, by (project ID, job ID)."""

    def __init__(
        self, store: Store, *, enabled: bool = True, max_bytes: int = DEFAULT_CACHE_BYTES
    ) -> None:
        self.store = store
        self.enabled = enabled
        self.max_bytes = max_bytes
        # By project, then by job: a request's jobs are one project's, and looking them up
        # by job ID alone halved the lookup (no (project, job) key built per job).
        self._jobs: dict[str, dict[int, bytes]] = {}
        self._bytes = 0  # of job JSON held in _jobs
        self._generation: tuple[int, tuple[int, int]] | None = None
        # When the last look at the store (its file, its generation) began, on the
        # ``time.perf_counter`` clock: None until one succeeds.
        self._looked_at: float | None = None
        self.looks = 0  # looks at the store taken (tests count them)

    @property
    def size_bytes(self) -> int:
        """Bytes of job JSON the cache holds (what ``max_bytes`` bounds)."""
        return self._bytes

    def get(
        self, project_id: str, job_ids: Sequence[int], *, since: float | None = None
    ) -> list[bytes]:
        """The project's jobs among ``job_ids``, in the order requested, as JSON bytes.

        ``since`` (a ``time.perf_counter`` reading: when the request began) says how fresh
        the answer must be: the store as it was at some moment after ``since``. A write
        or a replaced file the caller could have seen before its request is then always
        in the answer. Without it, the store is looked at now.
        """
        if self.enabled:
            self._look(since)
            try:  # every job cached: one pass (the common case)
                cached = self._jobs[project_id]
                return [cached[job_id] for job_id in job_ids]
            except KeyError:
                pass
        else:
            self.store.follow_file()  # a database replaced under the server is read at once
        with self.store.snapshot():
            self._sync(self._version() if self.enabled else None)
            cached = self._jobs.get(project_id, {})
            found = {job_id: job for job_id in job_ids if (job := cached.get(job_id)) is not None}
            fetched = self.store.job_json(
                project_id, [job_id for job_id in job_ids if job_id not in found]
            )
        for job_id, text in fetched.items():
            info = JOB.validate_json(text, strict=True, extra="forbid")
            job = found[job_id] = JOB.dump_json(info, exclude_none=True)
            if self.enabled:
                if self._bytes + len(job) > self.max_bytes:
                    self._clear()  # simplest bound; the jobs asked for most come back first
                if len(job) <= self.max_bytes:
                    self._jobs.setdefault(project_id, {})[job_id] = job
                    self._bytes += len(job)
        return [job for job_id in job_ids if (job := found.get(job_id)) is not None]

    def _look(self, since: float | None) -> None:
        """Follow a replaced file and empty the cache if the store changed, unless a look
        that began after ``since`` already did.

        Why: a look costs a ``stat`` and a read transaction (two ``fcntl`` locks and a
        ``stat`` inside SQLite), 5 us of the 17 us the app spent on a request. Under load
        many requests are in flight at once, and a look taken by one of them after another
        began is fresh enough for that other: whatever its client saw written before
        sending it had happened before the look.
        """
        if since is not None and self._looked_at is not None and self._looked_at >= since:
            return
        began = time.perf_counter()
        self.looks += 1
        self._looked_at = None  # a look that fails (a deleted file) vouches for nothing
        self.store.follow_file()  # a database replaced under the server is read at once
        self._sync(self._version())  # one statement: atomic on its own
        self._looked_at = began

    def _version(self) -> tuple[int, tuple[int, int]]:
        """The file opened (a replaced file starts its counter anew) and its generation."""
        return self.store.epoch, self.store.generation()

    def _sync(self, generation: tuple[int, tuple[int, int]] | None) -> None:
        """Empty the cache unless it holds jobs of ``generation`` (``None``: always)."""
        if generation is None or generation != self._generation:
            self._clear()
            self._generation = generation

    def _clear(self) -> None:
        self._jobs.clear()
        self._bytes = 0
