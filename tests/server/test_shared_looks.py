"""A look at the store serves every request that began before it (``JobCache.get(since=)``).

A look (a ``stat`` of the file and a read of the generation) cost 5 us of the 17 us the app
spent on a request. A request needs the store as it was at some moment after it began:
whatever its client saw committed or replaced before sending it is then in the answer. So a
look taken after a request began serves that request too, and one taken before does not.
Each case here is one side of that line.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from reference_server import Settings, create_app
from reference_server.cache import JobCache
from reference_server.demo import PROJECT_A, TOKEN_A, Job
from reference_server.store import Store, StoreError
from tests.support import METRICS_PATH


def _store(path: Path, rate: float) -> Store:
    store = Store(path)
    store.load(PROJECT_A, [Job(1, (), (), rate, None)])
    return store


def _rate(jobs: list[bytes]) -> float:
    rate: float = orjson.loads(jobs[0])["metrics"]["total_read_rate"]
    return rate


def _write(path: Path, rate: float) -> None:
    """A commit by another connection (a loader, the sqlite3 shell)."""
    with sqlite3.connect(path) as other:
        other.execute("UPDATE jobs SET total_read_rate = ? WHERE job_id = 1", (rate,))


def test_a_request_that_began_before_the_last_look_is_served_by_it(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite3", 1.0)
    cache = JobCache(store)
    began = time.perf_counter()
    assert _rate(cache.get(PROJECT_A, [1], since=began)) == 1.0
    assert cache.looks == 1
    _write(tmp_path / "db.sqlite3", 2.0)  # after the look, but the request began before it
    assert _rate(cache.get(PROJECT_A, [1], since=began)) == 1.0  # as the store was then
    assert cache.looks == 1


def test_a_request_that_began_after_the_last_look_looks_again(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite3", 1.0)
    cache = JobCache(store)
    assert _rate(cache.get(PROJECT_A, [1], since=time.perf_counter())) == 1.0
    _write(tmp_path / "db.sqlite3", 2.0)
    assert _rate(cache.get(PROJECT_A, [1], since=time.perf_counter())) == 2.0
    assert cache.looks == 2


def test_a_replaced_file_is_seen_by_a_request_that_began_after_it(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    cache = JobCache(_store(db, 1.0))
    assert _rate(cache.get(PROJECT_A, [1], since=time.perf_counter())) == 1.0
    replacement = _store(tmp_path / "new.sqlite3", 3.0)
    replacement.close()
    os.replace(tmp_path / "new.sqlite3", db)
    assert _rate(cache.get(PROJECT_A, [1], since=time.perf_counter())) == 3.0


def test_a_failed_look_vouches_for_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    store = _store(db, 1.0)
    cache = JobCache(store)
    began = time.perf_counter()
    cache.get(PROJECT_A, [1], since=began)
    os.replace(db, tmp_path / "away.sqlite3")  # gone: the next look fails
    with pytest.raises(StoreError, match="deleted"):
        cache.get(PROJECT_A, [1], since=time.perf_counter())
    os.replace(tmp_path / "away.sqlite3", db)
    looks = cache.looks
    cache.get(PROJECT_A, [1], since=began)  # began before the failed look: still looks
    assert cache.looks == looks + 1


def test_requests_in_flight_together_share_one_look(tmp_path: Path) -> None:
    """Eight requests that all began before any reached the store: one look serves all,
    and a ninth that begins after a commit sees the commit."""
    db = tmp_path / "db.sqlite3"
    _store(db, 1.0).close()
    app: Any = create_app(Settings(db=db))
    body = b'{"job_ids": [1]}'
    headers = [(b"x-auth-token", TOKEN_A.encode()), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    path = METRICS_PATH.format(project_id=PROJECT_A)

    async def one(gate: asyncio.Event) -> float:
        scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": path,
                 "raw_path": path.encode(), "query_string": b"", "headers": headers}  # fmt: skip
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            await gate.wait()  # the body arrives once every request has begun
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        assert sent[0]["status"] == 200, sent
        rate: float = orjson.loads(sent[1]["body"])["payload"]["jobs"][0]["metrics"][
            "total_read_rate"
        ]
        return rate

    async def scenario() -> tuple[list[float], float]:
        gate = asyncio.Event()
        tasks = [asyncio.ensure_future(one(gate)) for _ in range(8)]
        await asyncio.sleep(0)  # all eight begin and wait for their bodies
        looks = app.cache.looks
        gate.set()
        rates = await asyncio.gather(*tasks)
        assert app.cache.looks == looks + 1, "each request in flight looked on its own"
        _write(db, 2.0)
        opened = asyncio.Event()
        opened.set()
        return rates, await one(opened)

    rates, after = asyncio.run(scenario())
    assert rates == [1.0] * 8
    assert after == 2.0
