"""Fixtures shared by all test groups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import LiveServer, live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A reference server with demo data on a free port, for one test module."""
    db: Path = tmp_path_factory.mktemp("db") / "reference.sqlite3"
    with live_server(db) as running:
        yield running
