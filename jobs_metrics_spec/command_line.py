"""Every command of the toolkit ends the same way: its exit code, and a usage error in one line.

click's standalone mode prints a usage error in three lines ("Usage: ...", "Try ...",
"Error: ..."); a CI log, the only window a fuzzing engineer may have, reads better with one
line that names the tool and the option. ``jobs-metrics`` and the ``python -m`` entry points
of the server and the harness (the fault server's too) run their click command through
:func:`run_command_line`; it lives in the core, the one package all of them import.
``specdiff``, which imports nothing of ours, ends its ``python -m`` the same way in its own
``main``.
"""

from __future__ import annotations

import sys

import click


def run_command_line(command: click.Command, prog_name: str, argv: list[str] | None = None) -> int:
    """Run ``command`` on ``argv`` (``sys.argv[1:]`` when ``None``): the exit code it ends with;
    a usage error is ``<tool>: <message>`` on stderr and 2, the tool being the last word of
    ``prog_name`` (``python -m specdiff`` -> ``specdiff``)."""
    tool = prog_name.split()[-1]
    _common_options(command, tool)
    try:
        result = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except SystemExit as exc:  # a command that ends the process itself: sys.exit(code)
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # sys.exit(text), as the interpreter would
        return 1
    except click.exceptions.NoArgsIsHelpError as exc:  # a group called bare: its help
        print(exc.format_message(), file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"{tool}: {exc.format_message()}", file=sys.stderr)
        return 2
    except click.Abort:  # Ctrl-C: what was asked was not done. 2, "could not test" for a
        print(f"{tool}: aborted", file=sys.stderr)  # fuzz run (click's 1 reads "violations")
        return 2
    return result if isinstance(result, int) else 0  # ctx.exit(code), --help, --version


def _common_options(command: click.Command, tool: str) -> None:
    """``-h`` beside ``--help`` (for the command and, inherited, its subcommands) and
    ``--version`` on every command line of the toolkit, the same way: added when the command
    runs, not declared in each tool."""
    command.context_settings.setdefault("help_option_names", ["-h", "--help"])
    if not any(param.name == "version" for param in command.params):
        click.version_option(message=f"{tool} %(version)s", version=_version())(command)


def _version() -> str:
    """The toolkit's version and the spec version it carries (``info.version``)."""
    from importlib.metadata import PackageNotFoundError, version

    from jobs_metrics_spec import spec_document

    try:
        toolkit = version("jobs-metrics-toolkit")
    except PackageNotFoundError:  # run from a clone without installing
        toolkit = "(not installed)"
    return f"{toolkit}, spec {spec_document()['info']['version']}"
