"""Reference server of the Cloud Stream Service job-metrics endpoint.

A real implementation of ``POST /v1.0/{project_id}/jobs/metrics`` on an embedded SQLite
store: the default target of ``make fuzz`` and a working mock for client developers.

Its public API, what other layers use (``tests/test_architecture.py`` holds them to it):

- ``create_app(settings)`` builds the ASGI app (the tests, ``make serve``, the benchmarks and
  the harness' fault-injected variants all start from it); ``Settings`` is its configuration
  and every option of ``serve``; ``Store`` its database;
- ``serve_command``, ``load_command`` (``jobs-metrics serve|load``), ``serve_options``
  (serve with those options and another app factory: the harness' fault server);
- the ASGI types the app is written against, and the demo identities and their jobs;
- what the stand-in (``jobs_metrics_stand_in``) builds its sandboxes from: ``Clock`` (the
  hook ``create_app(store=..., clock=...)`` takes), ``parse_metrics``, ``validate_jobs``
  and ``LoadError`` (jobs in the 200 answer's shape, validated as ``load`` validates them),
  and how each operation answers a refused rule (``Refusal``, ``RuleAnswers``,
  ``new_request_id``), so a scripted refusal is written by the code that writes the real ones.
"""

from reference_server.app import REFUSED_RULE, Clock, create_app, new_request_id
from reference_server.asgi_types import ASGIApp, Message, Receive, Scope, Send
from reference_server.cli import load_command, serve_command, serve_options
from reference_server.demo import (
    ACCESS_KEY_A,
    ACCESS_KEY_B,
    DEMO_ACCESS_KEYS,
    DEMO_TOKENS,
    PROJECT_A,
    PROJECT_A_JOBS,
    PROJECT_B,
    PROJECT_B_JOBS,
    SECRET_KEY_A,
    SECRET_KEY_B,
    TOKEN_A,
    TOKEN_B,
    AccessKey,
)
from reference_server.errors import Refusal, RuleAnswers
from reference_server.loader import parse_metrics, validate_jobs
from reference_server.settings import Settings, SettingsError
from reference_server.store import LoadError, Store

__all__ = [
    "ACCESS_KEY_A",
    "ACCESS_KEY_B",
    "DEMO_ACCESS_KEYS",
    "DEMO_TOKENS",
    "PROJECT_A",
    "PROJECT_A_JOBS",
    "PROJECT_B",
    "PROJECT_B_JOBS",
    "REFUSED_RULE",
    "SECRET_KEY_A",
    "SECRET_KEY_B",
    "TOKEN_A",
    "TOKEN_B",
    "ASGIApp",
    "AccessKey",
    "Clock",
    "LoadError",
    "Message",
    "Receive",
    "Refusal",
    "RuleAnswers",
    "Scope",
    "Send",
    "Settings",
    "SettingsError",
    "Store",
    "create_app",
    "load_command",
    "new_request_id",
    "parse_metrics",
    "serve_command",
    "serve_options",
    "validate_jobs",
]
