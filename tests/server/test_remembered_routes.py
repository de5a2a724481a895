"""The app remembers the route of the paths it is asked (``JobsMetricsApp._route_path``):
bounded in count and key size, and never changing an answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reference_server import Settings, create_app
from reference_server.app import ROUTE_KEY_BYTES, ROUTES_REMEMBERED
from reference_server.demo import PROJECT_A
from tests.support import METRICS_PATH, call


def _app(tmp_path: Path) -> Any:
    return create_app(Settings(db=tmp_path / "db.sqlite3"))


def test_a_remembered_path_answers_as_before_for_every_method(tmp_path: Path) -> None:
    app = _app(tmp_path)
    assert call(app, body={"job_ids": [1]}).status == 200
    assert len(app._routed) == 1
    assert call(app, "GET").status == 405  # the method is judged on every request
    assert call(app, body={"job_ids": [1]}).status == 200


def test_at_most_so_many_paths_are_remembered(tmp_path: Path) -> None:
    app = _app(tmp_path)
    for n in range(ROUTES_REMEMBERED + 10):
        project = f"{n:032x}"  # well-formed projects nobody's token is for: 403, routed
        call(app, path=METRICS_PATH.format(project_id=project), body={"job_ids": [1]})
        assert len(app._routed) <= ROUTES_REMEMBERED
    assert 0 < len(app._routed) <= ROUTES_REMEMBERED


def test_a_long_path_is_routed_but_not_remembered(tmp_path: Path) -> None:
    app = _app(tmp_path)
    long_project = PROJECT_A + "%41" * ROUTE_KEY_BYTES  # one path segment, decoded on routing
    path = METRICS_PATH.format(project_id=long_project)
    assert len(path.encode()) > ROUTE_KEY_BYTES
    answer = call(app, path=path, body={"job_ids": [1]})
    assert answer.status == 400  # routed, then refused: the project ID is malformed
    assert app._routed == {}
    assert call(app, body={"job_ids": [1]}).status == 200
    assert len(app._routed) == 1
