"""Every error path of the server, each with a failing and a passing request.

The failing request must get the documented status and ``error_id`` with a body that is a
valid ``ErrorResponse``; its passing twin (the same request, made right) must get a 200.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reference_server import Settings, create_app
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


@pytest.mark.parametrize("name", CASES)
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


class ExplodingStore:
    def generation(self) -> int:
        raise RuntimeError("disk on fire: /secret/path")


def test_internal_error_is_cs10001_without_details(tmp_path, caplog):
    app = create_app(Settings(db_path=tmp_path / "db.sqlite3"))
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
