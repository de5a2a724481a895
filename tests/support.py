"""Helpers shared by the test groups: the spec, schema validators, live servers."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pickle
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest
from jsonschema import Draft202012Validator

from jobs_metrics_spec import METRICS_PATH as METRICS_PATH
from jobs_metrics_spec import SPEC_PATH as SPEC_PATH

# The spec's place and path template, shared with the harness (one definition).
from jobs_metrics_spec import load_document, schema_validator
from reference_server.demo import (
    PROJECT_A,
    PROJECT_A_JOBS,
    PROJECT_B,
    PROJECT_B_JOBS,
    TOKEN_A,
    TOKEN_B,
)

ROOT = Path(__file__).resolve().parent.parent  # the repository the tests run in
# The fuzz knobs of a run against a server with the demo data: projects A and B, their
# tokens and jobs (no AK/SK: the successor's rules are then not exercised).
DEMO_KNOBS = {
    "AUTH_TOKEN": TOKEN_A,
    "PROJECT_ID": PROJECT_A,
    "JOB_IDS": f"{PROJECT_A_JOBS.start}-{PROJECT_A_JOBS.stop - 1}",
    "OTHER_AUTH_TOKEN": TOKEN_B,
    "OTHER_PROJECT_ID": PROJECT_B,
    "OTHER_JOB_IDS": f"{PROJECT_B_JOBS.start}-{PROJECT_B_JOBS.stop - 1}",
}


def run_tool(
    main: Callable[[list[str]], int | None],
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """A command's ``main(argv)`` run in this process as ``python -m ...`` runs it (``env``
    the whole environment, ``cwd`` the directory), answered as ``subprocess.run`` answers.

    An interpreter per call cost 0.2-0.7 s of imports, most of ``make test``'s time in
    command-line tests; the code from ``main`` down is the same. What only a real process
    shows (the entry points, ``__main__`` guards, stdin, a process that must exit) keeps
    ``subprocess``; a ``serve`` that must refuse before starting runs here only with the
    ``no_server_starts`` fixture. An exception from ``main`` propagates: a traceback, never
    an exit code."""
    out, err = io.StringIO(), io.StringIO()
    environment = os.environ if env is None else env
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        contextlib.chdir(cwd or Path.cwd()),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # as the interpreter ends: a text is printed, exit 1
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code, file=err)
            code = exc.code if isinstance(exc.code, int) or exc.code is None else 1
    return subprocess.CompletedProcess(list(argv), code or 0, out.getvalue(), err.getvalue())


@cache
def spec() -> dict[str, Any]:
    """The spec as loaded, shared by every test: copy it (:func:`copied`) before editing."""
    return load_document()


def copied(document: Any) -> Any:
    """A deep copy of a loaded document: a pickle round trip, 5 times as fast as
    ``copy.deepcopy`` on the spec (which keeps a memo of every node), and the specdiff tests
    copy it hundreds of times."""
    return pickle.loads(pickle.dumps(document, pickle.HIGHEST_PROTOCOL))


def validator(name: str, document: dict[str, Any] | None = None) -> Draft202012Validator:
    """A JSON Schema validator for ``components.schemas[name]``, refs resolved in the spec."""
    return schema_validator(document or spec(), name)


@cache
def http() -> httpx.Client:
    """One client for the tests' requests to live servers: an ``httpx.post`` builds a
    client per call, and its TLS context (the CA bundle loaded, 30 ms of CPU) with it."""
    return httpx.Client(timeout=10)


def metrics_url(base: str, project_id: str = PROJECT_A) -> str:
    return base + METRICS_PATH.format(project_id=project_id)


def headers(token: str | None = TOKEN_A) -> dict[str, str]:
    result = {"Content-Type": "application/json"}
    if token is not None:
        result["X-Auth-Token"] = token
    return result


class AsgiAnswer:
    """What an ASGI app answered to one in-process request."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = {k.decode().lower(): v.decode() for k, v in headers}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    app: Any,
    method: str = "POST",
    path: str | None = None,
    *,
    body: bytes | Any = None,
    token: str | None = TOKEN_A,
    content_type: str | None = "application/json",
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    chunks: list[bytes] | None = None,
    http_version: str = "1.1",
) -> AsgiAnswer:
    """Send one request to ``app`` in-process (no network): the server's logic alone."""
    if path is None:
        path = METRICS_PATH.format(project_id=PROJECT_A)
    raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    pieces = chunks if chunks is not None else [raw]
    head: list[tuple[bytes, bytes]] = []
    if token is not None:
        head.append((b"x-auth-token", token.encode("latin-1")))
    if content_type is not None:
        head.append((b"content-type", content_type.encode()))
    if chunks is None:
        head.append((b"content-length", str(len(raw)).encode()))
    head += extra_headers or []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": http_version,
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": head,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    queue = [
        {"type": "http.request", "body": p, "more_body": i < len(pieces) - 1}
        for i, p in enumerate(pieces)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body_bytes = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return AsgiAnswer(start["status"], start.get("headers", []), body_bytes)


INSTALL_SYSTEM_PACKAGES = "sudo bash scripts/install_system_packages.sh"


def needs_program(*names: str) -> pytest.MarkDecorator:
    """Skip a test when none of ``names`` is installed, naming the command that installs it.

    Not under CI (``CI`` set, as .ci/run and GitHub set it): CI installs the Debian packages
    first, so there a missing program fails the test instead of skipping it unseen.
    """
    missing = all(shutil.which(name) is None for name in names)
    return pytest.mark.skipif(
        missing and not os.environ.get("CI"),
        reason=f"{names[0]} is not installed: {INSTALL_SYSTEM_PACKAGES}",
    )
