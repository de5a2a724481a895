"""A refusal names its ``x-contract`` rule; the spec says how each operation answers it.

Every check of a request raises one :class:`Refusal`: the id of the rule the request broke
and the cause in words. Which status, code and body that becomes is read from the spec for
the operation being answered (:class:`RuleAnswers`): the CS operation answers with the
provider's ``ErrorResponse`` (HTTP 400, 404 or 405, the code's name and suggestion from
``x-contract.codes``), its DLI successor with ``DliErrorResponse`` and the status its rule
names. So the checks are shared by both operations and hold no code, status or body, and the
stand-in answers a scripted rule with the same writer (:meth:`RuleAnswers.answer`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from jobs_metrics_spec import Contract, Rule


class Refusal(Exception):
    """A request refused under the ``x-contract`` rule ``rule_id``, for ``cause``; answered by
    the request's operation, or by ``operation_id`` where the request has none (a path off
    the API)."""

    def __init__(self, rule_id: str, cause: str, operation_id: str | None = None) -> None:
        super().__init__(cause)
        self.rule_id = rule_id
        self.cause = cause
        self.operation_id = operation_id


@dataclass(frozen=True, slots=True)
class Answer:
    """An error answer: its status, body, and the request ID it names (DLI's gateway)."""

    status: int
    body: bytes
    request_id: str | None = None


# The field of each error body that holds the code (``x-contract.answers.error_code``): what
# decides how a body is written. The CS body carries a name, a suggestion and a time; DLI's
# carries a message, and the gateway's a request ID.
CS_CODE_FIELD = "error_id"


class RuleAnswers:
    """How one operation answers each of its error rules, as its ``x-contract`` states."""

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self._rules = {rule.id: rule for rule in contract.rules if rule.error_id}

    def rule(self, rule_id: str) -> Rule:
        rule = self._rules.get(rule_id)
        if rule is None or rule.status is None:
            raise KeyError(f"{self.contract.operation_id}: x-contract has no error rule {rule_id}")
        return rule

    def answer(self, refusal: Refusal, now_ms: int, request_id: str) -> Answer:
        """The answer to ``refusal``: its rule's status and code, in the body the rule names
        (``request_id`` is used where that body carries one)."""
        rule = self.rule(refusal.rule_id)
        assert rule.status is not None
        assert rule.error_id is not None
        _, code_field = self.contract.body_of(rule)
        if code_field == CS_CODE_FIELD:
            name, suggestion = self.contract.codes[rule.error_id]
            body = error_body(rule.error_id, name, suggestion, refusal.cause, now_ms)
            return Answer(rule.status, body)
        gateway = from_gateway(rule.error_id)
        body = dli_error_body(rule.error_id, refusal.cause, request_id if gateway else None)
        return Answer(rule.status, body, request_id)


def from_gateway(code: str) -> bool:
    """The provider's API gateway answers ``APIGW.*`` codes; its bodies carry a request ID."""
    return code.startswith("APIGW.")


def error_body(code: str, name: str, suggestion: str, cause: str, now_ms: int | None) -> bytes:
    """Serialise the provider's CS error body, stamped with ``now_ms`` (the current time in
    ms unless given: the stand-in's sandboxes stamp it with their own clock)."""
    return orjson.dumps(
        {
            "error_id": code,
            "error_name": name,
            "error_cause": cause,
            "error_suggestion": suggestion,
            "error_time": time.time_ns() // 1_000_000 if now_ms is None else now_ms,
        }
    )


def dli_error_body(code: str, message: str, request_id: str | None) -> bytes:
    """Serialise DLI's error body; the gateway's own errors name the request."""
    body = {"error_code": code, "error_msg": message}
    if request_id is not None:
        body["request_id"] = request_id
    return orjson.dumps(body)


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
