"""A refusal sent before the request's body was read to its end says ``Connection: close``.

The HTTP server cannot reuse such a connection and closes it after the answer; unannounced,
a client sent its next request into the close and got no answer (Granian did this to 7 of
1,000 body-too-large refusals under load, and the fuzz harness once failed the real server
for it). Said in the answer, the client opens a new connection (RFC 9112, 9.6).
"""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.demo import PROJECT_A_JOBS
from tests.support import call

OVER = b"{" + b" " * (1024 * 1024) + b"}"  # one byte over the spec's max_body_bytes, and more
CHUNKED = [(b"transfer-encoding", b"chunked")]  # as the HTTP server passes it on


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"body": OVER}, 400),  # refused from its Content-Length, the body unread
        # refused past the limit, the body's last part unread
        ({"chunks": [OVER[:65536], OVER[65536:], b""], "extra_headers": CHUNKED}, 400),
        ({"body": {"job_ids": [1]}, "token": "not-a-token"}, 400),  # refused before the body
    ],
    ids=["content-length over the limit", "chunked over the limit", "unknown token"],
)
def test_a_refusal_before_the_body_ends_closes_the_connection(
    app: Any, request_kwargs: dict[str, Any], status: int
) -> None:
    answer = call(app, **request_kwargs)
    assert answer.status == status
    assert answer.headers.get("connection") == "close"


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"body": {"job_ids": [PROJECT_A_JOBS[0]]}}, 200),  # read whole, answered
        ({"body": {"job_ids": "1"}}, 400),  # read whole, then refused
        ({"method": "GET", "body": None}, 405),  # no body at all
        ({"body": OVER, "http_version": "2"}, 400),  # HTTP/2 ends a stream, not a connection
        # past the limit in its last part: refused, but read to its end
        ({"chunks": [OVER[:65536], OVER[65536:]], "extra_headers": CHUNKED}, 400),
    ],
    ids=["answered", "refused after the body", "no body", "http/2", "over in its last part"],
)
def test_an_answer_after_the_whole_body_keeps_the_connection(
    app: Any, request_kwargs: dict[str, Any], status: int
) -> None:
    answer = call(app, **request_kwargs)
    assert answer.status == status
    assert "connection" not in answer.headers
