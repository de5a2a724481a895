from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="JobMetricsRequest")


@_attrs_define
class JobMetricsRequest:
    """The jobs whose monitoring information is queried.

    Attributes:
        job_ids (list[int]): List of job IDs (1 to 1,000 distinct IDs).
    """

    job_ids: list[int]

    def to_dict(self) -> dict[str, Any]:
        job_ids = self.job_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "job_ids": job_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_ids = cast(list[int], d.pop("job_ids"))

        job_metrics_request = cls(
            job_ids=job_ids,
        )

        return job_metrics_request
