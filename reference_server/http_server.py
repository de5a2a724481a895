"""Serve an app factory under Granian with the limits of :class:`Settings`.

Granian is a Rust HTTP server: the ASGI stack that meets the speed goal here. Its defaults
suit one trusted client, so every limit the app cannot see (header time, connections per
worker, the wait on SIGTERM, HTTP/2 header lists) is set from the settings here.
"""

from __future__ import annotations

import importlib
import os

from reference_server.oslimits import check_port_free, raise_open_file_limit
from reference_server.settings import Settings
from reference_server.worker import ENV_FACTORY, WORKER_FACTORY

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
    Granian(
        WORKER_FACTORY,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        http=HTTPModes[settings.http],
        workers=settings.workers,
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
    ).serve()
