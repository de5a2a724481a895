"""The successor operation (``showFlinkMetric``) in-process: each rule of its ``x-contract``
with a failing request and its passing twin, signed with :func:`jobs_metrics_spec.aksk.sign`.

Every expected status and ``error_code`` is read from the spec's rule, every refusal's body is
held to ``DliErrorResponse`` and every 200 to ``FlinkMetricResponse``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs_metrics_spec import aksk, contract_rules, signature_rules, spec_document
from reference_server import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    PROJECT_A,
    PROJECT_B,
    SECRET_KEY_A,
    SECRET_KEY_B,
    TOKEN_A,
    Settings,
    create_app,
)
from tests.support import METRICS_PATH, AsgiAnswer, call, validator

CONTRACT = contract_rules(spec_document(), "showFlinkMetric")
SIGNATURE = signature_rules(spec_document())
SKEW = SIGNATURE.max_skew_seconds
PATH = CONTRACT.path
A = PATH.format(project_id=PROJECT_A)
GOOD = b'{"job_ids": [1, 2]}'


def date(offset: float = 0) -> str:
    return aksk.sdk_date(datetime.now(UTC) + timedelta(seconds=offset), SIGNATURE.date_format)


@dataclass(frozen=True)
class Signed:
    """One request to the successor, signed as the SDK signs it (every header in ``signed``),
    then changed by the fields after signing: what a client, a proxy or an attacker sends."""

    body: bytes = GOOD
    path: str = A
    method: str = "POST"
    access_key: str = ACCESS_KEY_A
    secret_key: str = SECRET_KEY_A
    signed: tuple[tuple[str, str], ...] = ()  # extra signed headers
    unsigned: tuple[tuple[str, str], ...] = ()  # headers sent but not signed
    content_type: str = "application/json"
    # A number: X-Sdk-Date that many seconds from the clock when sent (cases are built at
    # collection, long before a slow run sends them); a string: sent as written.
    sdk_date: str | float | None = 0.0
    project_header: str | None = PROJECT_A
    host: str | None = "127.0.0.1:8080"
    payload_hash: str | None = None  # X-Sdk-Content-Sha256 as signed
    # What is sent instead of what was signed (None: as signed).
    send_body: bytes | None = None
    send_path: str | None = None
    send_method: str | None = None
    drop: tuple[str, ...] = ()  # signed headers (lower-case names) left out when sending
    alter: tuple[tuple[str, str], ...] = ()  # signed headers (lower-case names) sent changed
    authorization: str | None = None  # replaces the computed value ("" drops it)
    chunks: list[bytes] | None = None

    def headers(self) -> list[tuple[str, str]]:
        headers = [("Content-Type", self.content_type)]
        if self.host is not None:
            headers.append(("Host", self.host))
        if isinstance(self.sdk_date, str):
            headers.append(("X-Sdk-Date", self.sdk_date))
        elif self.sdk_date is not None:
            headers.append(("X-Sdk-Date", date(self.sdk_date)))
        if self.project_header is not None:
            headers.append(("X-Project-Id", self.project_header))
        if self.payload_hash is not None:
            headers.append(("X-Sdk-Content-Sha256", self.payload_hash))
        return headers + list(self.signed)

    def send(self, app: Any) -> AsgiAnswer:
        headers = self.headers()
        value = aksk.sign(
            self.method,
            self.path,
            headers,
            self.body,
            self.access_key,
            self.secret_key,
            payload_hash=self.payload_hash,
        )
        if self.authorization is not None:
            value = self.authorization
        altered = dict(self.alter)
        sent = [
            (name, altered.get(name.lower(), value))
            for name, value in headers
            if name.lower() not in self.drop
        ]
        sent += list(self.unsigned)
        if value:
            sent.append(("Authorization", value))
        return call(
            app,
            self.send_method or self.method,
            self.send_path or self.path,
            body=self.body if self.send_body is None else self.send_body,
            token=None,
            content_type=None,
            # as an ASGI server hands them over: names in lower case, whatever was sent
            extra_headers=[(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in sent],
            chunks=self.chunks,
        )


VALID = Signed()


def wrong_signature() -> str:
    """The valid request's Authorization with the signature's last character changed."""
    value = aksk.sign("POST", A, VALID.headers(), GOOD, ACCESS_KEY_A, SECRET_KEY_A)
    return value[:-1] + ("0" if value[-1] != "0" else "1")


# rule id -> cases: name -> (the failing request, its passing twin)
CASES: dict[str, dict[str, tuple[Signed, Signed]]] = {
    "signature-missing": {
        "no Authorization": (replace(VALID, authorization=""), VALID),
        "not an SDK-HMAC-SHA256 value": (replace(VALID, authorization=f"Bearer {TOKEN_A}"), VALID),
        "a token instead": (
            replace(VALID, authorization="", unsigned=(("X-Auth-Token", TOKEN_A),)),
            VALID,
        ),
    },
    "access-key-unknown": {
        "unknown key": (replace(VALID, access_key="AKUNKNOWN0000000000X"), VALID),
        "key extended": (replace(VALID, access_key=ACCESS_KEY_A + "X"), VALID),
        "key truncated": (replace(VALID, access_key=ACCESS_KEY_A[:-1]), VALID),
        "key in another case": (replace(VALID, access_key=ACCESS_KEY_A.lower()), VALID),
    },
    "signature-wrong": {
        "another secret key": (replace(VALID, secret_key=SECRET_KEY_B), VALID),
        "secret key in another case": (replace(VALID, secret_key=SECRET_KEY_A.upper()), VALID),
        "a character of the signature changed": (
            replace(VALID, authorization=wrong_signature()),
            VALID,
        ),
        "body changed after signing": (replace(VALID, send_body=b'{"job_ids": [1, 3]}'), VALID),
        "signed header changed": (
            replace(VALID, signed=(("X-Trace", "a"),), alter=(("x-trace", "b"),)),
            replace(VALID, signed=(("X-Trace", "a"),)),
        ),
        "host changed": (replace(VALID, alter=(("host", "evil.example"),)), VALID),
        "path changed after signing": (
            replace(VALID, path=PATH.format(project_id=PROJECT_B), send_path=A),
            VALID,
        ),
        "method changed after signing": (replace(VALID, method="PUT", send_method="POST"), VALID),
    },
    "signature-body-not-covered": {
        "UNSIGNED-PAYLOAD": (
            replace(VALID, payload_hash="UNSIGNED-PAYLOAD"),
            replace(VALID, payload_hash=aksk.body_hash(GOOD)),
        ),
        "hash of another body": (
            replace(VALID, payload_hash=aksk.body_hash(b"{}"), body=GOOD),
            replace(VALID, payload_hash=aksk.body_hash(GOOD)),
        ),
    },
    "signed-headers-incomplete": {
        "host not signed": (
            replace(VALID, host=None, unsigned=(("Host", "127.0.0.1:8080"),)),
            VALID,
        ),
        "x-sdk-date not signed": (
            replace(VALID, sdk_date=None, unsigned=(("X-Sdk-Date", date()),)),
            VALID,
        ),
        "a listed header not sent": (
            replace(VALID, signed=(("X-Trace", "a"),), drop=("x-trace",)),
            replace(VALID, signed=(("X-Trace", "a"),)),
        ),
    },
    "date-skewed": {
        "stale": (
            replace(VALID, sdk_date=-SKEW - 60),
            replace(VALID, sdk_date=-SKEW + 60),
        ),
        "future": (
            replace(VALID, sdk_date=SKEW + 60),
            replace(VALID, sdk_date=SKEW - 60),
        ),
        "malformed": (replace(VALID, sdk_date=datetime.now(UTC).isoformat()), VALID),
        "without its Z": (replace(VALID, sdk_date=date()[:-1]), VALID),
        "lower-case z (strptime ignores case)": (replace(VALID, sdk_date=date()[:-1] + "z"), VALID),
        "signed but not sent": (replace(VALID, drop=("x-sdk-date",)), VALID),
    },
    "signing-header-duplicate": {
        "Authorization twice": (
            replace(VALID, unsigned=(("authorization", "SDK-HMAC-SHA256 x"),)),
            VALID,
        ),
        "X-Sdk-Date twice": (replace(VALID, unsigned=(("X-SDK-DATE", date()),)), VALID),
        "Host twice": (replace(VALID, unsigned=(("host", "127.0.0.1:8080"),)), VALID),
        "X-Project-Id twice": (replace(VALID, unsigned=(("x-project-id", PROJECT_A),)), VALID),
    },
    "key-other-project": {
        "B's key on A's path": (
            replace(VALID, access_key=ACCESS_KEY_B, secret_key=SECRET_KEY_B),
            replace(
                VALID,
                access_key=ACCESS_KEY_B,
                secret_key=SECRET_KEY_B,
                path=PATH.format(project_id=PROJECT_B),
                project_header=PROJECT_B,
                body=b'{"job_ids": [601]}',
            ),
        ),
        "X-Project-Id of another project": (
            replace(VALID, project_header=PROJECT_B),
            replace(VALID, project_header=None),
        ),
    },
    "project-id-malformed": {
        "upper case, correctly signed": (
            replace(VALID, path=PATH.format(project_id=PROJECT_A.upper()), project_header=None),
            VALID,
        ),
        "too short, correctly signed": (
            replace(VALID, path=PATH.format(project_id=PROJECT_A[:-1]), project_header=None),
            VALID,
        ),
    },
    "content-type-not-json": {
        "text/plain": (
            replace(VALID, content_type="text/plain"),
            replace(VALID, content_type="application/json; charset=utf-8"),
        ),
        "application/jsonx": (
            replace(VALID, content_type="application/jsonx"),
            replace(VALID, content_type="APPLICATION/JSON; Charset=UTF-8"),
        ),
    },
    "content-encoding-not-identity": {
        "gzip": (
            replace(VALID, signed=(("Content-Encoding", "gzip"),)),
            replace(VALID, signed=(("Content-Encoding", "identity"),)),
        ),
    },
    "header-duplicate": {
        "Content-Type twice": (
            replace(VALID, unsigned=(("content-type", "application/json"),)),
            VALID,
        ),
    },
    "json-malformed": {
        "truncated": (replace(VALID, body=b'{"job_ids": [1,'), VALID),
        "NaN": (replace(VALID, body=b'{"job_ids": [NaN]}'), VALID),
    },
    "body-schema-violation": {
        "an ID as a string": (replace(VALID, body=b'{"job_ids": ["1"]}'), VALID),
        "a fraction": (
            replace(VALID, body=b'{"job_ids": [1.5]}'),
            replace(VALID, body=b'{"job_ids": [1.0]}'),
        ),
        "past int64": (
            replace(VALID, body=b'{"job_ids": [9223372036854775808]}'),
            replace(VALID, body=b'{"job_ids": [9223372036854775807]}'),
        ),
    },
    "body-unknown-field": {
        "unknown field": (replace(VALID, body=b'{"job_ids": [1], "x": 1}'), VALID),
    },
    "job-ids-duplicate": {
        "7 and 7.0": (
            replace(VALID, body=b'{"job_ids": [7, 7.0]}'),
            replace(VALID, body=b'{"job_ids": [7, 8]}'),
        ),
    },
    "method-not-allowed": {
        "GET": (replace(VALID, method="GET"), VALID),
        "DELETE unsigned": (replace(VALID, method="DELETE", authorization=""), VALID),
    },
    "path-unknown": {
        "trailing slash": (replace(VALID, path=A + "/"), VALID),
        "another letter case": (replace(VALID, path=A.replace("streaming", "Streaming")), VALID),
        "another version": (replace(VALID, path=A.replace("v1.0", "v2.0")), VALID),
        "upper-case path": (replace(VALID, path=A.upper()), VALID),
    },
}


def rule_cases() -> list[Any]:
    return [
        pytest.param(rule_id, name, id=f"{rule_id}: {name}")
        for rule_id, cases in CASES.items()
        for name in cases
    ]


def assert_refusal(answer: AsgiAnswer, rule_id: str) -> dict[str, Any]:
    """The rule's status, code and headers, DLI's error body, and the gateway's request ID."""
    rule = CONTRACT.rule(rule_id)
    assert answer.status == rule.status, answer.body
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    validator("DliErrorResponse").validate(body)
    assert body["error_code"] == rule.error_id, body
    for name, value in rule.headers.items():
        assert answer.headers[name.lower()] == value
    request_id = answer.headers["x-request-id"]
    assert len(request_id) == 32
    if body["error_code"].startswith("APIGW."):
        assert body["request_id"] == request_id
    else:
        assert "request_id" not in body
    return body


def assert_accepted(answer: AsgiAnswer) -> list[dict[str, Any]]:
    assert answer.status == 200, answer.body
    body = answer.json()
    validator("FlinkMetricResponse").validate(body)
    assert (body["is_success"], body["message"]) == (True, "")
    jobs: list[dict[str, Any]] = body["metrics"]["jobs"]
    return jobs


def test_every_rule_with_an_error_code_has_a_case() -> None:
    """A rule added to the successor's x-contract without a case here fails."""
    untested = {"internal-error", "body-too-large", "headers-too-large", "numbers-decided-exactly"}
    untested.add("throttled")  # the reference server never throttles (that conforms)
    coded = {rule.id for rule in CONTRACT.rules if rule.error_id} - untested
    assert coded <= set(CASES), coded - set(CASES)


@pytest.mark.parametrize(("rule_id", "name"), rule_cases())
def test_a_rule_broken_gets_its_answer_and_its_twin_is_accepted(
    app: Any, rule_id: str, name: str
) -> None:
    bad, good = CASES[rule_id][name]
    assert_refusal(bad.send(app), rule_id)
    assert_accepted(good.send(app))


def test_the_jobs_are_the_cs_operations_jobs(app: Any) -> None:
    """Known, unknown and foreign IDs mixed: the same job objects, in the same order."""
    job_ids = [5, 600, 10**12, 601, 1, 9223372036854775807, 42]
    body = json.dumps({"job_ids": job_ids}).encode()
    jobs = assert_accepted(replace(VALID, body=body).send(app))
    cs = call(app, path=METRICS_PATH.format(project_id=PROJECT_A), body=body)
    assert cs.status == 200
    assert jobs == cs.json()["payload"]["jobs"]
    assert [job["job_id"] for job in jobs] == [5, 600, 1, 42]


def test_another_projects_key_on_its_own_path_sees_none_of_this_projects_jobs(app: Any) -> None:
    b = replace(
        VALID,
        access_key=ACCESS_KEY_B,
        secret_key=SECRET_KEY_B,
        path=PATH.format(project_id=PROJECT_B),
        project_header=PROJECT_B,
    )
    assert assert_accepted(replace(b, body=b'{"job_ids": [1, 2, 601]}').send(app)) == (
        assert_accepted(replace(b, body=b'{"job_ids": [601]}').send(app))
    )
    assert assert_accepted(replace(b, body=b'{"job_ids": [1, 2, 3]}').send(app)) == []


def test_checks_go_in_the_contracts_order(app: Any) -> None:
    """Unsigned: 401 whatever else is wrong; signed: the request's own fault."""
    schema_bad = b'{"job_ids": ["1"]}'
    assert_refusal(replace(VALID, body=schema_bad, authorization="").send(app), "signature-missing")
    assert_refusal(replace(VALID, body=schema_bad).send(app), "body-schema-violation")
    malformed = PATH.format(project_id="NOT-A-PROJECT")
    unsigned = replace(VALID, path=malformed, authorization="")
    assert_refusal(unsigned.send(app), "signature-missing")
    assert_refusal(
        replace(VALID, path=malformed, project_header=None).send(app), "project-id-malformed"
    )
    # A wrong signature is 401 before the key's project is compared (403).
    other = replace(VALID, access_key=ACCESS_KEY_B, secret_key=SECRET_KEY_A)
    assert_refusal(other.send(app), "signature-wrong")
    assert_refusal(
        replace(VALID, content_type="text/plain", authorization="").send(app), "signature-missing"
    )


def test_limits_are_the_spec_s(app: Any) -> None:
    limit = CONTRACT.limits.max_body_bytes
    at_limit = GOOD[:-1] + b" " * (limit - len(GOOD)) + b"}"
    assert len(at_limit) == limit
    assert_accepted(replace(VALID, body=at_limit).send(app))
    over = at_limit + b" "
    assert_refusal(replace(VALID, body=over).send(app), "body-too-large")
    chunked = replace(VALID, body=over, chunks=[over[: limit // 2], over[limit // 2 :]])
    assert_refusal(chunked.send(app), "body-too-large")
    padding = ("X-Padding", "p" * CONTRACT.limits.max_header_bytes)
    assert_refusal(replace(VALID, unsigned=(padding,)).send(app), "headers-too-large")
    assert_accepted(replace(VALID, unsigned=(("X-Padding", "p" * 1024),)).send(app))


def test_a_chunked_body_is_accepted(app: Any) -> None:
    jobs = assert_accepted(replace(VALID, chunks=[GOOD[:5], GOOD[5:9], GOOD[9:]]).send(app))
    assert [job["job_id"] for job in jobs] == [1, 2]


def test_head_is_405_without_a_body(app: Any) -> None:
    answer = replace(VALID, method="HEAD", body=b"").send(app)
    assert (answer.status, answer.headers["allow"], answer.body) == (405, "POST", b"")


def test_an_unknown_path_without_streaming_keeps_the_cs_404(app: Any) -> None:
    for path in ("/v1.0/jobs/metrics", f"/v1.0/{PROJECT_A}/stream/jobs/metrics"):
        answer = replace(VALID, path=path).send(app)
        assert answer.status == 404
        validator("ErrorResponse").validate(answer.json())
        assert "x-request-id" not in answer.headers
    encoded = replace(VALID, path=f"/v1.0/{PROJECT_A}/streaming%2Fjobs/metrics").send(app)
    assert_refusal(encoded, "path-unknown")


def test_a_signed_request_can_be_replayed_within_the_window(app: Any) -> None:
    """As at the provider (no nonce): documented in docs/clients.md and the spec."""
    request = replace(VALID, sdk_date=date(-SKEW + 120))
    assert assert_accepted(request.send(app)) == assert_accepted(request.send(app))


def test_the_cs_operation_still_wants_its_token(app: Any) -> None:
    """A signature is no token: the CS path answers as before (CS.10008)."""
    signed = replace(VALID, path=METRICS_PATH.format(project_id=PROJECT_A))
    answer = signed.send(app)
    assert (answer.status, answer.json()["error_id"]) == (400, "CS.10008")
    assert "x-request-id" not in answer.headers


class ExplodingStore:
    epoch = 0

    def follow_file(self) -> bool:
        return False

    def generation(self) -> int:
        raise RuntimeError("disk on fire: /secret/path")


def test_an_internal_error_is_dli0999_without_details(tmp_path: Any, caplog: Any) -> None:
    app = create_app(Settings(db=tmp_path / "db.sqlite3"))
    app.cache.store = ExplodingStore()  # type: ignore[attr-defined]
    body = assert_refusal(VALID.send(app), "internal-error")
    assert "secret" not in json.dumps(body)
    assert "disk on fire" in caplog.text
    app.cache.store = app.store  # type: ignore[attr-defined]
    assert_accepted(VALID.send(app))


def test_the_demo_keys_are_refused_with_the_demo_tokens(tmp_path: Any) -> None:
    app = create_app(
        Settings(db=tmp_path / "db.sqlite3", no_demo_tokens=True, aksk=f"AKX:SKX={PROJECT_A}")
    )
    assert_refusal(VALID.send(app), "access-key-unknown")
    assert_accepted(replace(VALID, access_key="AKX", secret_key="SKX").send(app))


def test_the_skew_is_measured_against_the_servers_clock() -> None:
    """The window's edges, with the clock fixed (the cases above leave a minute's margin)."""
    from reference_server.signature import check_date

    now = time.time()
    edge = datetime.fromtimestamp(int(now), UTC)
    for seconds in (-SKEW, SKEW):
        check_date(aksk.sdk_date(edge + timedelta(seconds=seconds)), int(now))
    for seconds in (-SKEW - 1, SKEW + 1):
        with pytest.raises(Exception, match="allowed"):
            check_date(aksk.sdk_date(edge + timedelta(seconds=seconds)), int(now))
