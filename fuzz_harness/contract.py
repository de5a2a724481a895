"""The contract as the harness enforces it: the spec's rules and limits, and its schemas.

Everything the harness enforces is read from the spec through :mod:`jobs_metrics_spec` (the
``x-contract`` rules with the exact status, ``error_id`` and level, and the limits); this
module adds validators for the component schemas the answers are held to. Nothing here is a
second copy of the spec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from jobs_metrics_spec import (
    SPEC_PATH,
    ContractRules,
    SignatureRules,
    load_document,
    operations,
    signature_rules,
    spec_document,
)

__all__ = [
    "Contract",
    "contract_at",
    "contract_of",
    "contracts_of",
    "default_contract",
    "default_contracts",
    "load_contract",
    "schema_validator",
]


@dataclass(frozen=True)
class Contract(ContractRules):
    """The operation's rules and limits (:class:`jobs_metrics_spec.ContractRules`), with the
    document they came from and validators for its schemas."""

    document: dict[str, Any] = field(default_factory=dict, repr=False)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

    def matches(self, path: str) -> bool:
        """Whether a request path (no query) is this operation's, any project."""
        pattern = re.escape(self.path).replace(re.escape("{project_id}"), "[^/]+")
        return re.fullmatch(pattern, path.split("?", 1)[0]) is not None

    @property
    def signature(self) -> SignatureRules:
        """How requests to a signed operation are signed (the spec's ``x-signature``)."""
        return signature_rules(self.document)

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
    return contract_of(load_document(path))


def contract_of(document: dict[str, Any], operation_id: str = "queryJobMetrics") -> Contract:
    """One operation's contract (the CS operation unless named)."""
    for contract in contracts_of(document):
        if contract.operation_id == operation_id:
            return contract
    raise KeyError(f"the spec has no operation {operation_id!r} with an x-contract")


def contracts_of(document: dict[str, Any]) -> tuple[Contract, ...]:
    """Every operation's contract, in the spec's order, sharing one set of validators."""
    validators: dict[str, Draft202012Validator] = {}
    return tuple(
        Contract(**{**vars(parsed), "document": document, "_validators": validators})
        for parsed in operations(document)
    )


def contract_at(path: str, contracts: Sequence[Contract] | None = None) -> Contract | None:
    """The operation a request path belongs to (the spec's own operations unless given)."""
    for contract in default_contracts() if contracts is None else contracts:
        if contract.matches(path):
            return contract
    return None


@cache
def default_contract() -> Contract:
    """The toolkit's own spec's CS operation, from the document the core has read once."""
    return default_contracts()[0]


@cache
def default_contracts() -> tuple[Contract, ...]:
    """Every operation of the toolkit's own spec (the CS operation first)."""
    return contracts_of(spec_document())
