"""A replaced operation's response body against its successor's, compared by meaning.

The two bodies are different schemas (another envelope around the same data), so a
property-by-property comparison would call every field removed and added. Here each
property path (``payload.jobs``) is matched with the successor's path that has the same
schema, words aside (``metrics.jobs``: a move); among several of the same schema, the one
of the same name or, next, the same description. A path left unmatched is matched with one
of the same name and type (a move with changes, compared as schemas); what is left is
removed or added. Objects that only wrap other properties are not fields of their own: the
fields inside them are matched (``payload`` -> ``metrics`` is the move of ``jobs``). Arrays
are fields: their items are compared as one schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from specdiff.catalogue import Change
from specdiff.normalize import SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, SUBSCHEMA_ONE, comparable, normalize
from specdiff.pointers import join
from specdiff.rules import RuleId, Side
from specdiff.schemas import compare_schema

Path = tuple[str, ...]
Field = tuple[Any, bool]  # (schema, required in its object)


def _wrapper(schema: Any) -> bool:
    """An object that declares properties: its properties are the fields, not itself."""
    if not isinstance(schema, dict):
        return False
    properties = normalize(schema).get("properties")
    return isinstance(properties, dict) and bool(properties)


def fields(schema: Any, prefix: Path = ()) -> dict[Path, Field]:
    """Every property path of ``schema`` (objects descended into, arrays not)."""
    if not _wrapper(schema):
        return {}
    node = normalize(schema)
    required = set(map(str, node.get("required") or []))
    found: dict[Path, Field] = {}
    for name, sub in node["properties"].items():
        path = (*prefix, str(name))
        found[path] = (sub, name in required)
        found.update(fields(sub, path))
    return found


def meaning(schema: Any) -> str:
    """What a schema allows, as comparable text: words and extensions left out, at any
    depth, each node in its normal form (``normalize``)."""

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        result = comparable(normalize(node))
        for key in SUBSCHEMA_MAPS:
            if isinstance(result.get(key), dict):
                result[key] = {k: walk(v) for k, v in result[key].items()}
        for key in SUBSCHEMA_LISTS:
            if isinstance(result.get(key), list):
                result[key] = [walk(v) for v in result[key]]
        for key in SUBSCHEMA_ONE:
            if key in result:
                result[key] = walk(result[key])
        return result

    return json.dumps(walk(schema), sort_keys=True, default=str)


def dotted(path: Path) -> str:
    return ".".join(path)


def at(pointer: str, path: Path) -> str:
    """The JSON Pointer of ``path`` in the body schema at ``pointer``."""
    return join(pointer, *(token for name in path for token in ("properties", name)))


def _match(
    old_only: list[Path],
    new_only: list[Path],
    old: dict[Path, Field],
    new: dict[Path, Field],
) -> list[tuple[Path, Path]]:
    """Pairs of (old path, new path) that are one field moved: the same schema first (told
    apart by name, then description, else only when one of each is left), then the same
    name and type. A field with two equally good partners is left unmatched."""
    fingerprint = {("o", p): meaning(old[p][0]) for p in old_only}
    fingerprint |= {("n", p): meaning(new[p][0]) for p in new_only}

    def name(side: str, path: Path) -> Any:
        return path[-1]

    def description(side: str, path: Path) -> Any:
        schema = (old if side == "o" else new)[path][0]
        return schema.get("description") if isinstance(schema, dict) else None

    def kind(side: str, path: Path) -> Any:
        schema = (old if side == "o" else new)[path][0]
        return json.dumps(normalize(schema).get("type") if isinstance(schema, dict) else None)

    def same_schema(o: Path, n: Path) -> bool:
        return fingerprint["o", o] == fingerprint["n", n]

    Key = Callable[[str, Path], Any]
    passes: list[tuple[Callable[[Path, Path], bool], Key | None]] = [
        (same_schema, name),
        (same_schema, description),
        (same_schema, None),
        (lambda o, n: kind("o", o) == kind("n", n), name),
    ]
    left_old, left_new = list(old_only), list(new_only)
    pairs: list[tuple[Path, Path]] = []
    for fits, key in passes:

        def agree(o: Path, n: Path, key: Key | None = key, fits: Any = fits) -> bool:
            """``o`` and ``n`` fit, and agree on ``key`` (a key neither has is no match)."""
            if not fits(o, n):
                return False
            return key is None or (key("n", n) is not None and key("o", o) == key("n", n))

        for o in list(left_old):
            partners = [n for n in left_new if agree(o, n)]
            if len(partners) != 1:
                continue
            rivals = [x for x in left_old if agree(x, partners[0])]
            if rivals == [o]:
                pairs.append((o, partners[0]))
                left_old.remove(o)
                left_new.remove(partners[0])
    return pairs


def _under(path: Path, roots: set[Path]) -> bool:
    return any(path[: len(root)] == root for root in roots)


def compare_bodies(
    old_schema: Any,
    new_schema: Any,
    pointers: tuple[str, str],
    what: str,
    code_fields: tuple[str, str] | None = None,
) -> Iterator[Change]:
    """The replaced operation's body (at ``pointers[0]``) against the successor's (at
    ``pointers[1]``); ``code_fields``: the names of the fields that carry the error code in
    each (an error body), compared as one field whatever their schemas."""
    old_pointer, new_pointer = pointers
    old, new = fields(old_schema), fields(new_schema)
    done_old: set[Path] = set()
    done_new: set[Path] = set()
    if code_fields is not None:
        old_code, new_code = code_fields
        if old_code != new_code and (old_code,) in old and (new_code,) in new:
            values = [
                str(schema.get("pattern", "any string")) if isinstance(schema, dict) else "?"
                for schema in (old[old_code,][0], new[new_code,][0])
            ]
            yield Change(
                RuleId.MIGRATION_ERROR_CODE_FIELD_CHANGED,
                at(new_pointer, (new_code,)),
                f"{what}: the error code is in `{new_code}` instead of `{old_code}` "
                f"(values {values[0]} -> {values[1]})",
            )
            done_old.add((old_code,))
            done_new.add((new_code,))
    for path in sorted(old.keys() & new.keys()):
        if _under(path, done_old) or _under(path, done_new):
            continue
        (was, was_required), (now, now_required) = old[path], new[path]
        yield from _requiredness(was_required, now_required, at(new_pointer, path), what, path)
        if _wrapper(was) and _wrapper(now):
            continue  # the fields inside are compared one by one
        yield from compare_schema(
            was, now, at(new_pointer, path), Side.RESPONSE, f"{what}.{dotted(path)}"
        )
        done_old.add(path)
        done_new.add(path)
    old_only = [
        p for p in old if p not in new and not _under(p, done_old) and not _wrapper(old[p][0])
    ]
    new_only = [
        p for p in new if p not in old and not _under(p, done_new) and not _wrapper(new[p][0])
    ]
    for o, n in _match(old_only, new_only, old, new):
        old_only.remove(o)
        new_only.remove(n)
        same = meaning(old[o][0]) == meaning(new[n][0])
        yield Change(
            RuleId.MIGRATION_PROPERTY_MOVED,
            at(new_pointer, n),
            f"{what}: {dotted(o)} -> {dotted(n)}"
            + (" (the same schema)" if same else " (its changes follow)"),
        )
        yield from _requiredness(old[o][1], new[n][1], at(new_pointer, n), what, n)
        if not same:
            yield from compare_schema(
                old[o][0], new[n][0], at(new_pointer, n), Side.RESPONSE, f"{what}.{dotted(n)}"
            )
    for path in old_only:
        yield Change(
            RuleId.RESPONSE_PROPERTY_REMOVED,
            at(old_pointer, path),
            f"{what}: {dotted(path)} removed (the successor does not send it)",
        )
    for path in new_only:
        required = new[path][1]
        yield Change(
            RuleId.RESPONSE_PROPERTY_ADDED_REQUIRED
            if required
            else RuleId.RESPONSE_PROPERTY_ADDED_OPTIONAL,
            at(new_pointer, path),
            f"{what}: {dotted(path)} added ({'required' if required else 'optional'})",
        )


def _requiredness(was: bool, now: bool, pointer: str, what: str, path: Path) -> Iterator[Change]:
    if was != now:
        yield Change(
            RuleId.RESPONSE_PROPERTY_BECAME_REQUIRED
            if now
            else RuleId.RESPONSE_PROPERTY_BECAME_OPTIONAL,
            pointer,
            f"{what}: {dotted(path)} now {'required' if now else 'optional'}",
        )
