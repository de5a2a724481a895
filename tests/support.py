"""Helpers shared by the test groups: the spec, schema validators, live servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from reference_server.demo import PROJECT_A, TOKEN_A

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "jobs-metrics.openapi.yaml"
PYTHON = sys.executable
METRICS_PATH = "/v1.0/{project_id}/jobs/metrics"


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def load_spec_text(text: str) -> dict[str, Any]:
    return yaml.safe_load(text)


def validator(name: str, document: dict[str, Any] | None = None) -> Draft202012Validator:
    """A JSON Schema validator for ``components.schemas[name]``, refs resolved in the spec."""
    document = document or spec()
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    return Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def metrics_url(base: str, project_id: str = PROJECT_A) -> str:
    return base + METRICS_PATH.format(project_id=project_id)


def headers(token: str | None = TOKEN_A) -> dict[str, str]:
    result = {"Content-Type": "application/json"}
    if token is not None:
        result["X-Auth-Token"] = token
    return result


class LiveServer:
    """The reference server in its own process on 127.0.0.1, stopped by PID."""

    def __init__(
        self, db: Path, *, extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        self.db = db
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        env = dict(os.environ)
        env.update(self.env)
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "reference_server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                *self.extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"server exited with {self.process.returncode}: {err}")
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(self.base_url + "/", timeout=1.0)
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not start in time")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Stop the server's process group (Granian's main process and its worker) by PID."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process.stderr:
            self.process.stderr.close()


@contextlib.contextmanager
def live_server(db: Path, **kwargs: Any) -> Iterator[LiveServer]:
    server = LiveServer(db, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


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
        "http_version": "1.1",
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
