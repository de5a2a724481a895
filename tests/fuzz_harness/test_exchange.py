"""curl lines: the token comes from the environment, every other byte as it was sent."""

from __future__ import annotations

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
