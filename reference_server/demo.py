"""The deterministic demo data set, and the demo credentials that reach it.

The credentials are the core's (:mod:`jobs_metrics_spec.demo`: the harness uses them without
importing the server); the data set is generated from a fixed seed so that every fresh
database holds exactly the same jobs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from jobs_metrics_spec import demo as identities

# The demo identities are the core's (jobs_metrics_spec.demo), named here as the server's.
ACCESS_KEY_A = identities.ACCESS_KEY_A
ACCESS_KEY_B = identities.ACCESS_KEY_B
DEMO_ACCESS_KEYS = identities.DEMO_ACCESS_KEYS
DEMO_TOKENS = identities.DEMO_TOKENS
PROJECT_A = identities.PROJECT_A
PROJECT_A_JOBS = identities.PROJECT_A_JOBS
PROJECT_B = identities.PROJECT_B
PROJECT_B_JOBS = identities.PROJECT_B_JOBS
SECRET_KEY_A = identities.SECRET_KEY_A
SECRET_KEY_B = identities.SECRET_KEY_B
TOKEN_A = identities.TOKEN_A
TOKEN_B = identities.TOKEN_B
AccessKey = identities.AccessKey

_SEED = 20261124
_SOURCE_KINDS = (
    "KAFKA_SOURCE",
    "DIS_SOURCE",
    "OBS_SOURCE",
    "CLOUDTABLE_SOURCE",
    "MRS_KAFKA_SOURCE",
)
_SINK_KINDS = ("KAFKA_SINK", "DIS_SINK", "OBS_SINK", "RDS_SINK", "SMN_SINK", "DWS_SINK")


@dataclass(frozen=True, slots=True)
class Stream:
    """One source or sink stream of a job."""

    name: str | None
    records: int | None
    corrupted_records: int | None


@dataclass(frozen=True, slots=True)
class Job:
    """One job with its streams and rates, as stored."""

    job_id: int
    sources: tuple[Stream, ...]
    sinks: tuple[Stream, ...]
    total_read_rate: float | None
    total_write_rate: float | None


def _streams(
    rng: random.Random, prefix: str, kinds: tuple[str, ...], job_id: int
) -> tuple[Stream, ...]:
    count = rng.randint(1, 3)
    streams = []
    for index in range(count):
        records = rng.choice((0, rng.randint(1, 10_000), rng.randint(10_000, 5_000_000_000)))
        corrupted = rng.randint(0, records // 1000) if records else 0
        kind = rng.choice(kinds)
        streams.append(
            Stream(
                f"{prefix}: {kind.split('_')[0].title()}_{job_id}_{index}_{kind}",
                records,
                corrupted,
            )
        )
    return tuple(streams)


@cache
def demo_jobs() -> Mapping[str, tuple[Job, ...]]:
    """The demo jobs of both projects, generated once per process (every new database and
    every test store is seeded from them; jobs are frozen, the mapping read-only)."""
    return MappingProxyType(
        {project: tuple(jobs) for project, jobs in generate_demo_jobs().items()}
    )


def generate_demo_jobs() -> dict[str, list[Job]]:
    """Generate the demo jobs of both projects from the fixed seed: the same on every call."""
    rng = random.Random(_SEED)
    data: dict[str, list[Job]] = {}
    for project, ids in ((PROJECT_A, PROJECT_A_JOBS), (PROJECT_B, PROJECT_B_JOBS)):
        jobs = []
        for job_id in ids:
            sources = _streams(rng, "Source", _SOURCE_KINDS, job_id)
            sinks = _streams(rng, "Sink", _SINK_KINDS, job_id)
            read = round(rng.uniform(0, 20_000), 2) if rng.random() > 0.1 else 0.0
            write = round(read * rng.uniform(0.5, 1.0), 2)
            jobs.append(Job(job_id, sources, sinks, read, write))
        data[project] = jobs
    return data
