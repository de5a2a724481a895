"""The generated models and client parse the seed's example and round-trip every example."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobs_metrics_client.models import ErrorResponse as ClientError
from jobs_metrics_client.models import JobMetricsRequest as ClientRequest
from jobs_metrics_client.models import JobMetricsResponse as ClientResponse
from pydantic import BaseModel, ValidationError

import jobs_metrics_models as models
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
    parsed = models.JobMetricsResponse.model_validate_json(json.dumps(seed))
    assert parsed.payload is not None and parsed.payload.jobs is not None
    sink = parsed.payload.jobs[0].metrics.sinks[0]
    assert sink.name == "Source: KafKa_6070_KAFKA_SOURCE"
    client_parsed = ClientResponse.from_dict(seed)
    assert client_parsed.current_time == 40000000
    assert client_parsed.payload.jobs[0].metrics.total_write_rate == 100


@pytest.mark.parametrize(("schema", "name", "value"), examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_example_round_trips(schema, name, value):
    model: type[BaseModel] = getattr(models, schema)
    dumped = model.model_validate_json(json.dumps(value)).model_dump(mode="json", exclude_unset=True)
    assert dumped == value
    assert CLIENT_CLASSES[schema].from_dict(value).to_dict() == value


@pytest.mark.parametrize(
    "body",
    [{"job_ids": [2**63]}, {"job_ids": [-1]}, {"job_ids": []}, {"job_ids": list(range(1001))}, {"x": 1}],
    ids=["past int64", "negative", "empty", "too many", "unknown field"],
)
def test_models_keep_the_spec_constraints(body):
    with pytest.raises(ValidationError):
        models.JobMetricsRequest.model_validate(body)


def test_models_keep_count_bounds():
    with pytest.raises(ValidationError):
        models.StreamMetrics.model_validate({"records": -1})
    with pytest.raises(ValidationError):
        models.JobStreamMetrics.model_validate({"total_read_rate": -0.5})
