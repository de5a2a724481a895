"""Probes of the ``headers`` family of rules: the headers: media type (RFC 9110 section 8.3),
content coding (section 8.4), a header sent twice (section 5.3), the header block's size
(``x-contract.limits``).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator

from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    JSON,
    Family,
    Probe,
    auth_headers,
    header_block,
    post,
    refusal,
    some_ids,
    token_header,
)
from jobs_metrics_spec import Contract

FAMILY = Family("headers")


@FAMILY.probes("content-type-not-json")
def _content_type(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = json.dumps({"job_ids": ids}).encode()
    boundary = "jmfuzzboundary"
    multipart = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="job_ids"\r\n\r\n{ids[0]}\r\n--{boundary}--\r\n'
    ).encode()
    cases = [
        ("text/plain", ("Content-Type", "text/plain"), body),
        # media types that only start with application/json (a prefix match accepts them)
        ("application/jsonx", ("Content-Type", "application/jsonx"), body),
        ("application/json-seq", ("Content-Type", "application/json-seq"), body),
        (
            "multipart/form-data",
            ("Content-Type", f"multipart/form-data; boundary={boundary}"),
            multipart,
        ),
        (
            "form-urlencoded",
            ("Content-Type", "application/x-www-form-urlencoded"),
            f"job_ids={ids[0]}".encode(),
        ),
        ("no Content-Type", None, body),
    ]
    for name, header, raw in cases:
        headers = (
            (*auth_headers(contract, me), header) if header else (*auth_headers(contract, me),)
        )
        yield refusal("content-type-not-json", name, post(contract, me, raw, headers=headers))


@FAMILY.probes("content-encoding-not-identity")
def _content_encoding(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = json.dumps({"job_ids": some_ids(rng, me, 2)}).encode()
    for name, encoding, raw in (
        ("gzip body", "gzip", gzip.compress(body, mtime=0)),
        ("br announced", "br", body),
    ):
        headers = (*auth_headers(contract, me), JSON, ("Content-Encoding", encoding))
        yield refusal(
            "content-encoding-not-identity", name, post(contract, me, raw, headers=headers)
        )


@FAMILY.probes("header-duplicate")
def _header_duplicate(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    if contract.signed:  # the signing headers are signing-header-duplicate's
        for name, headers in (
            ("Content-Type twice", (JSON, JSON)),
            ("Content-Encoding: identity twice", (JSON, *[("Content-Encoding", "identity")] * 2)),
        ):
            yield refusal("header-duplicate", name, post(contract, me, body, headers=headers))
        return
    token = token_header(me)
    cases = [
        ("the same token twice", (token, token, JSON)),
        (
            "an unknown token, then the right one",
            (("X-Auth-Token", "jm-fuzz-unknown"), token, JSON),
        ),
        ("Content-Type twice", (token, JSON, JSON)),
        (
            "Content-Encoding: identity twice",
            (token, JSON, *[("Content-Encoding", "identity")] * 2),
        ),
        ("X-Auth-Token and x-auth-token", (token, ("x-auth-token", token[1]), JSON)),
        (
            "an unknown X-Auth-Token, then the right x-auth-token",
            (("X-Auth-Token", "jm-fuzz-unknown"), ("x-auth-token", token[1]), JSON),
        ),
    ]
    for name, headers in cases:
        yield refusal("header-duplicate", name, post(contract, me, body, headers=headers))


@FAMILY.probes("headers-too-large")
def _headers_too_large(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    limit = contract.limits.max_header_bytes
    for size in (limit + 512, limit + 4096):
        yield refusal(
            "headers-too-large",
            f"request headers of about {size} bytes (over max_header_bytes)",
            post(contract, me, body, headers=header_block(contract, me, size)),
        )
