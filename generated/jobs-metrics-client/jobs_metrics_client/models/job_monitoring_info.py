from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_stream_metrics import JobStreamMetrics


T = TypeVar("T", bound="JobMonitoringInfo")


@_attrs_define
class JobMonitoringInfo:
    """Monitoring information of one job.

    Attributes:
        job_id (int | Unset): Job ID (the provider's "Long": an int64; its range is the type's).
        metrics (JobStreamMetrics | Unset): All input and output monitoring information about a job.
    """

    job_id: int | Unset = UNSET
    metrics: JobStreamMetrics | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if job_id is not UNSET:
            field_dict["job_id"] = job_id
        if metrics is not UNSET:
            field_dict["metrics"] = metrics

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_stream_metrics import JobStreamMetrics  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id", UNSET)

        _metrics = d.pop("metrics", UNSET)
        metrics: JobStreamMetrics | Unset
        if isinstance(_metrics, Unset):
            metrics = UNSET
        else:
            metrics = JobStreamMetrics.from_dict(_metrics)

        job_monitoring_info = cls(
            job_id=job_id,
            metrics=metrics,
        )

        return job_monitoring_info
