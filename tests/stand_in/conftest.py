"""One stand-in per test worker (as a client team's suite would share one), a fresh sandbox
per test; the provider's SDK imported as tests/sdk imports it (a throwaway HOME)."""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import tests.sdk.conftest  # noqa: F401  (imports the provider's SDK under a throwaway HOME)
from jobs_metrics_stand_in import Sandbox, StandIn
from jobs_metrics_stand_in.wire import parse_answer_line


@pytest.fixture(scope="session")
def stand_in() -> Iterator[StandIn]:
    with StandIn.start() as running:
        yield running


@pytest.fixture
def sandbox(stand_in: StandIn) -> Iterator[Sandbox]:
    created = stand_in.sandbox(generate={"count": 20, "seed": 7})
    yield created
    created.close()


def dli_client(sandbox: Sandbox, project_id: str | None = None) -> Any:
    """The provider's SDK client with ``sandbox``'s keys (plain http, no IAM call), for its
    project or ``project_id``."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkdli.v1 import DliClient

    credentials = BasicCredentials(
        sandbox.access_key, sandbox.secret_key, project_id or sandbox.project_id
    )
    return (
        DliClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([sandbox.base_url])
        .build()
    )


def show(client: Any, job_ids: list[int]) -> Any:
    from huaweicloudsdkdli.v1 import ShowFlinkMetricRequest, ShowFlinkMetricRequestBody

    request = ShowFlinkMetricRequest(body=ShowFlinkMetricRequestBody(job_ids=job_ids))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return client.show_flink_metric(request)


def cs_url(sandbox: Sandbox) -> str:
    return f"{sandbox.base_url}/v1.0/{sandbox.project_id}/jobs/metrics"


def answers(connection: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """``count`` answers (status, body) read from a control socket connection, in order."""
    found: list[tuple[int, bytes]] = []
    data = b""
    while len(found) < count:
        data += connection.recv(65536)
        while b"\n" in data:
            line, _, rest = data.partition(b"\n")
            status, length = parse_answer_line(line)
            if len(rest) < length:
                break
            found.append((status, rest[:length]))
            data = rest[length:]
    return found
