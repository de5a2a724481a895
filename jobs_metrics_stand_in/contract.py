"""What the stand-in reads from the spec: each operation's error rules and the exact answer
to each, the schemas a scripted 200 answer must meet, and which operation is deprecated.

Nothing here restates a fact of the spec: a scripted refusal's status, code and extra headers
are its ``x-contract`` rule's, and its body is written by the reference server's own error
writers (:func:`reference_server.error_body`, :func:`reference_server.dli_error_body`), in
the body the rule names (the gateway's throttling: the gateway's body on either operation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from types import MappingProxyType
from typing import Any

from jobs_metrics_spec import Contract, Rule, default_contract, operations, spec_document
from reference_server import Refusal, RuleAnswers, new_request_id

# The gateway's throttling: a rule of both operations (429 APIGW.0308, in the gateway's body).
THROTTLED_RULE = "throttled"
# The rule a request meets when it is answered 200 as asked (a spec rule id of both
# operations; checked at import of the registry, below).
ACCEPTED_RULE = "valid-request-accepted"
TOKEN_EXPIRED_RULE = "token-expired"


class ScriptError(ValueError):
    """A script entry, job or setting the stand-in refuses; the message is one line."""


@dataclass(frozen=True)
class Operation:
    """One operation of the spec as the stand-in uses it."""

    contract: Contract
    deprecated: bool
    path: re.Pattern[str]  # the operation's path, its project ID as group 1
    answers: RuleAnswers

    @property
    def id(self) -> str:
        return self.contract.operation_id

    @cached_property
    def error_rules(self) -> Mapping[str, Rule]:
        """The rules with an error answer (a status of 400 or more and a code), by id (read
        at every script entry added: once per test of a suite)."""
        return MappingProxyType(
            {
                rule.id: rule
                for rule in self.contract.rules
                if rule.status is not None and rule.status >= 400 and rule.error_id
            }
        )


@cache
def spec_operations() -> tuple[Operation, ...]:
    """Every operation with an ``x-contract``, read once."""
    document = spec_document()
    found = []
    for contract in operations(document):
        item = document["paths"][contract.path][contract.method]
        pattern = re.compile(contract.path_pattern())
        deprecated = bool(item.get("deprecated"))
        found.append(Operation(contract, deprecated, pattern, RuleAnswers(contract)))
    return tuple(found)


def operation(operation_id: str) -> Operation:
    for candidate in spec_operations():
        if candidate.id == operation_id:
            return candidate
    names = ", ".join(op.id for op in spec_operations())
    raise ScriptError(f"operation {operation_id!r} is not in the spec; use one of: {names}")


def operation_of_path(path: str) -> tuple[Operation | None, str | None]:
    """The operation whose path ``path`` is, and the project ID in it."""
    for candidate in spec_operations():
        match = candidate.path.fullmatch(path)
        if match:
            return candidate, match.group(1)
    return None, None


def project_of_path(path: str) -> str | None:
    """The project ID in a path that starts like the operations' paths (``/v1.0/{id}/...``):
    how a request without a sandbox credential finds its sandbox."""
    for candidate in spec_operations():
        prefix = candidate.contract.path.split("{project_id}", 1)[0]
        if path.startswith(prefix):
            return path[len(prefix) :].split("/", 1)[0] or None
    return None


def rules_for(rule_id: str, operation_id: str | None) -> dict[str, Rule]:
    """The error rule ``rule_id`` by operation id: of ``operation_id`` only, or of every
    operation that defines it. An id no (such) operation defines is refused, naming the
    valid ones."""
    chosen = [operation(operation_id)] if operation_id else list(spec_operations())
    found = {op.id: rules[rule_id] for op in chosen if rule_id in (rules := op.error_rules)}
    if not found:
        valid = sorted({rid for op in chosen for rid in op.error_rules})
        where = operation_id or "any operation"
        raise ScriptError(
            f"rule {rule_id!r} is not an error rule of {where}; valid: {', '.join(valid)}"
        )
    return found


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer: status, headers and body."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


JSON = (b"content-type", b"application/json")


def rule_answer(op: Operation, rule: Rule, now_ms: int) -> Answer:
    """The answer the spec states for ``rule`` of ``op``: the rule's status, code and headers,
    in the body the rule names (the operation's error body unless it says otherwise). The
    cause (message) is the rule's ``when``; a CS code's name and suggestion are the spec's
    (``x-contract.codes``)."""
    assert rule.error_id is not None
    headers = [JSON, *((k.lower().encode(), v.encode()) for k, v in rule.headers.items())]
    _, code_field = op.contract.body_of(rule)
    message = rule.when if code_field == "error_id" else _gateway_messages().get(rule.error_id)
    request_id = new_request_id()
    answer = op.answers.answer(Refusal(rule.id, message or rule.when), now_ms, request_id)
    if answer.request_id is not None:
        headers.append((b"x-request-id", request_id.encode()))
    return Answer(answer.status, tuple(headers), answer.body)


def throttled_answer(op: Operation) -> Answer:
    """The gateway's throttling answer: the ``throttled`` rule of ``op``."""
    return rule_answer(op, op.contract.rule(THROTTLED_RULE), 0)


@cache
def _gateway_messages() -> Mapping[str, str]:
    """The ``error_msg`` of the spec's examples of the gateway's body, by code (the gateway's
    own words, "The throttling threshold has been reached")."""
    found: dict[str, str] = {}
    for item in spec_document()["paths"].values():
        for response in (item.get("post") or {}).get("responses", {}).values():
            media = (response.get("content") or {}).get("application/json") or {}
            for example in (media.get("examples") or {}).values():
                value = example.get("value")
                if isinstance(value, dict) and "error_code" in value and "error_msg" in value:
                    found.setdefault(str(value["error_code"]), str(value["error_msg"]))
    return found


def schema_validator(name: str) -> Any:
    """A validator of ``components.schemas[name]`` of the spec (the core's, shared)."""
    return default_contract().validator(name)


def check_against(name: str, value: Any, what: str) -> None:
    """Refuse ``value`` unless it is valid against the spec's schema ``name``; the message
    names the first offending field."""
    error = next(iter(schema_validator(name).iter_errors(value)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or what
        raise ScriptError(f"{where}: {error.message[:200]} (schema {name})")
