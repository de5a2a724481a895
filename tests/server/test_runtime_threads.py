"""The HTTP server's workers: ``--runtime-threads`` (``Settings.runtime_threads``), the
threads of Granian's I/O runtime in each worker, reach Granian within their bounds (the
stand-in's default is 2); the event loop is uvloop where it is installed.

Read from the outside, as an operator would: the worker process has one thread more for
each runtime thread asked (Granian's other threads are the same in both)."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import psutil
import pytest
from granian.constants import Loops

from fuzz_harness.server_process import ServerProcess
from jobs_metrics_stand_in.cli import STAND_IN_RUNTIME_THREADS
from jobs_metrics_stand_in.client import StandIn
from reference_server.cli import main
from reference_server.http_server import event_loop
from reference_server.settings import MAX_RUNTIME_THREADS, Settings


def worker_threads(pid: int) -> int:
    """Threads of the one worker process under ``pid`` (the process that has no children)."""
    (worker,) = [p for p in psutil.Process(pid).children(recursive=True) if not p.children()]
    return worker.num_threads()


def served_threads(db: Path, *args: str) -> int:
    with ServerProcess(db, extra_args=args) as server:
        httpx.get(server.base_url + "/", timeout=10)  # a request served: the runtime at work
        return worker_threads(server.pid)


def test_runtime_threads_reach_the_http_server(tmp_path: Path) -> None:
    default = served_threads(tmp_path / "a.sqlite3")
    assert served_threads(tmp_path / "b.sqlite3", "--runtime-threads", "1") == default
    assert served_threads(tmp_path / "c.sqlite3", "--runtime-threads", "3") == default + 2


@pytest.mark.parametrize("value", ["0", str(MAX_RUNTIME_THREADS + 1), "two"])
def test_runtime_threads_out_of_bounds_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--runtime-threads", value]) == 2
    error = capsys.readouterr().err.strip()
    assert "--runtime-threads" in error
    assert "Traceback" not in error


def stand_in_threads() -> int:
    with StandIn.start() as stand_in:
        stand_in.health()
        assert stand_in._process is not None
        return worker_threads(stand_in._process.pid)


def test_the_stand_in_uses_two_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = stand_in_threads()
    monkeypatch.setenv(Settings.variable("runtime_threads"), "1")
    assert stand_in_threads() == default - (STAND_IN_RUNTIME_THREADS - 1)


def test_the_workers_run_on_uvloop_where_it_is_installed(tmp_path: Path) -> None:
    """The event loop the HTTP server's worker runs (``event_loop``): uvloop, a dependency
    of the toolkit off Windows, is loaded in the worker process."""
    assert event_loop() is Loops.uvloop  # installed here
    with ServerProcess(tmp_path / "db.sqlite3") as server:
        httpx.get(server.base_url + "/", timeout=10)
        (worker,) = [
            p for p in psutil.Process(server.pid).children(recursive=True) if not p.children()
        ]
        assert any("uvloop" in mapped.path for mapped in worker.memory_maps())


def test_without_uvloop_the_loop_is_asyncios(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as absent (or broken): ImportError
    assert event_loop() is Loops.asyncio
