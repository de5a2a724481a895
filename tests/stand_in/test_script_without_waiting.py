"""Script calls sent without waiting for their answers (the pytest plugin's sandboxes,
``Sandbox.confirm_script_later``): a request sent to the API after the call meets it (the
stand-in reads its control connections before routing a request), the entry's id is the
client's (``c1``, ``c2``...), and a refused call is raised at the sandbox's next call or at
``confirm``, naming the call (at the test's teardown: ``test_pytest_plugin.py``)."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import pytest

from jobs_metrics_stand_in import ScriptCallRefused, StandIn, StandInError
from jobs_metrics_stand_in.client import Sandbox, SocketControlConnection
from jobs_metrics_stand_in.names import CLIENT_ENTRY_ID
from jobs_metrics_stand_in.pytest_plugin import supply_of
from jobs_metrics_stand_in.server import StandInApp, StandInConfig
from jobs_metrics_stand_in.wire import call_frame
from reference_server import Settings
from tests.stand_in.conftest import answers

PREFIX = "/_stand-in"
BUSY_ROUNDS = 3  # the same while the stand-in is busy (about half a second each)
ROUNDS = 100  # entries sent unanswered, each followed at once by a request (a sandbox
# holds at most 100)


@pytest.fixture(scope="module")
def started() -> Iterator[StandIn]:
    with StandIn.start() as stand_in:
        yield stand_in


def test_a_request_sent_after_an_unanswered_entry_meets_it(started: StandIn) -> None:
    """The order a client made its calls in is the order the stand-in sees them, though the
    entry travels on the control socket and the request over HTTP: every request finds the
    entry sent just before it. (End to end; which part of the stand-in gives the order is
    the next tests' matter: here the request's body read also gives the loop a turn.)"""
    assert started.control_socket is not None
    sandbox = started.sandbox()
    url = f"{started.url}/v1.0/{sandbox.project_id}/jobs/metrics"
    token = {"X-Auth-Token": sandbox.token}
    entry = orjson.dumps({"rule": "token-expired", "times": 1})
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control,
        httpx.Client(timeout=10) as client,
    ):
        control.settimeout(10)
        control.connect(str(started.control_socket))
        control.sendall(call_frame("GET", f"{PREFIX}/health", b""))
        assert answers(control, 1)[0][0] == 200  # accepted: the stand-in reads it from now on
        met = []
        for _ in range(ROUNDS):
            control.sendall(call_frame("POST", f"{PREFIX}/sandboxes/{sandbox.id}/script", entry))
            answer = client.post(url, json={"job_ids": [1]}, headers=token)
            met.append(answer.json().get("error_id"))
        assert met == ["CS.10007"] * ROUNDS
        statuses = [status for status, _ in answers(control, ROUNDS)]
        assert statuses == [201] * ROUNDS
    sandbox.close()


def test_a_request_meets_the_entry_sent_before_it_while_the_stand_in_was_busy(
    started: StandIn,
) -> None:
    """The case the read before routing exists for: the stand-in is busy (a large call on
    another connection) while the entry and then the request arrive, so the request is
    scheduled before the loop looks at the sockets again; it still meets the entry."""
    assert started.control_socket is not None
    sandbox = started.sandbox()
    url = f"{started.url}/v1.0/{sandbox.project_id}/jobs/metrics"
    token = {"X-Auth-Token": sandbox.token}
    entry = orjson.dumps({"rule": "token-expired", "times": 1})
    busy_call = orjson.dumps({"generate": {"count": 10_000}})
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as busy,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control,
        httpx.Client(timeout=30) as client,
    ):
        for connection in (busy, control):
            connection.settimeout(30)
            connection.connect(str(started.control_socket))
            connection.sendall(call_frame("GET", f"{PREFIX}/health", b""))
            assert answers(connection, 1)[0][0] == 200
        met = []
        for _ in range(BUSY_ROUNDS):
            scratch = started.sandbox()
            busy.sendall(call_frame("POST", f"{PREFIX}/sandboxes/{scratch.id}/jobs", busy_call))
            time.sleep(0.02)  # the stand-in is in the middle of it (about half a second)
            control.sendall(call_frame("POST", f"{PREFIX}/sandboxes/{sandbox.id}/script", entry))
            answer = client.post(url, json={"job_ids": [1]}, headers=token)
            met.append(answer.json().get("error_id"))
            assert [status for status, _ in answers(busy, 1)] == [200]
            assert [status for status, _ in answers(control, 1)] == [201]
            scratch.close()
        assert met == ["CS.10007"] * BUSY_ROUNDS
    sandbox.close()


def uvloop_loop() -> asyncio.AbstractEventLoop:
    uvloop = pytest.importorskip("uvloop")
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


@pytest.mark.parametrize(
    "new_loop", [asyncio.new_event_loop, uvloop_loop], ids=["asyncio", "uvloop"]
)
def test_the_stand_in_reads_its_control_socket_before_routing_a_request(
    tmp_path: Path, new_loop: Callable[[], asyncio.AbstractEventLoop]
) -> None:
    """Deterministic, in the test's process: the entry's bytes are in the socket's queue and
    the loop has had no turn to read them when the request reaches the app (whose body is
    at hand, so nothing in the app waits either): only the read before routing makes the
    request meet the entry. (Over a real server the request's body read also gives the loop
    a turn first, which is why the live tests above pass even without it.)"""
    path = tmp_path / "control.sock"
    app = StandInApp(Settings(), StandInConfig(control_socket=path))
    sandbox = app.registry.create()
    entry = orjson.dumps({"rule": "token-expired", "times": 1})
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        said: list[str] = []

        async def lifespan_send(message: MutableMapping[str, Any]) -> None:
            said.append(message["type"])

        await startup.put({"type": "lifespan.startup"})
        lifespan = asyncio.create_task(app({"type": "lifespan"}, startup.get, lifespan_send))
        while not said:
            await asyncio.sleep(0.001)
        assert said == ["lifespan.startup.complete"]
        loop = asyncio.get_running_loop()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
            control.setblocking(False)
            await loop.sock_connect(control, str(path))
            await loop.sock_sendall(control, call_frame("GET", f"{PREFIX}/health", b""))
            assert (await loop.sock_recv(control, 65536)).startswith(b"200 ")  # accepted
            control.send(call_frame("POST", f"{PREFIX}/sandboxes/{sandbox.id}/script", entry))
            body = b'{"job_ids": [1]}'
            request_path = f"/v1.0/{sandbox.credentials.project_id}/jobs/metrics"
            scope = {
                "type": "http", "method": "POST", "path": request_path,
                "raw_path": request_path.encode(), "query_string": b"", "http_version": "1.1",
                "headers": [(b"content-type", b"application/json"),
                            (b"x-auth-token", sandbox.credentials.token.encode())],
            }  # fmt: skip

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: MutableMapping[str, Any]) -> None:
                sent.append(dict(message))

            await app(cast(Any, scope), receive, send)  # no turn of the loop before it
        await startup.put({"type": "lifespan.shutdown"})
        await lifespan

    with asyncio.Runner(loop_factory=new_loop) as runner:  # the stand-in runs on uvloop
        runner.run(run())
    assert sent[0]["status"] == 400
    assert orjson.loads(sent[1]["body"])["error_id"] == "CS.10007"
    app.registry.close_all()


def test_a_client_chooses_an_entry_id_once_per_sandbox(started: StandIn) -> None:
    sandbox = started.sandbox()
    path = f"/sandboxes/{sandbox.id}/script"
    added = started._call("POST", path, json={"rule": "token-expired", "id": "c7"})
    assert added["id"] == "c7"
    with pytest.raises(StandInError, match="409 script: the sandbox has an entry c7 already"):
        started._call("POST", path, json={"rule": "forbidden", "id": "c7"})
    for taken_by_the_stand_in in ("e1", "c0", "c", "7"):
        with pytest.raises(StandInError, match="400 id: String should match pattern"):
            started._call("POST", path, json={"rule": "forbidden", "id": taken_by_the_stand_in})
    given = started._call("POST", path, json={"rule": "forbidden"})
    assert given["id"] == "e1"  # the stand-in's own, as before
    assert [entry["id"] for entry in sandbox.script()] == ["c7", "e1"]
    assert "id" not in {k for k, v in sandbox.script()[0].items() if v == "c7" and k != "id"}
    sandbox.close()


def test_the_ids_a_client_chooses_are_the_specs() -> None:
    assert re.fullmatch(CLIENT_ENTRY_ID.strip("^$"), "c1")
    assert not re.fullmatch(CLIENT_ENTRY_ID.strip("^$"), "e1")


def taken(started: StandIn) -> Sandbox:
    """A sandbox as the plugin hands it out, after one test's turn (the supply's idle
    connections then carry the script calls without waiting)."""
    supply = supply_of(started)
    first = supply.take()
    first.confirm()
    supply.give_back(first)
    return supply.take()


def test_a_script_call_does_not_wait_and_a_request_after_it_meets_it(started: StandIn) -> None:
    sandbox = taken(started)
    url = f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"
    assert sandbox.confirm_script_later
    assert sandbox.fail_next("token-expired") == "c1"
    assert len(sandbox._unconfirmed) == 1  # sent, its answer not read
    answer = httpx.post(url, json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token})
    assert answer.json()["error_id"] == "CS.10007"
    (request,) = sandbox.requests()  # the next call reads the answer first
    assert request.raw["answered_by"] == "c1"
    assert sandbox._unconfirmed == []
    supply_of(started).give_back(sandbox)


def test_a_refused_script_call_is_raised_by_the_next_call_once(started: StandIn) -> None:
    sandbox = taken(started)
    assert sandbox.fail_next("no-such-rule") == "c1"  # not refused yet: not waited for
    with pytest.raises(ScriptCallRefused, match=r"fail_next\('no-such-rule'\) was refused: .*400"):
        sandbox.requests()
    assert sandbox.requests() == []  # said once; the sandbox goes on
    sandbox.fail_next("no-such-rule")
    with pytest.raises(ScriptCallRefused, match="was refused"):
        sandbox.confirm()
    sandbox.fault("reset", seconds=1)  # refused: seconds is for dribble and hang
    assert "after the test went on, fault('reset') was refused" in sandbox.journal_text()
    supply_of(started).give_back(sandbox)


def test_a_refusal_is_not_taken_for_another_calls(started: StandIn) -> None:
    """A test expecting some other call to be refused does not catch the script call's
    refusal instead (and the call it meant is not left unsent)."""
    sandbox = taken(started)
    sandbox.fail_next("token-expird")
    with pytest.raises(ScriptCallRefused, match="token-expird"), pytest.raises(StandInError):
        sandbox.add_jobs([{"job_id": 1}, {"job_id": 1}])
    with pytest.raises(StandInError, match="400"):
        sandbox.add_jobs([{"job_id": 1}, {"job_id": 1}])
    supply_of(started).give_back(sandbox)


def test_a_refusal_comes_later_even_when_the_call_waited(started: StandIn) -> None:
    """With no idle connection to send on without waiting (the first test of a session,
    the third script call of a test, or HTTP), the call waits, and its refusal is kept for
    later all the same: a test behaves the same whatever ran before it."""
    over_http = StandIn.attach(started.url)
    assert over_http._orders_script_calls  # a stand-in of this version
    sandbox = over_http.sandbox()
    sandbox.confirm_script_later = True
    assert sandbox.fail_next("no-such-rule") == "c1"  # waited, over HTTP, and not raised
    assert sandbox.fail_next("token-expired") == "c2"
    with pytest.raises(ScriptCallRefused, match=r"fail_next\('no-such-rule'\) was refused"):
        sandbox.confirm()
    assert [entry["id"] for entry in sandbox.script()] == ["c2"]
    over_http.close()


def test_a_stand_in_before_0_2_0_gets_script_calls_as_before(
    started: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older stand-in (no version in its health answer) takes no client ids and reads
    no socket before routing: its script calls wait, are refused at once, carry no id."""
    answer_of = StandIn._call
    sent: list[Any] = []

    def old_stand_in(self: StandIn, method: str, path: str, json: Any = None,
                     params: dict[str, Any] | None = None) -> Any:  # fmt: skip
        sent.append(json)
        found = answer_of(self, method, path, json=json, params=params)
        if path == "/health":
            del found["version"]
        return found

    monkeypatch.setattr(StandIn, "_call", old_stand_in)
    older = StandIn.attach(started.url, control_socket=started.control_socket)
    assert not older._orders_script_calls
    sandbox = older.sandbox()
    sandbox.confirm_script_later = True
    with pytest.raises(StandInError, match="400 rule 'no-such-rule'"):
        sandbox.fail_next("no-such-rule")
    assert sandbox.fail_next("token-expired") == "e1"
    assert all("id" not in body for body in sent if isinstance(body, dict) and "rule" in body)
    older.close()


def test_entries_sent_out_of_order_keep_the_clients_order(started: StandIn) -> None:
    """Entries on several connections may arrive in any order: the stand-in places a
    client's ids by their number, so the script matches in the order the client sent."""
    sandbox = started.sandbox()
    path = f"/sandboxes/{sandbox.id}/script"
    for entry_id, rule in (("c3", "forbidden"), ("c1", "token-expired"), ("c2", "throttled")):
        started._call("POST", path, json={"rule": rule, "id": entry_id})
    started._call("POST", path, json={"rule": "internal-error"})  # the stand-in's own: last
    assert [e["id"] for e in sandbox.script()] == ["c1", "c2", "c3", "e1"]
    url = f"{started.url}/v1.0/{sandbox.project_id}/jobs/metrics"
    for _ in range(4):
        httpx.post(url, json={"job_ids": [1]}, headers={"X-Auth-Token": sandbox.token})
    met = [request.rule for request in sandbox.requests()]
    assert met == ["token-expired", "throttled", "forbidden", "internal-error"]
    sandbox.close()


def test_closing_an_attached_stand_in_reads_every_answer_once(started: StandIn) -> None:
    """Script calls not confirmed when an attached stand-in is closed: their answers are
    read once, and every sandbox it made is closed (none left on the stand-in)."""
    assert started.control_socket is not None
    attached = StandIn.attach(started.url, control_socket=started.control_socket)
    first = attached.sandbox_soon().result()  # its connection, answered, is idle now
    first.confirm_script_later = True
    first.fail_next("no-such-rule")
    assert first._unconfirmed  # sent without waiting
    second = attached.sandbox()
    attached.close()
    for made in (first, second):
        with pytest.raises(StandInError, match="404"):
            started._call("GET", f"/sandboxes/{made.id}")


def test_a_call_sent_without_waiting_never_goes_on_a_new_connection(started: StandIn) -> None:
    """A connection the stand-in has not accepted yet is not read before a request: such a
    call is not sent on one (``StandIn._send_ordered`` then waits for its answer instead)."""
    assert started.control_socket is not None
    fresh = SocketControlConnection(started.control_socket, PREFIX, timeout=5)
    assert not fresh.accepted()
    with pytest.raises(StandInError, match="not sent"):
        fresh.send("GET", "/health", reopen=False)
    fresh.send("GET", "/health")
    assert fresh.receive()[0] == 200
    assert fresh.accepted()
    fresh.close()
