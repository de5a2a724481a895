"""The spec: the one hand-authored OpenAPI document and what its ``x-contract`` says.

This package is the core every other part takes the spec from (the fuzz engine, the server's
limits, the docs, lint, the benchmarks and the tests): the document's place, in a clone and in
an installed wheel alike (package data, never a repository root), the operation, the rules of
its ``x-contract`` with their levels and limits, and the Markdown table the docs and the README
render from them. It imports nothing of the toolkit's, and nothing heavy (no schemathesis):
``jobs-metrics version`` reads the spec through it alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

# The spec is openapi/jobs-metrics.openapi.yaml in the repository (the path tools and users
# know); this package carries it as package data (a link to it in a clone, a copy in a wheel).
# Resolved, so that in a clone tools see the path they know (lint exceptions bind to it).
SPEC_PATH = (Path(__file__).parent / "jobs-metrics.openapi.yaml").resolve()
METRICS_PATH = "/v1.0/{project_id}/jobs/metrics"
METHOD = "post"


# RFC 2119 levels of ``x-contract`` rules. ``must``: what the provider's contract and the spec's
# schemas require of every implementation (a run fails when one breaks). ``should``: hardening
# the spec recommends beyond that (a warning; a failure only in strict mode).
MUST, SHOULD = "must", "should"
LEVELS = (MUST, SHOULD)


@dataclass(frozen=True)
class Rule:
    """One rule of ``x-contract.rules``: a situation, the exact answer it gets, and its level."""

    id: str
    when: str
    status: int | None = None  # None: a rule about every answer (times, connections)
    error_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    untestable: str | None = None
    level: str = MUST
    level_reason: str = ""

    @property
    def expected(self) -> str:
        """The answer in words, as the reports print it."""
        parts = [f"HTTP {self.status}"] if self.status is not None else ["as described"]
        if self.error_id:
            parts.append(f"error_id {self.error_id}")
        parts += [f"{name}: {value}" for name, value in self.headers.items()]
        return ", ".join(parts)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_header_bytes: int


@dataclass(frozen=True)
class ContractRules:
    """An operation's ``x-contract``: its rules and its request limits."""

    rules: tuple[Rule, ...]
    limits: Limits

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"the spec's x-contract has no rule {rule_id!r}")


def load_document(path: Path = SPEC_PATH) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@cache
def spec_document() -> dict[str, Any]:
    """The toolkit's own spec, read once (callers must not change it)."""
    return load_document()


def contract_rules(document: dict[str, Any]) -> ContractRules:
    """The operation's ``x-contract``; a missing or malformed extension is an error."""
    extension = document["paths"][METRICS_PATH][METHOD]["x-contract"]
    rules = tuple(_rule(item) for item in extension["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ValueError("x-contract.rules: rule ids must be unique")
    limits = Limits(**{key: int(value) for key, value in extension["limits"].items()})
    return ContractRules(rules, limits)


def _rule(item: dict[str, Any]) -> Rule:
    """One rule; its level is required, so that no rule is a failure by accident of omission."""
    level = item.get("level")
    if level not in LEVELS or not item.get("level_reason"):
        raise ValueError(
            f"x-contract rule {item.get('id')!r}: `level` must be one of {', '.join(LEVELS)}"
            " and `level_reason` must say why"
        )
    status = item.get("status")
    return Rule(
        id=item["id"],
        when=item["when"],
        status=None if status is None else int(status),
        error_id=item.get("error_id"),
        headers=dict(item.get("headers") or {}),
        untestable=item.get("untestable"),
        level=level,
        level_reason=item["level_reason"],
    )


TABLE_MARKER = "<!-- x-contract: rendered table of the error rules -->"


def rules_markdown(contract: ContractRules) -> str:
    """The refusals of ``x-contract`` as a Markdown table (docs and README render this)."""
    lines = ["| `error_id` | HTTP | when | level |", "| --- | --- | --- | --- |"]
    refusals = [rule for rule in contract.rules if rule.error_id]
    for rule in sorted(refusals, key=lambda r: (r.error_id or "", r.status or 0)):
        extra = "".join(f", `{name}: {value}`" for name, value in rule.headers.items())
        lines.append(f"| `{rule.error_id}` | {rule.status}{extra} | {rule.when} | {rule.level} |")
    return "\n".join(lines)


def with_rendered_rules(document: dict[str, Any]) -> dict[str, Any]:
    """The spec with ``TABLE_MARKER`` in any description replaced by :func:`rules_markdown`."""
    table = rules_markdown(contract_rules(document))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: value.replace(TABLE_MARKER, table)
                if key == "description" and isinstance(value, str)
                else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(document)
    return result


__all__ = [
    "LEVELS",
    "METHOD",
    "METRICS_PATH",
    "MUST",
    "SHOULD",
    "SPEC_PATH",
    "TABLE_MARKER",
    "ContractRules",
    "Limits",
    "Rule",
    "contract_rules",
    "load_document",
    "rules_markdown",
    "spec_document",
    "with_rendered_rules",
]
