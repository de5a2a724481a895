"""Command line of the reference server: ``serve`` (default) and ``load``.

``python -m reference_server --help`` lists the options. ``serve`` runs ``create_app()``
under Granian (a Rust HTTP server: the ASGI stack that meets the speed goal here); ``load``
imports metrics in the response's own shape into the store.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from reference_server.settings import (
    DEFAULT_DB,
    DEFAULT_MAX_BODY,
    ENV_DB,
    ENV_MAX_BODY,
    ENV_NO_CACHE,
    ENV_NO_DEMO,
    ENV_TOKENS,
    ENV_TOKENS_FILE,
    SettingsError,
)

EPILOG = f"""
environment (used when the option is not given):
  {ENV_DB}           database path (default {DEFAULT_DB})
  {ENV_TOKENS}       extra tokens, "TOKEN=PROJECT_ID,TOKEN2=PROJECT_ID2"
  {ENV_TOKENS_FILE}  JSON file of extra tokens, {{"TOKEN": "PROJECT_ID"}}
  {ENV_NO_DEMO}      1 to refuse the demo tokens
  {ENV_MAX_BODY}     request body limit in bytes (default {DEFAULT_MAX_BODY})
  {ENV_NO_CACHE}     1 to validate every job on every request (no job cache)

demo credentials (see README):
  project A 0f1e2d3c4b5a69788796a5b4c3d2e1f0  token demo-token-project-a  jobs 1-600
  project B a1b2c3d4e5f60718293a4b5c6d7e8f90  token demo-token-project-b  jobs 601-1200
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reference_server",
        description="Reference server of POST /v1.0/{project_id}/jobs/metrics on SQLite.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve the API (the default command)")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 is refused)")
    serve.add_argument("--db", type=Path, help=f"SQLite database path (default {DEFAULT_DB})")
    serve.add_argument("--tokens-file", type=Path, help="JSON file of extra tokens")
    serve.add_argument("--no-demo-tokens", action="store_true", help="refuse the demo tokens")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--max-body", type=int, help=f"body limit in bytes (default {DEFAULT_MAX_BODY})"
    )
    serve.add_argument("--no-cache", action="store_true", help="disable the validated-job cache")
    load = sub.add_parser("load", help="import a metrics file (the response's JSON shape)")
    load.add_argument("file", type=Path, help="JSON file shaped like the 200 response")
    load.add_argument("--project-id", required=True, help="project that owns the jobs")
    load.add_argument("--db", type=Path, help=f"SQLite database path (default {DEFAULT_DB})")
    return parser


def _set_env(args: argparse.Namespace) -> None:
    """Carry the options to Granian's worker through the environment."""
    if args.db:
        os.environ[ENV_DB] = str(args.db)
    if getattr(args, "tokens_file", None):
        os.environ[ENV_TOKENS_FILE] = str(args.tokens_file)
    if getattr(args, "no_demo_tokens", False):
        os.environ[ENV_NO_DEMO] = "1"
    if getattr(args, "max_body", None):
        os.environ[ENV_MAX_BODY] = str(args.max_body)
    if getattr(args, "no_cache", False):
        os.environ[ENV_NO_CACHE] = "1"


APP_FACTORY = "reference_server.app:create_app"


def serve(args: argparse.Namespace, factory: str = APP_FACTORY) -> int:
    from granian import Granian
    from granian.constants import Interfaces

    # Build once here so that a bad setting or database fails before the server starts.
    module, _, name = factory.partition(":")
    getattr(importlib.import_module(module), name)()
    Granian(
        factory,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=args.workers,
        factory=True,
        log_access=False,
    ).serve()
    return 0


def load(args: argparse.Namespace) -> int:
    from reference_server.loader import load_file
    from reference_server.settings import Settings

    settings = Settings.from_env()
    count = load_file(settings.db_path, args.project_id, args.file)
    print(f"loaded {count} jobs into project {args.project_id} ({settings.db_path})")
    return 0


def main(argv: list[str] | None = None, factory: str = APP_FACTORY) -> int:
    """Run the command line; ``factory`` is the ASGI app factory Granian serves."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "serve")  # `serve` is the default command
    args = build_parser().parse_args(argv)
    _set_env(args)
    try:
        return serve(args, factory) if args.command == "serve" else load(args)
    except (SettingsError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
