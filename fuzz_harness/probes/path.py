"""Probes of the ``path`` family of rules: the path: the project ID's shape (``ProjectId``'s
pattern), other methods, paths off the API and their near misses (RFC 9110 section 4.2.3,
RFC 3986 section 6).

Each maker sits beside the rule id it probes; the spec's ``family`` of that rule is this
module's name (``tests/fuzz_harness/test_probe_families.py``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

from fuzz_harness.options import FuzzOptions
from fuzz_harness.probes.base import (
    Family,
    Probe,
    auth_headers,
    malformed_projects,
    path_for,
    post,
    refusal,
    some_ids,
)
from jobs_metrics_spec import Contract

FAMILY = Family("path")


@FAMILY.probes("project-id-malformed")
def _project_malformed(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    for project in malformed_projects(me.project_id):
        yield refusal(
            "project-id-malformed",
            f"project ID {project!r}",
            post(contract, me, {"job_ids": some_ids(rng, me, 1)}, project_id=project),
        )


@FAMILY.probes("method-not-allowed")
def _method(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    for method in ("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        request = post(contract, me, body, method=method)
        if method in ("GET", "DELETE", "OPTIONS", "HEAD"):
            request = replace(request, headers=auth_headers(contract, me), body=None)
        yield Probe("method-not-allowed", method, request, bodiless=method == "HEAD")


def _upper_tail(path: str, project_id: str) -> str:
    """``path`` with what follows the project ID in upper case (``/JOBS/METRICS``)."""
    head, tail = path.split(project_id, 1)
    return head + project_id + tail.upper()


@FAMILY.probes("path-unknown")
def _path(contract: Contract, options: FuzzOptions, rng: random.Random) -> Iterator[Probe]:
    me = options.identity
    body = {"job_ids": some_ids(rng, me, 1)}
    base = path_for(contract, me.project_id)
    request = post(contract, me, body)
    for path in (
        base + "/extra",
        base.rsplit("/", 1)[0],
        base.replace("/v1.0/", "/v9.9/"),
        base + "/",
        _upper_tail(base, project_id=me.project_id),
        base.replace("/v1.0/", "/V1.0/"),
    ):
        yield Probe(
            "path-unknown",
            path.replace(me.project_id, "{project_id}"),
            replace(request, path=path),
            redirect_to=base if path == base + "/" else None,
        )


@FAMILY.probes("path-normalisation")
def _normalised_paths(
    contract: Contract, options: FuzzOptions, rng: random.Random
) -> Iterator[Probe]:
    me = options.identity
    request = post(contract, me, {"job_ids": some_ids(rng, me, 1)})
    head, last = request.path.rsplit("/", 1)  # the path's last slash, and its first
    for path in (
        f"{head}%2F{last}",
        f"{head}%2f{last}",
        f"{head}//{last}",
        "/" + request.path,
    ):
        yield refusal(
            "path-normalisation",
            path.replace(me.project_id, "{project_id}"),
            replace(request, path=path),
        )
