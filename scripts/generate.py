"""Generate the pydantic models and the client package from the spec.

``make generate`` writes into ``generated/``; ``make check-generated`` calls the same
functions with a temporary folder and diffs. Settings live in config files
(``[tool.datamodel-codegen]`` in pyproject.toml, ``openapi-python-client.yaml``), so this
script passes only paths. Both generators read the local spec file and nothing else.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("openapi") / "jobs-metrics.openapi.yaml"
MODELS_PACKAGE = "jobs_metrics_models"
CLIENT_PROJECT = "jobs-metrics-client"
CLIENT_CONFIG = Path("openapi-python-client.yaml")
# Files the generators leave behind that are caches, not output.
TRANSIENT = (".ruff_cache", "__pycache__", ".mypy_cache")


def _tool(name: str) -> str:
    """The pinned tool from this interpreter's environment, never one found elsewhere."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Post-hooks call `ruff`: make sure it is the pinned one of this environment.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["RUFF_NO_CACHE"] = "true"
    return env


def generate_models(out: Path) -> Path:
    """datamodel-code-generator -> ``out/jobs_metrics_models/__init__.py`` (+ ``py.typed``)."""
    package = out / MODELS_PACKAGE
    if package.exists():
        shutil.rmtree(package)
    package.mkdir(parents=True)
    subprocess.run(
        [
            _tool("datamodel-codegen"),
            "--input",
            str(SPEC),
            "--output",
            str(package / "__init__.py"),
        ],
        cwd=ROOT,
        env=_env(),
        check=True,
    )
    (package / "py.typed").write_text("")
    return package


def generate_client(out: Path) -> Path:
    """openapi-python-client -> ``out/jobs-metrics-client`` (an installable package)."""
    project = out / CLIENT_PROJECT
    subprocess.run(
        [
            _tool("openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--config",
            str(CLIENT_CONFIG),
            "--meta",
            "pdm",
            "--fail-on-warning",
            "--overwrite",
            "--output-path",
            str(project.resolve()),
        ],
        cwd=ROOT,
        env=_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    clean_transient(project)
    return project


def clean_transient(tree: Path) -> None:
    for name in TRANSIENT:
        for path in tree.rglob(name):
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "generated", help="output folder")
    parser.add_argument("what", nargs="?", choices=("all", "models", "client"), default="all")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.what in ("all", "models"):
        print(f"models -> {generate_models(out).relative_to(out.parent)}")
    if args.what in ("all", "client"):
        print(f"client -> {generate_client(out).relative_to(out.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
