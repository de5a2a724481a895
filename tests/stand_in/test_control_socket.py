"""The control API on the stand-in's local socket (``--control-socket``): what ``StandIn.start``
uses. The same answers as over HTTP, owner-only, bad frames answered once and the connection
closed (the server goes on), calls sent together answered in order, the socket gone with the
stand-in; a temporary folder too long for a socket's address means HTTP instead."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, cast

import orjson
import pytest

from jobs_metrics_stand_in import StandIn, StandInError
from jobs_metrics_stand_in import client as client_module
from jobs_metrics_stand_in.client import ControlConnection, SocketControlConnection, free_port
from jobs_metrics_stand_in.control_socket import serve_control_socket
from jobs_metrics_stand_in.limits import MAX_CONTROL_BODY_BYTES
from jobs_metrics_stand_in.names import CONTROL_SOCKET_FAILED
from jobs_metrics_stand_in.server import StandInApp, StandInConfig
from jobs_metrics_stand_in.wire import (
    MAX_LINE_BYTES,
    MAX_SOCKET_PATH_BYTES,
    FrameError,
    answer_frame,
    call_frame,
    parse_answer_line,
    parse_call_line,
)
from reference_server import Settings
from tests.stand_in.conftest import answers

PREFIX = "/_stand-in"
# Where no socket can be bound, even by root (sysfs), though its folder exists.
UNBINDABLE = "/sys/stand-in-test.sock"


@pytest.fixture(scope="module")
def started() -> Iterator[StandIn]:
    with StandIn.start() as stand_in:
        yield stand_in


def raw(stand_in: StandIn) -> socket.socket:
    assert stand_in.control_socket is not None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(10)
    connection.connect(str(stand_in.control_socket))
    return connection


def read_answer(connection: socket.socket) -> tuple[int, bytes, bytes]:
    """One answer (status, body) and what followed it until the server closed or went quiet."""
    data = b""
    while b"\n" not in data:
        data += connection.recv(65536)
    line, _, rest = data.partition(b"\n")
    status, length = parse_answer_line(line)
    while len(rest) < length:
        rest += connection.recv(65536)
    return status, rest[:length], rest[length:]


def closed_by_server(connection: socket.socket) -> bool:
    return connection.recv(1) == b""


class RecordingTransport(asyncio.Transport):
    """What a protocol under test writes, and whether it reads (for a protocol driven in the
    test's own process, without a socket)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.reading = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True


# --- the frames (wire.py): one test per rule, a valid and an invalid case ---


def test_a_call_line_is_method_target_length() -> None:
    frame = call_frame("POST", "/_stand-in/sandboxes?x=1", b"{}")
    line, _, body = frame.partition(b"\n")
    assert parse_call_line(line) == ("POST", "/_stand-in/sandboxes?x=1", 2)
    assert body == b"{}"
    for bad in (b"POST /x", b"POST x 2", b"P0ST /x 2", b"POST /x 2 3", b"POST /x -2",
                b"POST /x 2.0"):  # fmt: skip
        with pytest.raises(FrameError):
            parse_call_line(bad)


def test_an_answer_line_is_status_length() -> None:
    line, _, body = answer_frame(201, b'{"id": 1}').partition(b"\n")
    assert (parse_answer_line(line), body) == ((201, 9), b'{"id": 1}')
    for bad in (b"201", b"2O1 9", b"201 9 9", b"201 nine", b"201 " + b"9" * 13):
        with pytest.raises(FrameError):
            parse_answer_line(bad)


# --- the socket as StandIn.start makes it ---


def test_start_puts_the_control_calls_on_an_owner_only_socket(started: StandIn) -> None:
    path = started.control_socket
    assert path is not None
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert isinstance(started._control, SocketControlConnection)
    assert started.health()["status"] == "ok"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/health", None),
        ("POST", "/sandboxes", {"generate": {"count": 0}}),
        ("POST", "/sandboxes", {"unknown": 1}),
        ("PATCH", "/sandboxes", None),
        ("GET", "/nowhere", None),
        ("GET", "/sandboxes/0123456789abcdef", None),
        ("POST", "/sandboxes", "not an object"),
        ("GET", "/%68ealth", None),  # percent-decoded, as ASGI's path is
        ("HEAD", "/health", None),  # no body
        ("HEAD", "/sandboxes", None),  # 405
    ],
)
def test_the_socket_answers_as_http_does(
    started: StandIn, method: str, path: str, body: object
) -> None:
    over_socket = SocketControlConnection(started.control_socket or Path(), PREFIX, timeout=10)
    over_http = ControlConnection(started.control_url, {}, timeout=10)
    try:
        assert over_socket.request(method, path, body) == over_http.request(method, path, body)
    finally:
        over_socket.close()
        over_http.close()


def test_a_query_reaches_the_control_api(started: StandIn) -> None:
    sandbox = started.sandbox()
    try:
        status, body = started._control.request(
            "GET", f"/sandboxes/{sandbox.id}/journal", params={"colour": "red"}
        )
        assert status == 400
        assert b"journal filters" in body
    finally:
        sandbox.close()


def test_calls_sent_together_are_answered_in_order(started: StandIn) -> None:
    with raw(started) as connection:
        connection.sendall(
            call_frame("POST", f"{PREFIX}/sandboxes", b"{}")
            + call_frame("GET", f"{PREFIX}/nowhere", b"")
            + call_frame("GET", f"{PREFIX}/health", b"")
        )
        found = answers(connection, 3)
        assert [status for status, _ in found] == [201, 404, 200]
        started._call("DELETE", f"/sandboxes/{orjson.loads(found[0][1])['id']}")


def test_a_call_arriving_in_pieces_is_answered_once_whole(started: StandIn) -> None:
    frame = call_frame("GET", f"{PREFIX}/health", b"")
    with raw(started) as connection:
        for at in range(0, len(frame), 3):
            connection.sendall(frame[at : at + 3])
            time.sleep(0.002)
        status, body, _ = read_answer(connection)
    assert status == 200
    assert orjson.loads(body)["status"] == "ok"


@pytest.mark.parametrize(
    ("frame", "status", "message"),
    [
        (b"GARBAGE\n", 400, "METHOD TARGET LENGTH"),
        (b"GET /_stand-in/health 1x\n", 400, "a decimal number of bytes"),
        (b"G" * (MAX_LINE_BYTES + 2), 400, f"at most {MAX_LINE_BYTES} bytes"),
    ],
)
def test_a_bad_frame_is_answered_once_and_its_connection_closed(
    started: StandIn, frame: bytes, status: int, message: str
) -> None:
    with raw(started) as connection:
        connection.sendall(frame)
        answered, body, rest = read_answer(connection)
        assert (answered, rest) == (status, b"")
        assert message in orjson.loads(body)["error"]
        assert closed_by_server(connection)
    assert started.health()["status"] == "ok"  # the server goes on


def test_a_body_over_the_limit_is_read_then_refused_413_and_the_connection_goes_on(
    started: StandIn,
) -> None:
    huge = {"jobs": [], "padding": "x" * MAX_CONTROL_BODY_BYTES}
    started.health()
    connection = started._control
    assert isinstance(connection, SocketControlConnection)
    before = connection._sock
    with pytest.raises(StandInError) as refused:
        started._call("POST", "/sandboxes", json=huge)
    assert refused.value.status == 413
    assert "larger than" in str(refused.value)
    assert started.health()["status"] == "ok"
    assert connection._sock is before  # the same connection, in step


@pytest.mark.parametrize(("method", "path", "status"), [("POST", "/nowhere", 404),
                                                         ("PATCH", "/health", 405)])  # fmt: skip
def test_a_body_over_the_limit_on_a_refused_route_gets_the_routes_answer(
    started: StandIn, method: str, path: str, status: int
) -> None:
    """As the control API decides over HTTP (test_control.py): the route first, so the body
    is not what is refused. (Over HTTP the answer comes before the body is read, and
    ``http.client``, which sends a whole body before reading, meets a closed connection.)"""
    huge = "x" * (MAX_CONTROL_BODY_BYTES + 1)
    over_socket = SocketControlConnection(started.control_socket or Path(), PREFIX, timeout=30)
    try:
        answered, body = over_socket.request(method, path, huge)
        assert answered == status
        assert "larger than" not in orjson.loads(body)["error"]
        assert over_socket.request("GET", "/health")[0] == 200  # in step after the drop
    finally:
        over_socket.close()


def test_a_call_interrupted_while_waiting_leaves_no_answer_for_the_next(
    started: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt (Ctrl-C, a test timeout) between a call's send and its answer: the next
    call must read its own answer, not the one left on the connection."""
    connection = SocketControlConnection(started.control_socket or Path(), PREFIX, timeout=10)
    real = SocketControlConnection._read
    calls = []

    def interrupted(self: SocketControlConnection) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        real(self)

    monkeypatch.setattr(SocketControlConnection, "_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        connection.request("GET", "/sandboxes")
    status, body = connection.request("GET", "/health")
    assert status == 200
    assert orjson.loads(body)["status"] == "ok"
    connection.close()


def test_a_call_interrupted_between_its_send_and_its_answer_leaves_the_connection_usable(
    started: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection = SocketControlConnection(started.control_socket or Path(), PREFIX, timeout=10)
    real = SocketControlConnection._receive
    calls = []

    def interrupted(self: SocketControlConnection) -> tuple[int, bytes]:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt  # after the send, before anything of the answer is read
        return real(self)

    monkeypatch.setattr(SocketControlConnection, "_receive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        connection.request("GET", "/sandboxes")
    for _ in range(2):
        status, body = connection.request("GET", "/health")
        assert (status, orjson.loads(body)["status"]) == (200, "ok")
    connection.close()


def test_a_connection_the_stand_in_closed_is_reopened(started: StandIn) -> None:
    connection = SocketControlConnection(started.control_socket or Path(), PREFIX, timeout=10)
    assert connection.request("GET", "/health")[0] == 200
    assert connection._sock is not None
    connection._sock.shutdown(socket.SHUT_RD)  # reads as the peer's end of file
    assert connection.request("GET", "/health")[0] == 200
    connection.close()


def test_the_stand_in_closed_removes_its_socket_folder() -> None:
    stand_in = StandIn.start()
    path = stand_in.control_socket
    assert path is not None
    assert path.exists()
    stand_in.close()
    assert not path.parent.exists()


def test_close_removes_only_the_folder_start_made(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "keep").write_text("kept")
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                               start_new_session=True)  # fmt: skip
    StandIn("http://127.0.0.1:9", process=process, control_socket=mine / "control.sock").close()
    assert (mine / "keep").read_text() == "kept"
    assert process.poll() is not None


def test_a_socket_the_stand_in_cannot_bind_means_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """A socket that cannot be bound (here: under /sys, where even root may not make one),
    refused by the command's trial bind (the worker says the same if its own bind fails
    after: test_the_lifespan_names_a_socket_it_cannot_bind): ``start`` starts the stand-in
    again without one."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.bind(UNBINDABLE)
    except OSError:
        pass
    else:
        os.unlink(UNBINDABLE)
        pytest.skip(f"{UNBINDABLE} can be bound on this machine")
    finally:
        probe.close()
    real = subprocess.Popen
    commands: list[list[str]] = []

    def popen(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        if "--control-socket" in command:
            at = command.index("--control-socket") + 1
            command = [*command[:at], UNBINDABLE, *command[at + 1 :]]
        commands.append(command)
        return real(command, **options)

    monkeypatch.setattr(subprocess, "Popen", popen)  # the module the client starts it with
    with StandIn.start() as stand_in:
        assert stand_in.control_socket is None
        assert stand_in.health()["status"] == "ok"
    assert len(commands) == 2
    assert "--control-socket" not in commands[1]


def test_the_lifespan_names_a_socket_it_cannot_bind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even a socket file left by a process gone (which asyncio's own bind would delete)
    stays: the stand-in refuses to start on it, naming it."""
    taken = tmp_path / "taken"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(taken))
    stale.close()
    identity = (taken.lstat().st_dev, taken.lstat().st_ino)
    app = StandInApp(Settings(), StandInConfig(control_socket=taken))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    asyncio.run(app(cast(Any, {"type": "lifespan"}), receive, send))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert f"{CONTROL_SOCKET_FAILED} {taken}: " in capsys.readouterr().err
    assert (taken.lstat().st_dev, taken.lstat().st_ino) == identity


def test_the_socket_is_bound_owner_only_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's mode the instant ``bind`` made it (not after a chmod: no moment where
    another user may connect), under the loosest umask."""
    path = tmp_path / "control.sock"
    app = StandInApp(Settings(), StandInConfig(control_socket=path))
    modes: list[int] = []

    class Watched(socket.socket):
        def bind(self, address: Any) -> None:
            super().bind(address)
            if self.family == socket.AF_UNIX:
                modes.append(stat.S_IMODE(os.lstat(address).st_mode))

    async def bind() -> None:
        served = await serve_control_socket(path, app.control, lambda: None)
        served.close()

    monkeypatch.setattr(socket, "socket", Watched)
    mask = os.umask(0)
    try:
        asyncio.run(bind())
    finally:
        os.umask(mask)
    assert modes == [0o600]
    assert not path.exists()  # removed: still the file it bound


def test_a_socket_file_replaced_meanwhile_is_not_removed(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    app = StandInApp(Settings(), StandInConfig(control_socket=path))

    async def bind_then_replace() -> None:
        served = await serve_control_socket(path, app.control, lambda: None)
        path.unlink()
        path.write_text("another's")
        served.close()

    asyncio.run(bind_then_replace())
    assert path.read_text() == "another's"


def test_the_callers_socket_and_token_variables_do_not_reach_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.sock"
    monkeypatch.setenv("STAND_IN_CONTROL_SOCKET", str(elsewhere))
    monkeypatch.setenv("STAND_IN_CONTROL_TOKEN", "the caller's own stand-in's")
    with StandIn.start(timeout=30) as stand_in:
        assert stand_in.health()["status"] == "ok"  # over its socket
        over_http = ControlConnection(stand_in.control_url, {}, timeout=10)
        assert over_http.request("GET", "/health")[0] == 200  # no token asked
        over_http.close()
        assert not elsewhere.exists()


def test_an_interrupted_start_stops_the_stand_in_and_removes_its_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Path] = []
    real_path = client_module._socket_path

    def recorded() -> Path | None:
        path = real_path()
        if path is not None:
            made.append(path)
        return path

    def interrupted(self: StandIn) -> bool:
        assert self._process is not None
        made.append(Path(f"/proc/{self._process.pid}"))
        raise KeyboardInterrupt

    monkeypatch.setattr(client_module, "_socket_path", recorded)
    monkeypatch.setattr(StandIn, "_healthy", interrupted)
    with pytest.raises(KeyboardInterrupt):
        StandIn.start()
    socket_path, process = made
    assert not socket_path.parent.exists()
    deadline = time.monotonic() + 10
    while process.exists() and (process / "stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the stand-in's process was not stopped"
        time.sleep(0.05)


def test_a_temporary_folder_too_long_for_a_socket_means_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    with StandIn.start() as stand_in:
        assert stand_in.control_socket is None
        assert isinstance(stand_in._control, ControlConnection)
        sandbox = stand_in.sandbox()
        sandbox.fail_next("token-expired")
        assert len(sandbox.script()) == 1


# --- the command's option ---


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jobs_metrics_stand_in", "--port", "1", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/control.sock", "its folder does not exist"),
        ("x" * 120 + ".sock", f"longer than {MAX_SOCKET_PATH_BYTES} bytes"),
        ("taken", "exists; remove it or name another"),
        (UNBINDABLE, "Operation not permitted"),  # refused by a trial bind
    ],
)
def test_a_control_socket_that_cannot_be_bound_is_one_line_and_exit_2(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "taken").write_text("a file of someone's")
    result = run_command("--control-socket", str(tmp_path / where))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert (tmp_path / "taken").read_text() == "a file of someone's"  # never removed


def test_the_command_serves_the_socket_and_removes_it_at_sigterm(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs_metrics_stand_in", "--port", str(port),
         "--control-socket", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        stand_in = StandIn(f"http://127.0.0.1:{port}", control_socket=path)
        deadline = time.monotonic() + 30
        while not stand_in._healthy():
            assert process.poll() is None, "exited at start"
            assert time.monotonic() < deadline, "did not start in 30 s"
            time.sleep(0.05)
        attached = StandIn.attach(stand_in.url, control_socket=path)
        sandbox = attached.sandbox()
        assert sandbox.id in {s["id"] for s in attached._call("GET", "/sandboxes")["sandboxes"]}
        attached.close()  # its sandboxes closed, the stand-in left running
        stand_in.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        assert not os.path.lexists(path)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_defect_in_a_call_is_a_500_and_the_connection_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """In the server's process (a protocol on a loop of the test's): a handler that raises
    is answered 500 with the exception named, logged, and the next call is answered."""
    from jobs_metrics_stand_in.control_socket import ControlProtocol

    app = StandInApp(Settings(), StandInConfig())

    def broken(**_: object) -> tuple[int, object]:
        raise ZeroDivisionError("a defect")

    monkeypatch.setitem(app.control.routes[0][1], "GET", broken)  # /health

    transport = RecordingTransport()
    protocol = ControlProtocol(app.control, lambda: None)
    protocol.connection_made(transport)
    protocol.data_received(
        call_frame("GET", f"{PREFIX}/health", b"") + call_frame("GET", f"{PREFIX}/nowhere", b"")
    )
    first, _, rest = transport.written.partition(b"\n")
    status, length = parse_answer_line(first)
    assert status == 500
    assert "ZeroDivisionError" in orjson.loads(rest[:length])["error"]
    assert parse_answer_line(rest[length:].partition(b"\n")[0])[0] == 404
    assert "control socket: GET /_stand-in/health failed" in caplog.text


def test_no_call_runs_while_the_answers_wait_to_be_sent() -> None:
    """Flow control: once the transport says its buffer is full, calls already received
    wait (none is run, none answered) until it drains; then they run, in order."""
    from jobs_metrics_stand_in.control_socket import ControlProtocol

    app = StandInApp(Settings(), StandInConfig())

    transport = RecordingTransport()
    protocol = ControlProtocol(app.control, lambda: None)
    protocol.connection_made(transport)
    protocol.pause_writing()
    assert not transport.reading
    protocol.data_received(
        call_frame("POST", f"{PREFIX}/sandboxes", b"{}") + call_frame("GET", f"{PREFIX}/x", b"")
    )
    assert (transport.written, len(app.registry.sandboxes)) == (b"", 0)
    protocol.resume_writing()
    assert transport.reading
    assert len(app.registry.sandboxes) == 1
    first, _, rest = transport.written.partition(b"\n")
    assert parse_answer_line(first)[0] == 201
    assert parse_answer_line(rest[parse_answer_line(first)[1] :].partition(b"\n")[0])[0] == 404
