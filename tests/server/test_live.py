"""The server over real HTTP: restart, concurrency, limits, and staying up."""

from __future__ import annotations

import json
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from fuzz_harness.server_process import ServerProcess
from jobs_metrics_spec import aksk
from reference_server.cli import main
from reference_server.demo import ACCESS_KEY_A, PROJECT_A, PROJECT_B, SECRET_KEY_A, TOKEN_A, TOKEN_B
from reference_server.loader import load_file
from tests.support import headers, http, metrics_url, needs_program, run_tool


def post(
    server: ServerProcess, body: object, token: str = TOKEN_A, project: str = PROJECT_A
) -> httpx.Response:
    return http().post(metrics_url(server.base_url, project), json=body, headers=headers(token))


def test_serves_the_seed_request_with_demo_data(server):
    answer = post(server, {"job_ids": [1, 2]})
    assert answer.status_code == 200
    assert [job["job_id"] for job in answer.json()["payload"]["jobs"]] == [1, 2]


def test_405_over_http_has_allow(server):
    answer = http().get(metrics_url(server.base_url), headers=headers())
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["error_id"] == "CS.10003"


def test_oversized_body_is_refused_from_its_length_alone(server):
    """Announce 10 MB, send 16 bytes: the answer comes without waiting for the rest."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"POST /v1.0/{PROJECT_A}/jobs/metrics HTTP/1.1\r\nHost: x\r\n"
            f"X-Auth-Token: {TOKEN_A}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n".encode()
            + b'{"job_ids": [1]}'
        )
        reply = sock.recv(65536).decode()
    assert reply.startswith("HTTP/1.1 400")
    assert "larger than 1048576 bytes" in reply
    assert post(server, {"job_ids": [1]}).status_code == 200


def test_parallel_requests_get_consistent_data(server):
    expected = post(server, {"job_ids": [1, 2, 3]}).json()["payload"]
    expected_b = post(server, {"job_ids": [601]}, TOKEN_B, PROJECT_B).json()["payload"]

    def one(i: int) -> bool:
        if i % 2:
            return (
                post(server, {"job_ids": [601]}, TOKEN_B, PROJECT_B).json()["payload"] == expected_b
            )
        return post(server, {"job_ids": [1, 2, 3]}).json()["payload"] == expected

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(one, range(60)))


def test_data_survives_a_restart(tmp_path: Path):
    db = tmp_path / "db.sqlite3"
    metrics = tmp_path / "m.json"
    metrics.write_text(
        json.dumps({"payload": {"jobs": [{"job_id": 7777, "metrics": {"total_read_rate": 3.5}}]}})
    )
    with ServerProcess(db) as first:
        load_file(db, PROJECT_A, metrics)  # written while the server runs
        before = post(first, {"job_ids": [7777, 1]}).json()["payload"]
        assert before["jobs"][0]["metrics"]["total_read_rate"] == 3.5
    with ServerProcess(db) as second:
        assert post(second, {"job_ids": [7777, 1]}).json()["payload"] == before


def test_help_documents_the_options() -> None:
    result = run_tool(main, ["serve", "--help"])
    for option in ("--host", "--port", "--db", "--tokens-file"):
        assert option in result.stdout


@pytest.mark.usefixtures("no_server_starts")
def test_bad_token_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "tokens.json"
    bad.write_text("[1, 2]")
    db = tmp_path / "db.sqlite3"
    result = run_tool(main, ["serve", "--tokens-file", str(bad), "--db", str(db), "--port", "1"])
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"serve: token file {bad} must hold a JSON object of token -> project ID strings"
    )


def _curl_signed(port: int, version: str, signed_host: str) -> tuple[str, Any]:
    """A successor request signed with A's keys for ``signed_host``, sent by curl over
    ``version`` (``--http1.1`` or ``--http2-prior-knowledge``): the HTTP version and status
    curl saw, and the answer's body."""
    path = f"/v1.0/{PROJECT_A}/streaming/jobs/metrics"
    body = b'{"job_ids": [1]}'
    signed = [
        ("Host", signed_host),
        ("Content-Type", "application/json"),
        ("X-Sdk-Date", aksk.sdk_date()),
        ("X-Project-Id", PROJECT_A),
    ]
    authorization = aksk.sign("POST", path, signed, body, ACCESS_KEY_A, SECRET_KEY_A)
    command = ["curl", "-sS", version, "-X", "POST", f"http://127.0.0.1:{port}{path}",
               "--data-binary", body.decode(), "-w", "\n%{http_version} %{http_code}",
               "-H", f"Authorization: {authorization}"]  # fmt: skip
    for name, value in signed[1:]:  # curl sends Host itself (HTTP/2: the :authority)
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    answer, _, seen = out.rpartition("\n")
    return seen, json.loads(answer)


@needs_program("curl")
@pytest.mark.slow  # a server of its own in HTTP/2 mode; CI runs it in test-slow
def test_a_signed_request_over_http2_is_verified_with_its_authority_as_host(
    tmp_path: Path,
) -> None:
    """HTTP/2 carries no Host header, only the :authority pseudo-header: the verifier takes
    it as `host`, so a request signed for this server passes and one signed for another
    host is refused, as over HTTP/1.1."""
    with ServerProcess(tmp_path / "db.sqlite3", extra_args=("--http", "auto")) as server:
        here = f"127.0.0.1:{server.port}"
        for version, http in (("--http1.1", "1.1"), ("--http2-prior-knowledge", "2")):
            seen, answer = _curl_signed(server.port, version, here)
            assert seen == f"{http} 200", answer
            assert [job["job_id"] for job in answer["metrics"]["jobs"]] == [1]
            seen, answer = _curl_signed(server.port, version, "other.example:80")
            assert (seen, answer["error_code"]) == (f"{http} 401", "APIGW.0301")
