"""``make diff``: classify the spec's changes since a git ref and gate on breaking ones.

    python -m specdiff --base HEAD~1            # working tree vs the previous commit
    python -m specdiff --base-file old.yaml     # or against a file
    python -m specdiff --format json --junit reports/specdiff.xml

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

from specdiff.report import as_json, as_junit, as_text, judge
from specdiff.rules import diff_specs

# Relative to --repo (default: the current directory), so the installed command works in any
# repository; `make diff` runs it at the root of this one.
SPEC = Path("openapi") / "jobs-metrics.openapi.yaml"


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
    parser.add_argument("--base", default="HEAD~1", help="git ref of the old spec (default HEAD~1)")
    parser.add_argument("--base-file", type=Path, help="old spec as a file (instead of --base)")
    parser.add_argument("--head-file", type=Path, help="new spec (default: the working tree's)")
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="git work tree (default: the current directory)"
    )
    parser.add_argument(
        "--spec", type=Path, default=SPEC, help=f"the spec's path in --repo (default {SPEC})"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    args = parser.parse_args(argv)
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
            f"{head_path} (working tree)",
        )
    except (InputError, OSError) as exc:
        print(f"specdiff: {exc}", file=sys.stderr)
        return 2
    base_version = str(base.get("info", {}).get("version", ""))
    head_version = str(head.get("info", {}).get("version", ""))
    changes = diff_specs(base, head)
    verdict = judge(changes, base_version, head_version)
    base_label += f" ({base_version})"
    head_label += f" ({head_version})"
    render = as_json if args.format == "json" else as_text
    print(render(changes, verdict, base_label, head_label))
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_bytes(as_junit(changes, verdict))
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
