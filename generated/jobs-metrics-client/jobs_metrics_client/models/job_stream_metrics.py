from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stream_metrics import StreamMetrics


T = TypeVar("T", bound="JobStreamMetrics")


@_attrs_define
class JobStreamMetrics:
    """All input and output monitoring information about a job.

    Attributes:
        sources (list[StreamMetrics] | Unset): All source streams (as many as the job has: the provider bounds neither
            their number nor their names).
        sinks (list[StreamMetrics] | Unset): All sink streams (as many as the job has: the provider bounds neither their
            number nor their names).
        total_read_rate (float | Unset): Total read rate (the provider's "Double"; a rate, never negative). The provider
            gives no unit.
        total_write_rate (float | Unset): Total write rate (the provider's "Double"; a rate, never negative). The
            provider gives no unit.
    """

    sources: list[StreamMetrics] | Unset = UNSET
    sinks: list[StreamMetrics] | Unset = UNSET
    total_read_rate: float | Unset = UNSET
    total_write_rate: float | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        sources: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sources, Unset):
            sources = []
            for sources_item_data in self.sources:
                sources_item = sources_item_data.to_dict()
                sources.append(sources_item)

        sinks: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sinks, Unset):
            sinks = []
            for sinks_item_data in self.sinks:
                sinks_item = sinks_item_data.to_dict()
                sinks.append(sinks_item)

        total_read_rate = self.total_read_rate

        total_write_rate = self.total_write_rate

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if sources is not UNSET:
            field_dict["sources"] = sources
        if sinks is not UNSET:
            field_dict["sinks"] = sinks
        if total_read_rate is not UNSET:
            field_dict["total_read_rate"] = total_read_rate
        if total_write_rate is not UNSET:
            field_dict["total_write_rate"] = total_write_rate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stream_metrics import StreamMetrics  # noqa: PLC0415

        d = dict(src_dict)
        _sources = d.pop("sources", UNSET)
        sources: list[StreamMetrics] | Unset = UNSET
        if _sources is not UNSET:
            sources = []
            for sources_item_data in _sources:
                sources_item = StreamMetrics.from_dict(sources_item_data)

                sources.append(sources_item)

        _sinks = d.pop("sinks", UNSET)
        sinks: list[StreamMetrics] | Unset = UNSET
        if _sinks is not UNSET:
            sinks = []
            for sinks_item_data in _sinks:
                sinks_item = StreamMetrics.from_dict(sinks_item_data)

                sinks.append(sinks_item)

        total_read_rate = d.pop("total_read_rate", UNSET)

        total_write_rate = d.pop("total_write_rate", UNSET)

        job_stream_metrics = cls(
            sources=sources,
            sinks=sinks,
            total_read_rate=total_read_rate,
            total_write_rate=total_write_rate,
        )

        return job_stream_metrics
