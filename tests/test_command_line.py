"""Every command of ours ends the same way (``jobs_metrics_spec.run_command_line``): its exit
code, and a usage error in one line naming the tool, exit 2."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click
import pytest

from fuzz_harness.cli import main as harness_main
from fuzz_selftest.fault_server import main as fault_server_main
from jobs_metrics_cli import main as cli_main
from jobs_metrics_spec import run_command_line
from reference_server.cli import main as server_main
from specdiff.cli import main as specdiff_main
from tests.support import run_tool

ENTRY_POINTS: dict[str, tuple[Callable[[list[str]], int], list[str]]] = {
    "jobs-metrics": (cli_main, ["serve", "--port", "0"]),
    "specdiff": (specdiff_main, ["--format", "xml"]),
    "fuzz_harness": (harness_main, ["run", "--mode", "sideways"]),
    "reference_server": (server_main, ["serve", "--port", "0"]),
    "fuzz_selftest.fault_server": (fault_server_main, ["serve", "--fault", "no-such-fault"]),
}


@pytest.mark.usefixtures("no_server_starts")
@pytest.mark.parametrize("tool", ENTRY_POINTS)
def test_a_usage_error_is_one_line_naming_the_tool_and_exit_2(tool: str) -> None:
    """click's standalone mode printed three lines (Usage, Try, Error) for the `python -m`
    entry points, one of which the harness prints to replay a failure."""
    main, argv = ENTRY_POINTS[tool]
    result = run_tool(main, argv)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"{tool}: "), result.stderr
    assert "Usage:" not in result.stderr


@click.command()
@click.option("--code", type=int, default=0)
@click.option("--text")
@click.option("--abort", is_flag=True)
def _ends(code: int, text: str | None, abort: bool) -> None:
    if abort:
        raise click.Abort  # what click raises on Ctrl-C
    if text is not None:
        raise SystemExit(text)
    click.get_current_context().exit(code)


@pytest.mark.parametrize(
    ("argv", "code", "said"),
    [
        ([], 0, ""),
        (["--code", "3"], 3, ""),
        (["--help"], 0, ""),
        (["--text", "gone"], 1, "gone\n"),
        (["--abort"], 2, "tool: aborted\n"),
        (["-x"], 2, "tool: No such option '-x'.\n"),
    ],
)
def test_the_exit_code_is_the_commands(argv: list[str], code: int, said: str) -> None:
    """ctx.exit(code) and --help end with their code (click returns it when not standalone);
    sys.exit(text) prints the text and is 1, as the interpreter does; Ctrl-C is 2, "what was
    asked was not done" (click's 1 would read as a fuzz run's "violations")."""
    result = run_tool(lambda args: run_command_line(_ends, "python -m tool", args), argv)
    assert (result.returncode, result.stderr) == (code, said)


def test_a_group_called_bare_prints_its_help() -> None:
    result = run_tool(cli_main, [])
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: jobs-metrics [OPTIONS] COMMAND"), result.stderr
    assert "version" in result.stderr


@pytest.mark.parametrize(
    ("main", "tool"),
    [
        ("jobs_metrics_cli", "jobs-metrics"),
        ("reference_server.cli", "reference_server"),
        ("fuzz_harness.cli", "fuzz_harness"),
        ("specdiff.cli", "specdiff"),
    ],
)
def test_every_command_line_has_version_and_short_help(main: str, tool: str) -> None:
    """``--version`` and ``-h`` everywhere, the same way (issue 36)."""
    entry = importlib.import_module(main).main
    version = run_tool(entry, ["--version"])
    assert version.returncode == 0
    assert version.stdout.startswith(f"{tool} ")
    short = run_tool(entry, ["-h"])
    assert short.returncode == 0
    assert short.stdout.startswith("Usage:")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["diff", "--base-file", "/dev/zero"], "cannot read /dev/zero: not a regular file"),
        (["diff", "--base", "HEAD", "--waivers", "/dev/zero"],
         "cannot read the waivers file /dev/zero: not a regular file"),
        (["stand-in", "--script", "/dev/zero", "--port", "1"],
         "script /dev/zero: cannot be read (not a regular file)"),
        (["diff", "--base-file", "/no/such.yaml"], "No such file or directory"),
    ],
    ids=["spec from a device", "waivers from a device", "script from a device", "missing"],
)  # fmt: skip
def test_a_file_that_is_no_input_is_one_line_and_exit_2(argv: list[str], words: str) -> None:
    """Every file a user names is read through one bounded reader (jobs_metrics_spec.
    read_input_file; specdiff's own inputs.read_text): /dev/zero was read until memory ran
    out and a FIFO waited for good."""
    result = run_tool(cli_main, argv)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr
