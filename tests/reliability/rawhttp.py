"""A bare HTTP/1.1 client on sockets: sends exactly the bytes a test wants, malformed or not."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from reference_server.demo import PROJECT_A, TOKEN_A

PATH = f"/v1.0/{PROJECT_A}/jobs/metrics"


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    body: bytes = b'{"job_ids": [1]}',
    *,
    method: str = "POST",
    path: str = PATH,
    headers: dict[str, str] | None = None,
    content_length: int | None = None,
    extra_raw_headers: bytes = b"",
    close_after_send: bool = False,
    timeout: float = 30.0,
) -> RawAnswer:
    """Send one request; ``headers=None`` means the demo token and JSON content type."""
    fields = {"Host": "127.0.0.1", "X-Auth-Token": TOKEN_A, "Content-Type": "application/json"}
    if headers is not None:
        fields = {"Host": "127.0.0.1", **headers}
    length = len(body) if content_length is None else content_length
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
    head += f"Content-Length: {length}\r\nConnection: close\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(head.encode("latin-1") + extra_raw_headers + b"\r\n" + body)
            if close_after_send:
                sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading it all (a refused body): read the answer
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    head_bytes, _, payload = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0] else 0
    parsed = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    return RawAnswer(status, parsed, payload)
