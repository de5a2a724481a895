"""The contract as the harness enforces it: the spec's rules and limits, and its schemas.

Everything the harness enforces is read from the spec through :mod:`jobs_metrics_spec` (the
``x-contract`` rules with the exact status, ``error_id`` and level, and the limits); this
module adds validators for the component schemas the answers are held to. Nothing here is a
second copy of the spec.
"""

from __future__ import annotations

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
    contract_rules,
    load_document,
    spec_document,
)

__all__ = ["Contract", "contract_of", "default_contract", "load_contract", "schema_validator"]


@dataclass(frozen=True)
class Contract(ContractRules):
    """The operation's rules and limits (:class:`jobs_metrics_spec.ContractRules`), with the
    document they came from and validators for its schemas."""

    document: dict[str, Any] = field(default_factory=dict, repr=False)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict, repr=False)

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


def contract_of(document: dict[str, Any]) -> Contract:
    parsed = contract_rules(document)
    return Contract(document=document, rules=parsed.rules, limits=parsed.limits)


@cache
def default_contract() -> Contract:
    """The toolkit's own spec's contract, from the document the core has read once."""
    return contract_of(spec_document())
