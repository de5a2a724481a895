"""A read-through cache of validated job JSON, dropped whenever the store changes.

Each job's JSON is built by SQLite, validated once with the generated ``JobMonitoringInfo``
model and kept as bytes, keyed by (project, job), together with the store's generation (a
counter every commit moves, by any writer). A new generation empties the cache, so an answer
never lags the data; the generation and the uncached jobs are read in one snapshot, so an
answer never mixes two commits (a commit landing between two separate reads would). Only
jobs that exist are cached, so the cache never holds more than the store does, and it is
capped at ``max_entries`` on top of that.
"""

from __future__ import annotations

from collections.abc import Sequence

from reference_server.adapters import JOB
from reference_server.store import Store


class JobCache:
    """Validated, serialised jobs of the store, by (project ID, job ID)."""

    def __init__(self, store: Store, *, enabled: bool = True, max_entries: int = 100_000) -> None:
        self.store = store
        self.enabled = enabled
        self.max_entries = max_entries
        self._jobs: dict[tuple[str, int], bytes] = {}
        self._generation: int | None = None

    def get(self, project_id: str, job_ids: Sequence[int]) -> list[bytes]:
        """The project's jobs among ``job_ids``, in the order requested, as JSON bytes."""
        if self.enabled:
            self._sync(self.store.generation())  # one statement: atomic on its own
            if all((project_id, job_id) in self._jobs for job_id in job_ids):
                return [self._jobs[project_id, job_id] for job_id in job_ids]
        with self.store.snapshot():
            self._sync(self.store.generation() if self.enabled else None)
            found = {
                job_id: job
                for job_id in job_ids
                if (job := self._jobs.get((project_id, job_id))) is not None
            }
            fetched = self.store.job_json(
                project_id, [job_id for job_id in job_ids if job_id not in found]
            )
        if len(self._jobs) + len(fetched) > self.max_entries:
            self._jobs.clear()
        for job_id, text in fetched.items():
            info = JOB.validate_json(text, strict=True, extra="forbid")
            job = JOB.dump_json(info, exclude_none=True)
            found[job_id] = self._jobs[project_id, job_id] = job
        return [job for job_id in job_ids if (job := found.get(job_id)) is not None]

    def _sync(self, generation: int | None) -> None:
        """Empty the cache unless it holds jobs of ``generation`` (``None``: always)."""
        if generation is None or generation != self._generation:
            self._jobs.clear()
            self._generation = generation
