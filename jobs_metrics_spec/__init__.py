"""The spec: the one hand-authored OpenAPI document and what its ``x-contract`` says.

This package is the core every other part takes the spec from (the fuzz engine, the server's
limits, the docs, lint, the benchmarks and the tests): the document's place, in a clone and in
an installed wheel alike (package data, never a repository root), the operation, the rules of
its ``x-contract`` with their levels and limits, and the Markdown table the docs and the README
render from them. It imports nothing of the toolkit's, and nothing heavy (no schemathesis):
``jobs-metrics version`` reads the spec through it alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from jobs_metrics_spec import aksk, demo
from jobs_metrics_spec.command_line import run_command_line
from jobs_metrics_spec.files import InputFileError, read_input_file

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
# The families of rules about credentials (``x-contract`` rules' ``family``).
CREDENTIAL_FAMILIES = frozenset({"auth", "signature"})


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
    # The answer's body when it is not the operation's error body (the gateway's throttling on
    # the CS operation): its schema, and the field of it holding the code.
    body: str | None = None
    code_field: str | None = None
    # What of a request the rule is about: request, auth, signature, path, headers, body,
    # data, answers, gateway, service.
    family: str = ""

    @property
    def about_credentials(self) -> bool:
        """A rule about who is asking (a token, or an AK/SK signature)."""
        return self.family in CREDENTIAL_FAMILIES

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
    """An operation's ``x-contract``: its rules and request limits, and the operation itself.

    Both operations of the spec are judged by the same checks; what differs between them is
    data read here: the path, the security scheme (a token or an AK/SK signature), where a
    200 body holds the job objects (``x-contract.answers.jobs``), which field of the error
    body holds the code (``answers.error_code``), the schemas of the answer and the error
    (the 200 and 400 responses), and the operation it replaces (``x-replaces``).
    """

    rules: tuple[Rule, ...]
    limits: Limits
    operation_id: str = "queryJobMetrics"
    path: str = METRICS_PATH
    method: str = METHOD
    security: str = "authToken"
    success_schema: str = "JobMetricsResponse"
    error_schema: str = "ErrorResponse"
    error_code_field: str = "error_id"
    jobs_pointer: tuple[str, ...] = ("payload", "jobs")
    replaces: str | None = None
    # The error body's name and suggestion of each code (``x-contract.codes``): code ->
    # (error_name, error_suggestion); empty for an error body without them.
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    # The document the operation was read from, and validators of its schemas (shared by the
    # operations of one document, built on first use).
    document: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _validators: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def path_pattern(self, project: str = "([^/]*)") -> str:
        """The operation's path as a regular expression, its ``{project_id}`` written as
        ``project`` (by default one group: a path segment, possibly empty): what the server
        routes by, the stand-in finds a sandbox's operation by, and :meth:`matches` uses."""
        return project.join(re.escape(part) for part in self.path.split("{project_id}"))

    def matches(self, path: str) -> bool:
        """Whether a request path (no query) is this operation's, any (non-empty) project."""
        return re.fullmatch(self.path_pattern("[^/]+"), path.split("?", 1)[0]) is not None

    @property
    def signature(self) -> SignatureRules:
        """How requests to a signed operation are signed (the spec's ``x-signature``)."""
        return signature_rules(self.document)

    def validator(self, schema_name: str) -> Any:
        """A JSON Schema validator (``jsonschema``'s Draft 2020-12) for
        ``components.schemas[schema_name]`` of the document, refs resolved."""
        cached = self._validators.get(schema_name)
        if cached is None:
            cached = self._validators[schema_name] = schema_validator(self.document, schema_name)
        return cached

    @property
    def signed(self) -> bool:
        """Requests carry an AK/SK signature (``akskSignature``), not a token."""
        return self.security == SIGNATURE_SCHEME

    def jobs_of(self, body: Any) -> Any:
        """The job list of a 200 body (None where the envelope has none)."""
        node = body
        for key in self.jobs_pointer:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    def body_of(self, rule: Rule) -> tuple[str, str]:
        """The schema of ``rule``'s answer body and its code's field: the rule's own, or the
        operation's error body."""
        return rule.body or self.error_schema, rule.code_field or self.error_code_field

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"the spec's x-contract has no rule {rule_id!r}")


# libyaml's loader where PyYAML was built with it (the wheels are): the same safe subset of
# YAML, parsed about ten times faster than the pure-Python loader (0.2 s for this spec).
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_document(path: Path = SPEC_PATH) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    return document


@cache
def spec_document() -> dict[str, Any]:
    """The toolkit's own spec, read once (callers must not change it)."""
    return load_document()


def contract_rules(document: dict[str, Any], operation_id: str | None = None) -> Contract:
    """One operation's ``x-contract`` (the spec's first, the CS operation, unless named)."""
    for contract in operations(document):
        if operation_id is None or contract.operation_id == operation_id:
            return contract
    raise KeyError(f"the spec has no operation {operation_id!r} with an x-contract")


def operations(document: dict[str, Any]) -> tuple[Contract, ...]:
    """Every operation with an ``x-contract``, in the spec's order, sharing one set of schema
    validators; a malformed one is an error."""
    found = []
    validators: dict[str, Any] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "x-contract" in operation:
                found.append(_operation(path, method, operation, document, validators))
    return tuple(found)


def load_contract(path: Path = SPEC_PATH) -> Contract:
    """Read a spec and its first operation's ``x-contract``."""
    return contract_rules(load_document(path))


def contract_at(path: str, contracts: tuple[Contract, ...] | None = None) -> Contract | None:
    """The operation a request path belongs to (the toolkit's own spec's unless given)."""
    for contract in spec_operations() if contracts is None else contracts:
        if contract.matches(path):
            return contract
    return None


def default_contract() -> Contract:
    """The toolkit's own spec's first operation (the CS one)."""
    return spec_operations()[0]


def schema_validator(document: dict[str, Any], name: str) -> Any:
    """A JSON Schema validator (Draft 2020-12, formats checked) for
    ``components.schemas[name]`` of ``document``, refs resolved. ``jsonschema`` is imported
    here, when a validator is first needed: ``jobs-metrics version`` never pays for it."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource: Any = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Any = Registry().with_resource("urn:spec", resource)
    return Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _schema_name(response: dict[str, Any]) -> str:
    ref: str = response["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def _operation(
    path: str,
    method: str,
    operation: dict[str, Any],
    document: dict[str, Any],
    validators: dict[str, Any],
) -> Contract:
    extension = operation["x-contract"]
    rules = tuple(_rule(item) for item in extension["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{operation['operationId']}: x-contract.rules: rule ids must be unique")
    limits = Limits(**{key: int(value) for key, value in extension["limits"].items()})
    answers = extension.get("answers") or {}
    (security,) = operation["security"][0]
    pointer = str(answers.get("jobs", "/payload/jobs"))
    return Contract(
        rules,
        limits,
        operation_id=operation["operationId"],
        path=path,
        method=method,
        security=security,
        success_schema=_schema_name(operation["responses"]["200"]),
        error_schema=_schema_name(operation["responses"]["400"]),
        error_code_field=str(answers.get("error_code", "error_id")),
        jobs_pointer=tuple(pointer.strip("/").split("/")),
        replaces=operation.get("x-replaces"),
        codes={
            str(code): (str(entry["name"]), str(entry["suggestion"]))
            for code, entry in (extension.get("codes") or {}).items()
        },
        document=document,
        _validators=validators,
    )


SIGNATURE_SCHEME = "akskSignature"


def project_id_pattern(document: dict[str, Any]) -> re.Pattern[str]:
    """The shape of a project ID (the ``ProjectId`` parameter's pattern), for ``fullmatch``:
    what the server checks in a path, the loader and ``serve`` in credentials, and the fuzz
    harness in its options, written once, in the spec."""
    pattern = str(document["components"]["parameters"]["ProjectId"]["schema"]["pattern"])
    return re.compile(pattern.removeprefix("^").removesuffix("$"))


@cache
def spec_project_ids() -> re.Pattern[str]:
    """:func:`project_id_pattern` of the toolkit's own spec, read on first use."""
    return project_id_pattern(spec_document())


@cache
def spec_operations() -> tuple[Contract, ...]:
    """:func:`operations` of the toolkit's own spec, read on first use."""
    return operations(spec_document())


@dataclass(frozen=True)
class SignatureRules:
    """``x-signature`` of the ``akskSignature`` scheme: what a signer and a verifier share."""

    algorithm: str
    date_header: str
    date_format: str
    content_hash_header: str
    max_skew_seconds: int
    required_signed_headers: tuple[str, ...]
    max_authorization_bytes: int


def signature_rules(document: dict[str, Any]) -> SignatureRules:
    """How AK/SK signatures are made and checked (the spec's ``x-signature``)."""
    data = document["components"]["securitySchemes"][SIGNATURE_SCHEME]["x-signature"]
    return SignatureRules(
        algorithm=str(data["algorithm"]),
        date_header=str(data["date_header"]),
        date_format=str(data["date_format"]),
        content_hash_header=str(data["content_hash_header"]),
        max_skew_seconds=int(data["max_skew_seconds"]),
        required_signed_headers=tuple(str(h).lower() for h in data["required_signed_headers"]),
        max_authorization_bytes=int(data["max_authorization_bytes"]),
    )


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
        body=item.get("body"),
        code_field=item.get("code_field"),
        family=str(item.get("family", "")),
    )


TABLE_MARKER = "<!-- x-contract: rendered table of the error rules -->"


def rules_markdown(contract: Contract) -> str:
    """The refusals of ``x-contract`` as a Markdown table (docs and README render this)."""
    field_name = contract.error_code_field
    lines = [f"| `{field_name}` | HTTP | when | level |", "| --- | --- | --- | --- |"]
    refusals = [rule for rule in contract.rules if rule.error_id]
    for rule in sorted(refusals, key=lambda r: (r.error_id or "", r.status or 0)):
        extra = "".join(f", `{name}: {value}`" for name, value in rule.headers.items())
        lines.append(f"| `{rule.error_id}` | {rule.status}{extra} | {rule.when} | {rule.level} |")
    return "\n".join(lines)


def with_rendered_rules(document: dict[str, Any]) -> dict[str, Any]:
    """The spec with ``TABLE_MARKER`` in an operation's descriptions replaced by the table of
    that operation's ``x-contract`` (:func:`rules_markdown`)."""

    def walk(node: Any, table: str) -> Any:
        if isinstance(node, dict):
            return {
                key: value.replace(TABLE_MARKER, table)
                if key == "description" and isinstance(value, str)
                else walk(value, table)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item, table) for item in node]
        return node

    result = dict(document)
    paths = dict(document["paths"])
    for contract in operations(document):
        item = dict(paths[contract.path])
        item[contract.method] = walk(item[contract.method], rules_markdown(contract))
        paths[contract.path] = item
    result["paths"] = paths
    return result


__all__ = [
    "CREDENTIAL_FAMILIES",
    "LEVELS",
    "METHOD",
    "METRICS_PATH",
    "MUST",
    "SHOULD",
    "SIGNATURE_SCHEME",
    "SPEC_PATH",
    "TABLE_MARKER",
    "YAML_LOADER",
    "Contract",
    "InputFileError",
    "Limits",
    "Rule",
    "SignatureRules",
    "aksk",
    "contract_at",
    "contract_rules",
    "default_contract",
    "demo",
    "load_contract",
    "load_document",
    "operations",
    "project_id_pattern",
    "read_input_file",
    "rules_markdown",
    "run_command_line",
    "schema_validator",
    "signature_rules",
    "spec_document",
    "spec_operations",
    "spec_project_ids",
    "with_rendered_rules",
]
