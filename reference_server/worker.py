"""The app factory Granian's worker processes call, and how the configuration reaches them.

Granian spawns its workers with ``multiprocessing`` and each worker imports the app factory
by name: nothing of the main process travels but the environment. So the command line writes
its :class:`~reference_server.settings.Settings` into the ``JOBS_METRICS_*`` variables
(``Settings.export``), the factory's name into ``JOBS_METRICS_APP_FACTORY``, and the worker
reads both back here; a fault-injected server (the harness' ``fault_server``) passes its
fault the same way.

The worker first ties its life to the main process (:mod:`reference_server.lifetime` says
why), then builds the real app.
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
