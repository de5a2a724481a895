"""Responses: statuses (success and error told apart), response headers, and each shared
status' media types and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from specdiff.bodies import compare_content
from specdiff.catalogue import Change
from specdiff.evidence import compare_part
from specdiff.pairing import by_requiredness, pair, required, requiredness
from specdiff.pointers import join
from specdiff.rules import RuleId, Side


def status_rules(status: str) -> tuple[RuleId, RuleId]:
    """(removed, added) rules of a status: 1xx-3xx are successes, 4xx, 5xx and default
    errors (clients handle the two kinds differently, and so do servers)."""
    if status[:1] in ("1", "2", "3"):
        return RuleId.RESPONSE_SUCCESS_STATUS_REMOVED, RuleId.RESPONSE_SUCCESS_STATUS_ADDED
    return RuleId.RESPONSE_ERROR_STATUS_REMOVED, RuleId.RESPONSE_ERROR_STATUS_ADDED


def compare_responses(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    # YAML reads an unquoted `200:` as a number: `200` and `'200'` are the same status.
    paired = pair({str(k): v for k, v in base.items()}, {str(k): v for k, v in head.items()})
    for status, _ in paired.removed:
        yield Change(
            status_rules(status)[0], join(pointer, status), f"{label}: response {status} removed"
        )
    for status, _ in paired.added:
        yield Change(
            status_rules(status)[1], join(pointer, status), f"{label}: response {status} added"
        )
    for status, was, now in paired.common:
        at = join(pointer, status)
        yield from compare_response_headers(
            was.get("headers") or {}, now.get("headers") or {}, at, status
        )
        yield from compare_content(
            was, now, at, Side.RESPONSE, f"{label}: {status}", f"{status} response"
        )


def compare_response_headers(
    base: dict[str, Any], head: dict[str, Any], pointer: str, status: str
) -> Iterator[Change]:
    """Header names are case-insensitive: paired by their lower case, reported as the head
    (or, removed, the base) writes them."""
    paired = pair(
        {name.lower(): (name, h) for name, h in base.items()},
        {name.lower(): (name, h) for name, h in head.items()},
    )
    for _, (name, header) in paired.removed:
        rule = by_requiredness(
            header, RuleId.RESPONSE_HEADER_REMOVED_REQUIRED, RuleId.RESPONSE_HEADER_REMOVED_OPTIONAL
        )
        yield Change(
            rule, join(pointer, "headers", name), f"{status} response header {name} removed"
        )
    for _, (name, header) in paired.added:
        rule = by_requiredness(
            header, RuleId.RESPONSE_HEADER_ADDED_REQUIRED, RuleId.RESPONSE_HEADER_ADDED_OPTIONAL
        )
        yield Change(
            rule,
            join(pointer, "headers", name),
            f"new {requiredness(header)} {status} response header {name}",
        )
    for _, (_, was), (name, now) in paired.common:
        at = join(pointer, "headers", name)
        if required(was) != required(now):
            rule = by_requiredness(
                now, RuleId.RESPONSE_HEADER_BECAME_REQUIRED, RuleId.RESPONSE_HEADER_BECAME_OPTIONAL
            )
            yield Change(
                rule,
                join(at, "required"),
                f"{status} response header {name}: now {requiredness(now)}",
            )
        yield from compare_part(
            was.get("schema", True),
            now.get("schema", True),
            join(at, "schema"),
            Side.RESPONSE,
            f"{status} response header {name}",
        )
