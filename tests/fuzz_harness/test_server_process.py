"""Servers under test start on a port nobody else holds, or say why they did not."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz_harness import server_process
from fuzz_harness.server_process import ServerProcess, free_port


@pytest.fixture
def squatter() -> Iterator[int]:
    """Another HTTP server on a port, answering 404 to anything (as a parallel test's would)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_port_taken_between_pick_and_bind_is_not_mistaken_for_ours(
    tmp_path: Path, squatter: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first free port is taken by someone else: the server moves to another one."""
    picks = iter([squatter])
    monkeypatch.setattr(server_process, "free_port", lambda: next(picks, None) or free_port())
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        assert server.port != squatter
        assert server.alive()


def test_a_fixed_port_already_taken_is_a_clear_error(tmp_path: Path, squatter: int) -> None:
    server = ServerProcess(tmp_path / "db.sqlite3", port=squatter)
    with pytest.raises(RuntimeError, match=f"did not start on http://127.0.0.1:{squatter}"):
        server.start(timeout=10)


def test_a_second_server_on_a_port_in_use_refuses_to_start(tmp_path: Path) -> None:
    """Granian binds with SO_REUSEPORT: without the server's own check, both would serve the
    port and split its connections between them."""
    with ServerProcess(tmp_path / "a.sqlite3") as first:
        second = ServerProcess(tmp_path / "b.sqlite3", port=first.port)
        with pytest.raises(RuntimeError, match="already in use by another server"):
            second.start(timeout=10)
        assert first.alive()
