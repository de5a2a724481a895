"""The stand-in's ASGI app: the spec's operations for every sandbox, and the control API.

One app in one worker process holds every sandbox (their state is Python objects, shared by
nothing else). A request reaches:

- ``CONTROL_PREFIX`` (``/_stand-in/``): the control API (:mod:`jobs_metrics_stand_in.control`);
- anything else: the sandbox its credential names (the ``X-Auth-Token``, or the access key of
  an ``SDK-HMAC-SHA256`` ``Authorization``), else the sandbox whose project ID its path holds,
  else a sandbox-less reference app that knows no credential (answered, not journaled). So
  every sandbox is served at the server's root URL, on exactly the spec's paths, and one
  sandbox's credentials meet another's project as the provider's do (``CS.10006``, 403).

In a sandbox a request goes through, in order: the throttle (the gateway's 429), the script's
delays, its faults that answer nothing, its scripted answer or the token's expiry, the
sandbox's reference app; then the answer is sent, whole or as a fault says. Each request is
journaled with what answered it.

Sandboxes are built in advance (``Registry.make_ready``): once a client creates sandboxes
with fresh credentials (a suite creating one per test), the server keeps a few ready, so that
a create takes one instead of building it while the test waits. One is built as soon as a
create took the last (in the loop's next turn, after that answer is sent); the others, up to
``READY_SANDBOXES``, when no request has started or ended for ``IDLE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from jobs_metrics_spec import aksk
from jobs_metrics_stand_in import faults
from jobs_metrics_stand_in.contract import (
    ACCEPTED_RULE,
    JSON,
    THROTTLED_RULE,
    TOKEN_EXPIRED_RULE,
    Answer,
    Operation,
    operation_of_path,
    project_of_path,
    rule_answer,
    spec_operations,
    throttled_answer,
)
from jobs_metrics_stand_in.limits import MAX_HANG_SECONDS, MAX_JOURNAL_BODY_BYTES
from jobs_metrics_stand_in.names import (
    CONTROL_PREFIX,
    CONTROL_SOCKET_FAILED,
    ENV_ANNOUNCE,
    ENV_CONTROL_SOCKET,
    ENV_CONTROL_TOKEN,
    ENV_SCRIPT,
)
from jobs_metrics_stand_in.sandbox import Registry, Sandbox
from jobs_metrics_stand_in.script import DEFAULT_DRIBBLE_SECONDS, Entry, decide
from reference_server import (
    REFUSED_RULE,
    Message,
    Receive,
    Scope,
    Send,
    Settings,
    Store,
    create_app,
)

if TYPE_CHECKING:
    from jobs_metrics_stand_in.control_socket import ControlSocket

REDACTED = "<redacted>"
# Pieces a dribbled body is sent in (fewer for a shorter body: one byte each).
DRIBBLE_PIECES = 10
# Seconds with no request starting or ending after which the server builds one more ready
# sandbox (one is built at once whenever none is ready; these fill the rest, each ~0.1 ms
# of work with its warmed store, which a request arriving meanwhile waits for): longer than
# the gaps between a test's calls (from one test's teardown to the next one's first script
# entry, about a millisecond, pytest's own work between them), shorter than the moments a
# test spends in its own code (making an HTTP client alone takes longer).
IDLE_SECONDS = 0.005


@dataclass(frozen=True)
class StandInConfig:
    """What the stand-in is told besides the reference server's settings."""

    control_token: str | None = None
    script: Path | None = None
    control_socket: Path | None = None  # the control API on a local socket as well

    @classmethod
    def from_environment(cls) -> StandInConfig:
        script = os.environ.get(ENV_SCRIPT)
        socket = os.environ.get(ENV_CONTROL_SOCKET)
        return cls(
            os.environ.get(ENV_CONTROL_TOKEN) or None,
            Path(script) if script else None,
            Path(socket) if socket else None,
        )


def create_stand_in_app() -> StandInApp:
    """The app factory Granian's worker calls (configuration from the environment)."""
    return StandInApp(Settings.read(), StandInConfig.from_environment())


class StandInApp:
    def __init__(self, settings: Settings, config: StandInConfig) -> None:
        from jobs_metrics_stand_in.control import ControlApi
        from jobs_metrics_stand_in.scriptfile import load_script_file

        self.settings = settings
        self.config = config
        self.registry = Registry(settings)
        self.control = ControlApi(self.registry, config.control_token)
        nobody = settings.with_only_credentials(tokens="", aksk="")
        self.nobody = create_app(nobody, store=Store(Path(":memory:")))
        if config.script is not None:
            load_script_file(config.script, self.registry)
        self.last_request = time.monotonic()  # a request's start or end, whichever is later
        # The timer that builds the next ready sandbox, with its loop (an app driven by
        # several loops in turn, as tests do, schedules anew on each).
        self._ready_timer: tuple[asyncio.AbstractEventLoop, asyncio.TimerHandle] | None = None
        self._control_socket: ControlSocket | None = None
        self._next_ready_due = False  # ``_make_next_ready`` is scheduled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            await self.nobody(scope, receive, send)
            return
        self.last_request = time.monotonic()
        try:
            if scope["path"].startswith(CONTROL_PREFIX):
                await self.control(scope, receive, send)
            else:
                await self._api(scope, receive, send)
        finally:
            self._touched()

    def _touched(self) -> None:
        """A request or control call started or ended: the idle clock starts again; and
        when no sandbox is ready (a create took the last one), one is built at once."""
        self.last_request = time.monotonic()
        if self.registry.wants_ready():
            if not self.registry.ready and not self._next_ready_due:
                self._next_ready_due = True
                asyncio.get_running_loop().call_soon(self._make_next_ready)
            self._schedule_ready(IDLE_SECONDS)

    def _make_next_ready(self) -> None:
        """The next create's sandbox, built in the loop's next turn (after the answer that
        took the last one was sent), not in an idle moment: a suite creating a sandbox per
        test leaves none of ``IDLE_SECONDS``, so every create built its own while its
        caller waited (~50 us, and the pytest plugin's next setup waited for it). Built
        now it is ready long before: the next create comes a test later."""
        self._next_ready_due = False
        if self.registry.wants_ready() and not self.registry.ready:
            self.registry.make_ready()

    def _schedule_ready(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        if self._ready_timer is not None and self._ready_timer[0] is loop:
            return  # already due on this loop
        self._ready_timer = (loop, loop.call_later(delay, self._make_ready_when_idle))

    def _make_ready_when_idle(self) -> None:
        """Build one ready sandbox if no request started or ended for ``IDLE_SECONDS``, then
        look again until the registry has enough; else wait for the quiet to last."""
        self._ready_timer = None
        if not self.registry.wants_ready():
            return
        quiet = time.monotonic() - self.last_request
        if quiet < IDLE_SECONDS:
            self._schedule_ready(IDLE_SECONDS - quiet)
            return
        self.registry.make_ready()
        if self.registry.wants_ready():
            self._schedule_ready(IDLE_SECONDS)  # the next one after as long: requests first

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.config.control_socket is not None:
                    from jobs_metrics_stand_in.control_socket import serve_control_socket

                    try:
                        self._control_socket = await serve_control_socket(
                            self.config.control_socket, self.control, self._touched
                        )
                    except OSError as exc:
                        reason = f"{self.config.control_socket}: {exc.strerror}"
                        said = f"stand-in: {CONTROL_SOCKET_FAILED} {reason}"
                        print(said, file=sys.stderr, flush=True)
                        await send({"type": "lifespan.startup.failed", "message": reason})
                        return
                announce = os.environ.get(ENV_ANNOUNCE)
                if announce:
                    print(announce, file=sys.stderr, flush=True)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._ready_timer is not None:
                    self._ready_timer[1].cancel()
                    self._ready_timer = None
                if self._control_socket is not None:
                    self._control_socket.close()
                    self._control_socket = None
                self.registry.close_all()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _route(self, scope: Scope) -> tuple[Sandbox | None, str | None]:
        """The sandbox of a request, and the credential it presents (token or access key)."""
        token = authorization = None
        for name, value in scope["headers"]:
            if name == b"x-auth-token":
                token = value.decode("latin-1")
            elif name == b"authorization":
                authorization = value.decode("latin-1")
        access_key = None
        if authorization is not None:
            parsed = aksk.parse_authorization(authorization)
            access_key = parsed.access_key if parsed is not None else None
        registry = self.registry
        sandbox = (
            (registry.by_token.get(token) if token is not None else None)
            or (registry.by_access_key.get(access_key) if access_key is not None else None)
            or registry.by_project.get(project_of_path(raw_path(scope)) or "")
        )
        return sandbox, token if token is not None else access_key

    async def _api(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._control_socket is not None:
            # Control calls sent before this request and not yet read (a script entry sent
            # without waiting for its answer) are run first: the request meets them.
            self._control_socket.drain()
        sandbox, credential = self._route(scope)
        if sandbox is None:
            await self.nobody(scope, receive, send)
            return
        path = raw_path(scope)
        op, _ = operation_of_path(path)
        messages, body, complete = await pre_read(
            receive, scope["headers"], self.settings.max_body, self.settings.body_timeout
        )
        replay = Replay(messages, receive)
        decoded, job_ids = decode(body if complete else None)
        record = journal_record(sandbox, scope, op, body, decoded, job_ids)
        try:
            answer = await self._answer(sandbox, scope, replay, op, credential, job_ids, record)
            if answer is not None:
                await deliver(scope, send, answer, complete, record)
        finally:
            sandbox.journal.add(record)

    async def _answer(self, sandbox: Sandbox, scope: Scope, replay: Replay, op: Operation | None,
                      credential: str | None, job_ids: list[int],
                      record: dict[str, Any]) -> Answer | None:  # fmt: skip
        """The answer to send (None: the connection was dropped instead)."""
        if sandbox.throttle is not None and sandbox.throttle.exceeded(credential or ""):
            throttled = throttled_answer(op or spec_operations()[0])
            body = orjson.loads(throttled.body)
            record.update(rule=THROTTLED_RULE, verdict="refused", status=throttled.status,
                          error_code=body["error_code"], reason=body["error_msg"])  # fmt: skip
            return throttled
        scripted_op = op.id if op is not None and scope["method"] == "POST" else None
        decision = decide(sandbox.entries, scripted_op, job_ids, credential)
        record["script_entries"] = decision.entries
        if decision.delay:
            record["delay_seconds"] = decision.delay
            await asyncio.sleep(decision.delay)
        fault = decision.fault
        if fault is not None:
            record["fault"] = fault.spec.fault
            record["answered_by"] = fault.id
            if fault.spec.fault in ("reset", "empty", "hang"):
                if fault.spec.fault == "hang":
                    await wait_for_disconnect(replay, fault.spec.seconds or MAX_HANG_SECONDS)
                record["verdict"] = "fault"
                with contextlib.suppress(faults.ConnectionNotFound):
                    faults.drop(scope, reset=fault.spec.fault == "reset")
                return None
        answer: Answer | None = None
        now_ms = int(sandbox.clock() * 1000)
        if decision.answer is not None and op is not None:
            entry = decision.answer
            record["answered_by"] = record["answered_by"] or entry.id
            if entry.spec.answer is not None:
                answer = Answer(200, (JSON,), orjson.dumps(entry.spec.answer))
            else:
                record["rule"] = entry.rules[op.id].id
                answer = rule_answer(op, entry.rules[op.id], now_ms)
        elif token_expired(sandbox, op, scope):
            assert op is not None
            record["rule"] = TOKEN_EXPIRED_RULE
            answer = rule_answer(op, op.contract.rule(TOKEN_EXPIRED_RULE), now_ms)
        if answer is None:
            answer = await run_app(sandbox, scope, replay)
            record["rule"] = scope.get(REFUSED_RULE)  # the app's own: exact, even for a code
            # several rules share
        judge(record, op, answer)
        if fault is not None:
            record["transport"] = fault
        return answer


def raw_path(scope: Scope) -> str:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return raw.split(b"?", 1)[0].decode("latin-1")


def token_expired(sandbox: Sandbox, op: Operation | None, scope: Scope) -> bool:
    """Whether the request presents the sandbox's token, past the expiry it was given, to an
    operation that takes tokens."""
    if sandbox.token_expires_at is None or op is None or op.contract.signed:
        return False
    tokens = [value for name, value in scope["headers"] if name == b"x-auth-token"]
    return (
        tokens == [sandbox.credentials.token.encode("latin-1")]
        and sandbox.clock() >= sandbox.token_expires_at
    )


class Replay:
    """A ``receive`` that gives back the messages already read, then reads on."""

    def __init__(self, messages: list[Message], receive: Receive) -> None:
        self._messages = messages
        self._receive = receive

    async def __call__(self) -> Message:
        if self._messages:
            return self._messages.pop(0)
        return await self._receive()


async def pre_read(receive: Receive, headers: list[tuple[bytes, bytes]], limit: int,
                   timeout: float) -> tuple[list[Message], bytes, bool]:  # fmt: skip
    """Read the body before the sandbox's app does (the script matches job IDs, the journal
    keeps the body), at most ``limit`` bytes and ``timeout`` seconds; the messages read, the
    body, and whether it was read to its end. A body declared larger than the limit is not
    read: the app refuses it unread, as the reference server does."""
    for name, value in headers:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return [], b"", False
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":
                    return messages, b"".join(chunks), False
                chunk = message.get("body", b"")
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    return messages, b"".join(chunks), False
                if not message.get("more_body", False):
                    return messages, b"".join(chunks), True
    except TimeoutError:
        return messages, b"".join(chunks), False


def decode(body: bytes | None) -> tuple[Any, list[int]]:
    """The body as JSON (None when it is not), and its job IDs where it names them."""
    if body is None:
        return None, []
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, []
    ids = decoded.get("job_ids") if isinstance(decoded, dict) else None
    if isinstance(ids, list) and all(type(i) is int for i in ids):
        return decoded, ids
    return decoded, []


def redacted_headers(headers: list[tuple[bytes, bytes]]) -> list[list[str]]:
    """The headers as sent, secrets replaced: the token whole, the signature of an
    ``Authorization`` (its access key and signed headers stay: they are not secret)."""
    shown = []
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        if name == "x-auth-token" or name == "x-stand-in-token":
            value = REDACTED
        elif name == "authorization":
            head, sep, _ = value.partition("Signature=")
            value = head + sep + REDACTED if sep else REDACTED
        shown.append([name, value])
    return shown


def journal_record(sandbox: Sandbox, scope: Scope, op: Operation | None, body: bytes,
                   decoded: Any, job_ids: list[int]) -> dict[str, Any]:  # fmt: skip
    kept = body[:MAX_JOURNAL_BODY_BYTES]
    return {
        "time": sandbox.clock(),
        "operation": op.id if op is not None else None,
        "deprecated": op.deprecated if op is not None else False,
        "method": scope["method"],
        "path": raw_path(scope),
        "query": scope.get("query_string", b"").decode("latin-1"),
        "headers": redacted_headers(scope["headers"]),
        "body": kept.decode("utf-8", errors="replace"),
        "body_bytes": len(body),
        "body_truncated": len(kept) < len(body),
        "decoded": decoded if len(body) <= MAX_JOURNAL_BODY_BYTES else None,
        "job_ids": job_ids,
        "status": None,
        "verdict": None,
        "rule": None,
        "rules": [],
        "error_code": None,
        "reason": None,
        "script_entries": [],
        "answered_by": None,
        "fault": None,
        "delay_seconds": 0.0,
    }


def judge(record: dict[str, Any], op: Operation | None, answer: Answer) -> None:
    """Note the rule an answer meets: by its status and code among the operation's rules
    (every operation's, off their paths); unique, it is the rule; otherwise the candidates
    are listed and the answer's cause says which situation it was."""
    record["status"] = answer.status
    if record["rule"] == THROTTLED_RULE:
        return
    if answer.status == 200:
        record.update(verdict="accepted", rule=ACCEPTED_RULE, rules=[ACCEPTED_RULE])
        return
    record["verdict"] = "refused"
    try:
        body = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        return
    code = body.get("error_id", body.get("error_code"))
    record["error_code"] = code
    record["reason"] = body.get("error_cause", body.get("error_msg"))
    ids = (  # a code that is not a string is no rule's
        list(rules_answering(op.id if op is not None else None, answer.status, code))
        if isinstance(code, str)
        else []
    )
    record["rules"] = ids
    if record["rule"] is None and len(ids) == 1:
        record["rule"] = ids[0]


@functools.lru_cache(maxsize=256)  # the spec's rules are fixed: one scan per kind of answer
def rules_answering(operation_id: str | None, status: int, code: str) -> tuple[str, ...]:
    """The rules of an operation (of every one, off their paths) answered with this status
    and error code, sorted."""
    operations = spec_operations()
    candidates = [op for op in operations if op.id == operation_id] or list(operations)
    return tuple(
        sorted(
            {
                rule.id
                for candidate in candidates
                for rule in candidate.error_rules.values()
                if rule.status == status and rule.error_id == code
            }
        )
    )


async def run_app(sandbox: Sandbox, scope: Scope, receive: Receive) -> Answer:
    """The sandbox's reference app's answer, held to be sent as the script says."""
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await sandbox.app(scope, receive, capture)
    return Answer(status, tuple(headers), b"".join(chunks))


async def deliver(scope: Scope, send: Send, answer: Answer, body_read: bool,
                  record: dict[str, Any]) -> None:  # fmt: skip
    """Send an answer: whole, truncated, or dribbled, as the request's fault says.

    A ``Connection: close`` the reference app adds for a body it left unread is dropped when
    the stand-in read that body to its end: the connection can serve the next request."""
    headers = [
        (name, value)
        for name, value in answer.headers
        if not (body_read and name == b"connection" and value == b"close")
    ]
    fault: Entry | None = record.pop("transport", None)
    body = b"" if scope["method"] == "HEAD" else answer.body
    kind = fault.spec.fault if fault is not None else None
    if kind not in ("truncated", "dribble"):
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    if kind == "truncated":
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        with contextlib.suppress(faults.ConnectionNotFound):
            faults.drop(scope, reset=False)
        return
    assert fault is not None
    seconds = fault.spec.seconds or DEFAULT_DRIBBLE_SECONDS
    pieces = max(1, min(DRIBBLE_PIECES, len(body)))
    step = -(-len(body) // pieces)
    for start in range(0, len(body), step):
        await asyncio.sleep(seconds / pieces)
        last = start + step >= len(body)
        await send(
            {
                "type": "http.response.body",
                "body": body[start : start + step],
                "more_body": not last,
            }
        )
    if not body:
        await send({"type": "http.response.body", "body": b""})


async def wait_for_disconnect(receive: Receive, seconds: float) -> None:
    """Wait until the client gives up (disconnects), at most ``seconds``."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while (await receive())["type"] != "http.disconnect":
                pass
