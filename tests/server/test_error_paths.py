"""Every error path of the server, each with a failing and a passing request.

The failing request must get the documented status and ``error_id`` with a body that is a
valid ``ErrorResponse``; its passing twin (the same request, made right) must get a 200.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

import pytest

from reference_server import Settings, create_app
from reference_server.asgi_types import Message
from reference_server.demo import PROJECT_A, PROJECT_B, TOKEN_A, TOKEN_B
from tests.support import METRICS_PATH, call, validator

A = METRICS_PATH.format(project_id=PROJECT_A)
GOOD = {"job_ids": [1, 2]}

# name -> (failing request, passing twin, status, error_id, words the cause must contain)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], int, str, str]] = {
    "missing token": ({"token": None}, {}, 400, "CS.10008", "no token"),
    "empty token": ({"token": ""}, {}, 400, "CS.10008", "no token"),
    "unknown token": ({"token": "nope"}, {}, 400, "CS.10005", "token"),
    "token of another project": (
        {"token": TOKEN_B},
        {"token": TOKEN_A},
        400,
        "CS.10006",
        "project ID",
    ),
    "project id of the wrong shape": (
        {"path": METRICS_PATH.format(project_id="not-a-project")},
        {},
        400,
        "CS.10003",
        "project_id",
    ),
    "uppercase project id": (
        {"path": METRICS_PATH.format(project_id=PROJECT_A.upper())},
        {},
        400,
        "CS.10003",
        "project_id",
    ),
    "malformed json": ({"body": b'{"job_ids": [1,'}, {}, 400, "CS.10004", "not valid JSON"),
    "non-utf8 body": ({"body": b'{"job_ids": [1]}\xff'}, {}, 400, "CS.10004", "not valid JSON"),
    "wrong content type": ({"content_type": "text/plain"}, {}, 400, "CS.10003", "Content-Type"),
    "no content type": ({"content_type": None}, {}, 400, "CS.10003", "Content-Type"),
    "string id": ({"body": {"job_ids": ["1"]}}, {}, 400, "CS.10003", "job_ids.0"),
    "float id": ({"body": {"job_ids": [1.5]}}, {}, 400, "CS.10003", "job_ids.0"),
    "bool id": ({"body": {"job_ids": [True]}}, {}, 400, "CS.10003", "job_ids.0"),
    "null id": ({"body": {"job_ids": [None]}}, {}, 400, "CS.10003", "job_ids.0"),
    "negative id": ({"body": {"job_ids": [-1]}}, {}, 400, "CS.10003", "job_ids.0"),
    "id past int64": (
        {"body": b'{"job_ids": [9223372036854775808]}'},
        {},
        400,
        "CS.10003",
        "job_ids.0",
    ),
    "empty list": ({"body": {"job_ids": []}}, {}, 400, "CS.10003", "job_ids"),
    "too many ids": (
        {"body": {"job_ids": list(range(1001))}},
        {"body": {"job_ids": list(range(1000))}},
        400,
        "CS.10003",
        "job_ids",
    ),
    "duplicate ids": ({"body": {"job_ids": [1, 2, 1]}}, {}, 400, "CS.10003", "job_ids.2"),
    "missing job_ids": ({"body": {}}, {}, 400, "CS.10003", "job_ids"),
    "unknown field": ({"body": {"job_ids": [1], "limit": 5}}, {}, 400, "CS.10003", "limit"),
    "body not an object": ({"body": [1, 2]}, {}, 400, "CS.10003", "body"),
    "body too large": ({"body": b" " * (1024 * 1024 + 1)}, {}, 400, "CS.10003", "larger than"),
    "body too large, streamed": (
        {"chunks": [b'{"job_ids": [1]}'] + [b" " * 65536] * 17},
        {"chunks": [b'{"job_ids":', b" [1]}"]},
        400,
        "CS.10003",
        "larger than",
    ),
    "NaN as an id": ({"body": b'{"job_ids": [NaN]}'}, {}, 400, "CS.10004", "NaN"),
    "Infinity beside a valid id": (
        {"body": b'{"job_ids": [1, Infinity]}'},
        {},
        400,
        "CS.10004",
        "Infinity",
    ),
    "-Infinity inside an unknown field": (
        {"body": b'{"job_ids": [1], "x": {"y": [-Infinity]}}'},
        {},
        400,
        "CS.10004",
        "Infinity",
    ),
    # Both are JSON numbers out of the schema's range: the same answer whatever the length
    # (pydantic's own parser stops at 4,300 digits, the standard library at none).
    "id of 4,300 digits": (
        {"body": b'{"job_ids": [' + b"9" * 4300 + b"]}"},
        {},
        400,
        "CS.10003",
        "job_ids.0",
    ),
    "id of 4,301 digits": (
        {"body": b'{"job_ids": [' + b"9" * 4301 + b"]}"},
        {},
        400,
        "CS.10003",
        "job_ids.0",
    ),
    "negative id of 6,000 digits": (
        {"body": b'{"job_ids": [1, -' + b"9" * 6000 + b"]}"},
        {},
        400,
        "CS.10003",
        "job_ids.1",
    ),
    "token sent twice": (
        {"extra_headers": [(b"x-auth-token", TOKEN_A.encode())]},
        {},
        400,
        "CS.10003",
        "x-auth-token: sent more than once",
    ),
    "an unknown token before the right one": (
        {"token": None, "extra_headers": [(b"x-auth-token", b"nope"), (b"x-auth-token", b"x")]},
        {},
        400,
        "CS.10003",
        "x-auth-token",
    ),
    "content type sent twice": (
        {"extra_headers": [(b"content-type", b"application/json")]},
        {},
        400,
        "CS.10003",
        "content-type: sent more than once",
    ),
    "gzip body": (
        {
            "body": gzip.compress(json.dumps(GOOD).encode()),
            "extra_headers": [(b"content-encoding", b"gzip")],
        },
        {"extra_headers": [(b"content-encoding", b"identity")]},
        400,
        "CS.10003",
        "Content-Encoding: gzip is not supported",
    ),
    "method not allowed": ({"method": "GET"}, {"method": "POST"}, 405, "CS.10003", "POST"),
    "unknown path": ({"path": "/v1.0/jobs/metrics"}, {}, 404, "CS.10003", "path"),
}


def send(app: Any, overrides: dict[str, Any]):
    request: dict[str, Any] = {"path": A, "body": GOOD}
    request.update(overrides)
    return call(app, **request)


@pytest.mark.parametrize("name", CASES)
def test_error_path_fails_with_the_documented_error(app, name):
    bad, _, status, error_id, words = CASES[name]
    answer = send(app, bad)
    assert answer.status == status
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == error_id
    assert words.lower() in body["error_cause"].lower()


def distinct_twins() -> list[str]:
    """One case per distinct passing twin (most twins are the plain valid request)."""
    first: dict[str, str] = {}
    for name, (_, twin, *_) in CASES.items():
        first.setdefault(repr(sorted(twin.items())), name)
    return sorted(first.values())


@pytest.mark.parametrize("name", distinct_twins())
def test_error_path_twin_passes(app, name):
    _, good, *_ = CASES[name]
    answer = send(app, good)
    assert answer.status == 200, answer.body
    validator("JobMetricsResponse").validate(answer.json())


def test_405_names_the_allowed_method(app):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        answer = call(app, method)
        assert (answer.status, answer.headers["allow"]) == (405, "POST")


def test_content_type_with_charset_is_json(app):
    assert call(app, body=GOOD, content_type="application/json; charset=utf-8").status == 200


def test_deep_nesting_is_refused_not_crashed(app):
    answer = call(app, body=b'{"job_ids": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    assert answer.status == 400
    assert answer.json()["error_id"] in ("CS.10003", "CS.10004")


def test_client_chosen_names_are_clipped_in_the_cause(app):
    """A 100,000-character field name is not echoed whole (it was, 500 KB of it)."""
    name = "k" * 100_000
    body = json.dumps({"job_ids": [1], name: 1}).encode()
    cause = call(app, body=body).json()["error_cause"]
    assert len(cause) < 200, len(cause)
    assert cause.startswith("k" * 64 + "...(100000 characters)")
    method_cause = call(app, "X" * 5000).json()["error_cause"]
    assert len(method_cause) < 200
    assert "(5000 characters)" in method_cause


def test_a_body_slower_than_the_timeout_is_refused_with_the_error_body(tmp_path):
    """Headers arrived, the body never completes: refused after ``body_timeout`` seconds."""
    app = create_app(Settings(db=tmp_path / "db.sqlite3", body_timeout=0.2))
    sent: list[Message] = []
    first = True

    async def receive() -> Message:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"job_ids": [', "more_body": True}
        await asyncio.sleep(3600)  # the rest never comes
        raise AssertionError("unreachable")

    async def send_(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": A,
        "raw_path": A.encode(),
        "headers": [
            (b"x-auth-token", TOKEN_A.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", b"100000"),
        ],
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send_), timeout=10))
    assert sent[0]["status"] == 400
    body = json.loads(sent[1]["body"])
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == "CS.10003"
    assert "13 bytes received in 0.2 s" in body["error_cause"]


@pytest.mark.parametrize(("path", "status"), [(A, 405), ("/elsewhere", 404)])
def test_websocket_upgrade_gets_the_error_body(app, path, status):
    """An upgrade is a GET: the same 405/404 and body, through the denial-response extension."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send_(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "path": path,
        "raw_path": path.encode(),
        "headers": [],
        "extensions": {"websocket.http.response": {}},
    }
    asyncio.run(app(scope, receive, send_))
    assert [m["type"] for m in sent] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert sent[0]["status"] == status
    body = json.loads(sent[1]["body"])
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == "CS.10003"
    if status == 405:
        assert (b"allow", b"POST") in sent[0]["headers"]


class ExplodingStore:
    epoch = 0

    def follow_file(self) -> bool:
        return False

    def generation(self) -> int:
        raise RuntimeError("disk on fire: /secret/path")


def test_internal_error_is_cs10001_without_details(tmp_path, caplog):
    app = create_app(Settings(db=tmp_path / "db.sqlite3"))
    app.cache.store = ExplodingStore()  # type: ignore[attr-defined]
    answer = call(app, body=GOOD)
    assert answer.status == 400
    body = answer.json()
    validator("ErrorResponse").validate(body)
    assert body["error_id"] == "CS.10001"
    assert "secret" not in json.dumps(body)
    assert "Traceback" not in json.dumps(body)
    assert "disk on fire" in caplog.text  # the operator still gets the traceback in the log
    app.cache.store = app.store  # type: ignore[attr-defined]
    assert call(app, body=GOOD).status == 200  # and the server keeps serving


def test_project_b_token_reads_project_b(app):
    answer = call(
        app, path=METRICS_PATH.format(project_id=PROJECT_B), token=TOKEN_B, body={"job_ids": [601]}
    )
    assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [601]
