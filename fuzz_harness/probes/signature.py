"""Probes of the ``signature`` family of rules: the successor's AK/SK signature, one check of
the verifier each (spec: ``x-signature`` of ``akskSignature``, the provider's SDK signer).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    JSON,
    Family,
    Probe,
    near_misses,
    other_project,
    post,
    refusal,
    signing_of,
    some_ids,
    token_header,
)
from jobs_metrics_spec import Contract, aksk, operations

FAMILY = Family("signature")


def _another_path(contract: Contract, project_id: str) -> str:
    """The path of another operation of the spec (the one this one replaces, if any): a
    signature made for it must not pass here."""
    others = [c for c in operations(contract.document) if c.path != contract.path]
    chosen = next((c for c in others if c.operation_id == contract.replaces), None)
    if chosen is None and others:
        chosen = others[0]
    other = chosen.path if chosen else contract.path + "/other"
    return other.format(project_id=project_id)


@FAMILY.probes("signature-missing")
def _signature_missing(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    unsigned = replace(post(contract, me, body), signing=None)
    yield refusal("signature-missing", "no Authorization", unsigned)
    # The CS operation's credential on its successor: a server that takes both must not
    # take a token where the signature belongs.
    with_token = replace(post(contract, me, body, headers=(token_header(me), JSON)), signing=None)
    yield refusal("signature-missing", "a valid X-Auth-Token instead of a signature", with_token)
    scheme = contract.signature
    required = ";".join(scheme.required_signed_headers)
    for name, value in (
        ("a bearer token", "Bearer ${AK}"),
        ("the algorithm alone", scheme.algorithm),
        ("no Signature", f"{scheme.algorithm} Access=$AK, SignedHeaders={required}"),
        ("another algorithm", f"{scheme.algorithm}X Access=$AK, SignedHeaders=host, Signature=00"),
    ):
        request = post(
            contract,
            me,
            body,
            headers=(("Authorization", value.replace("AK", me.ak_variable)), JSON),
        )
        yield refusal("signature-missing", name, replace(request, signing=None))


@FAMILY.probes("access-key-unknown")
def _access_key_unknown(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    misses = [
        ("an unknown access key", f"JMFUZZ{rng.getrandbits(56):014X}"),
        *near_misses(me.ak_variable, me.access_key, "the access key"),
    ]
    for name, access in misses:
        signing = signing_of(me, access=access)
        yield refusal("access-key-unknown", name, post(contract, me, body, signing=signing))


@FAMILY.probes("signature-wrong")
def _signature_wrong(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = {"job_ids": ids}
    other_body = json.dumps({"job_ids": ids[:1]}).encode()
    secrets = near_misses(me.sk_variable, me.secret_key, "signed with the secret key")
    cases: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("signed with another secret key", {"secret": f"jm-fuzz-{rng.getrandbits(64):016x}"}, {}),
        *((name, {"secret": secret}, {}) for name, secret in secrets),
        ("the signature's last digit changed", {"flip": True}, {}),
        ("the body changed after signing", {"signed_body": other_body}, {}),
        ("the method changed after signing (signed as PUT)", {"signed_method": "PUT"}, {}),
        (
            "the path changed after signing (signed for the other operation's path)",
            {"signed_path": _another_path(contract, me.project_id)},
            {},
        ),
        (
            "a signed header changed after signing (Content-Type)",
            {"phantom": ("Content-Type", "application/json; charset=utf-8")},
            {"headers": (("Content-Type", "application/json"),), "unsigned": ("content-type",)},
        ),
    ]
    for name, fault, extra in cases:
        unsigned = extra.get("unsigned", ())
        signing = signing_of(me, unsigned=unsigned, **fault)
        request = post(contract, me, body, signing=signing, headers=extra.get("headers"))
        yield refusal("signature-wrong", name, request)


@FAMILY.probes("signature-body-not-covered")
def _body_not_covered(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = some_ids(rng, me, 2)
    body = {"job_ids": ids}
    smaller = json.dumps({"job_ids": ids[:1]}).encode()
    for name, fault in (
        ("JSON signed as UNSIGNED-PAYLOAD", {"payload_hash": "UNSIGNED-PAYLOAD"}),
        (
            "X-Sdk-Content-Sha256 the hash of another body, signed with it",
            {"payload_hash": aksk.body_hash(smaller)},
        ),
    ):
        yield refusal(
            "signature-body-not-covered",
            name,
            post(contract, me, body, signing=signing_of(me, **fault)),
        )


@FAMILY.probes("signed-headers-incomplete")
def _signed_headers_incomplete(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"{header} not signed", {"unsigned": (header,)})
        for header in contract.signature.required_signed_headers
    ]
    cases.append(("a signed header not sent (x-jm-fuzz)", {"phantom": ("X-JM-Fuzz", "1")}))
    for name, fault in cases:
        signing = signing_of(me, **fault)
        yield refusal("signed-headers-incomplete", name, post(contract, me, body, signing=signing))


@FAMILY.probes("date-skewed")
def _date_skewed(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    window = contract.signature.max_skew_seconds
    for name, fault in (
        (f"X-Sdk-Date {window + 120} s in the past", {"skew_seconds": -(window + 120)}),
        (f"X-Sdk-Date {window + 120} s in the future", {"skew_seconds": window + 120}),
        ("X-Sdk-Date a day in the past", {"skew_seconds": -86400}),
        ("no X-Sdk-Date", {"date": ""}),
        ("X-Sdk-Date in ISO 8601 with dashes", {"date": "2026-11-30T06:00:00Z"}),
        ("X-Sdk-Date not a date", {"date": "yesterday"}),
    ):
        signing = signing_of(me, **fault)
        yield refusal("date-skewed", name, post(contract, me, body, signing=signing))
    # Inside the window: a clock a few minutes off is the provider's allowance, accepted.
    for seconds in (-(window // 2), window // 2):
        signing = signing_of(me, skew_seconds=seconds)
        yield Probe(
            "date-skewed",
            f"X-Sdk-Date {abs(seconds)} s in the {'past' if seconds < 0 else 'future'}"
            " (within the window: accepted)",
            post(contract, me, body, signing=signing),
            me,
        )


@FAMILY.probes("signing-header-duplicate")
def _signing_duplicate(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    scheme = contract.signature
    stale = aksk.sdk_date(datetime.now(UTC) - timedelta(days=1), scheme.date_format)
    signed_project = (JSON, ("X-Project-Id", me.project_id))
    forged = f"{scheme.algorithm} Access=x, SignedHeaders=host, Signature=00"
    # The second copy is added after signing: a server that checks one copy and uses the
    # other would accept the request.
    for name, headers, appended in (
        (f"{scheme.date_header} twice (a stale copy)", (JSON,), ((scheme.date_header, stale),)),
        ("X-Project-Id twice", signed_project, (("x-project-id", me.project_id),)),
        (
            "Authorization twice",
            (JSON,),
            (("authorization", forged),),
        ),
    ):
        signing = signing_of(me, appended=appended)
        request = post(contract, me, body, headers=headers, signing=signing)
        yield refusal("signing-header-duplicate", name, request)


@FAMILY.probes("key-other-project")
def _key_other_project(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    ids = {"job_ids": some_ids(rng, me, 2)}
    if options.other:
        yield refusal(
            "key-other-project",
            "AK for OTHER_PROJECT_ID's path",
            post(contract, me, ids, project_id=options.other.project_id),
        )
        yield refusal(
            "key-other-project",
            "OTHER_AK for PROJECT_ID's path",
            post(contract, me, ids, signing=signing_of(options.other)),
        )
    yield refusal(
        "key-other-project",
        "a well-formed project the key is not for",
        post(contract, me, ids, project_id=other_project(me)),
    )
    yield refusal(
        "key-other-project",
        "X-Project-Id of another project (signed)",
        post(contract, me, ids, headers=(JSON, ("X-Project-Id", other_project(me)))),
    )
