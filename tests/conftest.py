"""Fixtures shared by all test groups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzz_harness.server_process import ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A reference server with demo data on a free port, for one test module."""
    db: Path = tmp_path_factory.mktemp("db") / "reference.sqlite3"
    with ServerProcess(db) as running:
        yield running
