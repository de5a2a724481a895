"""Compare two schemas of one request or response part, keyword by keyword, recursively."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from specdiff import effects
from specdiff.catalogue import Change
from specdiff.normalize import (
    REWRITES_KEY,
    bare,
    comparable,
    normalize,
    origin,
    shares_type_of,
)
from specdiff.pointers import join
from specdiff.resolve import REF_KEY
from specdiff.rules import Effect, Group, RuleId, Side, value_rule

_BOOLEAN_SCHEMA_RANK = {False: 0, True: 2}  # a dict schema sits between the two


def compare_schema(base: Any, head: Any, pointer: str, side: Side, what: str) -> Iterator[Change]:
    """Every change between two resolved schemas; ``side`` is ``request`` or ``response``."""
    if isinstance(base, bool) or isinstance(head, bool):
        # A schema of words only (`{}`, `{description: ...}`) allows anything, as `true` does.
        base, head = (True if isinstance(s, dict) and not bare(s) else s for s in (base, head))
    if not isinstance(base, dict) or not isinstance(head, dict):
        if base != head:
            old = _BOOLEAN_SCHEMA_RANK.get(base, 1) if not isinstance(base, dict) else 1
            new = _BOOLEAN_SCHEMA_RANK.get(head, 1) if not isinstance(head, dict) else 1
            if old == new:  # not schemas at all (a broken document): compare as text
                return
            effect = Effect.WIDENED if new > old else Effect.NARROWED
            yield Change(
                value_rule(side, Group.SCHEMA, effect),
                pointer,
                f"{what}: schema {json.dumps(base)[:60]} -> {json.dumps(head)[:60]}",
            )
        return
    source = base.get(REF_KEY) if base.get(REF_KEY) == head.get(REF_KEY) else None
    normal = _compare_normal(base, head, normalize(base), normalize(head), pointer, side, what)
    for change in normal:
        if source and change.source is None and change.pointer.startswith(pointer):
            # Reached through a component both versions reference: one edit of it is one
            # finding however many places use it (``operations.one_entry_per_edit``).
            change = dataclasses.replace(change, source=source + change.pointer[len(pointer) :])
        yield change


def _compare_normal(
    raw_base: dict[str, Any],
    raw_head: dict[str, Any],
    base: dict[str, Any],
    head: dict[str, Any],
    pointer: str,
    side: Side,
    what: str,
) -> Iterator[Change]:
    """Two normalized schemas; ``raw_*`` as written, to tell a proven rewrite: the normal
    forms equal, the schemas as written not (words aside). It is one informational
    finding, and nothing below it is compared again."""
    if comparable(base) == comparable(head):
        yield from _annotations(base, head, pointer, side, what)
        if bare(raw_base) != bare(raw_head):
            rewrites = list(dict.fromkeys([*base[REWRITES_KEY], *head[REWRITES_KEY]]))
            if bare(base).get("enum") != bare(head).get("enum"):
                rewrites.append("enum of one value as const")
            yield Change(
                RuleId.SCHEMA_REWRITTEN,
                pointer,
                f"{what}: rewritten, the same values allowed ("
                + ("; ".join(rewrites) or "the same constraints, written otherwise")
                + ")",
            )
        return
    wrapped = _wrapping(base, head, pointer, side, what)
    if wrapped is not None:
        yield wrapped
        return
    yield from _values(base, head, pointer, side, what)
    yield from _annotations(base, head, pointer, side, what)
    yield from _composition(base, head, pointer, side, what)
    yield from _properties(base, head, pointer, side, what)
    if "items" in base or "items" in head:
        yield from compare_schema(
            base.get("items", True),
            head.get("items", True),
            join(pointer, *origin(head, "items")),
            side,
            f"{what}[]",
        )
    old_extra, new_extra = base.get("additionalProperties"), head.get("additionalProperties")
    if isinstance(old_extra, dict) and isinstance(new_extra, dict):
        yield from compare_schema(
            old_extra,
            new_extra,
            join(pointer, *origin(head, "additionalProperties")),
            side,
            f"{what}.*",
        )


def _wrapping(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, what: str
) -> Change | None:
    """A schema wrapped into a oneOf/anyOf beside new branches (or unwrapped from one): one
    change, not one per keyword that the wrapper no longer states at its top."""
    for keyword, group in (("oneOf", Group.ONE_OF), ("anyOf", Group.ANY_OF)):
        for inner, outer, effect in (
            (base, head, Effect.WIDENED),
            (head, base, Effect.NARROWED),
        ):
            branches = outer.get(keyword)
            if keyword in inner or not isinstance(branches, list):
                continue
            if {k: v for k, v in bare(outer).items() if k != keyword}:
                continue
            alone = bare(inner)
            if any(isinstance(b, dict) and bare(normalize(b)) == alone for b in branches):
                how = "wrapped into" if effect is Effect.WIDENED else "unwrapped from"
                return Change(
                    value_rule(side, group, effect),
                    join(pointer, *origin(head, keyword)) if outer is head else join(pointer),
                    f"{what}: {how} {keyword} with {len(branches) - 1} other branch(es), "
                    f"{effect.value}",
                )
    return None


def _shown(schema: dict[str, Any], keyword: str) -> str:
    return json.dumps(schema.get(keyword)) if keyword in schema else "(none)"


# format -> (lowest, highest) value of the type it declares
_FORMAT_RANGE = {"int64": (-(2**63), 2**63 - 1), "int32": (-(2**31), 2**31 - 1)}


def _range_narrowed(base: dict[str, Any], head: dict[str, Any], group: Group) -> bool:
    """A response integer's declared range narrowed: a bound that was its format's own
    limit (stated or implied) moved inside it. (A narrowed format is a rule of its own.)"""
    if "integer" not in str(base.get("type")) or base.get("format") not in _FORMAT_RANGE:
        return False
    low, high = _FORMAT_RANGE[base["format"]]
    if group is Group.MAXIMUM:
        return base.get("maximum", high) == high and "exclusiveMaximum" not in base
    if group is Group.MINIMUM:
        return base.get("minimum", low) == low and "exclusiveMinimum" not in base
    return False


def _values(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, what: str
) -> Iterator[Change]:
    effect = effects.types(base, head)
    if effect is not None:
        message = (
            f"{what}: type {_shown(base, 'type')} -> {_shown(head, 'type')}"
            + (" (nullable)" if head.get("nullable") or base.get("nullable") else "")
            + f", {effect.value}"
        )
        at = join(pointer, *origin(head, "type")) if "type" in head else join(pointer, "type")
        yield Change(value_rule(side, Group.TYPE, effect), at, message)
    same_strings = effects.same_strings_allowed(base, head)
    for group, check in effects.VALUE_CHECKS.items():
        if same_strings and group in (Group.PATTERN, Group.MIN_LENGTH, Group.MAX_LENGTH):
            continue  # together they allow the same strings as before
        if not shares_type_of(base, head, effects.KEYWORD[group]):
            continue  # e.g. a pattern added beside a new string type: no old value affected
        effect = check(base, head)
        if effect is None:
            continue
        keyword = effects.KEYWORD[group]
        if group is Group.ENUM and ("const" in head or ("const" in base and "enum" not in head)):
            group, keyword = Group.CONST, "const"  # one set of values, named as the spec writes it
        if group in (Group.MINIMUM, Group.MAXIMUM):
            candidates = [keyword, "exclusive" + keyword[0].upper() + keyword[1:]]
            shown = [k for k in candidates if k in head or k in base]
            keyword = next((k for k in shown if k in head), shown[0] if shown else keyword)
            old = ", ".join(f"{k} {_shown(base, k)}" for k in candidates if k in base)
            new = ", ".join(f"{k} {_shown(head, k)}" for k in candidates if k in head)
            detail = f"{old or '(none)'} -> {new or '(none)'}"
        else:
            detail = f"{keyword} {_shown(base, keyword)} -> {_shown(head, keyword)}"
        if effect is Effect.UNKNOWN:
            detail += (
                " (not comparable as automata: unsupported syntax, or over the time budget;"
                " no example either way found by search)"
            )
        if group is Group.PATTERN:
            detail += effects.pattern_witness(base.get("pattern"), head.get("pattern"))
        rule = value_rule(side, group, effect)
        if (
            side is not Side.REQUEST
            and effect is Effect.NARROWED
            and _range_narrowed(base, head, group)
        ):
            rule = RuleId.RESPONSE_INTEGER_RANGE_NARROWED
        at = join(pointer, *origin(head, keyword)) if keyword in head else join(pointer, keyword)
        yield Change(rule, at, f"{what}: {detail}, {effect.value}")


def _annotations(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, what: str
) -> Iterator[Change]:
    at = join(pointer, "default")
    if base.get("default", ...) != head.get("default", ...):
        detail = f"default {_shown(base, 'default')} -> {_shown(head, 'default')}"
        if side is not Side.REQUEST:
            rule = RuleId.RESPONSE_DEFAULT_CHANGED
        elif "default" not in base:
            rule = RuleId.REQUEST_DEFAULT_ADDED
        elif "default" not in head:
            rule = RuleId.REQUEST_DEFAULT_REMOVED
        else:
            rule = RuleId.REQUEST_DEFAULT_CHANGED
        yield Change(rule, at, f"{what}: {detail}")
    if head.get("deprecated") is True and base.get("deprecated") is not True:
        yield Change(RuleId.PROPERTY_DEPRECATED, join(pointer, "deprecated"), f"{what}: deprecated")


def _match(old: list[Any], new: list[Any]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair the branches of two composition lists: equal ones, then the same component
    (``$ref``), then the same title, then by place when as many are left on both sides."""
    canon_old = [json.dumps(b, sort_keys=True) for b in old]
    canon_new = [json.dumps(b, sort_keys=True) for b in new]
    left, right = list(range(len(old))), list(range(len(new)))
    pairs: list[tuple[int, int]] = []

    def pair_by(key: Any) -> None:
        for i in list(left):
            for j in right:
                if key(i, j):
                    pairs.append((i, j))
                    left.remove(i)
                    right.remove(j)
                    break

    pair_by(lambda i, j: canon_old[i] == canon_new[j])

    def same(key: str) -> Any:
        def test(i: int, j: int) -> bool:
            old_key = old[i].get(key) if isinstance(old[i], dict) else None
            new_key = new[j].get(key) if isinstance(new[j], dict) else None
            return old_key is not None and old_key == new_key

        return test

    pair_by(same(REF_KEY))  # the same component, changed
    pair_by(same("title"))
    if len(left) == len(right):
        pairs += list(zip(left, right, strict=True))
        left, right = [], []
    return pairs, left, right


_ANNOTATIONS = {
    "title", "description", "example", "examples", "deprecated", "readOnly", "writeOnly",
    "default", "$comment", "externalDocs", "xml", REF_KEY,
}  # fmt: skip


def _annotation_only(schema: Any) -> bool:
    return isinstance(schema, dict) and all(
        key in _ANNOTATIONS or key.startswith("x-") for key in schema
    )


def _composition(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, what: str
) -> Iterator[Change]:
    for keyword, group in (
        ("oneOf", Group.ONE_OF),
        ("anyOf", Group.ANY_OF),
        ("allOf", Group.ALL_OF),
    ):
        if keyword not in base and keyword not in head:
            continue
        old, new = base.get(keyword, []), head.get(keyword, [])
        pairs, removed, added = _match(old, new)
        if keyword == "allOf":  # a member that only annotates constrains nothing
            removed = [i for i in removed if not _annotation_only(old[i])]
            added = [j for j in added if not _annotation_only(new[j])]
        at = join(pointer, *origin(head, keyword)) if keyword in head else join(pointer, keyword)
        # Adding a branch to oneOf/anyOf accepts more; adding to allOf demands more.
        widened_by_adding = keyword != "allOf"
        if added:
            effect = Effect.WIDENED if widened_by_adding else Effect.NARROWED
            yield Change(
                value_rule(side, group, effect),
                at,
                f"{what}: {keyword} member(s) added at {added}, {effect.value}",
            )
        if removed:
            effect = Effect.NARROWED if widened_by_adding else Effect.WIDENED
            yield Change(
                value_rule(side, group, effect),
                at,
                f"{what}: {keyword} member(s) removed (base {removed}), {effect.value}",
            )
        for i, j in pairs:
            yield from compare_schema(old[i], new[j], join(at, j), side, f"{what}<{keyword}[{j}]>")
    old_disc, new_disc = base.get("discriminator") or {}, head.get("discriminator") or {}
    old_name, new_name = old_disc.get("propertyName"), new_disc.get("propertyName")
    if old_name != new_name:
        # Set or unset: a hint for code generators, the validation is unchanged. Renamed:
        # clients name the variant in another property.
        renamed = old_name is not None and new_name is not None
        yield Change(
            RuleId.DISCRIMINATOR_PROPERTY_CHANGED if renamed else RuleId.DISCRIMINATOR_SET_OR_UNSET,
            join(pointer, "discriminator", "propertyName"),
            f"{what}: discriminator {old_name!r} -> {new_name!r}",
        )


def _access(
    old: dict[str, Any], new: dict[str, Any], side: Side, where: str, what: str
) -> Iterator[Change]:
    """readOnly / writeOnly: whether the property still travels in this message."""
    changed = [k for k in ("readOnly", "writeOnly") if bool(old.get(k)) != bool(new.get(k))]
    if not changed:
        return
    if side is Side.REQUEST and new.get("readOnly") and not old.get("readOnly"):
        yield Change(
            RuleId.REQUEST_PROPERTY_BECAME_READ_ONLY,
            join(where, "readOnly"),
            f"{what}: now readOnly",
        )
    elif side is not Side.REQUEST and new.get("writeOnly") and not old.get("writeOnly"):
        yield Change(
            RuleId.RESPONSE_PROPERTY_BECAME_WRITE_ONLY,
            join(where, "writeOnly"),
            f"{what}: now writeOnly (no longer returned)",
        )
    else:
        flags = ", ".join(f"{k} {bool(new.get(k))}" for k in changed)
        yield Change(RuleId.PROPERTY_ACCESS_CHANGED, join(where, changed[0]), f"{what}: {flags}")


def _absent_here(schema: Any, side: Side) -> bool:
    """A property that does not travel in this message (readOnly in requests, writeOnly in
    responses): its changes affect nobody here."""
    if not isinstance(schema, dict):
        return False
    return bool(schema.get("readOnly" if side is Side.REQUEST else "writeOnly"))


# (side, required?) -> the rule of a property added, or one whose requiredness changed
_PROPERTY_ADDED = {
    (Side.REQUEST, True): RuleId.REQUEST_PROPERTY_ADDED_REQUIRED,
    (Side.REQUEST, False): RuleId.REQUEST_PROPERTY_ADDED_OPTIONAL,
    (Side.RESPONSE, True): RuleId.RESPONSE_PROPERTY_ADDED_REQUIRED,
    (Side.RESPONSE, False): RuleId.RESPONSE_PROPERTY_ADDED_OPTIONAL,
}
_PROPERTY_BECAME = {
    (Side.REQUEST, True): RuleId.REQUEST_PROPERTY_BECAME_REQUIRED,
    (Side.REQUEST, False): RuleId.REQUEST_PROPERTY_BECAME_OPTIONAL,
    (Side.RESPONSE, True): RuleId.RESPONSE_PROPERTY_BECAME_REQUIRED,
    (Side.RESPONSE, False): RuleId.RESPONSE_PROPERTY_BECAME_OPTIONAL,
}


def _properties(
    base: dict[str, Any], head: dict[str, Any], pointer: str, side: Side, what: str
) -> Iterator[Change]:
    # A property whose schema is `false` may not be sent: in a closed object that is what
    # leaving it out says (a closed allOf member refuses what the others declare).
    old_props = {k: v for k, v in base.get("properties", {}).items() if v is not False}
    new_props = {k: v for k, v in head.get("properties", {}).items() if v is not False}
    old_required, new_required = set(base.get("required", [])), set(head.get("required", []))
    closed = head.get("additionalProperties") is False
    request = side is Side.REQUEST
    for name in sorted(old_props.keys() - new_props.keys()):
        if _absent_here(old_props[name], side):
            continue
        forbidden = name in head.get("properties", {})
        where = join(
            pointer, *(origin(head, f"properties/{name}") if forbidden else ("properties", name))
        )
        label = f"{what}.{name}"
        if request:
            rule = (
                RuleId.REQUEST_PROPERTY_REMOVED
                if closed or forbidden
                else RuleId.REQUEST_PROPERTY_REMOVED_OPEN
            )
        else:
            rule = RuleId.RESPONSE_PROPERTY_REMOVED
        how = " (its schema is now false: refused)" if forbidden else ""
        yield Change(rule, where, f"{label}: {side} property removed{how}")
    for name in sorted(new_props.keys() - old_props.keys()):
        if _absent_here(new_props[name], side):
            continue
        where, label = join(pointer, *origin(head, f"properties/{name}")), f"{what}.{name}"
        kind = "required" if name in new_required else "optional"
        added = _PROPERTY_ADDED[side, name in new_required]
        yield Change(added, where, f"{label}: new {kind} {side} property")
    for name in sorted(old_props.keys() & new_props.keys()):
        old, new = old_props[name], new_props[name]
        where, label = join(pointer, *origin(head, f"properties/{name}")), f"{what}.{name}"
        if isinstance(old, dict) and isinstance(new, dict):
            yield from _access(old, new, side, where, label)
        if _absent_here(old, side) or _absent_here(new, side):
            continue
        was, now = name in old_required, name in new_required
        if was != now:
            state = "required" if now else "optional"
            became = _PROPERTY_BECAME[side, now]
            yield Change(became, join(where), f"{label}: now {state}")
        yield from compare_schema(old, new, where, side, label)
