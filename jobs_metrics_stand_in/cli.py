"""``jobs-metrics stand-in`` (``python -m jobs_metrics_stand_in``): the stand-in's command.

It serves the spec's operations for every sandbox and the control API on one port, with the
reference server's HTTP limits (``reference_server.serve_options``), in one worker process
(the sandboxes are that process' memory). Safe by default: loopback only, unless a control
token is given, which every control call must then carry. Exit 2 with one line for anything
that keeps it from starting (a bad script file, a busy port, a public address without a token).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from pathlib import Path

import click

from jobs_metrics_spec import run_command_line
from jobs_metrics_stand_in.names import (
    APP_FACTORY,
    CONTROL_PREFIX,
    CONTROL_SOCKET_FAILED,
    ENV_ANNOUNCE,
    ENV_CONTROL_SOCKET,
    ENV_CONTROL_TOKEN,
    ENV_SCRIPT,
)

# The stand-in's default for ``Settings.runtime_threads`` (the reference server's is 1).
STAND_IN_RUNTIME_THREADS = 2


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("stand-in")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; other than loopback only with --control-token.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8090,
    show_default=True,
    help="Port of the API and of the control API (under /_stand-in/).",
)
@click.option(
    "--control-token",
    envvar=ENV_CONTROL_TOKEN,
    show_envvar=True,
    default=None,
    help="Token every control API call must carry (X-Stand-In-Token); prefer the"
    " variable: a command line is visible to every user of the machine.",
)
@click.option("--script", type=click.Path(path_type=Path), default=None,
              help="YAML or JSON file of sandboxes and scripts to load at start.")  # fmt: skip
@click.option(
    "--control-socket",
    type=click.Path(path_type=Path),
    envvar=ENV_CONTROL_SOCKET,
    show_envvar=True,
    default=None,
    help="Also serve the control API on this Unix socket (made owner-only; no control token"
    " asked there): the frames of jobs_metrics_stand_in.wire, for clients on this machine.",
)
def stand_in_command(host: str, port: int, control_token: str | None, script: Path | None,
                     control_socket: Path | None) -> None:  # fmt: skip
    """Serve the spec's operations for scriptable sandboxes, with a control API."""
    if not is_loopback(host) and not control_token:
        raise click.UsageError(f"--host {host}: not loopback; give --control-token to listen there")
    if control_socket is not None:
        check_socket_path(control_socket)
        os.environ[ENV_CONTROL_SOCKET] = str(control_socket.absolute())
    else:
        os.environ.pop(ENV_CONTROL_SOCKET, None)
    if script is not None:
        from jobs_metrics_stand_in.contract import ScriptError
        from jobs_metrics_stand_in.scriptfile import read_script_file

        try:
            read_script_file(script)  # refused here in one line, before anything starts
        except ScriptError as exc:
            raise click.UsageError(str(exc)) from None
        os.environ[ENV_SCRIPT] = str(script.resolve())
    else:
        os.environ.pop(ENV_SCRIPT, None)
    if control_token:
        os.environ[ENV_CONTROL_TOKEN] = control_token
    else:
        os.environ.pop(ENV_CONTROL_TOKEN, None)
    from reference_server import Settings, serve_options

    given: dict[str, object] = {"host": host, "port": port, "workers": 1}
    # A test suite sends its requests one at a time: with a second I/O thread each is
    # answered about a quarter sooner (``Settings.runtime_threads``); the environment's
    # value, when set, stands.
    if not os.environ.get(Settings.variable("runtime_threads")):
        given["runtime_threads"] = STAND_IN_RUNTIME_THREADS
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    # Printed by the worker once it serves (a start that fails stays one line).
    os.environ[ENV_ANNOUNCE] = f"stand-in: {url} (control API: {url}{CONTROL_PREFIX})"
    sys.exit(serve_options(given, APP_FACTORY))


def check_socket_path(path: Path) -> None:
    """Refuse, before anything starts, a socket path that cannot be bound: too long, in a
    folder that does not exist, already taken (a file is never removed to make room), or
    refused by a trial bind."""
    from jobs_metrics_stand_in.wire import MAX_SOCKET_PATH_BYTES

    if not hasattr(socket, "AF_UNIX"):
        raise click.UsageError("--control-socket: this system has no Unix sockets")
    if len(os.fsencode(path.absolute())) > MAX_SOCKET_PATH_BYTES:
        raise click.UsageError(
            f"--control-socket {path}: longer than {MAX_SOCKET_PATH_BYTES} bytes as an"
            " absolute path"
        )
    if not path.absolute().parent.is_dir():
        raise click.UsageError(f"--control-socket {path}: its folder does not exist")
    if os.path.lexists(path):
        raise click.UsageError(f"--control-socket {path}: exists; remove it or name another")
    # A trial bind: what else refuses a socket there (a file system without them, a folder
    # this user may not write) is said in one line here, not by the worker, whose failure
    # to start comes with the HTTP server's own lines. The file it made is removed at once.
    trial = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        trial.bind(str(path))
    except OSError as exc:
        raise click.UsageError(f"{CONTROL_SOCKET_FAILED} {path}: {exc.strerror}") from None
    finally:
        trial.close()
    path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m jobs_metrics_stand_in``: one line and exit 2 for a usage error."""
    return run_command_line(stand_in_command, "python -m jobs_metrics_stand_in", argv)
