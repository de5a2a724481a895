"""The floor of the HTTP benchmark: Granian serving a bare ASGI app (``app``) that reads the
request's body and answers a fixed body of the reference server's shape (the same 10 jobs
the benchmark's request asks for), with the reference server's Granian settings.

It is what the reference server would cost if its work per request were free: the ratio
of the two is how much of Granian's speed the server keeps. The body is read because every
handler of a POST must read it (the answer depends on it); nothing else is done.

``python -m bench.bare_granian PORT`` serves it on 127.0.0.1 until SIGTERM.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from reference_server.demo import PROJECT_A_JOBS

_JOBS = b",".join(
    b'{"job_id":%d,"metrics":{"sources":[{"name":"Source: KAFKA_%d","records":1200,'
    b'"corrupted_records":3}],"sinks":[{"name":"Sink: DWS_%d","records":1197,'
    b'"corrupted_records":0}],"total_read_rate":40.5,"total_write_rate":39.9}}' % (i, i, i)
    for i in list(PROJECT_A_JOBS)[:10]
)
HEADERS = [(b"content-type", b"application/json")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    now = b"%d" % (time.time_ns() // 1_000_000)
    body = b'{"message_id":"CS.10001","message":"Job monitoring information queried.",'
    body += b'"current_time":' + now + b',"payload":{"jobs":[' + _JOBS + b"]}}"
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": body})


def main(port: int) -> None:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    from reference_server.http_server import event_loop

    Granian(
        "bench.bare_granian:app",
        address="127.0.0.1",
        port=port,
        interface=Interfaces.ASGI,
        http=HTTPModes.http1,
        workers=1,
        loop=event_loop(),
        log_access=False,
        backpressure=2048,
    ).serve()


if __name__ == "__main__":
    main(int(sys.argv[1]))
