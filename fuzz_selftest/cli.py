"""``python -m fuzz_selftest [FAULT ...]``: the harness must fail every fault-injected server
and pass the real one."""

from __future__ import annotations

import sys

import click

from fuzz_selftest.faults import FAULTS
from jobs_metrics_spec import run_command_line


@click.command("python -m fuzz_selftest")
@click.option("--seed", type=int, default=None, help="Random seed (default: a new one).")
@click.option("--max-examples", type=click.IntRange(min=1), default=50, show_default=True)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Runs at once."
)
@click.argument("faults", nargs=-1, type=click.Choice(sorted(FAULTS)), metavar="[FAULT]...")
def selftest_command(
    seed: int | None, max_examples: int, jobs: int, faults: tuple[str, ...]
) -> None:
    """The harness must fail every fault-injected server and pass the real one."""
    from fuzz_selftest.selftest import run_selftest

    sys.exit(run_selftest(list(faults), seed=seed, max_examples=max_examples, jobs=jobs))


def main(argv: list[str] | None = None) -> int:
    """A usage error is one line, exit 2."""
    return run_command_line(selftest_command, str(selftest_command.name), argv)
