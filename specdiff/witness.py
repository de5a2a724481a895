"""Instances that tell two schemas apart: the proof behind every narrowed or widened finding.

The keyword comparison (``schemas``) reads what a change *says*; this module checks what it
*does*. For one part of a message (a request or response body, a parameter, a header) it
builds candidate instances and asks a real Draft 2020-12 validator (jsonschema's
``Draft202012Validator``, the one the fuzz harness uses) whether each version accepts them.
An instance one version accepts and the other refuses is a :class:`Witness`; none found
among the instances tried proves nothing, but is what a claim of "rewritten, the same
values" rests on.

Candidates, in order (the search stops when both directions are proven or the budget is
spent):

* *skeletons*: an instance built from each version's schema, one per choice of ``oneOf`` /
  ``anyOf`` branch (and one matching every branch at once, for overlapping ``oneOf``),
  ``if``/``then`` or ``else``, with the required properties only or every property;
* a *seeded sample* of each version (random branches, optional properties, lengths, values
  within the bounds): ``random.Random(seed)``, so the same pair gets the same answer;
* *boundaries*, substituted into the skeletons wherever the two versions' schemas differ
  (deepest first): one value of every JSON type; both sides of every bound (``minimum``,
  lengths, counts, the ranges of the numeric formats); every ``enum``/``const`` value and a
  near miss; multiples of every ``multipleOf``; strings each ``pattern`` matches (generated
  from the expression) and near misses; a valid and an invalid value of each string
  ``format``; a property removed, added (declared by either version, or by neither), a
  dependency's trigger alone; arrays empty, at their bounds, with a duplicate.

How OpenAPI is read into JSON Schema for the validator (:func:`validation_schema`):
3.0's ``nullable`` and boolean ``exclusiveMinimum``; a ``discriminator`` asserts (the
property is required, its value one of the mapped names - ``mapping`` by short name or by
reference, and each branch's own component name - and a value selects its branch);
``readOnly`` properties do not travel in requests nor ``writeOnly`` ones in responses.
``format`` asserts as the generated models assert it: the numeric formats (``int32``,
``int64``, ``float``, ``double``) bound a number by their type's range and nothing else
(``type`` says whether it is an integer: ``{type: number, format: int64}`` is a pydantic
``confloat``, so ``1.5`` is one; ``{type: integer, format: double}`` a ``conint``), the
string formats as jsonschema's format checker does.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from specdiff.catalogue import Witness
from specdiff.normalize import SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, SUBSCHEMA_ONE
from specdiff.pointers import join
from specdiff.resolve import REF_KEY
from specdiff.rules import Side

SEED = 31
BUDGET = 400  # candidate instances per changed part, both versions checked for each
_DEPTH = 8  # how deep instances are built (a recursive schema stops here)
_SKELETON_CHOICES = 4
_SAMPLES = 12  # per version
_MAX_ARRAY = 1001  # arrays built up to this length (maxItems 1000 -> 1001 items tried)

Path = tuple[str | int, ...]

_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_FLOAT_LIMITS = {"float": 3.4028234663852886e38, "double": 1.7976931348623157e308}
# string format -> (a valid value, a near miss)
_FORMAT_SAMPLES = {
    "date": ("2024-01-31", "2024-02-30"),
    "date-time": ("2024-01-31T12:00:00Z", "2024-01-31 12:00"),
    "time": ("12:00:00Z", "25:00:00Z"),
    "email": ("a@example.com", "a.example.com"),
    "idn-email": ("a@example.com", "a.example.com"),
    "ipv4": ("192.0.2.1", "256.0.2.1"),
    "ipv6": ("2001:db8::1", "2001:db8::g"),
    "uuid": ("12345678-1234-5678-1234-567812345678", "12345678-1234"),
    "uri": ("https://example.com/a", "a b"),
    "uri-reference": ("/a", "\\\\"),
    "hostname": ("example.com", "-a-.com"),
    "duration": ("P1D", "1D"),
    "regex": ("^a$", "("),
}


@dataclass(frozen=True)
class Search:
    """What the search found: ``lost`` accepted by the old version only, ``gained`` by the
    new one only; ``tried`` instances checked against both; ``failed`` when a version is
    not a schema the validator can run (then nothing is decided here)."""

    lost: Witness | None
    gained: Witness | None
    tried: int
    failed: bool = False

    def witnesses(self) -> tuple[Witness, ...]:
        return tuple(w for w in (self.lost, self.gained) if w is not None)


# ---- OpenAPI as JSON Schema ----------------------------------------------------------------


def validation_schema(schema: Any, side: Side) -> Any:
    """``schema`` (``$ref`` s inlined) as the Draft 2020-12 schema a validator checks
    (the module docstring says how OpenAPI's keywords are read)."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict):
        return True  # not a schema (a broken document): anything
    node: dict[str, Any] = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in ("$ref", "discriminator", "nullable", "$dynamicRef"):
            continue  # an unresolved $ref (a cycle cut, another file): anything
        if key in SUBSCHEMA_MAPS and isinstance(value, dict):
            node[key] = {name: validation_schema(sub, side) for name, sub in value.items()}
        elif key in SUBSCHEMA_LISTS and isinstance(value, list):
            node[key] = [validation_schema(sub, side) for sub in value]
        elif key in SUBSCHEMA_ONE:
            node[key] = validation_schema(value, side)
        else:
            node[key] = value
    if schema.get("nullable") is True and "type" in node:
        kinds = [node["type"]] if isinstance(node["type"], str) else list(node["type"])
        node["type"] = [*kinds, "null"] if "null" not in kinds else kinds
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
    for bound in ("Minimum", "Maximum"):  # OpenAPI 3.0: exclusiveMinimum: true beside minimum
        flag = node.get(f"exclusive{bound}")
        if isinstance(flag, bool):
            del node[f"exclusive{bound}"]
            if flag and f"{bound.lower()}" in node:
                node[f"exclusive{bound}"] = node.pop(bound.lower())
    _travels(node, schema, side)
    _discriminator(node, schema, side)
    return node


def _travels(node: dict[str, Any], schema: dict[str, Any], side: Side) -> None:
    """A property that does not travel in this message (readOnly in a request, writeOnly in
    a response) is neither required nor sent."""
    flag = "readOnly" if side is Side.REQUEST else "writeOnly"
    hidden = {
        name
        for name, sub in (schema.get("properties") or {}).items()
        if isinstance(sub, dict) and sub.get(flag) is True
    }
    if not hidden:
        return
    node["properties"] = {k: v for k, v in node["properties"].items() if k not in hidden}
    node["properties"].update(dict.fromkeys(hidden, False))
    if isinstance(node.get("required"), list):
        node["required"] = [n for n in node["required"] if n not in hidden]


def _discriminator(node: dict[str, Any], schema: dict[str, Any], side: Side) -> None:
    """OpenAPI's discriminator as assertions: the property present, its value a known name,
    and each name selecting its branch (``mapping`` by short name or by reference, and each
    branch's own component name)."""
    found = schema.get("discriminator")
    keyword = "oneOf" if "oneOf" in schema else "anyOf"
    branches = schema.get(keyword)
    if not isinstance(found, dict) or not isinstance(branches, list):
        return
    name = found.get("propertyName")
    if not isinstance(name, str):
        return
    by_ref: dict[str, int] = {}
    for i, branch in enumerate(branches):
        ref = branch.get(REF_KEY) if isinstance(branch, dict) else None
        if isinstance(ref, str):
            by_ref[ref] = i
            by_ref.setdefault(ref.rsplit("/", 1)[-1], i)
    selects: dict[str, int] = {short: i for short, i in by_ref.items() if "/" not in short}
    for value, target in (found.get("mapping") or {}).items():
        index = by_ref.get(str(target), by_ref.get(str(target).rsplit("/", 1)[-1]))
        if index is not None:
            selects[str(value)] = index
    if not selects:
        return
    converted = node[keyword]
    rules: list[Any] = [{"required": [name]}, {"properties": {name: {"enum": sorted(selects)}}}]
    for value, index in sorted(selects.items()):
        rules.append({
            "if": {"properties": {name: {"const": value}}, "required": [name]},
            "then": converted[index],
        })  # fmt: skip
    node["allOf"] = [*node.get("allOf", []), *rules]


def unmapped_discriminator(schema: Any, depth: int = 0) -> bool:
    """Whether a discriminator in ``schema`` maps a name to a schema that is none of its
    ``oneOf``/``anyOf`` branches (the allOf-inheritance style, or a reference to another
    file): what that name selects is not in this schema, so no search decides it."""
    if isinstance(schema, list):
        return any(unmapped_discriminator(s, depth + 1) for s in schema)
    if not isinstance(schema, dict) or depth > 64:
        return False
    found = schema.get("discriminator")
    if isinstance(found, dict) and found.get("mapping"):
        branches = schema.get("oneOf", schema.get("anyOf"))
        refs: set[str] = set()
        for branch in branches if isinstance(branches, list) else []:
            ref = branch.get(REF_KEY) if isinstance(branch, dict) else None
            if isinstance(ref, str):
                refs |= {ref, ref.rsplit("/", 1)[-1]}
        if any(str(t) not in refs for t in found["mapping"].values()):
            return True
    return any(
        unmapped_discriminator(v, depth + 1)
        for k, v in schema.items()
        if k != "discriminator" and isinstance(v, dict | list)
    )


@functools.cache
def _format_checker() -> Any:
    """jsonschema's format checker, with the numeric formats as the generated models
    assert them (built on first use, never at import)."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)

    def integer_in(low: int, high: int) -> Any:
        def check(value: object) -> bool:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return True  # the format constrains numbers only
            return low <= value <= high  # a range, as the models assert (type says integer)

        return check

    def number_within(limit: float) -> Any:
        def check(value: object) -> bool:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return True
            return abs(value) <= limit

        return check

    for name, (low, high) in _INT_RANGES.items():
        checker.checkers[name] = (integer_in(low, high), ())
    for name, limit in _FLOAT_LIMITS.items():
        checker.checkers[name] = (number_within(limit), ())
    return checker


def validator(schema: Any, side: Side) -> Any:
    """A Draft 2020-12 validator of ``schema`` as OpenAPI means it, formats asserted."""
    return _validator_of(validation_schema(schema, side))


def _validator_of(converted: Any) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(converted, format_checker=_format_checker())


# ---- where the instance goes: schemas by instance location ---------------------------------


def applicable(schemas: list[Any], limit: int = 200) -> list[dict[str, Any]]:
    """Every schema object that applies in place to an instance validated by ``schemas``
    (composition branches, conditionals, ``not``, dependent schemas): what the boundaries
    are read from."""
    found: list[dict[str, Any]] = []
    stack = list(reversed(schemas))
    while stack and len(found) < limit:
        schema = stack.pop()
        if not isinstance(schema, dict):
            continue
        found.append(schema)
        inner: list[Any] = []
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                inner += schema[key]
        inner += [schema.get(k) for k in ("not", "if", "then", "else")]
        inner += list((schema.get("dependentSchemas") or {}).values())
        stack += reversed([s for s in inner if isinstance(s, dict)])
    return found


def child(schemas: list[Any], key: str | int) -> list[Any]:
    """The schemas that validate the property ``key`` (or the item at index ``key``)."""
    found: list[Any] = []
    for schema in applicable(schemas):
        if isinstance(key, str):
            properties = schema.get("properties") or {}
            if key in properties:
                found.append(properties[key])
                continue
            matched = False
            for pattern, sub in (schema.get("patternProperties") or {}).items():
                if _search(pattern, key):
                    found.append(sub)
                    matched = True
            if not matched:
                for extra in ("additionalProperties", "unevaluatedProperties"):
                    if isinstance(schema.get(extra), dict):
                        found.append(schema[extra])
        else:
            prefix = schema.get("prefixItems")
            if isinstance(prefix, list) and key < len(prefix):
                found.append(prefix[key])
            elif isinstance(schema.get("items"), dict):
                found.append(schema["items"])
            if isinstance(schema.get("contains"), dict):
                found.append(schema["contains"])
    return found


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except (re.error, TypeError):
        return False


def _strip(schemas: list[Any]) -> str:
    """The schemas at one location as compared for a difference (words left out)."""

    def bare(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: bare(v) for k, v in node.items() if not k.startswith("x-") and k not in _WORDS
            }
        if isinstance(node, list):
            return [bare(v) for v in node]
        return node

    return json.dumps([bare(s) for s in schemas], sort_keys=True, default=str)


def changed_paths(base: Any, head: Any, depth: int = _DEPTH) -> list[Path]:
    """Instance locations whose schemas differ between the versions, deepest first."""
    found: list[Path] = []

    def walk(old: list[Any], new: list[Any], path: Path) -> None:
        if len(path) > depth or _strip(old) == _strip(new):
            return
        found.append(path)
        names: dict[str, None] = {}
        indexes = 0
        for schema in applicable(old) + applicable(new):
            names.update(dict.fromkeys(schema.get("properties") or {}))
            prefix = schema.get("prefixItems")
            indexes = max(indexes, len(prefix) if isinstance(prefix, list) else 0)
            if "items" in schema or "contains" in schema:
                indexes = max(indexes, 1)
        for name in names:
            # A name one version does not declare (in an open object: anything) is tried by
            # adding the property with a value the other version builds, never with values
            # of every kind: an old client sends no undeclared property.
            old_child, new_child = child(old, name), child(new, name)
            if old_child and new_child:
                walk(old_child, new_child, (*path, name))
        for index in range(indexes):
            walk(child(old, index), child(new, index), (*path, index))

    walk([base], [head], ())
    return sorted(found, key=len, reverse=True)


# ---- building instances --------------------------------------------------------------------


class _Builder:
    """Builds an instance a schema likely accepts (the validator has the last word):
    ``choice`` picks composition branches and whether optional properties are sent;
    ``rng`` (seeded) varies lengths, branches and values for the random sample."""

    def __init__(self, rng: random.Random | None, choice: int, merge: bool = False) -> None:
        self.rng, self.choice, self.merge = rng, choice, merge

    def pick(self, count: int) -> int:
        return self.rng.randrange(count) if self.rng else self.choice % count

    def build(self, schemas: list[Any], depth: int = 0, index: int = 0) -> Any:
        chosen = self.chosen(schemas)
        if any(s is False for s in schemas) or depth > _DEPTH:
            return None
        facts = _Facts(chosen)
        if facts.const:
            return facts.const[0]
        if facts.enum:
            return facts.enum[(index + self.pick(len(facts.enum))) % len(facts.enum)]
        kind = facts.kind(self.pick)
        if kind == "object":
            return self.object(chosen, facts, depth)
        if kind == "array":
            return self.array(chosen, facts, depth)
        if kind == "string":
            return facts.string(self.rng, index)
        if kind in ("integer", "number"):
            return facts.number(kind == "integer", self.rng, index)
        if kind == "boolean":
            return bool(index % 2) if self.rng is None else self.rng.random() < 0.5
        return None

    def chosen(self, schemas: list[Any]) -> list[dict[str, Any]]:
        """The schemas an instance built here must satisfy: every allOf member, one branch
        of each oneOf/anyOf (or all, to match two oneOf branches), if+then or else."""
        found: list[dict[str, Any]] = []
        stack = list(reversed(schemas))
        while stack and len(found) < 100:
            schema = stack.pop()
            if not isinstance(schema, dict):
                continue
            found.append(schema)
            inner: list[Any] = list(schema.get("allOf") or [])
            for key in ("oneOf", "anyOf"):
                branches = schema.get(key)
                if isinstance(branches, list) and branches:
                    inner += branches if self.merge else [branches[self.pick(len(branches))]]
            if isinstance(schema.get("if"), dict):
                inner += (
                    [schema["if"], schema.get("then")]
                    if self.pick(2) == 0
                    else [schema.get("else")]
                )
            stack += reversed([s for s in inner if isinstance(s, dict)])
        return found

    def object(self, chosen: list[dict[str, Any]], facts: _Facts, depth: int) -> Any:
        names: dict[str, None] = {}
        for schema in chosen:
            names.update(dict.fromkeys(str(n) for n in schema.get("required") or []))
        optional: dict[str, None] = {}
        for schema in chosen:
            optional.update(dict.fromkeys(schema.get("properties") or {}))
        for name in optional:
            if name not in names and self.pick(2) == 1:
                names[name] = None
        for schema in chosen:  # a dependency's trigger brings what it requires
            for trigger, needed in (schema.get("dependentRequired") or {}).items():
                if trigger in names and isinstance(needed, list):
                    names.update(dict.fromkeys(str(n) for n in needed))
        while len(names) < facts.count("minProperties", 0):
            names[f"p{len(names)}"] = None
        return {name: self.build(child(chosen, name), depth + 1) for name in names}

    def array(self, chosen: list[dict[str, Any]], facts: _Facts, depth: int) -> Any:
        low = facts.count("minItems", 0)
        high = min(facts.count("maxItems", low + 3, larger=False), _MAX_ARRAY)
        prefix = max((len(s.get("prefixItems") or []) for s in chosen), default=0)
        length = min(max(low, 1, prefix if self.pick(2) else 0), high)
        if self.rng is not None:
            length = self.rng.randint(min(low, high), max(min(high, low + 3), low))
        items = []
        for i in range(length):
            items.append(self.build(child(chosen, i), depth + 1, index=i))
        return items


class _Facts:
    """What the chosen schemas say about one instance: types, values, bounds."""

    def __init__(self, chosen: list[dict[str, Any]]) -> None:
        self.chosen = chosen
        self.const = [s["const"] for s in chosen if "const" in s]
        enums = [s["enum"] for s in chosen if isinstance(s.get("enum"), list)]
        self.enum = [v for v in enums[0] if all(v in e for e in enums[1:])] if enums else []
        self.types: set[str] | None = None
        for schema in chosen:
            kind = schema.get("type")
            if kind is None:
                continue
            kinds = {kind} if isinstance(kind, str) else set(map(str, kind))
            if schema.get("nullable") is True:
                kinds.add("null")
            if "number" in kinds:
                kinds.add("integer")
            self.types = kinds if self.types is None else self.types & kinds

    def kind(self, pick: Any) -> str:
        keys = {k for s in self.chosen for k in s}
        hinted = [
            kind
            for kind, words in (
                ("object", {"properties", "required", "additionalProperties"}),
                ("array", {"items", "prefixItems", "minItems", "maxItems", "contains"}),
                ("string", {"pattern", "minLength", "maxLength", "format"}),
                ("integer", {"minimum", "maximum", "multipleOf"}),
            )
            if keys & words
        ]
        allowed = self.types
        for kind in hinted:
            if allowed is None or kind in allowed:
                return kind
        if allowed:
            order = ["object", "array", "string", "number", "integer", "boolean", "null"]
            options = [k for k in order if k in allowed]
            if "integer" in options and "number" in options:
                options.remove("integer")
            if options:
                return str(options[pick(len(options))])
        return "string"

    def count(self, keyword: str, absent: int, larger: bool = True) -> int:
        values = [s[keyword] for s in self.chosen if isinstance(s.get(keyword), int)]
        if not values:
            return absent
        return int(max(values) if larger else min(values))

    def bounds(self) -> tuple[float, float]:
        low, high = -math.inf, math.inf
        for s in self.chosen:
            for key, exclusive in (("minimum", False), ("exclusiveMinimum", True)):
                value = s.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    low = max(low, value + (1 if exclusive else 0))
            for key, exclusive in (("maximum", False), ("exclusiveMaximum", True)):
                value = s.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    high = min(high, value - (1 if exclusive else 0))
            found = s.get("format")
            if found in _INT_RANGES:
                low, high = max(low, _INT_RANGES[found][0]), min(high, _INT_RANGES[found][1])
        return low, high

    def number(self, integer: bool, rng: random.Random | None, index: int) -> Any:
        low, high = self.bounds()
        start = min(max(0, low), high)  # zero where the bounds allow it: a plain value
        if rng is not None and math.isfinite(low) and math.isfinite(high) and high > low:
            start = low + (high - low) * rng.random() ** 4
        step = Fraction(1)
        for s in self.chosen:
            multiple = s.get("multipleOf")
            if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple:
                step = _lcm(step, Fraction(str(multiple)))
        value = math.ceil(Fraction(start) / step) * step + index * step
        if value > high:
            value = math.floor(Fraction(high) / step) * step if math.isfinite(high) else value
        return int(value) if value.denominator == 1 else float(value)

    def string(self, rng: random.Random | None, index: int) -> str:
        text = "a"
        for s in self.chosen:
            if isinstance(s.get("pattern"), str):
                sampled = sample_pattern(s["pattern"], rng or random.Random(index), index == 0)
                if sampled is not None:
                    text = sampled
                    break
            if s.get("format") in _FORMAT_SAMPLES:
                text = _FORMAT_SAMPLES[s["format"]][0]
        low = self.count("minLength", 0)
        high = self.count("maxLength", max(len(text), low), larger=False)
        if len(text) < low:
            text += (text[-1:] or "a") * (low - len(text))
        return text[: max(high, 0)]


def _lcm(a: Fraction, b: Fraction) -> Fraction:
    num = a.numerator * b.numerator // math.gcd(a.numerator, b.numerator)
    return Fraction(num, math.gcd(a.denominator, b.denominator))


def sample_pattern(pattern: str, rng: random.Random, lowest: bool = False) -> str | None:
    """A string ``pattern`` likely matches, generated from the parsed expression (Python's
    ``re`` syntax; lookarounds and backreferences are left to the validator to judge):
    ``lowest`` takes the fewest repeats and the first character of each class."""
    import importlib

    parser: Any = importlib.import_module("re._parser")  # Python 3.11+: sre_parse, renamed
    try:
        parsed = parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    out: list[str] = []
    try:
        _emit(parsed, rng, lowest, out, parser)
    except (ValueError, RecursionError):
        return None
    return "".join(out)


def _emit(items: Any, rng: random.Random, lowest: bool, out: list[str], parser: Any) -> None:
    consts = parser._constants if hasattr(parser, "_constants") else parser
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_class_char(arg, rng, lowest, consts))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = low + 3 if high == consts.MAXREPEAT else high
            times = low if lowest else rng.randint(low, min(high, low + 3))
            for _ in range(times):
                _emit(sub, rng, lowest, out, parser)
        elif name == "SUBPATTERN":
            _emit(arg[-1], rng, lowest, out, parser)
        elif name == "ATOMIC_GROUP":
            _emit(arg, rng, lowest, out, parser)
        elif name == "BRANCH":
            alternatives = arg[1]
            _emit(alternatives[0 if lowest else rng.randrange(len(alternatives))], rng,
                  lowest, out, parser)  # fmt: skip
        elif name == "GROUPREF":
            raise ValueError("backreference")
        # AT (anchors), ASSERT, ASSERT_NOT: nothing to emit


def _class_char(items: Any, rng: random.Random, lowest: bool, consts: Any) -> str:
    chars: list[str] = []
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            chars += [chr(low), chr(high), chr((low + high) // 2)]
        elif name == "CATEGORY":
            category = str(arg)
            chars += {
                "CATEGORY_DIGIT": ["0", "7"],
                "CATEGORY_WORD": ["a", "Z", "5", "_"],
                "CATEGORY_SPACE": [" "],
                "CATEGORY_NOT_DIGIT": ["a"],
                "CATEGORY_NOT_WORD": ["-"],
                "CATEGORY_NOT_SPACE": ["a"],
            }.get(category, ["a"])
    if negate:
        for candidate in "a0Z_- .":
            if candidate not in chars:
                return candidate
        return "~"
    if not chars:
        return "a"
    return chars[0] if lowest else rng.choice(chars)


# ---- boundaries ----------------------------------------------------------------------------

_TYPE_PROBES: list[Any] = [None, True, 0, 1.5, "", "a", [], {}]


def probes(schemas: list[Any], rng: random.Random) -> list[Any]:
    """Values that sit on either side of what ``schemas`` (both versions' schemas at one
    location) say: the boundaries of every keyword (the module docstring lists them)."""
    found: list[Any] = list(_TYPE_PROBES)
    numbers: set[Fraction] = {Fraction(-1), Fraction(1)}
    lengths: set[int] = set()
    strings: list[str] = []
    for schema in applicable(schemas):
        values = [schema["const"]] if "const" in schema else []
        values += schema["enum"] if isinstance(schema.get("enum"), list) else []
        for value in values:
            found += [value, *_near(value)]
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            value = schema.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                numbers |= {Fraction(value) + d for d in (-1, 0, 1)}
                if abs(value) < 2**50:
                    numbers |= {Fraction(value) + Fraction(d, 2) for d in (-1, 1)}
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int | float) and not isinstance(multiple, bool) and multiple > 0:
            step = Fraction(str(multiple))
            numbers |= {step * k for k in (1, 2, 3, 4, 6, 8, 12)} | {step / 2, step * 3 / 2}
        found_format = schema.get("format")
        if found_format in _INT_RANGES:
            low, high = _INT_RANGES[found_format]
            numbers |= {Fraction(low - 1), Fraction(low), Fraction(high), Fraction(high + 1)}
        if found_format in _FLOAT_LIMITS:
            found += [_FLOAT_LIMITS[found_format], -_FLOAT_LIMITS[found_format]]
            if found_format == "float":
                found += [3.5e38, -3.5e38]
        if found_format in _FORMAT_SAMPLES:
            found += list(_FORMAT_SAMPLES[found_format])
        for key in ("minLength", "maxLength"):
            if isinstance(schema.get(key), int):
                lengths |= {max(schema[key] + d, 0) for d in (-1, 0, 1)}
        if isinstance(schema.get("pattern"), str):
            for lowest, seed in ((True, 0), (False, 1), (False, 2)):
                sampled = sample_pattern(schema["pattern"], random.Random(seed), lowest)
                if sampled is not None:
                    strings += [sampled, sampled.upper(), sampled + "!", sampled[1:]]
    for number in sorted(numbers):
        found.append(int(number) if number.denominator == 1 else float(number))
    for text in strings or ["a"]:
        found.append(text)
        for length in sorted(lengths):
            found.append((text + (text[-1:] or "a") * length)[:length])
    found.append(float(rng.randint(-(10**6), 10**6)) / 7)
    return found


def _near(value: Any) -> list[Any]:
    """A value just beside ``value`` (its near miss)."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int | float):
        return [value + 1, value - 1]
    if isinstance(value, str):
        return [value + "_", value.upper() if value.upper() != value else value.lower()]
    return []


# ---- the search ----------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _at(instance: Any, path: Path) -> Any:
    for key in path:
        listed = isinstance(key, int) and isinstance(instance, list) and key < len(instance)
        if listed or (isinstance(key, str) and isinstance(instance, dict) and key in instance):
            instance = instance[key]
        else:
            return _MISSING
    return instance


_MISSING = object()
_DONE = object()


def _replaced(instance: Any, path: Path, value: Any) -> Any:
    """``instance`` with the value at ``path`` replaced (a missing item or property added;
    ``_MISSING`` removes it); ``_MISSING`` when the path cannot be reached."""
    if not path:
        return value
    result = copy.deepcopy(instance)
    parent = _at(result, path[:-1])
    key = path[-1]
    if isinstance(key, int) and isinstance(parent, list):
        if value is _MISSING:
            if key < len(parent):
                del parent[key]
        elif key < len(parent):
            parent[key] = value
        else:
            parent.append(value)
        return result
    if isinstance(key, str) and isinstance(parent, dict):
        if value is _MISSING:
            parent.pop(key, None)
        else:
            parent[key] = value
        return result
    return _MISSING


def _object_variants(
    found: Any, path: Path, old: list[Any], new: list[Any], builder: _Builder
) -> Iterator[Any]:
    """The object at ``path`` with each property removed, each known one added (with a
    value each version builds), an unknown one added, a dependency's trigger alone."""
    if not isinstance(found, dict):
        return
    for name in list(found):
        yield {k: v for k, v in found.items() if k != name}
    names: dict[str, None] = {}
    for schema in applicable(old) + applicable(new):
        names.update(dict.fromkeys(schema.get("properties") or {}))
        for trigger, needed in (schema.get("dependentRequired") or {}).items():
            names[trigger] = None
            if isinstance(needed, list):
                for gone in needed:
                    yield {k: v for k, v in found.items() if k != gone}
    for name in names:
        for side in (old, new):
            yield {**found, name: builder.build(child(side, name))}
    yield {**found, "specdiff_extra": "x"}
    for count in _property_counts(old, new):
        padded = dict(found)
        for i in range(len(found), count):
            padded[f"specdiff_extra{i}"] = "x"
        yield padded if count >= len(found) else dict(list(found.items())[:count])
    for schema in applicable(old) + applicable(new):
        if isinstance(schema.get("propertyNames"), dict):
            for name in probes([schema["propertyNames"]], random.Random(0)):
                if isinstance(name, str):
                    yield {**found, name: found[next(iter(found))] if found else "x"}


def _property_counts(old: list[Any], new: list[Any]) -> list[int]:
    """Both sides of every ``minProperties``/``maxProperties`` (at most 50)."""
    counts: set[int] = set()
    for schema in applicable(old) + applicable(new):
        for key in ("minProperties", "maxProperties"):
            if isinstance(schema.get(key), int):
                counts |= {max(schema[key] + d, 0) for d in (-1, 0, 1)}
    return sorted(c for c in counts if c <= 50)


def _array_counts(old: list[Any], new: list[Any]) -> list[int]:
    """The lengths worth trying at an array location: both sides of every count bound;
    a long one (over 50) only where the versions' bounds differ (checking a thousand
    items for uniqueness costs as much as the rest of a search)."""
    sides: list[set[int]] = []
    for schemas in (old, new):
        counts: set[int] = set()
        for schema in applicable(schemas):
            for key in ("minItems", "maxItems", "minContains", "maxContains"):
                if isinstance(schema.get(key), int):
                    counts |= {max(schema[key] + d, 0) for d in (-1, 0, 1)}
        sides.append(counts)
    differ = sides[0] ^ sides[1]
    every = sides[0] | sides[1]
    return sorted(c for c in every if c <= _MAX_ARRAY and (c <= 50 or c in differ))


def _array_variants(found: Any, old: list[Any], new: list[Any]) -> Iterator[Any]:
    """The array at a location: empty, its first item twice, at the bounds of its length."""
    if not isinstance(found, list):
        return
    yield []
    if found:
        yield [found[0], found[0]]
        yield [*found, found[-1]]
    counts = _array_counts(old, new)
    if not counts:
        return
    builder = _Builder(None, 0)
    items = [builder.build(child(old, i), index=i) for i in range(min(max(counts), 4))]
    schemas = child(old, 4)
    items += [builder.build(schemas, index=i) for i in range(4, max(counts))]
    for count in counts:
        yield items[:count]
        yield found[:count] if len(found) >= count else found + items[len(found) : count]


def _candidates(base: Any, head: Any, side: Side, seed: int) -> Iterator[tuple[Any, Path]]:
    """Every candidate instance, and where it was varied, in the module docstring's order."""
    rng = random.Random(seed)
    skeletons: list[Any] = []
    for schema in (base, head):
        for choice in range(_SKELETON_CHOICES):
            skeletons.append(_Builder(None, choice).build([schema]))
        skeletons.append(_Builder(None, 1, merge=True).build([schema]))
    yield from ((s, ()) for s in skeletons)
    for _ in range(_SAMPLES):
        for schema in (base, head):
            yield _Builder(rng, 0).build([schema]), ()
    paths = changed_paths(base, head)
    bases = list({_canonical(s): s for s in skeletons}.values())
    for path in paths:
        old, new = child_at([base], path), child_at([head], path)
        values = probes(old + new, rng)
        builder = _Builder(None, 1)
        for skeleton in bases:
            here = _at(skeleton, path)
            if here is _MISSING and path:
                here = None
            for value in values:
                yield _replaced(skeleton, path, value), path
            for variant in _object_variants(here, path, old, new, builder):
                yield _replaced(skeleton, path, variant), path
            for variant in _array_variants(here, old, new):
                yield _replaced(skeleton, path, variant), path
            if path:
                yield _replaced(skeleton, path, _MISSING), path[:-1]


def child_at(schemas: list[Any], path: Path) -> list[Any]:
    for key in path:
        schemas = child(schemas, key)
    return schemas


def search(base: Any, head: Any, side: Side, seed: int = SEED, budget: int = BUDGET) -> Search:
    """Instances one version accepts and the other refuses, among at most ``budget``
    candidates (deterministic: the same ``seed``, the same instances, the same answer)."""
    # Candidates are built from the schemas as the validator reads them: a discriminator's
    # names, 3.0's nullable are keywords there.
    base, head = validation_schema(base, side), validation_schema(head, side)
    try:
        old, new = _validator_of(base), _validator_of(head)
        old.is_valid(None)
        new.is_valid(None)
    except Exception:  # not a schema jsonschema can run (a bad pattern, a wrong keyword)
        return Search(None, None, 0, failed=True)
    lost: Witness | None = None
    gained: Witness | None = None
    seen: set[str] = set()
    focus = _focus(base, head)
    candidates = _candidates(base, head, side, seed)
    while len(seen) < budget and not (lost and gained):
        try:
            candidate, where = next(candidates, (_DONE, ()))
        except Exception:
            # a schema the builder cannot read (a keyword of the wrong kind, a bug of the
            # builder): what was found stands, nothing found decides nothing, and the gate
            # answers on the keyword comparison rather than with a traceback
            return Search(lost, gained, len(seen), failed=not (lost or gained))
        if candidate is _DONE:
            break
        if candidate is _MISSING or _not_json(candidate):
            continue
        key = _canonical(candidate)
        if key in seen:
            continue
        seen.add(key)
        try:
            by_old, by_new = old.is_valid(candidate), new.is_valid(candidate)
        except Exception:  # a format checker or pattern that fails on this value
            continue
        if by_old and not by_new and lost is None:
            lost = Witness(candidate, "old", side.value, where or _reached(candidate, focus))
        elif by_new and not by_old and gained is None:
            gained = Witness(candidate, "new", side.value, where or _reached(candidate, focus))
    return Search(lost, gained, len(seen))


def _focus(base: Any, head: Any) -> Path:
    """The instance location every difference between the versions lies under."""
    paths = changed_paths(base, head)
    leaves = [p for p in paths if not any(len(q) > len(p) and q[: len(p)] == p for q in paths)]
    common: list[str | int] = []
    for keys in zip(*leaves, strict=False):
        if len(set(keys)) != 1:
            break
        common.append(keys[0])
    return tuple(common)


def _reached(instance: Any, path: Path) -> Path:
    """The longest part of ``path`` that ``instance`` has (where a witness is shown)."""
    for end in range(len(path), 0, -1):
        if _at(instance, path[:end]) is not _MISSING:
            return path[:end]
    return ()


def _not_json(value: Any) -> bool:
    """Values JSON cannot carry (infinity, NaN) are not messages."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_not_json(v) for v in value)
    if isinstance(value, dict):
        return any(_not_json(v) for v in value.values())
    return False


_WORDS = frozenset({
    "title", "description", "example", "examples", "$comment", "externalDocs", "xml",
    "default", "deprecated", "readOnly", "writeOnly",
})  # fmt: skip


def _without_words(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_words(v)
            for k, v in node.items()
            if not k.startswith("x-") and k not in _WORDS
        }
    if isinstance(node, list):
        return [_without_words(v) for v in node]
    return node


def same_meaning_as_written(base: Any, head: Any, side: Side) -> bool:
    """The two versions validate with the same schema, words aside: nothing to search."""
    old, new = validation_schema(base, side), validation_schema(head, side)
    return _canonical(_without_words(old)) == _canonical(_without_words(new))


def locate(base: Any, head: Any) -> tuple[tuple[str, ...], str | None]:
    """The schema location (tokens below the part's schema, in the head) of the deepest
    instance location whose schemas differ, followed through ``properties`` and ``items``
    as the head writes them; and the component it lies in when both versions reach it
    through the same ``$ref`` (one edit of a shared component is one finding)."""
    common = _focus(base, head)
    tokens: list[str] = []
    old, new = base, head
    source: str | None = None
    if isinstance(old, dict) and isinstance(new, dict) and old.get(REF_KEY) == new.get(REF_KEY):
        source = new.get(REF_KEY)
    for key in common:
        if not isinstance(new, dict):
            break
        if isinstance(key, str) and key in (new.get("properties") or {}):
            step: tuple[str, ...] = ("properties", key)
            new = new["properties"][key]
            old = (old.get("properties") or {}).get(key) if isinstance(old, dict) else None
        elif isinstance(key, int) and isinstance(new.get("items"), dict):
            step = ("items",)
            new = new["items"]
            old = old.get("items") if isinstance(old, dict) else None
        else:
            break
        tokens += step
        ref = new.get(REF_KEY) if isinstance(new, dict) else None
        if ref is not None and isinstance(old, dict) and old.get(REF_KEY) == ref:
            source = ref
        elif source is not None:
            source = join(source, *step)
    if isinstance(old, dict) and isinstance(new, dict):
        keys = {k for k in old.keys() | new.keys() if not k.startswith("x-") and k not in _WORDS}
        differ = sorted(k for k in keys if _canonical(old.get(k)) != _canonical(new.get(k)))
        if len(differ) == 1 and differ[0] not in ("properties", "items"):
            tokens.append(differ[0])
            source = join(source, differ[0]) if source is not None else None
    return tuple(tokens), source
