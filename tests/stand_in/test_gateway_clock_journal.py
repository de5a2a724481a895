"""Throttle, clock and token expiry, the journal, and sandbox isolation, against a live
stand-in."""

from __future__ import annotations

import time

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import SdkException

from jobs_metrics_spec import contract_rules, signature_rules, spec_document
from jobs_metrics_stand_in import Sandbox, StandIn
from tests.stand_in.conftest import cs_url, dli_client, show

THROTTLED = contract_rules(spec_document()).rule("throttled")
THROTTLED_CODE, THROTTLED_STATUS = THROTTLED.error_id, THROTTLED.status

CS = contract_rules(spec_document(), "queryJobMetrics")
DLI = contract_rules(spec_document(), "showFlinkMetric")
MAX_SKEW = signature_rules(spec_document()).max_skew_seconds


def post(sandbox: Sandbox, job_ids: list[int], token: str | None = None) -> httpx.Response:
    return httpx.post(
        cs_url(sandbox),
        json={"job_ids": job_ids},
        headers={"X-Auth-Token": token or sandbox.token},
    )


def test_throttle_the_fourth_request_in_a_second_gets_429(sandbox: Sandbox) -> None:
    sandbox.throttle(3)
    with httpx.Client() as client:
        started = time.monotonic()
        answers = [
            client.post(
                cs_url(sandbox), json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token}
            )
            for _ in range(4)
        ]
        elapsed = time.monotonic() - started
    if elapsed >= 1.0:
        pytest.skip(f"four requests took {elapsed:.2f} s on this machine: not one second")
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == THROTTLED_STATUS
    assert answers[3].json()["error_code"] == THROTTLED_CODE
    assert answers[3].json()["request_id"] == answers[3].headers["x-request-id"]
    client = dli_client(sandbox)
    for _ in range(3):  # per credential: the access key has its own three
        show(client, [1])
    with pytest.raises(SdkException) as caught:
        show(client, [1])
    assert (caught.value.status_code, caught.value.error_code) == (429, THROTTLED_CODE)
    sandbox.throttle(None)
    assert post(sandbox, [1]).status_code == 200


def test_a_frozen_clock_drives_current_time_and_error_time(sandbox: Sandbox) -> None:
    sandbox.set_clock(frozen_at=1_700_000_000.5)
    assert post(sandbox, [1]).json()["current_time"] == 1_700_000_000_500
    assert post(sandbox, [1], token="wrong").json()["error_time"] == 1_700_000_000_500
    sandbox.set_clock(offset_seconds=-86_400)
    now_ms = post(sandbox, [1]).json()["current_time"]
    assert abs(now_ms - (time.time() - 86_400) * 1000) < 60_000


def test_the_clock_drives_the_signature_skew_window(sandbox: Sandbox) -> None:
    assert show(dli_client(sandbox), [1]).metrics.jobs[0].job_id == 1
    sandbox.set_clock(offset_seconds=MAX_SKEW + 60)  # the SDK signs with the real time
    with pytest.raises(SdkException) as caught:
        show(dli_client(sandbox), [1])
    rule = DLI.rule("date-skewed")
    assert (caught.value.status_code, caught.value.error_code) == (rule.status, rule.error_id)
    (entry,) = sandbox.requests(status=str(rule.status))
    assert entry.reason is not None
    assert "from the server's clock" in entry.reason


def test_a_token_expires_at_its_time_on_the_sandbox_clock(sandbox: Sandbox) -> None:
    sandbox.set_clock(frozen_at=2_000_000_000)
    sandbox.expire_token(2_000_000_100)
    assert post(sandbox, [1]).status_code == 200
    sandbox.set_clock(frozen_at=2_000_000_100)
    expired = post(sandbox, [1])
    rule = CS.rule("token-expired")
    assert (expired.status_code, expired.json()["error_id"]) == (rule.status, rule.error_id)
    assert post(sandbox, [1], token="other").json()["error_id"] == CS.rule("token-unknown").error_id
    assert sandbox.requests(rule="token-expired")[0].status == rule.status
    sandbox.set_clock()  # the real time (the SDK signs with it), long past the expiry
    sandbox.expire_token(1.0)
    assert post(sandbox, [1]).json()["error_id"] == rule.error_id
    assert show(dli_client(sandbox), [1]).metrics.jobs  # AK/SK: no token to expire


def test_the_journal_records_what_was_sent_and_what_answered(sandbox: Sandbox) -> None:
    post(sandbox, [3, 4])
    headers = {"X-Auth-Token": sandbox.token, "Content-Type": "application/json"}
    httpx.post(cs_url(sandbox), content=b'{"job_ids": [7, 7]}', headers=headers)
    show(dli_client(sandbox), [2])
    first, duplicate, signed = sandbox.requests()
    assert (first.operation, first.status, first.rule, first.body) == (
        "queryJobMetrics", 200, "valid-request-accepted", {"job_ids": [3, 4]},
    )  # fmt: skip
    assert not first.deprecated
    assert signed.deprecated
    assert duplicate.raw["body"] == '{"job_ids": [7, 7]}'
    # The rule exactly, though its code (CS.10003) is shared by several: the app names it.
    assert duplicate.rule == "job-ids-duplicate"
    assert "job-ids-duplicate" in duplicate.raw["rules"]
    assert duplicate.reason is not None
    assert "7" in duplicate.reason
    headers = dict(map(tuple, first.raw["headers"]))
    assert headers["x-auth-token"] == "<redacted>"
    authorization = dict(map(tuple, signed.raw["headers"]))["authorization"]
    assert sandbox.access_key in authorization
    assert authorization.endswith("<redacted>")
    text = str([r.raw for r in sandbox.requests()])
    assert sandbox.token not in text
    assert sandbox.secret_key not in text
    assert [r.status for r in sandbox.requests(operation="showFlinkMetric")] == [200]
    sandbox.clear_requests()
    assert sandbox.requests() == []


def test_sandboxes_never_see_each_other(stand_in: StandIn) -> None:
    first = stand_in.sandbox(jobs=[{"job_id": 1, "metrics": {"total_read_rate": 1.0}}])
    second = stand_in.sandbox(jobs=[{"job_id": 1, "metrics": {"total_read_rate": 2.0}}])
    try:
        first.fail_next("internal-error", times=None)
        rate = post(second, [1]).json()["payload"]["jobs"][0]["metrics"]["total_read_rate"]
        assert rate == 2.0  # same job ID, its own data; the other's script does not apply
        cross = post(first, [1], token=second.token)
        assert cross.json()["error_id"] == CS.rule("token-other-project").error_id
        with pytest.raises(SdkException) as caught:
            show(dli_client(second, project_id=first.project_id), [1])
        assert caught.value.error_code == DLI.rule("key-other-project").error_id
        assert [r.status for r in first.requests()] == []
        assert len(second.requests()) == 3
    finally:
        first.close()
        second.close()


def test_reset_returns_a_sandbox_to_just_created(stand_in: StandIn) -> None:
    sandbox = stand_in.sandbox(generate={"count": 2, "seed": 1})
    sandbox.add_jobs([{"job_id": 50}])
    sandbox.fail_next("forbidden", times=None)
    sandbox.throttle(1)
    sandbox.set_clock(frozen_at=5.0)
    sandbox.expire_token(1.0)
    post(sandbox, [1])
    sandbox.reset()
    info = sandbox.info()
    assert (info["jobs"], info["script_entries"], info["journal_entries"]) == (2, 0, 0)
    assert info["throttle_per_second"] is None
    assert info["token_expires_at"] is None
    assert info["clock"]["frozen_at"] is None
    assert info["token"] == sandbox.token
    ids = [j["job_id"] for j in post(sandbox, [1, 2, 50]).json()["payload"]["jobs"]]
    assert ids == [1, 2]
    sandbox.close()
    assert post(sandbox, [1]).json()["error_id"] == CS.rule("token-unknown").error_id
