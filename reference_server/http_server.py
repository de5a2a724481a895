"""Serve an app factory under Granian with the limits of :class:`Settings`.

Granian is a Rust HTTP server: the ASGI stack that meets the speed goal here. Its defaults
suit one trusted client, so every limit the app cannot see (header time, connections per
worker, the wait on SIGTERM, HTTP/2 header lists) is set from the settings here.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from reference_server.oslimits import check_port_free, raise_open_file_limit
from reference_server.settings import Settings
from reference_server.worker import ENV_FACTORY, WORKER_FACTORY

if TYPE_CHECKING:
    from granian.constants import Loops

APP_FACTORY = "reference_server.app:create_app"


def serve(settings: Settings, factory: str = APP_FACTORY) -> None:
    """Serve ``factory`` (``module:function``, building an ASGI app from the environment)
    until SIGTERM or SIGINT; a bad database, token file or busy port fails before binding."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings, HTTP2Settings

    settings.export()  # what the worker (and the check below) builds the app from
    module, _, name = factory.partition(":")
    getattr(importlib.import_module(module), name)()  # fails here, not in the worker
    check_port_free(settings.host, settings.port)
    raise_open_file_limit(settings.workers * settings.max_connections + 256)
    os.environ[ENV_FACTORY] = factory
    server = Granian(
        WORKER_FACTORY,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        http=HTTPModes[settings.http],
        workers=settings.workers,
        runtime_threads=settings.runtime_threads,
        loop=event_loop(),
        factory=True,
        log_access=False,
        # Granian counts connections, not requests, against backpressure.
        backpressure=settings.max_connections,
        workers_kill_timeout=settings.shutdown_timeout,
        http1_settings=HTTP1Settings(header_read_timeout=int(settings.header_timeout * 1000)),
        # HTTP/2's own limit is 16 MiB of decoded headers per request, which let 100
        # connections hold over a GiB. Twice the app's limit: headers between the two still
        # reach the app and get the provider's error body; beyond, the stream is reset.
        http2_settings=HTTP2Settings(max_headers_size=2 * settings.max_header_bytes),
    )
    record_signals_only(server)
    server.serve()


def event_loop() -> Loops:
    """The workers' event loop: uvloop where it imports (a dependency of the toolkit, except
    on Windows), else asyncio's own. Named, not Granian's "auto", which would take any other
    loop it finds installed (rloop, marked experimental); imported, not only looked up, so
    that a broken install falls back instead of failing every worker. Measured 2026-12-08
    under ``wrk`` (1 thread, 16 connections, interleaved rounds): the reference server
    24.7k requests/s with uvloop against 18.0k with asyncio's loop; a bare app 31.0k
    against 24.1k. One difference: a SIGTERM reaching a worker in the ~0.6 ms between its
    start-up and its serving is acted on only by asyncio's loop (uvloop listens for signals
    only while its loop runs); on uvloop Granian kills that worker after
    ``--shutdown-timeout``."""
    from granian.constants import Loops

    try:
        import uvloop  # noqa: F401
    except ImportError:
        return Loops.asyncio
    return Loops.uvloop


# How often the forwarding thread looks for a recorded signal: the delay a SIGTERM may add
# before the shutdown starts (the grace period, --shutdown-timeout, counts from there).
SIGNAL_POLL_SECONDS = 0.05


def record_signals_only(server: Any) -> None:
    """Make Granian's signal handlers record the signal and nothing else; a thread wakes its
    main loop.

    Granian's own handlers call ``threading.Event.set()`` (granian/server/common.py,
    ``signal_handler_interrupt``). A Python signal handler runs in the main thread between
    two bytecodes, so a second SIGTERM arriving while the first handler held the event's
    (non-reentrant) lock re-entered ``Event.set`` and waited for that lock forever: seen once
    after a benchmark, the main process never exited and no longer listened. Here the
    handlers only set a flag (no lock), and the ``Event.set`` happens in a thread of its own,
    which no signal handler interrupts; Granian's loop reads the same flags as before. (A
    defect of Granian's to report upstream: a signal handler must not take a lock.)"""

    def interrupt(*_: object) -> None:
        server.interrupt_signal = True

    def reload(*_: object) -> None:
        server.reload_signal = True

    server.signal_handler_interrupt = interrupt
    server.signal_handler_reload = reload

    def forward() -> None:
        while True:
            time.sleep(SIGNAL_POLL_SECONDS)
            if server.interrupt_signal or server.reload_signal:
                server.main_loop_interrupt.set()

    threading.Thread(target=forward, name="signal-forwarder", daemon=True).start()
