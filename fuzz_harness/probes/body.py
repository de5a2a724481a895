"""Probes of the ``body`` family of rules: the body: size (``x-contract.limits``), JSON (RFC
8259), the ``JobMetricsRequest`` schema, numbers decided exactly, duplicate IDs.

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
    Family,
    Probe,
    padded,
    post,
    refusal,
    some_ids,
)
from jobs_metrics_spec import Contract

FAMILY = Family("body")


@FAMILY.probes("body-too-large")
def _body_too_large(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    # The other side of the limit (exactly max_body_bytes accepted) is valid-request-accepted's.
    me = options.identity
    limit = contract.limits.max_body_bytes
    over = post(contract, me, padded(some_ids(rng, me, 2), limit + 1))
    yield refusal("body-too-large", f"body of {limit + 1} bytes", over)
    yield refusal(
        "body-too-large",
        f"body of {limit + 1} bytes, chunked (no Content-Length to refuse it by)",
        replace(over, chunked=True),
    )


@FAMILY.probes("json-malformed")
def _json_malformed(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for name, raw in (
        ("truncated", b'{"job_ids": [1,'),
        ("trailing comma", b'{"job_ids": [1,]}'),
        ("not JSON at all", b"job_ids=1"),
        ("text after the object", b'{"job_ids": [1]} x'),
        ("NaN as an ID", b'{"job_ids": [NaN]}'),
        ("Infinity beside a valid ID", b'{"job_ids": [1, Infinity]}'),
        ("Latin-1, not UTF-8", '{"job_ids": [1], "\u00e9": 1}'.encode("latin-1")),
    ):
        yield refusal("json-malformed", name, post(contract, me, raw))


@FAMILY.probes("body-schema-violation")
def _schema_violation(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    one = some_ids(rng, me, 1)[0]
    # One ID more than the spec under test allows (its own bound, not ours: a server of a
    # spec allowing more must not be failed for accepting what that spec allows).
    request = contract.document["components"]["schemas"]["JobMetricsRequest"]
    most = request["properties"]["job_ids"]["maxItems"]
    bodies: list[tuple[str, object]] = [
        ("no job_ids", {}),
        ("empty job_ids", {"job_ids": []}),
        ("ID as a string", {"job_ids": [str(one)]}),
        ("ID as a boolean", {"job_ids": [True]}),
        ("fractional ID", {"job_ids": [1.5]}),
        ("negative ID", {"job_ids": [-1]}),
        # 2^64: past int64 for any parser, doubles included (2^63 is numbers-decided-exactly's)
        ("ID past int64 (2^64)", {"job_ids": [2**64]}),
        ("job_ids not a list", {"job_ids": one}),
        ("job_ids a comma-separated string", {"job_ids": f"{one},{one + 1}"}),
        ("job_ids a string of one ID", {"job_ids": str(one)}),
        ("ID in a nested list", {"job_ids": [[one]]}),
        ("ID as an object", {"job_ids": [{"job_id": one}]}),
        ("null ID", {"job_ids": [None]}),
        ("ID as a numeric string with a sign", {"job_ids": [f"+{one}"]}),
        ("job_ids null", {"job_ids": None}),
        ("body an array", [one]),
        (f"{most + 1:,} IDs", {"job_ids": list(range(1, most + 2))}),
    ]
    for name, body in bodies:
        yield refusal("body-schema-violation", name, post(contract, me, body))


@FAMILY.probes("number-beyond-parsers")
def _beyond_parsers(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for name, raw in (
        ("ID of 5,000 digits", b'{"job_ids": [' + b"9" * 5000 + b"]}"),
        ("ID of 5,000 digits beside a valid one", b'{"job_ids": [1, ' + b"1" * 5000 + b"]}"),
    ):
        probe = post(contract, me, raw)
        yield Probe("number-beyond-parsers", name, probe, floor="body-schema-violation")


@FAMILY.probes("numbers-decided-exactly")
def _numbers_exactly(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    known = some_ids(rng, me, 1)[0]
    for name, number in (
        (f"known ID {known} plus 1e-17 (a double reads {known})", f"{known}.00000000000000001"),
        ("0.99999999999999999 (a double reads 1)", "0.99999999999999999"),
        ("1e-999999999 (a double reads 0)", "1e-999999999"),
        ("2^63, one past the largest ID (a double reads 2^63-1 the same)", str(INT64_MAX + 1)),
        ("2^63 written as 9223372036854775808.0", "9223372036854775808.0"),
    ):
        raw = f'{{"job_ids": [{number}]}}'.encode()
        yield refusal("numbers-decided-exactly", name, post(contract, me, raw))
    for name, number in (
        ("2^63-1 written as 9223372036854775807.0", "9223372036854775807.0"),
        (f"known ID written as {known}.0", f"{known}.0"),
    ):
        raw = f'{{"job_ids": [{number}]}}'.encode()
        yield Probe("numbers-decided-exactly", f"{name} (accepted)", post(contract, me, raw), me)


@FAMILY.probes("body-unknown-field")
def _unknown_field(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 1)
    yield refusal(
        "body-unknown-field",
        "misspelled field beside job_ids",
        post(contract, me, {"job_ids": ids, "jobIds": ids}),
    )
    yield refusal(
        "body-unknown-field", "extra field", post(contract, me, {"job_ids": ids, "limit": 10})
    )


@FAMILY.probes("job-ids-duplicate")
def _duplicate(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    yield refusal(
        "job-ids-duplicate",
        "one ID twice",
        post(contract, me, {"job_ids": [ids[0], *ids, ids[0]][1:]}),
    )
    # Equal numbers in other spellings: JSON Schema's uniqueItems compares values.
    one = ids[0]
    for name, raw in (
        (f"{one} and {one}.0", f'{{"job_ids": [{one}, {one}.0]}}'),
        (f"{one} and {one}e0", f'{{"job_ids": [{one}, {one}e0]}}'),
        (f"{one}.0 and {one}", f'{{"job_ids": [{one}.0, {ids[1]}, {one}]}}'),
    ):
        yield refusal("job-ids-duplicate", name, post(contract, me, raw.encode()))
