"""The Python client's connection to the control API: one kept-alive connection, reopened
when the server closed it while idle; calls whose answers are read later (what the pytest
plugin's teardown sends) that hold up no other call; refusals with their status."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from jobs_metrics_stand_in import StandIn, StandInError
from jobs_metrics_stand_in.client import ControlConnection, free_port


@pytest.fixture
def one_answer_per_connection() -> Iterator[tuple[str, list[int]]]:
    """A loopback server that answers one request per connection, then closes it without
    saying so (no ``Connection: close``), as a server does when its keep-alive timeout
    passes; the URL and the number of connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[int] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the test is over
            accepted.append(1)
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                body = b'{"status": "ok"}'
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/_stand-in", accepted
    listener.close()
    thread.join(timeout=5)


def test_a_connection_the_server_closed_while_idle_is_reopened(
    one_answer_per_connection: tuple[str, list[int]],
) -> None:
    url, accepted = one_answer_per_connection
    connection = ControlConnection(url, {}, timeout=5)
    for _ in range(3):
        status, body = connection.request("GET", "/health")
        assert (status, body) == (200, b'{"status": "ok"}')
        sock = connection._connection.sock if connection._connection else None
        for _ in range(500):  # until the server's close has arrived (at once, on loopback)
            try:
                if sock is None or sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    break
            except BlockingIOError:
                time.sleep(0.01)
    assert len(accepted) == 3  # each call on a new connection, none lost
    connection.close()


def test_calls_sent_now_and_read_later_hold_up_no_other(stand_in: StandIn) -> None:
    before = stand_in.health()["sandboxes"]
    first = stand_in.sandbox()
    coming = stand_in.sandbox_soon()
    closing = first.close_soon()
    first_info_error = None
    try:
        first.info()  # may run before or after the close: either way it is answered
    except StandInError as error:
        first_info_error = error
    assert first_info_error is None or first_info_error.status == 404
    assert stand_in.health()["sandboxes"] >= before  # the kept connection is free
    assert closing.result() is None
    made = coming.result()
    assert made.info()["jobs"] == 0
    assert made.token != first.token
    with pytest.raises(RuntimeError, match="already read"):
        coming.result()
    with pytest.raises(StandInError) as gone:
        first.info()
    assert gone.value.status == 404
    again = first.close_soon()  # a refusal comes with the answer, when it is read
    with pytest.raises(StandInError) as refused:
        again.result()
    assert refused.value.status == 404
    made.close()
    assert stand_in.health()["sandboxes"] == before


def test_an_attached_client_closes_only_what_it_left_open(stand_in: StandIn) -> None:
    before = stand_in.health()["sandboxes"]
    attached = StandIn.attach(stand_in.url)
    kept, closed, closed_later = attached.sandbox(), attached.sandbox(), attached.sandbox()
    closed.close()
    closed_later.close_soon().result()
    assert list(attached._sandboxes) == [kept.id]
    attached.close()
    assert stand_in.health()["sandboxes"] == before


def test_a_stand_in_that_is_not_there_is_said_so() -> None:
    nobody = StandIn(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StandInError, match="could not be reached") as failed:
        nobody.health()
    assert failed.value.status is None
    nobody.close()
