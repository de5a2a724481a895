"""The control API (``/_stand-in/...``, specified in ``openapi/stand-in.openapi.yaml``):
sandboxes created, scripted, read and reset over plain HTTP and JSON, so that a team in any
language drives the stand-in with curl; the Python API (:class:`jobs_metrics_stand_in.StandIn`)
is a client of it too.

Safe by default: with a control token, every request over HTTP must carry it
(``X-Stand-In-Token``, compared in constant time); without one the stand-in listens on
loopback only (the command refuses another address). The same calls on the local socket
(:mod:`jobs_metrics_stand_in.control_socket`) need no token: who may open it is the socket
file's business (owner-only). A request carrying a sandbox credential (``X-Auth-Token``, an
``Authorization``) is refused: credentials of the API under test never reach the control API.
Every refusal is ``{"error": "<one line>"}``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from jobs_metrics_stand_in import names
from jobs_metrics_stand_in.contract import ScriptError
from jobs_metrics_stand_in.limits import (
    LIMITS,
    MAX_CONTROL_BODY_BYTES,
    MAX_GENERATED_JOBS,
    MAX_JOBS,
    MAX_PER_SECOND,
)
from jobs_metrics_stand_in.names import CLIENT_ENTRY_ID
from jobs_metrics_stand_in.sandbox import (
    LimitReached,
    Registry,
    Sandbox,
    UnknownSandbox,
    credentials_of,
    generate_jobs,
)
from jobs_metrics_stand_in.script import EntryIn
from reference_server import Receive, Scope, Send

CONTROL_TOKEN_HEADER = names.CONTROL_TOKEN_HEADER.lower().encode()
SANDBOX_CREDENTIAL_HEADERS = (b"x-auth-token", b"authorization")
JOURNAL_FILTERS = ("operation", "status", "rule", "verdict", "method", "fault", "answered_by")
# Characters of one journal filter's value: longer than any journal field it is compared with
# (an operation or rule id, a method, an entry id), short enough to be one line of a refusal.
MAX_JOURNAL_FILTER_CHARS = 256
# The integers the control API takes are int64 (what its spec says): orjson reads integers
# up to 2^64 - 1 exactly, so the range is checked here, not left to the parser.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Refusal(Exception):
    def __init__(self, status: int, message: str,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []

    def reply(self) -> Reply:
        return Reply(self.status, orjson.dumps({"error": self.message}), self.headers)


@dataclass(frozen=True)
class Reply:
    """A control call's answer: its status, its JSON body (empty for 204), extra headers."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]


class Generate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    count: int = Field(ge=1, le=MAX_GENERATED_JOBS)
    seed: int = Field(default=0, ge=INT64_MIN, le=INT64_MAX)
    first_id: int = Field(default=1, ge=0, le=2**63 - 1 - MAX_GENERATED_JOBS)


class JobsIn(BaseModel):
    """Jobs in the 200 answer's shape, or jobs generated from the schema with a seed."""

    model_config = ConfigDict(extra="forbid", strict=True)
    jobs: list[Any] | None = Field(default=None, max_length=MAX_JOBS)
    generate: Generate | None = None

    @model_validator(mode="after")
    def _one(self) -> JobsIn:
        if (self.jobs is None) == (self.generate is None):
            raise ValueError("give exactly one of jobs, generate")
        return self

    def job_list(self) -> list[Any]:
        if self.generate is not None:
            return generate_jobs(self.generate.count, self.generate.seed, self.generate.first_id)
        return self.jobs or []


class SandboxIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    jobs: list[Any] | None = Field(default=None, max_length=MAX_JOBS)
    generate: Generate | None = None
    project_id: str | None = None
    token: str | None = None
    access_key: str | None = None
    secret_key: str | None = None

    @model_validator(mode="after")
    def _not_both(self) -> SandboxIn:
        if self.jobs is not None and self.generate is not None:
            raise ValueError("give at most one of jobs, generate")
        return self


class ControlEntryIn(EntryIn):
    """A script entry as the control API takes it: a script file's, with its integers int64
    and its job IDs those of the spec (non-negative int64), and optionally its id, chosen by
    the client (``c1``, ``c2``, ...: never one the stand-in gives), so that a client may send
    entries without waiting for their answers and still know their ids."""

    id: str | None = Field(default=None, pattern=CLIENT_ENTRY_ID, max_length=20)

    times: int | None = Field(default=1, ge=1, le=INT64_MAX)
    every: int | None = Field(default=None, ge=1, le=INT64_MAX)
    seed: int | None = Field(default=None, ge=INT64_MIN, le=INT64_MAX)
    job_ids: list[Annotated[int, Field(ge=0, le=INT64_MAX)]] | None = Field(
        default=None, max_length=1000
    )


class ThrottleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    per_second: int | None = Field(ge=1, le=MAX_PER_SECOND)


class ClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    frozen_at: float | None = Field(default=None, ge=0, le=253402300799)
    offset_seconds: float = Field(default=0.0, ge=-3.2e9, le=3.2e9)

    @model_validator(mode="after")
    def _one(self) -> ClockIn:
        if self.frozen_at is not None and self.offset_seconds:
            raise ValueError("give frozen_at or offset_seconds, not both")
        return self


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    expires_at: float | None = Field(ge=0, le=253402300799)


M = TypeVar("M", bound=BaseModel)
Handler = Callable[..., tuple[int, Any]]
Route = tuple[Handler, dict[str, str]]  # a handler and the path's parameters
_ID = r"(?P<sandbox_id>[0-9a-f]{16})"


class ControlApi:
    def __init__(self, registry: Registry, control_token: str | None) -> None:
        self.registry = registry
        self.control_token = control_token
        base = "/_stand-in"
        self.routes: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
            (re.compile(f"{base}/health"), {"GET": self.health}),
            (re.compile(f"{base}/sandboxes"), {"GET": self.list_sandboxes, "POST": self.create}),
            (re.compile(f"{base}/sandboxes/{_ID}"), {"GET": self.show, "DELETE": self.delete}),
            (re.compile(f"{base}/sandboxes/{_ID}/reset"), {"POST": self.reset}),
            (re.compile(f"{base}/sandboxes/{_ID}/jobs"), {"POST": self.add_jobs}),
            (
                re.compile(f"{base}/sandboxes/{_ID}/script"),
                {"GET": self.script, "POST": self.add_entry, "DELETE": self.clear_script},
            ),
            (re.compile(f"{base}/sandboxes/{_ID}/throttle"), {"PUT": self.throttle}),
            (re.compile(f"{base}/sandboxes/{_ID}/clock"), {"PUT": self.clock}),
            (re.compile(f"{base}/sandboxes/{_ID}/token"), {"PUT": self.token}),
            (
                re.compile(f"{base}/sandboxes/{_ID}/journal"),
                {"GET": self.journal, "DELETE": self.clear_journal},
            ),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The control API over HTTP (ASGI): the token and the headers, then the route (a
        404 or 405 is answered without reading the body), then the body and the call."""
        try:
            self._check_headers(scope["headers"])
            route = self.route(scope["method"], scope["path"])
            body = await read_body(receive)
        except Refusal as exc:
            reply = exc.reply()
        else:
            reply = self.call(route, scope.get("query_string", b""), body)
        content = [(b"content-type", b"application/json")] if reply.status != 204 else []
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [*content, *reply.headers]})  # fmt: skip
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else reply.body}
        )

    def _check_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        if self.control_token is not None:
            given = [value for name, value in headers if name == CONTROL_TOKEN_HEADER]
            if len(given) != 1 or not hmac.compare_digest(given[0], self.control_token.encode()):
                raise Refusal(401, "X-Stand-In-Token: missing or wrong")
        if any(name in SANDBOX_CREDENTIAL_HEADERS for name, _ in headers):
            raise Refusal(400, "the control API takes no sandbox credential (X-Auth-Token,"
                          " Authorization); send them to the API under test only")  # fmt: skip

    def respond(self, method: str, path: str, query_string: bytes, body: bytes) -> Reply:
        """One control call whose body is already read (the local socket's, of
        :mod:`jobs_metrics_stand_in.control_socket`): the same routes, checks and answers as
        over HTTP. Synchronous: no handler waits for anything, so a call is done when this
        returns."""
        try:
            route = self.route(method, path)
        except Refusal as exc:
            return exc.reply()
        return self.call(route, query_string, body)

    def route(self, method: str, path: str) -> Route:
        """The handler of ``method`` on ``path`` (decoded, as ASGI's ``path``) and the
        path's parameters; 404 for no such path, 405 (with ``Allow``) for another method."""
        path = path.rstrip("/") if path != "/" else "/"
        for pattern, methods in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            handler = methods.get(method)
            if handler is None:
                raise Refusal(405, f"method {method[:16]} not allowed here",
                              [(b"allow", ", ".join(methods).encode())])  # fmt: skip
            return handler, match.groupdict()
        raise Refusal(404, "no such control API path; see openapi/stand-in.openapi.yaml")

    def call(self, route: Route, query_string: bytes, body: bytes) -> Reply:
        """Run a routed call; a refusal of it is its answer."""
        handler, parameters = route
        try:
            query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
            status, answer = handler(body=decode_json(body), query=query, **parameters)
        except Refusal as exc:
            return exc.reply()
        except LimitReached as exc:
            status, answer = 409, {"error": str(exc)}
        except UnknownSandbox as exc:
            status, answer = 404, {"error": str(exc)}
        except ScriptError as exc:
            status, answer = 400, {"error": str(exc)}
        return Reply(status, b"" if status == 204 else orjson.dumps(answer), [])

    def _sandbox(self, sandbox_id: str) -> Sandbox:
        return self.registry.get(sandbox_id)

    def health(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "status": "ok",
            "version": names.CONTROL_API_VERSION,
            "sandboxes": len(self.registry.sandboxes),
            "limits": LIMITS,
        }

    def list_sandboxes(self, **_: Any) -> tuple[int, Any]:
        return 200, {
            "sandboxes": [s.describe(secrets=False) for s in self.registry.sandboxes.values()]
        }

    def create(self, body: Any, **_: Any) -> tuple[int, Any]:
        given = model(SandboxIn, {} if body is NO_BODY else body)
        jobs = given.jobs or []
        if given.generate is not None:
            jobs = JobsIn(generate=given.generate).job_list()
        credentials = credentials_of(given.model_dump())
        if credentials is None:  # a suite's create per test: the server keeps some ready
            self.registry.hands_out_fresh = True
        sandbox = self.registry.create(credentials, jobs)
        return 201, sandbox.describe()

    def show(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        return 200, self._sandbox(sandbox_id).describe()

    def delete(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        self.registry.close(sandbox_id)
        return 204, None

    def reset(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        sandbox = self._sandbox(sandbox_id)
        sandbox.reset()
        return 200, sandbox.describe()

    def add_jobs(self, sandbox_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        sandbox = self._sandbox(sandbox_id)
        ids = sandbox.add_jobs(model(JobsIn, body).job_list())
        return 200, {"job_ids": ids, "jobs": sandbox.job_count}

    def script(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        return 200, {"entries": [e.describe() for e in self._sandbox(sandbox_id).entries]}

    def add_entry(self, sandbox_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        given = model(ControlEntryIn, body)
        entry = self._sandbox(sandbox_id).add_entry(given, given.id)
        return 201, entry.describe()

    def clear_script(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        self._sandbox(sandbox_id).entries.clear()
        return 204, None

    def throttle(self, sandbox_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        from jobs_metrics_stand_in.sandbox import Throttle

        sandbox = self._sandbox(sandbox_id)
        given = model(ThrottleIn, body)
        sandbox.throttle = Throttle(given.per_second) if given.per_second else None
        return 200, sandbox.describe()

    def clock(self, sandbox_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        sandbox = self._sandbox(sandbox_id)
        given = model(ClockIn, body)
        sandbox.clock.frozen_at, sandbox.clock.offset = given.frozen_at, given.offset_seconds
        return 200, sandbox.describe()

    def token(self, sandbox_id: str, body: Any, **_: Any) -> tuple[int, Any]:
        sandbox = self._sandbox(sandbox_id)
        sandbox.token_expires_at = model(TokenIn, body).expires_at
        return 200, sandbox.describe()

    def journal(self, sandbox_id: str, query: list[tuple[str, str]], **_: Any) -> tuple[int, Any]:
        sandbox = self._sandbox(sandbox_id)
        filters = dict(query)
        unknown = sorted(set(filters) - set(JOURNAL_FILTERS))
        if unknown or len(filters) != len(query):
            raise Refusal(400, f"journal filters: each once, of {', '.join(JOURNAL_FILTERS)}")
        if any(len(value) > MAX_JOURNAL_FILTER_CHARS for value in filters.values()):
            raise Refusal(
                400, f"journal filters: each at most {MAX_JOURNAL_FILTER_CHARS} characters"
            )
        return 200, {
            "entries": sandbox.journal.select(filters),
            "received": sandbox.journal.received,
            "dropped": sandbox.journal.dropped,
        }

    def clear_journal(self, sandbox_id: str, **_: Any) -> tuple[int, Any]:
        self._sandbox(sandbox_id).journal.clear()
        return 204, None


# What ``read_json`` answers for a request without a body (JSON ``null`` is a body).
NO_BODY: Any = object()


def model(kind: type[M], body: Any) -> M:
    """``body`` as ``kind``; a refusal names the first offending field. Strict: ``false``
    is not ``0``, ``"1"`` is not ``1`` (what the control API's spec says)."""
    if body is NO_BODY or not isinstance(body, dict):
        raise Refusal(400, "body: a JSON object is required")
    try:
        return kind.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise Refusal(400, f"{where}: {first['msg']}") from None


def body_too_large() -> Refusal:
    """The refusal of a call whose body passes ``MAX_CONTROL_BODY_BYTES`` (HTTP or socket)."""
    return Refusal(413, f"body: larger than {MAX_CONTROL_BODY_BYTES} bytes")


async def read_body(receive: Receive) -> bytes:
    """The request's body, at most ``MAX_CONTROL_BODY_BYTES``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise Refusal(400, "body: the client closed the connection")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_CONTROL_BODY_BYTES:
            raise body_too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def decode_json(data: bytes) -> Any:
    """A call's JSON body (``NO_BODY`` when empty)."""
    if not data.strip():
        return NO_BODY
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise Refusal(400, f"body: not JSON ({exc})") from None
