"""The control API's frames on the stand-in's local socket (``--control-socket``), shared by
the server (:mod:`jobs_metrics_stand_in.control_socket`) and the client (``StandIn``).

A call is one line, ``METHOD TARGET LENGTH``, then ``LENGTH`` bytes of JSON body; its answer
one line, ``STATUS LENGTH``, then ``LENGTH`` bytes of JSON. ``TARGET`` is the HTTP call's
(the path under ``/_stand-in/``, percent-encoded as in a URL, and its query); an answer has
the status and body the same call gets over HTTP (none for ``HEAD``), not its headers (a
405's ``Allow``). Calls on one connection are answered in order, so a client may send several
before reading.

Why not HTTP on this socket: the frames are what the call needs and nothing more (no header
parsing on either side), and the server reads them on its event loop directly, without the
HTTP server's threads in between; a call's round trip is about a third of one over HTTP on
loopback (measured in docs/stand-in.md). Only the standard library here: the client imports
this module, and must not load the server.
"""

from __future__ import annotations

import sys

# The longest path a Unix socket's address holds, its NUL not counted (sun_path: 108 bytes on
# Linux, 104 on macOS and the BSDs).
MAX_SOCKET_PATH_BYTES = 107 if sys.platform.startswith("linux") else 103
# The longest first line of a call: a method, a path with a query, a length.
MAX_LINE_BYTES = 8192


class FrameError(ValueError):
    """A first line that is not of the frame's form; the message says what is wrong."""


def call_frame(method: str, target: str, body: bytes) -> bytes:
    """A call: its line and its body."""
    return f"{method} {target} {len(body)}\n".encode("latin-1") + body


def answer_frame(status: int, body: bytes) -> bytes:
    """An answer: its line and its body."""
    return f"{status} {len(body)}\n".encode("ascii") + body


def parse_call_line(line: bytes) -> tuple[str, str, int]:
    """``METHOD TARGET LENGTH`` (without the newline) as its three parts."""
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[1].startswith(b"/"):
        raise FrameError("a call's line is METHOD TARGET LENGTH")
    return parts[0].decode("ascii"), parts[1].decode("latin-1"), _length(parts[2])


def parse_answer_line(line: bytes) -> tuple[int, int]:
    """``STATUS LENGTH`` (without the newline) as its two numbers."""
    parts = line.split(b" ")
    if len(parts) != 2 or not parts[0].isdigit():
        raise FrameError("an answer's line is STATUS LENGTH")
    return int(parts[0]), _length(parts[1])


def _length(text: bytes) -> int:
    if not text.isdigit() or len(text) > 12:
        raise FrameError("a frame's length is a decimal number of bytes")
    return int(text)
