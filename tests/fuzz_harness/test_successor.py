"""The harness on the successor operation: signing, DLI's envelope, the comparison with CS.

Each with a valid and an invalid case: a probe's signature verifies exactly when it should
(every signing fault a probe sends breaks the check its rule names, the default does not),
schemathesis' requests are signed as the SDK signs, answers are judged in DLI's envelope
and error body, and ``jobs-same-as-replaced`` compares the two operations' jobs.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests

from fuzz_harness.consistency import SAME_AS_REPLACED, run_checks
from fuzz_harness.exchange import Answer, Request, Sender, Signing
from fuzz_harness.hooks import SignedRequest
from fuzz_harness.jobids import JobIdSet
from fuzz_harness.options import FuzzOptions, demo_identities
from fuzz_harness.probes import MAKERS, Probe, post
from fuzz_harness.runner import judge_probe
from jobs_metrics_spec import aksk, contract_rules, spec_document, spec_operations

CS, DLI = spec_operations()
ME, OTHER = demo_identities()
OPTIONS = FuzzOptions(
    None, ME, OTHER, max_examples=1, seed=1, mode="all", workers=1, report_dir=Path("r")
)
SECRETS = OPTIONS.secrets
JSON = {"content-type": "application/json"}
BASE = "http://127.0.0.1:8080"


def verify(headers: list[tuple[str, str]], method: str, path: str, body: bytes) -> str | None:
    """A verifier written from the spec's scheme: why the request is refused, or None."""
    lower = [(name.lower(), value) for name, value in headers]
    names = [name for name, _ in lower]
    for name in ("authorization", "x-sdk-date", "x-project-id"):
        if names.count(name) > 1:
            return f"{name} twice"
    values = dict(lower)
    parsed = aksk.parse_authorization(values.get("authorization", ""))
    if parsed is None:
        return "no signature"
    keys = {ME.access_key: ME, OTHER.access_key: OTHER}
    if parsed.access_key not in keys:
        return "unknown key"
    owner = keys[parsed.access_key]
    if not {"host", "x-sdk-date"} <= set(parsed.signed_headers):
        return "host or date unsigned"
    if any(name not in values for name in parsed.signed_headers):
        return "a signed header not sent"
    try:
        moment = datetime.strptime(values["x-sdk-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "date malformed"
    if abs((datetime.now(UTC) - moment).total_seconds()) > DLI.signature.max_skew_seconds:
        return "date skewed"
    path, _, query = path.partition("?")
    canonical = aksk.canonical_request(
        method,
        path,
        parse_qsl(query, keep_blank_values=True),
        {name: values[name] for name in parsed.signed_headers},
        parsed.signed_headers,
        aksk.body_hash(body),
    )
    expected = aksk.signature(
        owner.secret_key, aksk.string_to_sign(values["x-sdk-date"], canonical)
    )
    if not aksk.signatures_equal(parsed.signature, expected):
        return "signature wrong"
    if f"/{owner.project_id}/" not in path or values.get("x-project-id", owner.project_id) != (
        owner.project_id
    ):
        return "another project"
    return None


def sent(request: Request) -> str | None:
    headers = Sender(BASE, SECRETS).signed(request)
    return verify(headers, request.method, request.path, request.body or b"")


def test_a_default_signature_verifies() -> None:
    assert sent(post(DLI, ME, {"job_ids": [1]})) is None


def test_a_query_string_is_signed() -> None:
    request = post(DLI, ME, {"job_ids": [1]})
    with_query = replace(request, path=request.path + "?b=2&a=x%20y")
    assert sent(with_query) is None
    headers = Sender(BASE, SECRETS).signed(with_query)
    assert verify(headers, "POST", request.path + "?a=other", b'{"job_ids": [1]}') is not None


def test_the_signature_is_the_sdks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the SDK writes $HOME/.huaweicloud on import
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    body = b'{"job_ids": [1, 2]}'
    path = DLI.path.format(project_id=ME.project_id)
    headers = {"Content-Type": "application/json", "X-Sdk-Date": aksk.sdk_date()}
    sdk = SdkRequest(
        "POST",
        "http",
        "127.0.0.1:8080",
        path,
        query_params=[],
        header_params=dict(headers),
        body=body,
    )
    Signer(BasicCredentials(ME.access_key, ME.secret_key, ME.project_id)).sign(sdk)
    request = Request("POST", path, tuple(headers.items()), body, signing=Signing("$AK", "$SK"))
    ours = dict(Sender(BASE, SECRETS).signed(request))
    assert ours["Authorization"] == sdk.header_params["Authorization"]
    tampered = Request("POST", path, tuple(headers.items()), body + b" ", signing=request.signing)
    assert dict(Sender(BASE, SECRETS).signed(tampered))["Authorization"] != ours["Authorization"]


# The signature rules, from the spec: the successor's refusals with 401 or 403.
SIGNING_RULES = [rule.id for rule in DLI.rules if rule.status in (401, 403)]


@pytest.mark.parametrize("rule", SIGNING_RULES)
def test_every_signing_probe_breaks_the_signature_a_refusal_needs(rule: str) -> None:
    """Invalid: each refusal probe's request fails a verifier written from the scheme; valid:
    the rule's accepted probes (dates within the window) pass it."""
    probes = [p for p in MAKERS[rule](DLI, OPTIONS, random.Random(1)) if isinstance(p, Probe)]
    assert probes
    for probe in probes:
        reason = sent(probe.request)
        assert (reason is None) == (probe.asker is not None), (probe.name, reason)


def test_schemathesis_requests_are_signed_as_sent() -> None:
    path = DLI.path.format(project_id=ME.project_id)
    prepared = requests.Request(
        "POST", BASE + path, json={"job_ids": [1]}, headers={"X-Project-Id": ME.project_id}
    ).prepare()
    signed = SignedRequest(ME.access_key, ME.secret_key)(prepared)
    headers = [(k, str(v)) for k, v in signed.headers.items()]
    body = signed.body if isinstance(signed.body, bytes) else b""
    assert verify(headers, "POST", path, body) is None
    assert verify(headers, "POST", path, body + b" ") == "signature wrong"


def dli_error(code: str, status: int) -> Answer:
    return Answer(status, JSON, json.dumps({"error_code": code, "error_msg": "why"}).encode())


def test_refusals_are_judged_in_dlis_error_body() -> None:
    probe = Probe("signature-wrong", "x", post(DLI, ME, {"job_ids": [1]}))
    assert judge_probe(DLI, OPTIONS, probe, dli_error("APIGW.0301", 401)).problems == {}
    problems = judge_probe(DLI, OPTIONS, probe, dli_error("DLI.0001", 400)).problems
    assert "expected HTTP 401, error_id APIGW.0301" in problems["signature-wrong"][0]
    cs_body = Answer(401, JSON, json.dumps({"error_id": "APIGW.0301"}).encode())
    assert set(judge_probe(DLI, OPTIONS, probe, cs_body).problems) == {
        "signature-wrong",
        "error-body-schema",
    }


def flink(jobs: list[dict[str, object]], **extra: object) -> Answer:
    body = {"is_success": True, "message": "", "metrics": {"jobs": jobs}, **extra}
    return Answer(200, JSON, json.dumps(body).encode())


def test_answers_are_judged_in_dlis_envelope() -> None:
    probe = Probe("jobs-found-in-order", "x", post(DLI, ME, {"job_ids": [2, 1]}), ME)
    assert judge_probe(DLI, OPTIONS, probe, flink([{"job_id": 2}, {"job_id": 1}])).problems == {}
    problems = judge_probe(DLI, OPTIONS, probe, flink([{"job_id": 1}, {"job_id": 2}])).problems
    assert problems["jobs-found-in-order"] == ["metrics.jobs is not in the order requested"]
    cs_shaped = judge_probe(DLI, OPTIONS, probe, flink([], payload={"jobs": []})).problems
    assert "response-schema" in cs_shaped


class TwoOperations:
    """Answers both paths from one table; ``drift`` changes the successor's rates."""

    def __init__(self, drift: bool = False, floats: bool = False) -> None:
        self.drift, self.floats = drift, floats

    def __call__(self, request: Request) -> Answer:
        ids = [i for i in json.loads(request.body or b"{}")["job_ids"] if i in ME.job_ids]
        successor = "/streaming/" in request.path
        rate = float if successor and self.floats else int  # 7.0 and 7: one JSON number
        jobs = [
            {
                "job_id": i,
                "metrics": {"total_read_rate": rate(i) + (0.5 if successor and self.drift else 0)},
            }
            for i in ids
        ]
        if successor:
            return flink(jobs)
        body = {"message_id": "CS.10001", "current_time": 1, "payload": {"jobs": jobs}}
        return Answer(200, JSON, json.dumps(body).encode())


def test_jobs_same_as_replaced_valid() -> None:
    checked = run_checks(TwoOperations(), DLI, OPTIONS, random.Random(2), CS)
    assert SAME_AS_REPLACED in checked.exercised
    assert checked.findings == []


def test_jobs_same_as_replaced_compares_numbers_by_value() -> None:
    checked = run_checks(TwoOperations(floats=True), DLI, OPTIONS, random.Random(2), CS)
    assert checked.findings == []
    assert SAME_AS_REPLACED in checked.exercised


def test_jobs_same_as_replaced_invalid() -> None:
    checked = run_checks(TwoOperations(drift=True), DLI, OPTIONS, random.Random(2), CS)
    assert [f.rule for f in checked.findings] == [SAME_AS_REPLACED]
    assert "differs from the answer of queryJobMetrics" in checked.findings[0].title


def test_without_the_replaced_operation_the_comparison_is_not_exercised() -> None:
    checked = run_checks(TwoOperations(), DLI, OPTIONS, random.Random(2), None)
    assert "queryJobMetrics" in checked.not_exercised[SAME_AS_REPLACED]


def test_the_successor_is_read_from_the_spec() -> None:
    successor = contract_rules(spec_document(), "showFlinkMetric")
    assert successor.signed
    assert successor.replaces == "queryJobMetrics"
    assert successor.jobs_pointer == ("metrics", "jobs")
    assert successor.error_code_field == "error_code"
    assert CS.matches("/v1.0/p/jobs/metrics")
    assert not CS.matches("/v1.0/p/streaming/jobs/metrics")


def test_a_float_spelling_of_the_largest_id_is_the_job_requested() -> None:
    """9223372036854775807.0 is 2^63-1 (JSON Schema counts numbers by value): its job is the
    one requested, not an unrequested 2^63 (found by an outside-in check)."""
    largest = 2**63 - 1
    request = Request("POST", "/v1.0/p/jobs/metrics", (), b'{"job_ids": [9223372036854775807.0]}')
    me = replace(ME, job_ids=JobIdSet.parse(str(largest)))
    probe = Probe("numbers-decided-exactly", "x", request, me)
    options = FuzzOptions(
        None,
        me,
        OTHER,
        max_examples=1,
        seed=1,
        mode="all",
        workers=1,
        report_dir=Path("r"),
    )
    answer = Answer(200, JSON, json.dumps({"payload": {"jobs": [{"job_id": largest}]}}).encode())
    assert judge_probe(CS, options, probe, answer).problems == {}
    wrong = Answer(200, JSON, json.dumps({"payload": {"jobs": [{"job_id": 7}]}}).encode())
    assert "jobs-only-requested" in judge_probe(CS, options, probe, wrong).problems


def test_replaying_a_signed_request_without_the_keys_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Signed with a literal "$AK", it would be refused and replay would call it fixed."""
    from fuzz_harness.replay import replay_file

    monkeypatch.setenv("AUTH_TOKEN", "t")
    for name in ("AK", "SK"):
        monkeypatch.delenv(name, raising=False)
    record = {
        "id": "F1",
        "source": "probe",
        "rule": "showFlinkMetric/signature-wrong",
        "request": post(DLI, ME, {"job_ids": [1]}).to_json(),
        "job_ids": "1-600",
        "other_job_ids": "",
        "base_url": "http://127.0.0.1:9",
        "operation": "showFlinkMetric",
        "probe_rule": "signature-wrong",
    }
    path = tmp_path / "F1.json"
    path.write_text(json.dumps(record))
    assert replay_file(path) == 2
    assert "export AK and SK first" in capsys.readouterr().err
    monkeypatch.setenv("AK", ME.access_key)
    monkeypatch.setenv("SK", ME.secret_key)
    assert replay_file(path) == 1  # nothing listens on port 9: the answer is no answer
