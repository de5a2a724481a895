"""What a sandbox is built from: the server's settings with only its own credentials (never
read from the environment again), a store copied from an empty database image, and script
entries whose random draws come from their seed whenever they are first needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs_metrics_stand_in.contract import spec_operations
from jobs_metrics_stand_in.sandbox import Credentials, Registry
from jobs_metrics_stand_in.script import EntryIn, make_entry
from reference_server import DEMO_TOKENS, Settings, SettingsError, Store, validate_jobs


def test_a_sandbox_has_the_server_limits_and_only_its_own_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = Settings(max_body=4096, body_timeout=7.5)
    monkeypatch.setenv(Settings.variable("max_body"), "123")  # after the server read it
    monkeypatch.setenv(Settings.variable("tokens"), "leaked=" + "ab" * 16)
    sandbox = Registry(server).create()
    settings = sandbox.settings
    assert (settings.max_body, settings.body_timeout) == (4096, 7.5)
    c = sandbox.credentials
    assert dict(settings.accepted_tokens) == {c.token: c.project_id}
    assert list(settings.accepted_access_keys) == [c.access_key]
    assert not set(DEMO_TOKENS) & set(settings.accepted_tokens)
    assert settings.db == Path(":memory:")
    assert dict(server.accepted_tokens) == dict(DEMO_TOKENS)  # the server's own: untouched


def test_credentials_are_checked_as_a_construction_checks_them() -> None:
    server = Settings()
    with pytest.raises(SettingsError):
        server.with_only_credentials(tokens="no-project-id", aksk="")
    with pytest.raises(SettingsError):
        server.with_only_credentials(tokens="", aksk="AK:SK=" + "AB" * 16)  # upper-case project
    with pytest.raises(SettingsError):
        server.with_only_credentials(tokens=f"t={'ab' * 16},t={'cd' * 16}", aksk="")


def test_memory_stores_start_empty_with_the_schema_and_share_nothing() -> None:
    first, second = Store(Path(":memory:")), Store(Path(":memory:"))
    project = Credentials.new().project_id
    job = {"job_id": 7, "metrics": {"sources": [], "sinks": [], "total_read_rate": 1.0,
                                    "total_write_rate": 2.0}}  # fmt: skip
    before = first.generation()
    first.load(project, validate_jobs([job]))
    assert first.count_jobs() == 1
    assert first.generation() != before  # the change counter's triggers came with the image
    assert second.count_jobs() == 0
    assert Store(Path(":memory:")).count_jobs() == 0  # the image itself was not written
    assert first._db.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_an_entry_draws_from_its_seed_however_late_it_first_draws() -> None:
    spec = EntryIn.model_validate({"rule": "forbidden", "probability": 0.5, "seed": 42})
    early, late = make_entry("e1", spec), make_entry("e2", spec)
    early_draws = [early.trigger() for _ in range(20)]
    assert [late.trigger() for _ in range(20)] == early_draws
    assert True in early_draws
    assert False in early_draws


def test_an_operation_error_rules_cannot_be_changed_by_a_caller() -> None:
    rules = spec_operations()[0].error_rules
    with pytest.raises(TypeError):
        rules["new"] = next(iter(rules.values()))
    assert rules is spec_operations()[0].error_rules  # read once


def test_the_fullest_sandbox_fits_a_deserialized_database() -> None:
    """SQLite caps a deserialized in-memory database at 1 GiB (its default
    SQLITE_MEMDB_DEFAULT_MAXSIZE); a sandbox's jobs are bounded far below it (337 MB
    measured for 10,000 jobs of 32 KiB: the store keeps a job's answer once, plus rows)."""
    from jobs_metrics_stand_in.limits import MAX_JOBS
    from reference_server.loader import MAX_JOB_BYTES

    assert MAX_JOBS * MAX_JOB_BYTES * 2 < 2**30
