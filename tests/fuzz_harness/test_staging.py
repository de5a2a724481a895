"""Fuzzing a staging server (issue 36): the reference server behind a TLS-terminating proxy
with a private CA that asks for a client certificate, reached with CA_BUNDLE, CLIENT_CERT and
CLIENT_KEY, HEADERS reaching the server, RATE_LIMIT holding the rate, OPERATIONS choosing what
is tested; and each setting refused in one line when it cannot be used."""

from __future__ import annotations

import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz_harness.cli import main as harness_main
from fuzz_harness.server_process import ServerProcess
from fuzz_harness.transport import Pacer, Transport, TransportError, build_transport
from reference_server.demo import ACCESS_KEY_A, PROJECT_A, SECRET_KEY_A, TOKEN_A
from tests.fuzz_harness.folding_proxy import Seen, folding_proxy
from tests.support import ROOT, run_tool


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private CA, a server certificate for 127.0.0.1 and a client certificate it signed."""
    folder = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "2", "-subj", "/CN=test private CA", cwd=folder)  # fmt: skip
    for name, extra in (("server", "subjectAltName=IP:127.0.0.1"), ("client", "")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                 f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)  # fmt: skip
        (folder / f"{name}.ext").write_text(extra + "\n" if extra else "")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile",
                 f"{name}.ext", cwd=folder)  # fmt: skip
    return folder


def _tls(pki: Path, client_certificate: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki / "server.pem"), str(pki / "server.key"))
    if client_certificate:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(str(pki / "ca.pem"))
    return context


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("staging") / "db.sqlite3") as server:
        yield server


def _fuzz(url: str, report: Path, **knobs: str) -> tuple[int, str]:
    env = {**os.environ, "AUTH_TOKEN": TOKEN_A, "PROJECT_ID": PROJECT_A, "JOB_IDS": "1-600",
           "AK": ACCESS_KEY_A, "SK": SECRET_KEY_A, **knobs}  # fmt: skip
    args = ["run", "--base-url", url, "--max-examples", "3", "--seed", "5"]
    result = run_tool(harness_main, [*args, "--report-dir", str(report)], env=env, cwd=ROOT)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.slow  # a whole run at a limited rate; CI runs it in test-slow
def test_a_staging_server_behind_tls_with_a_private_ca(
    pki: Path, reference: ServerProcess, tmp_path: Path
) -> None:
    seen = Seen()
    with folding_proxy(reference.base_url, _tls(pki, client_certificate=True), seen) as url:
        code, out = _fuzz(
            url,
            tmp_path,
            CA_BUNDLE=str(pki / "ca.pem"),
            CLIENT_CERT=str(pki / "client.pem"),
            CLIENT_KEY=str(pki / "client.key"),
            HEADERS="X-Gateway-Key: k-123\nX-Team: fuzzers",
            RATE_LIMIT="60",
            OPERATIONS="queryJobMetrics",
            TIMEOUT="20",
        )
    assert code == 0, out
    left_out = next(line for line in out.splitlines() if "left out by OPERATIONS" in line)
    assert "showFlinkMetric/valid-request-accepted" in left_out
    assert len(seen.requests) > 100
    with_header = [h for _, h in seen.requests if h.get("x-gateway-key") == "k-123"]
    assert len(with_header) == len(seen.requests)  # every request, the probes' and st's
    assert all(h.get("x-team") == "fuzzers" for _, h in seen.requests)
    times = sorted(t for t, _ in seen.requests)
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 60 + 2, busiest  # the rate holds (a request's travel time aside)
    assert all("streaming" not in str(h) for _, h in seen.requests)  # not asked for


def test_a_private_ca_not_given_is_could_not_test_in_one_line(
    pki: Path, reference: ServerProcess, tmp_path: Path
) -> None:
    with folding_proxy(reference.base_url, _tls(pki, client_certificate=False)) as url:
        code, out = _fuzz(url, tmp_path, MAX_EXAMPLES="1")
        assert code == 2
        verdict = [line for line in out.splitlines() if line.startswith("verdict:")]
        assert len(verdict) == 1
        assert "CERTIFICATE_VERIFY_FAILED" in verdict[0]


@pytest.mark.slow  # a whole run; CI runs it in test-slow
def test_insecure_skips_verification_with_a_warning(
    pki: Path, reference: ServerProcess, tmp_path: Path
) -> None:
    with folding_proxy(reference.base_url, _tls(pki, client_certificate=False)) as url:
        code, out = _fuzz(url, tmp_path, INSECURE="1", OPERATIONS="queryJobMetrics")
    assert code == 0, out
    assert "warning: INSECURE" in out


@pytest.mark.parametrize(
    ("knobs", "words"),
    [
        ({"HEADERS": "not a header"}, "HEADERS: 'not a header' is not of the form"),
        ({"CLIENT_KEY": "/etc/hostname"}, "CLIENT_KEY needs CLIENT_CERT"),
        ({"CA_BUNDLE": "/no/such.pem"}, "CA_BUNDLE /no/such.pem: No such file or directory"),
        ({"CA_BUNDLE": "/dev/zero"}, "CA_BUNDLE /dev/zero: not a regular file"),
        ({"CA_BUNDLE": "/etc/hostname"}, "TLS settings cannot be used"),
        ({"CA_BUNDLE": "/etc/hostname", "INSECURE": "1"}, "contradict each other"),
        ({"PROXY": "localhost:3128"}, "PROXY 'localhost:3128' is not an http"),
        ({"OPERATIONS": "queryJobMetric"}, "OPERATIONS: no operation 'queryJobMetric'"),
        ({"RATE_LIMIT": "0"}, "--rate-limit"),
    ],
)
def test_an_unusable_setting_is_refused_in_one_line(
    knobs: dict[str, str], words: str, tmp_path: Path
) -> None:
    env = {**os.environ, **knobs}
    result = run_tool(harness_main, ["run", "--report-dir", str(tmp_path)], env=env, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr


def test_the_settings_reach_schemathesis_as_its_own_options(pki: Path) -> None:
    transport = build_transport(
        headers=("X-A: 1",), timeout=3, ca_bundle=pki / "ca.pem", client_cert=pki / "client.pem",
        client_key=pki / "client.key", proxy="http://127.0.0.1:3128", rate_limit=2.5,
    )  # fmt: skip
    args = transport.st_arguments()
    assert args == [
        "--header", "X-A: 1", "--request-timeout", "3", "--tls-verify", str(pki / "ca.pem"),
        "--request-cert", str(pki / "client.pem"), "--request-cert-key", str(pki / "client.key"),
        "--proxy", "http://127.0.0.1:3128", "--rate-limit", "150/m",
    ]  # fmt: skip
    assert Transport(insecure=True).st_arguments()[-2:] == ["--tls-verify", "false"]


def test_a_header_a_probe_sets_is_left_to_the_probe() -> None:
    transport = Transport(headers=(("X-Auth-Token", "gateway"), ("X-Team", "t")))
    merged = transport.with_extra_headers([("x-auth-token", "probe's")])
    assert merged == [("x-auth-token", "probe's"), ("X-Team", "t")]


def test_the_pacer_spaces_requests_evenly() -> None:
    pacer = Pacer(20.0)
    start = time.monotonic()
    for _ in range(5):
        pacer.wait()
    assert time.monotonic() - start >= 4 / 20.0 * 0.95  # the fifth waited for its turn


def test_a_transport_error_is_a_value_error() -> None:
    with pytest.raises(TransportError):
        build_transport(headers=(":",))
