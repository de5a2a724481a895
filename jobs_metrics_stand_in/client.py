"""The Python API over the control API: ``StandIn`` and its ``Sandbox`` handles.

A thin client of the HTTP control API (never a second way in): what a Python test does
through it, a Go or Java test does with curl against ``openapi/stand-in.openapi.yaml``.
``StandIn.start()`` runs ``python -m jobs_metrics_stand_in serve`` on a free loopback port in
a process group of its own, stopped by that PID (never by name); ``StandIn.attach(url)`` uses
one already running (``jobs-metrics stand-in``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from jobs_metrics_stand_in.names import CONTROL_PREFIX, CONTROL_TOKEN_HEADER


class StandInError(RuntimeError):
    """The control API refused a call (the message is its one line), or the stand-in did not
    start."""


@dataclass(frozen=True)
class Request:
    """One request a sandbox received, as its journal records it."""

    operation: str | None
    status: int | None
    rule: str | None
    body: Any  # the body as decoded (JSON), None when it was not JSON
    raw: dict[str, Any]  # every field of the journal entry (STAND_IN.md lists them)

    @property
    def verdict(self) -> str | None:
        return self.raw.get("verdict")

    @property
    def reason(self) -> str | None:
        return self.raw.get("reason")

    @property
    def answered_by(self) -> str | None:
        return self.raw.get("answered_by")

    @property
    def deprecated(self) -> bool:
        return bool(self.raw.get("deprecated"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StandIn:
    """A running stand-in: one process, any number of sandboxes."""

    def __init__(self, url: str, control_token: str | None = None,
                 process: subprocess.Popen[bytes] | None = None) -> None:  # fmt: skip
        self.url = url.rstrip("/")
        self.control_url = self.url + CONTROL_PREFIX.rstrip("/")
        headers = {CONTROL_TOKEN_HEADER: control_token} if control_token else {}
        self._http = httpx.Client(base_url=self.control_url, headers=headers, timeout=30)
        self._process = process
        self._sandboxes: list[Sandbox] = []

    @classmethod
    def start(cls, *, script: Path | None = None, timeout: float = 30.0) -> StandIn:
        """Start a stand-in on a free 127.0.0.1 port; returns once it answers."""
        for _ in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            command = [sys.executable, "-m", "jobs_metrics_stand_in",
                       "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            if script is not None:
                command += ["--script", str(script)]
            stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, then closed)
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
            )
            stand_in = cls(f"http://127.0.0.1:{port}", process=process)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and process.poll() is None:
                if stand_in._healthy():
                    stderr.close()
                    return stand_in
                time.sleep(0.02)
            stand_in.close()
            stderr.seek(0)
            error = stderr.read().decode(errors="replace").strip().splitlines()
            stderr.close()
            if error and "port" not in error[-1]:
                raise StandInError(f"the stand-in did not start: {error[-1]}")
        raise StandInError("the stand-in did not start on a free port in 3 attempts")

    @classmethod
    def attach(cls, url: str, control_token: str | None = None) -> StandIn:
        """Use a stand-in already running at ``url`` (its root, as it printed it)."""
        stand_in = cls(url, control_token)
        stand_in._call("GET", "/health")
        return stand_in

    def _healthy(self) -> bool:
        try:
            return self._http.get("/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def _call(self, method: str, path: str, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        answer = self._http.request(method, path, json=json, params=params)
        if answer.status_code >= 400:
            try:
                message = answer.json()["error"]
            except (ValueError, KeyError, TypeError):
                message = answer.text[:200]
            raise StandInError(f"{method} {path}: {answer.status_code} {message}")
        return answer.json() if answer.content else None

    def sandbox(
        self, *, jobs: Sequence[Any] = (), generate: dict[str, int] | None = None
    ) -> Sandbox:
        """A new sandbox (fresh project, token, AK/SK), with these jobs."""
        body: dict[str, Any] = {}
        if jobs:
            body["jobs"] = list(jobs)
        if generate is not None:
            body["generate"] = generate
        sandbox = Sandbox(self, self._call("POST", "/sandboxes", json=body))
        self._sandboxes.append(sandbox)
        return sandbox

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def close(self) -> None:
        """Close the sandboxes this object made (an attached stand-in keeps running), or
        stop the stand-in it started (by its PID's process group)."""
        process, self._process = self._process, None
        if process is None:
            for sandbox in self._sandboxes:
                with contextlib.suppress(StandInError, httpx.HTTPError):
                    sandbox.close()
        self._sandboxes.clear()
        self._http.close()
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.close()


class Sandbox:
    """One sandbox of a stand-in: its credentials and its controls."""

    def __init__(self, stand_in: StandIn, data: dict[str, Any]) -> None:
        self._stand_in = stand_in
        self.id: str = data["id"]
        self.base_url = stand_in.url
        self.project_id: str = data["project_id"]
        self.token: str = data["token"]
        self.access_key: str = data["access_key"]
        self.secret_key: str = data["secret_key"]
        self._path = f"/sandboxes/{self.id}"

    def _call(self, method: str, path: str = "", json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        return self._stand_in._call(method, self._path + path, json=json, params=params)

    def add_jobs(self, jobs: Sequence[Any]) -> list[int]:
        """Store jobs given in the 200 answer's shape (validated against the spec)."""
        ids: list[int] = self._call("POST", "/jobs", json={"jobs": list(jobs)})["job_ids"]
        return ids

    def generate_jobs(self, count: int, seed: int = 0, first_id: int = 1) -> list[int]:
        """Store ``count`` jobs generated from the schema with ``seed``; their IDs."""
        body = {"generate": {"count": count, "seed": seed, "first_id": first_id}}
        ids: list[int] = self._call("POST", "/jobs", json=body)["job_ids"]
        return ids

    def _entry(self, body: dict[str, Any]) -> str:
        entry_id: str = self._call(
            "POST", "/script", json={k: v for k, v in body.items() if v is not None}
        )["id"]
        return entry_id

    def fail_next(self, rule_id: str, times: int | None = 1, operation: str | None = None, *,
                  every: int | None = None, probability: float | None = None,
                  seed: int | None = None, job_ids: Sequence[int] | None = None,
                  credential: str | None = None) -> str:  # fmt: skip
        """Answer matching requests as the spec states for ``rule_id``; the entry's id."""
        return self._entry(
            {
                "rule": rule_id,
                "times": times,
                "operation": operation,
                "every": every,
                "probability": probability,
                "seed": seed,
                "credential": credential,
                "job_ids": list(job_ids) if job_ids is not None else None,
            }
        )

    def respond(self, body: dict[str, Any], operation: str, times: int | None = 1) -> str:
        """Answer matching requests 200 with ``body`` (valid against the response schema)."""
        return self._entry({"answer": body, "operation": operation, "times": times})

    def fault(self, kind: str, times: int | None = 1, *, seconds: float | None = None,
              operation: str | None = None, every: int | None = None,
              probability: float | None = None, seed: int | None = None) -> str:  # fmt: skip
        """Break the transport of matching requests: reset, empty, truncated, dribble, hang."""
        return self._entry(
            {
                "fault": kind,
                "times": times,
                "seconds": seconds,
                "operation": operation,
                "every": every,
                "probability": probability,
                "seed": seed,
            }
        )

    def delay(self, seconds: float, times: int | None = 1, *, max_seconds: float | None = None,
              seed: int | None = None, operation: str | None = None) -> str:  # fmt: skip
        """Answer matching requests ``seconds`` late (uniform up to ``max_seconds`` by seed)."""
        return self._entry(
            {
                "delay": seconds,
                "max_delay": max_seconds,
                "seed": seed,
                "times": times,
                "operation": operation,
            }
        )

    def script(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._call("GET", "/script")["entries"]
        return entries

    def clear_script(self) -> None:
        self._call("DELETE", "/script")

    def throttle(self, per_second: int | None) -> None:
        """At most ``per_second`` requests per second per credential (None: no limit)."""
        self._call("PUT", "/throttle", json={"per_second": per_second})

    def set_clock(self, *, frozen_at: float | None = None, offset_seconds: float = 0.0) -> None:
        """Freeze the sandbox's clock, or offset it; neither: the real time again."""
        self._call("PUT", "/clock", json={"frozen_at": frozen_at, "offset_seconds": offset_seconds})

    def expire_token(self, at: float | None) -> None:
        """The token expires at ``at`` (seconds since the epoch, sandbox clock); None: never."""
        self._call("PUT", "/token", json={"expires_at": at})

    def requests(self, **filters: Any) -> list[Request]:
        """The journal, oldest first, filtered by operation, status, rule, verdict, method,
        fault or answered_by."""
        params = {k: v for k, v in filters.items() if v is not None}
        entries = self._call("GET", "/journal", params=params)["entries"]
        return [Request(e["operation"], e["status"], e["rule"], e["decoded"], e) for e in entries]

    def clear_requests(self) -> None:
        self._call("DELETE", "/journal")

    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET")
        return result

    def reset(self) -> None:
        """Back to just created: same credentials and creation jobs, nothing else."""
        self._call("POST", "/reset")

    def close(self) -> None:
        self._call("DELETE")
