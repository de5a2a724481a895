"""The unmodified provider SDK (``huaweicloudsdkdli``) against a live reference server.

The SDK reads leniently (unknown fields ignored, missing ones None, ``12.9`` read as 12 for an
integer field), so every test checks values: the jobs the SDK parsed, with their types,
against the CS operation's answer for the same request, and each signing fault through the
SDK's own exception with the status and code the spec's ``x-contract`` names.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkcore.signer import signer as sdk_signer
from huaweicloudsdkdli.v1 import ShowFlinkMetricRequest, ShowFlinkMetricRequestBody

from fuzz_harness.server_process import ServerProcess
from jobs_metrics_spec import contract_rules, signature_rules, spec_document
from reference_server import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    PROJECT_A,
    PROJECT_A_JOBS,
    PROJECT_B,
    PROJECT_B_JOBS,
    SECRET_KEY_A,
    SECRET_KEY_B,
    TOKEN_A,
)
from reference_server.loader import load_file
from tests.sdk.conftest import ClientFactory
from tests.support import metrics_url

SUCCESSOR = contract_rules(spec_document(), "showFlinkMetric")
MAX_SKEW = signature_rules(spec_document()).max_skew_seconds
PAGE = 1000  # the request schema's maxItems
INT64_MAX = 2**63 - 1


def expected(rule_id: str) -> tuple[int, str]:
    rule = SUCCESSOR.rule(rule_id)
    assert rule.status is not None
    assert rule.error_id is not None
    return rule.status, rule.error_id


def show(client: Any, job_ids: list[int]) -> Any:
    """``show_flink_metric`` as a user calls it (its DeprecationWarning is asserted elsewhere)."""
    request = ShowFlinkMetricRequest(body=ShowFlinkMetricRequestBody(job_ids=job_ids))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return client.show_flink_metric(request)


def cs_jobs(base_url: str, job_ids: list[int]) -> list[dict[str, Any]]:
    """The CS operation's ``payload.jobs`` for the same request, with the demo token."""
    answer = httpx.post(
        metrics_url(base_url),
        json={"job_ids": job_ids},
        headers={"X-Auth-Token": TOKEN_A},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    jobs: list[dict[str, Any]] = answer.json()["payload"]["jobs"]
    return jobs


def without_none(value: Any) -> Any:
    """The SDK's ``to_dict()`` with the fields it filled with None (absent in JSON) left out."""
    if isinstance(value, dict):
        return {key: without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_none(item) for item in value]
    return value


def types_of(value: Any) -> Any:
    """The JSON shape with each leaf replaced by its type: 12 and 12.0 differ here."""
    if isinstance(value, dict):
        return {key: types_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [types_of(item) for item in value]
    return type(value).__name__


def sdk_jobs(response: Any) -> list[dict[str, Any]]:
    return [without_none(job.to_dict()) for job in response.metrics.jobs]


def pages(ids: range) -> Iterator[list[int]]:
    for start in range(0, len(ids), PAGE):
        yield list(ids[start : start + PAGE])


def test_every_demo_job_read_through_the_sdk_equals_the_cs_answer(
    server: ServerProcess, dli_client: ClientFactory
) -> None:
    client = dli_client(ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A)
    seen: list[int] = []
    for page in pages(PROJECT_A_JOBS):
        response = show(client, page)
        assert response.status_code == 200
        assert response.is_success is True
        assert response.message == ""
        cs = cs_jobs(server.base_url, page)
        assert len(cs) == len(page)
        parsed = sdk_jobs(response)
        assert parsed == cs  # the values the SDK parsed
        raw = json.loads(response.raw_content)["metrics"]["jobs"]
        assert raw == cs
        assert types_of(raw) == types_of(cs)
        seen += [job["job_id"] for job in parsed]
    assert seen == list(PROJECT_A_JOBS)


def test_int64_ids_and_counts_come_back_exactly(
    server: ServerProcess, dli_client: ClientFactory, tmp_path: Any
) -> None:
    stream = {"name": "edge", "records": INT64_MAX, "corrupted_records": INT64_MAX - 1}
    job = {
        "job_id": INT64_MAX,
        "metrics": {"sources": [stream], "sinks": [], "total_read_rate": 0.5},
    }
    metrics_file = tmp_path / "edge.json"
    metrics_file.write_text(json.dumps({"payload": {"jobs": [job]}}))
    assert load_file(server.db, PROJECT_A, metrics_file) == 1
    response = show(dli_client(ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A), [INT64_MAX, 1])
    (edge, first) = response.metrics.jobs
    assert (edge.job_id, type(edge.job_id)) == (INT64_MAX, int)
    source = edge.metrics.sources[0]
    assert (source.records, source.corrupted_records) == (INT64_MAX, INT64_MAX - 1)
    assert type(source.records) is int
    assert first.job_id == 1
    assert sdk_jobs(response) == cs_jobs(server.base_url, [INT64_MAX, 1])


def assert_refused(call: Any, rule_id: str) -> ClientRequestException:
    """The SDK raises its own exception with the rule's status and code, and a request ID."""
    status, code = expected(rule_id)
    with pytest.raises(ClientRequestException) as caught:
        call()
    error = caught.value
    assert (error.status_code, error.error_code) == (status, code), error.error_msg
    assert error.request_id
    assert len(error.request_id) == 32
    return error


def test_a_wrong_secret_key_fails_through_the_sdk(dli_client: ClientFactory) -> None:
    client = dli_client(ACCESS_KEY_A, SECRET_KEY_B, PROJECT_A)
    error = assert_refused(lambda: show(client, [1]), "signature-wrong")
    assert SECRET_KEY_B not in error.error_msg
    assert SECRET_KEY_A not in error.error_msg


class _Clock(datetime):
    """The signer's clock, moved by ``offset`` (the SDK stamps X-Sdk-Date with utcnow())."""

    offset = timedelta(0)

    @classmethod
    def utcnow(cls) -> datetime:  # type: ignore[override]
        return datetime.utcnow() + cls.offset


@pytest.mark.parametrize("seconds", [-(MAX_SKEW + 120), MAX_SKEW + 120])
def test_a_date_outside_the_skew_window_fails_through_the_sdk(
    dli_client: ClientFactory, monkeypatch: pytest.MonkeyPatch, seconds: int
) -> None:
    """Stale (past) and future X-Sdk-Date, signed correctly with that date by the SDK."""
    client = dli_client(ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A)
    clock = type("Clock", (_Clock,), {"offset": timedelta(seconds=seconds)})
    monkeypatch.setattr(sdk_signer, "datetime", clock)
    assert_refused(lambda: show(client, [1]), "date-skewed")
    monkeypatch.setattr(sdk_signer, "datetime", type("Clock", (_Clock,), {}))
    assert show(client, [1]).metrics.jobs[0].job_id == 1  # the same client, on time: accepted


def test_a_body_changed_after_signing_fails_through_the_sdk(dli_client: ClientFactory) -> None:
    """An HTTP handler of the SDK's runs after the signer: it swaps the job ID in the body."""
    tampered: list[bytes] = []

    def tamper(**kwargs: Any) -> None:
        request = kwargs["request"]
        request.body = request.body.replace(b"[1]", b"[2]")
        tampered.append(request.body)

    client = dli_client(
        ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A, HttpHandler().add_request_handler(tamper)
    )
    assert_refused(lambda: show(client, [1]), "signature-wrong")
    assert tampered
    assert b"[2]" in tampered[0]


def test_another_projects_keys_see_none_of_this_projects_jobs(dli_client: ClientFactory) -> None:
    """B's pair on B's path asking for A's jobs: none come back (B's own do)."""
    client_b = dli_client(ACCESS_KEY_B, SECRET_KEY_B, PROJECT_B)
    a_jobs = [*list(PROJECT_A_JOBS)[:500], PROJECT_B_JOBS[0]]
    jobs = show(client_b, a_jobs).metrics.jobs
    assert [job.job_id for job in jobs] == [PROJECT_B_JOBS[0]]


def test_another_projects_keys_on_this_projects_path_are_forbidden(
    dli_client: ClientFactory,
) -> None:
    """B's pair on A's path: the key is valid but not granted the project."""
    client = dli_client(ACCESS_KEY_B, SECRET_KEY_B, PROJECT_A)
    assert_refused(lambda: show(client, [1]), "key-other-project")


def test_the_sdk_warns_that_the_operation_is_deprecated(dli_client: ClientFactory) -> None:
    client = dli_client(ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A)
    request = ShowFlinkMetricRequest(body=ShowFlinkMetricRequestBody(job_ids=[1]))
    with pytest.warns(DeprecationWarning, match="show_flink_metric"):
        assert client.show_flink_metric(request).metrics.jobs[0].job_id == 1


def test_a_header_value_beyond_ascii_signs_as_the_sdk_signs_it(
    dli_client: ClientFactory, server: ServerProcess
) -> None:
    """The SDK signs a header's text and sends its UTF-8 bytes; the server must read the
    bytes back as that text (read as latin-1, ``café`` was signed twice encoded: 401)."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest

    path = SUCCESSOR.path.format(project_id=PROJECT_A)
    body = b'{"job_ids": [1]}'
    host = server.base_url.split("://", 1)[1]

    def send(trace: str) -> httpx.Response:
        headers = {"Content-Type": "application/json", "X-Trace": trace}
        request = SdkRequest(
            "POST", "http", host, path, query_params=[], header_params=headers, body=body
        )
        sdk_signer.Signer(BasicCredentials(ACCESS_KEY_A, SECRET_KEY_A, PROJECT_A)).sign(request)
        # the signer leaves each value as its UTF-8 bytes read as latin-1, as requests sends it
        sent = [(k.encode(), str(v).encode("latin-1")) for k, v in request.header_params.items()]
        return httpx.post(server.base_url + path, headers=sent, content=body)

    assert send("cafe").status_code == 200
    answer = send("café")
    assert answer.status_code == 200, answer.text
    assert [job["job_id"] for job in answer.json()["metrics"]["jobs"]] == [1]
