from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_monitoring_info import JobMonitoringInfo


T = TypeVar("T", bound="JobMetricsPayload")


@_attrs_define
class JobMetricsPayload:
    """Job monitoring information.

    Attributes:
        jobs (list[JobMonitoringInfo] | Unset): Monitoring information about all jobs found, in the order requested,
            each at most
            once. Not bounded here: the provider bounds neither the number of jobs in an answer
            nor a job's size (a server that accepts more job IDs than this spec's 1,000 answers
            more jobs; the reference server's own size limits are its own, in its README).
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

        job_metrics_payload = cls(
            jobs=jobs,
        )

        return job_metrics_payload
