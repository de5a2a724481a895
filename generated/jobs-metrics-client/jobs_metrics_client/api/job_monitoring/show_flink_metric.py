from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dli_error_response import DliErrorResponse
from ...models.flink_metric_response import FlinkMetricResponse
from ...models.job_metrics_request import JobMetricsRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: str,
    *,
    body: JobMetricsRequest,
    x_project_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_project_id, Unset):
        headers["X-Project-Id"] = x_project_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1.0/{project_id}/streaming/jobs/metrics".format(
            project_id=quote(str(project_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | DliErrorResponse | FlinkMetricResponse | None:
    if response.status_code == 200:
        response_200 = FlinkMetricResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = DliErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = DliErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = DliErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = DliErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 405:
        response_405 = DliErrorResponse.from_dict(response.json())

        return response_405

    if response.status_code == 429:
        response_429 = DliErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 431:
        response_431 = cast(Any, None)
        return response_431

    if response.status_code == 500:
        response_500 = DliErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | DliErrorResponse | FlinkMetricResponse]:
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
    x_project_id: str | Unset = UNSET,
) -> Response[Any | DliErrorResponse | FlinkMetricResponse]:
    """Query job monitoring information (DLI, the successor of the CS operation)

     The Data Lake Insight operation that replaced `queryJobMetrics`, as the provider's SDK
    calls it (`DliClient.show_flink_metric`). The provider marks it deprecated; it is kept
    here because code written against the SDK calls it.

    The request is the CS operation's. The answer carries the same job objects, for the
    same jobs in the same order, in another envelope: `metrics.jobs` instead of
    `payload.jobs`, `is_success` instead of `message_id`, and no `current_time`. Failures
    carry `DliErrorResponse` (`error_code`, `error_msg`) with the HTTP status of their kind:
    401 or 403 for a signature (`APIGW.*`, the provider's API gateway), 400 for a request
    that breaks the schema (`DLI.0001`).

    Requests are signed with an access key and secret key (`akskSignature`): the signature
    binds the method, path, signed headers and body. A signed request can be replayed
    unchanged within the allowed clock skew, as at the provider (the scheme has no nonce).

    Args:
        project_id (str):
        x_project_id (str | Unset):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DliErrorResponse | FlinkMetricResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
        x_project_id=x_project_id,
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
    x_project_id: str | Unset = UNSET,
) -> Any | DliErrorResponse | FlinkMetricResponse | None:
    """Query job monitoring information (DLI, the successor of the CS operation)

     The Data Lake Insight operation that replaced `queryJobMetrics`, as the provider's SDK
    calls it (`DliClient.show_flink_metric`). The provider marks it deprecated; it is kept
    here because code written against the SDK calls it.

    The request is the CS operation's. The answer carries the same job objects, for the
    same jobs in the same order, in another envelope: `metrics.jobs` instead of
    `payload.jobs`, `is_success` instead of `message_id`, and no `current_time`. Failures
    carry `DliErrorResponse` (`error_code`, `error_msg`) with the HTTP status of their kind:
    401 or 403 for a signature (`APIGW.*`, the provider's API gateway), 400 for a request
    that breaks the schema (`DLI.0001`).

    Requests are signed with an access key and secret key (`akskSignature`): the signature
    binds the method, path, signed headers and body. A signed request can be replayed
    unchanged within the allowed clock skew, as at the provider (the scheme has no nonce).

    Args:
        project_id (str):
        x_project_id (str | Unset):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DliErrorResponse | FlinkMetricResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        body=body,
        x_project_id=x_project_id,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
    x_project_id: str | Unset = UNSET,
) -> Response[Any | DliErrorResponse | FlinkMetricResponse]:
    """Query job monitoring information (DLI, the successor of the CS operation)

     The Data Lake Insight operation that replaced `queryJobMetrics`, as the provider's SDK
    calls it (`DliClient.show_flink_metric`). The provider marks it deprecated; it is kept
    here because code written against the SDK calls it.

    The request is the CS operation's. The answer carries the same job objects, for the
    same jobs in the same order, in another envelope: `metrics.jobs` instead of
    `payload.jobs`, `is_success` instead of `message_id`, and no `current_time`. Failures
    carry `DliErrorResponse` (`error_code`, `error_msg`) with the HTTP status of their kind:
    401 or 403 for a signature (`APIGW.*`, the provider's API gateway), 400 for a request
    that breaks the schema (`DLI.0001`).

    Requests are signed with an access key and secret key (`akskSignature`): the signature
    binds the method, path, signed headers and body. A signed request can be replayed
    unchanged within the allowed clock skew, as at the provider (the scheme has no nonce).

    Args:
        project_id (str):
        x_project_id (str | Unset):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | DliErrorResponse | FlinkMetricResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        body=body,
        x_project_id=x_project_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient,
    body: JobMetricsRequest,
    x_project_id: str | Unset = UNSET,
) -> Any | DliErrorResponse | FlinkMetricResponse | None:
    """Query job monitoring information (DLI, the successor of the CS operation)

     The Data Lake Insight operation that replaced `queryJobMetrics`, as the provider's SDK
    calls it (`DliClient.show_flink_metric`). The provider marks it deprecated; it is kept
    here because code written against the SDK calls it.

    The request is the CS operation's. The answer carries the same job objects, for the
    same jobs in the same order, in another envelope: `metrics.jobs` instead of
    `payload.jobs`, `is_success` instead of `message_id`, and no `current_time`. Failures
    carry `DliErrorResponse` (`error_code`, `error_msg`) with the HTTP status of their kind:
    401 or 403 for a signature (`APIGW.*`, the provider's API gateway), 400 for a request
    that breaks the schema (`DLI.0001`).

    Requests are signed with an access key and secret key (`akskSignature`): the signature
    binds the method, path, signed headers and body. A signed request can be replayed
    unchanged within the allowed clock skew, as at the provider (the scheme has no nonce).

    Args:
        project_id (str):
        x_project_id (str | Unset):
        body (JobMetricsRequest): The jobs whose monitoring information is queried.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | DliErrorResponse | FlinkMetricResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            body=body,
            x_project_id=x_project_id,
        )
    ).parsed
