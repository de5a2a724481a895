"""The stand-in: the provider in a box, scriptable per test (issue #33; STAND_IN.md).

One warm server holds sandboxes: each a fresh project with its own token, AK/SK, jobs,
script (contract outcomes, transport faults, delays), throttle, clock and request journal,
served on exactly the spec's paths by the reference server's own app. A control API
(``openapi/stand-in.openapi.yaml``, under ``/_stand-in/``) drives it from any language; this
package's public API is the Python client of it:

- ``StandIn.start()`` (a context manager; a free loopback port) or ``StandIn.attach(url)``;
- ``stand_in.sandbox()`` -> ``Sandbox`` with ``base_url``, ``project_id``, ``token``,
  ``access_key``, ``secret_key``, ``add_jobs``, ``fail_next``, ``fault``, ``delay``,
  ``throttle``, ``set_clock``, ``requests``, ``reset``, ``close``;
- ``stand_in_command``, the ``jobs-metrics stand-in`` command; ``measure``, the figures of
  ``bench`` (start-up, and a sandbox created, loaded with 100 jobs and reset).

Importing it loads only the client (httpx): the server's modules are imported by the command.
"""

from jobs_metrics_stand_in.client import (
    Request,
    Sandbox,
    ScriptCallRefused,
    StandIn,
    StandInError,
)

__all__ = [
    "Request",
    "Sandbox",
    "ScriptCallRefused",
    "StandIn",
    "StandInError",
    "measure",
    "stand_in_command",
]


def __getattr__(name: str) -> object:
    """The command and the bench function, imported when first used (they load click and
    the server)."""
    if name == "stand_in_command":
        from jobs_metrics_stand_in.cli import stand_in_command

        return stand_in_command
    if name == "measure":
        from jobs_metrics_stand_in.bench import measure

        return measure
    raise AttributeError(name)
