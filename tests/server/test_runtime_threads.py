"""``--runtime-threads`` (``Settings.runtime_threads``): the threads of the HTTP server's I/O
runtime in each worker reach Granian, within their bounds; the stand-in's default is 2.

Read from the outside, as an operator would: the worker process has one thread more for
each runtime thread asked (Granian's other threads are the same in both)."""

from __future__ import annotations

from pathlib import Path

import httpx
import psutil
import pytest

from fuzz_harness.server_process import ServerProcess
from jobs_metrics_stand_in.cli import STAND_IN_RUNTIME_THREADS
from jobs_metrics_stand_in.client import StandIn
from reference_server.cli import main
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
