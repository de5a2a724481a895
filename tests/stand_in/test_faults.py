"""Each transport fault reaches httpx and the provider's SDK as a real network's failure."""

from __future__ import annotations

import time

import httpx
import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ConnectionException

from jobs_metrics_stand_in import Sandbox, StandInError
from tests.stand_in.conftest import cs_url, dli_client, show

# fault -> what httpx raises for it (as against a real server that did this).
HTTPX_FAILURE = {
    "reset": httpx.ReadError,  # [Errno 104] Connection reset by peer
    "empty": httpx.RemoteProtocolError,  # disconnected without sending a response
    "truncated": httpx.RemoteProtocolError,  # closed before the promised Content-Length
}


def post(sandbox: Sandbox, timeout: float = 10.0) -> httpx.Response:
    return httpx.post(cs_url(sandbox), json={"job_ids": [1]},
                      headers={"X-Auth-Token": sandbox.token}, timeout=timeout)  # fmt: skip


@pytest.mark.parametrize("kind", sorted(HTTPX_FAILURE))
def test_a_broken_connection_reaches_httpx_and_the_next_request_is_served(
    sandbox: Sandbox, kind: str
) -> None:
    sandbox.fault(kind)
    with pytest.raises(HTTPX_FAILURE[kind]):
        post(sandbox)
    assert post(sandbox).status_code == 200
    (broken, fine) = sandbox.requests()
    assert (broken.raw["fault"], fine.raw["fault"]) == (kind, None)


# fault -> what the SDK raises for it, and the cause it names (the SDK wraps a failed
# connection, and lets a body cut short through as requests' own error).
SDK_FAILURE = {
    "reset": (ConnectionException, "Connection reset by peer"),
    "empty": (ConnectionException, "Remote end closed connection without response"),
    "truncated": (requests.exceptions.ChunkedEncodingError, "IncompleteRead"),
}


@pytest.mark.parametrize("kind", sorted(SDK_FAILURE))
def test_a_broken_connection_reaches_the_sdk(sandbox: Sandbox, kind: str) -> None:
    sandbox.fault(kind, operation="showFlinkMetric")
    failure, cause = SDK_FAILURE[kind]
    with pytest.raises(failure, match=cause):
        show(dli_client(sandbox), [1])
    assert show(dli_client(sandbox), [1]).metrics.jobs


def test_a_hang_lasts_until_the_client_gives_up(sandbox: Sandbox) -> None:
    sandbox.fault("hang", seconds=30)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        post(sandbox, timeout=0.5)
    assert time.monotonic() - started < 5
    assert post(sandbox).status_code == 200


def test_a_bounded_hang_ends_in_a_dropped_connection(sandbox: Sandbox) -> None:
    sandbox.fault("hang", seconds=0.3)
    with pytest.raises(httpx.RemoteProtocolError):
        post(sandbox)


def test_a_dribbled_body_arrives_whole_and_slowly(sandbox: Sandbox) -> None:
    sandbox.fault("dribble", seconds=1.0)
    started = time.monotonic()
    pieces = []
    with httpx.stream("POST", cs_url(sandbox), json={"job_ids": [1]},
                      headers={"X-Auth-Token": sandbox.token}) as answer:  # fmt: skip
        pieces = list(answer.iter_raw())
    assert time.monotonic() - started >= 0.9
    assert len(pieces) > 1
    assert b"".join(pieces).startswith(b"{")
    assert b"".join(pieces).endswith(b"}")


def test_delays_fixed_and_seeded(sandbox: Sandbox) -> None:
    sandbox.delay(0.4)
    started = time.monotonic()
    assert post(sandbox).status_code == 200
    assert time.monotonic() - started >= 0.4
    sandbox.delay(0.1, times=3, max_seconds=0.3, seed=5)
    for _ in range(3):
        post(sandbox)
    delays = [r.raw["delay_seconds"] for r in sandbox.requests()][1:]
    assert all(0.1 <= d <= 0.3 for d in delays)
    assert len(set(delays)) == 3


def test_limits_of_faults_are_refused_in_one_line(sandbox: Sandbox) -> None:
    with pytest.raises(StandInError, match="seconds"):
        sandbox.fault("hang", seconds=10_000)
    with pytest.raises(StandInError, match="fault"):
        sandbox.fault("explode")
    with pytest.raises(StandInError, match="delay"):
        sandbox.delay(61)
