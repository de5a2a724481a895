"""An in-process reference server on a fresh database for each test module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reference_server import Settings, create_app


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    db: Path = tmp_path_factory.mktemp("app") / "reference.sqlite3"
    return create_app(Settings(db=db))
