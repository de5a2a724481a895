"""``jobs-metrics``: the toolkit's one command, installed with the toolkit wheel.

One click group; each subcommand is the command object of the layer that owns the capability,
declared there once (its options, types, defaults and environment variables), so
``jobs-metrics fuzz --help``, the make targets and ``python -m <package>`` can never disagree:

- ``fuzz``    - :mod:`fuzz_harness`: check a server against every rule of the spec
- ``replay``  - :mod:`fuzz_harness`: resend one failure of a fuzz report
- ``serve``   - :mod:`reference_server`: the reference implementation
- ``load``    - :mod:`reference_server`: import metrics into its database
- ``diff``    - :mod:`specdiff`: classify the changes between two versions of a spec
- ``stand-in`` - :mod:`jobs_metrics_stand_in`: scriptable sandboxes of the API, for client tests
- ``version`` - the toolkit's version and the spec version it carries

Subcommands are loaded when they run (a lazy group): ``jobs-metrics serve`` does not load
schemathesis, ``jobs-metrics version`` loads only the spec. Exit codes are the tools' own
(``fuzz``: 0 conforms, 1 violations, 2 could not test); a usage error is one line, exit 2.
"""

from __future__ import annotations

import importlib
from importlib.metadata import version as installed_version

import click

from jobs_metrics_spec import run_command_line

__all__ = ["cli", "main"]

# name -> (module, attribute of the click command there, one line of help)
COMMANDS = {
    "fuzz": ("fuzz_harness", "run_command", "Check a server against every rule of the spec."),
    "replay": ("fuzz_harness", "replay_command", "Resend one failure of a fuzz report."),
    "serve": ("reference_server", "serve_command", "Run the reference server (127.0.0.1)."),
    "load": ("reference_server", "load_command", "Import a metrics file into its database."),
    "diff": (
        "specdiff",
        "diff_command",
        "Classify spec changes: breaking, possibly, additive.",
    ),
    "stand-in": (
        "jobs_metrics_stand_in",
        "stand_in_command",
        "Serve scriptable sandboxes of the API for client tests.",
    ),
}


class LazyGroup(click.Group):
    """Imports a subcommand's module only when that subcommand runs or shows its help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list without importing every subcommand (their help lines are here)."""
        rows = [(name, text) for name, (_, _, text) in COMMANDS.items()]
        rows += [(name, cmd.get_short_help_str()) for name, cmd in self.commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, name="jobs-metrics")
def cli() -> None:
    """The jobs-metrics toolkit: fuzz, replay, serve, load, diff, stand-in, version."""


@cli.command("version")
def version_command() -> None:
    """Print the toolkit and spec versions."""
    from jobs_metrics_spec import spec_document

    spec = spec_document()
    toolkit = installed_version("jobs-metrics-toolkit")
    click.echo(f"jobs-metrics-toolkit {toolkit}, spec {spec['info']['version']}")


def main(argv: list[str] | None = None) -> int:
    """Run the group as a tool: the subcommand's exit code; a usage error is one line, exit 2."""
    return run_command_line(cli, str(cli.name), argv)
