"""Fixtures shared by all test groups."""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from unittest import mock

import pytest

if TYPE_CHECKING:  # imported when a test asks for a server: xdist's controller, which runs
    # no test, loads this file before it starts the workers
    from fuzz_harness.server_process import ServerProcess


@pytest.fixture(scope="session", autouse=True)
def _nothing_from_the_developers_shell() -> Iterator[None]:
    """The suite runs the same whatever the shell that starts it holds: a fuzzing engineer's
    BASE_URL, PROJECT_ID or AK, a JOBS_METRICS_PORT, GitHub's GITHUB_STEP_SUMMARY are taken
    out of this process' environment, and so of every process a test starts (a test that
    wants one sets it). The names are the harness' and the server's own declarations."""
    from fuzz_harness.cli import run_command
    from reference_server.settings import ENV_PREFIX

    declared = {
        name
        for param in run_command.params
        for name in ([param.envvar] if isinstance(param.envvar, str) else param.envvar or [])
    }
    ours = {name for name in os.environ if name in declared or name.startswith(ENV_PREFIX)}
    with mock.patch.dict(os.environ):
        for name in ours:
            del os.environ[name]
        yield


@pytest.fixture
def no_server_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a command-line test run in this process (``tests.support.run_tool``) that must end
    before the server starts: every check of ``serve`` runs (the options, the token files,
    the database), and were the refusal broken, the test fails where the port would be
    checked, before the process' limits are raised and Granian starts, instead of serving
    inside the test process until the suite's timeout."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the server started: the command should have refused first")

    monkeypatch.setattr("reference_server.http_server.check_port_free", refuse)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A reference server with demo data on a free port, shared by the test modules of a
    worker that only read from it (a module that writes to its database has its own:
    tests/sdk/conftest.py)."""
    from fuzz_harness.server_process import ServerProcess

    db: Path = tmp_path_factory.mktemp("db") / "reference.sqlite3"
    with ServerProcess(db) as running:
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Two items under one node ID are one test to whatever addresses tests by ID (xdist's
    per-file scheduling in ``make test`` ran one of them, silently; ``--lf``; ``pytest
    FILE::TEST``): refuse the collection instead. (Under xdist the refusal in a worker shows
    as an INTERNALERROR naming the node ID, exit 3; in one process as this message.)"""
    twice = sorted(nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"tests sharing a node ID: {', '.join(twice)}")


def pytest_configure(config: pytest.Config) -> None:
    """Python's garbage collector, tuned for a test session: ``make test`` is bound by CPU,
    and its collections took a tenth of a worker's (measured with ``gc.callbacks``). A young
    collection every 20,000 allocations instead of 700; the older generations after 20
    collections of the one below instead of 10, so a full collection comes about a hundred
    times more rarely. The peak memory of a run's largest process stayed about the same
    (245 MB against 243, ``ru_maxrss``)."""
    gc.set_threshold(20_000, 20, 20)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (the modules, schemathesis' operations, Hypothesis) lives for
    the whole session: frozen, the full collections after it do not scan it again. One full
    collection first, so no garbage is frozen with it."""
    gc.collect()
    gc.freeze()
