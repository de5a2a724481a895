"""The optional access log (issue 36): one JSON line per request, what an operator needs and
no secret (no header is written: tokens and signatures never reach it)."""

from __future__ import annotations

import json
from pathlib import Path

from reference_server import Settings, create_app
from reference_server.demo import PROJECT_A, TOKEN_A
from tests.server.test_successor import Signed
from tests.support import call


def test_each_request_is_one_line_without_a_secret(tmp_path: Path) -> None:
    log = tmp_path / "access.jsonl"
    app = create_app(Settings(db=tmp_path / "db.sqlite3", access_log=log))
    assert call(app, body={"job_ids": [1]}).status == 200
    assert call(app, body={"job_ids": [1]}, token="nope").status == 400
    assert Signed().send(app).status == 200
    assert call(app, path="/nowhere").status == 404
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(x["operation"], x["status"], x["error"]) for x in lines] == [
        ("queryJobMetrics", 200, None),
        ("queryJobMetrics", 400, "CS.10005"),
        ("showFlinkMetric", 200, None),
        (None, 404, "CS.10003"),
    ]
    assert lines[0]["path"] == f"/v1.0/{PROJECT_A}/jobs/metrics"
    assert all(x["ms"] >= 0 and x["bytes"] > 0 for x in lines)
    text = log.read_text()
    assert TOKEN_A not in text
    assert "nope" not in text
    assert "SDK-HMAC" not in text


def test_no_log_is_written_unless_asked(tmp_path: Path) -> None:
    app = create_app(Settings(db=tmp_path / "db.sqlite3"))
    assert call(app, body={"job_ids": [1]}).status == 200
    assert sorted(p.name for p in tmp_path.iterdir() if "access" in p.name) == []
