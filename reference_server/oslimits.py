"""Operating-system resources the server checks or raises for itself at start."""

from __future__ import annotations

import resource
import socket
import sys

import psutil


def check_port_free(host: str, port: int) -> None:
    """Refuse to start on a port another server already listens on.

    Granian binds with SO_REUSEPORT, so a second server on the same port starts without
    error and the kernel splits the connections between the two: clients (and tests) would
    talk to whichever answers. A plain bind here fails while any listener holds the port.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(
                f"{host}:{port} is already in use by another server ({exc.strerror})"
                + "".join(f"; {holder}" for holder in port_holders(port))
            ) from None


def port_holders(port: int) -> list[str]:
    """Who listens on ``port``: PID, parent and command line of each process we may see.

    The message a refused start prints, so that an orphan (a worker whose main process was
    killed, now a child of PID 1 or of a subreaper) is named and can be stopped by its PID
    rather than hunted for.
    """
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return []
    pids = sorted(
        {
            conn.pid
            for conn in connections
            if conn.status == psutil.CONN_LISTEN
            and conn.laddr
            and conn.laddr.port == port
            and conn.pid is not None
        }
    )
    holders = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            command = " ".join(process.cmdline()) or process.name()
            parent = process.ppid()
        except psutil.Error:
            continue
        orphan = ", an orphan: its parent is PID 1" if parent == 1 else f", parent PID {parent}"
        holders.append(f"PID {pid} ({clip(command, 120)}{orphan}); stop it with: kill {pid}")
    return holders


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def raise_open_file_limit(wanted: int) -> None:
    """Lift the soft limit on open files towards ``wanted`` (each connection is one).

    A soft limit of 1,024 (common on Linux) would refuse connections long before
    ``--max-connections``; the hard limit is the most an unprivileged process may take.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < wanted:
        print(
            f"warning: open-file limit {hard} is below the {wanted} wanted (one per"
            " connection); raise the hard limit (ulimit -Hn) or lower --max-connections",
            file=sys.stderr,
        )
