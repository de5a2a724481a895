"""Compare operations, and ``diff_specs``, the entry point.

``diff_specs`` resolves ``$ref`` s, pairs the operations of both specs (by the full URL a
client calls, paths compared by shape, so renaming a path parameter is not a removed
operation) and hands each pair's parts to the module of that concern: ``security``,
``parameters``, ``bodies``, ``responses``, ``contract``; ``document`` takes what lies
outside operations. Every change is reported at a JSON Pointer into the *head* spec's
operation (or the base's, for what the head lacks).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from specdiff.bodies import compare_request_body
from specdiff.catalogue import Change
from specdiff.contract import compare_contract
from specdiff.document import document_changes, moved_base_paths
from specdiff.inputs import check_document
from specdiff.pairing import pair
from specdiff.parameters import compare_parameters
from specdiff.paths import shape
from specdiff.pointers import join
from specdiff.resolve import resolve_refs
from specdiff.responses import compare_responses
from specdiff.rules import RuleId
from specdiff.security import compare_security

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
Spec = dict[str, Any]
OperationKey = tuple[str, str]  # (path shape, method)


def _base_path(spec: Spec, item: dict[str, Any], operation: dict[str, Any]) -> str:
    """The path part of the servers' URLs that serve ``operation`` (its own servers, its
    path's, the document's), variables at their defaults; empty when the servers disagree
    (then operations pair by their paths as written)."""
    servers = operation.get("servers") or item.get("servers") or spec.get("servers") or []
    prefixes = set()
    for server in servers:
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        for name, variable in (
            (server.get("variables") or {}) if isinstance(server, dict) else {}
        ).items():
            if isinstance(variable, dict):
                url = url.replace("{" + name + "}", str(variable.get("default", "")))
        try:
            prefixes.add(urlsplit(url).path.rstrip("/"))
        except ValueError:  # not a URL (`http://[`): no base path known for it
            prefixes.add("")
    return prefixes.pop() if len(prefixes) == 1 else ""


Operation = tuple[str, dict[str, Any], str]  # the path as written, the operation, base path


def _operations(spec: Spec) -> dict[OperationKey, Operation]:
    """(full path shape, method) -> (the path as written, the operation, its base path):
    operations pair by the URL a client calls (server URL + path), so moving ``/v1.0`` from
    every path into ``servers[].url`` removes nothing."""
    found = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                prefix = _base_path(spec, item, operation)
                found[shape(prefix + path), method] = (path, operation, prefix)
    return found


def diff_specs(base_spec: Spec, head_spec: Spec) -> list[Change]:
    """Every classified change from ``base_spec`` to ``head_spec``, ``$ref`` s resolved; one
    edit of a shared component is one entry (:func:`one_entry_per_edit`). A document not of
    the shape specdiff reads raises :class:`specdiff.inputs.InputError` before any
    comparison; any other exception is a bug in specdiff."""
    base = resolve_refs(check_document(base_spec, "the base spec"))
    head = resolve_refs(check_document(head_spec, "the head spec"))
    changes: list[Change] = []
    operations = pair(_operations(base), _operations(head))
    for (_, method), (path, operation, _) in operations.removed:
        label = f"{method.upper()} {path}"
        if _sunset_passed(operation):
            rule, why = RuleId.OPERATION_REMOVED_AFTER_SUNSET, f" (sunset {operation['x-sunset']})"
        else:
            rule, why = RuleId.OPERATION_REMOVED, ""
        changes.append(Change(rule, join("", "paths", path, method), f"{label}: removed{why}"))
    for (_, method), (path, _, _) in operations.added:
        changes.append(
            Change(
                RuleId.OPERATION_ADDED,
                join("", "paths", path, method),
                f"{method.upper()} {path}: operation added",
            )
        )
    moved: dict[tuple[str, str], list[str]] = {}
    for (_, method), old, new in operations.common:
        if old[2] != new[2]:
            moved.setdefault((old[2], new[2]), []).append(f"{method.upper()} {new[0]}")
        changes += _compare_operation(base, head, old, new, method)
    changes += moved_base_paths(moved)
    changes += document_changes(base, head, moved)
    return one_entry_per_edit(changes)


def one_entry_per_edit(changes: list[Change]) -> list[Change]:
    """Changes made once in a shared component (the same ``source``) as one entry: the one
    with the worst impact names the rule and place, the others are listed in ``also``."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        if change.source is not None:
            groups.setdefault(change.source, []).append(change)
    result = []
    for change in changes:
        group = groups.get(change.source or "", [change])
        if len(group) == 1:
            result.append(change)
            continue
        if change is not group[0]:
            continue
        worst = max(group, key=lambda c: c.impact)
        also = tuple((c.rule, c.pointer) for c in group if c is not worst)
        result.append(
            dataclasses.replace(
                worst,
                message=f"{worst.message} [one edit of {_component(change.source or '')}, "
                f"reaching {len(group)} places]",
                also=also,
            )
        )
    return result


def _component(source: str) -> str:
    """``#/components/schemas/X/properties/y`` as a reviewer reads it: ``schema X at
    properties/y`` (the report's pointers are all in operations)."""
    tokens = source.removeprefix("#/").split("/")
    if len(tokens) >= 3 and tokens[0] == "components":
        kind = tokens[1].removesuffix("s")
        rest = "/".join(tokens[3:])
        return f"{kind} {tokens[2]}" + (f" at {rest}" if rest else "")
    return source


def _sunset_passed(operation: dict[str, Any]) -> bool:
    """Deprecated with an ``x-sunset`` date (oasdiff's extension) that is today or past."""
    sunset = operation.get("x-sunset")
    if not operation.get("deprecated") or sunset is None:
        return False
    try:
        day = datetime.date.fromisoformat(str(sunset)[:10])
    except ValueError:
        return False
    return day <= datetime.datetime.now(datetime.UTC).date()


def _compare_operation(
    base_spec: Spec,
    head_spec: Spec,
    old_entry: Operation,
    new_entry: Operation,
    method: str,
) -> Iterator[Change]:
    (old_path, base, old_prefix), (path, head, prefix) = old_entry, new_entry
    pointer = join("", "paths", path, method)
    label = f"{method.upper()} {path}"
    if old_prefix + old_path != prefix + path:
        yield Change(
            RuleId.PATH_PARAMETER_RENAMED,
            join("", "paths", path),
            f"{label}: path template {old_path} -> {path} (same URLs)",
        )
    yield from _lifecycle(base, head, pointer, label)
    yield from compare_security(base_spec, head_spec, base, head, pointer, label)
    yield from compare_parameters(
        (old_path, base_spec["paths"][old_path], base),
        (path, head_spec["paths"][path], head),
        pointer,
        label,
    )
    yield from compare_request_body(
        base.get("requestBody"), head.get("requestBody"), join(pointer, "requestBody"), label
    )
    yield from compare_responses(
        base.get("responses") or {}, head.get("responses") or {}, join(pointer, "responses"), label
    )
    yield from compare_contract(base.get("x-contract"), head.get("x-contract"), pointer, label)


def _lifecycle(
    base: dict[str, Any], head: dict[str, Any], pointer: str, label: str
) -> Iterator[Change]:
    was, now = bool(base.get("deprecated")), bool(head.get("deprecated"))
    if now and not was:
        yield Change(
            RuleId.OPERATION_DEPRECATED, join(pointer, "deprecated"), f"{label}: deprecated"
        )
    elif was and not now:
        yield Change(
            RuleId.OPERATION_REACTIVATED,
            join(pointer, "deprecated"),
            f"{label}: no longer deprecated",
        )
    if base.get("x-sunset") != head.get("x-sunset"):
        yield Change(
            RuleId.OPERATION_SUNSET_CHANGED,
            join(pointer, "x-sunset"),
            f"{label}: x-sunset {base.get('x-sunset')!r} -> {head.get('x-sunset')!r}",
        )
    if base.get("operationId") != head.get("operationId"):
        yield Change(
            RuleId.OPERATION_ID_CHANGED,
            join(pointer, "operationId"),
            f"{label}: operationId {base.get('operationId')!r} -> {head.get('operationId')!r}",
        )
    if sorted(base.get("tags") or []) != sorted(head.get("tags") or []):
        yield Change(
            RuleId.OPERATION_TAGS_CHANGED,
            join(pointer, "tags"),
            f"{label}: tags {base.get('tags')} -> {head.get('tags')}",
        )
