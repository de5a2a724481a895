"""``make diff``: classify the spec's changes since a git ref and gate on breaking ones.

    jobs-metrics diff --base HEAD~1             # working tree vs the previous commit
    jobs-metrics diff --base old.yaml --head new.yaml   # two files
    jobs-metrics diff --format markdown         # text | json | markdown
    jobs-metrics diff --rules                   # the rule catalogue, as a Markdown table

Exit 0: no breaking change (or one declared by a major ``info.version`` bump); 1: a
breaking change without a major bump; 2: the inputs could not be read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from specdiff.catalogue import as_markdown as catalogue_markdown
from specdiff.operations import diff_specs
from specdiff.report import as_json, as_junit, as_markdown, as_text, judge

# Relative to --repo (default: the current directory), so the installed command works in any
# repository; `make diff` runs it at the root of this one.
SPEC = Path("openapi") / "jobs-metrics.openapi.yaml"


RENDER = {"text": as_text, "json": as_json, "markdown": as_markdown}


class InputError(Exception):
    """A spec version that could not be read."""


def spec_at(ref: str, spec: Path, repo: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["git", "show", f"{ref}:./{spec.as_posix()}"],  # ./ : relative to cwd, not the root
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InputError(f"cannot read {spec} at {ref!r}: {result.stderr.strip()}")
    return _parse(result.stdout, f"{spec}@{ref}")


def _looks_like_a_path(base: str) -> bool:
    """A spec file's name (``old.yaml``, ``./specs/v1.json``), not a ref (``origin/main``)."""
    return Path(base).suffix.lower() in (".yaml", ".yml", ".json") or base.startswith(
        ("./", "../", "/", "~")
    )


def _is_git_ref(ref: str, repo: Path) -> bool:
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=repo, capture_output=True, check=False,
    )  # fmt: skip
    return found.returncode == 0


def _parse(text: str, label: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{label} is not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{label} is not an OpenAPI document")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jobs-metrics diff", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base",
        default="HEAD~1",
        help="the old spec: a file, or a git ref to read --spec at (default HEAD~1)",
    )
    parser.add_argument(
        "--base-file", type=Path, help="the old spec as a file (same as --base FILE)"
    )
    parser.add_argument(
        "--head", "--head-file", dest="head_file", type=Path,
        help="the new spec as a file (default: --spec in the working tree)",
    )  # fmt: skip
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="git work tree (default: the current directory)"
    )
    parser.add_argument(
        "--spec", type=Path, default=SPEC, help=f"the spec's path in --repo (default {SPEC})"
    )
    parser.add_argument("--format", choices=tuple(RENDER), default="text")
    parser.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    parser.add_argument(
        "--summary",
        type=Path,
        help="also append the Markdown report to this file (CI: $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument("--rules", action="store_true", help="print the rule catalogue and exit")
    args = parser.parse_args(argv)
    if args.rules:
        print(catalogue_markdown())
        return 0
    if args.base_file is None and Path(args.base).is_file():
        args.base_file = Path(args.base)
    elif (
        args.base_file is None
        and _looks_like_a_path(args.base)
        and not _is_git_ref(args.base, args.repo)
    ):
        print(
            f"specdiff: BASE {args.base!r} looks like a spec file, but there is no such "
            "file (and no git ref of that name)",
            file=sys.stderr,
        )
        return 2
    try:
        if args.base_file:
            base, base_label = (
                _parse(args.base_file.read_text(), str(args.base_file)),
                str(args.base_file),
            )
        else:
            base, base_label = (
                spec_at(args.base, args.spec, args.repo),
                f"{args.spec}@{args.base}",
            )
        head_path = args.head_file or args.repo / args.spec
        head, head_label = (
            _parse(head_path.read_text(), str(head_path)),
            str(head_path) if args.head_file else f"{head_path} (working tree)",
        )
    except (InputError, OSError) as exc:
        print(f"specdiff: {exc}", file=sys.stderr)
        return 2
    base_version = str(base.get("info", {}).get("version", ""))
    head_version = str(head.get("info", {}).get("version", ""))
    try:
        changes = diff_specs(base, head)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        # A part of a document is not what OpenAPI says it is (a list where an object
        # belongs, ...): no verdict rather than a wrong one.
        print(
            f"specdiff: cannot compare {base_label} and {head_label}: one is not a well-formed "
            f"OpenAPI document ({type(exc).__name__}: {exc}); `make lint-spec SPEC=...` names "
            "the problem",
            file=sys.stderr,
        )
        return 2
    verdict = judge(changes, base_version, head_version)
    base_label += f" ({base_version})"
    head_label += f" ({head_version})"
    print(RENDER[args.format](changes, verdict, base_label, head_label))
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(as_markdown(changes, verdict, base_label, head_label) + "\n")
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_bytes(as_junit(changes, verdict))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
