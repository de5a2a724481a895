"""Options reach Granian's worker through JOBS_METRICS_* variables, parsed by pydantic-settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference_server.__main__ import _set_env, build_parser
from reference_server.settings import ServerEnvironment, Settings, SettingsError


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No JOBS_METRICS_* variables during the test, and none left behind after it.

    ``_set_env`` writes os.environ itself (as the command line does for Granian's worker);
    a variable it leaves would reach every server a later test starts in this process
    (JOBS_METRICS_NO_DEMO_TOKENS=1 once made every demo request fail).
    """
    for name in list(os.environ):
        if name.startswith("JOBS_METRICS_"):
            monkeypatch.delenv(name)
    yield monkeypatch
    for name in list(os.environ):
        if name.startswith("JOBS_METRICS_"):
            del os.environ[name]  # monkeypatch then restores what was there before


def test_command_line_options_travel_through_the_environment(clean_env, tmp_path: Path) -> None:
    args = build_parser().parse_args(
        ["serve", "--db", str(tmp_path / "x.db"), "--max-body", "2048", "--body-timeout", "2.5",
         "--no-cache", "--no-demo-tokens"]
    )  # fmt: skip
    _set_env(args)
    assert os.environ["JOBS_METRICS_MAX_BODY"] == "2048"
    assert os.environ["JOBS_METRICS_NO_CACHE"] == "1"
    settings = Settings.from_env()  # what the worker builds
    assert (settings.db_path, settings.max_body, settings.body_timeout) == (
        tmp_path / "x.db",
        2048,
        2.5,
    )
    assert settings.cache is False
    assert settings.tokens == {}


def test_tokens_from_the_environment(clean_env) -> None:
    clean_env.setenv("JOBS_METRICS_TOKENS", "t1=p1, t2=p2")
    assert {"t1": "p1", "t2": "p2"}.items() <= Settings.from_env().tokens.items()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("JOBS_METRICS_MAX_BODY", "abc", "JOBS_METRICS_MAX_BODY / --max-body 'abc'"),
        ("JOBS_METRICS_BODY_TIMEOUT", "0", "greater than 0"),
        ("JOBS_METRICS_TOKENS", "no-equals-sign", "not of the form TOKEN=PROJECT_ID"),
    ],
)
def test_a_bad_value_is_a_clear_error(clean_env, name: str, value: str, words: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError, match=words.replace("/", ".").replace("'", ".")):
        Settings.from_env()


def test_every_variable_is_documented_in_help() -> None:
    text = build_parser().format_help()
    for name in ServerEnvironment.model_fields:
        assert ServerEnvironment.variable(name) in text
