"""A read-through cache of validated job JSON, dropped whenever the store changes.

Each job's JSON is built by SQLite, validated once with the generated ``JobMonitoringInfo``
model and kept as bytes, keyed by (project, job). Any commit to the database, by this
process or another (the loader), changes the store's version and empties the cache, so an
answer never lags the data. Only jobs that exist are cached, so the cache never holds
more than the store does, and it is capped at ``max_entries`` on top of that.
"""

from __future__ import annotations

from collections.abc import Sequence

from jobs_metrics_models import JobMonitoringInfo

from reference_server.store import Store


class JobCache:
    """Validated, serialised jobs of the store, by (project ID, job ID)."""

    def __init__(self, store: Store, *, enabled: bool = True, max_entries: int = 100_000) -> None:
        self.store = store
        self.enabled = enabled
        self.max_entries = max_entries
        self._jobs: dict[tuple[str, int], bytes] = {}
        self._version: tuple[int, int] | None = None

    def get(self, project_id: str, job_ids: Sequence[int]) -> list[bytes]:
        """The project's jobs among ``job_ids``, in the order requested, as JSON bytes."""
        version = self.store.version()
        if version != self._version or not self.enabled:
            self._jobs.clear()
            self._version = version
        jobs = self._jobs
        missing = [job_id for job_id in job_ids if (project_id, job_id) not in jobs]
        if missing:
            if len(jobs) + len(missing) > self.max_entries:
                jobs.clear()
            for job_id, text in self.store.job_json(project_id, missing).items():
                info = JobMonitoringInfo.model_validate_json(text, strict=True)
                jobs[project_id, job_id] = info.model_dump_json(exclude_none=True).encode()
        return [jobs[key] for job_id in job_ids if (key := (project_id, job_id)) in jobs]
