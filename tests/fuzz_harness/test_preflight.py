"""The preflight knows the API (issue 36): the canonical valid request must get an answer of
this operation - a 200 in its envelope or a refusal in its error body - before anything else
runs; otherwise the run is "could not test" in one line naming what came back."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator

import pytest

from fuzz_harness.cli import main as harness_main
from fuzz_harness.exchange import Answer
from fuzz_harness.runner import not_this_api
from jobs_metrics_spec import spec_operations
from reference_server.demo import PROJECT_A, TOKEN_A
from tests.support import ROOT, run_tool

CS, SUCCESSOR = spec_operations()
JSON = {"content-type": "application/json"}
OK_CS = b'{"message_id":"CS.10001","payload":{"jobs":[]}}'
OK_DLI = b'{"is_success":true,"message":"","metrics":{"jobs":[]}}'


@pytest.mark.parametrize(
    ("contract", "answer"),
    [
        (CS, Answer(200, JSON, OK_CS)),
        (SUCCESSOR, Answer(200, JSON, OK_DLI)),
        (CS, Answer(400, JSON, b'{"error_id":"CS.10003","error_name":"x"}')),  # judged later
        (SUCCESSOR, Answer(400, JSON, b'{"error_code":"DLI.0001","error_msg":"x"}')),
        (CS, Answer(200, JSON, b"")),  # a broken answer of this path: response-schema judges
        (CS, Answer(200, JSON, b'{"payload":{"jobs":[{"job_id":"1"}]}}')),  # a wrong type
    ],
    ids=["CS 200", "successor 200", "CS refusal", "successor refusal", "empty 200", "flawed"],
)
def test_an_answer_of_this_api_passes(contract: object, answer: Answer) -> None:
    assert not_this_api(answer, contract) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("contract", "answer", "words"),
    [
        (CS, Answer(200, {"content-type": "text/html"}, b"<html>hello</html>"), "not a Job"),
        (CS, Answer(200, JSON, b'{"status":"ok"}'), "not a JobMetricsResponse"),
        (CS, Answer(200, JSON, OK_DLI), "not a JobMetricsResponse"),  # the other operation's
        (CS, Answer(404, JSON, b'{"error_id":"CS.10003"}'), "HTTP 404"),  # /v1.0 twice
        (CS, Answer(501, {"content-type": "text/html"}, b"<p>Error code: 501</p>"), "HTTP 501"),
        (SUCCESSOR, Answer(502, {}, b"Bad Gateway"), "HTTP 502"),
    ],
    ids=["html 200", "another JSON 200", "other envelope", "404", "another server", "proxy"],
)
def test_an_answer_of_another_server_or_path_is_named(
    contract: object, answer: Answer, words: str
) -> None:
    assert words in (not_this_api(answer, contract) or "")  # type: ignore[arg-type]


@pytest.fixture
def another_server() -> Iterator[str]:
    """A plain HTTP server (not this API) on a free loopback port, stopped after."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_base_url_that_is_not_this_api_is_could_not_test_in_one_line(
    another_server: str, tmp_path: object
) -> None:
    env = {**os.environ, "AUTH_TOKEN": TOKEN_A, "PROJECT_ID": PROJECT_A, "JOB_IDS": "1"}
    args = ["run", "--base-url", another_server, "--report-dir", str(tmp_path)]
    result = run_tool(harness_main, args, env=env, cwd=ROOT)
    assert result.returncode == 2
    verdicts = [line for line in result.stdout.splitlines() if line.startswith("verdict:")]
    assert len(verdicts) == 1
    assert f"{another_server} is not this API" in verdicts[0]
    assert "check BASE_URL" in verdicts[0]
    assert "FAIL" not in result.stdout
