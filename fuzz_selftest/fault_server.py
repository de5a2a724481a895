"""Serve the reference server with one injected fault:
``python -m fuzz_selftest.fault_server serve --fault NAME [serve options]``.

The fault server's ``serve`` is the reference server's ``serve`` command (its params, reused,
not restated) plus ``--fault``, so :class:`fuzz_harness.server_process.ServerProcess` starts
either the same way. The fault's name reaches Granian's worker in ``JM_FAULT``, as the
settings do in theirs (:mod:`reference_server.worker` says why).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from fuzz_selftest.faults import FAULTS, faulty_app
from jobs_metrics_spec import run_command_line
from reference_server import ASGIApp, Settings, serve_command, serve_options

ENV_FAULT = "JM_FAULT"
FACTORY = "fuzz_selftest.fault_server:create_faulty_app"


def create_faulty_app() -> ASGIApp:
    """The worker's app: the fault in ``JM_FAULT`` over the settings in the environment."""
    return faulty_app(os.environ[ENV_FAULT], Settings.read())


def _serve_with_fault(fault: str, **given: Any) -> None:
    os.environ[ENV_FAULT] = fault
    sys.exit(serve_options(given, factory=FACTORY))


fault_option = click.Option(
    ["--fault"],
    type=click.Choice(sorted(FAULTS)),
    required=True,
    help="The contract break to inject (fuzz_selftest.faults).",
)
serve_with_fault = click.Command(
    "serve",
    params=[fault_option, *serve_command.params],
    callback=_serve_with_fault,
    help="The reference server with one fault injected (the harness' self-test).",
    epilog=serve_command.epilog,
)


@click.group("python -m fuzz_selftest.fault_server")
def fault_server() -> None:
    """Fault-injected variants of the reference server."""


fault_server.add_command(serve_with_fault)


def main(argv: list[str] | None = None) -> int:
    """``python -m fuzz_selftest.fault_server``: a usage error is one line, exit 2."""
    return run_command_line(fault_server, str(fault_server.name), argv)


if __name__ == "__main__":
    sys.exit(main())
