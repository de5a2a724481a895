"""Parameters (path, query, header, cookie) of an operation and its path item, compared by
where they travel: header names case-insensitively, path parameters by their place in the
template (renaming one changes no URL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.evidence import compare_part
from specdiff.pairing import by_requiredness, pair, requiredness
from specdiff.paths import TEMPLATE_PARAMETER
from specdiff.pointers import join
from specdiff.resolve import REF_KEY
from specdiff.rules import RuleId, Side

# The serialization keywords of a parameter, with their defaults (OpenAPI 3.1, 4.8.12.4).
_SERIALIZATION = ("style", "explode", "allowReserved")


def _merged_parameters(
    path_item: dict[str, Any], operation: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    def key(parameter: dict[str, Any]) -> tuple[str, str]:
        name = str(parameter.get("name"))
        where = str(parameter.get("in"))
        # Header names are case-insensitive; path names are positional (compared by shape).
        return (where, name.lower() if where == "header" else name)

    merged = {key(p): p for p in path_item.get("parameters") or []}
    merged.update({key(p): p for p in operation.get("parameters") or []})
    return merged


def _path_positions(
    params: dict[tuple[str, str], dict[str, Any]], path: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """Path parameters keyed by their place in the template, not their name."""
    order = [m[1:-1] for m in TEMPLATE_PARAMETER.findall(path)]
    keyed = {}
    for (where, name), parameter in params.items():
        if where == "path" and name in order:
            keyed["path", f"#{order.index(name)}"] = parameter
        else:
            keyed[where, name] = parameter
    return keyed


def compare_parameters(
    old_place: tuple[str, dict[str, Any], dict[str, Any]],
    new_place: tuple[str, dict[str, Any], dict[str, Any]],
    pointer: str,
    label: str,
) -> Iterator[Change]:
    """``*_place``: (path template, path item, operation) of each side."""
    old_path, base_item, base = old_place
    path, head_item, head = new_place
    old = _path_positions(_merged_parameters(base_item, base), old_path)
    new = _path_positions(_merged_parameters(head_item, head), path)
    paired = pair(old, new)
    for (where, _), parameter in paired.removed:
        yield Change(
            RuleId.REQUEST_PARAMETER_REMOVED,
            join(pointer, "parameters"),
            f"{label}: {where} parameter `{parameter.get('name')}` removed",
        )
    for (where, _), parameter in paired.added:
        rule = by_requiredness(
            parameter,
            RuleId.REQUEST_PARAMETER_ADDED_REQUIRED,
            RuleId.REQUEST_PARAMETER_ADDED_OPTIONAL,
        )
        yield Change(
            rule,
            join(pointer, "parameters", _index(head_item, head, parameter)),
            f"{label}: new {requiredness(parameter)} {where} parameter `{parameter.get('name')}`",
        )
    for (where, _), was, now in paired.common:
        at = join(pointer, "parameters", _index(head_item, head, now))
        what = f"{where} parameter `{now.get('name')}`"
        if requiredness(was) != requiredness(now):
            rule = by_requiredness(
                now,
                RuleId.REQUEST_PARAMETER_BECAME_REQUIRED,
                RuleId.REQUEST_PARAMETER_BECAME_OPTIONAL,
            )
            yield Change(rule, join(at, "required"), f"{what}: now {requiredness(now)}")
        if now.get("deprecated") and not was.get("deprecated"):
            yield Change(
                RuleId.REQUEST_PARAMETER_DEPRECATED, join(at, "deprecated"), f"{what}: deprecated"
            )
        serialization = [
            k for k in _SERIALIZATION if _serialized(was, k, where) != _serialized(now, k, where)
        ]
        if serialization:
            yield Change(
                RuleId.REQUEST_PARAMETER_SERIALIZATION_CHANGED,
                join(at, serialization[0]),
                f"{what}: {', '.join(serialization)} changed",
            )
        schema_at = join(at, "schema")
        source = was.get(REF_KEY) if was.get(REF_KEY) == now.get(REF_KEY) else None
        for change in compare_part(
            was.get("schema", True), now.get("schema", True), schema_at, Side.REQUEST, what
        ):
            if source and change.source is None and change.pointer.startswith(schema_at):
                # a parameter component both versions reference: one edit of it is one
                # finding however many operations use it (``operations.one_entry_per_edit``)
                tail = change.pointer[len(schema_at) :]
                change = dataclasses.replace(change, source=f"{source}/schema{tail}")
            yield change


def _index(item: dict[str, Any], operation: dict[str, Any], parameter: dict[str, Any]) -> str:
    """Where ``parameter`` is written: its index in the operation's list, else the path's."""
    for owner in (operation, item):
        for i, candidate in enumerate(owner.get("parameters") or []):
            if candidate is parameter:
                return str(i)
    return "?"


def _serialized(parameter: dict[str, Any], keyword: str, where: str) -> Any:
    style_default = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
    style = parameter.get("style", style_default.get(where))
    defaults = {"style": style, "explode": style == "form", "allowReserved": False}
    return parameter.get(keyword, defaults[keyword])
