"""The successor operation's (DLI's) 200 body, checked against the generated model.

Every refusal of either operation is written from the spec by :mod:`reference_server.errors`;
what remains specific to the successor is its success envelope, checked once (when the first
answer is written) against the generated ``FlinkMetricResponse`` model, as the CS
operation's is against ``JobMetricsResponse``.
"""

from __future__ import annotations

from functools import cache

from reference_server.adapters import FLINK_RESPONSE


@cache
def _envelope() -> tuple[bytes, bytes]:
    """The success body before and after the jobs, checked against the generated model."""
    envelope = FLINK_RESPONSE.validate_python(
        {"is_success": True, "message": "", "metrics": {"jobs": []}}, extra="forbid"
    )
    template = FLINK_RESPONSE.dump_json(envelope, exclude_none=True)
    head, tail = template.split(b"[]", 1)
    if tail != b"}}":
        raise AssertionError(f"FlinkMetricResponse ends unexpectedly: {template!r}")
    return head + b"[", b"]" + tail


def render(jobs: list[bytes]) -> bytes:
    """The success body: DLI's envelope around the validated job objects, in request order."""
    head, tail = _envelope()
    return b"".join((head, b",".join(jobs), tail))
