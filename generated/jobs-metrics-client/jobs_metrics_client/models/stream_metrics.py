from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="StreamMetrics")


@_attrs_define
class StreamMetrics:
    """Records of one source or sink stream.

    Attributes:
        name (str | Unset): Name of the source or sink stream, of any length (the provider bounds none; Flink operator
            names such as `Source: Custom Source -> Map -> Filter` grow long).
        records (int | Unset): Total number of records (the provider's "Long": an int64; a count, never negative).
        corrupted_records (int | Unset): Number of dirty data records (the provider's "Long": an int64; a count, never
            negative).
    """

    name: str | Unset = UNSET
    records: int | Unset = UNSET
    corrupted_records: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        records = self.records

        corrupted_records = self.corrupted_records

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if records is not UNSET:
            field_dict["records"] = records
        if corrupted_records is not UNSET:
            field_dict["corrupted_records"] = corrupted_records

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name", UNSET)

        records = d.pop("records", UNSET)

        corrupted_records = d.pop("corrupted_records", UNSET)

        stream_metrics = cls(
            name=name,
            records=records,
            corrupted_records=corrupted_records,
        )

        return stream_metrics
