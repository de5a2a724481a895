"""Reference server of the Cloud Stream Service job-metrics endpoint.

A real implementation of ``POST /v1.0/{project_id}/jobs/metrics`` on an embedded SQLite
store: the default target of ``make fuzz`` and a working mock for client developers.
``create_app()`` (in :mod:`reference_server.app`) is the one entry point used by the tests,
``make serve`` and the benchmarks.
"""

from reference_server.app import create_app
from reference_server.settings import Settings

__all__ = ["Settings", "create_app"]
