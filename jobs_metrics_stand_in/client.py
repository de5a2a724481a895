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
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from jobs_metrics_stand_in.names import CONTROL_PREFIX, CONTROL_TOKEN_HEADER

if TYPE_CHECKING:
    # Annotations only: httpx is imported when a StandIn is made, since the pytest plugin
    # imports this module in every run of a venv that has the toolkit, used or not.
    import httpx

Model = TypeVar("Model")
# Rules the stand-in itself answers with (the throttle, the token's scripted expiry): a
# refusal under one of them is the test's script at work, not the client breaking the contract.
STAND_IN_RULES = frozenset({"throttled", "token-expired"})


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

    @property
    def job_ids(self) -> list[int]:
        return list(self.raw.get("job_ids") or [])

    @property
    def broke_contract(self) -> bool:
        """Refused for what the client sent: neither a scripted answer, nor the throttle, nor
        the token's scripted expiry (those are the test's doing)."""
        return (
            self.verdict == "refused"
            and self.answered_by is None
            and self.rule not in STAND_IN_RULES
        )

    def parse(self, model: Callable[..., Model]) -> Model:
        """The body as ``model``, a generated class: ``jobs_metrics_models.JobMetricsRequest``
        (pydantic) or ``jobs_metrics_client.models.JobMetricsRequest`` (attrs, ``from_dict``).
        The caller names it because this layer may not import the models (ARCHITECTURE.md);
        a body that does not fit raises the model's own validation error."""
        if self.body is None:
            raise ValueError(
                f"request #{self.raw.get('seq')}: the body was not JSON (or over 8 KiB)"
            )
        from_dict = getattr(model, "from_dict", None)
        if callable(from_dict):
            parsed: Model = from_dict(self.body)
            return parsed
        from pydantic import TypeAdapter

        adapter: TypeAdapter[Model] = TypeAdapter(cast(Any, model))
        return adapter.validate_python(self.body)

    def near_miss(self) -> str | None:
        """Why a refused request was refused, in the client's terms ("the signature did not
        cover `host`"), so a failing test says what to fix; None when it was not refused."""
        if self.verdict != "refused":
            return None
        reason = self.reason or "no cause given"
        for pattern, words, _ in NEAR_MISSES:
            found = re.search(pattern, reason)
            if found:
                return words.format(*found.groups()) + f" ({reason})"
        return reason

    def line(self) -> str:
        """One journal line: what was sent, what answered it and under which rule."""
        raw = self.raw
        said = f"#{raw.get('seq')} {raw.get('method')} {raw.get('path')}"
        if self.operation:
            said += f" [{self.operation}{', deprecated' if self.deprecated else ''}]"
        if raw.get("job_ids"):
            said += f" job_ids={raw['job_ids']}"
        outcome = str(self.status) if self.status is not None else (raw.get("fault") or "none")
        said += f" -> {outcome}"
        if raw.get("error_code"):
            said += f" {raw['error_code']}"
        if self.rule:
            said += f", rule {self.rule}"
        elif raw.get("rules"):  # the status and code fit several rules: the cause tells
            rules = raw["rules"]
            named = next(
                (rule for pattern, _, rule in NEAR_MISSES
                 if rule in rules and re.search(pattern, self.reason or "")),
                None,
            )  # fmt: skip
            more = f" and {len(rules) - 4} more" if len(rules) > 4 else ""
            said += f", rule {named} (by its cause)" if named else ""
            said += f", rule one of {', '.join(rules[:4])}{more}" if not named else ""
        said += f", answered by script entry {self.answered_by}" if self.answered_by else ""
        if raw.get("fault"):
            said += f", fault {raw['fault']}"
        if raw.get("delay_seconds"):
            said += f", delayed {raw['delay_seconds']:.2f} s"
        miss = self.near_miss()
        if miss is not None:
            said += f"\n    {'near miss' if self.broke_contract else 'cause'}: {miss}"
        return said


# A refusal's cause (the reference server's words) -> what the client did, in its terms, and
# the x-contract rule that cause is (the journal lists candidates when a status and code fit
# several rules).
NEAR_MISSES: tuple[tuple[str, str, str | None], ...] = (
    (r"SignedHeaders: (.+) must be signed", "the signature did not cover `{0}`",
     "signed-headers-incomplete"),
    (r"SignedHeaders: (.+) is listed but not sent", "the signature covered `{0}`, not sent",
     "signed-headers-incomplete"),
    (r"duplicate job ID (\d+)", "`job_ids` named {0} twice", "job-ids-duplicate"),
    (r"X-Sdk-Date: not of the form", "`X-Sdk-Date` is not in the signature's date format",
     None),
    (r"(\S+): sent more than once", "`{0}` was sent twice", "signing-header-duplicate"),
)  # fmt: skip


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
        import httpx

        headers = {CONTROL_TOKEN_HEADER: control_token} if control_token else {}
        self._http: httpx.Client = httpx.Client(
            base_url=self.control_url, headers=headers, timeout=30
        )
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
        import httpx

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
        import httpx

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
        """Add a script entry; ``times`` is always sent, since its None means unlimited (left
        out, the control API's default of 1 applied and ``times=None`` used to mean once)."""
        sent = {k: v for k, v in body.items() if v is not None or k == "times"}
        entry_id: str = self._call("POST", "/script", json=sent)["id"]
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

    def journal_text(self) -> str:
        """The journal and the script as lines a person reads (the pytest plugin's report
        section on a failed test): each request, the rule it met, the entry that answered it."""
        lines = [f"sandbox {self.id} (project {self.project_id}) at {self.base_url}"]
        entries = self.requests()
        lines += [r.line() for r in entries] or ["no request reached this sandbox"]
        for entry in self.script():
            what = entry.get(entry.get("kind", ""), entry.get("kind"))
            times = "unlimited" if entry.get("times") is None else entry.get("times")
            lines.append(
                f"script entry {entry['id']}: {entry.get('kind')} {what}, times {times},"
                f" triggered {entry.get('triggered', 0)}, remaining {entry.get('remaining')}"
            )
        return "\n".join(lines)

    def _failure(self, message: str, requests: Sequence[Request] | None = None) -> AssertionError:
        shown = self.requests() if requests is None else requests
        journal = "\n".join(r.line() for r in shown) or "no request reached this sandbox"
        return AssertionError(f"{message}\nrequests received:\n{journal}")

    def assert_requested(
        self,
        *,
        job_ids: Sequence[int] | None = None,
        operation: str | None = None,
        times: int | None = None,
        status: int | None = None,
        rule: str | None = None,
    ) -> list[Request]:
        """Assert the client sent matching requests (``times`` exactly, else at least once);
        ``job_ids`` match in any order. The message lists what did arrive, each refusal with
        its near miss, so the failure says what the client got wrong. Returns the matches."""
        wanted = None if job_ids is None else sorted(job_ids)
        received = self.requests()
        matches = [
            r
            for r in received
            if (operation is None or r.operation == operation)
            and (wanted is None or sorted(r.job_ids) == wanted)
            and (status is None or r.status == status)
            and (rule is None or r.rule == rule)
        ]
        if (len(matches) == times) if times is not None else bool(matches):
            return matches
        criteria = {"job_ids": job_ids, "operation": operation, "status": status, "rule": rule}
        named = ", ".join(f"{k}={v!r}" for k, v in criteria.items() if v is not None) or "any"
        expected = f"exactly {times}" if times is not None else "at least 1"
        raise self._failure(
            f"expected {expected} request(s) with {named}; {len(matches)} matched", received
        )

    def assert_no_deprecated_calls(self) -> None:
        """Assert no request used a deprecated operation (the spec's ``deprecated: true``)."""
        used = [r for r in self.requests() if r.deprecated]
        if used:
            names = sorted({r.operation or "?" for r in used})
            raise self._failure(
                f"{len(used)} request(s) used the deprecated operation {', '.join(names)}", used
            )

    def assert_contract_kept(self) -> None:
        """Assert no request was refused for what the client sent (scripted outcomes, the
        throttle and scripted token expiry aside); the message gives each near miss."""
        broke = [r for r in self.requests() if r.broke_contract]
        if broke:
            raise self._failure(f"{len(broke)} request(s) broke the contract", broke)

    def unused_script_entries(self) -> list[dict[str, Any]]:
        """Script entries not spent: a counted one with ``remaining`` left, an unlimited one
        never triggered (as respx's ``assert_all_called``)."""
        return [
            e
            for e in self.script()
            if (e.get("remaining") or 0) > 0 or (e.get("times") is None and not e.get("triggered"))
        ]

    def assert_all_called(self) -> None:
        """Assert every scripted outcome was used: a test that scripts a failure its client
        never meets proves nothing about that failure."""
        unused = self.unused_script_entries()
        if unused:
            said = "; ".join(
                f"{e['id']} ({e.get('kind')} {e.get(e.get('kind', ''), '')},"
                f" triggered {e.get('triggered', 0)} of {e.get('times') or 'unlimited'})"
                for e in unused
            )
            raise self._failure(f"scripted outcome(s) left unused: {said}")

    def info(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET")
        return result

    def reset(self) -> None:
        """Back to just created: same credentials and creation jobs, nothing else."""
        self._call("POST", "/reset")

    def close(self) -> None:
        self._call("DELETE")
