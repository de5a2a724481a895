"""The contract as the spec writes it: the operation, its rules and limits, its schemas.

Everything the harness enforces is read from ``openapi/jobs-metrics.openapi.yaml``: the
``x-contract`` extension of the operation (rules with the exact status and ``error_id``,
and the limits), and the component schemas the answers are validated against. Nothing here
is a second copy of the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
# The one spec: openapi/ is the package `jobs_metrics_spec` of the toolkit (pyproject.toml maps
# it), found the same way in an editable clone and in an installed wheel. Looked up by name,
# not imported, because the folder's name differs from the package's (type checkers cannot
# follow that mapping).
SPEC_PATH = Path(str(files("jobs_metrics_spec") / "jobs-metrics.openapi.yaml"))
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
class Contract:
    """The operation's rules and limits, and validators for its schemas."""

    document: dict[str, Any]
    rules: tuple[Rule, ...]
    limits: Limits
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"the spec's x-contract has no rule {rule_id!r}")

    def validator(self, schema_name: str) -> Draft202012Validator:
        """A JSON Schema validator for ``components.schemas[schema_name]``, refs resolved."""
        cached = self._validators.get(schema_name)
        if cached is None:
            cached = self._validators[schema_name] = schema_validator(self.document, schema_name)
        return cached


def schema_validator(document: dict[str, Any], name: str) -> Draft202012Validator:
    """A JSON Schema validator for ``components.schemas[name]`` of ``document``, refs resolved."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    return Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def load_contract(path: Path = SPEC_PATH) -> Contract:
    """Read the spec and its ``x-contract``; a missing or malformed extension is an error."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return contract_of(document)


def contract_of(document: dict[str, Any]) -> Contract:
    extension = document["paths"][METRICS_PATH][METHOD]["x-contract"]
    rules = tuple(_rule(item) for item in extension["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ValueError("x-contract.rules: rule ids must be unique")
    limits = Limits(**{key: int(value) for key, value in extension["limits"].items()})
    return Contract(document=document, rules=rules, limits=limits)


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


@cache
def default_contract() -> Contract:
    return load_contract()


TABLE_MARKER = "<!-- x-contract: rendered table of the error rules -->"


def rules_markdown(contract: Contract) -> str:
    """The refusals of ``x-contract`` as a Markdown table (docs and README render this)."""
    lines = ["| `error_id` | HTTP | when | level |", "| --- | --- | --- | --- |"]
    refusals = [rule for rule in contract.rules if rule.error_id]
    for rule in sorted(refusals, key=lambda r: (r.error_id or "", r.status or 0)):
        extra = "".join(f", `{name}: {value}`" for name, value in rule.headers.items())
        lines.append(f"| `{rule.error_id}` | {rule.status}{extra} | {rule.when} | {rule.level} |")
    return "\n".join(lines)


def with_rendered_rules(document: dict[str, Any]) -> dict[str, Any]:
    """The spec with ``TABLE_MARKER`` in any description replaced by :func:`rules_markdown`."""
    table = rules_markdown(contract_of(document))

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
