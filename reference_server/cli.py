"""The reference server's commands: ``serve`` and ``load`` (``jobs-metrics serve``,
``python -m reference_server serve``).

``serve``'s options are not written here: each is a field of :class:`Settings`, and
:func:`settings_option` turns the field into its click option (flag, environment variable,
click type with the field's bounds or choices, default, help). A field added to ``Settings``
is an option of ``serve`` (and of the harness' fault server, which reuses these params), a
variable, and a value the worker reads: one declaration. Written by hand (about 40 lines)
because the libraries that do this (pydanclick and the like) are not dependencies of the
toolkit, and pydantic-settings' own command line is argparse, not click.

Exit codes: 0; 2 for a usage error or a server that cannot start (a bad database, token file
or port), with one line on stderr.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import click
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from jobs_metrics_spec import run_command_line
from reference_server.http_server import APP_FACTORY, serve
from reference_server.loader import DEFAULT_MAX_FILE_BYTES, load_file
from reference_server.settings import Settings, SettingsError

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = """\b
Limits of the HTTP server (Granian), chosen for a server shared by many clients (README
"Reliability"): a client may hold a connection idle or send its headers for at most
--header-timeout seconds and its body for at most --body-timeout seconds; one worker holds
at most --max-connections connections (the rest wait in the kernel's listen queue); SIGTERM
lets requests in flight finish for at most --shutdown-timeout seconds.

\b
Demo credentials (README; --no-demo-tokens refuses all of them):
  project A 0f1e2d3c4b5a69788796a5b4c3d2e1f0  token demo-token-project-a  jobs 1-600
    AK/SK DEMOAKPROJECTA000001 / demo-secret-key-of-project-a-0000000000a
  project B a1b2c3d4e5f60718293a4b5c6d7e8f90  token demo-token-project-b  jobs 601-1200
    AK/SK DEMOAKPROJECTB000002 / demo-secret-key-of-project-b-0000000000b
"""


def click_type(field: FieldInfo) -> click.ParamType[Any, Any]:
    """The click type of a ``Settings`` field: its choices, or its bounds as a range."""
    kind = field.annotation
    if get_origin(kind) in (Union, types.UnionType):  # X | None: an option that may be absent
        (kind,) = (arg for arg in get_args(kind) if arg is not type(None))
    if get_origin(kind) is Literal:
        return click.Choice([str(choice) for choice in get_args(kind)])
    if kind is Path:
        return click.Path(path_type=Path)
    if kind in (int, float):
        bounds: dict[str, Any] = {}
        for rule in field.metadata:  # pydantic's constraints: annotated_types Gt, Ge, Lt, Le
            if getattr(rule, "gt", None) is not None:
                bounds.update(min=rule.gt, min_open=True)
            if getattr(rule, "ge", None) is not None:
                bounds.update(min=rule.ge)
            if getattr(rule, "lt", None) is not None:
                bounds.update(max=rule.lt, max_open=True)
            if getattr(rule, "le", None) is not None:
                bounds.update(max=rule.le)
        return click.IntRange(**bounds) if kind is int else click.FloatRange(**bounds)
    return click.STRING


def settings_option(name: str) -> Callable[[F], F]:
    """The click option of ``Settings`` field ``name``: ``max_body`` is ``--max-body``, read
    from ``JOBS_METRICS_MAX_BODY`` when not given; a bool field is a flag."""
    field = Settings.model_fields[name]
    common: dict[str, Any] = {
        "envvar": Settings.variable(name),
        "show_envvar": True,
        "help": field.description,
    }
    if field.annotation is bool:
        return click.option(Settings.option(name), is_flag=True, default=field.default, **common)
    if field.default_factory is not None:
        # A default read from the spec: click calls it when the command runs (never at
        # import); the help says where it comes from.
        return click.option(
            Settings.option(name),
            type=click_type(field),
            default=field.default_factory,
            show_default=False,
            **common,
        )
    default = None if field.default is PydanticUndefined else field.default
    return click.option(
        Settings.option(name),
        type=click_type(field),
        default=default,
        show_default=default is not None,
        **common,
    )


def settings_options(function: F) -> F:
    """Every field of ``Settings`` as an option, in the model's order."""
    for name in reversed(Settings.model_fields):
        function = settings_option(name)(function)
    return function


def serve_options(given: Mapping[str, Any], factory: str = APP_FACTORY) -> int:
    """Serve with the options of ``serve`` (``given``, as click passes them); a server that
    cannot start is one line on stderr and exit 2."""
    try:
        settings = Settings.read(**{name: v for name, v in given.items() if v is not None})
        serve(settings, factory)
    except (SettingsError, ValueError, OSError) as exc:  # StoreError is a ValueError
        click.echo(f"serve: {exc}", err=True)  # one prefix style: the command's name
        return 2
    return 0


@click.command("serve", epilog=EPILOG)
@settings_options
def serve_command(**given: Any) -> None:
    """Serve POST /v1.0/{project_id}/jobs/metrics (token) and its successor
    /v1.0/{project_id}/streaming/jobs/metrics (AK/SK) on SQLite (127.0.0.1, demo data)."""
    sys.exit(serve_options(given))


@click.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--project-id", required=True, help="Project that owns the jobs.")
@settings_option("db")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_BYTES,
    show_default=True,
    help="Largest file accepted (1 GiB; the file is streamed, so memory does not grow with it).",
)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds to wait for another writer's lock on the database.",
)
def load_command(file: Path, project_id: str, db: Path, max_bytes: int, wait: float) -> None:
    """Import a metrics file shaped like the 200 response into PROJECT_ID's jobs."""
    try:
        count = load_file(db, project_id, file, max_bytes, wait)
    except (ValueError, OSError) as exc:  # LoadError and StoreError are ValueErrors
        click.echo(f"load: {exc}", err=True)
        sys.exit(2)
    click.echo(f"loaded {count} jobs into project {project_id} ({db})")


@click.group("python -m reference_server")
def server() -> None:
    """Reference server of POST /v1.0/{project_id}/jobs/metrics on SQLite."""


server.add_command(serve_command)
server.add_command(load_command)


def main(argv: list[str] | None = None) -> int:
    """``python -m reference_server``: the command's exit code; a usage error is one line,
    exit 2."""
    return run_command_line(server, str(server.name), argv)
