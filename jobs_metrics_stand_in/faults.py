"""Transport faults: what a real network does to an answer, done to one connection.

ASGI gives an app no socket, and Granian answers an app that sends nothing (or raises before
it starts an answer) with its own 500; neither is what a dropped connection looks like to a
client. So the two faults that must end the connection without a byte reach for it: the
worker's socket of this connection is found by the client's address (psutil lists the
process' own sockets with their descriptors), and acted on through a duplicate descriptor,
never closing Granian's:

- ``empty``: ``shutdown(SHUT_RDWR)``: the client reads end of stream before any answer
  (httpx: ``RemoteProtocolError: Server disconnected without sending a response``);
- ``reset``: ``connect(AF_UNSPEC)`` on the socket, which makes Linux abort the connection
  with a RST (httpx: ``ReadError: [Errno 104] Connection reset by peer``).

Granian then finds the connection gone and drops it. ``truncated`` (a ``Content-Length``
promising the whole body, half of it sent, then the connection dropped) and ``dribble`` (the
body in small pieces over some seconds) need only ASGI; ``hang`` waits, answering nothing,
until the client gives up (disconnects) or ``MAX_HANG_SECONDS`` pass, then drops the
connection like ``empty``. Linux only (the reset's ``connect(AF_UNSPEC)``; psutil's
descriptors): the stand-in is a test tool for Linux CI.
"""

from __future__ import annotations

import ctypes
import os
import socket
from typing import Any

import psutil

from reference_server import Scope

_AF_UNSPEC_ADDRESS = (ctypes.c_ubyte * 16)()  # a sockaddr whose family is AF_UNSPEC (0)


class ConnectionNotFound(RuntimeError):
    """The connection's socket is not among the process' (the client is gone)."""


def _descriptor(scope: Scope) -> int:
    client = scope.get("client")
    server = scope.get("server")
    if not client or not server:
        raise ConnectionNotFound("the server gave no addresses for this connection")
    port, local_port = int(client[1]), int(server[1])
    for conn in psutil.Process().net_connections(kind="tcp"):
        if (
            conn.fd != -1
            and conn.raddr
            and conn.raddr.port == port
            and conn.laddr.port == local_port
            and conn.raddr.ip == client[0]
        ):
            return int(conn.fd)
    raise ConnectionNotFound(f"no socket to {client[0]}:{port}")


def drop(scope: Scope, *, reset: bool) -> None:
    """End the connection of ``scope`` now: with a RST (``reset``), or a plain close."""
    duplicate = socket.socket(fileno=os.dup(_descriptor(scope)))
    try:
        if reset:
            libc: Any = ctypes.CDLL(None, use_errno=True)
            libc.connect(duplicate.fileno(), _AF_UNSPEC_ADDRESS, len(_AF_UNSPEC_ADDRESS))
        else:
            duplicate.shutdown(socket.SHUT_RDWR)
    finally:
        duplicate.close()
