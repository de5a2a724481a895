"""The rules: what changed, and whom it breaks.

Impact on **clients**: code written against the base spec, calling a server of the head
spec. Impact on **servers**: an implementation of the base spec, checked against the head
spec. A request's accepted set shrinking breaks clients; a response's possible values
growing breaks clients too ("widened where clients rely on it"), and so on.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from specdiff.resolve import join, resolve_refs

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Impact(enum.IntEnum):
    """How a change affects one side; ordered so that ``max`` gives the worst."""

    ADDITIVE = 0
    POSSIBLY_BREAKING = 1
    BREAKING = 2

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


A, P, B = Impact.ADDITIVE, Impact.POSSIBLY_BREAKING, Impact.BREAKING


@dataclass(frozen=True)
class Change:
    """One classified difference between the base and the head spec."""

    rule: str
    pointer: str
    message: str
    clients: Impact
    servers: Impact

    @property
    def impact(self) -> Impact:
        return max(self.clients, self.servers)

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "pointer": self.pointer,
            "message": self.message,
            "impact": self.impact.label,
            "clients": self.clients.label,
            "servers": self.servers.label,
        }


# Direction of data: a request is sent by clients, a response by servers.
REQUEST, RESPONSE = "request", "response"


def _narrowing(direction: str, tightened: bool) -> tuple[Impact, Impact]:
    """(clients, servers) impact of the accepted value set shrinking or growing."""
    if direction == REQUEST:
        return (B, A) if tightened else (A, P)
    return (A, P) if tightened else (B, A)


# keyword -> True when a larger value accepts more (max*), False when it accepts less (min*).
_BOUNDS = {
    "minimum": False,
    "exclusiveMinimum": False,
    "maximum": True,
    "exclusiveMaximum": True,
    "minLength": False,
    "maxLength": True,
    "minItems": False,
    "maxItems": True,
    "minProperties": False,
    "maxProperties": True,
}


def _set_changed(rule: str, pointer: str, message: str, direction: str, tightened: bool) -> Change:
    """A change to the set of accepted values, classified by direction of the data."""
    clients, servers = _narrowing(direction, tightened)
    return Change(rule, pointer, message, clients, servers)


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if kind is None:
        return set()
    return {kind} if isinstance(kind, str) else set(kind)


def compare_schema(
    base: Any, head: Any, pointer: str, direction: str, what: str
) -> Iterator[Change]:
    """Every change between two resolved schemas of one request or response part."""
    if not isinstance(base, dict) or not isinstance(head, dict):
        if base != head:
            yield Change("schema-changed", pointer, f"{what}: schema replaced", B, B)
        return
    old_types, new_types = _types(base), _types(head)
    if old_types != new_types:
        yield Change(
            "type-changed",
            pointer,
            f"{what}: type {sorted(old_types)} -> {sorted(new_types)}",
            B,
            B,
        )
        return
    if base.get("format") != head.get("format"):
        yield Change(
            "format-changed",
            join(pointer, "format"),
            f"{what}: format {base.get('format')!r} -> {head.get('format')!r}",
            B,
            B,
        )
    is_int64 = "integer" in new_types and head.get("format") == "int64"
    for keyword, larger_accepts_more in _BOUNDS.items():
        old, new = base.get(keyword), head.get(keyword)
        if old == new:
            continue
        if old is None or new is None:
            tightened = new is not None  # a bound added tightens, a bound removed widens
        else:
            tightened = (new < old) if larger_accepts_more else (new > old)
        rule = (
            "int64-bounds-changed"
            if is_int64 and keyword in ("minimum", "maximum")
            else ("constraint-tightened" if tightened else "constraint-widened")
        )
        message = (
            f"{what}: {keyword} {old!r} -> {new!r} ({'tightened' if tightened else 'widened'})"
        )
        yield _set_changed(rule, join(pointer, keyword), message, direction, tightened)
    if base.get("pattern") != head.get("pattern"):
        message = f"{what}: pattern {base.get('pattern')!r} -> {head.get('pattern')!r}"
        tightened = head.get("pattern") is not None
        yield _set_changed(
            "pattern-changed", join(pointer, "pattern"), message, direction, tightened
        )
    if "enum" in base or "enum" in head:
        old_enum, new_enum = base.get("enum"), head.get("enum")
        removed = [v for v in old_enum or [] if new_enum is not None and v not in new_enum]
        added = [v for v in new_enum or [] if old_enum is None or v not in old_enum]
        at = join(pointer, "enum")
        if removed or (old_enum is None and new_enum is not None):
            message = f"{what}: enum values removed {removed or 'by a new enum'}"
            yield _set_changed("enum-value-removed", at, message, direction, True)
        if added and old_enum is not None:
            message = f"{what}: enum values added {added}"
            yield _set_changed("enum-value-added", at, message, direction, False)
    unique = bool(head.get("uniqueItems"))
    if bool(base.get("uniqueItems")) != unique:
        rule = "constraint-tightened" if unique else "constraint-widened"
        message = f"{what}: uniqueItems {unique}"
        yield _set_changed(rule, join(pointer, "uniqueItems"), message, direction, unique)
    old_extra, new_extra = (
        base.get("additionalProperties", True),
        head.get("additionalProperties", True),
    )
    at = join(pointer, "additionalProperties")
    if old_extra is not False and new_extra is False:
        message = f"{what}: unknown properties now forbidden"
        yield _set_changed("constraint-tightened", at, message, direction, True)
    elif old_extra is False and new_extra is not False:
        message = f"{what}: unknown properties now allowed"
        yield _set_changed("constraint-widened", at, message, direction, False)
    yield from _compare_properties(base, head, pointer, direction, what)
    if "items" in base or "items" in head:
        yield from compare_schema(
            base.get("items", {}),
            head.get("items", {}),
            join(pointer, "items"),
            direction,
            f"{what}[]",
        )


def _compare_properties(
    base: dict[str, Any], head: dict[str, Any], pointer: str, direction: str, what: str
) -> Iterator[Change]:
    old_props, new_props = base.get("properties", {}), head.get("properties", {})
    old_required, new_required = set(base.get("required", [])), set(head.get("required", []))
    closed = head.get("additionalProperties") is False
    for name in sorted(old_props.keys() - new_props.keys()):
        where = join(pointer, "properties", name)
        if direction == REQUEST:
            yield Change(
                "request-property-removed",
                where,
                f"{what}.{name}: request property removed",
                B if closed else P,
                A,
            )
        else:
            yield Change(
                "response-property-removed",
                where,
                f"{what}.{name}: response property removed",
                B,
                A,
            )
    for name in sorted(new_props.keys() - old_props.keys()):
        where = join(pointer, "properties", name)
        required = name in new_required
        if direction == REQUEST:
            if required:
                yield Change(
                    "request-property-required-added",
                    where,
                    f"{what}.{name}: new required request property `{name}`",
                    B,
                    P,
                )
            else:
                yield Change(
                    "request-property-optional-added",
                    where,
                    f"{what}.{name}: new optional request property `{name}`",
                    A,
                    P,
                )
        elif required:
            yield Change(
                "response-property-required-added",
                where,
                f"{what}.{name}: new required response property `{name}`",
                A,
                B,
            )
        else:
            yield Change(
                "response-property-optional-added",
                where,
                f"{what}.{name}: new optional response property `{name}`",
                A,
                A,
            )
    for name in sorted(old_props.keys() & new_props.keys()):
        where = join(pointer, "properties", name)
        was, now = name in old_required, name in new_required
        if not was and now:
            rule, clients, servers = (
                ("request-property-became-required", B, A)
                if direction == REQUEST
                else ("response-property-became-required", A, B)
            )
            yield Change(rule, where, f"{what}.{name}: now required", clients, servers)
        elif was and not now:
            rule, clients, servers = (
                ("request-property-became-optional", A, P)
                if direction == REQUEST
                else ("response-property-became-optional", B, A)
            )
            yield Change(rule, where, f"{what}.{name}: no longer required", clients, servers)
        yield from compare_schema(
            old_props[name], new_props[name], where, direction, f"{what}.{name}"
        )


def _security(spec: dict[str, Any], operation: dict[str, Any]) -> list[tuple[tuple[str, Any], ...]]:
    """The operation's effective security, with each scheme's definition, comparable."""
    requirements = operation.get("security", spec.get("security", []))
    schemes = spec.get("components", {}).get("securitySchemes", {})
    effective = []
    for requirement in requirements:
        entry = []
        for name, scopes in sorted(requirement.items()):
            definition = {k: v for k, v in schemes.get(name, {}).items() if k != "description"}
            entry.append((name, (sorted(definition.items()), sorted(scopes))))
        effective.append(tuple(entry))
    return sorted(effective, key=repr)


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, item in spec.get("paths", {}).items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _parameters(
    spec_path_item: dict[str, Any], operation: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    merged = {(p["in"], p["name"]): p for p in spec_path_item.get("parameters", [])}
    merged.update({(p["in"], p["name"]): p for p in operation.get("parameters", [])})
    return merged


def _compare_operation(
    base_spec: dict[str, Any], head_spec: dict[str, Any], key: tuple[str, str], pointer: str
) -> Iterator[Change]:
    path, method = key
    base, head = _operations(base_spec)[key], _operations(head_spec)[key]
    label = f"{method.upper()} {path}"
    if _security(base_spec, base) != _security(head_spec, head):
        yield Change(
            "security-changed",
            join(pointer, "security"),
            f"{label}: security requirement changed",
            B,
            B,
        )
    old_params = _parameters(base_spec["paths"][path], base)
    new_params = _parameters(head_spec["paths"][path], head)
    for where, name in sorted(old_params.keys() - new_params.keys()):
        yield Change(
            "parameter-removed",
            join(pointer, "parameters"),
            f"{label}: {where} parameter `{name}` removed",
            B,
            A,
        )
    for where, name in sorted(new_params.keys() - old_params.keys()):
        if new_params[where, name].get("required"):
            yield Change(
                "parameter-required-added",
                join(pointer, "parameters"),
                f"{label}: new required {where} parameter `{name}`",
                B,
                P,
            )
        else:
            yield Change(
                "parameter-optional-added",
                join(pointer, "parameters"),
                f"{label}: new optional {where} parameter `{name}`",
                A,
                P,
            )
    for where, name in sorted(old_params.keys() & new_params.keys()):
        old, new = old_params[where, name], new_params[where, name]
        at = join(pointer, "parameters", f"{where}:{name}")
        if new.get("required") and not old.get("required"):
            yield Change(
                "parameter-became-required",
                at,
                f"{label}: {where} parameter `{name}` now required",
                B,
                A,
            )
        yield from compare_schema(
            old.get("schema", {}),
            new.get("schema", {}),
            join(at, "schema"),
            REQUEST,
            f"{where} parameter {name}",
        )
    yield from _compare_body(
        base.get("requestBody"), head.get("requestBody"), join(pointer, "requestBody"), label
    )
    yield from _compare_responses(
        base.get("responses", {}), head.get("responses", {}), join(pointer, "responses"), label
    )


def _compare_body(
    base: dict[str, Any] | None, head: dict[str, Any] | None, pointer: str, label: str
) -> Iterator[Change]:
    base, head = base or {}, head or {}
    if head.get("required") and not base.get("required"):
        yield Change(
            "request-body-became-required",
            join(pointer, "required"),
            f"{label}: request body now required",
            B,
            A,
        )
    old_media, new_media = base.get("content", {}), head.get("content", {})
    for media in sorted(old_media.keys() - new_media.keys()):
        yield Change(
            "request-media-type-removed",
            join(pointer, "content", media),
            f"{label}: request media type {media} removed",
            B,
            A,
        )
    for media in sorted(new_media.keys() - old_media.keys()):
        yield Change(
            "request-media-type-added",
            join(pointer, "content", media),
            f"{label}: request media type {media} added",
            A,
            P,
        )
    for media in sorted(old_media.keys() & new_media.keys()):
        yield from compare_schema(
            old_media[media].get("schema", {}),
            new_media[media].get("schema", {}),
            join(pointer, "content", media, "schema"),
            REQUEST,
            "request body",
        )


def _compare_responses(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    for status in sorted(base.keys() - head.keys()):
        yield Change(
            "response-status-removed",
            join(pointer, status),
            f"{label}: response {status} removed (servers that send it no longer conform)",
            A,
            B,
        )
    for status in sorted(head.keys() - base.keys()):
        yield Change(
            "response-status-added",
            join(pointer, status),
            f"{label}: response {status} added (old clients do not expect it)",
            P,
            A,
        )
    for status in sorted(base.keys() & head.keys()):
        old_media = base[status].get("content", {})
        new_media = head[status].get("content", {})
        for media in sorted(old_media.keys() - new_media.keys()):
            yield Change(
                "response-media-type-removed",
                join(pointer, status, "content", media),
                f"{label}: {status} media type {media} removed",
                P,
                B,
            )
        for media in sorted(new_media.keys() - old_media.keys()):
            yield Change(
                "response-media-type-added",
                join(pointer, status, "content", media),
                f"{label}: {status} media type {media} added",
                P,
                A,
            )
        for media in sorted(old_media.keys() & new_media.keys()):
            yield from compare_schema(
                old_media[media].get("schema", {}),
                new_media[media].get("schema", {}),
                join(pointer, status, "content", media, "schema"),
                RESPONSE,
                f"{status} response",
            )


def diff_specs(base_spec: dict[str, Any], head_spec: dict[str, Any]) -> list[Change]:
    """Every classified change from ``base_spec`` to ``head_spec``, ``$ref`` s resolved."""
    base, head = resolve_refs(base_spec), resolve_refs(head_spec)
    old_ops, new_ops = _operations(base), _operations(head)
    changes: list[Change] = []
    for path, method in sorted(old_ops.keys() - new_ops.keys()):
        changes.append(
            Change(
                "operation-removed",
                join("", "paths", path, method),
                f"{method.upper()} {path}: operation removed",
                B,
                A,
            )
        )
    for path, method in sorted(new_ops.keys() - old_ops.keys()):
        changes.append(
            Change(
                "operation-added",
                join("", "paths", path, method),
                f"{method.upper()} {path}: operation added",
                A,
                P,
            )
        )
    for key in sorted(old_ops.keys() & new_ops.keys()):
        changes.extend(_compare_operation(base, head, key, join("", "paths", *key)))
    return changes
