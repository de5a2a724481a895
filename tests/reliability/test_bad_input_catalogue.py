"""A catalogue of bad input, over real HTTP: each class gets its documented error, and the
server keeps serving (a good request right after still gets its 200).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reference_server.demo import PROJECT_B, TOKEN_B
from tests.reliability.rawhttp import RawAnswer, request
from tests.support import validator

MiB = 1024 * 1024


def ids(values: list[Any]) -> bytes:
    return json.dumps({"job_ids": values}).encode()


# name -> (request keyword arguments, status, error_id or None for an empty body)
CATALOGUE: dict[str, tuple[dict[str, Any], int, str | None]] = {
    "malformed json": ({"body": b'{"job_ids": [1,,2]}'}, 400, "CS.10004"),
    "truncated body": ({"body": b'{"job_ids": [1, 2'}, 400, "CS.10004"),
    "body shorter than its length": (
        {"body": b'{"job_ids"', "content_length": 100, "close_after_send": True},
        400,
        "CS.10003",
    ),
    "empty body": ({"body": b""}, 400, "CS.10004"),
    "wrong content type": (
        {"headers": {"X-Auth-Token": "demo-token-project-a", "Content-Type": "text/plain"}},
        400,
        "CS.10003",
    ),
    "form content type": (
        {
            "headers": {
                "X-Auth-Token": "demo-token-project-a",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "body": b"job_ids=1",
        },
        400,
        "CS.10003",
    ),
    "non-utf8 bytes": ({"body": b'{"job_ids": [1], "\xff\xfe": 1}'}, 400, "CS.10004"),
    "10 MB body": ({"body": b'{"job_ids": [' + b"1," * (5 * MiB) + b"1]}"}, 400, "CS.10003"),
    "deep nesting": (
        {"body": b'{"job_ids": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"},
        400,
        "CS.10004",
    ),
    "value past int64": ({"body": b'{"job_ids": [9223372036854775808]}'}, 400, "CS.10003"),
    "huge number": ({"body": b'{"job_ids": [1e400]}'}, 400, "CS.10003"),
    "negative id": ({"body": ids([-5])}, 400, "CS.10003"),
    "float id": ({"body": ids([1.5])}, 400, "CS.10003"),
    "string id": ({"body": ids(["1"])}, 400, "CS.10003"),
    "null id": ({"body": ids([None])}, 400, "CS.10003"),
    "null body": ({"body": b"null"}, 400, "CS.10003"),
    "duplicate ids": ({"body": ids([7, 7])}, 400, "CS.10003"),
    "200,000 ids": ({"body": ids(list(range(200_000)))}, 400, "CS.10003"),
    "1,001 ids": ({"body": ids(list(range(1001)))}, 400, "CS.10003"),
    "missing job_ids": ({"body": b"{}"}, 400, "CS.10003"),
    "empty job_ids": ({"body": ids([])}, 400, "CS.10003"),
    "unknown field": ({"body": b'{"job_ids": [1], "page": 2}'}, 400, "CS.10003"),
    "missing token": ({"headers": {"Content-Type": "application/json"}}, 400, "CS.10008"),
    "unknown token": (
        {"headers": {"X-Auth-Token": "forged", "Content-Type": "application/json"}},
        400,
        "CS.10005",
    ),
    "foreign token": (
        {"headers": {"X-Auth-Token": TOKEN_B, "Content-Type": "application/json"}},
        400,
        "CS.10006",
    ),
    "bad project id": ({"path": "/v1.0/..%2F..%2Fetc/jobs/metrics"}, 400, "CS.10003"),
    "huge header value": (
        {"extra_raw_headers": b"X-Padding: " + b"a" * 100_000 + b"\r\n"},
        400,
        "CS.10003",
    ),
    "too many header fields": (
        {"extra_raw_headers": b"".join(b"X-H%d: v\r\n" % i for i in range(200))},
        431,
        None,
    ),
    "wrong method": ({"method": "DELETE"}, 405, "CS.10003"),
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_bad_input_gets_its_documented_error_and_server_keeps_serving(server, name):
    kwargs, status, error_id = CATALOGUE[name]
    answer: RawAnswer = request(server.port, **kwargs)
    assert answer.status == status, (answer.status, answer.body[:300])
    if error_id is None:
        assert answer.body == b""
    else:
        body = answer.json()
        validator("ErrorResponse").validate(body)
        assert body["error_id"] == error_id, body
        assert "Traceback" not in body["error_cause"]
    assert server.alive()
    after = request(server.port)
    assert after.status == 200
    assert [job["job_id"] for job in after.json()["payload"]["jobs"]] == [1]


def test_foreign_project_with_its_own_token_still_works(server):
    answer = request(
        server.port,
        ids([601]),
        path=f"/v1.0/{PROJECT_B}/jobs/metrics",
        headers={"X-Auth-Token": TOKEN_B, "Content-Type": "application/json"},
    )
    assert answer.status == 200
