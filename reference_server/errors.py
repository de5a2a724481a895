"""The provider's error contract: codes, names, suggestions and the error body.

Every failure is sent as the provider's ``ErrorResponse`` body (validated against the
generated model in the tests), with HTTP 400 as the provider does, except 404 for paths
outside the API and 405 for other methods on the documented path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from jobs_metrics_spec import contract_rules, spec_document


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One of the provider's common error codes."""

    error_id: str
    error_name: str
    suggestion: str


def _cs_code(rule_id: str) -> ErrorCode:
    """The code the CS operation's ``x-contract`` rule ``rule_id`` answers, with the name and
    suggestion its ``codes`` table gives it: written once, in the spec."""
    contract = contract_rules(spec_document())
    error_id = contract.rule(rule_id).error_id
    if error_id is None or error_id not in contract.codes:
        raise ValueError(f"x-contract: rule {rule_id} names no code of the codes table")
    name, suggestion = contract.codes[error_id]
    return ErrorCode(error_id, name, suggestion)


INTERNAL = _cs_code("internal-error")
INVALID_PARAMETER = _cs_code("body-schema-violation")
INVALID_JSON = _cs_code("json-malformed")
NO_PERMISSION = _cs_code("token-unknown")
PROJECT_MISMATCH = _cs_code("token-other-project")
TOKEN_MISSING = _cs_code("token-missing")


class ApiError(Exception):
    """A failure to answer with the provider's error body."""

    def __init__(self, code: ErrorCode, cause: str, status: int = 400) -> None:
        super().__init__(cause)
        self.code = code
        self.cause = cause
        self.status = status

    def body(self, now_ms: int | None = None) -> bytes:
        return error_body(self.code, self.cause, now_ms)


def error_body(code: ErrorCode, cause: str, now_ms: int | None = None) -> bytes:
    """Serialise the provider's error body, stamped with ``now_ms`` (the current time in ms
    unless given: the stand-in's sandboxes stamp it with their own clock)."""
    return orjson.dumps(
        {
            "error_id": code.error_id,
            "error_name": code.error_name,
            "error_cause": cause,
            "error_suggestion": code.suggestion,
            "error_time": time.time_ns() // 1_000_000 if now_ms is None else now_ms,
        }
    )


# Longest client-chosen text (a field name, a method) echoed in ``error_cause``: enough to
# recognise it, and an attacker's 500 KB key is not sent back whole.
ECHO_LIMIT = 64


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text``, cut to ``limit`` characters with a note of how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}...({len(text)} characters)"


def first_violation(exc: ValidationError, whole: str) -> str:
    """``field.path: message`` for the first schema violation; ``whole`` names the root.

    Field names come from the client (an unknown field's name is part of the path), so each
    is clipped to ``ECHO_LIMIT`` characters.
    """
    first = exc.errors(include_url=False)[0]
    location = ".".join(clip(str(part)) for part in first["loc"]) or whole
    return f"{location}: {first['msg']}"


# The successor operation (``showFlinkMetric``) answers with DLI's error body instead, each
# code with the HTTP status its ``x-contract`` rule names (read from the spec by
# ``reference_server.successor``).


@dataclass(frozen=True, slots=True)
class DliCode:
    """A DLI or API-gateway error code of the successor operation, with its HTTP status."""

    error_code: str
    status: int

    @property
    def from_gateway(self) -> bool:
        """The provider's API gateway (``APIGW.*``) answers these; its bodies carry a
        ``request_id``."""
        return self.error_code.startswith("APIGW.")


class DliError(Exception):
    """A failure of the successor operation, answered with the ``DliErrorResponse`` body."""

    def __init__(self, code: DliCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        return self.code.status

    def body(self, request_id: str) -> bytes:
        return dli_error_body(self.code, self.message, request_id)


def dli_error_body(code: DliCode, message: str, request_id: str) -> bytes:
    """Serialise DLI's error body; the gateway's own errors name the request."""
    body = {"error_code": code.error_code, "error_msg": message}
    if code.from_gateway:
        body["request_id"] = request_id
    return orjson.dumps(body)
