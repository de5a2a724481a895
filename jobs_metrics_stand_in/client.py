"""The Python API over the control API: ``StandIn`` and its ``Sandbox`` handles.

A thin client of the control API (never a second API): what a Python test does through it, a
Go or Java test does with curl against ``openapi/stand-in.openapi.yaml``.
``StandIn.start()`` runs ``python -m jobs_metrics_stand_in`` on a free loopback port in a
process group of its own, stopped by that PID (never by name); ``StandIn.attach(url)`` uses
one already running (``jobs-metrics stand-in``).

The calls go to the stand-in's control socket when it has one (``StandIn.start`` asks for it;
:mod:`jobs_metrics_stand_in.wire` has the frames): a call's round trip there is about a third
of one over HTTP, and the pytest plugin makes two or three per test. Otherwise they travel on
one kept-alive connection of the standard library's ``http.client``, not httpx: a control
call is a few hundred bytes each way, and httpx's own work per request (~0.25 ms) was half of
a call's time on loopback.
"""

from __future__ import annotations

import contextlib
import http.client
import json as jsonlib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from jobs_metrics_stand_in.names import (
    CONTROL_PREFIX,
    CONTROL_SOCKET_FAILED,
    CONTROL_TOKEN_HEADER,
    ENV_CONTROL_SOCKET,
    ENV_CONTROL_TOKEN,
    ORDERED_SCRIPT_CALLS_SINCE,
)
from jobs_metrics_stand_in.wire import (
    MAX_LINE_BYTES,
    MAX_SOCKET_PATH_BYTES,
    FrameError,
    call_frame,
    parse_answer_line,
)

Model = TypeVar("Model")
Result = TypeVar("Result")
# Rules the stand-in itself answers with (the throttle, the token's scripted expiry): a
# refusal under one of them is the test's script at work, not the client breaking the contract.
STAND_IN_RULES = frozenset({"throttled", "token-expired"})


class StandInError(RuntimeError):
    """The control API refused a call (the message is its one line; ``status`` its HTTP
    status), or could not be reached, or the stand-in did not start (``status`` None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ScriptCallRefused(Exception):
    """Script calls of a sandbox that confirms them later (``Sandbox.confirm_script_later``)
    that the stand-in refused, raised by the sandbox's next call or ``confirm``. Not a
    ``StandInError``: a test expecting another call to be refused (``pytest.raises(
    StandInError)``) must not take this one for it."""


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


def _socket_path() -> Path | None:
    """Where ``StandIn.start`` asks the stand-in for its control socket: in a new folder only
    this user may enter; None (the calls go over HTTP) without Unix sockets, or when the
    temporary folder's path is too long for a socket's address."""
    if not hasattr(socket, "AF_UNIX"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="stand-in-"))
    path = folder / "control.sock"
    if len(os.fsencode(path)) > MAX_SOCKET_PATH_BYTES:
        folder.rmdir()
        return None
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _query_value(value: Any) -> str:
    """A query parameter's text as httpx wrote it (JSON's ``true``/``false``)."""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


class _Calls:
    """What both connections to the control API share: one call at a time, its answer read
    before the next call is sent (``request``; or ``send`` now, ``receive`` later), calls
    from several threads taking turns. Each kind sends and reads in its own way
    (``_transmit``, ``_read_answer``); a call that cannot be made raises ``StandInError``."""

    def __init__(self) -> None:
        self._pending: str | None = None  # the call sent whose answer is not read yet
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: Any = None,
                params: Mapping[str, Any] | None = None,
                timeout: float | None = None) -> tuple[int, bytes]:  # fmt: skip
        """Send one call (``body`` as JSON unless None) and read its answer: its status and
        body."""
        with self._lock:
            try:
                self._send(method, path, body, params, timeout)
                return self._receive()
            except BaseException:  # interrupted anywhere between the two (Ctrl-C, a test's
                self._pending = None  # timeout): no answer is left for the next call
                self._disconnect()
                raise

    def send(self, method: str, path: str, body: Any = None, *, reopen: bool = True) -> None:
        """Send one call and return without its answer, which ``receive`` reads (the
        connection serves nothing else until then); not on a new connection if ``reopen``
        is False (``StandInError`` instead, nothing sent)."""
        with self._lock:
            self._send(method, path, body, None, None, reopen)

    def receive(self) -> tuple[int, bytes]:
        """The answer to the call ``send`` sent: its status and body."""
        with self._lock:
            return self._receive()

    def close(self) -> None:
        with self._lock:
            self._pending = None
            self._disconnect()

    def _send(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None,
              timeout: float | None, reopen: bool = True) -> None:  # fmt: skip
        if self._pending is not None:
            raise RuntimeError(f"{self._pending}: its answer was not read")
        try:
            self._pending = f"{method} {path}"
            self._transmit(method, path, body, params, timeout, reopen)
        except BaseException:  # a call half sent (an interrupt too): the next one starts anew
            self._pending = None
            self._disconnect()
            raise

    def _receive(self) -> tuple[int, bytes]:
        try:
            call, self._pending = self._pending, None
            if call is None:
                raise RuntimeError("no call awaits its answer")
            return self._read_answer(call)
        except BaseException:  # an answer half read (an interrupt too) would be the next
            self._disconnect()  # call's: the next one starts on a new connection
            raise

    def _transmit(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None,
                  timeout: float | None, reopen: bool) -> None:  # fmt: skip
        raise NotImplementedError

    def _read_answer(self, call: str) -> tuple[int, bytes]:
        raise NotImplementedError

    def _disconnect(self) -> None:
        raise NotImplementedError


class ControlConnection(_Calls):
    """One kept-alive HTTP/1.1 connection to a stand-in's control API, reopened when the
    server has closed it (its keep-alive timeout, a restart); calls from several threads
    take turns. A call that cannot be made raises ``StandInError`` naming the cause."""

    def __init__(self, url: str, headers: Mapping[str, str], timeout: float) -> None:
        super().__init__()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StandInError(f"{url}: not an http:// or https:// URL")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self.path = parts.path.rstrip("/")  # the control API's path, e.g. /_stand-in
        self._headers = {"Accept": "application/json", **headers}
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def _open(self, timeout: float) -> http.client.HTTPConnection:
        """The kept connection, unless the server closed it while it was idle: then a new
        one (a request sent into a closed connection would fail, or be lost)."""
        connection = self._connection
        if connection is not None and connection.sock is not None and _closed(connection.sock):
            connection.close()
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=timeout)
            self._connection = connection
        if connection.timeout != timeout:
            connection.timeout = timeout
            if connection.sock is not None:
                connection.sock.settimeout(timeout)
        return connection

    def _transmit(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None,
                  timeout: float | None, reopen: bool) -> None:  # fmt: skip
        headers = dict(self._headers)
        data = _json_body(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        connection = self._open(self._timeout if timeout is None else timeout)
        try:
            connection.request(method, _target(self.path, path, params), body=data, headers=headers)
        except (OSError, http.client.HTTPException) as error:
            connection.close()  # the next call starts on a new connection
            raise StandInError(
                f"{method} {path}: the stand-in could not be reached: {error!r}"
            ) from error

    def _read_answer(self, call: str) -> tuple[int, bytes]:
        if self._connection is None:
            raise RuntimeError("no call awaits its answer")
        try:
            answer = self._connection.getresponse()
            return answer.status, answer.read()
        except (OSError, http.client.HTTPException) as error:
            self._connection.close()  # the next call starts on a new connection
            raise StandInError(f"{call}: the stand-in did not answer: {error!r}") from error

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _target(prefix: str, path: str, params: Mapping[str, Any] | None) -> str:
    """A call's path under the control API's ``prefix``, with its query."""
    target = prefix + path
    if params:
        target += "?" + urlencode({k: _query_value(v) for k, v in params.items()})
    return target


def _json_body(body: Any) -> bytes | None:
    """A call's body as JSON (None: no body)."""
    if body is None:
        return None
    return jsonlib.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class SocketControlConnection(_Calls):
    """One connection to a stand-in's control socket (``--control-socket``), in the frames
    of :mod:`jobs_metrics_stand_in.wire`: the same calls and answers as ``ControlConnection``,
    a third of its round trip (no HTTP on either side, no HTTP server's threads between the
    socket and the stand-in's loop). Reopened after a failure."""

    def __init__(self, socket_path: Path, path: str, timeout: float) -> None:
        super().__init__()
        self._socket_path = socket_path
        self.path = path  # the control API's path, e.g. /_stand-in
        self._timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = bytearray()
        # An answer was read on this socket: the stand-in has accepted it, so it reads it
        # before routing a request (what ``StandIn._send_ordered`` needs).
        self._answered = False

    def accepted(self) -> bool:
        """Whether the stand-in serves this connection now: a call sent on it is read
        before any request sent after it (a new connection may still wait to be accepted)."""
        return self._sock is not None and self._answered and not _closed(self._sock)

    def _transmit(self, method: str, path: str, body: Any, params: Mapping[str, Any] | None,
                  timeout: float | None, reopen: bool) -> None:  # fmt: skip
        frame = call_frame(method, _target(self.path, path, params), _json_body(body) or b"")
        if self._sock is not None and _closed(self._sock):  # the stand-in closed it, or went
            self._disconnect()
        if self._sock is None and not reopen:
            raise StandInError(f"{method} {path}: the connection was closed; not sent")
        wanted = self._timeout if timeout is None else timeout
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.settimeout(wanted)
                self._sock.connect(str(self._socket_path))
            if self._sock.gettimeout() != wanted:  # settimeout costs two fcntl calls a time
                self._sock.settimeout(wanted)
            self._sock.sendall(frame)
        except OSError as error:
            self._disconnect()  # the next call starts on a new connection
            raise StandInError(
                f"{method} {path}: the stand-in could not be reached: {error!r}"
            ) from error

    def _read_answer(self, call: str) -> tuple[int, bytes]:
        try:
            while (end := self._buffer.find(b"\n")) < 0:
                if len(self._buffer) > MAX_LINE_BYTES:
                    raise FrameError(f"no answer line in {MAX_LINE_BYTES} bytes")
                self._read()
            status, length = parse_answer_line(bytes(self._buffer[:end]))
            while len(self._buffer) < end + 1 + length:
                self._read()
        except (OSError, FrameError) as error:
            self._disconnect()  # the next call starts on a new connection
            raise StandInError(f"{call}: the stand-in did not answer: {error!r}") from error
        content = bytes(self._buffer[end + 1 : end + 1 + length])
        del self._buffer[: end + 1 + length]
        self._answered = True
        return status, content

    def _read(self) -> None:
        if self._sock is None:
            raise ConnectionResetError("no connection")
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the stand-in closed the control socket")
        self._buffer += chunk

    def _disconnect(self) -> None:
        self._buffer.clear()
        self._answered = False
        if self._sock is not None:
            self._sock.close()
            self._sock = None


ControlTransport = ControlConnection | SocketControlConnection


def _version(text: Any) -> tuple[int, ...]:
    """A version's numbers (``"0.2.0"``: (0, 2, 0)); () when absent or not of that form.
    Plain numbers are all the control API's versions are (its ``Health.version`` pattern), so
    ``packaging``, which the client does not depend on, would add nothing."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return ()
    return tuple(int(part) for part in text.split("."))


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed an idle connection: its socket readable with no request
    sent means end of file (or bytes nothing asked for: unusable all the same; behind TLS
    maybe a late handshake message, which costs a new connection, nothing more)."""
    if not hasattr(select, "poll"):  # Windows: select, whose descriptor limit it does not have
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class StandIn:
    """A running stand-in: one process, any number of sandboxes."""

    def __init__(self, url: str, control_token: str | None = None,
                 process: subprocess.Popen[bytes] | None = None, *,
                 control_socket: Path | None = None) -> None:  # fmt: skip
        self.url = url.rstrip("/")
        self.control_url = self.url + CONTROL_PREFIX.rstrip("/")
        headers = {CONTROL_TOKEN_HEADER: control_token} if control_token else {}
        self._headers = headers
        # The control calls go to the stand-in's control socket when it has one on this
        # machine (``--control-socket``; no token asked there), else over HTTP.
        self.control_socket = control_socket
        self._control = self._connection()
        # Connections of the calls sent whose answers are read later (``Pending``), each
        # back in ``_idle`` once its answer is read; ``_control`` is never held up by them.
        self._later: list[ControlTransport] = []
        self._idle: list[ControlTransport] = []
        self._outstanding: set[Pending[Any]] = set()  # sent, answer not read yet
        # What a test framework keeps with this stand-in, gone with it (the pytest plugin's
        # sandbox supply): kept here, not in a process-wide table that would keep it alive.
        self.plugin_state: dict[str, Any] = {}
        self._process = process
        self._socket_folder: Path | None = None  # the folder ``start`` made for the socket
        # The stand-in reads its control socket before routing a request and takes ids
        # chosen by the client (control API 0.2.0 on): script calls may go without waiting.
        self._orders_script_calls = False
        # The sandboxes this object made and has not closed (closed at the end when attached).
        self._sandboxes: dict[str, Sandbox] = {}

    def _use_socket(self, control_socket: Path) -> None:
        """Make the control calls on ``control_socket`` from now on."""
        self._control.close()
        self.control_socket = control_socket
        self._control = self._connection()

    def _connection(self) -> ControlTransport:
        if self.control_socket is not None:
            return SocketControlConnection(self.control_socket, self._prefix(), timeout=30)
        return ControlConnection(self.control_url, self._headers, timeout=30)

    def _prefix(self) -> str:
        return urlsplit(self.control_url).path

    @classmethod
    def start(cls, *, script: Path | None = None, timeout: float = 30.0) -> StandIn:
        """Start a stand-in on a free 127.0.0.1 port, its control API also on a Unix socket
        in a folder of its own (owner-only) where the system has them and the folder's path
        is short enough (else, or when the stand-in cannot bind it, over HTTP only);
        returns once it answers."""
        with_socket = True
        # Not the caller's STAND_IN_CONTROL_SOCKET or STAND_IN_CONTROL_TOKEN: the command
        # reads them as its options, and this child is the caller's own, on loopback.
        environment = {
            k: v for k, v in os.environ.items() if k not in (ENV_CONTROL_SOCKET, ENV_CONTROL_TOKEN)
        }
        for _ in range(3):  # the free port may be taken before the server binds it
            port = free_port()
            command = [sys.executable, "-m", "jobs_metrics_stand_in",
                       "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
            if script is not None:
                command += ["--script", str(script)]
            stand_in = cls(f"http://127.0.0.1:{port}")
            stderr = None
            try:
                control_socket = _socket_path() if with_socket else None
                if control_socket is not None:
                    stand_in._socket_folder = control_socket.parent
                    stand_in._use_socket(control_socket)
                    command += ["--control-socket", str(control_socket)]
                stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, then closed)
                process = stand_in._process = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
                    env=environment,
                )  # fmt: skip
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and process.poll() is None:
                    if stand_in._healthy():
                        stderr.close()
                        stand_in._orders_script_calls = True  # this package's own stand-in
                        return stand_in
                    time.sleep(0.02)
            except BaseException:
                stand_in.close()  # the process stopped, the socket's folder removed
                if stderr is not None:
                    stderr.close()
                raise
            running = process.poll() is None
            stand_in.close()
            stderr.seek(0)
            error = stderr.read().decode(errors="replace").strip().splitlines()
            stderr.close()
            if running:
                raise StandInError(f"the stand-in did not answer within {timeout:g} s of its start")
            if any(CONTROL_SOCKET_FAILED in line for line in error):
                with_socket = False  # the calls go over HTTP, as where there is no socket
                continue
            if error and "port" not in error[-1]:
                raise StandInError(f"the stand-in did not start: {error[-1]}")
        raise StandInError("the stand-in did not start on a free port in 3 attempts")

    @classmethod
    def attach(cls, url: str, control_token: str | None = None, *,
               control_socket: Path | None = None) -> StandIn:  # fmt: skip
        """Use a stand-in already running at ``url`` (its root, as it printed it); its
        control calls on ``control_socket`` if given (its ``--control-socket``)."""
        stand_in = cls(url, control_token, control_socket=control_socket)
        health = stand_in._call("GET", "/health")
        stand_in._orders_script_calls = (
            _version(health.get("version")) >= ORDERED_SCRIPT_CALLS_SINCE
        )
        return stand_in

    def _healthy(self) -> bool:
        """Whether the stand-in answers over HTTP (the API under test is there) and on its
        control socket, if it has one (made before the HTTP port serves)."""
        try:
            http_answer = ControlConnection(self.control_url, self._headers, timeout=1)
            try:
                if http_answer.request("GET", "/health", timeout=1)[0] != 200:
                    return False
            finally:
                http_answer.close()
            return self.control_socket is None or (
                self._control.request("GET", "/health", timeout=1)[0] == 200
            )
        except StandInError:
            return False

    def _call(self, method: str, path: str, json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        return self._answer(method, path, *self._control.request(method, path, json, params))

    def _answer(self, method: str, path: str, status: int, content: bytes) -> Any:
        """A call's answer as JSON (None when empty), or its refusal as ``StandInError``."""
        if status >= 400:
            try:
                message = jsonlib.loads(content)["error"]
            except (ValueError, KeyError, TypeError):
                message = content.decode(errors="replace")[:200]
            raise StandInError(f"{method} {path}: {status} {message}", status)
        return jsonlib.loads(content) if content else None

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
        self._sandboxes[sandbox.id] = sandbox
        return sandbox

    def sandbox_soon(self) -> Pending[Sandbox]:
        """Send the create of a new sandbox (no jobs) and return without waiting for its
        answer; ``result()`` reads it. The pytest plugin creates the next test's sandbox so
        at a teardown, the answer read at the next setup, long arrived."""
        return self._send_soon("POST", "/sandboxes", {}, self._made)

    def _made(self, data: Any) -> Sandbox:
        sandbox = Sandbox(self, data)
        self._sandboxes[sandbox.id] = sandbox
        return sandbox

    def _send_soon(self, method: str, path: str, body: Any,
                   then: Callable[[Any], Result]) -> Pending[Result]:  # fmt: skip
        """Send a call on a connection of its own, its answer read by ``Pending.result``
        (``then`` makes the result of the answer's JSON); other calls go on meanwhile."""
        try:
            connection = self._idle.pop()
        except IndexError:
            connection = self._connection()
            self._later.append(connection)
        return self._pend(connection, method, path, body, then)

    def _pend(self, connection: ControlTransport, method: str, path: str, body: Any,
              then: Callable[[Any], Result], *,
              reopen: bool = True) -> Pending[Result]:  # fmt: skip
        """Send a call on ``connection`` (taken from the idle ones, back there if the call
        cannot be sent), its answer left for ``Pending.result``."""
        try:
            connection.send(method, path, body, reopen=reopen)
        except StandInError:
            self._idle.append(connection)
            raise
        pending = Pending(self, connection, method, path, then)
        self._outstanding.add(pending)
        return pending

    def _send_ordered(self, method: str, path: str, body: Any,
                      then: Callable[[Any], Result]) -> Pending[Result] | None:  # fmt: skip
        """Send a call without waiting for its answer, such that a request sent to the API
        after it meets it: on an idle socket connection the stand-in has accepted (it reads
        those before routing a request); None, unsent, when there is none (over HTTP, or
        every connection busy or new, or a stand-in older than that)."""
        if not self._orders_script_calls:
            return None
        for index, connection in enumerate(self._idle):
            if isinstance(connection, SocketControlConnection) and connection.accepted():
                del self._idle[index]
                break
        else:
            return None
        try:  # never on a new connection: it would not be accepted yet
            return self._pend(connection, method, path, body, then, reopen=False)
        except StandInError:
            return None

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def close(self) -> None:
        """Close the sandboxes this object made and did not close, those of creates whose
        answers were not read included (an attached stand-in keeps running), or stop the
        stand-in it started (by its PID's process group)."""
        process, self._process = self._process, None
        if process is None:
            for sandbox in list(self._sandboxes.values()):  # their script calls' answers first
                with contextlib.suppress(ScriptCallRefused):
                    sandbox.confirm()
            for pending in list(self._outstanding):  # a create sent: its sandbox is closed too
                with contextlib.suppress(StandInError):
                    pending.result()
            for sandbox in list(self._sandboxes.values()):
                with contextlib.suppress(StandInError, ScriptCallRefused):
                    sandbox.close()
        self._sandboxes.clear()
        self._control.close()
        for connection in self._later:  # an answer not read yet is not waited for
            connection.close()
        self._later.clear()
        self._idle.clear()
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        folder, self._socket_folder = self._socket_folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.close()


class Pending(Generic[Result]):
    """A control call sent, its answer not read yet (``StandIn.sandbox_soon``,
    ``Sandbox.close_soon``)."""

    def __init__(self, stand_in: StandIn, connection: ControlTransport, method: str,
                 path: str, then: Callable[[Any], Result]) -> None:  # fmt: skip
        self._stand_in = stand_in
        self._connection: ControlTransport | None = connection
        self._call = (method, path)
        self._then = then

    def result(self) -> Result:
        """Read the answer (once; it waits if it has not arrived): what the call made, or
        its refusal as ``StandInError``."""
        connection, self._connection = self._connection, None
        if connection is None:
            raise RuntimeError(f"{' '.join(self._call)}: its answer was already read")
        self._stand_in._outstanding.discard(self)
        try:
            status, content = connection.receive()
        finally:
            self._stand_in._idle.append(connection)
        return self._then(self._stand_in._answer(*self._call, status, content))


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
        # Script calls (``fail_next``, ``respond``, ``fault``) sent without waiting for their
        # answers, each entry's id chosen here (``c1``, ``c2``...): False unless asked (the
        # pytest plugin's sandboxes). A request sent after such a call still meets it (the
        # stand-in reads its control connections before routing a request); a refusal is
        # raised by the sandbox's next call, or by ``confirm``. Over HTTP, or with no idle
        # connection the stand-in has accepted, a call waits for its answer as usual.
        self.confirm_script_later = False
        self._entries_sent = 0  # the ids chosen so far
        self._unconfirmed: list[tuple[str, Pending[Any]]] = []  # (the call, its answer)
        self._refused: list[str] = []  # script calls refused, not raised yet

    def _call(self, method: str, path: str = "", json: Any = None,
              params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        self.confirm()
        return self._stand_in._call(method, self._path + path, json=json, params=params)

    def confirm(self) -> None:
        """Read the answers of the script calls sent without waiting; ``ScriptCallRefused``
        naming each one refused (said once: a later call goes on)."""
        unconfirmed, self._unconfirmed = self._unconfirmed, []
        refused, self._refused = self._refused, []
        for call, pending in unconfirmed:
            try:
                pending.result()
            except StandInError as error:
                refused.append(f"{call} was refused: {error}")
        if refused:
            raise ScriptCallRefused("; ".join(refused))

    def add_jobs(self, jobs: Sequence[Any]) -> list[int]:
        """Store jobs given in the 200 answer's shape (validated against the spec)."""
        ids: list[int] = self._call("POST", "/jobs", json={"jobs": list(jobs)})["job_ids"]
        return ids

    def generate_jobs(self, count: int, seed: int = 0, first_id: int = 1) -> list[int]:
        """Store ``count`` jobs generated from the schema with ``seed``; their IDs."""
        body = {"generate": {"count": count, "seed": seed, "first_id": first_id}}
        ids: list[int] = self._call("POST", "/jobs", json=body)["job_ids"]
        return ids

    def _entry(self, call: str, body: dict[str, Any]) -> str:
        """Add a script entry; ``times`` is always sent, since its None means unlimited (left
        out, the control API's default of 1 applied and ``times=None`` used to mean once).
        With ``confirm_script_later`` (and a stand-in that orders such calls), its id is
        chosen here and it is sent without waiting where it can be; where it cannot (no idle
        connection the stand-in has accepted) it waits, and its refusal is kept all the same:
        either way a refusal is raised later, as ``ScriptCallRefused`` (``call`` names it)."""
        sent = {k: v for k, v in body.items() if v is not None or k == "times"}
        if self.confirm_script_later and self._stand_in._orders_script_calls:
            self._entries_sent += 1
            entry_id = sent["id"] = f"c{self._entries_sent}"
            path = f"{self._path}/script"
            pending = self._stand_in._send_ordered("POST", path, sent, lambda _: None)
            if pending is not None:
                self._unconfirmed.append((call, pending))
                return entry_id
            try:
                self._stand_in._call("POST", path, json=sent)
            except StandInError as error:
                self._refused.append(f"{call} was refused: {error}")
            return entry_id
        added: str = self._call("POST", "/script", json=sent)["id"]
        return added

    def fail_next(self, rule_id: str, times: int | None = 1, operation: str | None = None, *,
                  every: int | None = None, probability: float | None = None,
                  seed: int | None = None, job_ids: Sequence[int] | None = None,
                  credential: str | None = None) -> str:  # fmt: skip
        """Answer matching requests as the spec states for ``rule_id``; the entry's id."""
        return self._entry(
            f"fail_next({rule_id!r})",
            {
                "rule": rule_id,
                "times": times,
                "operation": operation,
                "every": every,
                "probability": probability,
                "seed": seed,
                "credential": credential,
                "job_ids": list(job_ids) if job_ids is not None else None,
            },
        )

    def respond(self, body: dict[str, Any], operation: str, times: int | None = 1) -> str:
        """Answer matching requests 200 with ``body`` (valid against the response schema)."""
        return self._entry(
            f"respond(operation={operation!r})",
            {"answer": body, "operation": operation, "times": times},
        )

    def fault(self, kind: str, times: int | None = 1, *, seconds: float | None = None,
              operation: str | None = None, every: int | None = None,
              probability: float | None = None, seed: int | None = None) -> str:  # fmt: skip
        """Break the transport of matching requests: reset, empty, truncated, dribble, hang."""
        return self._entry(
            f"fault({kind!r})",
            {
                "fault": kind,
                "times": times,
                "seconds": seconds,
                "operation": operation,
                "every": every,
                "probability": probability,
                "seed": seed,
            },
        )

    def delay(self, seconds: float, times: int | None = 1, *, max_seconds: float | None = None,
              seed: int | None = None, operation: str | None = None) -> str:  # fmt: skip
        """Answer matching requests ``seconds`` late (uniform up to ``max_seconds`` by seed)."""
        return self._entry(
            f"delay({seconds!r})",
            {
                "delay": seconds,
                "max_delay": max_seconds,
                "seed": seed,
                "times": times,
                "operation": operation,
            },
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
        try:
            self.confirm()
        except ScriptCallRefused as refused:  # shown here, with the journal it explains
            lines.append(f"after the test went on, {refused}")
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
        """Close the sandbox on the stand-in (its credentials stop working at once); a script
        call refused after the test went on is raised once it is closed."""
        try:
            self.confirm()
        finally:
            try:
                self._stand_in._call("DELETE", self._path)
            finally:
                self._stand_in._sandboxes.pop(self.id, None)

    def close_soon(self) -> Pending[None]:
        """Send the close and return without waiting for its answer; ``result()`` reads it
        (a refusal raises there). The stand-in handles the close as it arrives, a few hundred
        microseconds later on loopback; the pytest plugin closes a test's sandbox so at its
        teardown, the answer read at the next setup. The script calls sent without waiting
        must have been confirmed (``confirm``) first."""
        if self._unconfirmed or self._refused:
            raise RuntimeError(f"sandbox {self.id}: confirm its script calls before close_soon")
        pending = self._stand_in._send_soon("DELETE", self._path, None, lambda _: None)
        self._stand_in._sandboxes.pop(self.id, None)
        return pending
