"""What the successor operation (``showFlinkMetric``) answers, read from the spec.

Every refusal's HTTP status and ``error_code`` is the one its ``x-contract`` rule names, looked
up here by rule id, so the server holds no second copy of the table; the skew window and the
headers that must be signed are ``x-signature`` of the ``akskSignature`` scheme. The success
envelope is checked once against the generated ``FlinkMetricResponse`` model, as the CS
operation's is against ``JobMetricsResponse``.
"""

from __future__ import annotations

from jobs_metrics_spec import contract_rules, signature_rules, spec_document
from reference_server.adapters import FLINK_RESPONSE
from reference_server.errors import DliCode

OPERATION_ID = "showFlinkMetric"
CONTRACT = contract_rules(spec_document(), OPERATION_ID)
SIGNATURE = signature_rules(spec_document())


def code_of(rule_id: str) -> DliCode:
    """The answer the successor's ``x-contract`` rule ``rule_id`` names."""
    rule = CONTRACT.rule(rule_id)
    if rule.status is None or rule.error_id is None:
        raise ValueError(f"{OPERATION_ID}: x-contract rule {rule_id} names no status and code")
    return DliCode(rule.error_id, rule.status)


INVALID_PARAMETER = code_of("body-schema-violation")  # 400 DLI.0001, every malformed request
SIGNATURE_FAILED = code_of("signature-wrong")  # 401 APIGW.0301, every signature failure
FORBIDDEN = code_of("key-other-project")  # 403 APIGW.0302
PATH_UNKNOWN = code_of("path-unknown")  # 404 APIGW.0101
METHOD_NOT_ALLOWED = code_of("method-not-allowed")  # 405 DLI.0007
INTERNAL = code_of("internal-error")  # 500 DLI.0999


def _envelope() -> tuple[bytes, bytes]:
    """The success body before and after the jobs, checked once against the generated model."""
    envelope = FLINK_RESPONSE.validate_python(
        {"is_success": True, "message": "", "metrics": {"jobs": []}}, extra="forbid"
    )
    template = FLINK_RESPONSE.dump_json(envelope, exclude_none=True)
    head, tail = template.split(b"[]", 1)
    if tail != b"}}":
        raise AssertionError(f"FlinkMetricResponse ends unexpectedly: {template!r}")
    return head + b"[", b"]" + tail


_HEAD, _TAIL = _envelope()


def render(jobs: list[bytes]) -> bytes:
    """The success body: DLI's envelope around the validated job objects, in request order."""
    return b"".join((_HEAD, b",".join(jobs), _TAIL))
