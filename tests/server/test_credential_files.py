"""Credentials read like any other input (issue 32): a regular file of a bounded size, each
entry usable - or one line naming the file and the entry's position, exit 2, before a server
starts, within a few seconds. Never a hang (a FIFO), never memory without bound (/dev/zero),
never a credential silently dropped (a repeated access key kept its last secret)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reference_server.cli import main
from reference_server.settings import MAX_CREDENTIALS_FILE_BYTES, Settings
from tests.support import ROOT, run_tool

GOOD_PROJECT = "0123456789abcdef0123456789abcdef"
OPTIONS = {"tokens": "--tokens-file", "aksk": "--aksk-file"}


def _aksk(entries: list[tuple[str, str, str]]) -> str:
    """An access key file written by hand: members in order, repeats kept."""
    members = ", ".join(
        f'{json.dumps(ak)}: {{"sk": {json.dumps(sk)}, "project_id": {json.dumps(project)}}}'
        for ak, sk, project in entries
    )
    return "{" + members + "}"


def _refusal(tmp_path: Path, option: str, path: Path | str) -> str:
    """``serve`` with the file: exit 2 and one line, which is returned."""
    argv = ["serve", option, str(path), "--db", str(tmp_path / "db.sqlite3"), "--port", "1"]
    result = run_tool(main, argv)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (_aksk([("AK1", "s3cret", GOOD_PROJECT), ("AK1", "s3cret2", GOOD_PROJECT)]),
         "entry 2 repeats the credential of entry 1"),
        (_aksk([("AK 1", "s3cret", GOOD_PROJECT)]), "entry 1: a credential is empty or holds"),
        (_aksk([("AK1", "s3 cret", GOOD_PROJECT)]), "entry 1: a credential is empty or holds"),
        (_aksk([("AK1", "s3cret", GOOD_PROJECT.upper())]), "entry 1: the project ID is not 32"),
        (_aksk([("AK1", "s3cret", GOOD_PROJECT), ("AK2", "s3cret", "p")]), "entry 2: the project"),
    ],
    ids=["repeated access key", "space in the key", "space in the secret", "upper-case project",
         "short project"],
)  # fmt: skip
def test_an_unusable_access_key_entry_is_refused_by_position(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "aksk.json"
    path.write_text(content)
    message = _refusal(tmp_path, "--aksk-file", path)
    assert words in message
    assert "s3cret" not in message
    assert "AK1" not in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (f'{{"t1": "{GOOD_PROJECT}", "t1": "{GOOD_PROJECT}"}}', "entry 2 repeats the credential"),
        (f'{{"t 1": "{GOOD_PROJECT}"}}', "entry 1: a credential is empty or holds white space"),
        ('{"t1": "not-a-project"}', "entry 1: the project ID is not 32 lowercase"),
    ],
    ids=["repeated token", "space in the token", "bad project"],
)
def test_an_unusable_token_entry_is_refused_by_position(
    tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    assert words in _refusal(tmp_path, "--tokens-file", path)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (f"AK1:s3cret={GOOD_PROJECT},AK1:other={GOOD_PROJECT}", "entry 2 repeats the credential"),
        (f"AK1:s3 cret={GOOD_PROJECT}", "entry 1: a credential is empty or holds white space"),
        ("AK1:s3cret=ABC", "entry 1: the project ID is not 32 lowercase"),
    ],
)
def test_an_unusable_listed_access_key_is_refused(value: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Settings.read(aksk=value)


def test_well_formed_files_are_read(tmp_path: Path) -> None:
    tokens, keys = tmp_path / "tokens.json", tmp_path / "aksk.json"
    tokens.write_text(json.dumps({"t1": GOOD_PROJECT}))
    keys.write_text(_aksk([("AK1", "s3:cret", GOOD_PROJECT), ("AK2", "x", GOOD_PROJECT)]))
    settings = Settings.read(tokens_file=tokens, aksk_file=keys)
    assert settings.accepted_tokens["t1"] == GOOD_PROJECT
    assert settings.accepted_access_keys["AK1"].secret_key == "s3:cret"
    assert settings.accepted_access_keys["AK2"].project_id == GOOD_PROJECT


@pytest.mark.parametrize("kind", ["tokens", "aksk"])
def test_a_device_or_a_directory_is_refused(tmp_path: Path, kind: str) -> None:
    for path in ("/dev/zero", "/dev/urandom", str(tmp_path)):
        assert "not a regular file" in _refusal(tmp_path, OPTIONS[kind], path)


@pytest.mark.parametrize("kind", ["tokens", "aksk"])
def test_a_file_over_the_size_limit_is_refused_without_reading_it_whole(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:  # sparse: a large file that costs no disk
        file.truncate(50 * MAX_CREDENTIALS_FILE_BYTES)
    assert f"larger than {MAX_CREDENTIALS_FILE_BYTES} bytes" in _refusal(
        tmp_path, OPTIONS[kind], path
    )
    path.write_bytes(b" " * MAX_CREDENTIALS_FILE_BYTES + b"{}")  # one byte past, valid JSON
    assert "larger than" in _refusal(tmp_path, OPTIONS[kind], path)


@pytest.mark.parametrize("kind", ["tokens", "aksk"])
def test_a_fifo_does_not_hang_the_start(tmp_path: Path, kind: str) -> None:
    """A real process: a FIFO nobody writes to blocked ``open`` for good before."""
    fifo = tmp_path / "creds.fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "reference_server", "serve", OPTIONS[kind], str(fifo),
         "--db", str(tmp_path / "db.sqlite3"), "--port", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert time.monotonic() - start < 10
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "not a regular file" in result.stderr
