"""Sandboxes built in advance (``Registry.make_ready``, built by the server when idle): none
is reachable before a create takes it, each is taken once, and what a create hands out is
exactly a new sandbox; a sandbox's settings are the server's, never re-read from the
environment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from jobs_metrics_stand_in.contract import ScriptError
from jobs_metrics_stand_in.sandbox import READY_SANDBOXES, Credentials, Registry, Sandbox
from jobs_metrics_stand_in.server import StandInApp, StandInConfig
from reference_server import Settings, Store, validate_jobs


def filled_registry() -> Registry:
    registry = Registry(Settings())
    registry.hands_out_fresh = True
    while registry.wants_ready():
        registry.make_ready()
    return registry


def secrets(sandbox: Sandbox) -> set[str]:
    c = sandbox.credentials
    return {sandbox.id, c.project_id, c.token, c.access_key, c.secret_key}


def assert_new(sandbox: Sandbox) -> None:
    assert (sandbox.job_count, sandbox.entries, len(sandbox.journal.entries)) == (0, [], 0)
    assert (sandbox.throttle, sandbox.token_expires_at, sandbox.initial_jobs) == (None, None, [])
    assert (sandbox.clock.frozen_at, sandbox.clock.offset) == (None, 0.0)
    assert sandbox.store.count_jobs() == 0


def test_ready_sandboxes_are_unreachable_until_taken_and_each_is_taken_once() -> None:
    registry = filled_registry()
    ready = list(registry.ready)
    assert len(ready) == READY_SANDBOXES
    assert registry.sandboxes == {}
    assert registry.by_token == {}
    assert registry.by_project == {}
    taken = [registry.create() for _ in range(READY_SANDBOXES + 2)]  # then built on the spot
    assert taken[:READY_SANDBOXES] == ready  # the oldest first
    assert not registry.ready
    for sandbox in taken:
        assert_new(sandbox)
        assert registry.by_token[sandbox.credentials.token] is sandbox
    everything = [value for sandbox in taken for value in secrets(sandbox)]
    assert len(set(everything)) == len(everything)  # no id or credential twice
    registry.close_all()


def test_jobs_go_into_a_ready_sandbox_and_a_refused_list_takes_none() -> None:
    registry = filled_registry()
    with pytest.raises(ScriptError, match="jobs"):
        registry.create(jobs=[{"job_id": 1}, {"job_id": 1}])
    assert len(registry.ready) == READY_SANDBOXES  # the refusal came before one was taken
    sandbox = registry.create(jobs=[{"job_id": 7, "metrics": {"total_read_rate": 1.5}}])
    assert sandbox.job_count == 1
    assert sandbox.store.count_jobs() == 1
    sandbox.add_jobs([{"job_id": 8}])
    sandbox.reset()  # back to its creation jobs, as a sandbox built with them
    assert sandbox.store.count_jobs() == 1
    registry.close_all()
    assert not registry.ready  # closed too


def test_given_credentials_are_never_a_ready_sandbox() -> None:
    registry = filled_registry()
    given = Credentials("ab" * 16, "file-token", "FILEAK0000000000000A", "file-secret")
    sandbox = registry.create(given)
    assert sandbox.credentials == given
    assert sandbox not in registry.ready
    assert len(registry.ready) == READY_SANDBOXES
    registry.close_all()


def test_the_server_builds_them_when_idle_once_fresh_sandboxes_are_asked_for() -> None:
    app = StandInApp(Settings(), StandInConfig())

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stand-in") as client:
            given = {"project_id": "cd" * 16, "token": "t1", "access_key": "AK1", "secret_key": "s"}
            assert (await client.post("/_stand-in/sandboxes", json=given)).status_code == 201
            await asyncio.sleep(0.05)
            assert not app.registry.ready  # only given credentials so far: nothing to build
            first = (await client.post("/_stand-in/sandboxes")).json()
            for _ in range(100):  # idle: it fills up, one sandbox per quiet moment
                if len(app.registry.ready) == READY_SANDBOXES:
                    break
                await asyncio.sleep(0.01)
            assert len(app.registry.ready) == READY_SANDBOXES
            oldest = app.registry.ready[0]
            second = (await client.post("/_stand-in/sandboxes")).json()
            assert second["id"] == oldest.id
            assert second["token"] == oldest.credentials.token
            assert second["token"] != first["token"]
            counts = (second["jobs"], second["script_entries"], second["journal_entries"])
            assert counts == (0, 0, 0)
            listed = (await client.get("/_stand-in/sandboxes")).json()["sandboxes"]
            assert len(listed) == 3  # the ready ones are not shown, nor counted
            assert (await client.get("/_stand-in/health")).json()["sandboxes"] == 3

    asyncio.run(run())


def test_the_next_ready_sandbox_is_built_as_soon_as_a_create_took_the_last() -> None:
    """A suite creating a sandbox per test never leaves the server idle for IDLE_SECONDS, so
    the next create's sandbox is built in the loop's next turn after a create took the last
    (its caller already has its answer), not when the server is idle."""
    app = StandInApp(Settings(), StandInConfig())

    async def turns() -> None:
        for _ in range(3):  # far less than IDLE_SECONDS: the idle builder has not run
            await asyncio.sleep(0)

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://stand-in") as client:
            await client.post("/_stand-in/sandboxes")  # none ready yet: built on the spot
            await turns()
            assert len(app.registry.ready) == 1
            ready = app.registry.ready[0]
            taken = (await client.post("/_stand-in/sandboxes")).json()
            assert taken["id"] == ready.id
            await turns()
            assert len(app.registry.ready) == 1  # the next one, at once again
            assert app.registry.ready[0] is not ready

    asyncio.run(run())
    app.registry.close_all()


def test_a_ready_sandbox_has_its_first_reads_made(monkeypatch: pytest.MonkeyPatch) -> None:
    warmed: list[str] = []
    monkeypatch.setattr(Store, "warm_reads", lambda store, project_id: warmed.append(project_id))
    registry = Registry(Settings())
    registry.make_ready()
    assert warmed == [registry.ready[0].credentials.project_id]
    registry.close_all()


def test_warm_reads_runs_a_requests_reads_and_writes_nothing() -> None:
    store = Store(Path(":memory:"))
    store.load("ab" * 16, validate_jobs([{"job_id": 1}]))
    before = (store.generation(), store.count_jobs())
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.warm_reads("ab" * 16)
    store._db.set_trace_callback(None)
    assert (store.generation(), store.count_jobs()) == before
    said = " ".join(statements)
    for read in ("data_version", "FROM jobs", "BEGIN"):
        assert read in said
    assert not any(word in said for word in ("INSERT", "UPDATE", "DELETE", "REPLACE"))
    store.close()
