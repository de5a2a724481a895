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

from reference_server.loader import DEFAULT_MAX_FILE_BYTES, load_file
from reference_server.oslimits import check_port_free, raise_open_file_limit
from reference_server.settings import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_DB,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_HEADER_BYTES,
    ServerEnvironment,
    Settings,
    SettingsError,
)
from reference_server.worker import ENV_FACTORY, WORKER_FACTORY

# Limits of the HTTP server itself (the app cannot see these phases). Granian's defaults are
# 30 s for headers, 1,024 connections per worker and an unbounded wait on SIGTERM.
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 2048
DEFAULT_SHUTDOWN_TIMEOUT = 5


ENVIRONMENT = {
    "db": f"database path (default {DEFAULT_DB})",
    "tokens": 'extra tokens, "TOKEN=PROJECT_ID,TOKEN2=PROJECT_ID2"',
    "tokens_file": 'JSON file of extra tokens, {"TOKEN": "PROJECT_ID"}',
    "no_demo_tokens": "1 to refuse the demo tokens",
    "max_body": f"request body limit in bytes (default {DEFAULT_MAX_BODY})",
    "no_cache": "1 to validate every job on every request (no job cache)",
    "max_header_bytes": f"request header limit in bytes (default {DEFAULT_MAX_HEADER_BYTES})",
    "body_timeout": f"seconds allowed for the whole body (default {DEFAULT_BODY_TIMEOUT:g})",
}
ENV_LINES = "\n".join(
    f"  {ServerEnvironment.variable(name):<31} {text}" for name, text in ENVIRONMENT.items()
)

EPILOG = f"""
environment (used when the option is not given):
{ENV_LINES}

limits of the HTTP server (Granian), chosen for a server shared by many clients; see README
"Reliability": a client may hold a connection idle or send its headers for at most
--header-timeout seconds and its body for at most --body-timeout seconds; one worker holds at
most --max-connections connections (the rest wait in the kernel's listen queue); SIGTERM
lets requests in flight finish for at most --shutdown-timeout seconds.

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
    serve.add_argument(
        "--max-header-bytes",
        type=int,
        help=f"request header limit in bytes (default {DEFAULT_MAX_HEADER_BYTES}); HTTP/2"
        " header lists over twice this are reset by the HTTP server before the app",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        help=f"seconds allowed for the whole request body (default {DEFAULT_BODY_TIMEOUT:g})",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_HEADER_TIMEOUT,
        help="seconds allowed for request headers, and for an idle keep-alive connection"
        f" (default {DEFAULT_HEADER_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        help=f"connections one worker holds (default {DEFAULT_MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--http",
        choices=("http1", "auto", "http2"),
        default="http1",
        help="protocols: http1 (the default) answers HTTP/1.1 only; auto adds cleartext"
        " HTTP/2 (prior knowledge), at the cost that a connection which never sends a byte"
        " is held until the client closes it (the HTTP server waits to learn the protocol"
        " before its header timeout starts)",
    )
    serve.add_argument(
        "--shutdown-timeout",
        type=int,
        default=DEFAULT_SHUTDOWN_TIMEOUT,
        help="seconds SIGTERM waits for requests in flight before stopping the workers"
        f" (default {DEFAULT_SHUTDOWN_TIMEOUT})",
    )
    load = sub.add_parser("load", help="import a metrics file (the response's JSON shape)")
    load.add_argument("file", type=Path, help="JSON file shaped like the 200 response")
    load.add_argument("--project-id", required=True, help="project that owns the jobs")
    load.add_argument("--db", type=Path, help=f"SQLite database path (default {DEFAULT_DB})")
    load.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_FILE_BYTES,
        help=f"largest file accepted (default {DEFAULT_MAX_FILE_BYTES}, 1 GiB; the file is"
        " streamed, so memory does not grow with it)",
    )
    load.add_argument(
        "--wait",
        type=float,
        default=5.0,
        help="seconds to wait for another writer's lock on the database (default 5)",
    )
    return parser


def _set_env(args: argparse.Namespace) -> None:
    """Carry the options to Granian's worker through the environment (see ServerEnvironment)."""
    given = {
        "db": args.db,
        "tokens_file": getattr(args, "tokens_file", None),
        "no_demo_tokens": getattr(args, "no_demo_tokens", False) or None,
        "max_body": getattr(args, "max_body", None),
        "no_cache": getattr(args, "no_cache", False) or None,
        "max_header_bytes": getattr(args, "max_header_bytes", None),
        "body_timeout": getattr(args, "body_timeout", None),
    }
    ServerEnvironment.read(**{k: v for k, v in given.items() if v is not None}).export()


APP_FACTORY = "reference_server.app:create_app"


def serve(args: argparse.Namespace, factory: str = APP_FACTORY) -> int:
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings, HTTP2Settings

    # Build once here so that a bad setting or database fails before the server starts.
    module, _, name = factory.partition(":")
    getattr(importlib.import_module(module), name)()
    settings = Settings.from_env()
    if args.max_connections < 1 or args.shutdown_timeout < 1 or not args.header_timeout > 0:
        raise SettingsError("--max-connections, --shutdown-timeout, --header-timeout: must be > 0")
    check_port_free(args.host, args.port)
    raise_open_file_limit(args.workers * args.max_connections + 256)
    os.environ[ENV_FACTORY] = factory  # the worker builds this app once it is tied to us
    Granian(
        WORKER_FACTORY,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        http=HTTPModes[args.http],
        workers=args.workers,
        factory=True,
        log_access=False,
        # Granian counts connections, not requests, against backpressure.
        backpressure=args.max_connections,
        workers_kill_timeout=args.shutdown_timeout,
        http1_settings=HTTP1Settings(header_read_timeout=int(args.header_timeout * 1000)),
        # HTTP/2's own limit is 16 MiB of decoded headers per request, which let 100
        # connections hold over a GiB. Twice the app's limit: headers between the two still
        # reach the app and get the provider's error body; beyond, the stream is reset.
        http2_settings=HTTP2Settings(max_headers_size=2 * settings.max_header_bytes),
    ).serve()
    return 0


def load(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    count = load_file(settings.db_path, args.project_id, args.file, args.max_bytes, args.wait)
    print(f"loaded {count} jobs into project {args.project_id} ({settings.db_path})")
    return 0


def main(argv: list[str] | None = None, factory: str = APP_FACTORY) -> int:
    """Run the command line; ``factory`` is the ASGI app factory Granian serves."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv.insert(0, "serve")  # `serve` is the default command
    args = build_parser().parse_args(argv)
    try:
        _set_env(args)
        return serve(args, factory) if args.command == "serve" else load(args)
    except (SettingsError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
