"""The spec is faithful to the provider's page: fields, types, requirements, examples, codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support import METRICS_PATH, ROOT, spec, validator

INT64_MAX = 2**63 - 1
PROVIDER = Path(__file__).parent / "provider"  # the provider's own words, as data (README)
SEED = PROVIDER / "seed-query-job-monitoring-information.txt"
FACTS = PROVIDER / "cs-api-facts.md"


def operation() -> dict[str, Any]:
    return spec()["paths"][METRICS_PATH]["post"]


def schemas() -> dict[str, Any]:
    return spec()["components"]["schemas"]


def test_openapi_31_with_explicit_operation_id_and_titles():
    assert spec()["openapi"].startswith("3.1")
    assert operation()["operationId"] == "queryJobMetrics"
    for name, schema in schemas().items():
        assert schema["title"] == name


def test_security_is_the_x_auth_token_header_applied_to_the_operation():
    scheme = spec()["components"]["securitySchemes"]["authToken"]
    assert scheme == scheme | {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}
    assert operation()["security"] == [{"authToken": []}]


def test_project_id_is_a_required_string_path_parameter():
    param = spec()["components"]["parameters"]["ProjectId"]
    assert (param["in"], param["required"], param["schema"]["type"]) == ("path", True, "string")


# Table 3 of the seed: field -> (JSON type, format) and where it lives.
SEED_RESPONSE_FIELDS = {
    ("JobMetricsResponse", "message_id"): ("string", None),
    ("JobMetricsResponse", "message"): ("string", None),
    ("JobMetricsResponse", "current_time"): ("integer", "int64"),
    ("JobMetricsResponse", "payload"): ("object", None),
    ("JobMetricsPayload", "jobs"): ("array", None),
    ("JobMonitoringInfo", "job_id"): ("integer", "int64"),
    ("JobMonitoringInfo", "metrics"): ("object", None),
    ("JobStreamMetrics", "sources"): ("array", None),
    ("JobStreamMetrics", "sinks"): ("array", None),
    ("StreamMetrics", "name"): ("string", None),
    ("StreamMetrics", "records"): ("integer", "int64"),
    ("StreamMetrics", "corrupted_records"): ("integer", "int64"),
    ("JobStreamMetrics", "total_read_rate"): ("number", "double"),
    ("JobStreamMetrics", "total_write_rate"): ("number", "double"),
}


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schemas()[node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.mark.parametrize(("where", "expected"), SEED_RESPONSE_FIELDS.items(), ids=lambda v: str(v))
def test_every_seed_response_field_has_its_type_and_is_optional(where, expected):
    schema_name, field = where
    schema = schemas()[schema_name]
    prop = _resolve(schema["properties"][field])
    assert (prop["type"], prop.get("format")) == expected
    assert field not in schema.get("required", [])  # "Mandatory: No"
    assert schema["properties"][field].get("description") or prop.get("description")


def test_seed_names_every_field_the_spec_models():
    """Cross-check against the seed text itself, so the table above cannot drift."""
    text = SEED.read_text()
    for _, field in SEED_RESPONSE_FIELDS:
        assert f"\n    {field}\n" in text
    assert "job_ids" in text


def test_counts_are_non_negative_int64_and_job_ids_the_whole_long():
    """Counts and rates are never negative (their meaning); an answer's job_id is the
    provider's "Long", whole (the request's bound is ours, not the provider's)."""
    for schema_name, field in SEED_RESPONSE_FIELDS:
        prop = _resolve(schemas()[schema_name]["properties"][field])
        if prop["type"] == "integer":
            low = -INT64_MAX - 1 if field == "job_id" else 0
            assert (prop["minimum"], prop["maximum"]) == (low, INT64_MAX)
        if prop["type"] == "number":
            assert prop["minimum"] == 0


def test_seed_status_codes_are_documented():
    assert {"200", "400"} <= set(operation()["responses"])
    # the HTTP layer's 431 and the provider's gateway's 429 (cs-api-facts), documented
    assert set(operation()["responses"]) - {"200", "400"} == {"429", "431"}


def test_error_codes_are_documented_in_the_contract_rules():
    """Every common CS.100xx code has a rule in x-contract, rendered into the 400 docs."""
    rules = operation()["x-contract"]["rules"]
    documented = {rule.get("error_id") for rule in rules}
    provider = set(re.findall(r"^\| (CS\.\d{5}) \|", FACTS.read_text(), re.M))
    assert len(provider) == 10  # the facts' table of common codes, read whole
    assert provider <= documented


def _examples(media: dict[str, Any]) -> dict[str, Any]:
    return {name: ex["value"] for name, ex in media["examples"].items()}


def test_named_examples_validate_against_their_schemas():
    request = operation()["requestBody"]["content"]["application/json"]
    for value in _examples(request).values():
        validator("JobMetricsRequest").validate(value)
    for status, schema in (("200", "JobMetricsResponse"), ("400", "ErrorResponse")):
        media = operation()["responses"][status]["content"]["application/json"]
        for value in _examples(media).values():
            validator(schema).validate(value)


def test_seed_examples_are_verbatim():
    request = operation()["requestBody"]["content"]["application/json"]["examples"]["seed"]["value"]
    assert request == {"job_ids": [298765, 298766]}
    response = operation()["responses"]["200"]["content"]["application/json"]["examples"]["seed"][
        "value"
    ]
    assert response["message_id"] == "CS.10001"
    assert response["current_time"] == 40000000
    job = response["payload"]["jobs"][0]
    assert job["metrics"]["sinks"][0]["name"] == "Source: KafKa_6070_KAFKA_SOURCE"
    assert (job["metrics"]["total_read_rate"], job["metrics"]["total_write_rate"]) == (100, 100)


def test_error_examples_cover_no_token_malformed_json_and_project_mismatch():
    media = operation()["responses"]["400"]["content"]["application/json"]
    codes = {value["error_id"] for value in _examples(media).values()}
    assert {"CS.10008", "CS.10004", "CS.10006"} <= codes


VALID_REQUESTS = [
    {"job_ids": [0]},
    {"job_ids": [INT64_MAX]},
    {"job_ids": list(range(1000))},
]
INVALID_REQUESTS = {
    "string id": {"job_ids": ["1"]},
    "float id": {"job_ids": [1.5]},
    "bool id": {"job_ids": [True]},
    "null id": {"job_ids": [None]},
    "past int64": {"job_ids": [2**63]},
    "negative": {"job_ids": [-1]},
    "empty list": {"job_ids": []},
    "too many ids": {"job_ids": list(range(1001))},
    "duplicates": {"job_ids": [1, 1]},
    "missing job_ids": {},
    "unknown field": {"job_ids": [1], "other": 1},
    "not a list": {"job_ids": 1},
    "not an object": [1],
}


@pytest.mark.parametrize("body", VALID_REQUESTS, ids=["zero", "int64 max", "1000 ids"])
def test_request_schema_accepts(body):
    validator("JobMetricsRequest").validate(body)


@pytest.mark.parametrize("body", INVALID_REQUESTS.values(), ids=INVALID_REQUESTS.keys())
def test_request_schema_rejects(body):
    assert not validator("JobMetricsRequest").is_valid(body)


def test_max_items_is_documented_and_bounded():
    job_ids = schemas()["JobMetricsRequest"]["properties"]["job_ids"]
    assert job_ids["minItems"] == 1
    assert job_ids["maxItems"] <= 10_000
    assert f"{job_ids['maxItems']:,}" in job_ids["description"]


def test_spec_is_one_file():
    """One document of the API; the spec package carries it as a link (the wheel, as a copy).
    The only other document is the stand-in's control API, another API (docs/stand-in.md)."""
    names = sorted(p.name for p in Path(ROOT / "openapi").iterdir())
    assert names == ["jobs-metrics.openapi.yaml", "stand-in.openapi.yaml"]
    carried = ROOT / "jobs_metrics_spec" / "jobs-metrics.openapi.yaml"
    assert carried.is_symlink()
    assert carried.resolve() == (ROOT / "openapi" / "jobs-metrics.openapi.yaml").resolve()


def test_every_rule_has_a_family_and_every_cs_code_its_name_and_suggestion():
    """What a tool needs of a rule is in the spec (issue 35): its family (the harness reads
    which rules are about credentials from it) and, for the CS error body, each code's
    error_name and error_suggestion (the server and the stand-in keep no table of their own)."""
    from jobs_metrics_spec import operations, spec_document

    families = {"request", "auth", "signature", "path", "headers", "body", "data", "answers",
                "gateway", "service"}  # fmt: skip
    cs, successor = operations(spec_document())
    for contract in (cs, successor):
        for rule in contract.rules:
            assert rule.family in families, (contract.operation_id, rule.id)
    own_codes = {r.error_id for r in cs.rules if r.error_id and not r.body}
    assert own_codes == set(cs.codes)
    provider = set(re.findall(r"^\| (CS\.\d{5}) \|", FACTS.read_text(), re.M))
    assert provider <= set(cs.codes)
    assert {r.id for r in cs.rules if r.about_credentials} >= {"token-missing", "token-unknown"}
    assert all(r.family == "signature" for r in successor.rules if r.error_id == "APIGW.0301")
