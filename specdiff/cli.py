"""``jobs-metrics diff`` (and ``python -m specdiff``): classify the spec's changes since a git
ref and gate on breaking ones.

    jobs-metrics diff --base HEAD~1             # working tree vs the previous commit
    jobs-metrics diff --base old.yaml --head new.yaml   # two files
    jobs-metrics diff --format markdown         # text | json | markdown | changelog
    jobs-metrics diff --waivers waivers.yaml    # accepted changes, each with its reason
    jobs-metrics diff --fail-on possibly-breaking
    jobs-metrics diff --rules                   # the rule catalogue, as a Markdown table

Exit 0: no breaking change (or one declared by a major ``info.version`` bump, or waived);
1: a breaking change without a major bump (with ``--fail-on possibly-breaking``: a possibly
breaking one too); 2: the inputs or the waivers file could not be read or are not of the
shape they must have (one line on stderr), or the options are wrong. A bug in specdiff is
a traceback, never reported as the user's document.

stdout carries the report and nothing else, so ``--format json`` pipes into a JSON parser;
GitHub annotations (``--github-annotations``, on when ``GITHUB_ACTIONS=true``) go to stderr,
which the Actions runner reads workflow commands from as it reads stdout (actions/runner's
``ScriptHandler`` feeds both streams to its command manager).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from specdiff.catalogue import as_markdown as catalogue_markdown
from specdiff.inputs import (
    InputError,
    is_git_ref,
    looks_like_a_path,
    parse,
    read_file,
    read_text,
    spec_at,
)
from specdiff.locate import Lines
from specdiff.operations import diff_specs
from specdiff.policy import FailOn, judge
from specdiff.report import (
    as_annotations,
    as_changelog,
    as_json,
    as_junit,
    as_markdown,
    as_text,
)
from specdiff.waivers import Waiver
from specdiff.waivers import apply as apply_waivers
from specdiff.waivers import load as load_waivers

# Relative to --repo (default: the current directory), so the installed command works in any
# repository; `make diff` runs it at the root of this one.
SPEC = Path("openapi") / "jobs-metrics.openapi.yaml"

RENDER = {"text": as_text, "json": as_json, "markdown": as_markdown, "changelog": as_changelog}

_PATH = click.Path(path_type=Path)


@click.command(
    "diff",
    help="Classify the spec's changes since a git ref (or between two files): breaking, "
    "possibly breaking, additive, for clients and for servers.\n\n"
    "Exit 0: no breaking change, or one declared by a major info.version bump, or waived; "
    "1: a breaking change without a major bump (with --fail-on possibly-breaking, a possibly "
    "breaking one too); 2: the inputs or the waivers could not be read or are malformed.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="jobs-metrics-toolkit", message="specdiff %(version)s")
@click.option(
    "--base",
    default="HEAD~1",
    show_default=True,
    help="The old spec: a file, or a git ref to read --spec at.",
)
@click.option("--base-file", type=_PATH, help="The old spec as a file (same as --base FILE).")
@click.option(
    "--head",
    "--head-file",
    "head_file",
    type=_PATH,
    help="The new spec as a file (default: --spec in the working tree).",
)
@click.option(
    "--repo",
    type=_PATH,
    default=Path(),
    help="Git work tree (default: the current directory).",
)
@click.option(
    "--spec", type=_PATH, default=SPEC, show_default=True, help="The spec's path in --repo."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(tuple(RENDER)),
    default="text",
    show_default=True,
    help="The report on stdout (changelog: Markdown release notes for SPEC_CHANGELOG.md).",
)
@click.option(
    "--waivers",
    type=_PATH,
    envvar="WAIVERS",
    show_envvar=True,
    help="YAML list of accepted changes, each {rule, pointer, reason, expires: YYYY-MM-DD}: "
    "listed as waived, not counted by the exit code.",
)
@click.option(
    "--fail-on",
    type=click.Choice([f.value for f in FailOn]),
    envvar="FAIL_ON",
    show_envvar=True,
    default=FailOn.BREAKING.value,
    show_default=True,
    help="The least impact that exits 1 without a major bump.",
)
@click.option(
    "--github-annotations/--no-github-annotations",
    envvar="GITHUB_ACTIONS",
    show_envvar=True,
    default=False,
    help="Also write GitHub workflow commands (::error file=...,line=...::) to stderr: each "
    "change on its line of the spec.",
)
@click.option("--junit", type=_PATH, help="Also write a JUnit XML report here.")
@click.option(
    "--summary",
    type=_PATH,
    help="Also append the Markdown report to this file (CI: $GITHUB_STEP_SUMMARY).",
)
@click.option("--rules", is_flag=True, help="Print the rule catalogue and exit.")
def diff_command(
    base: str,
    base_file: Path | None,
    head_file: Path | None,
    repo: Path,
    spec: Path,
    output_format: str,
    junit: Path | None,
    summary: Path | None,
    waivers: Path | None,
    fail_on: str,
    github_annotations: bool,
    rules: bool,
) -> None:
    if rules:
        click.echo(catalogue_markdown())
        sys.exit(0)
    try:  # checked before any comparison: a broken waivers file is not a verdict
        accepted: tuple[Waiver, ...] = load_waivers(waivers) if waivers else ()
    except InputError as exc:
        _fail(str(exc))
    if base_file is None and Path(base).is_file():
        base_file = Path(base)
    elif base_file is None and looks_like_a_path(base) and not is_git_ref(base, repo):
        _fail(
            f"BASE {base!r} looks like a spec file, but there is no such file "
            "(and no git ref of that name)"
        )
    head_path = head_file or repo / spec
    try:
        if base_file:
            base_doc, base_label = read_file(base_file), str(base_file)
        else:
            base_doc, base_label = spec_at(base, spec, repo), f"{spec}@{base}"
        head_text = read_text(head_path)
        head_doc = parse(head_text, str(head_path))
        changes = diff_specs(base_doc, head_doc)
    except InputError as exc:
        _fail(str(exc))
    head_label = str(head_path) if head_file else f"{head_path} (working tree)"
    base_version = str(base_doc.get("info", {}).get("version", ""))
    head_version = str(head_doc.get("info", {}).get("version", ""))
    waived = apply_waivers(changes, accepted, dt.date.today())
    verdict = judge(changes, base_version, head_version, fail_on=FailOn(fail_on), waived=waived)
    base_label += f" ({base_version})"
    head_label += f" ({head_version})"
    click.echo(RENDER[output_format](changes, verdict, base_label, head_label))
    if summary:
        with summary.open("a", encoding="utf-8") as out:
            out.write(as_markdown(changes, verdict, base_label, head_label) + "\n")
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(as_junit(changes, verdict))
    if github_annotations:
        for command in as_annotations(
            changes, verdict, _workspace_path(head_path), Lines(head_text), _workspace_path
        ):
            click.echo(command, err=True)
    sys.exit(verdict.exit_code)


def main(argv: list[str] | None = None) -> int:
    """``python -m specdiff``: the command's exit code; a usage error is one line on stderr
    and exit 2, as ``jobs_metrics_spec.run_command_line`` ends every other command of ours
    (specdiff imports nothing of ours: it compares any OpenAPI document)."""
    try:
        result = diff_command.main(args=argv, prog_name="python -m specdiff", standalone_mode=False)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        click.echo(exc.code, err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"specdiff: {exc.format_message()}", err=True)
        return 2
    except click.Abort:  # Ctrl-C: no verdict (1 would read "breaking")
        click.echo("specdiff: aborted", err=True)
        return 2
    return result if isinstance(result, int) else 0


def _workspace_path(path: Path | str) -> str:
    """``path`` as GitHub names a file in an annotation: relative to the checkout
    (``$GITHUB_WORKSPACE``, else the current directory), with forward slashes; a path
    outside it stays as given (GitHub then shows the annotation without a line)."""
    path = Path(path)
    root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _fail(message: str) -> NoReturn:
    """The inputs' fault: one line on stderr, exit 2."""
    click.echo(f"specdiff: {message}", err=True)
    sys.exit(2)
