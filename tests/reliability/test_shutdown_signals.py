"""Shutdown cannot deadlock (issue 32): SIGTERM and SIGINT sent several times in quick
succession, under load, and the whole process group is gone within the grace period.

Granian's own signal handlers take a lock (``threading.Event.set``); a second signal landing
while the first handler held it deadlocked the main process once. The server's handlers only
record the signal now (``reference_server.http_server.record_signals_only``); the in-process
test shows the handler takes no lock, the process test that the server still stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from fuzz_harness.server_process import ServerProcess
from reference_server.demo import PROJECT_A, TOKEN_A
from reference_server.http_server import SIGNAL_POLL_SECONDS, record_signals_only

GRACE = 2  # --shutdown-timeout of the servers here


class _Server:
    """What ``record_signals_only`` touches of Granian's server, with an event whose lock is
    held, as it is while a first handler is inside ``Event.set``."""

    def __init__(self) -> None:
        self.interrupt_signal = False
        self.reload_signal = False
        self.main_loop_interrupt = threading.Event()

    def signal_handler_interrupt(self, *_: Any) -> None:  # Granian's, replaced
        raise AssertionError("Granian's handler was called")


def test_the_handlers_take_no_lock_and_the_loop_is_woken() -> None:
    server: Any = _Server()
    record_signals_only(server)
    lock = server.main_loop_interrupt._cond  # the lock Event.set takes
    with lock:  # a handler that took it here would wait for ever (the deadlock)
        server.signal_handler_interrupt(signal.SIGTERM, None)
        server.signal_handler_interrupt(signal.SIGINT, None)  # a second one, re-entering
        assert server.interrupt_signal
    assert server.main_loop_interrupt.wait(timeout=20 * SIGNAL_POLL_SECONDS + 5)


def _load(port: int, stop: threading.Event) -> None:
    url = f"http://127.0.0.1:{port}/v1.0/{PROJECT_A}/jobs/metrics"
    with httpx.Client(timeout=2) as client:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                client.post(url, json={"job_ids": [1, 2]}, headers={"X-Auth-Token": TOKEN_A})


def _group_gone(pgid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        alive = [p for p in psutil.process_iter(["pid"]) if _in_group(p, pgid)]
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _in_group(process: psutil.Process, pgid: int) -> bool:
    try:
        return os.getpgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.Error):
        return False


def _stop_with_a_burst(tmp_path: Path, burst: list[signal.Signals]) -> bool:
    server = ServerProcess(tmp_path / "db.sqlite3", extra_args=("--shutdown-timeout", str(GRACE)))
    server.start()
    stop = threading.Event()
    clients = [threading.Thread(target=_load, args=(server.port, stop)) for _ in range(2)]
    try:
        for client in clients:
            client.start()
        time.sleep(0.3)  # requests in flight
        for sig in burst:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.pid, sig)  # the main process, as a terminal or a supervisor does
            time.sleep(0.001)
        # the grace period, the poll and a margin for a slow machine: never for ever
        gone = _group_gone(server.pid, time.monotonic() + GRACE + 10)
    finally:
        stop.set()
        for client in clients:
            client.join()
        server.stop()
    return gone


BURSTS = [
    [signal.SIGTERM] * 5,
    [signal.SIGINT, signal.SIGTERM, signal.SIGINT, signal.SIGTERM],
]


@pytest.mark.parametrize("burst", BURSTS, ids=["SIGTERM x5", "SIGINT and SIGTERM"])
def test_a_burst_of_signals_under_load_stops_the_whole_group(
    tmp_path: Path, burst: list[signal.Signals]
) -> None:
    assert _stop_with_a_burst(tmp_path, burst)


@pytest.mark.slow  # many servers started and stopped; CI runs it in test-slow
def test_many_bursts_all_stop(tmp_path: Path) -> None:
    outcomes = [_stop_with_a_burst(tmp_path / str(i), BURSTS[i % 2]) for i in range(12)]
    assert all(outcomes), outcomes
