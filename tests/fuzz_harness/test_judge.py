"""Each judging rule with a valid and an invalid answer (Spectral's style), naming the rule."""

from __future__ import annotations

import json

import pytest

from fuzz_harness.exchange import Answer, parse_json
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.judge import judge_body, judge_jobs, judge_refusal
from jobs_metrics_spec import default_contract

CONTRACT = default_contract()
KNOWN = JobIdSet.parse("1-10")
FOREIGN = JobIdSet.parse("11-20")
JSON = {"content-type": "application/json"}


def ok(*job_ids: int) -> Answer:
    jobs = [{"job_id": i, "metrics": {"total_read_rate": 1.5}} for i in job_ids]
    return Answer(200, JSON, json.dumps({"payload": {"jobs": jobs}}).encode())


def refusal(status: int, error_id: str, headers: dict[str, str] | None = None) -> Answer:
    body = {
        "error_id": error_id,
        "error_name": "X",
        "error_cause": "why",
        "error_suggestion": "fix it",
        "error_time": 1,
    }
    return Answer(status, JSON | (headers or {}), json.dumps(body).encode())


def test_contract_rules_come_from_the_spec():
    rule = CONTRACT.rule("token-other-project")
    assert (rule.status, rule.error_id) == (400, "CS.10006")
    assert CONTRACT.rule("method-not-allowed").headers == {"Allow": "POST"}
    assert CONTRACT.limits.max_body_bytes == 1024 * 1024


@pytest.mark.parametrize(
    ("answer", "problems"),
    [
        (refusal(400, "CS.10006"), 0),
        (refusal(400, "CS.10005"), 1),  # the wrong error_id
        (refusal(403, "CS.10006"), 1),  # the wrong status
        (ok(1), 1),  # accepted
    ],
)
def test_refusal_needs_the_exact_status_and_error_id(answer, problems):
    assert len(judge_refusal(CONTRACT.rule("token-other-project"), answer)) == problems


def test_405_needs_allow_post():
    rule = CONTRACT.rule("method-not-allowed")
    assert judge_refusal(rule, refusal(405, "CS.10003", {"allow": "POST"})) == []
    assert judge_refusal(rule, refusal(405, "CS.10003", {"allow": "GET, POST"}))
    assert judge_refusal(rule, refusal(405, "CS.10003"))


def test_error_body_schema_valid_and_invalid():
    assert judge_body(CONTRACT, refusal(400, "CS.10003")).problems == {}
    text = Answer(405, {"content-type": "text/plain"}, b"Method Not Allowed")
    assert "error-body-schema" in judge_body(CONTRACT, text).problems


def test_response_schema_valid_and_invalid_and_only_counted_with_jobs():
    assert judge_body(CONTRACT, ok()).exercised == set()  # no job: the job fields went unchecked
    good = judge_body(CONTRACT, ok(1))
    assert good.exercised == {"response-schema"}
    assert good.problems == {}
    negative_count = b'{"payload":{"jobs":[{"job_id":1,"metrics":{"sinks":[{"records":-1}]}}]}}'
    negative = Answer(200, JSON, negative_count)
    assert (
        judge_body(CONTRACT, negative)
        .problems["response-schema"][0]
        .startswith("payload.jobs.0.metrics.sinks.0.records")
    )


def test_non_json_numbers_are_not_json():
    assert parse_json(b'{"a": NaN}') is None
    assert parse_json(b'{"a": 1e999}') is None
    assert parse_json(b'{"a": 1.5}') == {"a": 1.5}


def test_jobs_found_in_order_valid_and_invalid():
    assert judge_jobs([3, 1, 99], ok(3, 1), KNOWN, FOREIGN).problems == {}
    assert "jobs-found-in-order" in judge_jobs([3, 1], ok(1, 3), KNOWN, FOREIGN).problems
    missing = judge_jobs([3, 1], ok(3), KNOWN, FOREIGN)
    assert "missing" in missing.problems["jobs-found-in-order"][0]


def test_jobs_only_requested_valid_and_invalid():
    assert judge_jobs([1, 2], ok(1, 2), KNOWN, FOREIGN).problems == {}
    assert "jobs-only-requested" in judge_jobs([1], ok(1, 2), KNOWN, FOREIGN).problems
    assert "jobs-only-requested" in judge_jobs([1], ok(1, 1), KNOWN, FOREIGN).problems


def test_jobs_foreign_hidden_valid_and_invalid():
    hidden = judge_jobs([12, 1], ok(1), KNOWN, FOREIGN)
    assert "jobs-foreign-hidden" in hidden.exercised
    assert hidden.problems == {}
    leak = judge_jobs([12, 1], ok(12, 1), KNOWN, FOREIGN)
    assert "cross-tenant" in leak.problems["jobs-foreign-hidden"][0]


def test_rules_without_data_are_not_exercised():
    verdicts = judge_jobs([1, 2], ok(), JobIdSet(), JobIdSet())
    assert verdicts.exercised == set()
