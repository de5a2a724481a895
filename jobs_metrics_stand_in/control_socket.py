"""The control API on a local Unix socket (``jobs-metrics stand-in --control-socket PATH``),
for clients on the same machine: ``StandIn.start()`` (so the pytest plugin) uses it.

The same calls and answers as over HTTP (``ControlApi.respond``: the same routes, checks and
bodies), in the frames of :mod:`jobs_metrics_stand_in.wire`, read on the server's event loop
(the thread every sandbox lives on). Why: a pytest suite makes two or three control calls per
test, and over HTTP each one's round trip (through the HTTP server's threads to the loop and
back) was most of what a test paid over pytest-httpserver, whose server lives in the test's
process; here a call costs about a third of that.

Access is the socket file's: it is bound owner-only (mode 0600 from the start, set on the
socket before its ``bind``, so no other user can connect in between), and ``StandIn.start``
puts it in a folder only its user may enter. No control token is asked on it (whoever can
open it could read the token from the stand-in's environment). ``bind`` never replaces a
file already at the path, and the file is removed at shutdown only if it is still the one
bound. A frame that is not of the wire's form is answered 400 once and its connection
closed; a body over ``MAX_CONTROL_BODY_BYTES`` is read and dropped, then answered as over
HTTP (404 or 405 if the route refuses the call, else 413). The server goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast
from urllib.parse import unquote

import orjson

from jobs_metrics_stand_in.control import ControlApi, Refusal, Reply, body_too_large
from jobs_metrics_stand_in.limits import MAX_CONTROL_BODY_BYTES
from jobs_metrics_stand_in.wire import MAX_LINE_BYTES, FrameError, answer_frame, parse_call_line

LOGGER = logging.getLogger(__name__)
# Bytes read at a time by ``ControlProtocol.drain`` (as libuv's reads; asyncio's take 256 KiB).
DRAIN_CHUNK_BYTES = 64 * 1024


class ControlProtocol(asyncio.Protocol):
    """One client's connection: frames in, each answered as it is complete, in order."""

    def __init__(self, control: ControlApi, touched: Callable[[], None],
                 connections: set[ControlProtocol] | None = None) -> None:  # fmt: skip
        self._control = control
        self._touched = touched  # tells the server a call started or ended (its idle clock)
        self._connections = connections if connections is not None else set()
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._paused = False  # answers waiting to be sent passed the high-water mark
        self._dropping = 0  # bytes of a body over the limit still to drop before its answer
        self._after_drop: Reply | None = None  # that answer: 413, or the route's 404 or 405

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport: asyncio's, or uvloop's (the stand-in's loop, which has the
        # same methods without deriving from asyncio.Transport).
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._buffer.clear()
        self._connections.discard(self)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        self._buffer.clear()

    # A client that sends calls without reading the answers: once the answers waiting to be
    # sent pass the transport's high-water mark, no further call is run and none is read
    # until they drain.
    def pause_writing(self) -> None:
        self._paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._paused = False
        if self._transport is not None:
            self._transport.resume_reading()
            self._run_calls()

    def data_received(self, data: bytes) -> None:
        if self._dropping:
            dropped = min(self._dropping, len(data))
            self._dropping -= dropped
            data = data[dropped:]
            if self._dropping == 0 and self._after_drop is not None:
                reply, self._after_drop = self._after_drop, None
                self._write_frame(answer_frame(reply.status, reply.body))
        self._buffer += data
        self._run_calls()

    def drain(self) -> None:
        """Read and run now the calls already sent on this connection, before the event loop
        would: called before the stand-in routes a request, so that a request sent after a
        call meets it even when the client did not wait for the call's answer (the pytest
        plugin sends script entries so). The bytes of a call are in this socket's queue once
        the client's ``send`` returned, so a read here finds every call sent before the
        request. Read from the descriptor behind the transport's back: its own read then
        finds nothing and waits again (asyncio's loop takes ``BlockingIOError``, uvloop's
        libuv ``EAGAIN``, as "nothing yet"; neither keeps a read buffer of its own, so no
        byte is read out of order); the end of the stream is left for it to find. Nothing
        is read while the answers wait past the high-water mark; the client sends no call on
        a connection whose answer it has not read, so no call waits behind a paused one."""
        sock = self._transport.get_extra_info("socket") if self._transport else None
        while sock is not None and self._open() and not self._paused:
            try:
                data = os.read(sock.fileno(), DRAIN_CHUNK_BYTES)
            except OSError:  # nothing waiting (BlockingIOError), or broken: the transport says
                return
            if not data:
                return
            self.data_received(data)
            if len(data) < DRAIN_CHUNK_BYTES:
                return

    def _run_calls(self) -> None:
        """Answer each complete call in the buffer, in order, while the client reads."""
        while self._open() and not self._paused and not self._dropping:
            end = self._buffer.find(b"\n", 0, MAX_LINE_BYTES + 1)
            if end < 0:
                if len(self._buffer) > MAX_LINE_BYTES:
                    self._refuse(f"a call's line is at most {MAX_LINE_BYTES} bytes")
                return
            try:
                method, target, length = parse_call_line(bytes(self._buffer[:end]))
            except FrameError as exc:
                self._refuse(str(exc))
                return
            if length > MAX_CONTROL_BODY_BYTES:  # dropped as it comes, then refused
                self._dropping = length
                self._after_drop = self._refusal_of_large_body(method, target)
                rest = bytes(self._buffer[end + 1 :])
                self._buffer.clear()
                self.data_received(rest)
                return
            if len(self._buffer) < end + 1 + length:
                return  # the rest of the body is on its way
            body = bytes(self._buffer[end + 1 : end + 1 + length])
            del self._buffer[: end + 1 + length]
            self._answer(method, target, body)

    def _refusal_of_large_body(self, method: str, target: str) -> Reply:
        """What a call with a body over the limit gets, as over HTTP: the route decides
        first (404, 405), then 413."""
        try:
            self._control.route(method, _path_of(target))
        except Refusal as exc:
            return exc.reply()
        return body_too_large().reply()

    def _open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    def _answer(self, method: str, target: str, body: bytes) -> None:
        path, query = _path_of(target), target.partition("?")[2]
        self._touched()
        try:
            reply = self._control.respond(method, path, query.encode("latin-1"), body)
            status, content = reply.status, reply.body
        except Exception as exc:  # a defect of ours: said, logged, and the connection goes on
            LOGGER.exception("control socket: %s %s failed", method, path[:200])
            status, content = 500, orjson.dumps({"error": f"internal error: {exc!r}"[:500]})
        finally:
            self._touched()
        self._write_frame(answer_frame(status, b"" if method == "HEAD" else content))

    def _write_frame(self, frame: bytes) -> None:
        if self._transport is not None:
            self._transport.write(frame)

    def _refuse(self, message: str) -> None:
        """Answer a frame that cannot be read, then close: where the next one starts is lost."""
        self._write_frame(answer_frame(400, orjson.dumps({"error": message})))
        self.close()


def _path_of(target: str) -> str:
    """A call's path as ASGI's ``path`` is: without the query, percent-decoded."""
    return unquote(target.partition("?")[0], errors="replace")


class ControlSocket:
    """The listening socket: bound owner-only, served on the running loop, removed at the
    end only if the file at its path is still the one bound."""

    def __init__(self, path: Path, server: asyncio.Server, identity: tuple[int, int],
                 connections: set[ControlProtocol]) -> None:  # fmt: skip
        self.path = path
        self._server = server
        self._identity = identity  # the socket file's (device, inode) once bound
        self._connections = connections

    def drain(self) -> None:
        """Run every call already sent on an open connection (``ControlProtocol.drain``)."""
        for connection in list(self._connections):
            connection.drain()

    def close(self) -> None:
        """No new connection, and none of the open ones runs another call."""
        self._server.close()
        for connection in list(self._connections):
            connection.close()
        with contextlib.suppress(OSError):
            found = os.lstat(self.path)
            if (found.st_dev, found.st_ino) == self._identity:
                self.path.unlink()


async def serve_control_socket(path: Path, control: ControlApi,
                               touched: Callable[[], None]) -> ControlSocket:  # fmt: skip
    """Bind ``path`` owner-only (``OSError`` if anything is there already) and serve the
    control API on it on the running loop."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _bind_owner_only(listener, path)
    except BaseException:
        listener.close()
        raise
    try:
        found = os.lstat(path)
        connections: set[ControlProtocol] = set()
        loop = asyncio.get_running_loop()
        server = await loop.create_unix_server(
            lambda: ControlProtocol(control, touched, connections), sock=listener
        )
    except BaseException:
        listener.close()
        path.unlink()  # ours: bound just now
        raise
    return ControlSocket(path, server, (found.st_dev, found.st_ino), connections)


def _bind_owner_only(listener: socket.socket, path: Path) -> None:
    """Bind so that the socket file is 0600 from the start: on Linux the mode of the socket's
    inode set before ``bind`` is the file's; elsewhere the umask is narrowed around the bind
    (process-wide, for an instant: no file is made meanwhile by this program)."""
    if sys.platform.startswith("linux"):
        os.fchmod(listener.fileno(), 0o600)
        listener.bind(str(path))
        return
    mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(mask)


__all__ = ["ControlProtocol", "ControlSocket", "serve_control_socket"]
