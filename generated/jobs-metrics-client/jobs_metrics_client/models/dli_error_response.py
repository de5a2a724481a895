from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DliErrorResponse")


@_attrs_define
class DliErrorResponse:
    """The error body of DLI and of the provider's API gateway in front of it, sent with every
    failure of the successor operation, and with the gateway's own answers to either
    operation (its throttling, 429 `APIGW.0308`).

        Attributes:
            error_code (str): Error code, such as `DLI.0001` or `APIGW.0301` (no pattern is required of an answer: the
                provider documents none).
            error_msg (str): What went wrong; for an invalid field, the field's name and the rule it breaks.
            request_id (str | Unset): The API gateway's request ID (sent with the gateway's own errors).
    """

    error_code: str
    error_msg: str
    request_id: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        error_code = self.error_code

        error_msg = self.error_msg

        request_id = self.request_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "error_code": error_code,
                "error_msg": error_msg,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error_code = d.pop("error_code")

        error_msg = d.pop("error_msg")

        request_id = d.pop("request_id", UNSET)

        dli_error_response = cls(
            error_code=error_code,
            error_msg=error_msg,
            request_id=request_id,
        )

        return dli_error_response
