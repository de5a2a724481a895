"""One contender of the parsing benchmark, alone in this interpreter (``bench.parsing``).

``python -m bench.parse_one NAME FOLDER REPEAT`` reads ``ours.jsonl`` / ``theirs.jsonl``
(one answer's body a line) from FOLDER, imports only NAME's parser, times REPEAT parses
with the garbage collector on and REPEAT with it paused, and prints one JSON object. The
imports sit inside :func:`build` on purpose: the point is that no other contender's modules
are alive in this process.
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


def write_bodies(folder: Path, ours: list[bytes], theirs: list[bytes]) -> None:
    """One answer's body a line (``json.dumps`` writes no raw newline)."""
    (folder / "ours.jsonl").write_bytes(b"\n".join(ours))
    (folder / "theirs.jsonl").write_bytes(b"\n".join(theirs))


def read_bodies(folder: Path) -> tuple[list[bytes], list[bytes]]:
    return (
        (folder / "ours.jsonl").read_bytes().split(b"\n"),
        (folder / "theirs.jsonl").read_bytes().split(b"\n"),
    )


def build(name: str, ours: list[bytes], theirs: list[bytes]) -> Callable[[], int]:
    """The parse of ``name``: raw bodies in (one answer each), number of jobs parsed out."""
    if name == SDK:
        from huaweicloudsdkcore.client import Client as SdkClient
        from huaweicloudsdkdli.v1 import model as dli_model

        sdk = SdkClient()
        sdk.model_package = dli_model

        def sdk_parse(body: bytes) -> Any:
            return sdk.deserialize(_SdkHttpResponse(body), "ShowFlinkMetricResponse", None)

        return lambda: sum(len(sdk_parse(body).metrics.jobs) for body in theirs)
    if name == MODELS:
        from jobs_metrics_models import JobMetricsResponse
        from pydantic import TypeAdapter

        adapter = TypeAdapter(JobMetricsResponse)
        return lambda: sum(_count(adapter.validate_json(body).payload) for body in ours)
    if name == CLIENT:
        from jobs_metrics_client.models import JobMetricsResponse as ClientResponse

        return lambda: sum(
            _count(ClientResponse.from_dict(json.loads(body)).payload) for body in ours
        )
    if name == MSGSPEC:
        return _msgspec(ours)
    raise ValueError(name)


def _count(payload: Any) -> int:
    """The jobs of one parsed answer (each contender's payload type has ``jobs``)."""
    jobs = payload.jobs
    assert isinstance(jobs, list), "the benchmark's answers always carry their jobs"
    return len(jobs)


def _msgspec(ours: list[bytes]) -> Callable[[], int]:
    import msgspec

    from bench.msgspec_structs import Response

    decoder = msgspec.json.Decoder(Response)
    return lambda: sum(_count(decoder.decode(body).payload) for body in ours)


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
    fn = build(name, *read_bodies(folder))
    print(json.dumps(measure(fn, repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
