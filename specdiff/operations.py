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
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from specdiff.bodies import compare_request_body
from specdiff.catalogue import Change
from specdiff.contract import compare_contract
from specdiff.document import document_changes, moved_base_paths
from specdiff.inputs import check_document, check_successors
from specdiff.lifecycle import compare_lifecycle, sunset_passed
from specdiff.migration import (
    REPLACES,
    Declared,
    Operation,
    OperationKey,
    Spec,
    compare_migration,
    declared,
)
from specdiff.migration import label as label_of
from specdiff.pairing import pair
from specdiff.parameters import compare_parameters
from specdiff.paths import shape
from specdiff.patterns import pattern_worker
from specdiff.pointers import join
from specdiff.resolve import resolve_refs
from specdiff.responses import compare_responses
from specdiff.rules import RuleId
from specdiff.security import compare_security
from specdiff.signing import compare_signing

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


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
    """:func:`changes_between` with one pattern worker for the whole diff (started on the
    first pattern compared, stopped when the diff ends)."""
    with pattern_worker():
        return changes_between(base_spec, head_spec)


def changes_between(base_spec: Spec, head_spec: Spec) -> list[Change]:
    """Every classified change from ``base_spec`` to ``head_spec``, ``$ref`` s resolved; one
    edit of a shared component is one entry (:func:`one_entry_per_edit`). An operation that
    newly declares the one it replaces (``x-replaces``) carries the migration on its entry.
    A document not of the shape specdiff reads raises :class:`specdiff.inputs.InputError`
    before any comparison; any other exception is a bug in specdiff."""
    base = resolve_refs(check_document(base_spec, "the base spec"))
    head = resolve_refs(check_document(head_spec, "the head spec"))
    check_successors(base, head)
    changes: list[Change] = []
    base_operations, head_operations = _operations(base), _operations(head)
    operations = pair(base_operations, head_operations)
    # successor -> the operation it replaces, in each version (the head's looked up in the
    # base first: clients migrate from the operation they call today)
    before = declared(base_operations, (base, base_operations))
    after = declared(head_operations, (base, base_operations), (head, head_operations))
    successor_of = {d.key: (key, d) for key, d in after.items()}
    for key, (path, operation, _) in operations.removed:
        method = key[1]
        label = f"{method.upper()} {path}"
        if sunset_passed(operation):
            rule, why = RuleId.OPERATION_REMOVED_AFTER_SUNSET, f" (sunset {operation['x-sunset']})"
        else:
            rule, why = RuleId.OPERATION_REMOVED, ""
        migration = None
        if key in successor_of:
            successor, replaced = successor_of[key]
            why += f"; its successor is {label_of(successor, head_operations[successor])}"
            if successor in before and before[successor].key == key:
                # declared before: this diff does not list the migration elsewhere
                migration = compare_migration(replaced, head, successor, head_operations[successor])
        changes.append(
            Change(
                rule, join("", "paths", path, method), f"{label}: removed{why}", migration=migration
            )
        )
    for key, entry in operations.added:
        method, path = key[1], entry[0]
        if key in after:
            migration = compare_migration(after[key], head, key, entry)
            changes.append(
                Change(
                    RuleId.OPERATION_ADDED_REPLACING,
                    join("", "paths", path, method),
                    f"{migration.successor}: operation added, replacing {migration.replaced}",
                    migration=migration,
                )
            )
            continue
        changes.append(
            Change(
                RuleId.OPERATION_ADDED,
                join("", "paths", path, method),
                f"{method.upper()} {path}: operation added",
            )
        )
    moved: dict[tuple[str, str], list[str]] = {}
    for key, old, new in operations.common:
        method = key[1]
        if old[2] != new[2]:
            moved.setdefault((old[2], new[2]), []).append(f"{method.upper()} {new[0]}")
        changes += _compare_operation(base, head, old, new, method)
        changes += _replaces(before.get(key), after.get(key), (key, old, new), head)
    changes += moved_base_paths(moved)
    changes += document_changes(base, head, moved)
    return one_entry_per_edit(changes)


def _replaces(
    was: Declared | None,
    now: Declared | None,
    entries: tuple[OperationKey, Operation, Operation],
    head: Spec,
) -> Iterator[Change]:
    """``x-replaces`` of an operation both versions have: set (or pointed at another
    operation), with the migration it declares, or removed. The same operation named
    another way (its operationId renamed) is no change."""
    key, old, new = entries
    pointer = join("", "paths", new[0], key[1], REPLACES)
    written = old[1].get(REPLACES), new[1].get(REPLACES)
    if now is not None and (was is None or was.key != now.key) and written[0] != written[1]:
        migration = compare_migration(now, head, key, new)
        yield Change(
            RuleId.OPERATION_REPLACES_SET,
            pointer,
            f"{migration.successor}: x-replaces {written[0]!r} -> {written[1]!r}: "
            f"replaces {migration.replaced}",
            migration=migration,
        )
    elif written[0] is not None and written[1] is None:
        yield Change(
            RuleId.OPERATION_REPLACES_REMOVED,
            join("", "paths", old[0], key[1], REPLACES),
            f"{label_of(key, new)}: x-replaces {written[0]!r} removed (no longer declares "
            "what it replaces)",
        )


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
    yield from compare_lifecycle(base, head, pointer, label)
    yield from compare_security(base_spec, head_spec, base, head, pointer, label)
    yield from compare_signing(base_spec, head_spec, base, head, pointer, label)
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
