"""curl lines: the token comes from the environment, every other byte as it was sent."""

from __future__ import annotations

import re
import socketserver
import ssl
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from fuzz_harness.exchange import Request, Sender, curl


def test_token_header_is_printed_as_the_placeholder():
    request = Request("POST", "/p", (("X-Auth-Token", "$AUTH_TOKEN"),), b"{}")
    line = curl(request, "http://h")
    assert '-H "X-Auth-Token: $AUTH_TOKEN"' in line
    assert "-H Content-Type: " in line  # none was sent, so curl must not add one


def test_shell_characters_beside_a_placeholder_reach_curl_unchanged(tmp_path):
    value = 'a"b`c$d\\e $AUTH_TOKEN'
    line = curl(Request("GET", "/p", (("X-Odd", value),)), "http://h")
    header = line.split(" -H ", 1)[1].rsplit(" http://h", 1)[0]
    shown = subprocess.run(
        ["bash", "-c", f"printf '%s' {header}"],
        env={"AUTH_TOKEN": "secret"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown == "X-Odd: " + value.replace("$AUTH_TOKEN", "secret")


def test_the_harness_builds_one_tls_context_and_no_client_before_it_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """httpx builds a TLS context per client (the CA bundle loaded, 30 ms of CPU): the
    harness' clients of one thread share one (another thread gets its own), and a Sender
    that only signs opens no client."""
    from fuzz_harness import exchange

    built: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def counted() -> ssl.SSLContext:
        built.append(real())
        return built[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counted)
    monkeypatch.setattr(exchange, "_THREAD", threading.local())
    signer = Sender("http://127.0.0.1:9", {"AUTH_TOKEN": "t"})
    signer.signed(Request("POST", "/x", (("X-Auth-Token", "$AUTH_TOKEN"),), b"{}"))
    assert signer._client is None
    assert built == []
    clients = [Sender("http://127.0.0.1:9")._new_client() for _ in range(3)]
    assert len(built) == 1
    other = ThreadPoolExecutor(1).submit(lambda: Sender("http://127.0.0.1:9")._new_client())
    clients.append(other.result())
    assert len(built) == 2
    for client in clients:
        client.close()


class _ClosingServer(socketserver.ThreadingTCPServer):
    """HTTP/1.1 on 127.0.0.1 that answers ``answered`` requests per connection, then
    closes the connection on the next request without a word (the request crossed the close
    of a persistent connection)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answered: int) -> None:
        self.answered = answered
        super().__init__(("127.0.0.1", 0), _ClosingHandler)


class _ClosingHandler(socketserver.StreamRequestHandler):
    server: _ClosingServer

    def handle(self) -> None:
        for served in range(self.server.answered + 1):
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            self.rfile.read(int(length.group(1)) if length else 0)
            if served == self.server.answered:
                return  # closed, unanswered
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


@pytest.mark.parametrize(("answered", "expected"), [(1, [200, 200, 200]), (0, [0, 0, 0])])
def test_a_request_that_crossed_the_close_of_a_kept_connection_is_sent_again(
    answered: int, expected: list[int]
) -> None:
    """Valid: a server that closes its persistent connection as the next request arrives
    (RFC 9112 allows it at any time) gets that request again on a new connection, and its
    answer is judged. Invalid: a server that closes every connection unanswered is no
    answer, retried or not."""
    server = _ClosingServer(answered)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sender = Sender(f"http://127.0.0.1:{server.server_address[1]}")
        request = Request("POST", "/x", (("Content-Type", "application/json"),), b"{}")
        answers = [sender.send(request) for _ in range(3)]
        sender.close()
    finally:
        server.shutdown()
        server.server_close()
    assert [answer.status for answer in answers] == expected
    if not answered:
        assert all(answer.closed_unanswered for answer in answers)
        assert sender.sent == 3  # a connection never answered is not retried
    else:
        assert sender.sent == 5  # the second and third crossed a close: sent twice each


def test_a_request_is_signed_with_the_scheme_of_the_spec_under_test() -> None:
    """The date header, its format and the content-hash header are the operation's
    ``x-signature`` (carried by the request's Signing), not the toolkit's own spec's."""
    from fuzz_harness.exchange import Signing

    scheme = ("X-Other-Date", "%Y-%m-%dT%H:%M:%SZ", "X-Other-Hash")
    sender = Sender("http://127.0.0.1:9", {"AK": "ak", "SK": "sk"})
    signing = Signing(scheme=scheme, payload_hash="UNSIGNED-PAYLOAD")
    request = Request("POST", "/p", (("Content-Type", "application/json"),), b"{}", signing=signing)
    headers = dict(sender.signed(request))
    assert "X-Sdk-Date" not in headers
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", headers["X-Other-Date"])
    assert headers["X-Other-Hash"] == "UNSIGNED-PAYLOAD"
    assert "x-other-date" in headers["Authorization"]
    assert Signing.from_json(signing.to_json()) == signing  # replay keeps the scheme
