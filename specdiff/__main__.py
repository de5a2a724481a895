"""``python -m specdiff``: the ``jobs-metrics diff`` command (:mod:`specdiff.cli`); a usage
error is one line on stderr and exit 2, as ``jobs-metrics`` reports it."""

import sys

import click

from specdiff.cli import diff_command

if __name__ == "__main__":
    try:
        diff_command.main(prog_name="python -m specdiff", standalone_mode=False)
    except click.ClickException as exc:
        print(f"specdiff: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except click.Abort:
        sys.exit(2)
