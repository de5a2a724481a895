"""Fail when ``generated/`` is not what ``make generate`` would write from the spec now.

Regenerates into a temporary folder with the same code as ``make generate``, compares every
file with the committed tree, prints a unified diff and the command that fixes it, and exits
1 on any difference (a changed, missing or extra file).
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import tomllib
from pathlib import Path

from scripts.generate import (
    CLIENT_PROJECT,
    MODELS_PROJECT,
    ROOT,
    generate_client,
    generate_models,
    load_spec,
    require_generator_python,
)

FIX = "make generate"
IGNORED_PARTS = {"__pycache__", ".ruff_cache", ".mypy_cache", ".pdm-build"}
IGNORED_SUFFIXES = {".egg-info"}


def _files(tree: Path) -> dict[str, Path]:
    files = {}
    for path in sorted(tree.rglob("*")):
        rel = path.relative_to(tree)
        if path.is_dir() or IGNORED_PARTS & set(rel.parts):
            continue
        if any(part.endswith(tuple(IGNORED_SUFFIXES)) for part in rel.parts):
            continue
        files[rel.as_posix()] = path
    return files


def diff_trees(expected: Path, actual: Path, label: str) -> list[str]:
    """Unified diff lines turning ``actual`` (committed) into ``expected`` (fresh)."""
    want, have = _files(expected), _files(actual)
    lines: list[str] = []
    for rel in sorted(want.keys() | have.keys()):
        new = want[rel].read_text().splitlines(keepends=True) if rel in want else []
        old = have[rel].read_text().splitlines(keepends=True) if rel in have else []
        if new != old:
            lines.extend(
                difflib.unified_diff(
                    old,
                    new,
                    fromfile=f"a/{label}/{rel}" if rel in have else "/dev/null",
                    tofile=f"b/{label}/{rel}" if rel in want else "/dev/null",
                )
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="committed tree")
    args = parser.parse_args(argv)
    committed: Path = args.generated
    require_generator_python()
    with tempfile.TemporaryDirectory(prefix="check-generated-") as tmp:
        fresh = Path(tmp)
        generate_models(fresh)
        generate_client(fresh)
        # The whole folder: a stray file or an old layout left behind is stale too.
        lines = diff_trees(fresh, committed, "generated")
    version = load_spec()["info"]["version"]
    for project in (MODELS_PROJECT, CLIENT_PROJECT):
        pyproject = committed / project / "pyproject.toml"
        meta = tomllib.loads(pyproject.read_text()) if pyproject.exists() else {}
        found = meta.get("project", {}).get("version")
        if found != version:
            lines.append(f"version: generated/{project} is {found}, info.version is {version}\n")
    if lines:
        sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in lines)
        print(f"\ncheck-generated: generated/ is stale against the spec. Fix it with:\n    {FIX}")
        return 1
    print("check-generated: generated/ matches the spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
