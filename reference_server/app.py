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
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import unquote, unquote_to_bytes

import orjson

from jobs_metrics_spec import operations, project_id_pattern, spec_document
from reference_server import errors, signature, successor
from reference_server.adapters import RESPONSE
from reference_server.asgi_types import ASGIApp, Message, Receive, Scope, Send
from reference_server.body_helper import BodyParser
from reference_server.cache import JobCache
from reference_server.errors import ApiError, DliError
from reference_server.settings import Settings
from reference_server.store import Store

log = logging.getLogger("reference_server")

PROJECT_ID = project_id_pattern(spec_document())
SUCCESS_MESSAGE_ID = "CS.10001"  # as in the provider's success example; see the spec
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


class JobsMetricsApp:
    """``POST /v1.0/{project_id}/jobs/metrics`` (CS) and
    ``POST /v1.0/{project_id}/streaming/jobs/metrics`` (DLI), each with its provider's error
    contract."""

    def __init__(
        self, settings: Settings, store: Store, cache: JobCache, *, clock: Clock = time.time
    ) -> None:
        self.settings = settings
        self.store = store
        self.cache = cache
        self.clock = clock
        self.bodies = BodyParser()
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
        dli = False  # answering the successor operation (DLI's error body and request ID)
        request_id = ""  # made only for the successor's answers, which carry one
        request_body = BodyRead(receive, scope["headers"])
        try:
            dli, project_id = route(scope)
            if dli:
                status, body = await self._handle_successor(scope, request_body, project_id)
            else:
                status, body = await self._handle(scope, request_body, project_id)
        except ApiError as exc:
            status, body = exc.status, exc.body(self._now_ms())
        except DliError as exc:
            dli = True
            request_id = new_request_id()
            status, body = exc.status, exc.body(request_id)
        except Exception:
            # Log the traceback for the operator; the caller gets the provider's
            # internal-error body and no detail.
            log.exception("internal error answering %s %s", scope.get("method"), scope.get("path"))
            if dli:
                request_id = new_request_id()
                status = successor.INTERNAL.status
                body = errors.dli_error_body(
                    successor.INTERNAL, "An internal error occurred.", request_id
                )
            else:
                status = 400
                body = errors.error_body(
                    errors.INTERNAL, "An internal error occurred.", self._now_ms()
                )
        if status == 405:  # either operation's refusal of another method
            extra_headers.append((b"allow", b"POST"))
        if dli:  # as the provider's gateway, every answer of the successor names its request
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
            self._log_access(scope, status, body, dli, started)

    def _log_access(
        self, scope: Scope, status: int, body: bytes, dli: bool, started: float
    ) -> None:
        """One JSON line: what an operator needs to see who asked what and what it got. No
        header is written (tokens, signatures); the path holds the project ID only."""
        code = None
        if status >= 400 and body:
            with contextlib.suppress(ValueError):
                answer = orjson.loads(body)
                code = answer.get("error_code" if dli else "error_id")
        line = {
            "time_ms": self._now_ms(),
            "operation": _operation_of(scope),
            "method": scope.get("method"),
            "path": errors.clip(scope.get("path", "")),
            "status": status,
            "error": code,
            "bytes": len(body),
            "ms": round((time.perf_counter() - started) * 1000, 3),
        }
        assert self.access_log is not None
        self.access_log.write(orjson.dumps(line).decode() + "\n")

    async def _refuse_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket upgrade is a GET: 405 on the API's path, 404 elsewhere, with the body.

        Sent through the ASGI WebSocket denial-response extension where the server offers it
        (Granian does); otherwise the connection can only be closed.
        """
        await receive()  # websocket.connect
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1003})
            return
        request_id = new_request_id()
        try:
            route({**scope, "method": "GET"})
            raise AssertionError("route() refuses every GET")  # pragma: no cover
        except ApiError as exc:
            status, body, dli = exc.status, exc.body(), False
        except DliError as exc:
            status, body, dli = exc.status, exc.body(request_id), True
        headers = [*JSON_HEADERS, *([(b"allow", b"POST")] if status == 405 else [])]
        if dli:
            headers.append((b"x-request-id", request_id.encode()))
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})

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

    async def _handle(self, scope: Scope, receive: Receive, project_id: str) -> tuple[int, bytes]:
        check_header_size(scope["headers"], self.settings.max_header_bytes)
        headers = single_headers(scope["headers"])
        owner = self._authenticate(headers.get(b"x-auth-token"))
        if not PROJECT_ID.fullmatch(project_id):
            raise ApiError(
                errors.INVALID_PARAMETER,
                "project_id: must be 32 lowercase hexadecimal characters",
            )
        if owner != project_id:
            raise ApiError(
                errors.PROJECT_MISMATCH,
                "The project ID in the URL differs from the one in the IAM token.",
            )
        check_content_type(headers.get(b"content-type"))
        check_content_encoding(headers.get(b"content-encoding"))
        body = await read_body(
            receive,
            headers.get(b"content-length"),
            self.settings.max_body,
            self.settings.body_timeout,
        )
        job_ids = await self.bodies.job_ids(body)
        return 200, render(self.cache.get(project_id, job_ids), self._now_ms())

    async def _handle_successor(
        self, scope: Scope, receive: Receive, project_id: str
    ) -> tuple[int, bytes]:
        """The successor operation, its checks in the order its ``x-contract`` rules state:
        limits, then the signature (everything the headers decide before the body is read, the
        signature over the body as received after), then the project ID's shape (before the
        key's project is compared, as ``key-other-project`` says), then the body. So a
        correctly signed request with a malformed project ID or body is ``DLI.0001``, and an
        unsigned one is 401 whatever else is wrong with it."""
        try:
            check_header_size(scope["headers"], self.settings.max_header_bytes)
            signed = signature.signing_headers(scope["headers"])
            signer = signature.authenticate(
                signed, self.settings.accepted_access_keys, self.clock()
            )
            body = await read_body(
                receive,
                signed.get("content-length", "").encode("latin-1") or None,
                self.settings.max_body,
                self.settings.body_timeout,
            )
            raw = scope.get("raw_path") or scope["path"].encode()
            signature.verify(
                signer,
                scope["method"],
                raw.split(b"?", 1)[0],
                scope.get("query_string", b""),
                signed,
                body,
            )
            if not PROJECT_ID.fullmatch(project_id):
                raise DliError(
                    successor.INVALID_PARAMETER,
                    "project_id: must be 32 lowercase hexadecimal characters",
                )
            if signer.key.project_id != project_id:
                raise DliError(
                    successor.FORBIDDEN,
                    "The access key is not granted the project in the URL.",
                )
            if signed.get("x-project-id", project_id) != project_id:
                raise DliError(
                    successor.FORBIDDEN, "X-Project-Id differs from the project ID in the URL."
                )
            headers = single_headers(scope["headers"])
            check_content_type(headers.get(b"content-type"))
            check_content_encoding(headers.get(b"content-encoding"))
            job_ids = await self.bodies.job_ids(body)
        except ApiError as exc:  # the CS checks' refusals, in DLI's words
            internal = exc.code is errors.INTERNAL
            raise DliError(
                successor.INTERNAL if internal else successor.INVALID_PARAMETER, exc.cause
            ) from None
        return 200, successor.render(self.cache.get(project_id, job_ids))

    def _authenticate(self, token: bytes | None) -> str:
        """Return the project the token was issued for."""
        if not token:
            raise ApiError(errors.TOKEN_MISSING, "There is no token in the request header.")
        owner = self.settings.accepted_tokens.get(token.decode("latin-1"))
        if owner is None:
            raise ApiError(errors.NO_PERMISSION, "The token is not valid for this service.")
        return owner


def _operation_of(scope: Scope) -> str | None:
    """The operationId whose path the request named (None: a path off the API)."""
    raw = scope.get("raw_path") or scope.get("path", "").encode()
    match = _ROUTES.fullmatch(raw.split(b"?", 1)[0])
    return _OPERATION_IDS[(match.lastindex or 1) - 1] if match else None


def new_request_id() -> str:
    """A request ID as the provider's gateway writes one (32 hex digits)."""
    return os.urandom(16).hex()


def _routes() -> re.Pattern[bytes]:
    """One pattern matching the path of every operation of the spec, a group per operation
    (its project ID), in the spec's order; read from the spec, never written here."""
    alternatives = []
    for contract in operations(spec_document()):
        literal = [re.escape(part.encode()) for part in contract.path.split("{project_id}")]
        alternatives.append(b"([^/]*)".join(literal))
    return re.compile(b"|".join(b"(?:" + a + b")" for a in alternatives))


_ROUTES = _routes()
# Whether each operation (in the order of the pattern's groups) is the signed successor.
_SIGNED = [contract.signed for contract in operations(spec_document())]
_OPERATION_IDS = [contract.operation_id for contract in operations(spec_document())]
STREAMING = b"/streaming/"


def route(scope: Scope) -> tuple[bool, str]:
    """Return whether the path is the successor's, and its project ID; or refuse: 404 off the
    API, 405 for other methods.

    A path off the API that contains ``/streaming/`` (in any letter case, also once
    percent-decoded) is a near miss of the successor's and gets its gateway's 404
    (``APIGW.0101``, DLI's body); every other unknown path keeps the CS operation's 404.
    """
    raw = scope.get("raw_path") or scope["path"].encode()
    path = raw.split(b"?", 1)[0]
    match = _ROUTES.fullmatch(path)
    if match is None:
        if STREAMING in path.lower() or STREAMING in unquote_to_bytes(path).lower():
            raise DliError(successor.PATH_UNKNOWN, "No API is defined at this path.")
        raise ApiError(errors.INVALID_PARAMETER, "No API is defined at this path.", status=404)
    index = match.lastindex or 0
    dli = _SIGNED[index - 1]
    project = match.group(index)
    if scope["method"] != "POST":
        cause = f"Method {errors.clip(scope['method'])} is not supported; use POST."
        if dli:
            raise DliError(successor.METHOD_NOT_ALLOWED, cause)
        raise ApiError(errors.INVALID_PARAMETER, cause, 405)
    return dli, unquote(project.decode("latin-1"))


def check_header_size(headers: list[tuple[bytes, bytes]], limit: int) -> None:
    """Refuse a header block over ``limit`` bytes (the spec's ``max_header_bytes``).

    More than 100 header fields are refused earlier, by the HTTP server, with 431.
    """
    size = sum(map(len, itertools.chain.from_iterable(headers)))
    if size > limit:
        raise ApiError(
            errors.INVALID_PARAMETER,
            f"headers: {size} bytes of request headers, more than the {limit} allowed",
        )


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
            raise ApiError(
                errors.INVALID_PARAMETER,
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
        raise ApiError(
            errors.INVALID_PARAMETER,
            f"Content-Encoding: {errors.clip(value.decode('latin-1'))} is not supported;"
            " send the body uncompressed",
        )


def check_content_type(value: bytes | None) -> None:
    if value == b"application/json":  # as clients send it (the common case)
        return
    media = (value or b"").split(b";", 1)[0].strip().lower()
    if media != b"application/json":
        raise ApiError(
            errors.INVALID_PARAMETER, "Content-Type: the request body must be application/json"
        )


class BodyRead:
    """The request's ``receive``, noting whether the body has been read to its end (a
    request that declares none has no body to read)."""

    def __init__(self, receive: Receive, headers: list[tuple[bytes, bytes]]) -> None:
        self._receive = receive
        self._headers = headers
        self._ended = False  # the last part of the body was received, or the client is gone

    @property
    def done(self) -> bool:
        """Whether nothing of the body is left unread (the headers are read only when the
        body was not: most requests read theirs to the end)."""
        return self._ended or not any(
            name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0")
            for name, value in self._headers
        )

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._ended = True
        return message


async def read_body(receive: Receive, length: bytes | None, limit: int, timeout: float) -> bytes:
    """Read the body, refusing one over ``limit`` bytes or slower than ``timeout`` seconds.

    The size is refused without reading the body whole. The time limit covers the whole body,
    not each read: a client trickling one byte every second would otherwise hold its
    connection (and a slot of the HTTP server's connection limit) for as long as it likes.
    The limit is enforced by :class:`BodyDeadlines` (to within ``SWEEP_SECONDS``).
    """
    too_large = f"body: the request body is larger than {limit} bytes"
    if length is not None:
        if not length.isdigit():
            raise ApiError(errors.INVALID_PARAMETER, "Content-Length: not a number of bytes")
        if int(length) > limit:
            raise ApiError(errors.INVALID_PARAMETER, too_large)
    chunks: list[bytes] = []
    size = 0
    deadlines = BodyDeadlines.of_running_loop()
    task = deadlines.watch(timeout)
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ApiError(errors.INVALID_PARAMETER, "body: the client closed the connection")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiError(errors.INVALID_PARAMETER, too_large)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
    except asyncio.CancelledError:
        if not deadlines.expired(task):
            raise
        task.uncancel()
        raise ApiError(
            errors.INVALID_PARAMETER,
            f"body: {size} bytes received in {timeout:g} s, the time allowed for the whole body",
        ) from None
    finally:
        deadlines.forget(task)


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
        self._loop = loop
        self._deadlines: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    def of_running_loop(cls) -> BodyDeadlines:
        loop = asyncio.get_running_loop()
        deadlines = cls._by_loop.get(loop)
        if deadlines is None:
            deadlines = cls._by_loop[loop] = cls(loop)
        return deadlines

    def watch(self, timeout: float) -> asyncio.Task[Any]:
        """Note the current task's deadline, ``timeout`` seconds from now."""
        task = asyncio.current_task()
        assert task is not None, "bodies are read inside a task"
        self._deadlines[task] = self._loop.time() + timeout
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = self._loop.create_task(self._sweep())
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
            now = self._loop.time()
            for task, deadline in list(self._deadlines.items()):
                if deadline <= now and task not in self._expired:
                    self._expired.add(task)
                    task.cancel()


def _envelope() -> tuple[bytes, bytes]:
    """The success body around the jobs, checked once against the generated model."""
    marker = 7_777_777_777_777
    envelope = RESPONSE.validate_python(
        {
            "message_id": SUCCESS_MESSAGE_ID,
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


_HEAD, _BEFORE_JOBS = _envelope()


def render(jobs: list[bytes], now_ms: int | None = None) -> bytes:
    """The success body: envelope, server time in ms (now unless given), and the validated
    jobs in order."""
    now = str(time.time_ns() // 1_000_000 if now_ms is None else now_ms).encode()
    return b"".join((_HEAD, now, _BEFORE_JOBS, b",".join(jobs), b"]}}"))
