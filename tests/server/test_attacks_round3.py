"""The third red-team round (issue 32), each attack with its refused case and its accepted
twin: signing metadata refused before any costly work, deep nesting answered by the schema
rule inline and in the body helper, one answer for every credential failure, and a body
helper that answers any failure of one body instead of dying."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest

from jobs_metrics_spec import aksk, signature_rules, spec_document
from reference_server import request_body, signature
from reference_server.body_helper import INLINE_LIMIT, BodyHelper, decide
from reference_server.demo import ACCESS_KEY_A, SECRET_KEY_A
from tests.server.test_successor import VALID, Signed, assert_accepted, assert_refusal
from tests.support import call

SIGNATURE = signature_rules(spec_document())


def _authorization(signed: str, extra: tuple[tuple[str, str], ...] = ()) -> str:
    """An Authorization value with ``signed`` as its SignedHeaders and the right signature
    for that list (so only the list's form can refuse it)."""
    headers = {name.lower(): value for name, value in [*VALID.headers(), *extra]}
    names = [name.lower() for name in signed.split(";")]
    headers = {**dict.fromkeys(names, ""), **headers}  # names not sent sign as empty
    value = aksk.expected_signature(
        SECRET_KEY_A, "POST", VALID.path, [], headers, names, aksk.body_hash(VALID.body)
    )
    return f"{aksk.ALGORITHM} Access={ACCESS_KEY_A}, SignedHeaders={signed}, Signature={value}"


SORTED = ";".join(sorted(name.lower() for name, _ in VALID.headers()))


def _no_canonical_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a canonical request is built: the refusal must come first."""

    def refuse(*_: Any, **__: Any) -> str:
        raise AssertionError("a canonical request was built for malformed signing metadata")

    monkeypatch.setattr(signature, "verify", refuse)  # the step that builds one


@pytest.mark.parametrize(
    "signed",
    [
        # the attack: one large header listed thousands of times (within the size, and over)
        ";".join(["a"] * 1500 + ["host", "x-sdk-date"]),
        ";".join(["a"] * 4000 + ["host", "x-sdk-date"]),
        "x-sdk-date;host",  # not sorted
        "host;host;x-sdk-date",  # twice
        "Host;x-sdk-date",  # not lower case
        "host;x sdk;x-sdk-date",  # not a header name
        ";".join(f"h{i:03}" for i in range(200)) + ";host;x-sdk-date",  # more than sent
    ],
    ids=[
        "1,500 copies",
        "4,000 copies",
        "unsorted",
        "repeated",
        "upper case",
        "not a token",
        "more than sent",
    ],
)
def test_malformed_signed_headers_are_refused_before_any_costly_work(
    app: Any, signed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_canonical_request(monkeypatch)
    large = (("A", "x" * 6000),)  # sent, so that listing it costs 6 KB a copy
    request = replace(VALID, authorization=_authorization(signed, large), unsigned=large)
    body = assert_refusal(request.send(app), "signed-headers-incomplete")
    assert "SignedHeaders" in body["error_msg"] or "Authorization" in body["error_msg"]


def test_the_sdks_sorted_list_is_accepted(app: Any) -> None:
    assert_accepted(replace(VALID, authorization=_authorization(SORTED)).send(app))


def test_an_authorization_over_its_size_is_refused_and_one_at_it_accepted(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = _authorization(SORTED)
    limited = replace(SIGNATURE, max_authorization_bytes=len(value))
    monkeypatch.setattr(signature, "spec_rules", lambda: limited)
    assert_accepted(replace(VALID, authorization=value).send(app))
    padded = value.replace(", Signature=", ",  Signature=")  # one byte more
    body = assert_refusal(replace(VALID, authorization=padded).send(app), "signature-missing")
    assert "longer than" in body["error_msg"]
    assert SIGNATURE.max_authorization_bytes == 4096  # the spec's


def _without_request_id(answer: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = answer.json()
    body.pop("request_id", None)
    headers = {k: v for k, v in answer.headers.items() if k != "x-request-id"}
    return answer.status, body, headers


def test_an_unknown_access_key_and_a_wrong_signature_get_the_same_answer(app: Any) -> None:
    unknown = Signed(access_key=ACCESS_KEY_A + "x")
    wrong = Signed(secret_key=SECRET_KEY_A + "x")
    first, second = unknown.send(app), wrong.send(app)
    assert_refusal(first, "access-key-unknown")
    assert_refusal(second, "signature-wrong")
    assert _without_request_id(first) == _without_request_id(second)
    # a body sent in pieces: read to its end in both cases, so neither says Connection: close
    chunks = [VALID.body[:5], VALID.body[5:]]
    first = replace(unknown, chunks=chunks).send(app)
    second = replace(wrong, chunks=chunks).send(app)
    assert _without_request_id(first) == _without_request_id(second)
    assert "connection" not in first.headers


NESTED = b'{"job_ids":[1.0,' + b"[" * 1000 + b"]" * 1000 + b"]}"


@pytest.mark.parametrize("size", ["inline", "helper"])
def test_deep_nesting_is_a_schema_violation_without_a_traceback(
    app: Any, size: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = NESTED if size == "inline" else NESTED[:-1] + b" " * INLINE_LIMIT + b"}"
    assert (len(body) <= INLINE_LIMIT) == (size == "inline")
    caplog.set_level(logging.WARNING)
    cs = call(app, body=body)
    assert cs.status == 400, cs.body
    assert cs.json()["error_id"] == "CS.10003"
    assert cs.json()["error_cause"] == "job_ids.1: Input should be a valid integer"
    dli = Signed(body=body).send(app)
    assert assert_refusal(dli, "body-schema-violation")["error_code"] == "DLI.0001"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    valid = Signed(body=b'{"job_ids":[1.0, 2]}').send(app)  # its valid twin
    assert [job["job_id"] for job in assert_accepted(valid)] == [1, 2]


def test_the_exact_pass_still_decides_the_first_item_before_deep_nesting(app: Any) -> None:
    body = b'{"job_ids":[0.99999999999999999,' + b"[" * 1000 + b"]" * 1000 + b"]}"
    answer = call(app, body=body)
    assert answer.json()["error_cause"].startswith("job_ids.0: Input should be a valid integer")


def test_any_failure_of_one_body_is_answered_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: bytes) -> list[int]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(request_body, "job_ids_of", broken)
    assert json.loads(decide(b"{}")) == {"rule": "internal", "cause": "RecursionError"}


def test_retiring_a_failed_helper_leaves_a_newer_one_alone() -> None:
    """The clean-up of one request stopped the helper another request was using."""
    helper = BodyHelper()
    try:
        first = helper._start()
        helper._retire(first)
        second = helper._start()
        assert second is not first
        assert first.poll() is not None
        helper._retire(first)  # a late clean-up of the first
        assert second.poll() is None
        assert helper.pid == second.pid
    finally:
        helper.close()
