from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ErrorResponse")


@_attrs_define
class ErrorResponse:
    """The provider's error body, sent with every failure.

    Attributes:
        error_id (str): Error code, such as `CS.10008` (the provider's codes take this shape, but it documents no
            pattern, so none is required of an answer).
        error_name (str): Symbolic name of the error, such as `TOKEN_MISSING`.
        error_cause (str): What went wrong; for an invalid field, the field's name and the rule it breaks.
        error_suggestion (str): What the caller should do.
        error_time (int): When the error happened, in milliseconds since the epoch.
    """

    error_id: str
    error_name: str
    error_cause: str
    error_suggestion: str
    error_time: int

    def to_dict(self) -> dict[str, Any]:
        error_id = self.error_id

        error_name = self.error_name

        error_cause = self.error_cause

        error_suggestion = self.error_suggestion

        error_time = self.error_time

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "error_id": error_id,
                "error_name": error_name,
                "error_cause": error_cause,
                "error_suggestion": error_suggestion,
                "error_time": error_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error_id = d.pop("error_id")

        error_name = d.pop("error_name")

        error_cause = d.pop("error_cause")

        error_suggestion = d.pop("error_suggestion")

        error_time = d.pop("error_time")

        error_response = cls(
            error_id=error_id,
            error_name=error_name,
            error_cause=error_cause,
            error_suggestion=error_suggestion,
            error_time=error_time,
        )

        return error_response
