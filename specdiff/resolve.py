"""Inline local ``$ref`` s so that two specs compare by content, not by component names.

The references are looked up with ``referencing`` (the library jsonschema resolves with),
so JSON Pointer escapes and OpenAPI 3.1's JSON Schema dialect are handled as it does. The
inlining walk is ours: ``referencing`` resolves one reference at a time, it does not
produce a document without references.
"""

from __future__ import annotations

from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

MAX_DEPTH = 64
# Where an inlined schema came from: composition branches are paired by it (a `$ref` to
# `Dog` in both versions is the same branch even if Dog changed). No rule compares it.
REF_KEY = "x-specdiff-ref"
_URI = "urn:specdiff:document"
# JSON Schema keywords that constrain values: beside a $ref, they add to its target.
_CONSTRAINTS = frozenset({
    "type", "enum", "const", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "items",
    "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "properties",
    "patternProperties", "additionalProperties", "unevaluatedProperties", "minProperties",
    "maxProperties", "required", "allOf", "anyOf", "oneOf", "not", "nullable",
})  # fmt: skip


def _constrains(key: str, value: Any) -> bool:
    """A schema constraint (not a word, and not a field of another object a $ref may
    stand for: a parameter's boolean ``required``)."""
    return key in _CONSTRAINTS and (key != "required" or isinstance(value, list))


def resolve_refs(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with every local ``$ref`` replaced by what it points to.

    Siblings of a ``$ref`` (OpenAPI 3.1 allows ``description``) are kept over the target's;
    the reference itself is kept under ``REF_KEY``.
    A reference cycle is cut at ``MAX_DEPTH``, and a reference that cannot be resolved
    (another file, a wrong pointer) is left in place: both then compare as text.
    """
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    resolver = Registry().with_resource(_URI, resource).resolver(base_uri=_URI)

    def walk(node: Any, depth: int) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and depth < MAX_DEPTH:
                try:
                    target = walk(resolver.lookup(ref).contents, depth + 1)
                except (Unresolvable, TypeError, ValueError):  # a pointer through a list, ...
                    return {k: walk(v, depth) for k, v in node.items()}
                siblings = {k: walk(v, depth) for k, v in node.items() if k != "$ref"}
                if not isinstance(target, dict):
                    return target
                if any(_constrains(k, v) for k, v in siblings.items()):
                    # A constraint beside $ref applies with the target's (JSON Schema
                    # 2020-12), it does not replace it: both, as an allOf.
                    return {"allOf": [target], **siblings, REF_KEY: ref}
                return {**target, **siblings, REF_KEY: ref}
            return {k: walk(v, depth) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(item, depth) for item in node]
        return node

    resolved: dict[str, Any] = walk(document, 0)
    return resolved
