"""Deliberately broken copies of the spec, each breaking exactly one lint rule.

Built from the real spec by one small edit each, so they stay in step with it. The lint
tests write them to a temporary folder and expect the named rule to fire.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.support import METRICS_PATH, spec

Spec = dict[str, Any]


def _schemas(doc: Spec) -> dict[str, Any]:
    return doc["components"]["schemas"]


def undescribed_property(doc: Spec) -> None:
    del _schemas(doc)["StreamMetrics"]["properties"]["records"]["description"]


def integer_without_maximum(doc: Spec) -> None:
    del _schemas(doc)["StreamMetrics"]["properties"]["corrupted_records"]["maximum"]


def integer_without_format(doc: Spec) -> None:
    del _schemas(doc)["JobMetricsResponse"]["properties"]["current_time"]["format"]


def request_array_without_max_items(doc: Spec) -> None:
    del _schemas(doc)["JobMetricsRequest"]["properties"]["job_ids"]["maxItems"]


def error_body_without_error_id(doc: Spec) -> None:
    _schemas(doc)["ErrorResponse"]["required"].remove("error_id")


def operation_without_operation_id(doc: Spec) -> None:
    del doc["paths"][METRICS_PATH]["post"]["operationId"]


def response_without_description(doc: Spec) -> None:
    del doc["paths"][METRICS_PATH]["post"]["responses"]["200"]["description"]


def invalid_example(doc: Spec) -> None:
    media = doc["paths"][METRICS_PATH]["post"]["requestBody"]["content"]["application/json"]
    media["examples"]["seed"]["value"] = {"job_ids": ["298765"]}


def security_scheme_undefined(doc: Spec) -> None:
    doc["paths"][METRICS_PATH]["post"]["security"] = [{"undefinedScheme": []}]


def new_array_without_max_items(doc: Spec) -> None:
    """A new array anywhere but the places the provider leaves unbounded (those are
    overridden one by one in .spectral.yaml, with the reason)."""
    _schemas(doc)["JobMetricsResponse"]["properties"]["warnings"] = {
        "description": "x",
        "type": "array",
        "items": {"type": "string", "maxLength": 8},
    }


def public_http_server(doc: Spec) -> None:
    doc["servers"].append(
        {"url": "http://127.0.0.1:8080", "description": "local server", "x-internal": True}
    )


def server_without_audience(doc: Spec) -> None:
    del doc["servers"][0]["x-internal"]


def unbounded_request_string(doc: Spec) -> None:
    doc["paths"][METRICS_PATH]["post"]["parameters"].append(
        {"name": "region", "in": "query", "description": "x", "schema": {"type": "string"}}
    )


OP = ("paths", METRICS_PATH, "post")
SCHEMAS = ("components", "schemas")

# name -> (edit, the linter and rule that must report it, the path it must name)
BROKEN: dict[str, tuple[Callable[[Spec], None], str, tuple[str, ...]]] = {
    "undescribed_property": (
        undescribed_property,
        "spectral:jm-property-description",
        (*SCHEMAS, "StreamMetrics", "properties", "records"),
    ),
    "integer_without_maximum": (
        integer_without_maximum,
        "spectral:jm-integer-format-and-bounds",
        (*SCHEMAS, "StreamMetrics", "properties", "corrupted_records"),
    ),
    "integer_without_format": (
        integer_without_format,
        "spectral:jm-integer-format-and-bounds",
        (*SCHEMAS, "JobMetricsResponse", "properties", "current_time"),
    ),
    "request_array_without_max_items": (
        request_array_without_max_items,
        "spectral:jm-request-array-max-items",
        (*SCHEMAS, "JobMetricsRequest", "properties", "job_ids"),
    ),
    "error_body_without_error_id": (
        error_body_without_error_id,
        "spectral:jm-error-body",
        (*SCHEMAS, "ErrorResponse", "required"),
    ),
    "operation_without_operation_id": (
        operation_without_operation_id,
        "redocly:operation-operationId",
        (*OP, "operationId"),
    ),
    "response_without_description": (
        response_without_description,
        "openapi-spec-validator",
        (*OP, "responses", "200"),
    ),
    "invalid_example": (
        invalid_example,
        "spectral:oas3-valid-media-example",
        (
            *OP,
            "requestBody",
            "content",
            "application/json",
            "examples",
            "seed",
            "value",
            "job_ids",
            "0",
        ),
    ),
    # OWASP API Security Top 10 (2023), the rules the spec was fixed for
    "new_array_without_max_items": (
        new_array_without_max_items,
        "spectral:owasp:api4:2023-array-limit",
        (*SCHEMAS, "JobMetricsResponse", "properties", "warnings"),
    ),
    "public_http_server": (
        public_http_server,
        "spectral:owasp:api8:2023-no-server-http",
        ("servers", "1", "url"),
    ),
    "server_without_audience": (
        server_without_audience,
        "spectral:owasp:api9:2023-inventory-access",
        ("servers", "0"),
    ),
    "unbounded_request_string": (
        unbounded_request_string,
        "spectral:owasp:api4:2023-string-limit",
        (*OP, "parameters", "1", "schema"),
    ),
    "security_scheme_undefined": (
        security_scheme_undefined,
        "redocly:security-defined",
        (*OP, "security", "0", "undefinedScheme"),
    ),
}


def broken(name: str) -> Spec:
    doc = copy.deepcopy(spec())
    BROKEN[name][0](doc)
    return doc
