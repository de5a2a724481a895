"""The reference server under the attacks an outside tester ran, each over real sockets.

Every test starts its own server (limits lowered where that makes the attack small enough
for a test) and uses the same attack code as ``make bench``'s reliability rows
(:mod:`bench.attacks`), which run the issue's full sizes. The bars are the issue's: answered
or not within a patience, memory under a ceiling, exit within a deadline - outcomes a
broken server misses by minutes or gigabytes, not by noise.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from bench import attacks
from fuzz_harness.server_process import ServerProcess


@pytest.mark.slow  # a server process under attack (seconds of timeouts); CI runs it in test-slow
def test_slow_body_clients_are_cut_off_and_a_normal_client_is_answered(tmp_path: Path) -> None:
    """150 clients trickling a body; each is refused after --body-timeout (0.5 s), retries."""
    args = ("--body-timeout", "0.5", "--max-connections", "400")
    with ServerProcess(tmp_path / "db.sqlite3", extra_args=args) as server:
        result = attacks.slow_body_siege(
            server.port, clients=150, seconds=2, ramp_seconds=0.3, interval=0.25
        )
        assert server.alive()
    assert result.drops >= 150, result  # every slow client was cut off at least once
    assert result.answered_share >= 0.9, result


@pytest.mark.slow  # a server process under attack (seconds of timeouts); CI runs it in test-slow
def test_a_silent_connection_is_closed_after_the_header_timeout(tmp_path: Path) -> None:
    """A connection that never sends a byte does not hold a slot for ever (HTTP/1.1 mode)."""
    args = ("--header-timeout", "1")
    with ServerProcess(tmp_path / "db.sqlite3", extra_args=args) as server:
        silent = socket.create_connection(("127.0.0.1", server.port))
        silent.settimeout(20)
        try:
            assert silent.recv(1) == b""  # closed by the server, long before 20 s
        finally:
            silent.close()


def _answer_to_the_http2_preface(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        return sock.recv(64)


@pytest.mark.parametrize(("args", "http2"), [((), False), (("--http", "auto"), True)])
def test_http2_only_when_asked_for(tmp_path: Path, args: tuple[str, ...], http2: bool) -> None:
    """Default: the HTTP/2 preface is not spoken (closed, no SETTINGS frame); auto: it is."""
    with ServerProcess(tmp_path / "db.sqlite3", extra_args=args) as server:
        answer = _answer_to_the_http2_preface(server.port)
    settings_frame = len(answer) >= 9 and answer[3] == 0x4
    assert settings_frame == http2, answer


@pytest.mark.slow  # a server process under attack (seconds of timeouts); CI runs it in test-slow
def test_http2_header_floods_stay_within_memory(tmp_path: Path) -> None:
    """With --http auto, 30 connections of CONTINUATION trains (16 MB of headers a request).

    Granian's own HTTP/2 limit (16 MiB of headers) let this take 1.4 GiB and keep it;
    capped at twice --max-header-bytes, the server stays near its idle size.
    """
    with ServerProcess(tmp_path / "db.sqlite3", extra_args=("--http", "auto")) as server:
        idle = server.rss_bytes()
        peak, frames, _ = attacks.h2_continuation_flood(
            server.port, server.rss_bytes, connections=30, seconds=1.5
        )
        assert server.alive()
    assert frames > 30  # the flood was sent
    assert peak - idle < 100 * 2**20, f"grew {(peak - idle) / 2**20:.0f} MiB"


@pytest.mark.slow  # a server process under attack (seconds of timeouts); CI runs it in test-slow
def test_sigterm_with_slow_requests_open_exits_within_the_shutdown_timeout(
    tmp_path: Path,
) -> None:
    """Granian waits for requests in flight; --shutdown-timeout (1 s here) bounds the wait."""
    server = ServerProcess(tmp_path / "db.sqlite3", extra_args=("--shutdown-timeout", "1"))
    server.start()
    try:
        with attacks.slow_requests_open(server.port, count=5):
            server.wait_for_connections(5)
            os.killpg(server.pid, signal.SIGTERM)
            assert server.process is not None
            server.process.wait(timeout=10)  # raises if still running: it used to, for ever
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.load  # commits and reads against the clock: alone, after the other slow tests
def test_answers_never_mix_two_loads(tmp_path: Path) -> None:
    """Loads commit ~40 times a second under four readers for 2 s; no answer holds two."""
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        result = attacks.loads_under_reads(server.port, server.db, seconds=2)
    assert result.commits > 30, result
    assert result.answers > 300, result
    assert result.mixed == 0, result
    assert result.errors == 0, result


@pytest.mark.slow
@pytest.mark.load  # measures answers within 2 s: run alone (make test-slow)
def test_1100_slow_body_clients_with_the_default_limits(tmp_path: Path) -> None:
    """The issue's size: 1,100 slow clients, default limits, >= 90% answered within 2 s."""
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        result = attacks.slow_body_siege(server.port, clients=1100, seconds=20)
    assert result.answered_share >= 0.9, result
