"""The generated client, sync and async, over real HTTP against the reference server."""

from __future__ import annotations

import asyncio

import httpx
from jobs_metrics_client import AuthenticatedClient, Client
from jobs_metrics_client.api.job_monitoring import query_job_metrics
from jobs_metrics_client.models import (
    DliErrorResponse,
    ErrorResponse,
    JobMetricsRequest,
    JobMetricsResponse,
)

from fuzz_harness.server_process import ServerProcess
from reference_server.demo import PROJECT_A, PROJECT_B, TOKEN_A


def client(server: ServerProcess, token: str = TOKEN_A) -> AuthenticatedClient:
    """As the README writes it: the generator's defaults must send ``X-Auth-Token: <token>``
    (no ``Bearer`` prefix), so nothing about the header is passed here."""
    return AuthenticatedClient(base_url=server.base_url, token=token)


def test_the_generated_defaults_send_the_token_header_of_the_spec(server):
    sent: list[httpx.Request] = []
    with client(server) as c:
        c.get_httpx_client().event_hooks["request"].append(sent.append)
        query_job_metrics.sync_detailed(PROJECT_A, client=c, body=JobMetricsRequest(job_ids=[1]))
    assert sent[0].headers.get_list("X-Auth-Token") == [TOKEN_A]
    assert "authorization" not in sent[0].headers


def test_sync_success(server):
    with client(server) as c:
        answer = query_job_metrics.sync_detailed(
            PROJECT_A, client=c, body=JobMetricsRequest(job_ids=[3, 1, 999])
        )
    assert answer.status_code == 200
    assert isinstance(answer.parsed, JobMetricsResponse)
    assert [job.job_id for job in answer.parsed.payload.jobs] == [3, 1]  # 999 is project B's


def test_async_success_live(server):
    async def run() -> JobMetricsResponse | ErrorResponse | DliErrorResponse | None:
        async with client(server) as c:
            return await query_job_metrics.asyncio(
                PROJECT_A, client=c, body=JobMetricsRequest(job_ids=[5])
            )

    answer = asyncio.run(run())
    assert isinstance(answer, JobMetricsResponse)
    assert answer.payload.jobs[0].job_id == 5
    assert answer.payload.jobs[0].metrics.sources


def test_400_path_is_an_error_response(server):
    with client(server) as c:
        answer = query_job_metrics.sync_detailed(
            PROJECT_A, client=c, body=JobMetricsRequest(job_ids=[])
        )
    assert answer.status_code == 400
    assert isinstance(answer.parsed, ErrorResponse)
    assert answer.parsed.error_id == "CS.10003"
    assert answer.parsed.error_cause.startswith("job_ids")


def test_missing_token_sync_and_async(server):
    with Client(base_url=server.base_url) as plain:
        # The generated function takes an AuthenticatedClient; a plain Client sends no token.
        sync_answer = query_job_metrics.sync(
            PROJECT_A,
            client=plain,  # type: ignore[arg-type]
            body=JobMetricsRequest(job_ids=[1]),
        )
    assert isinstance(sync_answer, ErrorResponse)
    assert sync_answer.error_id == "CS.10008"

    async def run() -> object:
        async with Client(base_url=server.base_url) as aplain:
            return await query_job_metrics.asyncio(
                PROJECT_A,
                client=aplain,  # type: ignore[arg-type]
                body=JobMetricsRequest(job_ids=[1]),
            )

    async_answer = asyncio.run(run())
    assert isinstance(async_answer, ErrorResponse)
    assert async_answer.error_id == "CS.10008"


def test_token_of_another_project(server):
    with client(server) as c:
        answer = query_job_metrics.sync(PROJECT_B, client=c, body=JobMetricsRequest(job_ids=[601]))
    assert isinstance(answer, ErrorResponse)
    assert answer.error_id == "CS.10006"
