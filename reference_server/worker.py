"""The app factory Granian's worker processes call: the worker first ties its life to the
main process, then builds the real app.

Granian spawns workers with ``multiprocessing``; when its main process was killed with
SIGKILL, the worker went on serving for minutes with PID 1 as its parent and held the port,
so a restart was refused. The real factory's name travels in the environment (the only thing
a spawned worker inherits), so a fault-injected server (the harness' ``fault_server``) gets
the same protection.
"""

from __future__ import annotations

import importlib
import os
import signal

from reference_server.asgi_types import ASGIApp
from reference_server.lifetime import die_with_parent

ENV_FACTORY = "JOBS_METRICS_APP_FACTORY"
WORKER_FACTORY = "reference_server.worker:create_worker_app"


def create_worker_app() -> ASGIApp:
    """Die with the main process (SIGKILL: it is gone, nobody would wait for a graceful
    stop), then return the app of the factory named in ``JOBS_METRICS_APP_FACTORY``."""
    die_with_parent(signal.SIGKILL)
    module, _, name = os.environ[ENV_FACTORY].partition(":")
    app: ASGIApp = getattr(importlib.import_module(module), name)()
    return app
