"""Probes of the ``request`` family of rules: the valid request, accepted (``valid-request-
accepted``).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

from fuzz_harness.jobids import INT64_MAX
from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    HEADER_MARGIN,
    Family,
    Probe,
    auth_headers,
    header_block,
    padded,
    post,
    some_ids,
)
from jobs_metrics_spec import Contract

FAMILY = Family("request")


@FAMILY.probes("valid-request-accepted")
def _valid(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 3)
    yield Probe(
        "valid-request-accepted", "schema-valid request", post(contract, me, {"job_ids": ids}), me
    )
    yield Probe(
        "valid-request-accepted",
        "largest job ID (2^63-1)",
        post(contract, me, {"job_ids": [INT64_MAX]}),
        me,
    )
    body = {"job_ids": some_ids(rng, me, 2)}
    for name, media in (
        ("media type with charset=utf-8", "application/json; charset=utf-8"),
        ("media type in upper case", "APPLICATION/JSON"),
        ("media type in mixed case with a parameter", "Application/Json;Charset=UTF-8"),
    ):
        headers = (*auth_headers(contract, me), ("Content-Type", media))
        yield Probe("valid-request-accepted", name, post(contract, me, body, headers=headers), me)
    lower = (
        *((name.lower(), value) for name, value in auth_headers(contract, me)),
        ("content-type", "application/json"),
    )
    yield Probe(
        "valid-request-accepted",
        "header names in lower case",
        post(contract, me, body, headers=lower),
        me,
    )
    chunked = post(contract, me, body)
    yield Probe(
        "valid-request-accepted",
        "chunked body (no Content-Length)",
        replace(chunked, chunked=True),
        me,
    )
    limit = contract.limits.max_body_bytes
    exact = post(contract, me, padded(body["job_ids"], limit))
    yield Probe("valid-request-accepted", f"body of exactly {limit} bytes", exact, me)
    yield Probe(
        "valid-request-accepted",
        f"body of exactly {limit} bytes, chunked",
        replace(exact, chunked=True),
        me,
    )
    under = contract.limits.max_header_bytes - HEADER_MARGIN
    yield Probe(
        "valid-request-accepted",
        f"request headers of about {under} bytes (under max_header_bytes)",
        post(contract, me, body, headers=header_block(contract, me, under)),
        me,
    )
    if options.other:
        other = options.other
        yield Probe(
            "valid-request-accepted",
            "second identity, its own project",
            post(contract, other, {"job_ids": some_ids(rng, other, 3)}),
            other,
        )
