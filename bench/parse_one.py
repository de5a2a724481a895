"""One contender of the parsing benchmark, alone in this interpreter (``bench.parsing``).

``python -m bench.parse_one NAME FOLDER REPEAT`` reads ``ours.json`` / ``theirs.json`` from
FOLDER, imports only NAME's parser, times REPEAT parses with the garbage collector on and
REPEAT with it paused, and prints one JSON object. The imports sit inside :func:`build` on
purpose: the point is that no other contender's modules are alive in this process.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SDK = "provider SDK huaweicloudsdkdli (peer)"
MODELS = "generated pydantic models"
CLIENT = "generated client (attrs)"
MSGSPEC = "msgspec structs (practical limit)"
NAMES = (SDK, MODELS, CLIENT, MSGSPEC)


class _SdkHttpResponse:
    """What the SDK's deserializer reads from a ``requests`` response."""

    def __init__(self, body: bytes) -> None:
        self.content = body
        self.text = body.decode()
        self.headers = {"Content-Type": "application/json"}


def build(name: str, ours: bytes, theirs: bytes) -> Callable[[], int]:
    """The parse of ``name``: raw body in, number of jobs parsed out."""
    if name == SDK:
        from huaweicloudsdkcore.client import Client as SdkClient
        from huaweicloudsdkdli.v1 import model as dli_model

        sdk = SdkClient()
        sdk.model_package = dli_model
        return lambda: len(
            sdk.deserialize(_SdkHttpResponse(theirs), "ShowFlinkMetricResponse", None).metrics.jobs
        )
    if name == MODELS:
        from jobs_metrics_models import JobMetricsResponse
        from pydantic import TypeAdapter

        adapter = TypeAdapter(JobMetricsResponse)
        return lambda: len(adapter.validate_json(ours).payload.jobs)  # type: ignore[union-attr,arg-type]
    if name == CLIENT:
        from jobs_metrics_client.models import JobMetricsResponse as ClientResponse

        return lambda: len(ClientResponse.from_dict(json.loads(ours)).payload.jobs)  # type: ignore[union-attr,arg-type]
    if name == MSGSPEC:
        return _msgspec(ours)
    raise ValueError(name)


def _msgspec(ours: bytes) -> Callable[[], int]:
    import msgspec

    from bench.msgspec_structs import Response

    return lambda: len(msgspec.json.decode(ours, type=Response).payload.jobs)  # type: ignore[union-attr,arg-type]


def measure(fn: Callable[[], int], repeat: int) -> dict[str, Any]:
    jobs = fn()  # warm-up
    on: list[float] = []
    paused: list[float] = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        jobs = fn()
        on.append((time.perf_counter() - started) * 1000)
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            fn()
            paused.append((time.perf_counter() - started) * 1000)
        finally:
            gc.enable()
    return {
        "median_ms": statistics.median(on),
        "median_ms_gc_paused": statistics.median(paused),
        "jobs": jobs,
    }


def main(argv: list[str]) -> int:
    name, folder, repeat = argv[0], Path(argv[1]), int(argv[2])
    fn = build(name, (folder / "ours.json").read_bytes(), (folder / "theirs.json").read_bytes())
    print(json.dumps(measure(fn, repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
