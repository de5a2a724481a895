"""Run the reference server (or a fault variant) on a free 127.0.0.1 port; stop it by PID.

Used by ``make fuzz`` (no ``BASE_URL``), the fuzz self-test, the benchmarks and the tests,
so every one of them starts and stops servers the same way: in a new process group whose
leader is the PID we started, signalled by that PID (never by name).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import psutil


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(base_url: str) -> bool:
    """Whether an HTTP server answers at ``base_url`` (any status, a 404 included)."""
    try:
        urllib.request.urlopen(base_url + "/", timeout=1)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


class ServerProcess:
    """``python -m reference_server serve`` on 127.0.0.1 and a free port.

    ``module`` runs another server with the same command line (the harness' fault-injected
    variants, :mod:`fuzz_selftest.fault_server`).
    """

    def __init__(
        self,
        db: Path,
        *,
        module: str = "reference_server",
        extra_args: tuple[str, ...] = (),
        port: int | None = None,
    ) -> None:
        self.db = db
        self.module = module
        self._fixed_port = port is not None
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30.0, attempts: int = 3) -> ServerProcess:
        """Start and wait until this very process listens on the port.

        ``free_port()`` releases the port before the server binds it, so another process
        (a parallel test's server) can take it in between. Readiness is therefore judged by
        who listens (psutil), not by whether something answers on the port; a server that
        lost the race exits, and is started again on a new free port (unless one was given).
        """
        for attempt in range(attempts):
            if self._launch(timeout):
                return self
            if self._fixed_port or attempt == attempts - 1:
                break
            self.port = free_port()
            self.base_url = f"http://127.0.0.1:{self.port}"
        self._stderr.seek(0)
        err = self._stderr.read().decode(errors="replace")
        code = self.process.returncode if self.process else None
        self.stop()
        raise RuntimeError(f"reference server did not start on {self.base_url} ({code}): {err}")

    def _launch(self, timeout: float) -> bool:
        self._stderr.seek(0)
        self._stderr.truncate()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                self.module,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                *self.extra_args,
            ],
            # No cwd of a repository: the installed module runs from anywhere.
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: nobody reads stderr while the server runs, and a full pipe
            # would block the server's logging.
            stderr=self._stderr,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self._listening() and answers(self.base_url):
                return True
            time.sleep(0.05)
        return False

    def _processes(self) -> list[psutil.Process]:
        """Granian's main process and all its workers (none once it has exited)."""
        try:
            main = psutil.Process(self.pid)
            return [main, *main.children(recursive=True)]
        except psutil.Error:
            return []

    def _sockets(self, status: str) -> int:
        """Our process' and its workers' TCP sockets on our port in ``status``."""
        count = 0
        for process in self._processes():
            with contextlib.suppress(psutil.Error):
                count += sum(
                    conn.status == status and conn.laddr.port == self.port
                    for conn in process.net_connections(kind="tcp")
                )
        return count

    def _listening(self) -> bool:
        """Whether our process (or a worker) listens on the port, and nobody else does.

        Granian binds with SO_REUSEPORT: two servers can listen on one port and share its
        connections. The server refuses a port in use at start, but a second server could
        still bind between that check and Granian's bind; so readiness also counts every
        listener on the port (one, ours) where the system lets us see them.
        """
        if self._sockets(psutil.CONN_LISTEN) == 0:
            return False
        try:
            ports = [
                getattr(conn.laddr, "port", None)
                for conn in psutil.net_connections(kind="tcp")
                if conn.status == psutil.CONN_LISTEN
            ]
        except psutil.AccessDenied:
            return True  # cannot see other users' sockets: our own listener must do
        return ports.count(self.port) == 1

    def wait_for_connections(self, count: int, timeout: float = 30.0) -> None:
        """Block until the server holds ``count`` accepted connections (clients are in)."""
        deadline = time.monotonic() + timeout
        while self._sockets(psutil.CONN_ESTABLISHED) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the server accepted fewer than {count} connections")
            time.sleep(0.02)  # polling interval of the check above, not a synchronisation

    def rss_bytes(self) -> int:
        """Resident memory of the server: Granian's main process and all its workers."""
        total = 0
        for process in self._processes():
            with contextlib.suppress(psutil.Error):  # a worker may exit between the calls
                total += process.memory_info().rss
        return total

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM the process group we started (Granian and its worker); SIGKILL if stuck."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._stderr.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
