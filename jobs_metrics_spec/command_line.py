"""Every command of the toolkit ends the same way: its exit code, and a usage error in one line.

click's standalone mode prints a usage error in three lines ("Usage: ...", "Try ...",
"Error: ..."); a CI log, the only window a fuzzing engineer may have, reads better with one
line that names the tool and the option. ``jobs-metrics`` and every ``python -m`` entry point
(``specdiff``, ``fuzz_harness``, ``reference_server``, the fault server) run their click
command through :func:`run_command_line`. It lives in the core because every layer has an
entry point, and the core is the one package they all import.
"""

from __future__ import annotations

import sys

import click


def run_command_line(command: click.Command, prog_name: str, argv: list[str] | None = None) -> int:
    """Run ``command`` on ``argv`` (``sys.argv[1:]`` when ``None``): the exit code it ends with;
    a usage error is ``<tool>: <message>`` on stderr and 2, the tool being the last word of
    ``prog_name`` (``python -m specdiff`` -> ``specdiff``)."""
    try:
        result = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except SystemExit as exc:  # a command that ends the process itself (sys.exit(code))
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except click.exceptions.NoArgsIsHelpError as exc:  # a group called bare: its help
        print(exc.format_message(), file=sys.stderr)
        return 2
    except click.ClickException as exc:
        print(f"{prog_name.split()[-1]}: {exc.format_message()}", file=sys.stderr)
        return 2
    except click.Abort:  # Ctrl-C, or an answer of "no" to a prompt
        return 2
    return result if isinstance(result, int) else 0  # ctx.exit(code), --help, --version
