from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_monitoring_info import JobMonitoringInfo


T = TypeVar("T", bound="FlinkMetrics")


@_attrs_define
class FlinkMetrics:
    """Job monitoring information (as `JobMetricsPayload`).

    Attributes:
        jobs (list[JobMonitoringInfo] | Unset): Monitoring information about all jobs found, in the order requested (as
            `JobMetricsPayload.jobs`, and as unbounded).
    """

    jobs: list[JobMonitoringInfo] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        jobs: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.jobs, Unset):
            jobs = []
            for jobs_item_data in self.jobs:
                jobs_item = jobs_item_data.to_dict()
                jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if jobs is not UNSET:
            field_dict["jobs"] = jobs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_monitoring_info import JobMonitoringInfo  # noqa: PLC0415

        d = dict(src_dict)
        _jobs = d.pop("jobs", UNSET)
        jobs: list[JobMonitoringInfo] | Unset = UNSET
        if _jobs is not UNSET:
            jobs = []
            for jobs_item_data in _jobs:
                jobs_item = JobMonitoringInfo.from_dict(jobs_item_data)

                jobs.append(jobs_item)

        flink_metrics = cls(
            jobs=jobs,
        )

        return flink_metrics
