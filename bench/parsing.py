"""Parsing a 10,000-job answer: generated models and client vs the provider's SDK and msgspec.

The same job objects in both envelopes: ours (``payload.jobs``) and the successor API's
(``metrics.jobs``) that the provider's official SDK (``huaweicloudsdkdli``) parses into
``ShowFlinkMetricResponse``. Each contender goes from the raw bytes of the HTTP body to its
objects, as its client does: the SDK through its own ``Client.deserialize`` (``json.loads``
with ``Decimal`` floats, then its model walker), our client through ``json.loads`` and
``from_dict``, the pydantic models through ``model_validate_json``, and msgspec (the
practical limit: typed structs decoded in C) through ``msgspec.json.decode``.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

JOBS = 10_000


def make_jobs(count: int = JOBS, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)

    def streams(prefix: str, job: int) -> list[dict[str, Any]]:
        return [
            {
                "name": f"{prefix}: KAFKA_{job}_{i}_{prefix.upper()}",
                "records": rng.randint(0, 2**40),
                "corrupted_records": rng.randint(0, 10_000),
            }
            for i in range(rng.randint(1, 2))
        ]

    return [
        {
            "job_id": job,
            "metrics": {
                "sources": streams("Source", job),
                "sinks": streams("Sink", job),
                "total_read_rate": round(rng.uniform(0, 1e5), 3),
                "total_write_rate": round(rng.uniform(0, 1e5), 3),
            },
        }
        for job in range(1, count + 1)
    ]


class Stream(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str | None = None
    records: int | None = None
    corrupted_records: int | None = None


class Metrics(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    sources: list[Stream] | None = None
    sinks: list[Stream] | None = None
    total_read_rate: float | None = None
    total_write_rate: float | None = None


class Job(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    job_id: int | None = None
    metrics: Metrics | None = None


class Payload(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    jobs: list[Job] | None = None


class Response(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    message_id: str | None = None
    message: str | None = None
    current_time: int | None = None
    payload: Payload | None = None


@dataclass(frozen=True)
class ParseResult:
    name: str
    median_ms: float
    median_ms_gc_paused: float
    jobs: int


def _time(fn: Callable[[], int], repeat: int, *, pause_gc: bool) -> tuple[float, int]:
    fn()  # warm-up
    times, jobs = [], 0
    for _ in range(repeat):
        gc.collect()
        if pause_gc:
            gc.disable()
        try:
            started = time.perf_counter()
            jobs = fn()
            times.append((time.perf_counter() - started) * 1000)
        finally:
            gc.enable()
    return statistics.median(times), jobs


class _SdkHttpResponse:
    """What the SDK's deserializer reads from a ``requests`` response."""

    def __init__(self, body: bytes) -> None:
        self.content = body
        self.text = body.decode()
        self.headers = {"Content-Type": "application/json"}


def contenders(jobs: list[dict[str, Any]]) -> tuple[dict[str, Callable[[], int]], int]:
    from huaweicloudsdkcore.client import Client as SdkClient
    from huaweicloudsdkdli.v1 import model as dli_model
    from jobs_metrics_client.models import JobMetricsResponse as ClientResponse
    from jobs_metrics_models import JobMetricsResponse

    ours = json.dumps(
        {"message_id": "CS.10001", "message": "ok", "current_time": 1, "payload": {"jobs": jobs}}
    ).encode()
    theirs = json.dumps({"is_success": True, "message": "ok", "metrics": {"jobs": jobs}}).encode()

    sdk = SdkClient()
    sdk.model_package = dli_model

    def sdk_parse() -> int:
        parsed = sdk.deserialize(_SdkHttpResponse(theirs), "ShowFlinkMetricResponse", None)
        return len(parsed.metrics.jobs)

    def models_parse() -> int:
        return len(JobMetricsResponse.model_validate_json(ours).payload.jobs)  # type: ignore[union-attr,arg-type]

    def client_parse() -> int:
        return len(ClientResponse.from_dict(json.loads(ours)).payload.jobs)  # type: ignore[union-attr,arg-type]

    def msgspec_parse() -> int:
        return len(msgspec.json.decode(ours, type=Response).payload.jobs)  # type: ignore[union-attr,arg-type]

    return {
        "provider SDK huaweicloudsdkdli (peer)": sdk_parse,
        "generated pydantic models": models_parse,
        "generated client (attrs)": client_parse,
        "msgspec structs (practical limit)": msgspec_parse,
    }, len(ours)


def run(repeat: int = 7) -> tuple[list[ParseResult], int]:
    jobs = make_jobs()
    table, size = contenders(jobs)
    results = []
    for name, fn in table.items():
        median, count = _time(fn, repeat, pause_gc=False)
        paused, _ = _time(fn, repeat, pause_gc=True)
        assert count == JOBS, (name, count)
        results.append(ParseResult(name, median, paused, count))
    return results, size
