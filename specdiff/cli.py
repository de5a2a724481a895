"""``jobs-metrics diff`` (and ``python -m specdiff``): classify the spec's changes since a git
ref and gate on breaking ones.

    jobs-metrics diff --base HEAD~1             # working tree vs the previous commit
    jobs-metrics diff --base old.yaml --head new.yaml   # two files
    jobs-metrics diff --format markdown         # text | json | markdown
    jobs-metrics diff --rules                   # the rule catalogue, as a Markdown table

Exit 0: no breaking change (or one declared by a major ``info.version`` bump); 1: a
breaking change without a major bump; 2: the inputs could not be read or are not of the
shape OpenAPI says (one line on stderr), or the options are wrong. A bug in specdiff is a
traceback, never reported as the user's document.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from specdiff.catalogue import as_markdown as catalogue_markdown
from specdiff.inputs import InputError, is_git_ref, looks_like_a_path, read_file, spec_at
from specdiff.operations import diff_specs
from specdiff.policy import judge
from specdiff.report import as_json, as_junit, as_markdown, as_text

# Relative to --repo (default: the current directory), so the installed command works in any
# repository; `make diff` runs it at the root of this one.
SPEC = Path("openapi") / "jobs-metrics.openapi.yaml"

RENDER = {"text": as_text, "json": as_json, "markdown": as_markdown}

_PATH = click.Path(path_type=Path)


@click.command(
    "diff",
    help="Classify the spec's changes since a git ref (or between two files): breaking, "
    "possibly breaking, additive, for clients and for servers.\n\n"
    "Exit 0: no breaking change, or one declared by a major info.version bump; 1: a breaking "
    "change without a major bump; 2: the inputs could not be read or are malformed.",
)
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
    help="The report on stdout.",
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
    rules: bool,
) -> None:
    if rules:
        click.echo(catalogue_markdown())
        sys.exit(0)
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
        head_doc = read_file(head_path)
        changes = diff_specs(base_doc, head_doc)
    except InputError as exc:
        _fail(str(exc))
    head_label = str(head_path) if head_file else f"{head_path} (working tree)"
    base_version = str(base_doc.get("info", {}).get("version", ""))
    head_version = str(head_doc.get("info", {}).get("version", ""))
    verdict = judge(changes, base_version, head_version)
    base_label += f" ({base_version})"
    head_label += f" ({head_version})"
    click.echo(RENDER[output_format](changes, verdict, base_label, head_label))
    if summary:
        with summary.open("a", encoding="utf-8") as out:
            out.write(as_markdown(changes, verdict, base_label, head_label) + "\n")
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(as_junit(changes, verdict))
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


def _fail(message: str) -> NoReturn:
    """The inputs' fault: one line on stderr, exit 2."""
    click.echo(f"specdiff: {message}", err=True)
    sys.exit(2)
