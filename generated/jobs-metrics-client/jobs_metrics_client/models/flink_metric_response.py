from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.flink_metrics import FlinkMetrics


T = TypeVar("T", bound="FlinkMetricResponse")


@_attrs_define
class FlinkMetricResponse:
    """The successor's answer: the CS operation's job objects in DLI's envelope. Every field
    is optional, as on the provider's page.

        Attributes:
            is_success (bool | Unset): Whether the request succeeded (true in the provider's 200 answers; the provider
                documents its type, a boolean, and no more, so no value is required of an answer).
            message (str | Unset): A message (empty on success).
            metrics (FlinkMetrics | Unset): Job monitoring information (as `JobMetricsPayload`).
    """

    is_success: bool | Unset = UNSET
    message: str | Unset = UNSET
    metrics: FlinkMetrics | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        is_success = self.is_success

        message = self.message

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if is_success is not UNSET:
            field_dict["is_success"] = is_success
        if message is not UNSET:
            field_dict["message"] = message
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.flink_metrics import FlinkMetrics  # noqa: PLC0415

        d = dict(src_dict)
        is_success = d.pop("is_success", UNSET)

        message = d.pop("message", UNSET)

        _metrics = d.pop("metrics", UNSET)
        metrics: FlinkMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = FlinkMetrics.from_dict(_metrics)

        flink_metric_response = cls(
            is_success=is_success,
            message=message,
            metrics=metrics,
        )

        return flink_metric_response
