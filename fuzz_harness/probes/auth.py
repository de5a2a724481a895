"""Probes of the ``auth`` family of rules: who asks with a token: the token missing, unknown or
a near miss of the real one, or issued for another project (the provider's IAM token; spec:
``securitySchemes.authToken``).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    JSON,
    Family,
    Probe,
    near_misses,
    other_project,
    post,
    refusal,
    some_ids,
    token_header,
)
from jobs_metrics_spec import Contract

FAMILY = Family("auth")


@FAMILY.probes("token-missing")
def _token_missing(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    yield refusal(
        "token-missing",
        "no X-Auth-Token",
        post(contract, me, {"job_ids": some_ids(rng, me, 2)}, headers=(JSON,)),
    )


@FAMILY.probes("token-unknown")
def _token_unknown(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 2)}
    token = ("X-Auth-Token", f"jm-fuzz-unknown-{rng.getrandbits(64):016x}")
    yield refusal("token-unknown", "unknown token", post(contract, me, body, token=token))
    for name, spelling in near_misses(me.variable, me.token, "the valid token"):
        token = ("X-Auth-Token", spelling)
        yield refusal("token-unknown", name, post(contract, me, body, token=token))


@FAMILY.probes("token-other-project")
def _token_other(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    ids = {"job_ids": some_ids(rng, me, 2)}
    if options.other:
        yield refusal(
            "token-other-project",
            "token for OTHER_PROJECT_ID's path",
            post(contract, me, ids, project_id=options.other.project_id),
        )
        yield refusal(
            "token-other-project",
            "OTHER_AUTH_TOKEN for PROJECT_ID's path",
            post(contract, me, ids, token=token_header(options.other)),
        )
    yield refusal(
        "token-other-project",
        "a well-formed project the token is not for",
        post(contract, me, ids, project_id=other_project(me)),
    )
