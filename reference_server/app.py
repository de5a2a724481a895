"""The ASGI application: routing, auth, body limits, validation and the answer.

Two operations answer from the same data: the CS one (``queryJobMetrics``, IAM token, the
provider's CS error body, HTTP 400) and its DLI successor (``showFlinkMetric``, AK/SK
signature, ``DliErrorResponse`` with the status of each kind). They share the header and body
limits, the body parser and the job cache; only authentication, the order of the checks (a
signature needs the body) and the envelopes differ.

Written against bare ASGI rather than a framework: the endpoint is one route, and a
framework's routing, dependency injection and response classes cost more than the whole
request (a plain FastAPI handler answers about 880 requests/s here, a fifth of the goal).
Requests and responses still go through the generated pydantic models.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar
from urllib.parse import unquote, unquote_to_bytes

import orjson

from jobs_metrics_spec import Contract, spec_document, spec_operations, spec_project_ids
from reference_server import request_body, signature, successor
from reference_server.adapters import RESPONSE
from reference_server.asgi_types import ASGIApp, Message, Receive, Scope, Send
from reference_server.body_helper import BodyParser
from reference_server.cache import JobCache
from reference_server.errors import Refusal, RuleAnswers, clip
from reference_server.settings import Settings
from reference_server.store import Store

log = logging.getLogger("reference_server")

SUCCESS_MESSAGE = "Job monitoring information queried."
JSON_HEADERS = [(b"content-type", b"application/json")]


# What the app reads the time from: seconds since the epoch, as ``time.time``.
Clock = Callable[[], float]


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, clock: Clock = time.time
) -> ASGIApp:
    """Build the reference server: open (and seed) the store, wire tokens and limits.

    With no settings, they come from the ``JOBS_METRICS_*`` environment (what Granian's
    worker sees). ``store`` and ``clock`` are the stand-in's hooks (``jobs_metrics_stand_in``:
    one app per sandbox, on its own in-memory store, answering by its own clock): a given
    store is used as it is (``settings.db`` is not opened, no demo data is seeded), and the
    clock is what the ``X-Sdk-Date`` skew window, ``current_time`` and ``error_time`` read.
    """
    settings = settings or Settings.read()
    if store is None:
        store = Store(settings.db)
        store.seed_demo()
    cache = JobCache(store, enabled=not settings.no_cache)
    return JobsMetricsApp(settings, store, cache, clock=clock)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec as the app serves it: its contract, how it answers a
    refusal (:class:`RuleAnswers`), and whether its requests are signed (a field: read on
    every request)."""

    contract: Contract
    answers: RuleAnswers
    signed: bool


@dataclass(frozen=True)
class Routes:
    """Every operation of the spec and one pattern matching all their paths (a group per
    operation: its project ID), in the spec's order; read from the spec, never written here."""

    operations: tuple[Operation, ...]
    pattern: re.Pattern[bytes]
    project_ids: re.Pattern[str]

    @property
    def token(self) -> Operation:
        """The operation answering a path off the API (the first one, the CS operation)."""
        return self.operations[0]

    @property
    def successor(self) -> Operation:
        """The signed operation: it answers near misses of its path (``/streaming/``)."""
        return next(op for op in self.operations if op.signed)

    def by_id(self, operation_id: str) -> Operation:
        return next(op for op in self.operations if op.contract.operation_id == operation_id)


@cache
def spec_routes() -> Routes:
    """The routes of the toolkit's spec, built when the first app is."""
    operations = tuple(Operation(c, RuleAnswers(c), c.signed) for c in spec_operations())
    alternatives = [op.contract.path_pattern().encode() for op in operations]
    pattern = re.compile(b"|".join(b"(?:" + a + b")" for a in alternatives))
    return Routes(operations, pattern, spec_project_ids())


class Request:
    """One request as the checks see it: what they read, and what they found out."""

    __slots__ = ("body", "headers", "job_ids", "operation", "owner", "project_id", "reader",
                 "scope", "signed", "signer")  # fmt: skip

    def __init__(self, scope: Scope, reader: BodyRead, operation: Operation, project: str) -> None:
        self.scope = scope
        self.reader = reader
        self.operation = operation
        self.project_id = project
        self.headers: dict[bytes, bytes] = {}
        self.signed: dict[str, str] = {}
        self.signer: signature.Signer | None = None
        self.owner = ""
        self.body = b""
        self.job_ids: list[int] = []


class JobsMetricsApp:
    """``POST /v1.0/{project_id}/jobs/metrics`` (CS) and
    ``POST /v1.0/{project_id}/streaming/jobs/metrics`` (DLI), each with its provider's error
    contract.

    A request goes through its operation's checks (:attr:`TOKEN_CHECKS` or
    :attr:`SIGNED_CHECKS`): one ordered table each, every check naming the ``x-contract``
    rules it refuses with. A check raises :class:`Refusal` (a rule id and a cause); the
    operation's :class:`RuleAnswers` turns it into the status, code and body the spec states.
    """

    def __init__(
        self, settings: Settings, store: Store, cache: JobCache, *, clock: Clock = time.time
    ) -> None:
        self.settings = settings
        self.store = store
        self.cache = cache
        self.clock = clock
        self.routes = spec_routes()
        # Live views of the settings' credentials, taken once: the settings' property builds
        # a view per call through pydantic's private attributes (3 us of a request's 14).
        self.tokens = settings.accepted_tokens
        self.access_keys = settings.accepted_access_keys
        self._head, self._before_jobs = _envelope(success_message_id())
        self.bodies = BodyParser()
        self._body_deadlines: BodyDeadlines | None = None  # of the loop the app last ran in
        self._routed: dict[bytes, tuple[Operation, str]] = {}  # raw path -> its route
        # Opened once, in append mode and line-buffered: each request's line is one write
        # at the end of the file, so the workers' lines never interleave mid-line.
        self.access_log = (
            settings.access_log.open("a", buffering=1, encoding="utf-8")
            if settings.access_log is not None
            else None
        )

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind == "websocket":
            await self._refuse_websocket(scope, receive, send)
            return
        started = time.perf_counter()
        extra_headers: list[tuple[bytes, bytes]] = []
        operation = self.routes.token  # who answers: the request's operation once routed
        request_id = ""  # made only for the successor's answers, which carry one
        request_body = BodyRead(scope["headers"])
        try:
            operation, project_id = self.route(scope)
            request = Request(scope, request_body, operation, project_id)
            for check in _SIGNED_STEPS if operation.signed else _TOKEN_STEPS:
                pending = check(self, request)
                if pending is None:
                    continue
                if not isinstance(pending, BodyRead):
                    await pending
                    continue
                # The body, read in this frame: each coroutine level between the request's
                # task and the HTTP server's receive cost about 1.5 us a request under
                # Granian, where the read resumes from the server's thread.
                try:
                    while not request_body.take(await receive()):
                        pass
                except asyncio.CancelledError:
                    request_body.interrupted()  # the body's deadline: its refusal
                    raise
                finally:
                    request_body.stop()
                request.body = request_body.body()
            jobs = self.cache.get(request.project_id, request.job_ids, since=started)
            status = 200
            body = successor.render(jobs) if operation.signed else self.render(jobs)
        except Exception as exc:
            if isinstance(exc, Refusal):
                refusal = exc
            else:
                # Log the traceback for the operator; the caller gets the provider's
                # internal-error body and no detail.
                log.exception("internal error answering %s %s", scope.get("method"),
                              scope.get("path"))  # fmt: skip
                refusal = Refusal(INTERNAL_ERROR, "An internal error occurred.")
            if refusal.operation_id is not None:
                operation = self.routes.by_id(refusal.operation_id)
            scope[REFUSED_RULE] = refusal.rule_id  # for whoever called the app (the stand-in)
            if operation.signed:
                request_id = new_request_id()
            answer = operation.answers.answer(refusal, self._now_ms(), request_id)
            status, body = answer.status, answer.body
        if status == 405:  # either operation's refusal of another method
            extra_headers.append((b"allow", b"POST"))
        if operation.signed:  # as the provider's gateway, every answer names its request
            extra_headers.append((b"x-request-id", (request_id or new_request_id()).encode()))
        if scope.get("method") == "HEAD":  # HTTP: a HEAD answer has no body, on any path
            body = b""
        if not request_body.done and scope.get("http_version") == "1.1":
            # A refusal sent before the body was read to its end: the HTTP server cannot
            # reuse the connection and closes it after this answer. Said here, the client
            # does not send its next request into the close (RFC 9112, 9.6); unsaid, Granian
            # closed some of these connections unannounced and the client's next request got
            # no answer (7 of 1,000 under load).
            extra_headers.append((b"connection", b"close"))
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*JSON_HEADERS, *extra_headers],
            }
        )
        await send({"type": "http.response.body", "body": body})
        if self.access_log is not None:
            self._log_access(scope, status, body, operation, started)

    def _log_access(
        self, scope: Scope, status: int, body: bytes, operation: Operation, started: float
    ) -> None:
        """One JSON line: what an operator needs to see who asked what and what it got. No
        header is written (tokens, signatures); the path holds the project ID only."""
        code = None
        if status >= 400 and body:
            with contextlib.suppress(ValueError):
                answer = orjson.loads(body)
                code = answer.get(operation.contract.error_code_field)
        line = {
            "time_ms": self._now_ms(),
            "operation": self._operation_of(scope),
            "method": scope.get("method"),
            "path": clip(scope.get("path", "")),
            "status": status,
            "error": code,
            "bytes": len(body),
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }
        assert self.access_log is not None
        self.access_log.write(orjson.dumps(line).decode() + "\n")

    def _operation_of(self, scope: Scope) -> str | None:
        """The operationId whose path the request named (None: a path off the API)."""
        raw = scope.get("raw_path") or scope.get("path", "").encode()
        match = self.routes.pattern.fullmatch(raw.split(b"?", 1)[0])
        if match is None:
            return None
        return self.routes.operations[(match.lastindex or 1) - 1].contract.operation_id

    async def _refuse_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket upgrade is a GET: 405 on the API's path, 404 elsewhere, with the body.

        Sent through the ASGI WebSocket denial-response extension where the server offers it
        (Granian does); otherwise the connection can only be closed.
        """
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1003})
            return
        operation = self.routes.token
        try:
            operation, _ = self.route({**scope, "method": "GET"})
            raise AssertionError("route() refuses every GET")  # pragma: no cover
        except Refusal as refusal:
            if refusal.operation_id is not None:
                operation = self.routes.by_id(refusal.operation_id)
            request_id = new_request_id()
            answer = operation.answers.answer(refusal, self._now_ms(), request_id)
        headers = [*JSON_HEADERS, *([(b"allow", b"POST")] if answer.status == 405 else [])]
        if operation.signed:
            headers.append((b"x-request-id", request_id.encode()))
        await send(
            {"type": "websocket.http.response.start", "status": answer.status, "headers": headers}
        )
        await send({"type": "websocket.http.response.body", "body": answer.body})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.access_log is not None:
                    self.access_log.close()
                self.bodies.close()
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def route(self, scope: Scope) -> tuple[Operation, str]:
        """Return the operation whose path was asked for, and its project ID; or refuse:
        ``path-unknown`` off the API, ``method-not-allowed`` for other methods.

        A path off the API that contains ``/streaming/`` (in any letter case, also once
        percent-decoded) is a near miss of the successor's and is answered by it (its
        gateway's 404); every other unknown path by the CS operation.
        """
        raw = scope.get("raw_path") or scope["path"].encode()
        routed = self._routed.get(raw)
        if routed is None:
            routed = self._route_path(raw)
        if scope["method"] != "POST":
            cause = f"Method {clip(scope['method'])} is not supported; use POST."
            raise Refusal("method-not-allowed", cause, routed[0].contract.operation_id)
        return routed

    def _route_path(self, raw: bytes) -> tuple[Operation, str]:
        """The operation and project ID of a path (:meth:`route`), remembered for the next
        request: clients ask the same few paths (one per project) over and over, and the
        match and the decoding cost 0.5 us of a request's 9. At most ``ROUTES_REMEMBERED``
        paths of at most ``ROUTE_KEY_BYTES`` are kept (all forgotten when full: a client
        sending ever new paths gains nothing)."""
        path = raw.split(b"?", 1)[0]
        match = self.routes.pattern.fullmatch(path)
        if match is None:
            near = STREAMING in path.lower() or STREAMING in unquote_to_bytes(path).lower()
            answering = self.routes.successor if near else self.routes.token
            raise Refusal(
                "path-unknown",
                "No API is defined at this path.",
                answering.contract.operation_id,
            )
        index = match.lastindex or 0
        routed = (self.routes.operations[index - 1], unquote(match.group(index).decode("latin-1")))
        if len(raw) <= ROUTE_KEY_BYTES:
            if len(self._routed) >= ROUTES_REMEMBERED:
                self._routed.clear()
            self._routed[raw] = routed
        return routed

    def render(self, jobs: list[bytes], now_ms: int | None = None) -> bytes:
        """The CS success body: envelope, server time in ms (the app's clock unless given),
        and the validated jobs in order."""
        now = str(self._now_ms() if now_ms is None else now_ms).encode()
        return b"".join((self._head, now, self._before_jobs, b",".join(jobs), b"]}}"))

    # The checks, each naming the rules it refuses with (its table row says which).

    def check_header_size(self, request: Request) -> None:
        """``headers-too-large``: a header block over ``max_header_bytes`` (the spec's limit).

        More than 100 header fields are refused earlier, by the HTTP server, with 431."""
        limit = self.settings.max_header_bytes
        size = sum(map(len, itertools.chain.from_iterable(request.scope["headers"])))
        if size > limit:
            raise Refusal(
                "headers-too-large",
                f"headers: {size} bytes of request headers, more than the {limit} allowed",
            )

    def check_single_headers(self, request: Request) -> None:
        """``header-duplicate``: a second copy of a header the app reads (see
        :data:`SINGLE_HEADERS`)."""
        request.headers = single_headers(request.scope["headers"])

    def check_token(self, request: Request) -> None:
        """``token-missing``, ``token-unknown``: the token names the project it was issued
        for."""
        token = request.headers.get(b"x-auth-token")
        if not token:
            raise Refusal("token-missing", "There is no token in the request header.")
        owner = self.tokens.get(token.decode("latin-1"))
        if owner is None:
            raise Refusal("token-unknown", "The token is not valid for this service.")
        request.owner = owner

    def check_project_shape(self, request: Request) -> None:
        """``project-id-malformed``: the path's project ID has the spec's shape."""
        if not self.routes.project_ids.fullmatch(request.project_id):
            raise Refusal(
                "project-id-malformed", "project_id: must be 32 lowercase hexadecimal characters"
            )

    def check_token_project(self, request: Request) -> None:
        """``token-other-project``: the token's project is the path's."""
        if request.owner != request.project_id:
            raise Refusal(
                "token-other-project",
                "The project ID in the URL differs from the one in the IAM token.",
            )

    def check_content_type(self, request: Request) -> None:
        """``content-type-not-json``."""
        value = request.headers.get(b"content-type")
        if value != b"application/json":  # as clients send it (the common case) passes here
            check_content_type(value)

    def check_content_encoding(self, request: Request) -> None:
        """``content-encoding-not-identity``."""
        value = request.headers.get(b"content-encoding")
        if value is not None:  # no header (the common case) passes here
            check_content_encoding(value)

    def read_body(self, request: Request) -> BodyRead:
        """``body-too-large`` (and a body that never arrives whole: a schema violation, the
        rule of a body that is not a valid request): the declared length is checked here,
        and the body is read by :meth:`__call__` through the :class:`BodyRead` returned."""
        if request.operation.signed:  # the length as signed (the same header, one copy)
            length = request.signed.get("content-length", "").encode("latin-1") or None
        else:
            length = request.headers.get(b"content-length")
        loop = asyncio.get_running_loop()
        deadlines = self._body_deadlines
        if deadlines is None or deadlines.loop is not loop:
            deadlines = self._body_deadlines = BodyDeadlines.of_loop(loop)
        request.reader.start(length, self.settings.max_body, self.settings.body_timeout,
                             deadlines)  # fmt: skip
        return request.reader

    def check_job_ids(self, request: Request) -> Awaitable[None] | None:
        """The body's rules: malformed JSON, the schema, unknown fields, duplicate IDs, and
        numbers decided exactly (:mod:`reference_server.request_body`); a body small enough
        is decided here, without a coroutine."""
        job_ids = self.bodies.inline_job_ids(request.body)
        if job_ids is None:
            return self._job_ids_from_helper(request)
        request.job_ids = job_ids
        return None

    async def _job_ids_from_helper(self, request: Request) -> None:
        request.job_ids = await self.bodies.job_ids(request.body)

    def check_signature_headers(self, request: Request) -> None:
        """The signature's rules that the headers decide, before a byte of the body is read
        (:func:`reference_server.signature.authenticate`)."""
        request.signed = signature.signing_headers(request.scope["headers"])
        request.signer = signature.authenticate(request.signed, self.access_keys, self.clock())

    def check_signature(self, request: Request) -> None:
        """The signature over the request as received, body included."""
        assert request.signer is not None
        scope = request.scope
        raw = scope.get("raw_path") or scope["path"].encode()
        signature.verify(
            request.signer,
            scope["method"],
            raw.split(b"?", 1)[0],
            scope.get("query_string", b""),
            request.signed,
            request.body,
        )

    def check_key_project(self, request: Request) -> None:
        """``key-other-project``: the key's project is the path's, and so is
        ``X-Project-Id`` where sent."""
        assert request.signer is not None
        if request.signer.key.project_id != request.project_id:
            raise Refusal(
                "key-other-project", "The access key is not granted the project in the URL."
            )
        if request.signed.get("x-project-id", request.project_id) != request.project_id:
            raise Refusal(
                "key-other-project", "X-Project-Id differs from the project ID in the URL."
            )


@dataclass(frozen=True)
class Check:
    """One row of a check table: the ``x-contract`` rules the check refuses with (each one
    it raises), the check (a method of the app: None when it passes, an awaitable, or the
    body's reader, which the app reads the body through), and the rules whose cases it
    decides but answers under one of ``rules`` (a number no parser holds is refused as the
    schema violation it is; the spec's rule for it says so).

    The order of a table is the order the spec's rules state; some checks also read what an
    earlier one found (the headers as a dict, the signer, the body), so a row goes after
    those it reads."""

    rules: tuple[str, ...]
    method: Callable[[JobsMetricsApp, Request], Awaitable[None] | BodyRead | None]
    covers: tuple[str, ...] = ()


# The token operation's checks, in order: the headers' size, then who asks (the token), the
# path's project, the media type, and only then the body is read.
TOKEN_CHECKS = (
    Check(("headers-too-large",), JobsMetricsApp.check_header_size),
    Check(("header-duplicate",), JobsMetricsApp.check_single_headers),
    Check(("token-missing", "token-unknown"), JobsMetricsApp.check_token),
    Check(("project-id-malformed",), JobsMetricsApp.check_project_shape),
    Check(("token-other-project",), JobsMetricsApp.check_token_project),
    Check(("content-type-not-json",), JobsMetricsApp.check_content_type),
    Check(("content-encoding-not-identity",), JobsMetricsApp.check_content_encoding),
    Check(("body-too-large",), JobsMetricsApp.read_body),
    Check(request_body.RULES, JobsMetricsApp.check_job_ids, request_body.COVERED),
)
# The signed operation's checks, in the order its x-contract rules state: limits, then the
# signature (what the headers decide before the body is read, the signature over the body as
# received after), then the project ID's shape (before the key's project is compared, as
# ``key-other-project`` says), then the body. So a correctly signed request with a malformed
# project ID or body is refused for that, and an unsigned one is 401 whatever else is wrong.
SIGNED_CHECKS = (
    Check(("headers-too-large",), JobsMetricsApp.check_header_size),
    Check(signature.AUTHENTICATE_RULES, JobsMetricsApp.check_signature_headers),
    Check(("body-too-large",), JobsMetricsApp.read_body),
    Check(signature.VERIFY_RULES, JobsMetricsApp.check_signature),
    Check(("project-id-malformed",), JobsMetricsApp.check_project_shape),
    Check(("key-other-project",), JobsMetricsApp.check_key_project),
    Check(("header-duplicate",), JobsMetricsApp.check_single_headers),
    Check(("content-type-not-json",), JobsMetricsApp.check_content_type),
    Check(("content-encoding-not-identity",), JobsMetricsApp.check_content_encoding),
    Check(request_body.RULES, JobsMetricsApp.check_job_ids, request_body.COVERED),
)
# The tables' checks alone, in order: what a request runs through (a row's rules are for
# readers and tests; looking them up per request cost 2 us of the app's 15).
_TOKEN_STEPS = tuple(check.method for check in TOKEN_CHECKS)
_SIGNED_STEPS = tuple(check.method for check in SIGNED_CHECKS)
# The rules :meth:`JobsMetricsApp.route` refuses with, before any check: a path off the API
# or another method; and the rule whose case it decides under ``path-unknown`` (a path the
# API would match once normalised is off it too).
ROUTE_RULES = ("path-unknown", "method-not-allowed")
ROUTE_COVERS = ("path-normalisation",)
# The scope key the app writes a refused request's rule id under: a caller of the app (the
# stand-in's sandboxes, whose journal names the rule a request met) reads it after the call;
# an HTTP server ignores it.
REFUSED_RULE = "jobs_metrics.refused_rule"
# The rule a request meets when an unexpected error stops the checks (a bug of ours).
INTERNAL_ERROR = "internal-error"
STREAMING = b"/streaming/"
# How many paths the app remembers the route of (JobsMetricsApp._route_path), one per
# project a client asks for, and the longest remembered (an API path is about 60 bytes):
# 256 KiB of keys at most.
ROUTES_REMEMBERED = 1024
ROUTE_KEY_BYTES = 256


def new_request_id() -> str:
    """A request ID as the provider's gateway writes one (32 hex digits)."""
    return os.urandom(16).hex()


# Headers the app reads: sent twice, a proxy reading the first and this server reading the
# last would disagree about who is asking or what the body is, so a second copy is refused.
SINGLE_HEADERS = (b"x-auth-token", b"content-type", b"content-encoding")


def single_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The headers as a dict; refuse a second copy of any header in ``SINGLE_HEADERS``."""
    headers = dict(raw)
    if len(headers) == len(raw):  # no name twice (the common case): nothing to refuse
        return headers
    headers = {}
    for name, value in raw:
        if name in headers and name in SINGLE_HEADERS:
            raise Refusal(
                "header-duplicate",
                f"{name.decode('latin-1')}: sent more than once; send it exactly once",
            )
        headers[name] = value
    return headers


def check_content_encoding(value: bytes | None) -> None:
    """Refuse a compressed body: the service reads bodies as sent (``identity``) only.

    Decompressing would add a second size limit to enforce (a 1 KiB gzip body can inflate to
    gigabytes); refusing says plainly what to change, where ignoring the header made a gzip
    body look like broken JSON.
    """
    if value is not None and value.strip().lower() not in (b"", b"identity"):
        raise Refusal(
            "content-encoding-not-identity",
            f"Content-Encoding: {clip(value.decode('latin-1'))} is not supported;"
            " send the body uncompressed",
        )


def check_content_type(value: bytes | None) -> None:
    if value == b"application/json":  # as clients send it (the common case)
        return
    media = (value or b"").split(b";", 1)[0].strip().lower()
    if media != b"application/json":
        raise Refusal(
            "content-type-not-json", "Content-Type: the request body must be application/json"
        )


class BodyRead:
    """The request's body as it is read: whether it has been read to its end (a request
    that declares none has no body to read), and the rules of reading it.

    The body is refused over ``limit`` bytes or slower than ``timeout`` seconds. The size
    is refused without reading the body whole (a declared length is checked before a byte
    is read). The time limit covers the whole body, not each read: a client trickling one
    byte every second would otherwise hold its connection (and a slot of the HTTP server's
    connection limit) for as long as it likes. The limit is enforced by
    :class:`BodyDeadlines` (to within ``SWEEP_SECONDS``).

    The reading loop itself is in :meth:`JobsMetricsApp.__call__` (``take`` each message
    received until it returns True): the coroutine it would otherwise need cost time.
    """

    __slots__ = ("_chunks", "_deadlines", "_limit", "_size", "_task", "_timeout", "ended",
                 "headers")  # fmt: skip

    def __init__(self, headers: list[tuple[bytes, bytes]]) -> None:
        self.headers = headers
        self.ended = False  # the last part of the body was received, or the client is gone
        self._chunks: list[bytes] = []
        self._size = 0
        self._limit = 0
        self._timeout = 0.0
        self._deadlines: BodyDeadlines | None = None
        self._task: asyncio.Task[Any] | None = None

    @property
    def done(self) -> bool:
        """Whether nothing of the body is left unread (the headers are read only when the
        body was not: most requests read theirs to the end)."""
        return self.ended or not any(
            name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0")
            for name, value in self.headers
        )

    def start(
        self, length: bytes | None, limit: int, timeout: float, deadlines: BodyDeadlines
    ) -> None:
        """Refuse a declared length over ``limit``; start the body's clock."""
        self._limit, self._timeout = limit, timeout
        if length is not None:
            if not length.isdigit():
                raise Refusal("body-schema-violation", "Content-Length: not a number of bytes")
            if int(length) > limit:
                raise Refusal("body-too-large", self._too_large())
        self._deadlines = deadlines
        self._task = deadlines.watch(timeout)

    def _too_large(self) -> str:
        return f"body: the request body is larger than {self._limit} bytes"

    def take(self, message: Message) -> bool:
        """Add one message of the body; True once the body is whole."""
        if message["type"] != "http.request":
            self.ended = True
            raise Refusal("body-schema-violation", "body: the client closed the connection")
        more = message.get("more_body", False)
        self.ended = not more  # read to its end even if refused for its size below
        chunk = message.get("body", b"")
        self._size += len(chunk)
        if self._size > self._limit:
            raise Refusal("body-too-large", self._too_large())
        self._chunks.append(chunk)
        return not more

    def body(self) -> bytes:
        chunks = self._chunks
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def interrupted(self) -> None:
        """After a cancellation of the read: the refusal if the body's deadline caused it
        (the task is uncancelled); nothing if something else did."""
        task, deadlines = self._task, self._deadlines
        if task is None or deadlines is None or not deadlines.expired(task):
            return
        task.uncancel()
        raise Refusal(
            "body-schema-violation",
            f"body: {self._size} bytes received in {self._timeout:g} s, the time allowed for"
            " the whole body",
        ) from None

    def stop(self) -> None:
        """Stop the body's clock (read, refused or abandoned)."""
        if self._task is not None and self._deadlines is not None:
            self._deadlines.forget(self._task)
            self._task = None


# How often body deadlines are looked at: a body may take up to this much longer than its
# limit before it is refused.
SWEEP_SECONDS = 0.1


class BodyDeadlines:
    """The deadlines of the bodies being read in one event loop, and one task that cancels
    a reader past its deadline.

    Why not ``asyncio.timeout`` per request: it schedules and cancels a timer on the loop's
    heap for every request, 7 us of the 24 us the app spent on a request (the request rate
    fell 30% against a version without it). Here a request costs a dict insert and delete;
    one sweep every ``SWEEP_SECONDS`` does the rest, and only while bodies are being read.
    """

    # One per event loop: tests and scripts run the app under a new loop per call.
    _by_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BodyDeadlines]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._deadlines: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    def of_loop(cls, loop: asyncio.AbstractEventLoop) -> BodyDeadlines:
        deadlines = cls._by_loop.get(loop)
        if deadlines is None:
            deadlines = cls._by_loop[loop] = cls(loop)
        return deadlines

    def watch(self, timeout: float) -> asyncio.Task[Any]:
        """Note the current task's deadline, ``timeout`` seconds from now."""
        task = asyncio.current_task(self.loop)
        assert task is not None, "bodies are read inside a task"
        self._deadlines[task] = self.loop.time() + timeout
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = self.loop.create_task(self._sweep())
        return task

    def expired(self, task: asyncio.Task[Any]) -> bool:
        """Whether ``task`` was cancelled for its deadline (not for another reason)."""
        return task in self._expired

    def forget(self, task: asyncio.Task[Any]) -> None:
        self._deadlines.pop(task, None)
        self._expired.discard(task)

    async def _sweep(self) -> None:
        while self._deadlines:
            await asyncio.sleep(SWEEP_SECONDS)
            now = self.loop.time()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()


@cache
def success_message_id() -> str:
    """The ``message_id`` of a CS success: the one of the provider's own example answer (the
    first example of the operation's 200 response, kept verbatim in the spec)."""
    token = spec_routes().token.contract
    media = spec_document()["paths"][token.path][token.method]["responses"]["200"]["content"]
    examples = media["application/json"]["examples"]
    return str(next(iter(examples.values()))["value"]["message_id"])


@cache
def _envelope(message_id: str) -> tuple[bytes, bytes]:
    """The success body around the time and the jobs, checked once against the generated
    model."""
    marker = 7_777_777_777_777
    envelope = RESPONSE.validate_python(
        {
            "message_id": message_id,
            "message": SUCCESS_MESSAGE,
            "current_time": marker,
            "payload": {"jobs": []},
        },
        extra="forbid",
    )
    template = RESPONSE.dump_json(envelope, exclude_none=True).decode()
    head, tail = template.split(str(marker))
    assert tail.endswith("[]}}"), tail
    return head.encode(), tail[: -len("]}}")].encode()
