"""Checks of this API's contract that schemathesis does not ship, registered as its hooks.

- ``ignored_auth_cs`` replaces the built-in ``ignored_auth`` (ST401), which expects 401 or
  403: this provider answers a missing or bad token with HTTP 400 and ``CS.10008`` /
  ``CS.10005``. The property is the same: a request without a valid token is never answered
  with data.
- ``invalid_project_id_refused``: the project in the path is pinned to the token's project
  for schema-valid cases, so this probes the other side: the same request for a project the
  token was not issued for must be refused.
- ``jobs_match_request``: the spec says ``payload.jobs`` holds the requested jobs found, in
  the order requested; a job nobody asked for, or one listed twice, breaks it.

Probes are sent only for the first few successful answers of a run (``PROBES_PER_RUN``): a
server that ignores auth does so on every request, and each probe costs a round trip.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import schemathesis
from schemathesis.specs.openapi._auth_retry import (
    get_security_parameters,
    remove_auth,
    send_probe,
    set_auth_for_case,
)

PROBES_PER_RUN = 3
OTHER_PROJECT = "ffffffffffffffffffffffffffffffff"
_lock = threading.Lock()
_probes_done = {"auth": 0, "project": 0}


def _take_probe(kind: str) -> bool:
    with _lock:
        if _probes_done[kind] >= PROBES_PER_RUN:
            return False
        _probes_done[kind] += 1
        return True


def _json(response: Any) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _refused(response: Any, expected_ids: tuple[str, ...], scenario: str) -> None:
    body = _json(response)
    if 200 <= response.status_code < 300 or (isinstance(body, dict) and "payload" in body):
        raise AssertionError(
            f"{scenario}: answered {response.status_code} with data; a request without a valid "
            f"token must be refused (HTTP 400, error_id {' or '.join(expected_ids)})"
        )
    if (
        response.status_code != 400
        or not isinstance(body, dict)
        or body.get("error_id") not in expected_ids
    ):
        got = body.get("error_id") if isinstance(body, dict) else None
        raise AssertionError(
            f"{scenario}: expected HTTP 400 with error_id {' or '.join(expected_ids)}, "
            f"got {response.status_code} with error_id {got!r}"
        )


@schemathesis.check
def ignored_auth_cs(ctx: Any, response: Any, case: Any) -> bool | None:
    """A successful request, re-sent without its token and with a wrong one, must be refused."""
    if not 200 <= response.status_code < 300 or not _take_probe("auth"):
        return None
    security = get_security_parameters(case.operation)
    if not security:
        return None
    without = remove_auth(case, security)
    _refused(send_probe(ctx, case, without), ("CS.10008",), "no X-Auth-Token")
    for parameter in security:
        wrong = remove_auth(case, security)
        set_auth_for_case(wrong, parameter)
        _refused(
            send_probe(ctx, case, wrong),
            ("CS.10005", "CS.10007", "CS.10010"),
            "unknown X-Auth-Token",
        )
    return None


@schemathesis.check
def invalid_project_id_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """The same successful request for a project the token is not for must be refused."""
    if not 200 <= response.status_code < 300 or "project_id" not in (case.path_parameters or {}):
        return None
    if not _take_probe("project"):
        return None
    for project, codes in (
        (OTHER_PROJECT, ("CS.10006",)),
        ("not-a-project-id", ("CS.10003", "CS.10006")),
    ):
        probe = case.derive(keep_auth=True)
        probe.path_parameters["project_id"] = project
        kwargs = dict(ctx.internals.transport_kwargs or {})
        if case.operation.app is not None:
            kwargs.setdefault("app", case.operation.app)
        ctx.internals.record_case(parent_id=case.id, case=probe)
        answer = case.operation.schema.transport.send(probe, **kwargs)
        ctx.internals.record_response(case_id=probe.id, response=answer)
        body = _json(answer)
        if (
            answer.status_code != 400
            or not isinstance(body, dict)
            or body.get("error_id") not in codes
        ):
            raise AssertionError(
                f"project_id {project!r} (not the token's project): expected HTTP 400 with "
                f"error_id {' or '.join(codes)}, got {answer.status_code}: {answer.content[:200]!r}"
            )
    return None


@schemathesis.check
def jobs_match_request(ctx: Any, response: Any, case: Any) -> bool | None:
    """``payload.jobs`` lists only requested jobs, each once, in the order requested."""
    if response.status_code != 200 or not isinstance(case.body, dict):
        return None
    requested = case.body.get("job_ids")
    body = _json(response)
    if not isinstance(requested, list) or not isinstance(body, dict):
        return None
    jobs = (body.get("payload") or {}).get("jobs") or []
    returned = [job.get("job_id") for job in jobs if isinstance(job, dict) and "job_id" in job]
    # JSON Schema counts 7.0 as the integer 7, so the request may carry IDs written that way.
    position: dict[Any, int] = {
        int(job_id): index
        for index, job_id in enumerate(requested)
        if isinstance(job_id, int | float)
        and not isinstance(job_id, bool)
        and job_id == int(job_id)
    }
    unrequested = [job_id for job_id in returned if job_id not in position]
    if unrequested:
        raise AssertionError(f"payload.jobs holds jobs that were not requested: {unrequested[:5]}")
    if len(set(returned)) != len(returned):
        raise AssertionError("payload.jobs lists a job more than once")
    order = [position[job_id] for job_id in returned]
    if order != sorted(order):
        raise AssertionError("payload.jobs is not in the order the jobs were requested")
    return None
