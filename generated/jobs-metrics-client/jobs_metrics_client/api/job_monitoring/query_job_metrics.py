from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dli_error_response import DliErrorResponse
from ...models.error_response import ErrorResponse
from ...models.job_metrics_request import JobMetricsRequest
from ...models.job_metrics_response import JobMetricsResponse
from ...types import Response


def _get_kwargs(
    project_id: str,
    *,
    body: JobMetricsRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1.0/{project_id}/jobs/metrics".format(
            project_id=quote(str(project_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | DliErrorResponse | ErrorResponse | JobMetricsResponse | None:
    if response.status_code == 200:
        response_200 = JobMetricsResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 429:
        response_429 = DliErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 431:
        response_431 = cast(Any, None)
        return response_431

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | DliErrorResponse | ErrorResponse | JobMetricsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
) -> Response[Any | DliErrorResponse | ErrorResponse | JobMetricsResponse]:
    """Query job monitoring information

     Query the monitoring information (records and dirty records of each source and sink
    stream, total read and write rates) of several jobs of the project at once.

    Jobs that do not exist and jobs of other projects are left out of `payload.jobs`
    without telling the two apart; the jobs found come back in the order requested.

    Args:
        project_id (str):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DliErrorResponse | ErrorResponse | JobMetricsResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
) -> Any | DliErrorResponse | ErrorResponse | JobMetricsResponse | None:
    """Query job monitoring information

     Query the monitoring information (records and dirty records of each source and sink
    stream, total read and write rates) of several jobs of the project at once.

    Jobs that do not exist and jobs of other projects are left out of `payload.jobs`
    without telling the two apart; the jobs found come back in the order requested.

    Args:
        project_id (str):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DliErrorResponse | ErrorResponse | JobMetricsResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
) -> Response[Any | DliErrorResponse | ErrorResponse | JobMetricsResponse]:
    """Query job monitoring information

     Query the monitoring information (records and dirty records of each source and sink
    stream, total read and write rates) of several jobs of the project at once.

    Jobs that do not exist and jobs of other projects are left out of `payload.jobs`
    without telling the two apart; the jobs found come back in the order requested.

    Args:
        project_id (str):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DliErrorResponse | ErrorResponse | JobMetricsResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
) -> Any | DliErrorResponse | ErrorResponse | JobMetricsResponse | None:
    """Query job monitoring information

     Query the monitoring information (records and dirty records of each source and sink
    stream, total read and write rates) of several jobs of the project at once.

    Jobs that do not exist and jobs of other projects are left out of `payload.jobs`
    without telling the two apart; the jobs found come back in the order requested.

    Args:
        project_id (str):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DliErrorResponse | ErrorResponse | JobMetricsResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            body=body,
        )
    ).parsed
