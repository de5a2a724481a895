"""One way to write what a schema allows, so that a rewrite is not read as a change.

Each schema node is brought to a normal form before its keywords are compared (the
comparison walks the children itself, so this works one level deep, plus the ``allOf``
members it merges):

* every spelling of nullable (3.0 ``nullable: true``, a type list with ``"null"``, an
  ``anyOf``/``oneOf`` of a schema and ``{type: "null"}``) becomes a type list with ``null``;
* ``allOf`` members are merged with the schema around them into one set of constraints where
  that is sound (bounds: the stricter; types, enums: the intersection; properties: the union,
  a closed member forbidding the properties it does not declare). A keyword the merge cannot
  express in one schema (two different patterns, two ``not``, ...) keeps the ``allOf``;
* an integer's exclusive bounds (and non-integer bounds) become the inclusive integer bound
  they imply: ``exclusiveMinimum: -1`` is ``minimum: 0``;
* ``required`` and type lists are sorted (their order means nothing).

(``enum`` of one value and ``const`` are compared as one set of values in ``effects``.)

The normal form keeps where each keyword was written (``ORIGIN_KEY``: keyword -> JSON
Pointer tokens relative to the node) so that a change is reported at the keyword as the
head spec writes it (``allOf/1/minimum``), and which rewrites were applied
(``REWRITES_KEY``), for the report of a proven refactor. No library does this for OpenAPI
3.1 schemas (jsonschema validates instances; it does not compare or simplify schemas).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

from specdiff.effects import FORMAT_WIDER, lower_bound, upper_bound
from specdiff.resolve import REF_KEY

ORIGIN_KEY = "x-specdiff-origin"
REWRITES_KEY = "x-specdiff-rewrites"

Tokens = tuple[str, ...]

ANNOTATIONS = frozenset({
    "title", "description", "example", "examples", "$comment", "externalDocs", "xml", "$defs",
    "definitions", "$schema", "$id", "$anchor",
})  # fmt: skip
# Annotations that do produce findings (compared where the schema is compared).
NOTED = frozenset({"default", "deprecated", "readOnly", "writeOnly"})
SUBSCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_ONE = (
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
)  # fmt: skip
# Keywords whose meaning depends on a sibling in the same schema: merged only from one part.
_BOUND_TO_SIBLINGS = frozenset({
    "if", "then", "else", "contains", "minContains", "maxContains", "prefixItems",
    "patternProperties", "unevaluatedItems", "additionalItems", "dependentSchemas",
    "dependentRequired", "propertyNames", "$dynamicRef", "$ref", "not",
})  # fmt: skip


class _CannotMerge(Exception):
    """The members' constraints cannot be written as one schema (the allOf stays)."""


def _is_meta(key: str) -> bool:
    return key.startswith("x-") or key == REF_KEY


def bare(schema: Any, top: bool = True) -> Any:
    """``schema`` without what no message depends on (titles, descriptions, examples,
    extensions, members of ``allOf`` that only annotate), to tell a rewrite from an edit
    of words. At the top, also the annotations compared on their own (``NOTED``)."""
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ANNOTATIONS or _is_meta(key) or (top and key in NOTED):
            continue
        if key in SUBSCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: bare(sub, False) for name, sub in value.items()}
        elif key in SUBSCHEMA_LISTS and isinstance(value, list):
            members = [bare(sub, False) for sub in value]
            if key == "allOf":
                members = [m for m in members if m != {}]
                if not members:
                    continue
            result[key] = members
        elif key in SUBSCHEMA_ONE:
            result[key] = bare(value, False)
        elif key == "required" and isinstance(value, list):
            result[key] = sorted(set(map(str, value)))
        else:
            result[key] = value
    return result


def comparable(schema: Any) -> Any:
    """A normalized schema as compared for equality: :func:`bare`, and ``enum`` of one
    value as ``const`` (the same set of values; ``effects`` compares them as one set)."""
    result = bare(schema)
    if isinstance(result, dict):
        values = result.get("enum")
        if isinstance(values, list) and len(values) == 1 and "const" not in result:
            result["const"] = result.pop("enum")[0]
        elif (
            isinstance(values, list)
            and "const" in result
            and any(_canonical(v) == _canonical(result["const"]) for v in values)
        ):
            del result["enum"]  # const within the enum: the const alone
        listed = [result["const"]] if "const" in result else result.get("enum")
        if isinstance(listed, list) and all(_matches(v, result.get("type")) for v in listed):
            result.pop("type", None)  # the values name their type
    return result


def origin(schema: dict[str, Any], keyword: str) -> Tokens:
    """Where ``keyword`` (or ``properties/NAME``) of a normalized schema is written."""
    tokens = tuple(schema.get(ORIGIN_KEY, {}).get(keyword, ()))
    return tokens or tuple(keyword.split("/", 1))


def normalize(schema: Any) -> Any:
    """The normal form of one schema node (see the module docstring); other values as is."""
    if not isinstance(schema, dict):
        return schema
    rewrites: list[str] = []
    origins: dict[str, Tokens] = {}
    node = dict(schema)
    node = _nullable(node, rewrites, origins)
    node = _null_branch(node, rewrites, origins)
    node = _const_branches(node, rewrites, origins)
    node = _typed_branches(node, rewrites, origins)
    node = _all_of(node, rewrites, origins)
    node = _integer_bounds(node, rewrites, origins)
    node = _unevaluated(node, rewrites, origins)
    _sort_lists(node)
    node[ORIGIN_KEY] = origins
    node[REWRITES_KEY] = rewrites
    return node


# ---- types -------------------------------------------------------------------------------

# "number" is integers and the other numbers; an intersection is computed on these atoms.
_ATOMS = {"number": {"integer", "fraction"}}


def _atoms(kind: Any) -> set[str]:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    result: set[str] = set()
    for k in kinds:
        result |= _ATOMS.get(str(k), {str(k)})
    return result


def _type_of(atoms: set[str]) -> str | list[str]:
    atoms = set(atoms)
    if {"integer", "fraction"} <= atoms:
        atoms -= {"integer", "fraction"}
        atoms.add("number")
    elif "fraction" in atoms:
        raise _CannotMerge("a number that is not an integer has no type name")
    names = sorted(atoms)
    return names[0] if len(names) == 1 else names


def _nullable(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """OpenAPI 3.0's ``nullable`` as a type list with ``null``; a one-type list as the type."""
    if "nullable" in node:
        nullable = node.pop("nullable")
        if nullable is True and "type" in node:
            node["type"] = _type_of(_atoms(node["type"]) | {"null"})
            rewrites.append("nullable: true as a type list with null")
            origins["type"] = ("type",)
            if isinstance(node.get("enum"), list) and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
    if isinstance(node.get("type"), list) and node["type"]:
        node["type"] = _type_of(_atoms(node["type"]))
    return node


def _only_null(branch: Any) -> bool:
    if not isinstance(branch, dict):
        return False
    rest = bare(branch)
    return rest in ({"type": "null"}, {"type": ["null"]}, {"const": None}, {"enum": [None]})


def _null_branch(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """``anyOf``/``oneOf`` of one schema and ``null`` (nothing else beside them but words)
    as that schema with ``null`` in its type (and enum)."""
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or len(branches) != 2:
            continue
        others = [k for k in node if k != keyword and k not in ANNOTATIONS and not _is_meta(k)]
        if any(k not in NOTED for k in others):
            continue
        nulls = [i for i, b in enumerate(branches) if _only_null(b)]
        if len(nulls) != 1 or not isinstance(branches[1 - nulls[0]], dict):
            continue
        index = 1 - nulls[0]
        inner = normalize(branches[index])
        if "type" not in inner:
            continue
        atoms = _atoms(inner["type"])
        if "null" in atoms:
            continue  # oneOf would refuse null (both match); anyOf: nothing to add
        merged = {k: v for k, v in inner.items() if k not in (ORIGIN_KEY, REWRITES_KEY)}
        merged["type"] = _type_of(atoms | {"null"})
        if isinstance(merged.get("enum"), list):
            merged["enum"] = [*merged["enum"], None]
        if "const" in merged:
            merged["enum"] = [merged.pop("const"), None]
        for key, value in node.items():
            if key != keyword and key not in (REF_KEY,):
                merged[key] = value
        if REF_KEY in node:
            merged[REF_KEY] = node[REF_KEY]
        prefix: Tokens = (keyword, str(index))
        for key, tokens in inner.get(ORIGIN_KEY, {}).items():
            origins[key] = prefix + tokens
        for key in inner:
            if not _is_meta(key):
                origins.setdefault(key, (*prefix, key))
        origins["type"] = (keyword,)  # the type list is spelled by the anyOf/oneOf itself
        for name in inner.get("properties") or {}:
            origins.setdefault(f"properties/{name}", (*prefix, "properties", name))
        rewrites += inner.get(REWRITES_KEY, [])
        rewrites.append(f"{keyword} with a null branch as a type list with null")
        return merged
    return node


def _const_branches(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """``oneOf``/``anyOf`` whose every branch lists values (``const``, ``enum``; the way to
    document each value) as one ``enum`` of the values they allow."""
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or not branches or "enum" in node or "const" in node:
            continue
        listed: list[Any] = []
        for branch in branches:
            rest = bare(branch)
            if not isinstance(rest, dict) or not rest or set(rest) - {"const", "enum", "type"}:
                break
            values = [rest["const"]] if "const" in rest else rest.get("enum")
            if not isinstance(values, list) or not all(
                _matches(v, rest.get("type")) for v in values
            ):
                break
            listed += values
        else:
            counts: dict[str, int] = {}
            for value in listed:
                counts[_canonical(value)] = counts.get(_canonical(value), 0) + 1
            # oneOf: a value two branches list matches both, so oneOf refuses it
            kept = [v for v in listed if keyword == "anyOf" or counts[_canonical(v)] == 1]
            unique = list({_canonical(v): v for v in kept}.values())
            node = {k: v for k, v in node.items() if k != keyword}
            node["enum"] = unique
            origins["enum"] = (keyword,)
            rewrites.append(f"{keyword} of listed values as one enum")
            return node
    return node


# The keywords that constrain only values of a type (JSON Schema 2020-12, section 6).
_OF_TYPE = {
    "string": {"minLength", "maxLength", "pattern", "format", "contentEncoding",
               "contentMediaType"},
    "number": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
               "format"},
    "array": {"items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains",
              "minContains", "maxContains", "unevaluatedItems"},
    "object": {"properties", "required", "additionalProperties", "patternProperties",
               "minProperties", "maxProperties", "propertyNames", "dependentRequired",
               "dependentSchemas", "unevaluatedProperties"},
}  # fmt: skip


def shares_type_of(base: dict[str, Any], head: dict[str, Any], keyword: str) -> bool:
    """Whether ``keyword`` constrains values of a type both schemas allow. A keyword of one
    type (``pattern``: strings) changes no value when only one side allows that type: the
    type's change is the finding then."""
    families = {f for f, keywords in _OF_TYPE.items() if keyword in keywords}
    if not families:
        return True
    every = {"integer", "fraction", "string", "array", "object"}
    old = _atoms(base["type"]) if "type" in base else every
    new = _atoms(head["type"]) if "type" in head else every
    both = {"number" if a in ("integer", "fraction") else a for a in old & new}
    return bool(families & both)


def _typed_branches(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """``anyOf``/``oneOf`` of branches of distinct types, each constrained only by keywords
    of its own types, as one schema with a type list: ``{type: [integer, string],
    minimum: 0, maxLength: 5}`` allows what ``anyOf: [{type: integer, minimum: 0}, {type:
    string, maxLength: 5}]`` does, since ``minimum`` ignores strings and ``maxLength``
    numbers (and with disjoint types, oneOf is anyOf)."""
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        others = [k for k in node if k != keyword and k not in ANNOTATIONS and not _is_meta(k)]
        if not isinstance(branches, list) or len(branches) < 2 or set(others) - NOTED:
            continue
        merged: dict[str, Any] = {}
        merged_origins: dict[str, Tokens] = {}
        seen: set[str] = set()
        for i, branch in enumerate(branches):
            inner = normalize(branch)
            if not isinstance(inner, dict) or "type" not in inner:
                break
            atoms = _atoms(inner["type"])
            families = {"number" if a in ("integer", "fraction") else a for a in atoms}
            allowed = set().union(*(_OF_TYPE.get(f, set()) for f in families))
            keys = [k for k in bare(inner) if k != "type"]
            if atoms & seen or set(keys) - allowed or set(keys) & set(merged):
                break
            seen |= atoms
            for key in keys:
                merged[key] = inner[key]
                merged_origins[key] = (keyword, str(i), *origin(inner, key))
            for name in inner.get("properties") or {}:
                merged_origins[f"properties/{name}"] = (
                    keyword, str(i), *origin(inner, f"properties/{name}")
                )  # fmt: skip
        else:
            result = {k: v for k, v in node.items() if k != keyword}
            result.update(merged)
            result["type"] = _type_of(seen)
            origins.update(merged_origins)
            origins["type"] = (keyword,)
            rewrites.append(f"{keyword} of branches of distinct types as a type list")
            return result
    return node


_JSON_TYPES: dict[str, Any] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _matches(value: Any, kind: Any) -> bool:
    """Whether ``value`` is of the JSON Schema ``type`` ``kind`` (absent: any)."""
    if kind is None:
        return True
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return any(_JSON_TYPES.get(str(k), lambda v: False)(value) for k in kinds)


# ---- allOf ---------------------------------------------------------------------------------


def _all_of(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    members = node.get("allOf")
    if not isinstance(members, list):
        return node
    parts: list[tuple[Tokens, dict[str, Any]]] = [
        ((), {k: v for k, v in node.items() if k != "allOf"})
    ]
    for i, member in enumerate(members):
        if member is True:
            continue
        if not isinstance(member, dict):
            return node
        parts.append((("allOf", str(i)), normalize(member)))
    try:
        merged, merged_origins = _merge(parts)
    except _CannotMerge:
        node["allOf"] = [normalize(m) for m in members]
        return node
    origins.update(merged_origins)
    for _, part in parts[1:]:
        rewrites += part.get(REWRITES_KEY, [])
    rewrites.append("allOf members merged into one set of constraints")
    return merged


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _merge(parts: list[tuple[Tokens, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, Tokens]]:
    """The conjunction of ``parts`` (prefix, schema) as one schema, or :class:`_CannotMerge`."""
    merged: dict[str, Any] = {}
    origins: dict[str, Tokens] = {}

    def where(prefix: Tokens, part: dict[str, Any], key: str) -> Tokens:
        return prefix + origin(part, key)

    holders: dict[str, list[tuple[Tokens, dict[str, Any]]]] = {}
    for prefix, part in parts:
        for key in part:
            if not _is_meta(key):
                holders.setdefault(key, []).append((prefix, part))
    outer = parts[0][1]
    if REF_KEY in outer:
        merged[REF_KEY] = outer[REF_KEY]
    for key, having in holders.items():
        if key in ("properties", "required", "additionalProperties", "unevaluatedProperties"):
            continue  # the object keywords, below
        if key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "enum", "const"):
            continue  # bounds and values, below
        first_prefix, first = having[0]
        values = [part[key] for _, part in having]
        if len(having) == 1 or all(_canonical(v) == _canonical(values[0]) for v in values):
            merged[key] = values[0]
        elif key in ANNOTATIONS or key in NOTED:
            merged[key] = values[0]  # words: the outermost
        elif key == "type":
            atoms = set.intersection(*(_atoms(v) for v in values))
            if not atoms:
                raise _CannotMerge("no type in common")
            merged[key] = _type_of(atoms)
        elif key in ("minLength", "minItems", "minProperties"):
            merged[key] = max(values)
            first_prefix, first = having[values.index(merged[key])]
        elif key in ("maxLength", "maxItems", "maxProperties"):
            merged[key] = min(values)
            first_prefix, first = having[values.index(merged[key])]
        elif key == "uniqueItems":
            merged[key] = any(values)
        elif key == "format":
            merged[key] = _narrower_format(values)
            first_prefix, first = having[values.index(merged[key])]
        elif key == "multipleOf":
            merged[key] = _common_multiple(values)
            first_prefix, first = having[values.index(merged[key])]
        elif key == "items":
            merged[key] = {"allOf": values}
        else:  # two patterns, two `not`, two oneOf: not one keyword
            raise _CannotMerge(key)
        if key in _BOUND_TO_SIBLINGS and len(having) > 1:
            raise _CannotMerge(key)
        origins[key] = where(first_prefix, first, key)
    _merge_bounds(parts, merged, origins, where)
    _merge_values(holders, merged, origins, where)
    _merge_object(parts, holders, merged, origins, where)
    return merged, origins


def _narrower_format(values: list[Any]) -> Any:
    for candidate in values:
        if all(v == candidate or candidate in FORMAT_WIDER.get(v, set()) for v in values):
            return candidate
    raise _CannotMerge("formats")


def _common_multiple(values: list[Any]) -> Any:
    for candidate in values:
        if all((Fraction(str(candidate)) / Fraction(str(v))).denominator == 1 for v in values):
            return candidate
    raise _CannotMerge("multipleOf")


def _merge_bounds(
    parts: list[tuple[Tokens, dict[str, Any]]],
    merged: dict[str, Any],
    origins: dict[str, Tokens],
    where: Any,
) -> None:
    """The stricter lower and upper bound, written as the part that set it wrote it."""
    for keywords, effective, stricter in (
        (("minimum", "exclusiveMinimum"), lower_bound, max),
        (("maximum", "exclusiveMaximum"), upper_bound, min),
    ):
        setting = [(prefix, part) for prefix, part in parts if any(k in part for k in keywords)]
        if not setting:
            continue
        prefix, part = stricter(setting, key=lambda pp: effective(pp[1]))
        for key in keywords:
            if key in part:
                merged[key] = part[key]
                origins[key] = where(prefix, part, key)


def _merge_values(
    holders: dict[str, list[tuple[Tokens, dict[str, Any]]]],
    merged: dict[str, Any],
    origins: dict[str, Tokens],
    where: Any,
) -> None:
    """``enum`` and ``const``: the values every part allows."""
    allowed: list[Any] | None = None
    source: tuple[Tokens, dict[str, Any], str] | None = None
    for key in ("enum", "const"):
        for prefix, part in holders.get(key, []):
            values = part[key] if key == "enum" else [part[key]]
            if not isinstance(values, list):
                raise _CannotMerge(key)
            if allowed is None:
                allowed = list(values)
            else:
                kept = {_canonical(v) for v in values}
                allowed = [v for v in allowed if _canonical(v) in kept]
            source = (prefix, part, key)
    if allowed is None or source is None:
        return
    if not allowed:
        raise _CannotMerge("no value in common")
    prefix, part, key = source
    if key == "const" and len(allowed) == 1:
        merged["const"] = allowed[0]
    else:
        merged["enum"] = allowed
    origins["const" if "const" in merged else "enum"] = where(prefix, part, key)


def _merge_object(
    parts: list[tuple[Tokens, dict[str, Any]]],
    holders: dict[str, list[tuple[Tokens, dict[str, Any]]]],
    merged: dict[str, Any],
    origins: dict[str, Tokens],
    where: Any,
) -> None:
    """Properties (the union; one named twice: both schemas), required (the union), and
    closed parts: ``additionalProperties: false`` in one part refuses every property the
    others add; ``unevaluatedProperties: false`` around the allOf closes the union."""
    properties: dict[str, Any] = {}
    for prefix, part in parts:
        for name, sub in (part.get("properties") or {}).items():
            if name in properties:
                properties[name] = {"allOf": [properties[name], sub]}
            else:
                properties[name] = sub
                origins[f"properties/{name}"] = where(prefix, part, f"properties/{name}")
    required = sorted({str(n) for _, part in parts for n in part.get("required") or []})
    closed = False
    for key in ("additionalProperties", "unevaluatedProperties"):
        for prefix, part in holders.get(key, []):
            if part[key] is True:
                continue
            if part[key] is not False or "patternProperties" in holders:
                raise _CannotMerge(key)  # a schema for the others, or names by pattern
            # unevaluatedProperties around the allOf sees every member's properties;
            # otherwise a closed part refuses every property it does not declare itself.
            if not (key == "unevaluatedProperties" and prefix == ()):
                for name in set(properties) - set(part.get("properties") or {}):
                    properties[name] = False
            closed = True
            origins["additionalProperties"] = where(prefix, part, key)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    if closed:
        merged["additionalProperties"] = False


# ---- integers ------------------------------------------------------------------------------


def _integer_bounds(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """An integer's bounds as the inclusive integer bounds they imply."""
    kind = node.get("type")
    if (
        kind is None
        or not (_atoms(kind) - {"null"}) <= {"integer"}
        or "integer" not in _atoms(kind)
    ):
        return node
    bounds = (
        ("minimum", "exclusiveMinimum", lower_bound, _lowest_integer),
        ("maximum", "exclusiveMaximum", upper_bound, _highest_integer),
    )
    for keyword, exclusive, effective, to_int in bounds:
        if keyword not in node and exclusive not in node:
            continue
        value, flag = effective(node)
        if isinstance(value, float) and math.isinf(value):
            continue
        bound = to_int(value, flag)
        exclusive_number = isinstance(node.get(exclusive), int | float) and not isinstance(
            node.get(exclusive), bool
        )
        written = node.get(keyword)
        if exclusive in node or not isinstance(written, int) or written != bound:
            how = (
                f"{exclusive} {node[exclusive]!r}" if exclusive_number else f"{keyword} {written!r}"
            )
            rewrites.append(f"{how} on an integer as {keyword} {bound}")
        if exclusive_number:
            origins[keyword] = origins.get(exclusive, (exclusive,))
        node.pop(exclusive, None)
        node[keyword] = bound
    return node


_APPLICATORS = ("allOf", "anyOf", "oneOf", "not", "if", "$ref", "$dynamicRef", "dependentSchemas")


def _unevaluated(
    node: dict[str, Any], rewrites: list[str], origins: dict[str, Tokens]
) -> dict[str, Any]:
    """``unevaluatedProperties: false`` where nothing but ``properties`` evaluates (no
    composition left after the allOf merge) is ``additionalProperties: false``."""
    if (
        node.get("unevaluatedProperties") is False
        and "additionalProperties" not in node
        and "patternProperties" not in node
        and not any(k in node for k in _APPLICATORS)
    ):
        del node["unevaluatedProperties"]
        node["additionalProperties"] = False
        origins.setdefault("additionalProperties", ("unevaluatedProperties",))
        rewrites.append("unevaluatedProperties: false as additionalProperties: false")
    return node


def _lowest_integer(value: float, exclusive: bool) -> int:
    return math.floor(value) + 1 if exclusive else math.ceil(value)


def _highest_integer(value: float, inclusive: bool) -> int:
    return math.floor(value) if inclusive else math.ceil(value) - 1


def _sort_lists(node: dict[str, Any]) -> None:
    if isinstance(node.get("required"), list):
        node["required"] = sorted({str(n) for n in node["required"]})
