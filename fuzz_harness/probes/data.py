"""Probes of the ``data`` family of rules: the data: the jobs the user said exist (``JOB_IDS``)
and those of another project (``OTHER_JOB_IDS``).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    Family,
    Probe,
    Skipped,
    data_probe,
    some_ids,
    unknown_ids,
)
from jobs_metrics_spec import Contract

FAMILY = Family("data")


@FAMILY.probes("jobs-found-in-order")
def _found(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe | Skipped]:
    me = options.identity
    if not me.job_ids:
        yield Skipped(
            "jobs-found-in-order", "no JOB_IDS given: the harness knows no job that exists"
        )
        return
    known = me.job_ids.sample(rng, 6)
    yield data_probe(contract, "jobs-found-in-order", "known jobs in random order", me, known)
    mixed = known[:3] + unknown_ids(rng, options, 3)
    rng.shuffle(mixed)
    yield data_probe(contract, "jobs-found-in-order", "known and unknown jobs mixed", me, mixed)
    edges = sorted({me.job_ids.ranges[0][0], me.job_ids.ranges[-1][1]}, reverse=True)
    yield data_probe(contract, "jobs-found-in-order", "the lowest and highest known IDs", me, edges)
    yield data_probe(
        contract,
        "jobs-found-in-order",
        "a full request (up to 1,000 known IDs)",
        me,
        me.job_ids.sample(rng, 1000),
    )
    if options.other and options.other.job_ids:
        other = options.other
        yield data_probe(
            contract,
            "jobs-found-in-order",
            "second identity, its known jobs",
            other,
            other.job_ids.sample(rng, 6),
        )


@FAMILY.probes("jobs-only-requested")
def _only(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    yield data_probe(
        contract,
        "jobs-only-requested",
        "unknown IDs only (answer holds none)",
        me,
        unknown_ids(rng, options, 3),
    )
    if me.job_ids:
        yield data_probe(
            contract, "jobs-only-requested", "one known job", me, me.job_ids.sample(rng, 1)
        )


@FAMILY.probes("jobs-foreign-hidden")
def _foreign(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe | Skipped]:
    me, other = options.identity, options.other
    if other is None or not other.job_ids:
        yield Skipped(
            "jobs-foreign-hidden",
            "no OTHER_JOB_IDS given: the harness knows no job of another project",
        )
        return
    foreign = other.job_ids.sample(rng, 5)
    yield data_probe(contract, "jobs-foreign-hidden", "jobs of OTHER_PROJECT_ID only", me, foreign)
    mixed = some_ids(rng, me, 3) + foreign[:3]
    rng.shuffle(mixed)
    yield data_probe(contract, "jobs-foreign-hidden", "own and foreign jobs mixed", me, mixed)
    if me.job_ids:
        yield data_probe(
            contract,
            "jobs-foreign-hidden",
            "second identity asking for PROJECT_ID's jobs",
            other,
            me.job_ids.sample(rng, 5),
        )
