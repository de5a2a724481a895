"""Fixtures shared by all test groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported when a test asks for a server: xdist's controller, which runs
    # no test, loads this file before it starts the workers
    from fuzz_harness.server_process import ServerProcess


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
    FILE::TEST``): refuse the collection instead."""
    twice = sorted(nodeid for nodeid, n in Counter(i.nodeid for i in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"tests sharing a node ID: {', '.join(twice)}")
