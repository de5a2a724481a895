"""A plain reverse proxy for tests: what stands in front of many real deployments.

It reads each request whole (chunked or with Content-Length), folds repeated header fields
into one comma-separated field as RFC 9110 allows (so ``X-Auth-Token`` sent twice reaches the
server once, as ``a, b``), drops hop-by-hop headers, and forwards the request with a
Content-Length to the upstream server, keeping the raw path and the header values as sent.
Written on the standard library (http.server, http.client: no proxy package is a dependency
of the toolkit, and http.client forwards odd header values that httpx would refuse to send);
it serves tests only, on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import IO
from urllib.parse import urlsplit

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
}


def read_chunked(stream: IO[bytes] | BufferedIOBase) -> bytes:
    body = b""
    while True:
        size = int(stream.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return body
        body += stream.read(size)
        stream.readline()


@dataclass
class Seen:
    """What reached the proxy: each request's arrival time and headers (lower-case names)."""

    requests: list[tuple[float, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    seen: Seen | None = None

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the fuzz report, not the proxy's log."""

    def _forward(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = read_chunked(self.rfile)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        folded: dict[str, str] = {}
        for name, value in self.headers.items():  # every field, repeated ones included
            key = name.lower()
            if key not in HOP_BY_HOP:
                folded[key] = f"{folded[key]}, {value}" if key in folded else value
        if self.seen is not None:
            with self.seen.lock:
                self.seen.requests.append((time.monotonic(), dict(folded)))
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in folded.items():
                upstream.putheader(name, value)
            upstream.putheader("Content-Length", str(len(body)))
            # The server may answer before reading the whole body (a refusal): read its answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                upstream.endheaders(body)
            answer = upstream.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            self.send_error(502, "Bad Gateway")  # as proxies answer when the upstream fails
            return
        finally:
            upstream.close()
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {"date", "server"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def __getattr__(self, name: str) -> object:
        """``do_<METHOD>`` for every method (TRACE, QUERY, ...): all are forwarded."""
        if name.startswith("do_"):
            return self._forward
        raise AttributeError(name)


@contextmanager
def folding_proxy(
    upstream: str, tls: ssl.SSLContext | None = None, seen: Seen | None = None
) -> Iterator[str]:
    """A proxy to ``upstream`` on a free 127.0.0.1 port; yields its base URL. With ``tls``
    it terminates TLS (an https URL), as the proxy in front of a staging server does; with
    ``seen`` it records what reached it."""
    parts = urlsplit(upstream)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    handler = type("Handler", (_Handler,), {"upstream": address, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
