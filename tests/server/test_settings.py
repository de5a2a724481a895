"""One declaration per option: a ``Settings`` field is the option of ``serve``, its variable,
its type and default, and the value Granian's worker reads back from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from fuzz_selftest.fault_server import serve_with_fault
from jobs_metrics_cli import main as cli_main
from reference_server import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    DEMO_ACCESS_KEYS,
    AccessKey,
    Settings,
    SettingsError,
    serve_command,
)
from reference_server.cli import load_command
from tests.support import run_tool

# Project IDs of the spec's shape (credentials bound to another shape are refused).
P1, P2, P3, P9 = "1" * 32, "2" * 32, "3" * 32, "9" * 32


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No JOBS_METRICS_* variables during the test, and none left behind after it.

    ``Settings.export`` writes os.environ itself (as ``serve`` does for Granian's worker);
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


def parsed(command: click.Command, *argv: str) -> dict[str, Any]:
    """What click hands the command for ``argv`` (options, variables, defaults)."""
    with command.make_context(command.name, list(argv)) as ctx:
        return dict(ctx.params)


def test_every_field_is_an_option_of_serve_with_its_variable_and_default(clean_env) -> None:
    options = {param.name: param for param in serve_command.params}
    assert list(options) == list(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        option = options[name]
        assert isinstance(option, click.Option)
        assert option.opts == [Settings.option(name)]
        assert option.envvar == Settings.variable(name)
        assert field.description
        assert option.help == field.description
    defaults = Settings.read(**{k: v for k, v in parsed(serve_command).items() if v is not None})
    assert defaults == Settings()


def test_the_field_bounds_and_choices_are_the_option_types(clean_env) -> None:
    for argv in (["--port", "0"], ["--port", "65536"], ["--max-body", "0"],
                 ["--header-timeout", "0"], ["--http", "http3"], ["--workers", "-1"]):  # fmt: skip
        with pytest.raises(click.BadParameter):
            parsed(serve_command, *argv)
        with pytest.raises(SettingsError):  # the model holds the same bound
            Settings.read(**{argv[0][2:].replace("-", "_"): argv[1]})
    assert parsed(serve_command, "--port", "65535", "--http", "auto")["port"] == 65535


def test_a_variable_is_read_when_the_option_is_not_given(clean_env, tmp_path: Path) -> None:
    clean_env.setenv("JOBS_METRICS_MAX_BODY", "2048")
    clean_env.setenv("JOBS_METRICS_NO_CACHE", "1")
    clean_env.setenv("JOBS_METRICS_DB", str(tmp_path / "env.db"))
    given = parsed(serve_command, "--db", str(tmp_path / "option.db"))
    assert (given["max_body"], given["no_cache"], given["db"]) == (
        2048,
        True,
        tmp_path / "option.db",
    )
    assert parsed(load_command, "file.json", "--project-id", "p")["db"] == tmp_path / "env.db"


# A value different from the default for every field: a new field without one fails below.
EVERY_FIELD_CHANGED = {
    "tokens": f"t1={P1},t2={P2}",
    "aksk": f"AK1:SK1={P1},AK2:S:K2={P2}",
    "no_demo_tokens": "1",
    "max_body": "2048",
    "no_cache": "1",
    "max_header_bytes": "4096",
    "body_timeout": "2.5",
    "host": "::1",
    "port": "8123",
    "workers": "3",
    "runtime_threads": "2",
    "header_timeout": "0.5",
    "max_connections": "7",
    "http": "auto",
    "shutdown_timeout": "9",
    "access_log": "access.jsonl",
}


def test_every_option_reaches_the_worker_through_the_environment(clean_env, tmp_path) -> None:
    """serve validates its options into Settings and exports them; the worker (a process
    with nothing but this environment) reads the same Settings back."""
    tokens_file = tmp_path / "tokens.json"
    tokens_file.write_text(f'{{"t3": "{P3}"}}')
    aksk_file = tmp_path / "aksk.json"
    aksk_file.write_text(f'{{"AK3": {{"sk": "SK3", "project_id": "{P3}"}}}}')
    argv = ["--db", str(tmp_path / "x.db"), "--tokens-file", str(tokens_file)]
    argv += ["--aksk-file", str(aksk_file)]
    for name, value in EVERY_FIELD_CHANGED.items():
        flag = Settings.option(name)
        argv += [flag] if value == "1" and name.startswith("no_") else [flag, value]
    given = parsed(serve_command, *argv)
    settings = Settings.read(**{k: v for k, v in given.items() if v is not None})
    changed = {n for n in Settings.model_fields if getattr(settings, n) != getattr(Settings(), n)}
    assert changed == set(Settings.model_fields)
    settings.export()
    assert os.environ["JOBS_METRICS_MAX_BODY"] == "2048"
    assert os.environ["JOBS_METRICS_NO_CACHE"] == "1"
    worker = "from reference_server import Settings; print(Settings.read().model_dump_json())"
    read = subprocess.run(
        [sys.executable, "-c", worker], capture_output=True, text=True, check=True, env=os.environ
    )
    assert Settings.model_validate_json(read.stdout) == settings
    assert dict(settings.accepted_tokens) == {"t1": P1, "t2": P2, "t3": P3}
    assert dict(settings.accepted_access_keys) == {  # the demo pairs refused: no_demo_tokens
        "AK1": AccessKey("SK1", P1),
        "AK2": AccessKey("S:K2", P2),
        "AK3": AccessKey("SK3", P3),
    }


def test_the_demo_access_keys_are_accepted_unless_demo_credentials_are_refused(
    clean_env, tmp_path: Path
) -> None:
    assert dict(Settings().accepted_access_keys) == DEMO_ACCESS_KEYS
    clean_env.setenv("JOBS_METRICS_AKSK", f"{ACCESS_KEY_A}:other={P9}, AK9:SK9={P9}")
    keys = Settings.read().accepted_access_keys
    assert keys[ACCESS_KEY_A] == AccessKey("other", P9)  # a listed pair wins over the demo's
    assert keys["AK9"] == AccessKey("SK9", P9)
    assert ACCESS_KEY_B in keys
    assert set(Settings.read(no_demo_tokens=True).accepted_access_keys) == {ACCESS_KEY_A, "AK9"}


def test_a_field_that_is_none_leaves_no_stale_variable(clean_env) -> None:
    clean_env.setenv("JOBS_METRICS_TOKENS_FILE", "/stale/tokens.json")
    Settings(tokens_file=None).export()
    assert "JOBS_METRICS_TOKENS_FILE" not in os.environ


def test_tokens_from_the_environment(clean_env) -> None:
    clean_env.setenv("JOBS_METRICS_TOKENS", f"t1={P1}, t2={P2}")
    assert {"t1": P1, "t2": P2}.items() <= Settings.read().accepted_tokens.items()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("JOBS_METRICS_MAX_BODY", "abc", "JOBS_METRICS_MAX_BODY / --max-body 'abc'"),
        ("JOBS_METRICS_BODY_TIMEOUT", "0", "greater than 0"),
        ("JOBS_METRICS_TOKENS", "no-equals-sign", "not of the form TOKEN=PROJECT_ID"),
        ("JOBS_METRICS_TOKENS_FILE", "/no/such/tokens.json", "cannot read token file"),
        ("JOBS_METRICS_AKSK", "AK=p1", "not of the form AK:SK=PROJECT_ID"),
        ("JOBS_METRICS_AKSK_FILE", "/no/such/aksk.json", "cannot read access key file"),
    ],
)
def test_a_bad_value_is_a_clear_error(clean_env, name: str, value: str, words: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(SettingsError, match=words.replace("/", ".").replace("'", ".")):
        Settings.read()


@pytest.mark.parametrize("tokens", ["s3cret=p1,s3cret-without-project", "s3cret"])
def test_tokens_are_never_shown(clean_env, tokens: str) -> None:
    """Not in an error message (a CI log) and not in the settings' repr (a log line)."""
    with pytest.raises(SettingsError) as refused:
        Settings.read(tokens=tokens)
    assert "s3cret" not in str(refused.value)
    assert "JOBS_METRICS_TOKENS / --tokens" in str(refused.value)
    assert "s3cret" not in repr(Settings.read(tokens=f"s3cret={P1}"))


@pytest.mark.parametrize(
    "aksk", ["AK1:s3cret=p1,AK2:s3cret", "AK1:s3cret", "AK1:s3cret=", ":s3cret=p1"]
)
def test_secret_keys_are_never_shown(clean_env, aksk: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.read(aksk=aksk)
    assert "s3cret" not in str(refused.value)
    assert "JOBS_METRICS_AKSK / --aksk" in str(refused.value)
    assert "s3cret" not in repr(Settings.read(aksk=f"AK1:s3cret={P1}"))


@pytest.mark.parametrize(
    "content",
    [
        '["s3cret"]',
        '{"AK1": "s3cret"}',
        '{"AK1": {"sk": "s3cret"}}',
        '{"AK1": {"sk": "s3cret", "project_id": 7}}',
        '{"AK1": {"sk": "s3cret", "project_id": "p1", "extra": 1}}',
        '{"AK1": {"sk": "s3cret", "project_id": "p1"}, "": {"sk": "s3cret", "project_id": "p"}}',
        '{"AK1": {"sk": "s3cret"',
    ],
)
def test_a_bad_access_key_file_is_one_line_without_secrets(
    clean_env, tmp_path: Path, content: str
) -> None:
    path = tmp_path / "aksk.json"
    path.write_text(content)
    with pytest.raises(SettingsError) as refused:
        Settings.read(aksk_file=path)
    message = str(refused.value)
    assert "s3cret" not in message
    assert "\n" not in message
    assert str(path) in message


@pytest.mark.parametrize(
    ("argv", "env", "words"),
    [
        (["serve", "--port", "0"], {}, "'--port'"),
        (["serve", "--http", "http3"], {}, "'--http'"),
        (["serve"], {"JOBS_METRICS_MAX_BODY": "abc"}, "JOBS_METRICS_MAX_BODY"),
        (["load", "x.json"], {}, "--project-id"),
    ],
)
@pytest.mark.usefixtures("no_server_starts")
def test_a_usage_error_of_serve_and_load_is_one_line_and_exit_2(argv, env, words) -> None:
    result = run_tool(cli_main, argv, env={**os.environ, **env})
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("jobs-metrics: ")
    assert words in result.stderr


def test_the_fault_server_is_serve_plus_one_option() -> None:
    """The fault server reuses serve's params: an option added to Settings is its option too."""
    assert serve_with_fault.params[1:] == serve_command.params
    assert [param.name for param in serve_with_fault.params[:1]] == ["fault"]
