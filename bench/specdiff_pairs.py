"""A corpus of single-change spec pairs, each with the verdict an API designer expects.

What API teams do to a spec: refactors and equivalent rewrites that change no message
(expected verdict ``none``), and next to each, the edit of the same shape that does break
a message (the verdict it deserves, and the finding that names it, at its exact pointer).
Every pair is a JSON Patch (RFC 6902) on the real spec: ``prepare`` to both sides (where
the change starts from), ``edit`` to the head only.

Used by ``tests/specdiff/test_corpus.py`` (every verdict and finding) and by
``bench/specdiff_vs_optic.py`` (the same pairs timed against Optic).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from typing import Any

import jsonpatch

from jobs_metrics_spec import SPEC_PATH as SPEC
from jobs_metrics_spec import load_document

Ops = list[dict[str, Any]]


@dataclass(frozen=True)
class Pair:
    """One change: ``verdict`` is the worst impact expected (``none`` for a refactor);
    ``finding`` the (rule, pointer in the head) that must be reported, if any."""

    name: str
    edit: Ops
    verdict: str
    finding: tuple[str, str] | None = None
    prepare: Ops = field(default_factory=list)


@functools.cache
def _parsed() -> dict[str, Any]:
    return load_document(SPEC)


def spec() -> dict[str, Any]:
    """A fresh copy of the spec (pairs patch it): parsed once, copied per pair."""
    return copy.deepcopy(_parsed())


def sides(pair: Pair) -> tuple[dict[str, Any], dict[str, Any]]:
    """The base and head documents of ``pair``."""
    base = jsonpatch.apply_patch(spec(), pair.prepare)
    head = jsonpatch.apply_patch(copy.deepcopy(base), pair.edit)
    return base, head


def put(path: str, value: Any) -> dict[str, Any]:
    return {"op": "add", "path": path, "value": value}


def rm(path: str) -> dict[str, Any]:
    return {"op": "remove", "path": path}


def move(source: str, target: str) -> dict[str, Any]:
    return {"op": "move", "from": source, "path": target}


PATH = "/paths/~1v1.0~1{project_id}~1jobs~1metrics"
NEW_PATH = "/paths/~1{project_id}~1jobs~1metrics"
# The successor operation's path: a prefix moved into servers[].url moves for it too.
SUCCESSOR_PATH = "/paths/~1v1.0~1{project_id}~1streaming~1jobs~1metrics"
NEW_SUCCESSOR_PATH = "/paths/~1{project_id}~1streaming~1jobs~1metrics"
OP = f"{PATH}/post"
REQUEST = f"{OP}/requestBody/content/application~1json/schema"
OK = f"{OP}/responses/200/content/application~1json/schema"
S = "/components/schemas"
JOB_ID = f"{S}/JobId"
ITEMS = f"{S}/JobMetricsRequest/properties/job_ids/items"
ITEMS_AT = f"{REQUEST}/properties/job_ids/items"
RECORDS = f"{S}/StreamMetrics/properties/records"
SINK = f"{OK}/properties/payload/properties/jobs/items/properties/metrics/properties/sinks/items"
SOURCE = SINK.replace("/sinks/", "/sources/")
MESSAGE_ID = f"{S}/JobMetricsResponse/properties/message_id"
CURRENT_TIME = f"{S}/JobMetricsResponse/properties/current_time"
REGION = f"{S}/JobMetricsRequest/properties/region"
PROJECT_ID = "/components/parameters/ProjectId/schema"
PROJECT_AT = f"{OP}/parameters/0/schema"
TOKEN = "/components/securitySchemes/authToken"
SIGNING = "/components/securitySchemes/akskSignature/x-signature"
SIGNED_AT = f"{SUCCESSOR_PATH}/post/security"
REF = {"$ref": "#/components/schemas/JobId"}
INT64 = {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1}
NULLABLE_JOB_ID = [put(f"{JOB_ID}/type", ["integer", "null"])]
WITH_REGION = [put(REGION, {"type": "string", "enum": ["eu"]})]
SERVER = "https://cs.{region}.myhuaweicloud.com"


def _unprefixed() -> Ops:
    """Every path of the spec without its ``/v1.0`` (for a prefix moved into the servers)."""
    return [move(PATH, NEW_PATH), move(SUCCESSOR_PATH, NEW_SUCCESSOR_PATH)]


def _stream_in_all_of(closed_by: str) -> Ops:
    """StreamMetrics as allOf [NamedStream (name), its own properties]: ``closed_by``
    unevaluatedProperties (sees into the allOf: the same objects) or additionalProperties
    (sees only its own properties: every property moved into the allOf is refused)."""
    props = f"{S}/StreamMetrics/properties"
    return [
        put(f"{S}/NamedStream", {"type": "object", "properties": {}}),
        {"op": "copy", "from": f"{props}/name", "path": f"{S}/NamedStream/properties/name"},
        rm(f"{S}/StreamMetrics/additionalProperties"),
        put(f"{S}/StreamMetrics/{closed_by}", False),
        put(f"{S}/StreamMetrics/allOf", [{"$ref": "#/components/schemas/NamedStream"}]),
        rm(f"{props}/name"),
    ]


PAIRS: list[Pair] = [
    # -- allOf around a $ref -----------------------------------------------------------------
    Pair("single-member allOf around a $ref", [put(ITEMS, {"allOf": [REF]})], "none",
         ("schema-rewritten", ITEMS_AT)),
    Pair("single-member allOf around a $ref, with a description",
         [put(ITEMS, {"allOf": [REF], "description": "A job."})], "none",
         ("schema-rewritten", ITEMS_AT)),
    Pair("allOf wrapper that adds minimum 1 (request)",
         [put(ITEMS, {"allOf": [REF, {"minimum": 1}]})], "breaking",
         ("request-minimum-narrowed", f"{ITEMS_AT}/allOf/1/minimum")),
    Pair("allOf wrapper with a sibling minimum 1 (request)",
         [put(ITEMS, {"allOf": [REF], "minimum": 1})], "breaking",
         ("request-minimum-narrowed", f"{ITEMS_AT}/minimum")),
    Pair("allOf wrapper that adds maximum 2^53-1 (response int64 range)",
         [put(CURRENT_TIME, {"allOf": [{"type": "integer", "format": "int64", "minimum": 0,
                                        "maximum": 2**63 - 1}, {"maximum": 2**53 - 1}]})],
         "breaking",
         ("response-integer-range-narrowed", f"{OK}/properties/current_time/allOf/1/maximum")),
    Pair("allOf of two members that split the bounds",
         [put(JOB_ID, {"allOf": [{"type": "integer", "format": "int64", "minimum": 0},
                                 {"maximum": 2**63 - 1}]})], "none",
         ("schema-rewritten", ITEMS_AT)),
    # -- enum of one value and const -------------------------------------------------------
    Pair("enum [x] rewritten as const x (response)", [put(f"{MESSAGE_ID}/const", "CS.10001"),
                                                      rm(f"{MESSAGE_ID}/enum")],
         "none", ("schema-rewritten", f"{OK}/properties/message_id"),
         prepare=[put(f"{MESSAGE_ID}/enum", ["CS.10001"])]),
    Pair("const x rewritten as enum [x] (request)",
         [put(f"{REGION}/enum", ["eu"]), rm(f"{REGION}/const")], "none",
         ("schema-rewritten", f"{REQUEST}/properties/region"),
         prepare=[put(REGION, {"type": "string", "const": "eu"})]),
    Pair("enum [x] rewritten as const y (request)",
         [put(f"{REGION}/const", "us"), rm(f"{REGION}/enum")], "breaking",
         ("request-const-changed", f"{REQUEST}/properties/region/const"), prepare=WITH_REGION),
    Pair("enum [x] widened to enum [x, y] (response)",
         [put(f"{MESSAGE_ID}/enum", ["CS.10001", "CS.10002"]), rm(f"{MESSAGE_ID}/const")],
         "breaking", ("response-enum-widened", f"{OK}/properties/message_id/enum"),
         prepare=[put(f"{MESSAGE_ID}/const", "CS.10001")]),
    Pair("enum documented as oneOf of const (response)",
         [rm(f"{MESSAGE_ID}/enum"),
          put(f"{MESSAGE_ID}/oneOf", [{"const": "CS.10001", "description": "Queried."},
                                      {"const": "CS.10002", "description": "Partly."}])],
         "none", ("schema-rewritten", f"{OK}/properties/message_id"),
         prepare=[put(f"{MESSAGE_ID}/enum", ["CS.10001", "CS.10002"])]),
    Pair("oneOf of const with a new value (response)",
         [rm(f"{MESSAGE_ID}/enum"),
          put(f"{MESSAGE_ID}/oneOf", [{"const": "CS.10001"}, {"const": "CS.10002"},
                                      {"const": "CS.10009"}])],
         "breaking", ("response-enum-widened", f"{OK}/properties/message_id/oneOf"),
         prepare=[put(f"{MESSAGE_ID}/enum", ["CS.10001", "CS.10002"])]),
    Pair("type dropped beside const (the value names it)", [rm(f"{REGION}/type")], "none",
         ("schema-rewritten", f"{REQUEST}/properties/region"),
         prepare=[put(REGION, {"type": "string", "const": "eu"})]),
    # -- integer bounds ----------------------------------------------------------------------
    Pair("integer exclusiveMinimum -1 for minimum 0 (request)",
         [rm(f"{JOB_ID}/minimum"), put(f"{JOB_ID}/exclusiveMinimum", -1)], "none",
         ("schema-rewritten", ITEMS_AT)),
    Pair("integer exclusiveMinimum -1 for minimum 0 (shared response schema)",
         [rm(f"{RECORDS}/minimum"), put(f"{RECORDS}/exclusiveMinimum", -1)], "none",
         ("schema-rewritten", f"{SINK}/properties/records")),
    Pair("integer exclusiveMaximum 2^63 for maximum 2^63-1",
         [rm(f"{JOB_ID}/maximum"), put(f"{JOB_ID}/exclusiveMaximum", 2**63)], "none",
         ("schema-rewritten", ITEMS_AT)),
    Pair("integer exclusiveMinimum 0 for minimum 0 (request: 0 refused)",
         [rm(f"{JOB_ID}/minimum"), put(f"{JOB_ID}/exclusiveMinimum", 0)], "breaking",
         ("request-minimum-narrowed", f"{ITEMS_AT}/exclusiveMinimum")),
    Pair("number exclusiveMinimum -1 for minimum 0 (not an integer: wider)",
         [put(f"{JOB_ID}/type", "number"), rm(f"{JOB_ID}/minimum"),
          put(f"{JOB_ID}/exclusiveMinimum", -1)], "possibly-breaking",
         ("request-minimum-widened", f"{ITEMS_AT}/exclusiveMinimum"),
         prepare=[put(f"{JOB_ID}/type", "number")]),
    # -- nullable ----------------------------------------------------------------------------
    Pair("type [integer, null] rewritten as anyOf [integer, null]",
         [put(JOB_ID, {"anyOf": [INT64, {"type": "null"}]})], "none",
         ("schema-rewritten", ITEMS_AT), prepare=NULLABLE_JOB_ID),
    Pair("type [integer, null] rewritten as oneOf [integer, null]",
         [put(JOB_ID, {"oneOf": [{"type": "null"}, INT64]})], "none",
         ("schema-rewritten", ITEMS_AT), prepare=NULLABLE_JOB_ID),
    Pair("type [integer, null] rewritten as 3.0 nullable: true",
         [put(f"{JOB_ID}/type", "integer"), put(f"{JOB_ID}/nullable", True)], "none",
         ("schema-rewritten", ITEMS_AT), prepare=NULLABLE_JOB_ID),
    Pair("type [integer, null] as anyOf [integer, null] that adds minimum 1 (request)",
         [put(JOB_ID, {"anyOf": [{**INT64, "minimum": 1}, {"type": "null"}]})], "breaking",
         ("request-minimum-narrowed", f"{ITEMS_AT}/anyOf/0/minimum"), prepare=NULLABLE_JOB_ID),
    Pair("type [integer, null] as 3.0 nullable: false (request: null refused)",
         [put(f"{JOB_ID}/type", "integer"), put(f"{JOB_ID}/nullable", False)], "breaking",
         ("request-type-narrowed", f"{ITEMS_AT}/type"), prepare=NULLABLE_JOB_ID),
    Pair("response integer made nullable with anyOf",
         [put(CURRENT_TIME, {"anyOf": [INT64, {"type": "null"}]})], "breaking",
         ("response-type-widened", f"{OK}/properties/current_time/anyOf")),
    Pair("type [integer, string] written as anyOf of the two types",
         [put(JOB_ID, {"anyOf": [INT64, {"type": "string", "pattern": "^[0-9]+$"}]})], "none",
         ("schema-rewritten", ITEMS_AT),
         prepare=[put(JOB_ID, {**INT64, "type": ["integer", "string"], "pattern": "^[0-9]+$"})]),
    Pair("anyOf of two types that drops null (request)",
         [put(JOB_ID, {"anyOf": [INT64, {"type": "string"}]})], "breaking",
         ("request-type-changed", f"{ITEMS_AT}/anyOf"), prepare=NULLABLE_JOB_ID),
    # -- security header ---------------------------------------------------------------------
    Pair("security header name written in lower case", [put(f"{TOKEN}/name", "x-auth-token")],
         "none"),
    Pair("security header renamed", [put(f"{TOKEN}/name", "X-Api-Token")], "breaking",
         ("security-narrowed", f"{OP}/security")),
    Pair("security moved from the operation to the document",
         [put("/security", [{"authToken": []}]), rm(f"{OP}/security")], "none"),
    Pair("security scheme renamed and re-keyed",
         [move(TOKEN, "/components/securitySchemes/iamToken"),
          put(f"{OP}/security", [{"iamToken": []}])], "none"),
    Pair("security made optional (anonymous access added)", [put(f"{OP}/security/-", {})],
         "possibly-breaking", ("security-widened", f"{OP}/security")),
    # -- how requests are signed (x-signature of the successor's scheme) ---------------------
    Pair("signed header names written in another case",
         [put(f"{SIGNING}/required_signed_headers", ["Host", "X-Sdk-Date"])], "none"),
    Pair("a header added to the signed ones a request must carry",
         [put(f"{SIGNING}/required_signed_headers/-", "content-type")], "breaking",
         ("signing-narrowed", SIGNED_AT)),
    Pair("the allowed clock skew of a signature raised",
         [put(f"{SIGNING}/max_skew_seconds", 1800)], "possibly-breaking",
         ("signing-widened", SIGNED_AT)),
    Pair("the signature's algorithm changed",
         [put(f"{SIGNING}/algorithm", "SDK-HMAC-SHA512")], "breaking",
         ("signing-changed", SIGNED_AT)),
    # -- servers and paths ---------------------------------------------------------------------
    Pair("/v1.0 moved from the paths into servers[].url",
         [*_unprefixed(), put("/servers/0/url", SERVER + "/v1.0")], "none",
         ("base-path-moved", "/servers")),
    Pair("/v1.0 moved into servers[].url as /v2.0", [*_unprefixed(),
                                                     put("/servers/0/url", SERVER + "/v2.0")],
         "breaking", ("operation-removed", OP)),
    Pair("servers moved from the document to the path",
         [move("/servers", f"{PATH}/servers")], "none", ("servers-changed", "/servers")),
    Pair("/v1.0/ moved into servers[].url with a trailing slash",
         [*_unprefixed(), put("/servers/0/url", SERVER + "/v1.0/")], "none",
         ("base-path-moved", "/servers")),
    Pair("a server region removed", [rm("/servers/0/variables/region/enum/5")], "none",
         ("servers-changed", "/servers")),
    Pair("a tag description edited", [put("/tags/0/description", "Jobs and their metrics.")],
         "none", ("tags-changed", "/tags")),
    # -- properties moved into allOf -------------------------------------------------------------
    Pair("properties moved into allOf, closed by unevaluatedProperties",
         _stream_in_all_of("unevaluatedProperties"), "none",
         ("schema-rewritten", SINK)),
    Pair("properties moved into allOf, additionalProperties false left around it",
         _stream_in_all_of("additionalProperties"), "breaking",
         ("response-property-removed", f"{SINK}/allOf/0/properties/name")),
    Pair("request property moved into allOf, additionalProperties false around it",
         [put(f"{S}/JobMetricsRequest/allOf",
              [{"properties": {"job_ids": {"type": "array", "items": REF}}}]),
          rm(f"{S}/JobMetricsRequest/properties/job_ids")],
         "breaking", ("request-property-removed", f"{REQUEST}/allOf/0/properties/job_ids")),
    # -- patterns --------------------------------------------------------------------------------
    Pair("project-ID pattern narrowed with a lookahead",
         [put(f"{PROJECT_ID}/pattern", "^(?=.*[a-f])[0-9a-f]{32}$")], "breaking",
         ("request-pattern-narrowed", f"{PROJECT_AT}/pattern")),
    Pair("project-ID pattern widened to upper case",
         [put(f"{PROJECT_ID}/pattern", "^[0-9a-fA-F]{32}$")], "possibly-breaking",
         ("request-pattern-widened", f"{PROJECT_AT}/pattern")),
    Pair("project-ID pattern rewritten with \\d and a count",
         [put(f"{PROJECT_ID}/pattern", "^[\\da-f]{32}$")], "none"),
    Pair("length bounds the pattern implies dropped (project ID)",
         [rm(f"{PROJECT_ID}/minLength"), rm(f"{PROJECT_ID}/maxLength")], "none"),
    Pair("length bound beside the pattern lowered (project ID)",
         [put(f"{PROJECT_ID}/maxLength", 31)], "breaking",
         ("request-max-length-narrowed", f"{PROJECT_AT}/maxLength")),
    # -- shared component, one entry -------------------------------------------------------------
    Pair("a shared schema's bound lowered (one edit, two places)",
         [put(f"{RECORDS}/minimum", -1)], "breaking",
         ("response-minimum-widened", f"{SINK}/properties/records/minimum")),
    Pair("required listed in another order",
         [put(f"{S}/ErrorResponse/required",
              ["error_time", "error_suggestion", "error_cause", "error_name", "error_id"])],
         "none"),
    Pair("a schema inlined where it was a $ref", [put(ITEMS, INT64)], "none"),
    Pair("additionalProperties false written as unevaluatedProperties false",
         [rm(f"{S}/StreamMetrics/additionalProperties"),
          put(f"{S}/StreamMetrics/unevaluatedProperties", False)], "none",
         ("schema-rewritten", SINK)),
    Pair("a constraint beside a $ref (3.1): it adds to the target",
         [put(f"{S}/JobMetricsRequest/properties/job_ids/items/maximum", 2**53 - 1)],
         "breaking", ("request-maximum-narrowed", f"{ITEMS_AT}/maximum")),
    Pair("a bound beside a $ref looser than the target's: no change",
         [put(f"{S}/JobMetricsRequest/properties/job_ids/items/minimum", -5)], "none"),
    Pair("an empty items schema written as true", [put(f"{S}/JobMetricsRequest/properties/"
                                                        "job_ids/items", True)], "none",
         prepare=[put(ITEMS, {"description": "Any job ID."})]),
]  # fmt: skip
