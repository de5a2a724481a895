"""The generated models and client parse the seed's example and round-trip every example."""

from __future__ import annotations

import json
from typing import Any

import jobs_metrics_models as models
import pytest
from jobs_metrics_client.models import ErrorResponse as ClientError
from jobs_metrics_client.models import JobMetricsRequest as ClientRequest
from jobs_metrics_client.models import JobMetricsResponse as ClientResponse
from pydantic import TypeAdapter, ValidationError

from tests.support import METRICS_PATH, spec

OPERATION = spec()["paths"][METRICS_PATH]["post"]


def examples() -> list[tuple[str, str, dict[str, Any]]]:
    found = [
        ("JobMetricsRequest", name, ex["value"])
        for name, ex in OPERATION["requestBody"]["content"]["application/json"]["examples"].items()
    ]
    for status, schema in (("200", "JobMetricsResponse"), ("400", "ErrorResponse")):
        media = OPERATION["responses"][status]["content"]["application/json"]
        found += [(schema, name, ex["value"]) for name, ex in media["examples"].items()]
    return found


CLIENT_CLASSES: dict[str, Any] = {
    "JobMetricsRequest": ClientRequest,
    "JobMetricsResponse": ClientResponse,
    "ErrorResponse": ClientError,
}


def test_seed_example_parses_with_models_and_client():
    seed = OPERATION["responses"]["200"]["content"]["application/json"]["examples"]["seed"]["value"]
    parsed = TypeAdapter(models.JobMetricsResponse).validate_json(json.dumps(seed))
    assert parsed.payload is not None
    assert parsed.payload.jobs is not None
    sink = parsed.payload.jobs[0].metrics.sinks[0]
    assert sink.name == "Source: KafKa_6070_KAFKA_SOURCE"
    client_parsed = ClientResponse.from_dict(seed)
    assert client_parsed.current_time == 40000000
    assert client_parsed.payload.jobs[0].metrics.total_write_rate == 100


@pytest.mark.parametrize(
    ("schema", "name", "value"), examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_example_round_trips(schema, name, value):
    adapter = TypeAdapter(getattr(models, schema))
    dumped = adapter.dump_python(
        adapter.validate_json(json.dumps(value)), mode="json", exclude_none=True
    )
    assert dumped == value
    assert CLIENT_CLASSES[schema].from_dict(value).to_dict() == value


@pytest.mark.parametrize(
    "body",
    [
        {"job_ids": [2**63]},
        {"job_ids": [-1]},
        {"job_ids": []},
        {"job_ids": list(range(1001))},
        {"x": 1},
    ],
    ids=["past int64", "negative", "empty", "too many", "unknown field"],
)
def test_models_keep_the_spec_constraints(body):
    with pytest.raises(ValidationError):
        TypeAdapter(models.JobMetricsRequest).validate_python(body)


def test_models_keep_count_bounds():
    with pytest.raises(ValidationError):
        TypeAdapter(models.StreamMetrics).validate_python({"records": -1})
    with pytest.raises(ValidationError):
        TypeAdapter(models.JobStreamMetrics).validate_python({"total_read_rate": -0.5})


# An answer of a later minor version: one new field at every level of the response.
NEWER_ANSWER: dict[str, Any] = {
    "message_id": "CS.10001",
    "region": "eu-west-101",
    "payload": {
        "jobs": [
            {
                "job_id": 7,
                "owner": "team-a",
                "metrics": {
                    "sources": [{"name": "Source: in", "records": 3, "lag_ms": 12}],
                    "total_read_rate": 1.5,
                    "backpressure": "low",
                },
            }
        ],
        "next_page": None,
    },
}


def test_models_read_a_response_with_new_fields():
    """Tolerant reader: an additive (minor) change of the API does not break parsing."""
    parsed = TypeAdapter(models.JobMetricsResponse).validate_json(json.dumps(NEWER_ANSWER))
    job = parsed.payload.jobs[0]
    assert (job.job_id, job.metrics.sources[0].records, job.metrics.total_read_rate) == (7, 3, 1.5)
    error = dict(
        json.loads(
            json.dumps(
                OPERATION["responses"]["400"]["content"]["application/json"]["examples"][
                    "missingToken"
                ]["value"]
            )
        ),
        trace_id="abc",
    )
    assert TypeAdapter(models.ErrorResponse).validate_python(error).error_id == "CS.10008"


def test_models_parse_strictly_on_request():
    """Where the caller owns the data (the loader), unknown fields are refused on demand."""
    with pytest.raises(ValidationError, match=r"payload\.jobs\.0\.metrics\.sources\.0\.lag_ms"):
        TypeAdapter(models.JobMetricsResponse).validate_json(
            json.dumps(NEWER_ANSWER), extra="forbid"
        )


def test_models_are_slotted_dataclasses():
    """One object per instance for the garbage collector (see pyproject.toml's settings)."""
    job = TypeAdapter(models.JobMonitoringInfo).validate_python({"job_id": 1})
    assert not hasattr(job, "__dict__")
    with pytest.raises(ValidationError, match="unexpected_positional_argument"):
        models.JobMonitoringInfo(1)  # type: ignore[call-arg]  # keyword-only


def test_models_refuse_a_request_with_an_unknown_field():
    with pytest.raises(ValidationError, match="jobIds"):
        TypeAdapter(models.JobMetricsRequest).validate_json('{"job_ids": [1], "jobIds": [1]}')


def test_client_reads_a_response_with_new_fields():
    parsed = ClientResponse.from_dict(NEWER_ANSWER)
    job = parsed.payload.jobs[0]
    assert (job.job_id, job.metrics.sources[0].records, job.metrics.total_read_rate) == (7, 3, 1.5)


def test_client_request_model_cannot_carry_an_unknown_field():
    """The client's request model has no place for one: the constructor refuses it."""
    with pytest.raises(TypeError):
        ClientRequest(job_ids=[1], jobIds=[1])  # type: ignore[call-arg]
    assert not hasattr(ClientRequest(job_ids=[1]), "additional_properties")
    assert ClientRequest.from_dict({"job_ids": [1], "x": 1}).to_dict() == {"job_ids": [1]}
