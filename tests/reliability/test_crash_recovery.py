"""A server killed with SIGKILL leaves nothing behind, and a restart names what holds the port.

The outside tester's finding: ``kill -9`` of Granian's main process left its worker serving
for minutes (parent PID 1), and a restart was refused ("already in use") until someone found
and killed it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from fuzz_harness.server_process import ServerProcess, free_port
from tests.support import ROOT, headers, metrics_url

LARGE_BODY = b'{"job_ids": [1]}' + b" " * 100_000  # parsed by the worker's helper process


@pytest.mark.slow  # kills a server process and waits for its children; CI runs it in test-slow
def test_the_worker_and_its_helper_die_with_a_killed_main_process(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "db.sqlite3").start()
    port = server.port
    try:
        answer = httpx.post(
            metrics_url(server.base_url), content=LARGE_BODY, headers=headers(), timeout=30
        )
        assert answer.status_code == 200
        children = psutil.Process(server.pid).children(recursive=True)
        assert len(children) >= 2  # Granian's worker and the body helper it started
        os.kill(server.pid, signal.SIGKILL)
        assert server.process is not None
        server.process.wait(timeout=10)
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"still running after the main process died: {alive}"
    finally:
        for child in psutil.Process(os.getpid()).children(recursive=True):
            if child.pid != server.pid and _is_ours(child, server):
                child.kill()
        server.stop()
    with ServerProcess(tmp_path / "db.sqlite3", port=port) as again:  # the port is free again
        answer = httpx.post(metrics_url(again.base_url), json={"job_ids": [1]}, headers=headers())
        assert answer.status_code == 200


def _is_ours(process: psutil.Process, server: ServerProcess) -> bool:
    try:
        return os.getpgid(process.pid) == server.pid
    except ProcessLookupError:
        return False


def test_a_refused_start_names_the_process_holding_the_port(tmp_path: Path) -> None:
    port = free_port()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import socket, time; s = socket.socket();"
         f" s.bind(('127.0.0.1', {port})); s.listen(); print('ready', flush=True);"
         " time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        result = subprocess.run(
            [sys.executable, "-m", "reference_server", "serve", "--port", str(port),
             "--db", str(tmp_path / "db.sqlite3")],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port} is already in use by another server" in lines[0]
    assert f"PID {holder.pid} (" in lines[0]
    assert f"parent PID {os.getpid()}" in lines[0]
    assert f"stop it with: kill {holder.pid}" in lines[0]


def test_the_port_check_sees_a_plain_listener() -> None:
    """The check itself (no server): a bound, listening socket is reported with its PID."""
    from reference_server.oslimits import port_holders

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert any(line.startswith(f"PID {os.getpid()} ") for line in port_holders(port))
