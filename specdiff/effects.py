"""What a keyword's change does to the set of values it allows: widened, narrowed, both.

Each function takes the base and head schema (dicts, ``$ref`` s resolved) and returns an
:class:`Effect`, or ``None`` when the allowed set did not change (a bound rewritten as an
equal one, a pattern rewritten as an equivalent one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from specdiff.patterns import pattern_difference, same_strings
from specdiff.rules import Effect, Group

_W, _N, _C, _U = Effect.WIDENED, Effect.NARROWED, Effect.CHANGED, Effect.UNKNOWN

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string"})


def _when_both_present(
    old: Any, new: Any, both: Callable[[Any, Any], Effect | None]
) -> Effect | None:
    """A constraint's change: none when equal, dropped widens, added narrows, else ``both``
    compares the two values (``None`` stands for the constraint's absence)."""
    if old == new:
        return None
    if new is None:
        return _W
    if old is None:
        return _N
    return both(old, new)


def _subsets(old: frozenset[Any], new: frozenset[Any]) -> Effect:
    if old <= new:
        return _W
    if new <= old:
        return _N
    return _C


def of_sets(old: frozenset[Any] | None, new: frozenset[Any] | None) -> Effect | None:
    """Compare two sets of allowed values; ``None`` stands for "anything"."""
    return _when_both_present(old, new, _subsets)


def _type_set(schema: dict[str, Any]) -> frozenset[str] | None:
    kind = schema.get("type")
    if kind is None:
        return None
    kinds = {kind} if isinstance(kind, str) else set(kind)
    if schema.get("nullable") is True:  # OpenAPI 3.0
        kinds.add("null")
    # integer is a subset of number: {number} already holds every integer
    if "number" in kinds:
        kinds.discard("integer")
    return frozenset(kinds)


def types(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    old, new = _type_set(base), _type_set(head)
    if old == new:
        return None
    # Compare as sets of JSON values: "integer" is contained in "number".
    old_all = old if old is not None else ALL_TYPES
    new_all = new if new is not None else ALL_TYPES

    def covered(kinds: Iterable[str], by: frozenset[str]) -> bool:
        return all(k in by or (k == "integer" and "number" in by) for k in kinds)

    if covered(old_all, new_all) and not covered(new_all, old_all):
        return _W
    if covered(new_all, old_all) and not covered(old_all, new_all):
        return _N
    if covered(old_all, new_all):
        return None
    return _C


# format -> the formats whose values it contains (as JSON values).
FORMAT_WIDER = {
    "int64": {"int32"},
    # as ranges of JSON values (the generated models assert them so): every int32, int64
    # and float value is a double's; 1.5 is a double, not an int64
    "double": {"float", "int32", "int64"},
    "float": {"int32", "int64"},
    "uri-reference": {"uri"},
    "iri": {"uri"},
    "iri-reference": {"iri", "uri", "uri-reference"},
    "idn-email": {"email"},
    "idn-hostname": {"hostname"},
}


Check = Callable[[dict[str, Any], dict[str, Any]], Effect | None]


def constraint(keyword: str, both: Callable[[Any, Any], Effect | None]) -> Check:
    """A comparator for a keyword that only constrains: removed widens, added narrows, and
    ``both`` compares two different values present on both sides."""

    def compare(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
        return _when_both_present(base.get(keyword), head.get(keyword), both)

    return compare


def _formats(old: Any, new: Any) -> Effect:
    if old in FORMAT_WIDER.get(new, set()):
        return _W
    if new in FORMAT_WIDER.get(old, set()):
        return _N
    return _C


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _listed(schema: dict[str, Any]) -> frozenset[str] | None:
    """The values ``enum`` and ``const`` allow together (``None``: no list)."""
    sets = []
    if isinstance(schema.get("enum"), list):
        sets.append(frozenset(_canonical(v) for v in schema["enum"]))
    if "const" in schema:
        sets.append(frozenset({_canonical(schema["const"])}))
    return frozenset.intersection(*sets) if sets else None


def listed_values(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    """``enum`` and ``const`` as one set of values: ``enum: [x]`` and ``const: x`` are the
    same schema (the report names the keyword the head writes)."""
    return of_sets(_listed(base), _listed(head))


def lower_bound(schema: dict[str, Any]) -> tuple[float, bool]:
    """The effective lower bound as (value, exclusive); exclusive sorts above inclusive."""
    bounds = [(-math.inf, False)]
    if isinstance(schema.get("minimum"), int | float):
        exclusive = schema.get("exclusiveMinimum") is True  # OpenAPI 3.0's boolean form
        bounds.append((schema["minimum"], exclusive))
    exclusive_min = schema.get("exclusiveMinimum")
    if isinstance(exclusive_min, int | float) and not isinstance(exclusive_min, bool):
        bounds.append((exclusive_min, True))
    return max(bounds)


def upper_bound(schema: dict[str, Any]) -> tuple[float, bool]:
    """The effective upper bound as (value, inclusive); larger accepts more."""
    bounds = [(math.inf, True)]
    if isinstance(schema.get("maximum"), int | float):
        inclusive = schema.get("exclusiveMaximum") is not True
        bounds.append((schema["maximum"], inclusive))
    exclusive_max = schema.get("exclusiveMaximum")
    if isinstance(exclusive_max, int | float) and not isinstance(exclusive_max, bool):
        bounds.append((exclusive_max, False))
    return min(bounds)


def _ordered(old: Any, new: Any, larger_accepts_more: bool) -> Effect | None:
    if old == new:
        return None
    return _W if (new > old) == larger_accepts_more else _N


def minimum(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    return _ordered(lower_bound(base), lower_bound(head), larger_accepts_more=False)


def maximum(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    return _ordered(upper_bound(base), upper_bound(head), larger_accepts_more=True)


def counter(keyword: str) -> Check:
    """A comparator for minLength/maxLength/minItems/... (absent: 0 or unbounded)."""
    larger_accepts_more = keyword.startswith("max")
    absent = math.inf if larger_accepts_more else 0

    def compare(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
        return _ordered(base.get(keyword, absent), head.get(keyword, absent), larger_accepts_more)

    return compare


def _multiple_of(old: Any, new: Any) -> Effect:
    old_f, new_f = Fraction(str(old)), Fraction(str(new))
    if (old_f / new_f).denominator == 1:  # every multiple of old is a multiple of new
        return _W
    if (new_f / old_f).denominator == 1:
        return _N
    return _C


def unique_items(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    old, new = bool(base.get("uniqueItems")), bool(head.get("uniqueItems"))
    if old == new:
        return None
    return _N if new else _W


def _patterns(old: Any, new: Any) -> Effect | None:
    """Proven by the automata, or by an example string where they cannot tell: a string
    found in one direction proves it (the other, not found, is taken as empty)."""
    if not isinstance(old, str) or not isinstance(new, str):
        return _U
    found = pattern_difference(old, new)
    if found.lost and found.gained:
        return _C
    if found.lost:
        return _N
    if found.gained:
        return _W
    if found.lost is False and found.gained is False:
        return None
    return _U


def pattern_witness(old: Any, new: Any) -> str:
    """The example strings that prove a pattern change found by search, for the report."""
    if not isinstance(old, str) or not isinstance(new, str):
        return ""
    found = pattern_difference(old, new)
    shown = []
    if found.lost_example is not None:
        shown.append(f"{found.lost_example!r} matched the old pattern only")
    if found.gained_example is not None:
        shown.append(f"{found.gained_example!r} matches the new pattern only")
    if not shown:
        return ""
    unproven = "" if found.lost and found.gained else ", no example the other way"
    return f" (found by search: {'; '.join(shown)}{unproven})"


def _string_rule(schema: dict[str, Any]) -> tuple[str | None, int, int | None] | None:
    pattern, low, high = schema.get("pattern"), schema.get("minLength", 0), schema.get("maxLength")
    if pattern is not None and not isinstance(pattern, str):
        return None
    if not isinstance(low, int) or (high is not None and not isinstance(high, int)):
        return None
    return pattern, low, high


def same_strings_allowed(base: dict[str, Any], head: dict[str, Any]) -> bool:
    """Pattern and length bounds changed together but allow the same strings: a length a
    pattern implies (``maxLength: 32`` beside ``^[0-9a-f]{32}$``) added or dropped."""
    old, new = _string_rule(base), _string_rule(head)
    if old is None or new is None or old == new or (old[0] is None and new[0] is None):
        return False
    return same_strings(old, new)


def additional_properties(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    """Only the open/closed/schema shape; a schema on both sides is compared recursively."""
    old, new = base.get("additionalProperties", True), head.get("additionalProperties", True)
    old, new = (True if s == {} else s for s in (old, new))  # `{}` allows anything, as `true`
    if old == new or (isinstance(old, dict) and isinstance(new, dict)):
        return None
    rank = {True: 2, False: 0}
    old_rank = rank.get(old, 1) if not isinstance(old, dict) else 1
    new_rank = rank.get(new, 1) if not isinstance(new, dict) else 1
    if old_rank == new_rank:
        return None
    return _W if new_rank > old_rank else _N


def discriminator_mapping(base: dict[str, Any], head: dict[str, Any]) -> Effect | None:
    def values(schema: dict[str, Any]) -> frozenset[str] | None:
        discriminator = schema.get("discriminator")
        if not isinstance(discriminator, dict) or "mapping" not in discriminator:
            return None
        return frozenset(_canonical(item) for item in discriminator["mapping"].items())

    old, new = values(base), values(head)
    if old is None or new is None:
        return None  # a mapping added or removed as a whole is the branches' business
    return of_sets(old, new)


# keyword group -> comparator, in report order
formats = constraint("format", _formats)
multiple_of = constraint("multipleOf", _multiple_of)
patterns = constraint("pattern", _patterns)

VALUE_CHECKS: dict[Group, Check] = {
    Group.FORMAT: formats,
    Group.ENUM: listed_values,  # reported as `const` when the head (or base) writes const
    Group.MINIMUM: minimum,
    Group.MAXIMUM: maximum,
    Group.MULTIPLE_OF: multiple_of,
    Group.MIN_LENGTH: counter("minLength"),
    Group.MAX_LENGTH: counter("maxLength"),
    Group.PATTERN: patterns,
    Group.MIN_ITEMS: counter("minItems"),
    Group.MAX_ITEMS: counter("maxItems"),
    Group.UNIQUE_ITEMS: unique_items,
    Group.MIN_PROPERTIES: counter("minProperties"),
    Group.MAX_PROPERTIES: counter("maxProperties"),
    Group.ADDITIONAL_PROPERTIES: additional_properties,
    Group.DISCRIMINATOR_MAPPING: discriminator_mapping,
}

# The keyword a group's change is reported at.
KEYWORD: dict[Group, str] = {
    Group.TYPE: "type",
    Group.FORMAT: "format",
    Group.ENUM: "enum",
    Group.CONST: "const",
    Group.MINIMUM: "minimum",
    Group.MAXIMUM: "maximum",
    Group.MULTIPLE_OF: "multipleOf",
    Group.MIN_LENGTH: "minLength",
    Group.MAX_LENGTH: "maxLength",
    Group.PATTERN: "pattern",
    Group.MIN_ITEMS: "minItems",
    Group.MAX_ITEMS: "maxItems",
    Group.UNIQUE_ITEMS: "uniqueItems",
    Group.MIN_PROPERTIES: "minProperties",
    Group.MAX_PROPERTIES: "maxProperties",
    Group.ADDITIONAL_PROPERTIES: "additionalProperties",
    Group.DISCRIMINATOR_MAPPING: "discriminator",
}
