"""Scripted contract outcomes: every error rule of both operations, as the spec states it,
seen by the generated client (CS) and by the provider's SDK (successor)."""

from __future__ import annotations

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import SdkException
from jobs_metrics_client import AuthenticatedClient
from jobs_metrics_client.api.job_monitoring import query_job_metrics
from jobs_metrics_client.models import ErrorResponse, JobMetricsRequest

from jobs_metrics_spec import Contract, Rule, contract_rules, operations, spec_document
from jobs_metrics_stand_in import Sandbox, StandInError
from tests.stand_in.conftest import cs_url, dli_client, show
from tests.support import validator

CS = contract_rules(spec_document(), "queryJobMetrics")
DLI = contract_rules(spec_document(), "showFlinkMetric")


def error_rules(contract: Contract) -> list[Rule]:
    return [r for r in contract.rules if r.status and r.status >= 400 and r.error_id]


@pytest.mark.parametrize("rule", error_rules(CS), ids=lambda r: r.id)
def test_every_cs_error_rule_reaches_the_generated_client(sandbox: Sandbox, rule) -> None:
    sandbox.fail_next(rule.id, operation=CS.operation_id)
    client = AuthenticatedClient(base_url=sandbox.base_url, token=sandbox.token)
    with client:
        answer = query_job_metrics.sync_detailed(
            sandbox.project_id, client=client, body=JobMetricsRequest(job_ids=[1])
        )
        again = query_job_metrics.sync_detailed(
            sandbox.project_id, client=client, body=JobMetricsRequest(job_ids=[1])
        )
    assert answer.status_code == rule.status
    body = httpx.Response(answer.status_code, content=answer.content).json()
    schema, code_field = CS.body_of(rule)  # the gateway's body for its throttling
    assert body[code_field] == rule.error_id
    assert not list(validator(schema).iter_errors(body))
    for name, value in rule.headers.items():
        assert answer.headers[name] == value
    if rule.status == 400:
        assert isinstance(answer.parsed, ErrorResponse)
        assert answer.parsed.error_id == rule.error_id
    assert again.status_code == 200  # the next request: times=1 was spent
    (journaled,) = sandbox.requests(answered_by=sandbox.script()[0]["id"])
    assert journaled.rule == rule.id


@pytest.mark.parametrize("rule", error_rules(DLI), ids=lambda r: r.id)
def test_every_successor_error_rule_reaches_the_sdk(sandbox: Sandbox, rule) -> None:
    sandbox.fail_next(rule.id, operation=DLI.operation_id)
    with pytest.raises(SdkException) as caught:
        show(dli_client(sandbox), [1])
    assert (caught.value.status_code, caught.value.error_code) == (rule.status, rule.error_id)
    assert show(dli_client(sandbox), [1]).metrics.jobs[0].job_id == 1


def test_a_rule_of_both_operations_answers_each_in_its_own_words(sandbox: Sandbox) -> None:
    sandbox.fail_next("internal-error", times=2)
    cs = httpx.post(cs_url(sandbox), json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token})
    with pytest.raises(SdkException) as caught:
        show(dli_client(sandbox), [1])
    assert (cs.status_code, cs.json()["error_id"]) == (
        CS.rule("internal-error").status,
        CS.rule("internal-error").error_id,
    )
    assert caught.value.error_code == DLI.rule("internal-error").error_id
    assert caught.value.request_id is None or caught.value.request_id


def test_an_unknown_rule_is_refused_naming_the_valid_ones(sandbox: Sandbox) -> None:
    with pytest.raises(StandInError) as caught:
        sandbox.fail_next("token-expired", operation="showFlinkMetric")
    message = str(caught.value)
    assert "signature-wrong" in message
    assert "token-expired" not in message.split("valid:")[1]
    with pytest.raises(StandInError, match="not in the spec"):
        sandbox.fail_next("internal-error", operation="noSuchOperation")


def test_counting_every_kth_and_by_job_id(sandbox: Sandbox) -> None:
    sandbox.fail_next("account-frozen", times=None, every=3, job_ids=[5])
    headers = {"X-Auth-Token": sandbox.token}
    statuses = [
        httpx.post(cs_url(sandbox), json={"job_ids": [ids]}, headers=headers).status_code
        for ids in (5, 5, 6, 5, 5, 5)
    ]
    assert statuses == [200, 200, 200, 400, 200, 200]


def test_probability_by_seed_is_repeatable(stand_in) -> None:
    outcomes = []
    for _ in range(2):
        sandbox = stand_in.sandbox(generate={"count": 1, "seed": 1})
        sandbox.fail_next("forbidden", times=None, probability=0.5, seed=42)
        outcomes.append(
            [
                httpx.post(
                    cs_url(sandbox), json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token}
                ).status_code
                for _ in range(12)
            ]
        )
        sandbox.close()
    assert outcomes[0] == outcomes[1]
    assert 200 in outcomes[0]
    assert 400 in outcomes[0]


def test_a_scripted_200_must_be_valid_against_the_response_schema(sandbox: Sandbox) -> None:
    bad = {"payload": {"jobs": [{"job_id": 1, "metrics": {"sources": [{"records": -1}]}}]}}
    with pytest.raises(StandInError, match=r"payload\.jobs\.0\.metrics\.sources\.0\.records"):
        sandbox.respond(bad, "queryJobMetrics")
    body = {"message_id": "CS.10001", "payload": {"jobs": [{"job_id": 99}]}}
    sandbox.respond(body, "queryJobMetrics")
    answer = httpx.post(cs_url(sandbox), json={"job_ids": [1]},
                        headers={"X-Auth-Token": sandbox.token})  # fmt: skip
    assert answer.json() == body


def test_every_operation_of_the_spec_is_covered() -> None:
    assert {c.operation_id for c in operations(spec_document())} == {
        CS.operation_id,
        DLI.operation_id,
    }
