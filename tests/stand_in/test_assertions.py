"""The sandbox's assertions read like the API and, when they fail, say what the client got
wrong: each request received, each refusal's near miss in the client's terms."""

from __future__ import annotations

import httpx
import pytest
from jobs_metrics_client.models import JobMetricsRequest as ClientRequest
from jobs_metrics_models import JobMetricsRequest
from pydantic import ValidationError

from jobs_metrics_spec import aksk
from jobs_metrics_stand_in import Sandbox
from tests.stand_in.conftest import cs_url, dli_client, show


def cs(sandbox: Sandbox, body: object) -> httpx.Response:
    return httpx.post(cs_url(sandbox), json=body, headers={"X-Auth-Token": sandbox.token})


def test_assert_requested_counts_matches_and_returns_them(sandbox: Sandbox) -> None:
    cs(sandbox, {"job_ids": [2, 1]})
    cs(sandbox, {"job_ids": [1, 2]})
    cs(sandbox, {"job_ids": [3]})
    both = sandbox.assert_requested(job_ids=[1, 2], operation="queryJobMetrics", times=2)
    assert [r.job_ids for r in both] == [[2, 1], [1, 2]]
    sandbox.assert_requested(job_ids=[3], status=200, rule="valid-request-accepted")
    with pytest.raises(AssertionError) as caught:
        sandbox.assert_requested(job_ids=[1, 2], times=1)
    message = str(caught.value)
    assert message.startswith("expected exactly 1 request(s) with job_ids=[1, 2]; 2 matched")
    assert message.count("\n#") == 3  # every request received, one line each
    with pytest.raises(AssertionError, match=r"at least 1 .* operation='showFlinkMetric'; 0"):
        sandbox.assert_requested(operation="showFlinkMetric")


def test_a_refused_request_is_explained_in_the_clients_terms(sandbox: Sandbox) -> None:
    cs(sandbox, {"job_ids": [7, 7]})
    with pytest.raises(AssertionError) as caught:
        sandbox.assert_requested(job_ids=[7], status=200)
    assert "near miss: `job_ids` named 7 twice" in str(caught.value)
    assert "rule job-ids-duplicate\n" in str(caught.value)
    with pytest.raises(AssertionError, match="1 request\\(s\\) broke the contract"):
        sandbox.assert_contract_kept()


def test_a_signature_without_host_is_explained(sandbox: Sandbox) -> None:
    path = f"/v1.0/{sandbox.project_id}/streaming/jobs/metrics"
    body = b'{"job_ids": [1]}'
    headers = [("Content-Type", "application/json"), ("X-Sdk-Date", aksk.sdk_date())]
    authorization = aksk.sign("POST", path, headers, body, sandbox.access_key, sandbox.secret_key)
    answer = httpx.post(
        sandbox.base_url + path,
        content=body,
        headers=[*headers, ("Authorization", authorization)],
    )
    assert answer.status_code == 401
    (refused,) = sandbox.requests(verdict="refused")
    assert refused.broke_contract
    assert refused.near_miss() == (
        "the signature did not cover `host` (SignedHeaders: host must be signed.)"
    )
    assert "rule signed-headers-incomplete\n" in refused.line()


def test_scripted_refusals_throttle_and_token_expiry_do_not_count_as_broken(
    sandbox: Sandbox,
) -> None:
    sandbox.fail_next("token-expired")
    sandbox.throttle(per_second=1)
    cs(sandbox, {"job_ids": [1]})
    assert cs(sandbox, {"job_ids": [1]}).status_code == 429
    sandbox.throttle(per_second=None)
    sandbox.expire_token(at=0)
    assert cs(sandbox, {"job_ids": [1]}).json()["error_id"] == "CS.10007"
    assert [r.rule for r in sandbox.requests()] == ["token-expired", "throttled", "token-expired"]
    sandbox.assert_contract_kept()


def test_deprecated_calls_are_caught(sandbox: Sandbox) -> None:
    sandbox.assert_no_deprecated_calls()  # nothing sent yet
    cs(sandbox, {"job_ids": [1]})
    sandbox.assert_no_deprecated_calls()
    show(dli_client(sandbox), [1])
    with pytest.raises(AssertionError, match="1 request\\(s\\) used the deprecated operation"):
        sandbox.assert_no_deprecated_calls()


def test_unused_scripted_outcomes_are_caught(sandbox: Sandbox) -> None:
    sandbox.fail_next("internal-error", times=2)
    sandbox.fail_next("account-frozen", times=None, job_ids=[9])
    cs(sandbox, {"job_ids": [1]})
    with pytest.raises(AssertionError) as caught:
        sandbox.assert_all_called()
    said = str(caught.value)
    assert "e1 (rule internal-error, triggered 1 of 2)" in said
    assert "e2 (rule account-frozen, triggered 0 of unlimited)" in said
    cs(sandbox, {"job_ids": [1]})
    cs(sandbox, {"job_ids": [9]})
    sandbox.assert_all_called()


def test_records_decode_with_either_generated_model(sandbox: Sandbox) -> None:
    cs(sandbox, {"job_ids": [4, 5]})
    cs(sandbox, {"job_ids": "nope"})
    good, bad = sandbox.requests()
    assert good.parse(JobMetricsRequest).job_ids == [4, 5]
    assert good.parse(ClientRequest).job_ids == [4, 5]
    with pytest.raises(ValidationError):
        bad.parse(JobMetricsRequest)
