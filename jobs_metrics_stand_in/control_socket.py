"""The control API on a local Unix socket (``jobs-metrics stand-in --control-socket PATH``),
for clients on the same machine: ``StandIn.start()`` (so the pytest plugin) uses it.

The same calls and answers as over HTTP (``ControlApi.respond``: the same routes, checks and
bodies), in the frames of :mod:`jobs_metrics_stand_in.wire`, read on the server's event loop
(the thread every sandbox lives on). Why: a pytest suite makes two or three control calls per
test, and over HTTP each one's round trip (through the HTTP server's threads to the loop and
back) was most of what a test paid over pytest-httpserver, whose server lives in the test's
process; here a call costs about a third of that.

Access is the socket file's: it is made owner-only (mode 0600), and ``StandIn.start`` puts it
in a directory only its user can enter. No control token is asked on it (whoever can open it
could read the token from the stand-in's environment). A frame that is not of the wire's
form, or a body over ``MAX_CONTROL_BODY_BYTES``, is answered once (400 or 413) and the
connection closed; the server goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

import orjson

from jobs_metrics_stand_in.control import ControlApi
from jobs_metrics_stand_in.limits import MAX_CONTROL_BODY_BYTES
from jobs_metrics_stand_in.wire import MAX_LINE_BYTES, FrameError, answer_frame, parse_call_line

LOGGER = logging.getLogger(__name__)


class ControlProtocol(asyncio.Protocol):
    """One client's connection: frames in, each answered as it is complete, in order."""

    def __init__(self, control: ControlApi, touched: Callable[[], None]) -> None:
        self._control = control
        self._touched = touched  # tells the server a call started or ended (its idle clock)
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    # A client that sends calls without reading the answers stops being read once the answers
    # waiting to be sent pass the transport's high-water mark, until they drain.
    def pause_writing(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None:
            end = self._buffer.find(b"\n", 0, MAX_LINE_BYTES + 1)
            if end < 0:
                if len(self._buffer) > MAX_LINE_BYTES:
                    self._refuse(400, f"a call's line is at most {MAX_LINE_BYTES} bytes")
                return
            try:
                method, target, length = parse_call_line(bytes(self._buffer[:end]))
            except FrameError as exc:
                self._refuse(400, str(exc))
                return
            if length > MAX_CONTROL_BODY_BYTES:
                self._refuse(413, f"body: larger than {MAX_CONTROL_BODY_BYTES} bytes")
                return
            if len(self._buffer) < end + 1 + length:
                return  # the rest of the body is on its way
            body = bytes(self._buffer[end + 1 : end + 1 + length])
            del self._buffer[: end + 1 + length]
            self._answer(method, target, body)

    def _answer(self, method: str, target: str, body: bytes) -> None:
        assert self._transport is not None
        path, _, query = target.partition("?")
        self._touched()
        try:
            reply = self._control.respond(method, path, query.encode("latin-1"), body)
            status, content = reply.status, reply.body
        except Exception as exc:  # a defect of ours: said, logged, and the connection goes on
            LOGGER.exception("control socket: %s %s failed", method, path[:200])
            status, content = 500, orjson.dumps({"error": f"internal error: {exc!r}"[:500]})
        finally:
            self._touched()
        self._transport.write(answer_frame(status, content))

    def _refuse(self, status: int, message: str) -> None:
        """Answer a frame that cannot be read, then close: where the next one starts is lost."""
        assert self._transport is not None
        self._transport.write(answer_frame(status, orjson.dumps({"error": message})))
        self._transport.close()
        self._transport = None
        self._buffer.clear()


async def serve_control_socket(path: Path, control: ControlApi,
                               touched: Callable[[], None]) -> asyncio.Server:  # fmt: skip
    """Listen on ``path`` (owner-only) on the running loop; closed by the caller."""
    loop = asyncio.get_running_loop()
    server = await loop.create_unix_server(lambda: ControlProtocol(control, touched), str(path))
    try:
        os.chmod(path, 0o600)
    except OSError:
        server.close()
        raise
    return server


def remove_socket(path: Path) -> None:
    """The socket file, gone with the server (a file left behind makes the next bind fail)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


__all__ = ["ControlProtocol", "remove_socket", "serve_control_socket"]
