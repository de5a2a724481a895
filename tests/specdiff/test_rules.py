"""One invalid and one valid case per catalogue rule, each naming the exact pointer.

A case is a JSON Patch (RFC 6902) applied to the real spec: ``prepare`` to both sides (the
base the change starts from), ``edit`` to the head only. The *invalid* case must report
the rule at ``at``; the *valid* case is a neighbouring change that must not report it.
Value rules (``{side}-{group}-{effect}``) take their cases from one table per keyword
group: each effect's edit is the invalid case of its own rule and the valid case of its
siblings'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import pytest

from specdiff import CATALOGUE, Change, diff_specs
from specdiff.catalogue import REQUEST, RESPONSE, VALUE_GROUPS
from specdiff.rules import Effect
from tests.support import copied, spec

Ops = list[dict[str, Any]]


def put(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def rm(path: str) -> dict[str, Any]:
    return {"op": "remove", "path": path}


OP = "/paths/~1v1.0~1{project_id}~1jobs~1metrics/post"
REQUEST_BODY = f"{OP}/requestBody/content/application~1json/schema"
OK_BODY = f"{OP}/responses/200/content/application~1json/schema"
ERROR_BODY = f"{OP}/responses/400/content/application~1json/schema"
SCHEMAS = "/components/schemas"

# kind -> side -> (where the spec writes it, where the change is reported)
LOCATIONS = {
    "string": {
        REQUEST: ("/components/parameters/ProjectId/schema", f"{OP}/parameters/0/schema"),
        RESPONSE: (
            f"{SCHEMAS}/ErrorResponse/properties/error_cause",
            f"{ERROR_BODY}/properties/error_cause",
        ),
    },
    "integer": {
        REQUEST: (f"{SCHEMAS}/JobId", f"{REQUEST_BODY}/properties/job_ids/items"),
        RESPONSE: (
            f"{SCHEMAS}/JobMetricsResponse/properties/current_time",
            f"{OK_BODY}/properties/current_time",
        ),
    },
    "array": {
        REQUEST: (
            f"{SCHEMAS}/JobMetricsRequest/properties/job_ids",
            f"{REQUEST_BODY}/properties/job_ids",
        ),
        RESPONSE: (
            f"{SCHEMAS}/JobMetricsPayload/properties/jobs",
            f"{OK_BODY}/properties/payload/properties/jobs",
        ),
    },
    "object": {
        REQUEST: (f"{SCHEMAS}/JobMetricsRequest", REQUEST_BODY),
        RESPONSE: (f"{SCHEMAS}/JobMetricsPayload", f"{OK_BODY}/properties/payload"),
    },
}  # fmt: skip

W, N, C, U = Effect.WIDENED, Effect.NARROWED, Effect.CHANGED, Effect.UNKNOWN
Keywords = dict[str, Any]  # keyword -> value; None removes the keyword
# Branches that neither overlap nor cover every job ID, so that one more allows more: a
# branch that overlaps another *narrows* a oneOf (a value both match is refused), and the
# witness search says so (test_witness.py).
ONE_OF = [{"title": "a", "maximum": 10}, {"title": "b", "minimum": 100}]
THIRD = {"title": "c", "minimum": 20, "maximum": 50}
# allOf members merge into one set of constraints where they can: members with a `not`
# each cannot be one schema, so the allOf (and its rule) stays.
ALL_OF = [{"title": "a", "not": {"const": 5}}, {"title": "b", "not": {"const": 7}}]
ALL_OF_THIRD = {"title": "c", "not": {"const": 9}}
MAPPING = {"a": "#/a", "b": "#/b"}
# A string constrained by nothing else: the project ID's pattern and length allow no value
# of an enum of short words, and the witness search would rightly find nothing changed.
FREE = {"pattern": None, "minLength": None, "maxLength": None}

# group -> (kind, reported keyword, effect -> (prepare, edit))
VALUE_CASES: dict[str, tuple[str, str, dict[Effect, tuple[Keywords, Keywords]]]] = {
    "type": ("integer", "type", {
        W: ({}, {"type": "number"}),
        N: ({"type": ["integer", "null"]}, {"type": "integer"}),
        C: ({}, {"type": "string"}),
    }),
    # (string formats: the numeric ones form a chain of ranges, none "changed" against
    # another; a witness shows each: "a" is no date, "a@example.com" an email)
    "format": ("string", "format", {
        W: ({**FREE, "format": "date"}, {"format": None}),
        N: (FREE, {"format": "date"}),
        C: ({**FREE, "format": "date"}, {"format": "email"}),
    }),
    "enum": ("string", "enum", {
        W: ({**FREE, "enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}),
        N: ({**FREE, "enum": ["a", "b"]}, {"enum": ["a"]}),
        C: ({**FREE, "enum": ["a", "b"]}, {"enum": ["a", "c"]}),
    }),
    "const": ("string", "const", {
        W: ({**FREE, "const": "a"}, {"const": None}),
        N: (FREE, {"const": "a"}),
        C: ({**FREE, "const": "a"}, {"const": "b"}),
    }),
    "minimum": ("integer", "minimum", {W: ({}, {"minimum": -1}), N: ({}, {"minimum": 1})}),
    "maximum": ("integer", "maximum", {
        W: ({"maximum": 2**40}, {"maximum": None}), N: ({"maximum": 2**40}, {"maximum": 100}),
    }),
    "multiple-of": ("integer", "multipleOf", {
        W: ({"multipleOf": 4}, {"multipleOf": 2}),
        N: ({"multipleOf": 4}, {"multipleOf": 8}),
        C: ({"multipleOf": 4}, {"multipleOf": 6}),
    }),
    # (no pattern: the project ID's pattern fixes 32 characters, so its length bounds
    # change no string; a length bound a pattern implies is compared with it)
    "min-length": ("string", "minLength", {
        W: ({"minLength": 2, "pattern": None}, {"minLength": 1}),
        N: ({"minLength": 2, "pattern": None}, {"minLength": 3}),
    }),
    "max-length": ("string", "maxLength", {
        W: ({"maxLength": 32, "pattern": None}, {"maxLength": 64}),
        N: ({"maxLength": 32, "pattern": None}, {"maxLength": 16}),
    }),
    "pattern": ("string", "pattern", {
        W: ({"pattern": "^[0-9a-f]+$"}, {"pattern": "^[0-9a-fA-F]+$"}),
        N: ({"pattern": "^[0-9a-f]+$"}, {"pattern": "^[0-9]+$"}),
        C: ({"pattern": "^[0-9a-f]+$"}, {"pattern": "^[0-9A-F]+$"}),
        # a lookahead (no automaton) that no searched string tells apart: unknown
        U: ({"pattern": "^[0-9a-f]+$"}, {"pattern": "^(?=[0-9a-f])[0-9a-f]+$"}),
    }),
    "min-items": ("array", "minItems", {
        W: ({"minItems": 2}, {"minItems": 1}), N: ({"minItems": 2}, {"minItems": 3}),
    }),
    "max-items": ("array", "maxItems", {
        W: ({"maxItems": 1000}, {"maxItems": 2000}), N: ({"maxItems": 1000}, {"maxItems": 500}),
    }),
    "unique-items": ("array", "uniqueItems", {
        W: ({"uniqueItems": True}, {"uniqueItems": None}),
        N: ({"uniqueItems": None}, {"uniqueItems": True}),
    }),
    # (an open object: the request's closed one has one property, which it requires, so
    # these bounds would change no value - the witness search says so)
    "min-properties": ("object", "minProperties", {
        W: ({"minProperties": 2, "additionalProperties": None}, {"minProperties": 1}),
        N: ({"minProperties": 2, "additionalProperties": None}, {"minProperties": 3}),
    }),
    "max-properties": ("object", "maxProperties", {
        W: ({"maxProperties": 3, "additionalProperties": None}, {"maxProperties": 4}),
        N: ({"maxProperties": 3, "additionalProperties": None}, {"maxProperties": 2}),
    }),
    "additional-properties": ("object", "additionalProperties", {
        W: ({"additionalProperties": False}, {"additionalProperties": None}),
        N: ({"additionalProperties": None}, {"additionalProperties": False}),
    }),
    "one-of": ("integer", "oneOf", {
        W: ({"oneOf": ONE_OF}, {"oneOf": [*ONE_OF, THIRD]}),
        N: ({"oneOf": ONE_OF}, {"oneOf": ONE_OF[:1]}),
    }),
    "any-of": ("integer", "anyOf", {
        W: ({"anyOf": ONE_OF}, {"anyOf": [*ONE_OF, THIRD]}),
        N: ({"anyOf": ONE_OF}, {"anyOf": ONE_OF[:1]}),
    }),
    "all-of": ("integer", "allOf", {
        W: ({"allOf": ALL_OF}, {"allOf": ALL_OF[:1]}),
        N: ({"allOf": ALL_OF}, {"allOf": [*ALL_OF, ALL_OF_THIRD]}),
    }),
    "discriminator-mapping": ("object", "discriminator", {
        W: ({"discriminator": {"propertyName": "k", "mapping": MAPPING}},
            {"discriminator": {"propertyName": "k", "mapping": {**MAPPING, "c": "#/c"}}}),
        N: ({"discriminator": {"propertyName": "k", "mapping": MAPPING}},
            {"discriminator": {"propertyName": "k", "mapping": {"a": "#/a"}}}),
        C: ({"discriminator": {"propertyName": "k", "mapping": MAPPING}},
            {"discriminator": {"propertyName": "k", "mapping": {"a": "#/a", "c": "#/c"}}}),
    }),
    "schema": ("array", "items", {W: ({}, {"items": True}), N: ({}, {"items": False})}),
    # a keyword the keyword comparison does not read: decided by the witness alone
    "values": ("integer", "not", {
        W: ({"not": {"const": 5}}, {"not": None}),
        N: ({}, {"not": {"const": 5}}),
        C: ({"not": {"const": 5}}, {"not": {"const": 6}}),
    }),
}  # fmt: skip


@dataclass
class Case:
    """The base (prepare) and the head (prepare + edit) of one change."""

    edit: Ops
    prepare: Ops = field(default_factory=list)


def keyword_ops(location: str, keywords: Keywords, base: dict[str, Any]) -> Ops:
    """Set (or remove, for None) each keyword of the schema at ``location``."""
    target = jsonpatch.JsonPointer(location).resolve(base)
    ops = []
    for keyword, value in keywords.items():
        path = f"{location}/{keyword}"
        if value is None:
            if keyword in target:
                ops.append(rm(path))
        else:
            ops.append(put(path, value))
    return ops


def value_case(side: str, group: str, effect: Effect) -> tuple[Case, str]:
    kind, keyword, edits = VALUE_CASES[group]
    location, reported = LOCATIONS[kind][side]
    prepare, edit = edits[effect]
    base = spec()
    prepare_ops = keyword_ops(location, prepare, base)
    prepared = jsonpatch.apply_patch(copied(base), prepare_ops, in_place=True)
    return Case(keyword_ops(location, edit, prepared), prepare_ops), f"{reported}/{keyword}"


QUERY = {"name": "region", "in": "query", "schema": {"type": "string"}}
QUERY_REQUIRED = {**QUERY, "required": True}
REGION = f"{SCHEMAS}/JobMetricsRequest/properties/region"
MESSAGE = f"{SCHEMAS}/JobMetricsResponse/properties/message"
HEADER = f"{OP}/responses/200/headers/X-Request-Id"
A_HEADER = {"schema": {"type": "string"}}
NO_HEADERS = [put(f"{OP}/responses/200/headers", {})]
HAS_HEADER = [put(f"{OP}/responses/200/headers", {"X-Request-Id": A_HEADER})]
HAS_REQUIRED_HEADER = [
    put(f"{OP}/responses/200/headers", {"X-Request-Id": {**A_HEADER, "required": True}})
]
RULES = f"{OP}/x-contract/rules"
OTHER_PATH = "/paths/~1v1.0~1{project_id}~1jobs~1other"
MINIMAL_OPERATION = {"post": {"responses": {"200": {"description": "ok"}}}}
SECURITY = "/components/securitySchemes/authToken"
SIGNING = "/components/securitySchemes/akskSignature/x-signature"
DEPRECATED = [put(f"{OP}/deprecated", True)]
WITH_REGION = [put(REGION, {"type": "string"})]
WITH_DEFAULT = [put(REGION, {"type": "string", "default": "cn"})]
NEW_RULE = {"id": "new-rule", "when": "x", "status": 400, "error_id": "CS.10003"}
# The successor operation (`x-replaces: queryJobMetrics`), taken out of the base to be added.
SUCCESSOR_PATH = "/paths/~1v1.0~1{project_id}~1streaming~1jobs~1metrics"
DLI = f"{SUCCESSOR_PATH}/post"
DLI_OK = f"{DLI}/responses/200/content/application~1json/schema"
DLI_ERROR = f"{DLI}/responses/400/content/application~1json/schema"
NO_SUCCESSOR = [rm(SUCCESSOR_PATH)]


def successor(*edits: dict[str, Any]) -> dict[str, Any]:
    """The spec's successor path item, with ``edits`` (JSON Patch, relative to its post)."""
    item = copied(spec()["paths"]["/v1.0/{project_id}/streaming/jobs/metrics"])
    return jsonpatch.apply_patch(item, [{**e, "path": "/post" + e["path"]} for e in edits])


def add_successor(*edits: dict[str, Any]) -> Case:
    return Case([put(SUCCESSOR_PATH, successor(*edits))], NO_SUCCESSOR)


UNDECLARED = rm("/x-replaces")
SAME_ENVELOPE = put(
    "/responses/200/content/application~1json/schema",
    {"$ref": "#/components/schemas/JobMetricsResponse"},
)
SAME_ERROR_BODY = [
    put("/responses/400/content/application~1json/schema",
        {"$ref": "#/components/schemas/ErrorResponse"}),
    rm("/x-contract/answers/error_code"),
]  # fmt: skip

# rule -> (invalid case, where it is reported, valid case)
STRUCTURAL: dict[str, tuple[Case, str, Case]] = {
    "operation-added": (
        Case([put(OTHER_PATH, MINIMAL_OPERATION)]), f"{OTHER_PATH}/post",
        Case([put(f"{OP}/summary", "Another summary")]),
    ),
    "operation-removed": (
        Case([rm(OP)]), OP,
        Case([rm(OP)], [*DEPRECATED, put(f"{OP}/x-sunset", "2020-01-01")]),
    ),
    "operation-removed-after-sunset": (
        Case([rm(OP)], [*DEPRECATED, put(f"{OP}/x-sunset", "2020-01-01")]), OP,
        Case([rm(OP)], [*DEPRECATED, put(f"{OP}/x-sunset", "2999-01-01")]),
    ),
    "operation-deprecated": (
        Case(DEPRECATED), f"{OP}/deprecated", Case([put(f"{OP}/deprecated", False)]),
    ),
    "operation-reactivated": (
        Case([rm(f"{OP}/deprecated")], DEPRECATED), f"{OP}/deprecated", Case(DEPRECATED),
    ),
    "operation-sunset-changed": (
        Case([put(f"{OP}/x-sunset", "2030-01-01")]), f"{OP}/x-sunset", Case(DEPRECATED),
    ),
    "operation-id-changed": (
        Case([put(f"{OP}/operationId", "getJobMetrics")]), f"{OP}/operationId",
        Case([put(f"{OP}/summary", "Another summary")]),
    ),
    "operation-tags-changed": (
        Case([put(f"{OP}/tags", ["Jobs"])]), f"{OP}/tags",
        Case([put("/tags/0/description", "Other words.")]),
    ),
    "path-parameter-renamed": (
        Case([
            {"op": "move", "from": "/paths/~1v1.0~1{project_id}~1jobs~1metrics",
             "path": "/paths/~1v1.0~1{projectId}~1jobs~1metrics"},
            put("/components/parameters/ProjectId/name", "projectId"),
        ]),
        "/paths/~1v1.0~1{projectId}~1jobs~1metrics",
        Case([{"op": "move", "from": "/paths/~1v1.0~1{project_id}~1jobs~1metrics",
               "path": "/paths/~1v1.0~1{project_id}~1jobs~1metrics2"}]),
    ),
    "servers-changed": (
        Case([put("/servers/0/url", "https://cs.{region}.example.com")]),
        "/servers",
        Case([put("/info/title", "Another title")]),
    ),
    "base-path-moved": (
        Case([{"op": "move", "from": "/paths/~1v1.0~1{project_id}~1jobs~1metrics",
               "path": "/paths/~1{project_id}~1jobs~1metrics"},
              put("/servers/0/url", "https://cs.{region}.myhuaweicloud.com/v1.0")]),
        "/servers",
        Case([{"op": "move", "from": "/paths/~1v1.0~1{project_id}~1jobs~1metrics",
               "path": "/paths/~1{project_id}~1jobs~1metrics"},
              put("/servers/0/url", "https://cs.{region}.myhuaweicloud.com/v2.0")]),
    ),
    "schema-rewritten": (  # an integer's exclusive bound for the inclusive one it implies
        Case([rm(f"{SCHEMAS}/JobId/minimum"), put(f"{SCHEMAS}/JobId/exclusiveMinimum", -1)]),
        f"{REQUEST_BODY}/properties/job_ids/items",
        Case([rm(f"{SCHEMAS}/JobId/minimum"), put(f"{SCHEMAS}/JobId/exclusiveMinimum", 0)]),
    ),
    "tags-changed": (
        Case([put("/tags/-", {"name": "Jobs"})]), "/tags",
        Case([put("/info/description", "Other words.")]),
    ),
    "request-parameter-added-required": (
        Case([put(f"{OP}/parameters/-", QUERY_REQUIRED)]), f"{OP}/parameters/1",
        Case([put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-parameter-added-optional": (
        Case([put(f"{OP}/parameters/-", QUERY)]), f"{OP}/parameters/1",
        Case([put(f"{OP}/parameters/-", QUERY_REQUIRED)]),
    ),
    "request-parameter-removed": (
        Case([rm(f"{OP}/parameters/1")], [put(f"{OP}/parameters/-", QUERY)]), f"{OP}/parameters",
        Case([put(f"{OP}/parameters/1/description", "x")], [put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-parameter-became-required": (
        Case([put(f"{OP}/parameters/1/required", True)], [put(f"{OP}/parameters/-", QUERY)]),
        f"{OP}/parameters/1/required",
        Case([put(f"{OP}/parameters/1/required", False)], [put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-parameter-became-optional": (
        Case([put(f"{OP}/parameters/1/required", False)],
             [put(f"{OP}/parameters/-", QUERY_REQUIRED)]),
        f"{OP}/parameters/1/required",
        Case([put(f"{OP}/parameters/1/required", True)], [put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-parameter-serialization-changed": (
        Case([put(f"{OP}/parameters/1/explode", False)], [put(f"{OP}/parameters/-", QUERY)]),
        f"{OP}/parameters/1/explode",
        Case([put(f"{OP}/parameters/1/explode", True)], [put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-parameter-deprecated": (
        Case([put(f"{OP}/parameters/1/deprecated", True)], [put(f"{OP}/parameters/-", QUERY)]),
        f"{OP}/parameters/1/deprecated",
        Case([put(f"{OP}/parameters/1/description", "x")], [put(f"{OP}/parameters/-", QUERY)]),
    ),
    "request-body-added-required": (
        Case([put(f"{OP}/requestBody", {"required": True, "content": {}})],
             [rm(f"{OP}/requestBody")]),
        f"{OP}/requestBody",
        Case([put(f"{OP}/requestBody", {"content": {}})], [rm(f"{OP}/requestBody")]),
    ),
    "request-body-added-optional": (
        Case([put(f"{OP}/requestBody", {"content": {}})], [rm(f"{OP}/requestBody")]),
        f"{OP}/requestBody",
        Case([put(f"{OP}/requestBody", {"required": True, "content": {}})],
             [rm(f"{OP}/requestBody")]),
    ),
    "request-body-removed": (
        Case([rm(f"{OP}/requestBody")]), f"{OP}/requestBody",
        Case([put(f"{OP}/requestBody/description", "x")]),
    ),
    "request-body-became-required": (
        Case([put(f"{OP}/requestBody/required", True)], [put(f"{OP}/requestBody/required", False)]),
        f"{OP}/requestBody/required",
        Case([put(f"{OP}/requestBody/required", False)]),
    ),
    "request-body-became-optional": (
        Case([put(f"{OP}/requestBody/required", False)]), f"{OP}/requestBody/required",
        Case([put(f"{OP}/requestBody/required", True)], [put(f"{OP}/requestBody/required", False)]),
    ),
    "request-media-type-added": (
        Case([put(f"{OP}/requestBody/content/application~1x-ndjson", {"schema": {}})]),
        f"{OP}/requestBody/content/application~1x-ndjson",
        Case([rm(f"{OP}/requestBody/content/application~1json")]),
    ),
    "request-media-type-removed": (
        Case([rm(f"{OP}/requestBody/content/application~1json")]),
        f"{OP}/requestBody/content/application~1json",
        Case([put(f"{OP}/requestBody/content/application~1x-ndjson", {"schema": {}})]),
    ),
    "request-property-added-required": (
        Case([put(REGION, {"type": "string"}),
              put(f"{SCHEMAS}/JobMetricsRequest/required/-", "region")]),
        f"{REQUEST_BODY}/properties/region",
        Case(WITH_REGION),
    ),
    "request-property-added-optional": (
        Case(WITH_REGION), f"{REQUEST_BODY}/properties/region",
        Case([put(REGION, {"type": "string"}),
              put(f"{SCHEMAS}/JobMetricsRequest/required/-", "region")]),
    ),
    "request-property-removed": (
        Case([rm(REGION)], WITH_REGION), f"{REQUEST_BODY}/properties/region",
        Case([rm(REGION), rm(f"{SCHEMAS}/JobMetricsRequest/additionalProperties")],
             WITH_REGION),
    ),
    "request-property-removed-open": (
        Case([rm(REGION), rm(f"{SCHEMAS}/JobMetricsRequest/additionalProperties")],
             WITH_REGION),
        f"{REQUEST_BODY}/properties/region",
        Case([rm(REGION)], WITH_REGION),
    ),
    "request-property-became-required": (
        Case([put(f"{SCHEMAS}/JobMetricsRequest/required/-", "region")],
             WITH_REGION),
        f"{REQUEST_BODY}/properties/region",
        Case([put(f"{REGION}/maxLength", 9)], WITH_REGION),
    ),
    "request-property-became-optional": (
        Case([put(f"{SCHEMAS}/JobMetricsRequest/required", [])]),
        f"{REQUEST_BODY}/properties/job_ids",
        Case([put(f"{SCHEMAS}/JobMetricsRequest/required/-", "region")],
             WITH_REGION),
    ),
    "response-property-added-required": (
        Case([put(f"{SCHEMAS}/JobMetricsResponse/properties/region", {"type": "string"}),
              put(f"{SCHEMAS}/JobMetricsResponse/required", ["region"])]),
        f"{OK_BODY}/properties/region",
        Case([put(f"{SCHEMAS}/JobMetricsResponse/properties/region", {"type": "string"})]),
    ),
    "response-property-added-optional": (
        Case([put(f"{SCHEMAS}/JobMetricsResponse/properties/region", {"type": "string"})]),
        f"{OK_BODY}/properties/region",
        Case([put(f"{SCHEMAS}/JobMetricsResponse/properties/region", {"type": "string"}),
              put(f"{SCHEMAS}/JobMetricsResponse/required", ["region"])]),
    ),
    "response-property-removed": (
        Case([rm(MESSAGE)]), f"{OK_BODY}/properties/message",
        Case([put(f"{MESSAGE}/description", "x")]),
    ),
    "response-property-became-required": (
        Case([put(f"{SCHEMAS}/JobMetricsResponse/required", ["message"])]),
        f"{OK_BODY}/properties/message",
        Case([put(f"{SCHEMAS}/JobMetricsResponse/required", [])]),
    ),
    "response-property-became-optional": (
        Case([put(f"{SCHEMAS}/JobMetricsResponse/required", [])],
             [put(f"{SCHEMAS}/JobMetricsResponse/required", ["message"])]),
        f"{OK_BODY}/properties/message",
        Case([put(f"{SCHEMAS}/JobMetricsResponse/required", ["message"])]),
    ),
    "property-deprecated": (
        Case([put(f"{MESSAGE}/deprecated", True)]), f"{OK_BODY}/properties/message/deprecated",
        Case([put(f"{MESSAGE}/deprecated", False)]),
    ),
    "request-property-became-read-only": (
        Case([put(f"{REGION}/readOnly", True)], WITH_REGION),
        f"{REQUEST_BODY}/properties/region/readOnly",
        Case([put(f"{REGION}/writeOnly", True)], WITH_REGION),
    ),
    "response-property-became-write-only": (
        Case([put(f"{MESSAGE}/writeOnly", True)]), f"{OK_BODY}/properties/message/writeOnly",
        Case([put(f"{MESSAGE}/readOnly", True)]),
    ),
    "property-access-changed": (
        Case([put(f"{MESSAGE}/readOnly", True)]), f"{OK_BODY}/properties/message/readOnly",
        Case([put(f"{MESSAGE}/writeOnly", True)]),
    ),
    "request-default-changed": (
        Case([put(f"{REGION}/default", "eu")], WITH_DEFAULT),
        f"{REQUEST_BODY}/properties/region/default",
        Case([put(f"{REGION}/default", "cn")], WITH_REGION),
    ),
    "request-default-removed": (
        Case([rm(f"{REGION}/default")], WITH_DEFAULT),
        f"{REQUEST_BODY}/properties/region/default",
        Case([put(f"{REGION}/description", "x")], WITH_DEFAULT),
    ),
    "request-default-added": (
        Case([put(f"{REGION}/default", "cn")], WITH_REGION),
        f"{REQUEST_BODY}/properties/region/default",
        Case([put(f"{REGION}/default", "eu")], WITH_DEFAULT),
    ),
    "response-default-changed": (
        Case([put(f"{MESSAGE}/default", "ok")]), f"{OK_BODY}/properties/message/default",
        Case([put(f"{REGION}/default", "cn")], WITH_REGION),
    ),
    "response-integer-range-narrowed": (
        Case([put(f"{SCHEMAS}/JobMetricsResponse/properties/current_time/maximum", 2**53 - 1)]),
        f"{OK_BODY}/properties/current_time/maximum",
        Case([  # a bound inside the type's range moved further in: data-dependent only
            put(f"{SCHEMAS}/JobMetricsResponse/properties/current_time/maximum", 2**40)
        ], [put(f"{SCHEMAS}/JobMetricsResponse/properties/current_time/maximum", 2**53)]),
    ),
    "discriminator-property-changed": (
        Case(
            [put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "type"})],
            [put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "kind"})],
        ),
        f"{OK_BODY}/properties/payload/discriminator/propertyName",
        Case([put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "kind"})]),
    ),
    "discriminator-set-or-unset": (
        Case([put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "kind"})]),
        f"{OK_BODY}/properties/payload/discriminator/propertyName",
        Case(
            [put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "type"})],
            [put(f"{SCHEMAS}/JobMetricsPayload/discriminator", {"propertyName": "kind"})],
        ),
    ),
    "response-header-added-required": (
        Case([put(HEADER, {**A_HEADER, "required": True})], NO_HEADERS), HEADER,
        Case([put(HEADER, A_HEADER)], NO_HEADERS),
    ),
    "response-header-added-optional": (
        Case([put(HEADER, A_HEADER)], NO_HEADERS), HEADER,
        Case([put(HEADER, {**A_HEADER, "required": True})], NO_HEADERS),
    ),
    "response-header-removed-required": (
        Case([rm(HEADER)], HAS_REQUIRED_HEADER),
        HEADER,
        Case([rm(HEADER)], HAS_HEADER),
    ),
    "response-header-removed-optional": (
        Case([rm(HEADER)], HAS_HEADER),
        HEADER,
        Case([rm(HEADER)], HAS_REQUIRED_HEADER),
    ),
    "response-header-became-required": (
        Case([put(f"{HEADER}/required", True)], HAS_HEADER),
        f"{HEADER}/required",
        Case([put(f"{HEADER}/required", False)], HAS_HEADER),
    ),
    "response-header-became-optional": (
        Case([put(f"{HEADER}/required", False)],
             HAS_REQUIRED_HEADER),
        f"{HEADER}/required",
        Case([put(f"{HEADER}/required", True)], HAS_HEADER),
    ),
    "response-success-status-added": (
        Case([put(f"{OP}/responses/202", {"description": "accepted"})]), f"{OP}/responses/202",
        Case([put(f"{OP}/responses/404", {"description": "x"})]),
    ),
    "response-success-status-removed": (
        Case([rm(f"{OP}/responses/200")]), f"{OP}/responses/200",
        Case([rm(f"{OP}/responses/431")]),
    ),
    "response-error-status-added": (
        Case([put(f"{OP}/responses/404", {"description": "x"})]), f"{OP}/responses/404",
        Case([put(f"{OP}/responses/202", {"description": "accepted"})]),
    ),
    "response-error-status-removed": (
        Case([rm(f"{OP}/responses/431")]), f"{OP}/responses/431",
        Case([rm(f"{OP}/responses/200")]),
    ),
    "response-media-type-added": (
        Case([put(f"{OP}/responses/200/content/application~1x-ndjson", {"schema": {}})]),
        f"{OP}/responses/200/content/application~1x-ndjson",
        Case([rm(f"{OP}/responses/200/content/application~1json")]),
    ),
    "response-media-type-removed": (
        Case([rm(f"{OP}/responses/200/content/application~1json")]),
        f"{OP}/responses/200/content/application~1json",
        Case([put(f"{OP}/responses/200/content/application~1x-ndjson", {"schema": {}})]),
    ),
    "security-narrowed": (
        Case([put(f"{SECURITY}/name", "X-Token")]), f"{OP}/security",
        Case([  # the same scheme under another key: nothing changes on the wire
            {"op": "move", "from": SECURITY, "path": "/components/securitySchemes/iamToken"},
            put(f"{OP}/security", [{"iamToken": []}]),
        ]),
    ),
    "security-widened": (
        Case([put(f"{OP}/security/-", {})]), f"{OP}/security",
        Case([put(f"{OP}/security/0/authToken", ["metrics:read"])]),
    ),
    # x-signature of the successor's scheme (max_skew_seconds 900; host, x-sdk-date signed)
    "signing-narrowed": (
        Case([put(f"{SIGNING}/required_signed_headers/-", "content-type")]), f"{DLI}/security",
        Case([put(f"{SIGNING}/max_skew_seconds", 1800)]),
    ),
    "signing-widened": (
        Case([put(f"{SIGNING}/max_skew_seconds", 1800)]), f"{DLI}/security",
        Case([put(f"{SIGNING}/max_authorization_bytes", 2048)]),
    ),
    "signing-changed": (
        Case([put(f"{SIGNING}/date_format", "%Y-%m-%dT%H:%M:%SZ")]), f"{DLI}/security",
        Case([put(f"{SIGNING}/required_signed_headers/0", "Host")]),  # names: any case
    ),
    "contract-rule-added": (
        Case([put(f"{RULES}/-", NEW_RULE)]),
        f"{OP}/x-contract/rules",
        Case([put(f"{RULES}/1/when", "Reworded.")]),
    ),
    "contract-rule-removed": (
        Case([rm(f"{RULES}/1")]), f"{OP}/x-contract/rules",
        Case([put(f"{RULES}/1/when", "Reworded.")]),
    ),
    "contract-answer-changed": (
        Case([put(f"{RULES}/1/error_id", "CS.10009")]), f"{RULES}/1/error_id",
        Case([put(f"{RULES}/1/when", "Reworded.")]),
    ),
    "contract-limit-narrowed": (
        Case([put(f"{OP}/x-contract/limits/max_body_bytes", 65536)]),
        f"{OP}/x-contract/limits/max_body_bytes",
        Case([put(f"{OP}/x-contract/limits/max_body_bytes", 2097152)]),
    ),
    "contract-limit-widened": (
        Case([put(f"{OP}/x-contract/limits/max_body_bytes", 2097152)]),
        f"{OP}/x-contract/limits/max_body_bytes",
        Case([put(f"{OP}/x-contract/limits/max_body_bytes", 65536)]),
    ),
    # RULES/6 (content-encoding-not-identity) is a should, RULES/5 a must
    "contract-rule-became-must": (
        Case([put(f"{RULES}/6/level", "must")]), f"{RULES}/6/level",
        Case([put(f"{RULES}/5/level", "should")]),
    ),
    "contract-rule-became-should": (
        Case([put(f"{RULES}/5/level", "should")]), f"{RULES}/5/level",
        Case([put(f"{RULES}/6/level", "must")]),
    ),
    # migrations: the successor added (or its x-replaces edited); the differences are read
    # from the entry's migration (see `fired`)
    "operation-added-replacing": (
        add_successor(), DLI, add_successor(UNDECLARED),
    ),
    "operation-replaces-set": (
        Case([put(f"{DLI}/x-replaces", "queryJobMetrics")], [rm(f"{DLI}/x-replaces")]),
        f"{DLI}/x-replaces",
        # the replaced operation renamed, and x-replaces with it: the same pairing
        Case([put(f"{OP}/operationId", "getJobMetrics"),
              put(f"{DLI}/x-replaces", "getJobMetrics")]),
    ),
    "operation-replaces-removed": (
        Case([rm(f"{DLI}/x-replaces")]), f"{DLI}/x-replaces",
        Case([put(f"{DLI}/x-replaces", "queryJobMetrics")], [rm(f"{DLI}/x-replaces")]),
    ),
    "migration-path-changed": (add_successor(), DLI, add_successor(UNDECLARED)),
    "migration-property-moved": (
        add_successor(), f"{DLI_OK}/properties/metrics/properties/jobs",
        add_successor(SAME_ENVELOPE, *SAME_ERROR_BODY),  # (error_cause -> error_msg too)
    ),
    "migration-error-code-field-changed": (
        add_successor(), f"{DLI_ERROR}/properties/error_code",
        add_successor(*SAME_ERROR_BODY),
    ),
}  # fmt: skip


def changes_of(case: Case) -> list[Change]:
    base = jsonpatch.apply_patch(copied(spec()), case.prepare, in_place=True)
    head = jsonpatch.apply_patch(copied(base), case.edit, in_place=True)
    return diff_specs(base, head)


def fired(case: Case) -> set[tuple[str, str]]:
    """Every (rule, pointer) reported, a migration's differences included."""
    changes = changes_of(case)
    differences = [d for c in changes if c.migration for d in c.migration.differences]
    return {(c.rule, c.pointer) for c in [*changes, *differences]}


def _value_ids() -> list[tuple[str, str, Effect]]:
    return [
        (side, group, effect)
        for group, (_, effects) in VALUE_GROUPS.items()
        for side in (REQUEST, RESPONSE)
        for effect in effects
    ]


@pytest.mark.parametrize(
    ("side", "group", "effect"),
    _value_ids(),
    ids=[f"{s}-{g}-{e.value}" for s, g, e in _value_ids()],
)
def test_value_rule(side: str, group: str, effect: Effect) -> None:
    rule = f"{side}-{group}-{effect.value}"
    invalid, at = value_case(side, group, effect)
    assert (rule, at) in fired(invalid), fired(invalid)
    for sibling in VALUE_CASES[group][2]:
        if sibling is not effect:  # the valid cases: the same keyword moved another way
            valid, _ = value_case(side, group, sibling)
            assert rule not in {r for r, _ in fired(valid)}, (sibling, fired(valid))


@pytest.mark.parametrize("rule", STRUCTURAL)
def test_structural_rule_invalid_case(rule: str) -> None:
    invalid, at, _ = STRUCTURAL[rule]
    assert (rule, at) in fired(invalid), fired(invalid)


@pytest.mark.parametrize("rule", STRUCTURAL)
def test_structural_rule_valid_case(rule: str) -> None:
    _, _, valid = STRUCTURAL[rule]
    assert rule not in {r for r, _ in fired(valid)}, fired(valid)


def test_every_catalogue_rule_has_its_cases() -> None:
    covered = set(STRUCTURAL) | {f"{s}-{g}-{e.value}" for s, g, e in _value_ids()}
    assert set(CATALOGUE) == covered
    for group, (_, effects) in VALUE_GROUPS.items():
        assert set(VALUE_CASES[group][2]) == set(effects), group


def test_a_level_not_written_is_must() -> None:
    """A base written before the spec had levels: every rule was a must."""
    unwritten = [rm(f"{RULES}/5/level"), rm(f"{RULES}/6/level")]
    assert not {r for r, _ in fired(Case([put(f"{RULES}/5/level", "must")], unwritten))}
    became = fired(Case([put(f"{RULES}/6/level", "should")], unwritten))
    assert became == {("contract-rule-became-should", f"{RULES}/6/level")}
