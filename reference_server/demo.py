"""The fixed demo credentials and the deterministic demo data set.

The credentials are listed in the README; ``make fuzz`` and the docs use project A. The data
set is generated from a fixed seed so that every fresh database holds exactly the same jobs.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

PROJECT_A = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
PROJECT_B = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
TOKEN_A = "demo-token-project-a"
TOKEN_B = "demo-token-project-b"

DEMO_TOKENS: dict[str, str] = {TOKEN_A: PROJECT_A, TOKEN_B: PROJECT_B}

# Access key / secret key pairs of the successor operation (AK/SK signatures), one per demo
# project, in the shape of the provider's (a 20-character AK, a 40-character SK).
ACCESS_KEY_A = "DEMOAKPROJECTA000001"
SECRET_KEY_A = "demo-secret-key-of-project-a-0000000000a"
ACCESS_KEY_B = "DEMOAKPROJECTB000002"
SECRET_KEY_B = "demo-secret-key-of-project-b-0000000000b"


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A secret key and the project its access key is bound to."""

    secret_key: str
    project_id: str


DEMO_ACCESS_KEYS: dict[str, AccessKey] = {
    ACCESS_KEY_A: AccessKey(SECRET_KEY_A, PROJECT_A),
    ACCESS_KEY_B: AccessKey(SECRET_KEY_B, PROJECT_B),
}

# Project A owns job IDs 1..600, project B owns 601..1200: job IDs are global, as on the
# provider, so one ID never belongs to two projects.
PROJECT_A_JOBS = range(1, 601)
PROJECT_B_JOBS = range(601, 1201)

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
