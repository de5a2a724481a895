from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_metrics_payload import JobMetricsPayload


T = TypeVar("T", bound="JobMetricsResponse")


@_attrs_define
class JobMetricsResponse:
    """Job monitoring information. Every field is optional, as on the provider's page.

    Attributes:
        message_id (str | Unset): Message type ID (opaque on success; see the API description).
        message (str | Unset): Message content.
        current_time (int | Unset): Current time, expressed in milliseconds since the epoch.
        payload (JobMetricsPayload | Unset): Job monitoring information.
    """

    message_id: str | Unset = UNSET
    message: str | Unset = UNSET
    current_time: int | Unset = UNSET
    payload: JobMetricsPayload | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        message_id = self.message_id

        message = self.message

        current_time = self.current_time

        payload: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payload, Unset):
            payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if message is not UNSET:
            field_dict["message"] = message
        if current_time is not UNSET:
            field_dict["current_time"] = current_time
        if payload is not UNSET:
            field_dict["payload"] = payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_metrics_payload import JobMetricsPayload  # noqa: PLC0415

        d = dict(src_dict)
        message_id = d.pop("message_id", UNSET)

        message = d.pop("message", UNSET)

        current_time = d.pop("current_time", UNSET)

        _payload = d.pop("payload", UNSET)
        payload: JobMetricsPayload | Unset
        if isinstance(_payload, Unset):
            payload = UNSET
        else:
            payload = JobMetricsPayload.from_dict(_payload)

        job_metrics_response = cls(
            message_id=message_id,
            message=message,
            current_time=current_time,
            payload=payload,
        )

        return job_metrics_response
